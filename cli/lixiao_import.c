/*
 * lixiao-import: the roster and the feeds from the command line, for the IT office.
 *
 * The same import path as the administrator's page (core/lx_import.h): the module's readers
 * for CSV and .xlsx, the header by name, binary COPY into staging, the SQL checks and the
 * merge in one transaction.  No psql: nothing in the file can become a command.  It connects
 * like every libpq program, as the user who runs it (PG* variables, ~/.pgpass, service
 * files; -d takes a database name, a connection string or a URI), and imports as that
 * database role (the schema owner, or a role the migrations granted the import to).
 *
 * Exit codes: 0 imported; 1 refused (the report is printed, nothing was imported); 2 wrong
 * usage or an unreadable file; 3 the database failed (nothing was imported).
 */
#include "lx_cli.h"
#include "core/lx_import.h"

#include "apr_general.h"
#include "apr_strings.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LX_CLI_MAX_BYTES (256L * 1024 * 1024)

static const char lx_usage[] =
    "用法: lixiao-import [选项] 文件\n"
    "Usage: lixiao-import [OPTIONS] FILE      (.csv or .xlsx)\n"
    "\n"
    "把毕业生名单或图书馆、财务处、银行的数据导入数字离校系统；与管理员页面的“导入名单”走同一条路径：\n"
    "同样的检查、同样的报告，有任何问题时什么都不导入。\n"
    "Imports a roster or a feed through the same path as the administrator's page.\n"
    "\n"
    "  -k, --kind KIND        roster (名单, default) | library | finance | bank\n"
    "  -e, --encoding ENC     auto (default) | utf-8 | gb18030   (CSV only)\n"
    "  -s, --sheet NAME       the workbook's sheet (default: the first)   (.xlsx only)\n"
    "  -d, --dbname DB        database name, connection string or URI (default: $PGDATABASE,\n"
    "                         else lixiao); host, port, user, password as for psql: PGHOST,\n"
    "                         PGPORT, PGUSER, ~/.pgpass, PGSERVICE\n"
    "  -l, --login NAME       who imports, for the event log (default: cli:$SUDO_USER or cli:USER)\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 imported, 1 refused (report printed, nothing imported),\n"
    "             2 usage or unreadable file, 3 database error (nothing imported).\n";

/* The whole file, NULL with errno when it cannot be read. */
static char *lx_cli_slurp(apr_pool_t *p, const char *path, apr_size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > LX_CLI_MAX_BYTES
        || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = apr_palloc(p, (apr_size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return *len == (apr_size_t)n ? buf : NULL;
}

/* The report, as the page lists it: line, column, value, reason; tab-separated. */
static void lx_cli_report(const lx_import_table *t)
{
    int i;
    printf("文件中有 %d 处问题，本次没有导入任何数据：\n行\t列\t内容\t原因\n", t->nitems);
    for (i = 0; i < t->nitems; i++) {
        const lx_report_item *it = &t->items[i];
        if (it->line > 0)
            printf("%d", it->line);
        printf("\t%s\t%s\t%s\n", it->col ? it->col : "", it->value ? it->value : "",
               it->reason);
    }
}

int main(int argc, char **argv)
{
    const char *kind = "roster", *enc = "auto", *sheet = NULL, *db = NULL, *login = NULL;
    const char *file = NULL, *v, *id;
    const lx_import_kind *k;
    lx_cli cli = {NULL, NULL, NULL, NULL};
    lx_import_io io = {&cli, lx_cli_query, lx_cli_copy, lx_cli_error};
    lx_import_outcome out;
    lx_import_table *t;
    apr_size_t len;
    char *data;
    int i, failed;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(lx_usage, stdout);
            return 0;
        }
        if ((v = lx_cli_opt(argc, argv, &i, "-k", "--kind")))
            kind = v;
        else if ((v = lx_cli_opt(argc, argv, &i, "-e", "--encoding")))
            enc = v;
        else if ((v = lx_cli_opt(argc, argv, &i, "-s", "--sheet")))
            sheet = v;
        else if ((v = lx_cli_opt(argc, argv, &i, "-d", "--dbname")))
            db = v;
        else if ((v = lx_cli_opt(argc, argv, &i, "-l", "--login")))
            login = v;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "lixiao-import: 未知选项 %s（--help 查看用法）\n", argv[i]);
            return 2;
        }
        else if (!file)
            file = argv[i];
        else {
            fprintf(stderr, "lixiao-import: 一次只能导入一个文件\n");
            return 2;
        }
    }
    if (!file) {
        fputs(lx_usage, stderr);
        return 2;
    }
    if (!lx_import_kind_get(kind)) {
        fprintf(stderr, "lixiao-import: --kind 只能是 roster、library、finance 或 bank\n");
        return 2;
    }
    if (strcmp(enc, "auto") && strcmp(enc, "utf-8") && strcmp(enc, "gb18030")) {
        fprintf(stderr, "lixiao-import: --encoding 只能是 auto、utf-8 或 gb18030\n");
        return 2;
    }
    apr_initialize();
    apr_pool_create(&cli.pool, NULL);
    if (!(data = lx_cli_slurp(cli.pool, file, &len))) {
        fprintf(stderr, "lixiao-import: 无法读取 %s（不存在、无权读取或超过 256 MiB）\n", file);
        return 2;
    }
    if (lx_cli_connect(&cli, db, "lixiao-import") != 0)
        return 3;
    /* the roster's loan columns are the institutions configured: read before the mapping */
    if (!(k = lx_import_kind_load(cli.pool, kind, &io, &failed))) {
        fprintf(stderr, "lixiao-import: 数据库出错，本次没有导入任何数据：%s",
                cli.error ? cli.error : PQerrorMessage(cli.conn));
        PQfinish(cli.conn);
        return 3;
    }
    t = lx_import_map(cli.pool, k, lx_import_read(cli.pool, data, len, enc, sheet));
    id = apr_psprintf(cli.pool, "cli-%ld-%ld", (long)time(NULL), (long)getpid());
    switch (lx_import_run(cli.pool, &io, t, id, lx_cli_login(cli.pool, login), NULL, &out)) {
    case LX_IMPORT_DONE:
        if (strcmp(kind, "roster") == 0)
            printf("导入完成（%s）：新增 %d 名，更新 %d 名，无变化 %d 名；"
                   "离校业务状态建立或变更 %d 项。\n", t->source ? t->source : "",
                   out.inserted, out.updated, out.unchanged, out.states);
        else
            printf("数据已同步：离校业务状态变更 %d 项。\n", out.changed);
        PQfinish(cli.conn);
        return 0;
    case LX_IMPORT_REFUSED:
        lx_cli_report(t);
        PQfinish(cli.conn);
        return 1;
    default:
        fprintf(stderr, "lixiao-import: 数据库出错，本次没有导入任何数据：%s",
                cli.error ? cli.error : PQerrorMessage(cli.conn));
        PQfinish(cli.conn);
        return 3;
    }
}
