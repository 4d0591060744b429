/*
 * lx_db.c: mod_dbd's pool for the connections to the primary, libpq for the work.
 *
 * Measured traps this file avoids (STYLE.md):
 *  - named prepared statements vanish when PostgreSQL restarts: the few statements of every
 *    request (lx_db_prepared) are prepared per connection under a name made of their text's
 *    digest, and prepared again when the server says it does not know the name; every other
 *    statement is sent unnamed (PQsendQueryParams), with the logic in SQL functions.  Each
 *    connection remembers what it has prepared (libpq's event data, forgotten when libpq
 *    resets the connection), so that a new connection prepares before it executes instead of
 *    failing first: PostgreSQL logged that failure as an ERROR on every new connection;
 *  - mod_dbd hands a connection back as it is: a cleanup on r->pool rolls back whatever
 *    transaction a request left open (registered after mod_dbd's release, so it runs first);
 *  - apr_dbd reports no SQLSTATE: libpq does, and it decides between 503 (database away),
 *    4xx (a rule refused the request) and 500 (our bug).
 */
#include "lx_db.h"
#include "apr_dbd.h"
#include "apr_optional.h"
#include "mod_dbd.h"
#include "core/lx_digest.h"
#include "core/lx_text.h"

#include "apr_thread_mutex.h"
#include <libpq-events.h>

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#ifndef LX_SCHEMA_VERSION
#error "LX_SCHEMA_VERSION: the last of sql/NNN_*.sql, set by Makefile.apxs"
#endif

static PGresult *lx_db_wait(lx_db *db, int sent);

/* The request's transaction must not outlive it. */
static apr_status_t lx_db_cleanup(void *data)
{
    lx_db *db = data;
    PGTransactionStatusType ts = PQtransactionStatus(db->conn);
    if (!db->timed_out && (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR))
        PQclear(lx_db_wait(db, PQsendQuery(db->conn, "ROLLBACK")));
    return APR_SUCCESS;
}

static apr_status_t lx_pqclear(void *data)
{
    PQclear(data);
    return APR_SUCCESS;
}

/* Written in post_config and child_init only, read by every request: mod_dbd's acquire
 * function and the gate in front of this process's pool. */
static ap_dbd_t *(*lx_dbd_acquire)(request_rec *);
static lx_gate *lx_process_gate;

apr_status_t lx_db_post_config(server_rec *s)
{
    lx_dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    if (lx_dbd_acquire)
        return APR_SUCCESS;
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, LXLOGNO(0001)
                 "mod_lixiao needs mod_dbd: LoadModule dbd_module first");
    return APR_EGENERAL;
}

/*
 * What this process last learnt of the database's schema version (lx_db_schema_check).  The
 * lock is made in child_init; the fields are the one state that requests write, under it.
 */
static struct {
    apr_thread_mutex_t *lock;
    int answered;           /* state and found hold an answer of the database */
    lx_schema_state state;
    char found[64];         /* the database's version then ("" when unreadable) */
    apr_time_t asked;       /* when it was last asked */
    apr_time_t logged;      /* when a schema unlike the module's was last logged */
} lx_schema;

/* One gate per process, as wide as LixiaoDBSlots (set it to DBDMax: lx_gate.c); the lock of
 * the process's schema check. */
void lx_db_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (lx_gate_create(pchild, lx_conf_of(s)->db_slots, &lx_process_gate) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, LXLOGNO(0004)
                     "no gate in front of the database pool: requests wait in mod_dbd's");
        lx_process_gate = NULL;
    }
    if (apr_thread_mutex_create(&lx_schema.lock, APR_THREAD_MUTEX_DEFAULT, pchild)
        != APR_SUCCESS)
        lx_schema.lock = NULL;      /* then every request asks the database itself */
}

static int db_timeout(request_rec *r)
{
    return lx_conf_of(r->server)->db_timeout;
}

/*
 * What a connection has prepared: the digests of lx_db_prepared's statements, kept with the
 * connection as libpq's event data (malloc'd: the connection outlives every request and
 * belongs to no pool of ours).  A connection is used by one request at a time, and libpq calls
 * lx_db_event from the thread that resets or closes it: no lock.
 */
#define LX_PREPARED_MAX 64
typedef struct lx_prepared {
    int n;
    apr_uint64_t digest[LX_PREPARED_MAX];
} lx_prepared;

static void lx_db_schema_forget(void);

static int lx_db_event(PGEventId id, void *info, void *pass)
{
    (void)pass;
    if (id == PGEVT_CONNRESET) {
        /* a new session: nothing prepared, and perhaps another server (a failover) */
        lx_prepared *ps = PQinstanceData(((PGEventConnReset *)info)->conn, lx_db_event);
        if (ps)
            ps->n = 0;
        lx_db_schema_forget();
    }
    else if (id == PGEVT_CONNDESTROY) {
        free(PQinstanceData(((PGEventConnDestroy *)info)->conn, lx_db_event));
    }
    return 1;
}

/* The connection's memory of its prepared statements, made the first time the module sees
 * it; NULL if it cannot be had (then statements are executed first, as without it). */
static lx_prepared *lx_db_prepared_of(PGconn *conn)
{
    lx_prepared *ps = PQinstanceData(conn, lx_db_event);
    if (ps)
        return ps;
    ps = calloc(1, sizeof(*ps));
    if (!ps)
        return NULL;
    if (!PQregisterEventProc(conn, lx_db_event, "mod_lixiao", NULL)
        || !PQsetInstanceData(conn, lx_db_event, ps)) {
        free(ps);
        return NULL;
    }
    return ps;
}

static int lx_prepared_has(const lx_prepared *ps, apr_uint64_t digest)
{
    for (int i = 0; ps && i < ps->n; i++)
        if (ps->digest[i] == digest)
            return 1;
    return 0;
}

static void lx_prepared_add(lx_prepared *ps, apr_uint64_t digest)
{
    if (ps && ps->n < LX_PREPARED_MAX && !lx_prepared_has(ps, digest))
        ps->digest[ps->n++] = digest;
}

/* The request's view of conn: statements wait at most LixiaoDBTimeout, and whatever
 * transaction the request leaves open is rolled back when it ends. */
lx_db *lx_db_wrap(request_rec *r, PGconn *conn)
{
    lx_db *db = apr_pcalloc(r->pool, sizeof(*db));
    db->r = r;
    db->conn = conn;
    db->prepared = lx_db_prepared_of(conn);
    db->status = OK;
    db->timeout = apr_time_from_sec(db_timeout(r));
    apr_pool_cleanup_register(r->pool, db, lx_db_cleanup, apr_pool_cleanup_null);
    return db;
}

/* A connection of mod_dbd's pool, to the primary, for this request, without the schema
 * check (/lx/health makes its own). */
int lx_db_connect(request_rec *r, lx_db **out)
{
    ap_dbd_t *dbd;
    int rc = lx_gate_enter(lx_process_gate, r);
    if (rc != OK)
        return rc;
    dbd = lx_dbd_acquire(r);
    if (!dbd) {
        /* mod_dbd has logged why it could not connect */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0101)
                      "database unavailable: no connection from mod_dbd");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (strcmp(apr_dbd_name(dbd->driver), "pgsql") != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r, LXLOGNO(0102)
                      "DBDriver is %s: mod_lixiao needs DBDriver pgsql",
                      apr_dbd_name(dbd->driver));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    *out = lx_db_wrap(r, apr_dbd_native_handle(dbd->driver, dbd->handle));
    return OK;
}

/* A connection of mod_dbd's pool, to the primary, for this request: 503 while the database's
 * schema is not the one this module was built for. */
int lx_db_open(request_rec *r, lx_db **out)
{
    int rc = lx_db_connect(r, out);
    return rc == OK ? lx_db_schema_check(*out, 0, NULL, NULL) : rc;
}

/* SQLSTATE -> HTTP status.  Our functions raise LX4nn with the status in the code. */
static int lx_db_classify(PGconn *conn, const char *sqlstate)
{
    if (PQstatus(conn) == CONNECTION_BAD || !sqlstate)
        return HTTP_SERVICE_UNAVAILABLE;
    if (strncmp(sqlstate, "LX", 2) == 0) {
        int code = atoi(sqlstate + 2);
        return code >= 400 && code < 500 ? code : HTTP_INTERNAL_SERVER_ERROR;
    }
    if (strncmp(sqlstate, "08", 2) == 0        /* connection exception */
        || strncmp(sqlstate, "53", 2) == 0     /* insufficient resources */
        || strncmp(sqlstate, "57P", 3) == 0    /* shutting down, cannot connect now */
        || strcmp(sqlstate, "57014") == 0      /* statement_timeout */
        || strcmp(sqlstate, "55P03") == 0      /* lock_timeout */
        || strcmp(sqlstate, "25006") == 0      /* read-only transaction: on a standby */
        || strcmp(sqlstate, "40001") == 0      /* serialization failure, retries spent */
        || strcmp(sqlstate, "40P01") == 0)     /* deadlock, retries spent */
        return HTTP_SERVICE_UNAVAILABLE;
    if (strncmp(sqlstate, "23", 2) == 0)       /* integrity constraint violation */
        return HTTP_CONFLICT;
    if (strncmp(sqlstate, "22", 2) == 0)       /* data exception */
        return HTTP_BAD_REQUEST;
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* One line, without CR/LF, for the log. */
static const char *lx_db_message(apr_pool_t *p, const PGresult *res, PGconn *conn)
{
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    return lx_text_one_line(apr_pstrdup(p, m ? m : PQerrorMessage(conn)));
}

/*
 * Wait until what was sent is flushed and libpq holds an answer, until deadline.
 * PostgreSQL's statement_timeout cannot fire in a backend that is stopped or cut off: without
 * a deadline of our own a worker would wait for it forever.  At the deadline the connection is
 * shut down (libpq then reports it broken, and mod_dbd replaces it), db->timed_out is set and
 * -1 comes back.
 */
static int lx_db_until_ready(lx_db *db, apr_time_t deadline)
{
    PGresult *res;
    int flushing = 1;

    while (flushing || PQisBusy(db->conn)) {
        struct pollfd pfd = {PQsocket(db->conn), 0, 0};
        apr_time_t left = deadline - apr_time_now();
        int n;
        if (flushing) {
            n = PQflush(db->conn);
            if (n < 0)
                break;
            flushing = n > 0;
            if (!flushing && !PQisBusy(db->conn))
                break;
        }
        pfd.events = flushing ? POLLIN | POLLOUT : POLLIN;
        if (left <= 0 || pfd.fd < 0
            || (n = poll(&pfd, 1, (int)((left + 999) / 1000))) == 0) {
            db->timed_out = 1;
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, LXLOGNO(0110)
                          "no answer from the database within %d s: connection closed",
                          (int)apr_time_sec(db->timeout));
            if (pfd.fd >= 0)
                shutdown(pfd.fd, SHUT_RDWR);
            if (PQresultStatus(res = PQgetResult(db->conn)) != PGRES_COPY_IN)
                while (res) {
                    PQclear(res);
                    res = PQgetResult(db->conn);
                }
            else
                PQclear(res);
            return -1;
        }
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && !PQconsumeInput(db->conn))
            break;
    }
    return 0;
}

/* The answer to what was just sent (the last result of it), waiting at most LixiaoDBTimeout;
 * NULL with db->timed_out set when none came. */
static PGresult *lx_db_wait(lx_db *db, int sent)
{
    PGresult *res, *last = NULL;

    if (!sent || lx_db_until_ready(db, apr_time_now() + db->timeout) != 0)
        return NULL;
    while ((res = PQgetResult(db->conn)) != NULL) {
        PQclear(last);
        last = res;
    }
    return last;
}

/*
 * Send one statement.  A statement of lx_db_prepared outside a transaction goes as a named
 * prepared statement of the connection ("lx_" and a digest of its text): parsed and planned
 * once per connection instead of once per request.  A connection prepares each such statement
 * the first time it sends it (it remembers which: lx_prepared).  Named statements vanish when
 * PostgreSQL restarts (STYLE.md), which libpq's reset tells the memory; should one be gone all
 * the same, "does not exist" (26000) makes it prepared again, once; so does "cached plan must
 * not change result type" (0A000) after a migration redefined a function under a running
 * httpd.  Inside a transaction such an error would abort the transaction, so there the text is
 * sent as it is.
 */
static PGresult *lx_db_exec(lx_db *db, const char *sql, int nparams,
                            const char *const *params)
{
    const char *name, *state;
    apr_uint64_t digest;
    PGresult *res;

    if (!db->prepare || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        return lx_db_wait(db, PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL,
                                                NULL, 0));
    digest = lx_fnv1a(LX_FNV_BASIS, sql, strlen(sql));
    name = apr_pstrcat(db->r->pool, "lx_", lx_digest(db->r->pool, sql), NULL);
    if (db->prepared && !lx_prepared_has(db->prepared, digest)) {
        res = lx_db_wait(db, PQsendPrepare(db->conn, name, sql, nparams, NULL));
        state = res && PQresultStatus(res) == PGRES_FATAL_ERROR
                ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        /* 42P05: prepared already (by a module that did not remember it) */
        if (!res || (PQresultStatus(res) != PGRES_COMMAND_OK
                     && !(state && strcmp(state, "42P05") == 0)))
            return res;
        PQclear(res);
        lx_prepared_add(db->prepared, digest);
    }
    res = lx_db_wait(db, PQsendQueryPrepared(db->conn, name, nparams, params, NULL, NULL, 0));
    state = res && PQresultStatus(res) == PGRES_FATAL_ERROR
            ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0)) {
        if (strcmp(state, "0A000") == 0)
            PQclear(lx_db_wait(db, PQsendQuery(db->conn, apr_pstrcat(db->r->pool,
                                                                   "DEALLOCATE ", name, NULL))));
        PQclear(res);
        res = lx_db_wait(db, PQsendPrepare(db->conn, name, sql, nparams, NULL));
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
            return res;
        PQclear(res);
        lx_prepared_add(db->prepared, digest);
        res = lx_db_wait(db, PQsendQueryPrepared(db->conn, name, nparams, params, NULL, NULL,
                                                 0));
    }
    return res;
}

/* The transaction has allowed its statements `seconds` (set_config('statement_timeout')): the
 * module waits that long for an answer, and LixiaoDBTimeout more. */
void lx_db_allow(lx_db *db, int seconds)
{
    db->timeout = apr_time_from_sec(seconds + db_timeout(db->r));
}

/* lx_db_query for the few statements of every request (a fixed text, no literals in it). */
PGresult *lx_db_prepared(lx_db *db, const char *sql, int nparams, const char *const *params)
{
    PGresult *res;
    db->prepare = 1;
    res = lx_db_query(db, sql, nparams, params);
    db->prepare = 0;
    return res;
}

/*
 * Run one statement.  Returns the result (freed with the request) or NULL with db->status set.
 * A connection found dead outside a transaction is reset and the statement sent once more:
 * after a PostgreSQL restart the first request on each pooled connection then still succeeds.
 */
PGresult *lx_db_query(lx_db *db, const char *sql, int nparams, const char *const *params)
{
    request_rec *r = db->r;
    int in_tx = PQtransactionStatus(db->conn) != PQTRANS_IDLE;
    PGresult *res = lx_db_exec(db, sql, nparams, params);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    if (db->timed_out) {
        db->status = HTTP_SERVICE_UNAVAILABLE;
        db->sqlstate = NULL;
        db->message = NULL;
        return NULL;
    }
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK
        && PQstatus(db->conn) == CONNECTION_BAD && !in_tx) {
        PQclear(res);
        PQreset(db->conn);
        if (PQstatus(db->conn) == CONNECTION_OK) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, LXLOGNO(0103)
                          "database connection was lost and has been re-established");
            res = lx_db_exec(db, sql, nparams, params);
        }
        else {
            res = NULL;
        }
        st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    }
    /* a statement of its own that lost a deadlock (two batches meeting on a counter row) or a
     * serialisation conflict is simply run again: it was rolled back whole */
    for (int tries = 0; !in_tx && tries < 3 && res && st == PGRES_FATAL_ERROR; tries++) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (!state || (strcmp(state, "40P01") != 0 && strcmp(state, "40001") != 0))
            break;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, LXLOGNO(0108)
                      "statement retried after SQLSTATE %s", state);
        PQclear(res);
        res = lx_db_exec(db, sql, nparams, params);
        st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    }
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        apr_pool_cleanup_register(r->pool, res, lx_pqclear, apr_pool_cleanup_null);
        db->status = OK;
        db->sqlstate = NULL;
        return res;
    }

    db->sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (db->sqlstate)
        db->sqlstate = apr_pstrdup(r->pool, db->sqlstate);
    db->status = lx_db_classify(db->conn, db->sqlstate);
    /* our functions explain a refusal in Chinese: the page shows it */
    db->message = NULL;
    if (res && db->sqlstate && strncmp(db->sqlstate, "LX", 2) == 0
        && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY))
        db->message = apr_pstrdup(r->pool, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    if (db->status == HTTP_SERVICE_UNAVAILABLE)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0104)
                      "database unavailable (SQLSTATE %s): %s",
                      db->sqlstate ? db->sqlstate : "none",
                      lx_db_message(r->pool, res, db->conn));
    else if (db->status == HTTP_INTERNAL_SERVER_ERROR)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0105)
                      "database error (SQLSTATE %s): %s",
                      db->sqlstate ? db->sqlstate : "none",
                      lx_db_message(r->pool, res, db->conn));
    else
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, LXLOGNO(0106)
                      "request refused by the database (SQLSTATE %s): %s",
                      db->sqlstate, lx_db_message(r->pool, res, db->conn));
    PQclear(res);
    return NULL;
}

/* BEGIN sent by hand: apr_dbd_transaction_start dereferences NULL when BEGIN fails. */
int lx_db_begin(lx_db *db)
{
    return lx_db_query(db, "BEGIN", 0, NULL) ? OK : db->status;
}

int lx_db_commit(lx_db *db)
{
    return lx_db_query(db, "COMMIT", 0, NULL) ? OK : db->status;
}

/* The results left after a COPY, cleared. */
static void lx_db_drain(lx_db *db)
{
    PGresult *res;
    while ((res = PQgetResult(db->conn)) != NULL)
        PQclear(res);
}

/*
 * COPY ... FROM STDIN with data (len bytes), under the request's deadline like every other
 * statement: the data goes out in non-blocking mode, so a database that stops reading cannot
 * hold the worker past it.  OK, or db->status with db->message holding PostgreSQL's account.
 */
int lx_db_copy_in(lx_db *db, const char *sql, const char *data, apr_size_t len)
{
    request_rec *r = db->r;
    apr_time_t deadline = apr_time_now() + db->timeout;
    apr_size_t off = 0;
    PGresult *res;
    int ok, n = 0;

    if (!PQsendQuery(db->conn, sql) || lx_db_until_ready(db, deadline) != 0)
        return db->status = HTTP_SERVICE_UNAVAILABLE;
    res = PQgetResult(db->conn);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        db->sqlstate = state ? apr_pstrdup(r->pool, state) : NULL;
        db->status = lx_db_classify(db->conn, db->sqlstate);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0113) "COPY refused (SQLSTATE %s): %s",
                      db->sqlstate ? db->sqlstate : "none", lx_db_message(r->pool, res, db->conn));
        PQclear(res);
        lx_db_drain(db);
        return db->status == OK ? HTTP_INTERNAL_SERVER_ERROR : db->status;
    }
    PQclear(res);
    PQsetnonblocking(db->conn, 1);
    /* in pieces: a piece libpq cannot take yet waits for the socket, within the deadline */
    while (off < len && n >= 0) {
        apr_size_t piece = len - off > 65536 ? 65536 : len - off;
        n = PQputCopyData(db->conn, data + off, (int)piece);
        if (n == 1)
            off += piece;
        else if (n == 0 && lx_db_until_ready(db, deadline) != 0)
            n = -1;
    }
    while (n >= 0 && (n = PQputCopyEnd(db->conn, off < len ? "upload interrupted" : NULL)) == 0)
        if (lx_db_until_ready(db, deadline) != 0)
            n = -1;
    PQsetnonblocking(db->conn, 0);
    if (n < 0 || lx_db_until_ready(db, deadline) != 0) {
        if (!db->timed_out)
            lx_db_drain(db);
        return db->status = HTTP_SERVICE_UNAVAILABLE;
    }
    res = PQgetResult(db->conn);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        db->sqlstate = state ? apr_pstrdup(r->pool, state) : NULL;
        db->status = lx_db_classify(db->conn, db->sqlstate);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0112) "COPY failed (SQLSTATE %s): %s",
                      db->sqlstate ? db->sqlstate : "none", lx_db_message(r->pool, res, db->conn));
    }
    PQclear(res);
    lx_db_drain(db);
    return ok ? OK : db->status;
}

int lx_db_rollback(lx_db *db)
{
    return lx_db_query(db, "ROLLBACK", 0, NULL) ? OK : db->status;
}

/* A value as an SQL literal, for the statements that take no parameters (COPY); NULL as NULL. */
const char *lx_db_literal(lx_db *db, const char *value)
{
    char *lit;
    const char *out;
    if (!value)
        return "NULL";
    lit = PQescapeLiteral(db->conn, value, strlen(value));
    if (!lit)
        return "NULL";
    out = apr_pstrdup(db->r->pool, lit);
    PQfreemem(lit);
    return out;
}

/*
 * The schema version check (issue 21).  The build records the last of sql/NNN_*.sql
 * (Makefile.apxs: LX_SCHEMA_VERSION, "045_token_use"); scripts/migrate.sh records each migration it applies in
 * public.lx_migration.  A module on an older schema fails on what is missing, one on a newer
 * schema knows nothing of what the migrations changed: while they differ, every request that
 * opens the database gets 503 with Retry-After, and the error log names the command to run.  The answer is kept per process and asked again a minute after it agreed,
 * a second after it did not (so service returns a second after migrate.sh), after libpq
 * reset a connection, and on every /lx/health probe (fresh).
 */
#define LX_SCHEMA_RECHECK apr_time_from_sec(60)
#define LX_SCHEMA_RECHECK_WRONG apr_time_from_sec(1)
#define LX_SCHEMA_RELOG apr_time_from_sec(60)

/* After a reconnect (lx_db_event: a restarted server may hold another schema, a failover
 * reach another server): the next request asks again. */
static void lx_db_schema_forget(void)
{
    if (!lx_schema.lock)
        return;
    apr_thread_mutex_lock(lx_schema.lock);
    lx_schema.asked = 0;
    apr_thread_mutex_unlock(lx_schema.lock);
}

/* The database's schema version (*found: "" when no migration is recorded), and how it
 * compares with the module's: LX_SCHEMA_UNREADABLE when public.lx_migration is missing or
 * lx_app may not read it (a database that migrate.sh of this version never ran on),
 * LX_SCHEMA_UNANSWERED when the database did not answer. */
static lx_schema_state lx_schema_ask(lx_db *db, const char **found)
{
    PGresult *res = lx_db_prepared(db, "SELECT coalesce(max(version COLLATE \"C\"), '') "
                                       "AS version FROM public.lx_migration", 0, NULL);
    int cmp;

    *found = NULL;
    if (!res)
        return db->status == HTTP_SERVICE_UNAVAILABLE ? LX_SCHEMA_UNANSWERED
                                                      : LX_SCHEMA_UNREADABLE;
    *found = lx_value(res, 0, "version");
    cmp = strcmp(*found, LX_SCHEMA_VERSION);
    return cmp == 0 ? LX_SCHEMA_SAME : cmp < 0 ? LX_SCHEMA_OLDER : LX_SCHEMA_NEWER;
}

static void lx_schema_log(lx_db *db, lx_schema_state state, const char *found)
{
    request_rec *r = db->r;
    const char *host = PQhost(db->conn), *name = PQdb(db->conn);

    host = host && *host ? host : "DBHOST";
    name = name && *name ? name : "DBNAME";
    if (state == LX_SCHEMA_UNREADABLE)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0116)
                      "cannot read the database's schema version (public.lx_migration, "
                      "SQLSTATE %s): run /usr/share/mod_lixiao/scripts/migrate.sh %s %s, which "
                      "records it and lets lx_app read it; until then every request gets 503",
                      db->sqlstate ? db->sqlstate : "none", host, name);
    else if (state == LX_SCHEMA_OLDER)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0114)
                      "database schema %s is older than this module's %s: bring it up to date "
                      "with /usr/share/mod_lixiao/scripts/migrate.sh %s %s; until then every "
                      "request gets 503", *found ? found : "(none)", LX_SCHEMA_VERSION, host,
                      name);
    else
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0115)
                      "database schema %s is newer than this module's %s: install the "
                      "mod_lixiao whose sql/ ends with %s (the one that migrated the database) "
                      "and reload Apache; until then every request gets 503",
                      found, LX_SCHEMA_VERSION, found);
}

int lx_db_schema_check(lx_db *db, int fresh, lx_schema_state *state, const char **found)
{
    apr_time_t now = apr_time_now();
    lx_schema_state st;
    const char *v = NULL;
    int ask, log = 0;

    if (lx_schema.lock)
        apr_thread_mutex_lock(lx_schema.lock);
    /* one request asks when the answer is stale; the others go on with the last answer,
     * which the first requests of a process do not have yet: each of them asks */
    ask = !lx_schema.lock || fresh || !lx_schema.answered || !lx_schema.asked
          || now - lx_schema.asked >= (lx_schema.state == LX_SCHEMA_SAME
                                       ? LX_SCHEMA_RECHECK : LX_SCHEMA_RECHECK_WRONG);
    if (ask) {
        lx_schema.asked = now;
    }
    else {
        st = lx_schema.state;
        v = apr_pstrdup(db->r->pool, lx_schema.found);
    }
    if (lx_schema.lock)
        apr_thread_mutex_unlock(lx_schema.lock);

    if (ask) {
        st = lx_schema_ask(db, &v);
        if (st == LX_SCHEMA_UNANSWERED) {
            if (state)
                *state = st;
            if (found)
                *found = NULL;
            return db->status;
        }
        if (lx_schema.lock)
            apr_thread_mutex_lock(lx_schema.lock);
        /* a schema unlike the module's is logged when first seen, then once a minute */
        if (st != LX_SCHEMA_SAME
            && (!lx_schema.answered || st != lx_schema.state
                || strncmp(v ? v : "", lx_schema.found, sizeof(lx_schema.found) - 1) != 0
                || now - lx_schema.logged >= LX_SCHEMA_RELOG)) {
            lx_schema.logged = now;
            log = 1;
        }
        lx_schema.answered = 1;
        lx_schema.state = st;
        apr_cpystrn(lx_schema.found, v ? v : "", sizeof(lx_schema.found));
        if (lx_schema.lock)
            apr_thread_mutex_unlock(lx_schema.lock);
        if (log)
            lx_schema_log(db, st, v);
    }
    if (state)
        *state = st;
    if (found)
        *found = st == LX_SCHEMA_UNREADABLE || !v || !*v ? NULL : v;
    return st == LX_SCHEMA_SAME ? OK : HTTP_SERVICE_UNAVAILABLE;
}
