/*
 * lx_readpool.c: a second, read-only pool of connections, to the standbys (issue 10).
 *
 * The student page, the portal's status API and the dashboard are nearly all of graduation
 * day's requests, and none of them writes.  With LixiaoReadDB set they read from a standby
 * (libpq's multi-host list with target_session_attrs=prefer-standby: a standby when one is up,
 * else the primary), and the primary keeps its connections for the desks.  mod_dbd offers one
 * pool per server, so this one is the module's own: an apr_reslist of libpq connections per
 * process, behind a gate of its own (first come first served, as lx_gate.c explains).
 *
 * Two rules keep a standby's lag from surprising anyone:
 *  - read-your-writes: whoever has just changed something reads from the primary for
 *    LixiaoReadAfterWrite seconds.  The client carries the deadline in a cookie, so it holds
 *    on whichever node the balancer sends the next request to;
 *  - a page read from a standby says so, with the time its data are current to ("as of").
 *
 * When no standby is up, prefer-standby connects to the primary, and a busy pool never lets
 * its connections go idle: reads would stay on the primary long after a standby is back.  A
 * read connection on the primary is therefore closed when it comes back to the pool once it
 * is LixiaoReadRetry seconds old, and the next one looks for a standby again.
 */
#include "lx_db.h"
#include "apr_reslist.h"
#include "util_cookies.h"
#include "core/lx_text.h"

#define LX_READ_COOKIE "lx_fresh"
#define LX_READ_TTL apr_time_from_sec(300)  /* idle connections close after this */

typedef struct lx_readpool {
    apr_reslist_t *list;
    lx_gate *gate;
    const char *conninfo;
    int prefers_standby;        /* target_session_attrs=prefer-standby: may land on the primary */
    apr_interval_time_t retry;  /* LixiaoReadRetry */
    server_rec *s;
} lx_readpool;

/* A pooled connection and when it was made (malloc'd: the pool's own memory would grow with
 * every reconnect). */
typedef struct lx_read_conn {
    PGconn *conn;
    apr_time_t born;
} lx_read_conn;

/* Written in child_init only, read by every request. */
static lx_readpool *lx_process_readpool;

static apr_status_t lx_read_connect(void **out, void *data, apr_pool_t *p)
{
    lx_readpool *rp = data;
    lx_read_conn *rc;
    PGconn *conn = PQconnectdb(rp->conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, rp->s, LXLOGNO(0111)
                     "LixiaoReadDB: cannot connect: %s",
                     lx_text_one_line(apr_pstrdup(p, PQerrorMessage(conn))));
        PQfinish(conn);
        return APR_EGENERAL;
    }
    rc = malloc(sizeof(*rc));
    if (!rc) {
        PQfinish(conn);
        return APR_ENOMEM;
    }
    rc->conn = conn;
    rc->born = apr_time_now();
    *out = rc;
    return APR_SUCCESS;
}

static apr_status_t lx_read_disconnect(void *res, void *data, apr_pool_t *p)
{
    lx_read_conn *rc = res;
    (void)data; (void)p;
    PQfinish(rc->conn);
    free(rc);
    return APR_SUCCESS;
}

/* Whether the connection string asks for a standby but would take the primary. */
static int lx_prefers_standby(const char *conninfo)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL), *o;
    int prefers = 0;
    for (o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "target_session_attrs") == 0 && o->val)
            prefers = strcmp(o->val, "prefer-standby") == 0;
    PQconninfoFree(opts);
    return prefers;
}

/* The pool of this process (child_init): nothing when LixiaoReadDB is not set. */
void lx_readpool_child_init(apr_pool_t *pchild, server_rec *s)
{
    const lx_server_conf *conf = lx_conf_of(s);
    lx_readpool *rp;
    apr_status_t rv;

    if (!conf->read_conninfo)
        return;
    rp = apr_pcalloc(pchild, sizeof(*rp));
    rp->conninfo = conf->read_conninfo;
    rp->prefers_standby = lx_prefers_standby(conf->read_conninfo);
    rp->retry = apr_time_from_sec(conf->read_retry);
    rp->s = s;
    rv = lx_gate_create(pchild, conf->read_slots, &rp->gate);
    if (rv == APR_SUCCESS)
        rv = apr_reslist_create(&rp->list, 0, conf->read_slots, conf->read_slots, LX_READ_TTL,
                                lx_read_connect, lx_read_disconnect, rp, pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, LXLOGNO(0005)
                     "no pool for LixiaoReadDB: every request reads from the primary");
        return;
    }
    apr_reslist_cleanup_order_set(rp->list, APR_RESLIST_CLEANUP_FIRST);
    lx_process_readpool = rp;
}

/* Has this client changed something within the last LixiaoReadAfterWrite seconds? */
static int lx_recent_writer(request_rec *r)
{
    const char *v = NULL;
    char *end;
    apr_int64_t until;
    if (ap_cookie_read(r, LX_READ_COOKIE, &v, 0) != APR_SUCCESS || !v)
        return 0;
    until = apr_strtoi64(v, &end, 10);
    return *end == '\0' && until > apr_time_sec(r->request_time);
}

/* After a change: this client reads from the primary for a while, on every node.  Only a
 * deadline is in the cookie; a forged one costs the primary a few reads, nothing more. */
void lx_readpool_wrote(request_rec *r)
{
    const lx_server_conf *conf = lx_conf_of(r->server);
    int secs = conf->read_after_write;
    if (!conf->read_conninfo)
        return;
    ap_cookie_write(r, LX_READ_COOKIE,
                    apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                 (apr_int64_t)apr_time_sec(r->request_time) + secs),
                    apr_psprintf(r->pool, "Path=%s/;HttpOnly;SameSite=Lax%s", conf->base_url,
                                 strcmp(ap_http_scheme(r), "https") == 0 ? ";Secure" : ""),
                    secs, r->err_headers_out, NULL);
}

/* The connection goes back, or is dropped when it is broken or was cut off mid-answer. */
typedef struct lx_read_lease {
    lx_readpool *rp;
    lx_read_conn *rc;
    lx_db *db;
} lx_read_lease;

/* A connection that found the primary instead of a standby, and is old enough to try again. */
static int lx_read_conn_should_retry(lx_readpool *rp, lx_read_conn *rc)
{
    const char *standby;
    if (!rp->prefers_standby || apr_time_now() - rc->born < rp->retry)
        return 0;
    standby = PQparameterStatus(rc->conn, "in_hot_standby");
    return standby && strcmp(standby, "off") == 0;
}

static apr_status_t lx_read_release(void *data)
{
    lx_read_lease *lease = data;
    PGconn *conn = lease->rc->conn;
    if (lease->db->timed_out || PQstatus(conn) != CONNECTION_OK
        || PQtransactionStatus(conn) != PQTRANS_IDLE
        || lx_read_conn_should_retry(lease->rp, lease->rc))
        apr_reslist_invalidate(lease->rp->list, lease->rc);
    else
        apr_reslist_release(lease->rp->list, lease->rc);
    return APR_SUCCESS;
}

/*
 * A connection of the read pool for this request: OK with *out set, DECLINED when none is to
 * be had (LixiaoReadDB not set, or no connection could be made: its read slot is given back
 * at once), or 503 when it waited too long for a slot.
 */
static int lx_readpool_lease(request_rec *r, lx_db **out)
{
    lx_readpool *rp = lx_process_readpool;
    lx_read_lease *lease;
    lx_read_conn *conn;
    void *res;
    int rc;

    if (!rp)
        return DECLINED;
    rc = lx_gate_enter(rp->gate, r);
    if (rc != OK)
        return rc;
    if (apr_reslist_acquire(rp->list, &res) != APR_SUCCESS) {
        lx_gate_leave_now(rp->gate, r);
        return DECLINED;        /* lx_read_connect logged why */
    }
    conn = res;
    if (PQstatus(conn->conn) != CONNECTION_OK) {
        PQreset(conn->conn);
        conn->born = apr_time_now();
        if (PQstatus(conn->conn) != CONNECTION_OK) {
            apr_reslist_invalidate(rp->list, conn);
            lx_gate_leave_now(rp->gate, r);
            return DECLINED;
        }
    }
    /* registered before lx_db_wrap's cleanup, so it runs after it (last in, first out): a
     * transaction is rolled back before the connection goes back */
    lease = apr_palloc(r->pool, sizeof(*lease));
    lease->rp = rp;
    lease->rc = conn;
    apr_pool_cleanup_register(r->pool, lease, lx_read_release, apr_pool_cleanup_null);
    *out = lease->db = lx_db_wrap(r, conn->conn);
    return OK;
}

/* For a request that only reads: the read pool's connection unless this client has just
 * written (then, or when the pool has none, DECLINED: the primary serves it). */
static int lx_readpool_open(request_rec *r, lx_db **out)
{
    if (!lx_process_readpool || lx_recent_writer(r))
        return DECLINED;
    return lx_readpool_lease(r, out);
}

/* /lx/health: the read pool's connection whoever asks, DECLINED when LixiaoReadDB is not
 * set, 503 when no connection can be had. */
int lx_db_open_standby(request_rec *r, lx_db **out)
{
    int rc;
    if (!lx_process_readpool)
        return DECLINED;
    rc = lx_readpool_lease(r, out);
    return rc == DECLINED ? HTTP_SERVICE_UNAVAILABLE : rc;
}

int lx_db_open_read(request_rec *r, lx_db **out)
{
    int rc = lx_readpool_open(r, out);
    if (rc == DECLINED)
        return lx_db_open(r, out);
    return rc == OK ? lx_db_schema_check(*out, 0, NULL, NULL) : rc;
}

/*
 * The time the data of a standby are current to, in seconds since the epoch (a string, as
 * PostgreSQL gives it); NULL on the primary.  A standby that has replayed everything it
 * received, while its WAL receiver runs, is current to now; otherwise to its last replayed
 * transaction.
 */
const char *lx_db_as_of(lx_db *db)
{
    PGresult *res;
    const char *standby;

    /* asked of the connection as it is now: a reconnect may have found the primary instead,
     * and a promotion makes the standby one (libpq 14 and later are told either way) */
    standby = db ? PQparameterStatus(db->conn, "in_hot_standby") : NULL;
    if (!standby || strcmp(standby, "on") != 0)
        return NULL;
    if (!db->as_of) {
        res = lx_db_prepared(db,
            "SELECT extract(epoch FROM CASE WHEN pg_last_wal_receive_lsn() = "
            "pg_last_wal_replay_lsn() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver "
            "WHERE pid IS NOT NULL) THEN now() "
            "ELSE coalesce(pg_last_xact_replay_timestamp(), now()) END)::bigint AS as_of",
            0, NULL);
        db->as_of = res ? lx_value(res, 0, "as_of") : NULL;
    }
    return db->as_of;
}
