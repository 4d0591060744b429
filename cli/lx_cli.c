/*
 * lx_cli.c: see lx_cli.h.
 */
#include "lx_cli.h"

#include "apr_strings.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lx_cli_connect(lx_cli *c, const char *db, const char *application_name)
{
    const char *keys[3] = {"dbname", "fallback_application_name", NULL}, *vals[3];

    vals[0] = db ? db : getenv("PGDATABASE") ? getenv("PGDATABASE") : "lixiao";
    vals[1] = application_name;
    vals[2] = NULL;
    c->conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c->conn) != CONNECTION_OK) {
        fprintf(stderr, "%s: 无法连接数据库：%s", application_name, PQerrorMessage(c->conn));
        return -1;
    }
    return 0;
}

static apr_status_t lx_cli_clear(void *res)
{
    PQclear(res);
    return APR_SUCCESS;
}

/* The command's way to the database: its own connection; an error is kept for the person. */
PGresult *lx_cli_query(void *ctx, const char *sql, int n, const char *const *params)
{
    lx_cli *c = ctx;
    PGresult *res = PQexecParams(c->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        if (!c->error) {
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
            /* a rule's refusal (LX4nn) is its message alone, in Chinese */
            c->sqlstate = state ? apr_pstrdup(c->pool, state) : NULL;
            c->error = apr_pstrdup(c->pool, state && strncmp(state, "LX", 2) == 0 && primary
                                                ? apr_pstrcat(c->pool, primary, "\n", NULL)
                                                : PQresultErrorMessage(res));
        }
        PQclear(res);
        return NULL;
    }
    apr_pool_cleanup_register(c->pool, res, lx_cli_clear, apr_pool_cleanup_null);
    return res;
}

int lx_cli_copy(void *ctx, const char *sql, const char *data, apr_size_t len)
{
    lx_cli *c = ctx;
    PGresult *res = PQexec(c->conn, sql);
    apr_size_t off = 0;
    int ok;

    if (PQresultStatus(res) != PGRES_COPY_IN) {
        c->error = apr_pstrdup(c->pool, PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    PQclear(res);
    while (off < len) {
        apr_size_t n = len - off > 65536 ? 65536 : len - off;
        if (PQputCopyData(c->conn, data + off, (int)n) != 1)
            break;
        off += n;
    }
    PQputCopyEnd(c->conn, off < len ? "interrupted" : NULL);
    res = PQgetResult(c->conn);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        c->error = apr_pstrdup(c->pool, PQresultErrorMessage(res));
    PQclear(res);
    while ((res = PQgetResult(c->conn)) != NULL)
        PQclear(res);
    return ok ? 0 : -1;
}

const char *lx_cli_error(void *ctx)
{
    return ((lx_cli *)ctx)->error;
}

const char *lx_cli_login(apr_pool_t *p, const char *given)
{
    const char *who = getenv("SUDO_USER");
    struct passwd *pw;
    if (given)
        return given;
    if (!who || !*who)
        who = (pw = getpwuid(getuid())) ? pw->pw_name : "unknown";
    return apr_pstrcat(p, "cli:", who, NULL);
}

/* The value of an option at argv[*i] ("-k x", "--kind x" or "--kind=x"), or NULL. */
const char *lx_cli_opt(int argc, char **argv, int *i, const char *shrt, const char *lng)
{
    apr_size_t n = strlen(lng);
    if (strcmp(argv[*i], shrt) == 0 || strcmp(argv[*i], lng) == 0)
        return *i + 1 < argc ? argv[++*i] : "";
    if (strncmp(argv[*i], lng, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return NULL;
}

