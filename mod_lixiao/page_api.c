/*
 * page_api.c: the JSON API, /lx/api/v1.
 *
 *   GET  /lx/api/v1/students/{no}/status    the portal's token, or the student themself
 *   POST /lx/api/v1/feeds/{library|finance|bank}   that system's token; a JSON document
 *
 * Tokens come as "Authorization: Bearer ..."; the database keeps only their SHA-256 and the
 * one purpose each serves (lx.api_token).  Errors are JSON too:
 *   {"error": {"code": "stable_code", "message": "中文说明"[, "items": [...]]}}
 * Codes: unauthenticated (401), forbidden (403), not_found (404), method_not_allowed (405),
 * unsupported_media_type (415), too_large (413), bad_json, invalid_records (400),
 * unavailable (503, with Retry-After), internal (500), token_in_query (400: a token belongs in
 * the Authorization header; one in the URL is refused whatever else comes, and lx_route.c has
 * already kept its value out of the logs).
 */
#include "lx_handlers.h"
#include "core/lx_json.h"
#include "core/lx_query.h"

#define LX_FEED_MAX_BYTES (16 * 1024 * 1024)

static int lx_json_send(lx_req *q, int status, const char *body)
{
    request_rec *r = q->r;
    apr_size_t len = strlen(body);
    r->status = status;
    ap_set_content_type(r, "application/json; charset=utf-8");
    ap_set_content_length(r, len);
    if (!r->header_only)
        ap_rwrite(body, len, r);
    return OK;
}

static int lx_json_error(lx_req *q, int status, const char *code, const char *message,
                         const char *items)
{
    apr_pool_t *p = q->r->pool;
    if (status == HTTP_UNAUTHORIZED) {
        /* systems use a token; a student may log in */
        apr_table_addn(q->r->headers_out, "WWW-Authenticate", "Bearer realm=\"lixiao\"");
        apr_table_addn(q->r->headers_out, "WWW-Authenticate", "Basic realm=\"lixiao\"");
    }
    if (status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(q->r->headers_out, "Retry-After", apr_itoa(p, q->conf->retry_after));
    return lx_json_send(q, status, apr_psprintf(p,
        "{\"error\": {\"code\": %s, \"message\": %s%s%s}}\n",
        lx_json_string(p, code), lx_json_string(p, message),
        items ? ", \"items\": " : "", items ? items : ""));
}

static int lx_json_db_error(lx_req *q)
{
    switch (q->db->status) {
    case HTTP_SERVICE_UNAVAILABLE:
        return lx_json_error(q, 503, "unavailable", "数据库暂时无法连接，请稍后重试", NULL);
    case HTTP_BAD_REQUEST:
        return lx_json_error(q, 400, "bad_json", "请求正文不是有效的 JSON", NULL);
    default:
        return lx_json_error(q, 500, "internal", "系统内部出错，已记录", NULL);
    }
}

/* The administrators' list shows when each token was last used: written at most once a minute
 * per token (lx.token_touch), on the primary even when a standby serves the request (a
 * connection of the primary's pool for one statement a minute).  A failure to write it is no
 * reason to refuse the caller. */
static void lx_token_touch(lx_req *q, const char *id)
{
    const char *standby = PQparameterStatus(q->db->conn, "in_hot_standby");
    lx_db *primary = q->db;

    if (standby && strcmp(standby, "on") == 0 && lx_db_open(q->r, &primary) != OK)
        return;
    lx_db_prepared(primary, "SELECT lx.token_touch($1::integer)", 1, &id);
}

/* The purpose of the bearer token, "" for a token we do not know, NULL without one. */
static const char *lx_bearer_purpose(lx_req *q, int *rc)
{
    const char *h = apr_table_get(q->r->headers_in, "Authorization"), *params[1];
    PGresult *res;

    *rc = OK;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    params[0] = h + 7;
    while (*params[0] == ' ')
        params[0]++;
    if (strlen(params[0]) < 32 || strlen(params[0]) > 200)
        return "";
    /* the statement of lx.token_purpose (009) itself: a SQL function with its own settings is
     * planned anew on every call, three times the cost of the lookup */
    res = lx_db_prepared(q->db, "SELECT purpose, id, last_used_at IS NULL "
                                "       OR last_used_at < now() - interval '1 minute' AS stale "
                                "  FROM lx.api_token "
                                " WHERE token_hash = sha256(convert_to($1, 'UTF8')) AND active",
                         1, params);
    if (!res) {
        *rc = q->db->status;
        return NULL;
    }
    if (PQntuples(res) == 0)
        return "";
    if (strcmp(lx_value(res, 0, "stale"), "t") == 0)
        lx_token_touch(q, lx_value(res, 0, "id"));
    return lx_value(res, 0, "purpose");
}

static int lx_api_status(lx_req *q, const char *student_no, const char *purpose)
{
    const char *json;
    int rc;

    if (q->r->method_number != M_GET) {
        apr_table_setn(q->r->headers_out, "Allow", "GET, HEAD");
        return lx_json_error(q, 405, "method_not_allowed", "只支持 GET", NULL);
    }
    if (purpose) {
        if (strcmp(purpose, "portal") != 0)
            return lx_json_error(q, 403, "forbidden", "该令牌不能查询学生状态", NULL);
    }
    else if (q->r->user) {
        /* a logged-in student, for their own status only */
        rc = lx_account_load(q->r, q->db, &q->account);
        if (rc != OK && rc != HTTP_FORBIDDEN)
            return lx_json_db_error(q);
        if (rc != OK || !q->account->is_student || strcmp(q->account->login, student_no) != 0)
            return lx_json_error(q, 403, "forbidden", "只能查询本人的离校状态", NULL);
    }
    else {
        return lx_json_error(q, 401, "unauthenticated",
                             "请提供门户令牌（Authorization: Bearer）或以学生身份登录", NULL);
    }
    if (!lx_student_no_valid(student_no))
        return lx_json_error(q, 404, "not_found", "学号不存在", NULL);
    if (lx_status_json(q, student_no, &json) != OK)
        return lx_json_db_error(q);
    if (!json)
        return lx_json_error(q, 404, "not_found", "学号不存在", NULL);
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-store");
    return lx_json_send(q, HTTP_OK, apr_pstrcat(q->r->pool, json, "\n", NULL));
}

/*
 * GET students/NO/status with a bearer token, the portal's every call: the token's check and
 * the student's rows in one statement, one round trip instead of two.  No row: a token we do not
 * know (401); one row without a student: another purpose's token (403) or no such student
 * (404).  DECLINED when the request is of another shape: lx_api's general path answers it.
 */
static int lx_api_status_by_token(lx_req *q, const char *path)
{
    const char *h = apr_table_get(q->r->headers_in, "Authorization"), *params[2], *json;
    const char *slash;
    PGresult *res;

    if (q->r->method_number != M_GET || !h || strncasecmp(h, "Bearer ", 7) != 0
        || strncmp(path, "students/", 9) != 0 || !(slash = strchr(path + 9, '/'))
        || strcmp(slash, "/status") != 0)
        return DECLINED;
    params[0] = h + 7;
    while (*params[0] == ' ')
        params[0]++;
    params[1] = apr_pstrndup(q->r->pool, path + 9, (apr_size_t)(slash - (path + 9)));
    if (strlen(params[0]) < 32 || strlen(params[0]) > 200 || !lx_student_no_valid(params[1]))
        return DECLINED;
    /* the token's statement as lx_bearer_purpose's, the rows as lx_status_json's */
    res = lx_db_prepared(q->db,
        "SELECT t.purpose, t.id AS token_id, t.stale, r.* "
        "  FROM (SELECT purpose, id, last_used_at IS NULL "
        "               OR last_used_at < now() - interval '1 minute' AS stale "
        "          FROM lx.api_token "
        "         WHERE token_hash = sha256(convert_to($1, 'UTF8')) AND active) t "
        "  LEFT JOIN lx.api_status_rows r ON t.purpose = 'portal' AND r.student_no = $2 "
        " ORDER BY r.point_sort, r.step_sort, r.step_id", 2, params);
    if (!res)
        return lx_json_db_error(q);
    if (PQntuples(res) == 0)
        return lx_json_error(q, 401, "unauthenticated", "令牌无效或已停用", NULL);
    if (strcmp(lx_value(res, 0, "stale"), "t") == 0)
        lx_token_touch(q, lx_value(res, 0, "token_id"));
    if (strcmp(lx_value(res, 0, "purpose"), "portal") != 0)
        return lx_json_error(q, 403, "forbidden", "该令牌不能查询学生状态", NULL);
    if (!(json = lx_status_json_rows(q, res)))
        return lx_json_error(q, 404, "not_found", "学号不存在", NULL);
    return lx_json_send(q, HTTP_OK, apr_pstrcat(q->r->pool, json, "\n", NULL));
}

/* The feed's document: lx_route_api read it (body_rc its outcome) before the database. */
static int lx_api_feed(lx_req *q, const char *feed, const char *purpose, int body_rc,
                       char *body, apr_size_t len)
{
    request_rec *r = q->r;
    const char *ct = apr_table_get(r->headers_in, "Content-Type"), *params[4];
    PGresult *res;

    if (strcmp(feed, "library") && strcmp(feed, "finance") && strcmp(feed, "bank"))
        return lx_json_error(q, 404, "not_found", "没有这种数据接口", NULL);
    if (r->method_number != M_POST) {
        apr_table_setn(r->headers_out, "Allow", "POST");
        return lx_json_error(q, 405, "method_not_allowed", "只支持 POST", NULL);
    }
    if (!purpose)
        return lx_json_error(q, 401, "unauthenticated", "请提供该系统的令牌", NULL);
    if (strcmp(purpose, feed) != 0)
        return lx_json_error(q, 403, "forbidden", "该令牌不能提交此类数据", NULL);
    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return lx_json_error(q, 415, "unsupported_media_type",
                             "Content-Type 应为 application/json", NULL);
    if (body_rc != OK || !body)
        return lx_json_error(q, 413, "too_large", "请求正文过大（最多 16 MiB）", NULL);
    body[len] = '\0';
    if (strlen(body) != len)
        return lx_json_error(q, 400, "bad_json", "请求正文不是有效的 JSON", NULL);
    params[0] = feed;
    params[1] = body;
    params[2] = r->useragent_ip;
    params[3] = apr_table_get(r->headers_in, "Idempotency-Key");
    res = lx_db_query(q->db, "SELECT ok, errors::text AS errors, changed "
                             "FROM lx.feed_apply($1, $2::jsonb, $3, $4)", 4, params);
    if (!res)
        return lx_json_db_error(q);
    if (!lx_value_true(res, 0, "ok"))
        return lx_json_error(q, 400, "invalid_records",
                             "有记录不符合要求，本次未做任何修改", lx_value(res, 0, "errors"));
    return lx_json_send(q, HTTP_OK, apr_psprintf(r->pool, "{\"ok\": true, \"changed\": %s}\n",
                                                 lx_value(res, 0, "changed")));
}

/* Everything under {base}/api/v1: opens the database itself (the caller may be a system with
 * a token, not a user Apache authenticated). */
int lx_api(lx_req *q)
{
    const char *path = q->path + strlen("/api/v1/"), *purpose, *slash, *feed = NULL, *ct;
    const char *auth = apr_table_get(q->r->headers_in, "Authorization");
    char *body = NULL;
    apr_size_t len = 0;
    int rc, body_rc = OK, n;

    apr_table_setn(q->r->headers_out, "Cache-Control", "no-store");
    lx_query_redact(q->r->pool, q->r->args, lx_query_token_names, &n);
    if (n)
        return lx_json_error(q, 400, "token_in_query",
                             "令牌只能放在 Authorization 请求头中，不能放在网址里；"
                             "已在网址中出现过的令牌请停用并换新", NULL);
    if (strncmp(path, "feeds/", 6) == 0 && !strchr(path + 6, '/'))
        feed = path + 6;
    /* a feed's document is read before the database is opened: a slow sender holds a thread,
     * not a connection (the token's check needs the database, so it comes after) */
    ct = apr_table_get(q->r->headers_in, "Content-Type");
    if (feed && q->r->method_number == M_POST && auth && strncasecmp(auth, "Bearer ", 7) == 0
        && (!strcmp(feed, "library") || !strcmp(feed, "finance") || !strcmp(feed, "bank"))
        && ct && strncasecmp(ct, "application/json", 16) == 0)
        body_rc = lx_read_body(q, LX_FEED_MAX_BYTES, &body, &len);
    /* the status may come from a standby (LixiaoReadDB); feeds write to the primary */
    rc = q->r->method_number == M_GET ? lx_db_open_read(q->r, &q->db)
                                      : lx_db_open(q->r, &q->db);
    if (rc != OK)
        return lx_json_error(q, 503, "unavailable", "数据库暂时无法连接，请稍后重试", NULL);
    if ((rc = lx_api_status_by_token(q, path)) != DECLINED)
        return rc;
    purpose = lx_bearer_purpose(q, &rc);
    if (rc != OK)
        return lx_json_db_error(q);
    if (purpose && !*purpose)
        return lx_json_error(q, 401, "unauthenticated", "令牌无效或已停用", NULL);

    if (strncmp(path, "students/", 9) == 0) {
        const char *no = path + 9;
        slash = strchr(no, '/');
        if (slash && strcmp(slash, "/status") == 0)
            return lx_api_status(q, apr_pstrndup(q->r->pool, no, slash - no), purpose);
    }
    else if (feed) {
        return lx_api_feed(q, feed, purpose, body_rc, body, len);
    }
    return lx_json_error(q, 404, "not_found", "没有这个接口", NULL);
}
