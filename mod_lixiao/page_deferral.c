/*
 * page_deferral.c: the special deferral point (缓交办理点, seed §3.9), /lx/deferral.
 *
 *   GET  /lx/deferral[?s=NO]       the search, the student's finance gate, the list of every
 *                                  student whose gate is closed
 *   POST /lx/deferral/search       q: student number or resident ID number -> 303 ?s=NO
 *   POST /lx/deferral/close        s, note (the deferral certificate's number): 限制已关闭
 *   POST /lx/deferral/open         s, note (why): the gate is on again
 *
 * Only deferral officers and administrators.  Every change goes through lx.set_override,
 * which refuses a change when the finance step is already done (the button is disabled, and a
 * forged request is refused all the same) and logs it.
 */
#include "lx_handlers.h"
#include "core/lx_idcard.h"
#include "core/lx_query.h"
#include "core/lx_text.h"

#define LX_DEFERRAL_STEP "arrears"
#define LX_DEFERRAL_NOTE_MAX 200    /* characters of the note (the certificate's number) */

static int lx_deferral_allowed(lx_req *q)
{
    const char *params[1] = {q->r->user};
    PGresult *res = lx_db_query(q->db, "SELECT lx.is_deferral_officer($1) AS ok", 1, params);
    if (!res)
        return q->db->status;
    if (!lx_value_true(res, 0, "ok")) {
        q->message = "缓交办理点仅限缓交办理人员和管理员使用。";
        return HTTP_FORBIDDEN;
    }
    return OK;
}

static xmlNodePtr lx_deferral_page(lx_req *q)
{
    xmlNodePtr page = lx_page_new(q, "deferral");
    xmlNodePtr d = xmlNewChild(page, NULL, (const xmlChar *)"deferral", NULL);
    lx_attr(d, "csrf", lx_csrf_token(q, "deferral"));
    lx_attr(d, "rid", lx_form_id(q));
    return page;
}

/* The student's gate and the list of closed gates. */
static int lx_deferral_fill(lx_req *q, xmlNodePtr page, const char *student_no)
{
    xmlNodePtr d = lx_first_child(page, "deferral");
    PGresult *res;

    if (student_no) {
        const char *params[1] = {student_no};
        if (!lx_student_no_valid(student_no)) {
            lx_notice_xml(d, "error", "学号应为 10 位数字。");
        }
        else {
            res = lx_db_query(q->db, "SELECT * FROM lx.deferral_status($1)", 1, params);
            if (!res)
                return q->db->status;
            if (PQntuples(res) == 0)
                lx_notice_xml(d, "error", "未找到该学生，或该生所在届未启用缴清欠费业务。");
            lx_rows_xml(d, "student", res);
        }
    }
    res = lx_db_query(q->db, "SELECT * FROM lx.deferral_list()", 0, NULL);
    if (!res)
        return q->db->status;
    lx_rows_xml(xmlNewChild(d, NULL, (const xmlChar *)"closed", NULL), "gate", res);
    return OK;
}

int lx_page_deferral(lx_req *q)
{
    const char *s = lx_query_param(q->r->pool, q->r->args, "s");
    const char *done = lx_query_param(q->r->pool, q->r->args, "done");
    xmlNodePtr page;
    int rc;

    rc = lx_deferral_allowed(q);
    if (rc != OK)
        return rc;
    page = lx_deferral_page(q);
    if (done && (strcmp(done, "close") == 0 || strcmp(done, "open") == 0))
        lx_notice_xml(lx_first_child(page, "deferral"), "ok",
                      strcmp(done, "close") == 0 ? "已关闭限制（限制已关闭）。"
                                                 : "已重新开启限制。");
    rc = lx_deferral_fill(q, page, s);
    return rc == OK ? lx_render(q, page) : rc;
}

static int lx_deferral_redirect(lx_req *q, const char *student_no, const char *extra)
{
    apr_table_setn(q->r->headers_out, "Location", ap_construct_url(q->r->pool,
        apr_pstrcat(q->r->pool, q->conf->base_url, "/deferral?s=", student_no,
                    extra ? "&" : "", extra ? extra : "", NULL), q->r));
    return HTTP_SEE_OTHER;
}

/* Every POST of the deferral point: the form's gate, then the officer's right. */
static int lx_deferral_form(lx_req *q, apr_table_t **form)
{
    int rc = lx_post_form(q, "deferral", form);
    return rc == OK ? lx_deferral_allowed(q) : rc;
}

/* POST /lx/deferral/search: a student number or a resident ID number (never into a URL). */
int lx_action_deferral_search(lx_req *q)
{
    apr_table_t *form;
    const char *text, *params[1];
    char norm[19];
    PGresult *res;
    xmlNodePtr page;
    int rc = lx_deferral_form(q, &form);

    if (rc != OK)
        return rc;
    text = apr_table_get(form, "q");
    text = text ? lx_text_trim(apr_pstrdup(q->r->pool, text)) : "";
    text = lx_query_halfwidth(q->r->pool, text);     /* ２０２２… typed with an input method */
    if (lx_student_no_valid(text))
        return lx_deferral_redirect(q, text, NULL);
    page = lx_deferral_page(q);
    if (lx_idcard_attempt(text)) {
        lx_id_result idr = lx_idcard_check(text, lx_today(q), norm);
        if (idr == LX_ID_OK) {
            params[0] = norm;
            res = lx_db_query(q->db, "SELECT student_no FROM lx.student WHERE id_number = $1 "
                                     "ORDER BY cohort_id DESC LIMIT 1", 1, params);
            if (!res)
                return q->db->status;
            if (PQntuples(res) == 1)
                return lx_deferral_redirect(q, lx_value(res, 0, "student_no"), NULL);
            lx_notice_xml(lx_first_child(page, "deferral"), "error",
                          "未找到该身份证号对应的毕业生。");
        }
        else {
            lx_notice_xml(lx_first_child(page, "deferral"), "error", lx_idcard_message(idr));
            q->r->status = HTTP_BAD_REQUEST;
        }
    }
    else {
        lx_notice_xml(lx_first_child(page, "deferral"), "error",
                      "请输入 10 位学号或 18 位身份证号。");
        q->r->status = HTTP_BAD_REQUEST;
    }
    rc = lx_deferral_fill(q, page, NULL);
    return rc == OK ? lx_render(q, page) : rc;
}

static const char *lx_override_message(const char *outcome)
{
    if (strcmp(outcome, "step_done") == 0)
        return "该生的缴清欠费业务已完成，无需也不能调整限制。";
    if (strcmp(outcome, "dependents_done") == 0)
        return "该生已领取证件（依赖此项的业务已办理），不能重新开启限制；"
               "如确需开启，请先在领取证件离校点撤销该业务。";
    if (strcmp(outcome, "forbidden") == 0)
        return "您没有缓交办理权限。";
    if (strcmp(outcome, "cohort_closed") == 0)
        return "该生所在届已归档，不能修改。";
    if (strcmp(outcome, "unknown_student") == 0)
        return "学号不存在。";
    if (strcmp(outcome, "not_enabled") == 0 || strcmp(outcome, "not_applicable") == 0)
        return "该生无需办理缴清欠费业务。";
    return "未能调整限制。";
}

static int lx_deferral_change(lx_req *q, int close)
{
    apr_table_t *form;
    const char *student_no, *note, *params[7];
    PGresult *res;
    const char *outcome;
    int rc = lx_deferral_form(q, &form);

    if (rc != OK)
        return rc;
    student_no = apr_table_get(form, "s");
    note = apr_table_get(form, "note");
    note = note ? lx_text_trim(apr_pstrdup(q->r->pool, note)) : NULL;
    if (!student_no || !lx_student_no_valid(student_no)) {
        q->message = "请先查询学生。";
        return HTTP_BAD_REQUEST;
    }
    /* the desk's limit for notes (action_change.c): the form allows 64 KiB */
    if (note && lx_query_chars(note) > LX_DEFERRAL_NOTE_MAX) {
        q->message = "备注不能超过 200 字。";
        return HTTP_BAD_REQUEST;
    }
    params[0] = student_no;
    params[1] = LX_DEFERRAL_STEP;
    params[2] = close ? "true" : "false";
    params[3] = q->r->user;
    params[4] = note && *note ? note : NULL;
    params[5] = q->r->useragent_ip;
    params[6] = apr_table_get(form, "rid");
    res = lx_db_query(q->db, "SELECT * FROM lx.set_override($1, $2, $3, $4, $5, $6, $7)", 7,
                      params);
    if (!res)
        return q->db->status;
    outcome = lx_value(res, 0, "outcome");
    if (strcmp(outcome, "ok") == 0 || strcmp(outcome, "unchanged") == 0
        || strcmp(outcome, "replayed") == 0) {
        if (q->want_xml) {
            xmlNodePtr page = lx_deferral_page(q);
            lx_rows_xml(lx_first_child(page, "deferral"), "outcome", res);
            return lx_render(q, page);
        }
        return lx_deferral_redirect(q, student_no, close ? "done=close" : "done=open");
    }
    q->message = lx_override_message(outcome);
    return strcmp(outcome, "forbidden") == 0 ? HTTP_FORBIDDEN : HTTP_CONFLICT;
}

int lx_action_deferral_close(lx_req *q)
{
    return lx_deferral_change(q, 1);
}

int lx_action_deferral_open(lx_req *q)
{
    return lx_deferral_change(q, 0);
}
