/*
 * lx_cli.h: what the IT office's commands (lixiao-import, lixiao-admin) share: their own libpq
 * connection, made like every libpq program's (PG* variables, ~/.pgpass, service files; -d
 * takes a database name, a connection string or a URI), the queries through it with the
 * error kept for the person, who runs them (for the event log), and their options.
 */
#ifndef LX_CLI_H
#define LX_CLI_H

#include "apr_pools.h"
#include <libpq-fe.h>

typedef struct {
    PGconn *conn;
    apr_pool_t *pool;
    const char *error;          /* the first failure's message, for the person */
    const char *sqlstate;       /* its SQLSTATE (LX400, LX409, ... for a refusal) */
} lx_cli;

/* Connects to db (NULL: $PGDATABASE, else lixiao) as application_name; 0 when connected,
 * else the reason is printed on stderr under the command's name. */
int lx_cli_connect(lx_cli *c, const char *db, const char *application_name);

/* A statement with text parameters; its result lives as long as the pool, NULL on failure
 * (c->error and c->sqlstate say why).  The signatures of lx_import_io. */
PGresult *lx_cli_query(void *ctx, const char *sql, int n, const char *const *params);
int lx_cli_copy(void *ctx, const char *sql, const char *data, apr_size_t len);
const char *lx_cli_error(void *ctx);

/* Who runs the command, for the event log: given, else cli:$SUDO_USER, else cli:USER. */
const char *lx_cli_login(apr_pool_t *p, const char *given);

/* The value of an option at argv[*i] ("-k x", "--kind x" or "--kind=x"), or NULL. */
const char *lx_cli_opt(int argc, char **argv, int *i, const char *shrt, const char *lng);

#endif
