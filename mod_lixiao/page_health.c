/*
 * page_health.c: GET /lx/health, the probe of a load balancer or a monitor, answered without
 * authentication (conf/lixiao.conf grants it to all) and without personal data: a small JSON
 * document, no stylesheet, one short statement on a connection of mod_dbd's pool (through
 * the same gate as every request, so a node whose database slots are all taken for 10 s says
 * so): the schema version check, asked afresh, which also tells that the database answers;
 * and one on the standbys' pool when LixiaoReadDB is set.  Cheap enough for a probe every
 * second.
 *
 *   200 {"status": "ok", "database": "ok", "read_db": "none", "schema": "ok",
 *        "schema_module": "045_token_use", "schema_database": "045_token_use"}
 *   503 the same with "status": "unavailable", and Retry-After
 *
 * database: "ok" or "unavailable".  read_db: "none" (LixiaoReadDB not set), "standby",
 * "primary" (no standby was up, the read pool reached the primary) or "unavailable" (no read
 * connection: the reads go to mod_dbd's pool).  schema: "ok", "older" or "newer" (than the
 * module's: every request gets 503, the error log says what to run), "unreadable" (no
 * public.lx_migration that the module may read), "unknown" (no answer); schema_database is
 * null unless a version was read.  The node serves (200) while the primary answers with the
 * module's schema: a standby away is reported, not a failure.
 */
#include "lx_handlers.h"
#include "core/lx_json.h"

static int lx_health_send(lx_req *q, int status, const char *body)
{
    request_rec *r = q->r;
    apr_size_t len = strlen(body);
    r->status = status;
    if (status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(r->headers_out, "Retry-After", apr_itoa(r->pool, q->conf->retry_after));
    ap_set_content_type(r, "application/json; charset=utf-8");
    ap_set_content_length(r, len);
    if (!r->header_only)
        ap_rwrite(body, (int)len, r);
    return OK;
}

/* The standbys' pool: none, standby, primary or unavailable. */
static const char *lx_health_read_db(lx_req *q)
{
    lx_db *rdb;
    const char *standby;
    int rc = lx_db_open_standby(q->r, &rdb);

    if (rc == DECLINED)
        return "none";
    if (rc != OK || !lx_db_prepared(rdb, "SELECT 1", 0, NULL))
        return "unavailable";
    standby = PQparameterStatus(rdb->conn, "in_hot_standby");
    return standby && strcmp(standby, "on") == 0 ? "standby" : "primary";
}

static const char *lx_health_schema(lx_schema_state state)
{
    switch (state) {
    case LX_SCHEMA_SAME:        return "ok";
    case LX_SCHEMA_OLDER:       return "older";
    case LX_SCHEMA_NEWER:       return "newer";
    case LX_SCHEMA_UNREADABLE:  return "unreadable";
    default:                    return "unknown";
    }
}

int lx_page_health(lx_req *q)
{
    request_rec *r = q->r;
    lx_schema_state state = LX_SCHEMA_UNANSWERED;
    const char *found = NULL, *read_db;
    int ok;

    if (r->method_number != M_GET) {
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        return lx_health_send(q, HTTP_METHOD_NOT_ALLOWED,
                              "{\"error\": {\"code\": \"method_not_allowed\", "
                              "\"message\": \"只支持 GET\"}}\n");
    }
    ok = lx_db_connect(r, &q->db) == OK
         && lx_db_schema_check(q->db, 1, &state, &found) == OK;
    read_db = lx_health_read_db(q);
    /* the versions are names of migrations (NNN_word): nothing to escape, but escaped all
     * the same, since the database's comes from a table */
    return lx_health_send(q, ok ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE, apr_psprintf(r->pool,
        "{\"status\": \"%s\", \"database\": \"%s\", \"read_db\": \"%s\", "
        "\"schema\": \"%s\", \"schema_module\": %s, \"schema_database\": %s}\n",
        ok ? "ok" : "unavailable", state == LX_SCHEMA_UNANSWERED ? "unavailable" : "ok",
        read_db, lx_health_schema(state), lx_json_string(r->pool, LX_SCHEMA_VERSION),
        found ? lx_json_string(r->pool, found) : "null"));
}
