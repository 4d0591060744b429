/*
 * page_export.c: CSV lists for Excel, streamed from COPY ... TO STDOUT.
 *
 *   GET /lx/op/export?at=KEY&kind=pending&step=CODE[&class=CODE][&enc=utf-8|gb18030]
 *       students of the desk's scope still pending a step of its point (optionally one class)
 *   GET /lx/op/export?at=KEY&kind=cleared[&class=CODE][&enc=...]
 *       students of the desk's scope with every required step done (the proof list)
 *   GET /lx/admin/export?kind=cleared[&college=CODE][&class=CODE][&enc=...]
 *       the same for the whole installation or one college (administrators)
 *
 * UTF-8 comes with a byte order mark (Excel needs it to read UTF-8); GB18030 is converted by
 * PostgreSQL.  The scope is the desk's, checked in SQL (lx.in_desk_scope).
 */
#include "lx_private.h"
#include "core/lx_query.h"

int lx_page_export(lx_req *q)
{
    request_rec *r = q->r;
    const char *kind = lx_arg(q, "kind"), *step = lx_arg(q, "step"), *cls = lx_arg(q, "class");
    const char *enc = lx_arg(q, "enc"), *college = lx_arg(q, "college"), *select, *name;
    lx_desk *d = NULL;
    int admin = strncmp(q->path, "/admin/", 7) == 0, rc, sent;

    if (r->method_number != M_GET) {
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!enc)
        enc = "utf-8";
    if ((strcmp(enc, "utf-8") && strcmp(enc, "gb18030")) || (cls && !lx_code_valid(cls))
        || (college && !lx_code_valid(college)) || !kind
        || (strcmp(kind, "pending") && strcmp(kind, "cleared"))
        || (strcmp(kind, "pending") == 0 && (admin || !lx_step_code_valid(step)))) {
        q->message = "导出的参数不正确，请从页面上的导出链接进入。";
        return HTTP_BAD_REQUEST;
    }
    if (admin) {
        if (!q->account->is_admin) {
            q->message = "仅管理员可以导出全校名单。";
            return HTTP_FORBIDDEN;
        }
        select = apr_psprintf(r->pool,
            "SELECT * FROM lx.export_cleared(NULL, (SELECT id FROM lx.college WHERE code = %s), %s)",
            lx_db_literal(q->db, college ? college : ""), lx_db_literal(q->db, cls));
        if (!college)
            select = apr_psprintf(r->pool, "SELECT * FROM lx.export_cleared(NULL, NULL, %s)",
                                  lx_db_literal(q->db, cls));
        name = "cleared";
    }
    else {
        rc = lx_desk_open(q, lx_arg(q, "at"), &d);
        if (rc != OK)
            return rc;
        if (strcmp(kind, "pending") == 0) {
            select = apr_psprintf(r->pool,
                "SELECT * FROM lx.export_pending(%s, %s, %s, %s)",
                lx_db_literal(q->db, d->point_id), lx_db_literal(q->db, d->college_id),
                lx_db_literal(q->db, step), lx_db_literal(q->db, cls));
            name = apr_pstrcat(r->pool, "pending-", step, NULL);
        }
        else {
            select = apr_psprintf(r->pool, "SELECT * FROM lx.export_cleared(%s, %s, %s)",
                                  lx_db_literal(q->db, d->point_id),
                                  lx_db_literal(q->db, d->college_id),
                                  lx_db_literal(q->db, cls));
            name = "cleared";
        }
    }

    ap_set_content_type(r, strcmp(enc, "utf-8") == 0 ? "text/csv; charset=utf-8"
                                                     : "text/csv; charset=gb18030");
    apr_table_setn(r->headers_out, "Content-Disposition", apr_psprintf(r->pool,
                   "attachment; filename=\"lixiao-%s%s%s.csv\"", name, cls ? "-" : "",
                   cls ? cls : ""));
    if (r->header_only)
        return OK;
    /* nothing is sent before COPY has started: a refused query is still an error page */
    rc = lx_db_copy_out(q->db, apr_psprintf(r->pool,
        "COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER, ENCODING '%s')", select,
        strcmp(enc, "utf-8") == 0 ? "UTF8" : "GB18030"),
        strcmp(enc, "utf-8") == 0 ? "\xEF\xBB\xBF" : NULL, &sent);
    if (rc != OK && !sent) {
        ap_set_content_type(r, "text/html");
        apr_table_unset(r->headers_out, "Content-Disposition");
        return rc;
    }
    return OK;
}
