/*
 * action_import.c: POST /lx/admin/import, the roster file of the administrator's page.
 *
 * A multipart/form-data upload (csrf, rid, encoding = auto | utf-8 | gb18030, file), read up to
 * 32 MiB.  In one transaction: COPY the file into lx.roster_stage (PostgreSQL converts GB18030),
 * lx.roster_check, and either the report of every bad cell (nothing imported) or
 * lx.roster_merge.  The command line (scripts/import-roster.sh) runs the same SQL.
 */
#include "lx_private.h"
#include "core/lx_csv.h"
#include "core/lx_multipart.h"
#include "core/lx_text.h"

#define LX_IMPORT_MAX_BYTES (32 * 1024 * 1024)

static const char lx_copy_sql[] =
    "COPY lx.roster_stage (student_no, name, gender, id_type, id_number, college, class, "
    "class_name, programme, year, building, room, party_member, league_member, "
    "must_return_instruments, national_loan_10534, national_loan_12649, source_loan, "
    "borrowed_switch, certificates_deferred, hukou_moved) FROM STDIN WITH (FORMAT csv, "
    "ENCODING '%s')";

/* PostgreSQL's account of an unreadable file, in Chinese, with the line it names. */
static const char *lx_copy_message(lx_req *q, const char *encoding)
{
    static const struct { const char *pg, *zh; } known[] = {
        {"missing data for column", "列数不足：每行应有 21 列（见导入说明）"},
        {"extra data after last expected column", "列数过多：每行应有 21 列（见导入说明）"},
        {"invalid byte sequence for encoding", "文件编码与所选编码不符，请选择正确的编码"},
        {"character with byte sequence", "文件中有无法转换的字符，请选择正确的编码"},
        {"unterminated CSV quoted field", "引号未闭合"},
        {"literal carriage return found in data", "数据中有多余的换行"},
        {NULL, NULL}
    };
    const char *m = q->db->message ? q->db->message : "", *line = strstr(m, ", line "), *zh;
    int i;

    zh = "文件无法按 CSV 读取";
    for (i = 0; known[i].pg; i++)
        if (strstr(m, known[i].pg))
            zh = known[i].zh;
    return apr_psprintf(q->r->pool, "%s%s%s（编码 %s）。本次没有导入任何数据。",
                        line ? apr_psprintf(q->r->pool, "第 %d 行：", atoi(line + 7)) : "",
                        zh, "", strcmp(encoding, "UTF8") == 0 ? "UTF-8" : "GB18030");
}

/* The report page: <import> with the outcome and every problem. */
static int lx_import_page(lx_req *q, int status, const char *outcome, const PGresult *rows,
                          const char *message, const PGresult *merged)
{
    xmlNodePtr page = lx_page_new(q, "admin");
    xmlNodePtr admin = xmlNewChild(page, NULL, (const xmlChar *)"admin", NULL);
    xmlNodePtr imp = xmlNewChild(admin, NULL, (const xmlChar *)"import", NULL);

    lx_attr(admin, "tab", "import");
    lx_attr(admin, "csrf", lx_csrf_token(q, "admin"));
    lx_attr(admin, "rid", lx_form_id(q));
    lx_attr(imp, "outcome", outcome);
    lx_attr(imp, "message", message);
    if (rows)
        lx_rows_xml(imp, "problem", rows);
    if (merged)
        lx_attrs_from_row(imp, merged, 0, (const lx_colmap[]){
            {"inserted", "inserted", LX_COL_TEXT}, {"updated", "updated", LX_COL_TEXT},
            {"states", "states", LX_COL_TEXT}, {NULL, NULL, LX_COL_TEXT}});
    q->r->status = status;
    return lx_render(q, page);
}

/* Check the upload (read, parsed and its token checked by lx_post_upload, before the
 * database was opened): OK with its parts, the file's part and the encoding for COPY. */
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
        q->message = "请选择要导入的 CSV 文件。";
        return HTTP_BAD_REQUEST;
    }
    enc = apr_hash_get(parts, "encoding", APR_HASH_KEY_STRING);
    switch (lx_csv_prepare(&(*file)->data, &(*file)->len, enc ? enc->data : NULL, encoding)) {
    case LX_CSV_OK:
        break;
    case LX_CSV_UTF16:
        q->message = "文件是 UTF-16 编码：请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”。";
        return HTTP_BAD_REQUEST;
    default:
        q->message = "文件编码只能是自动、UTF-8 或 GB18030。";
        return HTTP_BAD_REQUEST;
    }
    return OK;
}

/*
 * Open the import's transaction and COPY the file into staging.  OK; or the rendered page
 * saying why the file cannot be read (*done set); or a failure status.
 */
static int lx_import_stage(lx_req *q, const char *rid, const char *copy_sql, const lx_part *file,
                           const char *encoding, int *done)
{
    const char *params[1] = {rid};
    int rc = lx_db_begin(q->db);

    *done = 0;
    if (rc != OK)
        return rc;
    /* a large file takes longer than a page may: this transaction only */
    if (!lx_db_query(q->db, "SELECT set_config('lx.import_id', $1, true), "
                            "set_config('statement_timeout', '300s', true)", 1, params))
        return q->db->status;
    lx_db_allow(q->db, 300);
    rc = lx_db_copy_in(q->db, copy_sql, file->data, file->len);
    if (rc == HTTP_BAD_REQUEST) {
        lx_db_rollback(q->db);
        *done = 1;
        return lx_import_page(q, HTTP_BAD_REQUEST, "unreadable", NULL,
                              lx_copy_message(q, encoding), NULL);
    }
    return rc;
}

int lx_action_import(lx_req *q)
{
    const char *encoding, *rid, *params[3];
    apr_hash_t *parts;
    lx_part *file;
    PGresult *res;
    int rc = lx_import_upload(q, &parts, &file, &encoding, &rid);

    int done;

    if (rc != OK)
        return rc;
    rc = lx_import_stage(q, rid, apr_psprintf(q->r->pool, lx_copy_sql, encoding), file,
                         encoding, &done);
    if (rc != OK || done)
        return rc;
    params[0] = rid;
    res = lx_db_query(q->db, "SELECT * FROM lx.roster_check($1)", 1, params);
    if (!res)
        return q->db->status;
    if (PQntuples(res) > 0) {
        lx_db_rollback(q->db);
        return lx_import_page(q, HTTP_BAD_REQUEST, "refused", res,
                              "文件中有不符合要求的内容，本次没有导入任何数据。", NULL);
    }
    params[1] = q->r->user;
    params[2] = q->r->useragent_ip;
    res = lx_db_query(q->db, "SELECT * FROM lx.roster_merge($1, $2, $3, true)", 3, params);
    if (!res)
        return q->db->status;
    rc = lx_db_commit(q->db);
    if (rc != OK)
        return rc;
    return lx_import_page(q, HTTP_OK, "imported", NULL, "导入完成。", res);
}

/*
 * POST /lx/admin/feed: a feed as a CSV file (purpose = library | finance | bank): staged by
 * COPY, turned into the push API's JSON document by lx.feed_document, and applied by
 * lx.feed_apply, which reports every bad record and changes nothing if there is one.
 */
int lx_action_feed_upload(lx_req *q)
{
    const char *encoding, *rid, *purpose, *params[4];
    apr_hash_t *parts;
    lx_part *file, *pp;
    PGresult *res, *problems;
    int rc = lx_import_upload(q, &parts, &file, &encoding, &rid), done;

    if (rc != OK)
        return rc;
    pp = apr_hash_get(parts, "purpose", APR_HASH_KEY_STRING);
    purpose = pp ? pp->data : "";
    if (strcmp(purpose, "library") && strcmp(purpose, "finance") && strcmp(purpose, "bank")) {
        q->message = "请选择数据来源（图书馆、财务处或银行）。";
        return HTTP_BAD_REQUEST;
    }
    rc = lx_import_stage(q, rid, apr_psprintf(q->r->pool,
                         "COPY lx.feed_stage (c1, c2%s) FROM STDIN WITH (FORMAT csv, "
                         "ENCODING '%s')", strcmp(purpose, "library") == 0 ? ", c3" : "",
                         encoding), file, encoding, &done);
    if (rc != OK || done)
        return rc;
    params[0] = rid;
    params[1] = purpose;
    params[2] = q->r->useragent_ip;
    params[3] = rid;
    res = lx_db_query(q->db, "SELECT ok, changed AS states, errors::text AS errors "
                             "FROM lx.feed_apply($2, lx.feed_document($1, $2), $3, $4)",
                      4, params);
    if (!res)
        return q->db->status;
    if (lx_value(res, 0, "ok")[0] != 't') {
        /* the push API's findings, numbered as the file's lines (the header is line 1) */
        params[0] = lx_value(res, 0, "errors");
        problems = lx_db_query(q->db,
            "SELECT e.\"index\" + 2 AS line, e.field AS col, e.message AS reason "
            "  FROM jsonb_to_recordset($1::jsonb) "
            "    AS e (\"index\" integer, field text, code text, message text)", 1, params);
        if (!problems)
            return q->db->status;
        lx_db_rollback(q->db);
        return lx_import_page(q, HTTP_BAD_REQUEST, "refused", problems,
                              "文件中有不符合要求的记录，本次没有做任何修改。", NULL);
    }
    rc = lx_db_commit(q->db);
    if (rc != OK)
        return rc;
    return lx_import_page(q, HTTP_OK, "fed", NULL, "数据已同步，自动办理的业务已随之更新。", res);
}
