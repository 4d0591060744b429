/*
 * lx_export.c: the file of an export, from one query, for the desk's, the administrator's and
 * the statistics' exports (page_export.c, page_stats.c).
 *
 *   csv   UTF-8 with a byte order mark (Excel needs it to read UTF-8), or GB18030; every text
 *         cell guarded against formulas (core/lx_export.c), number columns as they are
 *   xlsx  an Excel workbook (libxlsxwriter): text columns as string cells, so that student
 *         numbers, ID and class codes keep their digits and leading zeros, and a text that
 *         starts with = is text; number columns as numbers; the header bold
 *
 * A column is a number when PostgreSQL says so (its type); everything else is text.  The
 * lists are at most tens of thousands of rows: the result is read whole, then written.
 */
#include "lx_req.h"
#include "core/lx_export.h"

#include "apr_file_io.h"
#include "apr_strings.h"

#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <xlsxwriter.h>

/* The filename of Content-Disposition: ASCII for old clients, the Chinese title in UTF-8. */
static void lx_export_headers(request_rec *r, const char *type, const lx_export_name *n,
                              const char *ext)
{
    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "Content-Disposition",
                   lx_export_disposition(r->pool, apr_pstrcat(r->pool, "lixiao-", n->ascii,
                                                              NULL), n->title, ext));
}

/* text (UTF-8) as GB18030; NULL when iconv cannot (it covers all of Unicode). */
static char *lx_export_gb18030(apr_pool_t *p, const char *text, apr_size_t *len)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    size_t inleft = strlen(text), outleft = inleft * 2 + 16;
    char *out, *in = (char *)text, *o;
    if (cd == (iconv_t)-1)
        return NULL;
    out = o = apr_palloc(p, outleft);
    if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
        iconv_close(cd);
        return NULL;
    }
    iconv_close(cd);
    *len = (apr_size_t)(o - out);
    return out;
}

static int lx_export_csv(lx_req *q, const PGresult *res, const lx_export_name *name, int gb)
{
    request_rec *r = q->r;
    apr_array_header_t *parts = apr_array_make(r->pool, 1024, sizeof(const char *));
    int rows = PQntuples(res), cols = PQnfields(res), i, c;
    const char *body;
    char *gbody;
    apr_size_t len;

    for (i = -1; i < rows; i++) {
        for (c = 0; c < cols; c++) {
            const char *v = i < 0 ? PQfname(res, c)
                            : PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
            APR_ARRAY_PUSH(parts, const char *) = c ? "," : "";
            APR_ARRAY_PUSH(parts, const char *) =
                lx_export_csv_field(r->pool, v, i < 0 || !lx_type_is_number(PQftype(res, c)));
        }
        APR_ARRAY_PUSH(parts, const char *) = "\r\n";
    }
    body = apr_array_pstrcat(r->pool, parts, 0);
    lx_export_headers(r, gb ? "text/csv; charset=gb18030" : "text/csv; charset=utf-8", name,
                      "csv");
    if (r->header_only)
        return OK;
    if (!gb) {
        ap_rputs("\xEF\xBB\xBF", r);
        ap_rputs(body, r);
        return OK;
    }
    if (!(gbody = lx_export_gb18030(r->pool, body, &len))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, errno, r, LXLOGNO(0501)
                      "export: iconv cannot convert UTF-8 to GB18030");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_rwrite(gbody, (int)len, r);
    return OK;
}

static apr_status_t lx_export_unlink(void *path)
{
    apr_file_remove(path, NULL);
    return APR_SUCCESS;
}

/* The rows into a workbook at path; 0 or libxlsxwriter's error. */
static lxw_error lx_export_workbook(const PGresult *res, const char *path, const char *tmpdir)
{
    /* constant_memory: each row goes to a file in tmpdir as it is written, not into a tree of
     * the whole sheet (its strings are then inline strings, which Excel reads alike) */
    lxw_workbook_options opt = {LXW_TRUE, (char *)tmpdir, LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_worksheet *ws;
    lxw_format *bold;
    int rows = PQntuples(res), cols = PQnfields(res), i, c;

    if (!wb)
        return LXW_ERROR_CREATING_XLSX_FILE;
    ws = workbook_add_worksheet(wb, NULL);
    bold = workbook_add_format(wb);
    format_set_bold(bold);
    /* each column as wide as its widest cell (header included), within 6 and 60 */
    for (c = 0; c < cols; c++) {
        int w = lx_export_width(PQfname(res, c));
        for (i = 0; i < rows; i++)
            if (lx_export_width(PQgetvalue(res, i, c)) > w)
                w = lx_export_width(PQgetvalue(res, i, c));
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w < 4 ? 6 : w > 58 ? 60 : w + 2,
                             NULL);
    }
    for (c = 0; c < cols; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, PQfname(res, c), bold);
    for (i = 0; i < rows; i++)
        for (c = 0; c < cols; c++) {
            const char *v = PQgetvalue(res, i, c);
            double d;
            lxw_error e;
            if (PQgetisnull(res, i, c))
                continue;
            /* never worksheet_write_formula: a text that starts with = is a string cell */
            if (lx_type_is_number(PQftype(res, c)) && isfinite(d = strtod(v, NULL)))
                e = worksheet_write_number(ws, (lxw_row_t)i + 1, (lxw_col_t)c, d, NULL);
            else
                e = worksheet_write_string(ws, (lxw_row_t)i + 1, (lxw_col_t)c, v, NULL);
            if (e != LXW_NO_ERROR) {
                workbook_close(wb);
                return e;
            }
        }
    worksheet_freeze_panes(ws, 1, 0);
    return workbook_close(wb);
}

static int lx_export_xlsx(lx_req *q, const PGresult *res, const lx_export_name *name)
{
    request_rec *r = q->r;
    const char *tmpdir;
    char *path;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    char *buf;
    lxw_error err;

    lx_export_headers(r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      name, "xlsx");
    if (r->header_only)
        return OK;
    /* libxlsxwriter 1.1.4 writes only to a file: one of our own, removed with the request */
    if (apr_temp_dir_get(&tmpdir, r->pool) != APR_SUCCESS
        || apr_file_mktemp(&f, path = apr_pstrcat(r->pool, tmpdir, "/lixiao-export-XXXXXX",
                                                  NULL),
                           APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_EXCL, r->pool)
           != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, errno, r, LXLOGNO(0502)
                      "export: no temporary file for the workbook");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_file_close(f);
    apr_pool_cleanup_register(r->pool, path, lx_export_unlink, apr_pool_cleanup_null);
    err = lx_export_workbook(res, path, tmpdir);
    if (err != LXW_NO_ERROR
        || apr_file_open(&f, path, APR_FOPEN_READ, 0, r->pool) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0503)
                      "export: the workbook could not be written: %s", lxw_strerror(err));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(r->pool, n ? n : 1);
    if (apr_file_read_full(f, buf, n, &n) != APR_SUCCESS) {
        apr_file_close(f);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_file_close(f);
    ap_set_content_length(r, (apr_off_t)n);
    ap_rwrite(buf, (int)n, r);
    return OK;
}

int lx_export_send(lx_req *q, const char *sql, const lx_export_name *name,
                   const char *format, const char *enc)
{
    PGresult *res = lx_db_query(q->db, sql, 0, NULL);
    if (!res)
        return q->db->status;
    if (format && strcmp(format, "xlsx") == 0)
        return lx_export_xlsx(q, res, name);
    return lx_export_csv(q, res, name, enc && strcmp(enc, "gb18030") == 0);
}
