/*
 * action_import.c: POST /lx/admin/import and /lx/admin/feed, the roster and feed files of
 * the administrator's page.
 *
 * A multipart/form-data upload (csrf, rid, file; encoding = auto | utf-8 | gb18030 for CSV;
 * sheet for a workbook; purpose for a feed), read up to 32 MiB by lx_post_upload before the
 * database is opened.  The file goes the one import path (core/lx_import.h) that the command
 * lixiao-import takes too: the module's readers, the header by name, binary COPY into
 * staging, the SQL checks and the merge in one transaction, under the request's deadline.  The report lists every problem with
 * the file's line, the column's header, the cell and the reason; nothing is imported then.
 */
#include "lx_handlers.h"
#include "core/lx_import.h"
#include "core/lx_multipart.h"
#include "core/lx_text.h"

#define LX_IMPORT_SECONDS 300       /* lx_import_run's statement_timeout */

/* The import's way to the database: the request's lx_db. */
static PGresult *lx_import_query(void *ctx, const char *sql, int n, const char *const *params)
{
    return lx_db_query(ctx, sql, n, params);
}

static int lx_import_copy(void *ctx, const char *sql, const char *data, apr_size_t len)
{
    return lx_db_copy_in(ctx, sql, data, len) == OK ? 0 : -1;
}

static const char *lx_import_error(void *ctx)
{
    lx_db *db = ctx;
    return db->message;
}

/* The report page: <import> with the outcome and every problem. */
static int lx_import_page(lx_req *q, int status, const char *outcome, const char *message,
                          const lx_import_table *t, const lx_import_outcome *out)
{
    xmlNodePtr page = lx_page_new(q, "admin");
    xmlNodePtr admin = xmlNewChild(page, NULL, (const xmlChar *)"admin", NULL);
    xmlNodePtr imp = xmlNewChild(admin, NULL, (const xmlChar *)"import", NULL);
    apr_pool_t *p = q->r->pool;
    PGresult *res;
    int i;

    lx_attr(admin, "tab", "import");
    lx_attr(admin, "csrf", lx_csrf_token(q, "admin"));
    lx_attr(admin, "rid", lx_form_id(q));
    /* the tab's description of the file, as GET /lx/admin?tab=import shows it */
    if ((res = lx_db_query(q->db, "SELECT label, name FROM lx.roster_header", 0, NULL)))
        lx_rows_xml(admin, "column", res);
    lx_attr(imp, "outcome", outcome);
    lx_attr(imp, "message", message);
    if (t && t->source)
        lx_attr(imp, "source", t->source);
    for (i = 0; t && i < t->nitems; i++) {
        const lx_report_item *it = &t->items[i];
        xmlNodePtr pr = xmlNewChild(imp, NULL, (const xmlChar *)"problem", NULL);
        lx_attr(pr, "line", it->line > 0 ? apr_itoa(p, it->line) : "");
        if (it->col)
            lx_attr(pr, "col", it->col);
        if (it->value)
            lx_attr(pr, "value", it->value);
        lx_attr(pr, "reason", it->reason);
    }
    if (out && strcmp(outcome, "imported") == 0) {
        lx_attr(imp, "inserted", apr_itoa(p, out->inserted));
        lx_attr(imp, "updated", apr_itoa(p, out->updated));
        lx_attr(imp, "unchanged", apr_itoa(p, out->unchanged));
        lx_attr(imp, "states", apr_itoa(p, out->states));
    }
    else if (out) {
        lx_attr(imp, "states", apr_itoa(p, out->changed));
    }
    q->r->status = status;
    return lx_render(q, page);
}

/* Check the upload (read, parsed and its token checked by lx_post_upload, before the
 * database was opened): OK with its parts, the file's part and the encoding chosen. */
static int lx_import_upload(lx_req *q, apr_hash_t **parts_out, lx_part **file,
                            const char **encoding, const char **rid)
{
    apr_hash_t *parts;
    lx_part *enc, *id;
    int rc = lx_post_upload(q, "admin", &parts);

    if (rc != OK)
        return rc;
    if (!q->account->is_admin) {
        q->message = "仅管理员可以导入名单。";
        return HTTP_FORBIDDEN;
    }
    *parts_out = parts;
    id = apr_hash_get(parts, "rid", APR_HASH_KEY_STRING);
    *rid = id && id->len >= 16 && id->len <= 40 && lx_text_xml_safe(id->data) ? id->data : NULL;
    *file = apr_hash_get(parts, "file", APR_HASH_KEY_STRING);
    if (!*rid || !*file || (*file)->len == 0) {
        q->message = "请选择要导入的 CSV 或 Excel（.xlsx）文件。";
        return HTTP_BAD_REQUEST;
    }
    enc = apr_hash_get(parts, "encoding", APR_HASH_KEY_STRING);
    *encoding = enc && *enc->data ? enc->data : "auto";
    return OK;
}

/* The file of the upload through the one import path, as kind; the page says how it went. */
static int lx_import_file(lx_req *q, const char *kind, const lx_part *file,
                          const char *encoding, const char *sheet, const char *rid)
{
    apr_pool_t *p = q->r->pool;
    const lx_import_io io = {q->db, lx_import_query, lx_import_copy, lx_import_error};
    lx_sheet *s = lx_import_read(p, file->data, file->len, encoding, sheet);
    lx_import_table *t;
    lx_import_outcome out;
    int feed = strcmp(kind, "roster") != 0, failed;
    /* the roster's loan columns are the institutions configured */
    const lx_import_kind *k = lx_import_kind_load(p, kind, &io, &failed);

    if (!k)
        return q->db->status != OK ? q->db->status : HTTP_INTERNAL_SERVER_ERROR;
    t = lx_import_map(p, k, s);
    lx_db_allow(q->db, LX_IMPORT_SECONDS);
    switch (lx_import_run(p, &io, t, rid, q->r->user, q->r->useragent_ip, &out)) {
    case LX_IMPORT_DONE:
        return feed ? lx_import_page(q, HTTP_OK, "fed",
                                     "数据已同步，自动办理的业务已随之更新。", NULL, &out)
                    : lx_import_page(q, HTTP_OK, "imported", "导入完成。", t, &out);
    case LX_IMPORT_REFUSED:
        return lx_import_page(q, HTTP_BAD_REQUEST, "refused",
                              feed ? "文件中有不符合要求的记录，本次没有做任何修改。"
                                   : "文件中有不符合要求的内容，本次没有导入任何数据。",
                              t, NULL);
    default:
        return q->db->status != OK ? q->db->status : HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* An optional text part of the upload ("" when absent). */
static const char *lx_part_text(apr_hash_t *parts, const char *name)
{
    lx_part *pt = apr_hash_get(parts, name, APR_HASH_KEY_STRING);
    return pt && lx_text_xml_safe(pt->data) ? pt->data : "";
}

int lx_action_import(lx_req *q)
{
    const char *encoding, *rid;
    apr_hash_t *parts;
    lx_part *file;
    int rc = lx_import_upload(q, &parts, &file, &encoding, &rid);

    if (rc != OK)
        return rc;
    return lx_import_file(q, "roster", file, encoding, lx_part_text(parts, "sheet"), rid);
}

/*
 * POST /lx/admin/feed: a feed as a file (purpose = library | finance | bank), turned into the
 * push API's JSON document by lx.feed_document and applied by lx.feed_apply, which reports
 * every bad record and changes nothing if there is one.
 */
int lx_action_feed_upload(lx_req *q)
{
    const char *encoding, *rid, *purpose;
    apr_hash_t *parts;
    lx_part *file;
    int rc = lx_import_upload(q, &parts, &file, &encoding, &rid);

    if (rc != OK)
        return rc;
    purpose = lx_part_text(parts, "purpose");
    if (strcmp(purpose, "library") && strcmp(purpose, "finance") && strcmp(purpose, "bank")) {
        q->message = "请选择数据来源（图书馆、财务处或银行）。";
        return HTTP_BAD_REQUEST;
    }
    return lx_import_file(q, purpose, file, encoding, lx_part_text(parts, "sheet"), rid);
}
