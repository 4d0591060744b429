/*
 * page_desk.c: the operator desk, /lx/op, with the six areas of seed §3.2: the point switcher,
 * the search, the live statistics of the point, the student's basic information, the point's
 * steps for the student (checkboxes, submit, batch buttons) and the student's whole clearance
 * record.  The search is a POST (it may carry a resident ID number, which must never reach a
 * URL); it answers with a redirect to a URL that carries only the student number.
 */
#include "lx_handlers.h"
#include "core/lx_idcard.h"
#include "core/lx_query.h"
#include "core/lx_text.h"

/* Build the desk page: context, statistics, and the student if one is selected. */
static int lx_desk_page(lx_req *q, const lx_desk *d, const char *student_no,
                        xmlNodePtr *page_out, xmlNodePtr *desk_out)
{
    xmlNodePtr page = lx_page_new(q, "desk");
    xmlNodePtr desk = lx_desk_xml(q, page, d);
    int rc = lx_desk_stats_xml(q, desk, d);

    if (rc == OK && student_no)
        rc = lx_desk_student(q, page, desk, d, student_no);
    *page_out = page;
    *desk_out = desk;
    return rc;
}

/* The steps continuous mode (连续办理) offers: the point's steps that people confirm one
 * student at a time (not the automatic ones). */
static int lx_scan_steps(lx_req *q, const lx_desk *d, xmlNodePtr desk)
{
    PGresult *res = lx_db_query(q->db, "SELECT code, name FROM lx.step "
                                       " WHERE point_id = $1 AND automatic IS NULL "
                                       "   AND 'individual' = ANY (modes) "
                                       " ORDER BY sort, id", 1, &d->point_id);
    if (!res)
        return q->db->status;
    lx_rows_xml(desk, "scan-step", res);
    return OK;
}

int lx_page_desk(lx_req *q)
{
    lx_desk *d;
    xmlNodePtr page, desk;
    const char *ok = lx_arg(q, "ok"), *undone = lx_arg(q, "undone");
    const char *students = lx_arg(q, "students");
    int rc;

    rc = lx_desk_open(q, lx_arg(q, "at"), &d);
    if (rc != OK)
        return rc;
    rc = lx_desk_page(q, d, lx_arg(q, "s"), &page, &desk);
    if (rc != OK)
        return rc;
    rc = lx_scan_steps(q, d, desk);
    if (rc != OK)
        return rc;
    /* the outcome of the form just sent (303 back here); counts only, nothing to inject */
    if (ok && apr_isdigit(*ok))
        lx_notice_xml(desk, "ok", apr_psprintf(q->r->pool, "已办理 %d 项。", atoi(ok)));
    if (students && apr_isdigit(*students))
        lx_notice_xml(desk, "ok", apr_psprintf(q->r->pool, "已为 %d 名学生办理。", atoi(students)));
    if (undone && apr_isdigit(*undone))
        lx_notice_xml(desk, "ok", apr_psprintf(q->r->pool, "已撤销 %d 项。", atoi(undone)));
    return lx_render(q, page);
}

/* What the search box holds: a student number, an identity number, or a name. */
static const char *lx_search_kind(lx_req *q, const char *text, char norm[19])
{
    lx_id_result idr;
    apr_size_t n = strlen(text);

    if (lx_student_no_valid(text))
        return "no";
    if (lx_idcard_attempt(text) || (n == 15 && strspn(text, "0123456789") == 15)) {
        idr = n == 15 ? LX_ID_LENGTH : lx_idcard_check(text, lx_today(q), norm);
        if (idr == LX_ID_OK)
            return "id";
        q->message = n == 15 ? "请输入 18 位身份证号（15 位旧号码请换算为 18 位）。"
                             : lx_idcard_message(idr);
        return NULL;
    }
    if (strspn(text, "0123456789xX") == n) {
        q->message = "学号应为 10 位数字，身份证号应为 18 位。";
        return NULL;
    }
    if (lx_query_chars(text) > 60) {        /* characters, as lx.student.name counts them */
        q->message = "姓名过长。";
        return NULL;
    }
    return "name";
}

/* After a search that found nothing or was refused, the box keeps what was typed, to correct
 * it; never an identity number, even a wrong one (it would sit in the page). */
static void lx_keep_query(xmlNodePtr desk, const char *text)
{
    apr_size_t n = strlen(text);
    if (!*text || lx_idcard_attempt(text) || (n >= 15 && strspn(text, "0123456789xX") == n)
        || !lx_text_xml_safe(text))
        return;
    lx_attr(desk, "query", text);
}

static const lx_colmap lx_match_cols[] = {
    {"student-no", "student_no", LX_COL_TEXT},
    {"name", "name", LX_COL_TEXT},
    {"college", "college", LX_COL_TEXT},
    {"class", "class", LX_COL_TEXT},
    {"cohort", "cohort", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

/* POST /lx/op/search: at, q.  One match: 303 to the desk with the student.  Several: the list
 * to pick from.  None, or bad input: the desk with a message (the ID number is not echoed). */
int lx_page_desk_search(lx_req *q)
{
    apr_table_t *form;
    lx_desk *d;
    xmlNodePtr page, desk, matches;
    const char *text, *kind, *params[4];
    char norm[19];
    PGresult *res;
    int rc, i;

    rc = lx_post_form(q, "desk", &form);
    if (rc != OK)
        return rc;
    rc = lx_desk_open(q, apr_table_get(form, "at"), &d);
    if (rc != OK)
        return rc;
    text = apr_table_get(form, "q");
    text = text ? lx_text_trim(apr_pstrdup(q->r->pool, text)) : "";
    text = lx_query_halfwidth(q->r->pool, text);     /* ２０２２… typed with an input method */
    kind = *text ? lx_search_kind(q, text, norm) : NULL;
    if (!*text)
        q->message = "请输入学号、身份证号或姓名。";

    if (kind) {
        params[0] = d->point_id;
        params[1] = d->college_id;
        params[2] = kind;
        params[3] = strcmp(kind, "id") == 0 ? norm : text;
        res = lx_db_query(q->db, "SELECT * FROM lx.find_students($1, $2, $3, $4)", 4, params);
        if (!res)
            return q->db->status;
        if (PQntuples(res) == 1) {
            apr_table_setn(q->r->headers_out, "Location",
                           ap_construct_url(q->r->pool, lx_desk_url(q, d,
                               lx_value(res, 0, "student_no"), NULL), q->r));
            return HTTP_SEE_OTHER;
        }
        rc = lx_desk_page(q, d, NULL, &page, &desk);
        if (rc != OK)
            return rc;
        if (PQntuples(res) == 0) {
            lx_keep_query(desk, text);
            lx_notice_xml(desk, "error", strcmp(kind, "id") == 0
                          ? "未找到该身份证号对应的毕业生（仅在本离校点服务范围内查找）。"
                          : "本离校点服务范围内未找到该学生。");
        }
        else {
            matches = xmlNewChild(desk, NULL, (const xmlChar *)"matches", NULL);
            if (strcmp(kind, "name") == 0)
                lx_attr(matches, "query", text);
            lx_attr_bool(matches, "more", PQntuples(res) > 50);
            for (i = 0; i < PQntuples(res) && i < 50; i++)
                lx_attrs_from_row(xmlNewChild(matches, NULL, (const xmlChar *)"match", NULL),
                                  res, i, lx_match_cols);
        }
        return lx_render(q, page);
    }

    /* bad input: the desk again with the reason; status 400 */
    rc = lx_desk_page(q, d, NULL, &page, &desk);
    if (rc != OK)
        return rc;
    lx_keep_query(desk, text);
    lx_notice_xml(desk, "error", q->message);
    q->r->status = HTTP_BAD_REQUEST;
    return lx_render(q, page);
}
