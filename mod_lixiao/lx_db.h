/*
 * lx_db.h: the database.  lx_gate.c lets a process's requests at its connections first come
 * first served; lx_db.c runs statements on mod_dbd's connection to the primary; lx_readpool.c
 * keeps a second pool of connections to the standbys for requests that only read.
 */
#ifndef LX_DB_H
#define LX_DB_H

#include "lx_conf.h"
#include "core/lx_pgres.h"
#include <libpq-fe.h>

/* ---- lx_gate.c ---- */
typedef struct lx_gate lx_gate;
apr_status_t lx_gate_create(apr_pool_t *p, int slots, lx_gate **out);
int lx_gate_enter(lx_gate *g, request_rec *r);
void lx_gate_leave_now(lx_gate *g, request_rec *r);

/* ---- lx_db.c ---- */
typedef struct lx_db {
    request_rec *r;
    PGconn *conn;
    const char *as_of;          /* lx_db_as_of (epoch seconds), once asked */
    int status;                 /* HTTP status of the last failure, OK after success */
    const char *sqlstate;       /* SQLSTATE of the last failure, or NULL */
    const char *message;        /* a rule's message (our LX4nn errors, in Chinese), or NULL */
    int prepare;                /* the statement being sent is one of lx_db_prepared's */
    struct lx_prepared *prepared;   /* what the connection has prepared (lx_db.c), or NULL */
    apr_interval_time_t timeout;    /* LixiaoDBTimeout: the longest wait for an answer */
    int timed_out;              /* the database did not answer in time: connection shut */
} lx_db;

/* post_config: mod_dbd's pool must be there (logged and an error otherwise). */
apr_status_t lx_db_post_config(server_rec *s);
/* child_init: the process's gate in front of mod_dbd's pool, LixiaoDBSlots wide. */
void lx_db_child_init(apr_pool_t *pchild, server_rec *s);

lx_db *lx_db_wrap(request_rec *r, PGconn *conn);
/* A connection to the primary for this request: OK, or 503 (also while the database's schema
 * is not the module's).  lx_db_connect: the same without the schema check. */
int lx_db_open(request_rec *r, lx_db **out);
int lx_db_connect(request_rec *r, lx_db **out);
PGresult *lx_db_query(lx_db *db, const char *sql, int nparams, const char *const *params);
PGresult *lx_db_prepared(lx_db *db, const char *sql, int nparams, const char *const *params);
void lx_db_allow(lx_db *db, int seconds);
int lx_db_begin(lx_db *db);
int lx_db_commit(lx_db *db);
int lx_db_rollback(lx_db *db);
int lx_db_copy_in(lx_db *db, const char *sql, const char *data, apr_size_t len);
const char *lx_db_literal(lx_db *db, const char *value);

/* The schema version check.  The module serves the schema of LX_SCHEMA_VERSION (the last
 * sql/NNN_*.sql of its build, "045_token_use") only: OK when public.lx_migration's highest
 * version is that one, 503 otherwise (logged with the command to run).  The process keeps the
 * last answer (a minute while it agreed, a second while it did not); fresh: ask the database
 * now.  *state and *found (when not NULL): the answer, and the database's version (NULL when
 * none was read). */
typedef enum {
    LX_SCHEMA_SAME,         /* the module's */
    LX_SCHEMA_OLDER,        /* older (or no migration recorded): run migrate.sh */
    LX_SCHEMA_NEWER,        /* newer: install the module that goes with it */
    LX_SCHEMA_UNREADABLE,   /* no public.lx_migration that lx_app may read */
    LX_SCHEMA_UNANSWERED    /* the database did not answer */
} lx_schema_state;
int lx_db_schema_check(lx_db *db, int fresh, lx_schema_state *state, const char **found);

/* ---- lx_readpool.c ---- */
/* child_init: the standbys' pool of this process; nothing when LixiaoReadDB is not set. */
void lx_readpool_child_init(apr_pool_t *pchild, server_rec *s);
/* For a request that only reads: a standby's connection when one may serve it, else the
 * primary's (lx_db_open). */
int lx_db_open_read(request_rec *r, lx_db **out);
/* For /lx/health: a connection of the standbys' pool whoever asks; DECLINED when LixiaoReadDB
 * is not set, 503 when none can be had. */
int lx_db_open_standby(request_rec *r, lx_db **out);
/* After a change: this client reads from the primary for LixiaoReadAfterWrite seconds. */
void lx_readpool_wrote(request_rec *r);
/* The time a standby's data are current to (epoch seconds), NULL on the primary. */
const char *lx_db_as_of(lx_db *db);

#endif
