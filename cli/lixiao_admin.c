/*
 * lixiao-admin: setting up and running an installation from the command line, for the IT
 * office: the first administrator, operators and their points, institutions, colleges,
 * classes, cohorts, API tokens, and the schema's version.
 *
 * Each command is one call of the function the administrator's pages call (sql/functions/
 * admin.sql, setup.sql, api.sql), so the same rules refuse the same changes with the same
 * reasons, and the same event is logged.  It connects like every libpq program (lx_cli.h) as
 * a member of lx_owner (docs/installation.md's lx_admin): lx.require_admin lets the IT office's
 * session through, and the event log names who ran it (--login, else cli:USER).
 *
 * Exit codes: 0 done; 1 refused (the reason is printed, nothing was changed); 2 wrong usage;
 * 3 the database failed or its schema is not this version's.
 */
#include "lx_cli.h"

#include "apr_general.h"
#include "apr_strings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef LX_SCHEMA_VERSION
#error "LX_SCHEMA_VERSION: the last of sql/NNN_*.sql, set by Makefile.apxs"
#endif

/* One command: its words, its arguments, the statement.  The statement's parameters are $1 the
 * login (when login is set), then the arguments (a missing optional one is NULL), then the
 * request id.  A statement that returns no row found nothing to change: refused with none. */
typedef struct {
    const char *group, *verb;
    int min, max;               /* how many arguments */
    const char *args;           /* their names, for the usage */
    int login;                  /* $1 is who runs it */
    const char *sql;
    const char *done;           /* printed after success ("" prints the rows instead) */
    const char *none;           /* printed, exit 1, when the statement returned no row */
} lx_cmd;

static const lx_cmd lx_cmds[] = {
    {"admin", "add", 2, 2, "LOGIN NAME", 0,
     "SELECT lx.admin_bootstrap($1, $2)", "已设立管理员。", NULL},
    {"operator", "add", 2, 3, "LOGIN NAME [admin,leader]", 1,
     "SELECT lx.admin_operator_save($1, $2, $3, coalesce($4, '') ~ 'admin', "
     "  coalesce($4, '') ~ 'leader', true, NULL, $5)", "已保存操作人员。", NULL},
    {"operator", "disable", 1, 1, "LOGIN", 1,
     "SELECT lx.admin_operator_save($1, o.login, o.name, o.is_admin, o.is_leader, false, NULL, "
     "  $3) FROM lx.operator o WHERE o.login = $2", "已停用。", "没有这个操作人员。"},
    {"operator", "assign", 2, 3, "LOGIN POINT [COLLEGE]", 1,
     "SELECT lx.admin_assign($1, $2, $3, $4, true, NULL, $5)", "已分配离校点。", NULL},
    {"operator", "unassign", 2, 3, "LOGIN POINT [COLLEGE]", 1,
     "SELECT lx.admin_assign($1, $2, $3, $4, false, NULL, $5)", "已取消离校点。", NULL},
    {"operator", "list", 0, 0, "", 0,
     "SELECT o.login, o.name, o.is_admin, o.is_leader, o.active, "
     "       coalesce(string_agg(p.code || coalesce(':' || c.code, ''), ' ' "
     "                           ORDER BY p.sort, c.code), '') AS points "
     "  FROM lx.operator o LEFT JOIN lx.operator_point op ON op.login = o.login "
     "  LEFT JOIN lx.point p ON p.id = op.point_id LEFT JOIN lx.college c ON c.id = op.college_id "
     " GROUP BY o.login ORDER BY o.login", "", NULL},
    {"institution", "add", 2, 2, "CODE NAME", 1,
     "SELECT lx.admin_institution_save($1, $2, $3, NULL, $4)", "已保存学校。", NULL},
    {"institution", "retire", 1, 1, "CODE", 1,
     "SELECT lx.admin_institution_retire($1, $2, true, NULL, $3)", "已停用学校。", NULL},
    {"institution", "restore", 1, 1, "CODE", 1,
     "SELECT lx.admin_institution_retire($1, $2, false, NULL, $3)", "已恢复学校。", NULL},
    {"institution", "list", 0, 0, "", 0,
     "SELECT code, name, retired FROM lx.institution ORDER BY code", "", NULL},
    {"college", "add", 3, 5, "CODE NAME INSTITUTION [OFFICE [CERT_OFFICE]]", 1,
     "SELECT lx.admin_college_save($1, $2, $3, $4, $5, $6, NULL, $7)", "已保存学院。", NULL},
    {"college", "retire", 1, 1, "CODE", 1,
     "SELECT lx.admin_college_retire($1, $2, true, NULL, $3)", "已停用学院。", NULL},
    {"college", "restore", 1, 1, "CODE", 1,
     "SELECT lx.admin_college_retire($1, $2, false, NULL, $3)", "已恢复学院。", NULL},
    {"college", "list", 0, 0, "", 0,
     "SELECT c.code, c.name, i.code AS institution, c.retired, c.office, c.cert_office "
     "  FROM lx.college c JOIN lx.institution i ON i.id = c.institution_id ORDER BY c.code",
     "", NULL},
    {"class", "add", 4, 4, "CODE NAME COLLEGE COHORT_ID", 1,
     "SELECT lx.admin_class_save($1, $2, $3, $4, "
     "  CASE WHEN $5 ~ '^[0-9]{1,9}$' THEN $5::integer END, NULL, $6)", "已保存班级。", NULL},
    {"class", "retire", 1, 1, "CODE", 1,
     "SELECT lx.admin_class_retire($1, $2, true, NULL, $3)", "已停用班级。", NULL},
    {"class", "restore", 1, 1, "CODE", 1,
     "SELECT lx.admin_class_retire($1, $2, false, NULL, $3)", "已恢复班级。", NULL},
    {"cohort", "create", 2, 3, "PROGRAMME(ug|pg) YEAR [NAME]", 1,
     "SELECT lx.admin_cohort_create($1, $2, CASE WHEN $3 ~ '^[0-9]{4}$' THEN $3::integer END, "
     "  $4, NULL, $5) AS id", "", NULL},
    {"cohort", "rename", 2, 2, "COHORT_ID NAME", 1,
     "SELECT lx.admin_cohort_rename($1, CASE WHEN $2 ~ '^[0-9]{1,9}$' THEN $2::integer END, "
     "  $3, NULL, $4)", "已改名。", NULL},
    {"cohort", "close", 1, 1, "COHORT_ID", 1,
     "SELECT lx.admin_cohort_close($1, CASE WHEN $2 ~ '^[0-9]{1,9}$' THEN $2::integer END, "
     "  NULL, $3)", "已归档（只读）。", NULL},
    {"cohort", "next", 1, 1, "COHORT_ID", 1,
     "SELECT lx.admin_cohort_next($1, CASE WHEN $2 ~ '^[0-9]{1,9}$' THEN $2::integer END, "
     "  NULL, $3) AS id", "", NULL},
    {"cohort", "list", 0, 0, "", 0,
     "SELECT c.id, c.programme, c.year, c.name, c.closed, "
     "       (SELECT count(*) FROM lx.student s WHERE s.cohort_id = c.id) AS students "
     "  FROM lx.cohort c ORDER BY c.year DESC, c.programme DESC", "", NULL},
    {"token", "issue", 2, 2, "PURPOSE(portal|library|finance|bank) NAME", 1,
     "SELECT id, token FROM lx.admin_token_issue($1, $2, $3, NULL, $4)", "", NULL},
    {"token", "revoke", 1, 1, "TOKEN_ID", 1,
     "SELECT lx.admin_token_revoke($1, CASE WHEN $2 ~ '^[0-9]{1,9}$' THEN $2::integer END, "
     "  NULL, $3)", "已吊销。", NULL},
    {"token", "list", 0, 0, "", 0,
     "SELECT id, purpose, name, active, created_by, "
     "       to_char(created_at, 'YYYY-MM-DD HH24:MI') AS created, "
     "       to_char(last_used_at, 'YYYY-MM-DD HH24:MI') AS last_used, "
     "       to_char(revoked_at, 'YYYY-MM-DD HH24:MI') AS revoked "
     "  FROM lx.api_token ORDER BY active DESC, id DESC", "", NULL},
    {NULL, NULL, 0, 0, NULL, 0, NULL, NULL, NULL}
};

static void lx_usage(FILE *out)
{
    const lx_cmd *c;
    fputs("用法: lixiao-admin [-d 数据库] [-l 登录名] 命令 参数...\n"
          "Usage: lixiao-admin [-d DB] [-l LOGIN] COMMAND ARGS...\n"
          "\n"
          "设置和运行数字离校系统：与管理员页面调用同样的函数，同样的规则、同样的操作日志。\n"
          "Sets up and runs an installation through the functions the admin pages call.\n"
          "\n"
          "  -d, --dbname DB   database name, connection string or URI (default: $PGDATABASE,\n"
          "                    else lixiao); as a member of lx_owner (docs/installation.md)\n"
          "  -l, --login NAME  who, for the event log (default: cli:$SUDO_USER or cli:USER)\n"
          "  -h, --help        this text\n"
          "\n"
          "Commands:\n"
          "  schema                       the database's schema version against this build's\n",
          out);
    for (c = lx_cmds; c->group; c++)
        fprintf(out, "  %s %s %s\n", c->group, c->verb, c->args);
    fputs("\nExit status: 0 done, 1 refused (reason printed, nothing changed), 2 usage,\n"
          "             3 database error or a schema of another version.\n", out);
}

/* The rows of a result, tab-separated under their column names. */
static void lx_print_rows(const PGresult *res)
{
    int r, c;
    for (c = 0; c < PQnfields(res); c++)
        printf("%s%s", c ? "\t" : "", PQfname(res, c));
    putchar('\n');
    for (r = 0; r < PQntuples(res); r++)
        for (c = 0; c < PQnfields(res); c++)
            printf("%s%s", PQgetvalue(res, r, c), c + 1 < PQnfields(res) ? "\t" : "\n");
}

/* 0 when the database's schema is this build's; else it says what to do. */
static int lx_schema(lx_cli *cli, int verbose)
{
    PGresult *res = lx_cli_query(cli, "SELECT max(version) FROM public.lx_migration", 0, NULL);
    const char *have;

    if (!res) {
        fprintf(stderr, "lixiao-admin: 读不到数据库结构版本（public.lx_migration）：%s",
                cli->error);
        return 3;
    }
    have = PQgetvalue(res, 0, 0);
    if (strcmp(have, LX_SCHEMA_VERSION) != 0) {
        fprintf(stderr, "lixiao-admin: 数据库结构版本为 %s，本程序需要 %s：%s\n",
                *have ? have : "（空）", LX_SCHEMA_VERSION,
                strcmp(have, LX_SCHEMA_VERSION) < 0
                    ? "请先运行 /usr/share/mod_lixiao/scripts/migrate.sh 升级数据库"
                    : "数据库比本程序新，请安装与之相同版本的 mod_lixiao");
        return 3;
    }
    if (verbose)
        printf("数据库结构版本 %s，与本程序一致。\n", have);
    return 0;
}

static int lx_run(lx_cli *cli, const lx_cmd *c, const char *login, int argc, char **argv)
{
    const char *params[8];
    PGresult *res;
    int n = 0, i;

    if (c->login)
        params[n++] = login;
    for (i = 0; i < c->max; i++)
        params[n++] = i < argc ? argv[i] : NULL;
    if (c->login)
        params[n++] = apr_psprintf(cli->pool, "cli-%ld-%ld", (long)time(NULL), (long)getpid());
    res = lx_cli_query(cli, c->sql, n, params);
    if (!res) {
        int refused = cli->sqlstate && strncmp(cli->sqlstate, "LX4", 3) == 0;
        fprintf(stderr, "lixiao-admin: %s%s", refused ? "" : "数据库出错：", cli->error);
        return refused ? 1 : 3;
    }
    if (c->none && PQntuples(res) == 0) {
        fprintf(stderr, "lixiao-admin: %s\n", c->none);
        return 1;
    }
    if (*c->done)
        puts(c->done);
    else
        lx_print_rows(res);
    return 0;
}

int main(int argc, char **argv)
{
    const char *db = NULL, *login = NULL, *v;
    lx_cli cli = {NULL, NULL, NULL, NULL};
    const lx_cmd *c;
    int i, rc;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            lx_usage(stdout);
            return 0;
        }
        if ((v = lx_cli_opt(argc, argv, &i, "-d", "--dbname")))
            db = v;
        else if ((v = lx_cli_opt(argc, argv, &i, "-l", "--login")))
            login = v;
        else {
            fprintf(stderr, "lixiao-admin: 未知选项 %s（--help 查看用法）\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        lx_usage(stderr);
        return 2;
    }
    c = NULL;
    if (strcmp(argv[i], "schema") != 0) {
        for (c = lx_cmds; c->group; c++)
            if (strcmp(c->group, argv[i]) == 0 && i + 1 < argc && strcmp(c->verb, argv[i + 1]) == 0)
                break;
        if (!c->group) {
            fprintf(stderr, "lixiao-admin: 没有这个命令：%s%s%s（--help 查看用法）\n", argv[i],
                    i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
            return 2;
        }
        i += 2;
        if (argc - i < c->min || argc - i > c->max) {
            fprintf(stderr, "用法: lixiao-admin %s %s %s\n", c->group, c->verb, c->args);
            return 2;
        }
    }
    apr_initialize();
    apr_pool_create(&cli.pool, NULL);
    if (lx_cli_connect(&cli, db, "lixiao-admin") != 0)
        return 3;
    /* a schema of another version may lack the function or change its meaning */
    rc = lx_schema(&cli, c == NULL);
    if (rc == 0 && c)
        rc = lx_run(&cli, c, lx_cli_login(cli.pool, login), argc - i, argv + i);
    PQfinish(cli.conn);
    return rc;
}
