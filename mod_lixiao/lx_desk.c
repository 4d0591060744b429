/*
 * lx_desk.c: the context every desk request shares: which of the operator's desks (point, and
 * college for a college point) is current, the switcher between them, the form tokens, and the
 * live statistics of the current desk, and the student at the desk.  A desk is named in URLs
 * by its key ("college:01", "library"); a key that is not one of the operator's own desks is
 * refused.
 */
#include "lx_req.h"
#include "core/lx_query.h"

int lx_desk_open(lx_req *q, const char *key, lx_desk **out)
{
    const char *params[1] = {q->r->user};
    PGresult *res = lx_db_query(q->db, "SELECT * FROM lx.desk_assignments($1)", 1, params);
    lx_desk *d;
    int i, current = -1;

    if (!res)
        return q->db->status;
    if (PQntuples(res) == 0) {
        q->message = "您没有离校点的操作权限。如需开通，请联系管理员。";
        return HTTP_FORBIDDEN;
    }
    for (i = 0; i < PQntuples(res) && current < 0; i++)
        if (!key || lx_value_is(res, i, "key", key))
            current = i;
    if (current < 0) {
        q->message = "您没有该离校点的操作权限。";
        return HTTP_FORBIDDEN;
    }
    d = apr_pcalloc(q->r->pool, sizeof(*d));
    d->rows = res;
    d->current = current;
    d->key = lx_value(res, current, "key");
    d->point_id = lx_value(res, current, "point_id");
    d->point_code = lx_value(res, current, "point_code");
    d->point_name = lx_value(res, current, "point_name");
    d->college_id = lx_value(res, current, "college_id");
    d->college_name = lx_value(res, current, "college_name");
    *out = d;
    return OK;
}

/* /lx/op?at=KEY[&s=NO][&extra] */
const char *lx_desk_url(lx_req *q, const lx_desk *d, const char *student_no, const char *extra)
{
    return apr_pstrcat(q->r->pool, q->conf->base_url, "/op?at=",
                       ap_escape_uri(q->r->pool, d->key),
                       student_no ? "&s=" : "", student_no ? student_no : "",
                       extra ? "&" : "", extra ? extra : "", NULL);
}

static const lx_colmap lx_assignment_cols[] = {
    {"key", "key", LX_COL_TEXT},
    {"point", "point_code", LX_COL_TEXT},
    {"point-name", "point_name", LX_COL_TEXT},
    {"college", "college_code", LX_COL_TEXT},
    {"college-name", "college_name", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

xmlNodePtr lx_desk_xml(lx_req *q, xmlNodePtr page, const lx_desk *d)
{
    xmlNodePtr desk = xmlNewChild(page, NULL, (const xmlChar *)"desk", NULL);
    int i;

    lx_attrs_from_row(desk, d->rows, d->current, lx_assignment_cols);
    lx_attr(desk, "csrf", lx_csrf_token(q, "desk"));
    lx_attr(desk, "rid", lx_form_id(q));
    for (i = 0; i < PQntuples(d->rows); i++) {
        xmlNodePtr a = xmlNewChild(desk, NULL, (const xmlChar *)"assignment", NULL);
        lx_attrs_from_row(a, d->rows, i, lx_assignment_cols);
        if (i == d->current)
            lx_attr_bool(a, "current", 1);
    }
    return desk;
}

static const lx_colmap lx_stat_cols[] = {
    {"code", "step_code", LX_COL_TEXT},
    {"name", "step_name", LX_COL_TEXT},
    {"optional", "optional", LX_COL_BOOL},
    {"applicable", "applicable", LX_COL_TEXT},
    {"done", "done", LX_COL_TEXT},
    {"pending", "pending", LX_COL_TEXT},
    {"proposed", "proposed", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

/* <stats> of the current desk, counted now (the refresh button simply reloads). */
int lx_desk_stats_xml(lx_req *q, xmlNodePtr desk, const lx_desk *d)
{
    const char *params[2] = {d->point_id, d->college_id};
    PGresult *res = lx_db_query(q->db, "SELECT * FROM lx.desk_stats($1, $2)", 2, params);
    xmlNodePtr stats;
    int i;

    if (!res)
        return q->db->status;
    stats = xmlNewChild(desk, NULL, (const xmlChar *)"stats", NULL);
    for (i = 0; i < PQntuples(res); i++)
        lx_attrs_from_row(xmlNewChild(stats, NULL, (const xmlChar *)"step", NULL), res, i,
                          lx_stat_cols);
    return OK;
}

/* <notice kind="ok|error" text="..."/> */
void lx_notice_xml(xmlNodePtr parent, const char *kind, const char *text)
{
    xmlNodePtr n = xmlNewChild(parent, NULL, (const xmlChar *)"notice", NULL);
    lx_attr(n, "kind", kind);
    lx_attr(n, "text", text);
}

/* The student part of the desk, when the student is in the desk's scope (also the refused
 * change's page, action_change.c: a form naming a student outside the scope shows nothing of
 * them). */
int lx_desk_student(lx_req *q, xmlNodePtr page, xmlNodePtr desk, const lx_desk *d,
                    const char *student_no)
{
    const char *params[3] = {d->point_id, d->college_id, student_no};
    PGresult *res;

    if (!lx_student_no_valid(student_no)) {
        lx_notice_xml(desk, "error", "学号应为 10 位数字。");
        return OK;
    }
    res = lx_db_query(q->db,
                      "SELECT lx.in_desk_scope($1, $2, s.id) AS ok FROM lx.student s "
                      "WHERE s.student_no = $3", 3, params);
    if (!res)
        return q->db->status;
    if (PQntuples(res) == 0) {
        lx_notice_xml(desk, "error", "未找到该学号的毕业生。");
        return OK;
    }
    if (!lx_value_true(res, 0, "ok")) {
        lx_notice_xml(desk, "error", "该学生不属于当前离校点的服务范围。");
        return OK;
    }
    return lx_sheet_xml(q, page, student_no);
}
