/*
 * page_export.c: the desk's and the administrator's lists for Excel (lx_export.c writes them).
 *
 *   GET /lx/op/export?at=KEY&kind=pending&step=CODE[&class=CODE][&enc=utf-8|gb18030]
 *       students of the desk's scope still pending a step of its point (optionally one class)
 *   GET /lx/op/export?at=KEY&kind=cleared[&class=CODE][&enc=...]
 *       students of the desk's scope with every required step done (the proof list)
 *   GET /lx/admin/export?kind=cleared[&college=CODE][&class=CODE][&enc=...]
 *       the same for the whole installation or one college (administrators)
 *
 * Each as CSV (&enc=utf-8 with a byte order mark, or gb18030) or as a workbook (&format=xlsx).
 * The scope is the desk's, checked in SQL (lx.in_desk_scope).
 */
#include "lx_handlers.h"
#include "core/lx_query.h"

int lx_page_export(lx_req *q)
{
    request_rec *r = q->r;
    const char *kind = lx_arg(q, "kind"), *step = lx_arg(q, "step"), *cls = lx_arg(q, "class");
    const char *enc = lx_arg(q, "enc"), *college = lx_arg(q, "college"), *select, *name, *title;
    const char *format = lx_arg(q, "format");
    lx_export_name n;
    lx_desk *d = NULL;
    int admin = strncmp(q->path, "/admin/", 7) == 0, rc;

    if (!enc)
        enc = "utf-8";
    if ((strcmp(enc, "utf-8") && strcmp(enc, "gb18030")) || (cls && !lx_code_valid(cls))
        || (format && strcmp(format, "csv") && strcmp(format, "xlsx"))
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
        name = college ? apr_pstrcat(r->pool, "cleared-", college, NULL) : "cleared";
        title = college ? apr_pstrcat(r->pool, "离校办结名单-", college, NULL) : "离校办结名单";
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
            title = apr_pstrcat(r->pool, "离校未办名单-", d->point_name, "-", step, NULL);
        }
        else {
            select = apr_psprintf(r->pool, "SELECT * FROM lx.export_cleared(%s, %s, %s)",
                                  lx_db_literal(q->db, d->point_id),
                                  lx_db_literal(q->db, d->college_id),
                                  lx_db_literal(q->db, cls));
            name = "cleared";
            title = apr_pstrcat(r->pool, "离校办结名单-", d->point_name, NULL);
        }
    }

    n.ascii = cls ? apr_pstrcat(r->pool, name, "-", cls, NULL) : name;
    n.title = cls ? apr_pstrcat(r->pool, title, "-", cls, NULL) : title;
    return lx_export_send(q, select, &n, format, enc);
}
