/*
 * lx_batch.c: the batch list of "by class" and "by dorm room" (seed §3.4.2, §3.6, §3.7): the
 * graduates of the class or room of the student at the desk, each with the step's state and a
 * checkbox, greyed with the reason where the step cannot be confirmed for them.  The batch
 * page shows it (page_batch.c), and so does a refused batch (action_change.c).
 */
#include "lx_req.h"

static const lx_colmap lx_member_cols[] = {
    {"student-no", "student_no", LX_COL_TEXT},
    {"name", "name", LX_COL_TEXT},
    {"class", "class", LX_COL_TEXT},
    {"dorm", "dorm", LX_COL_TEXT},
    {"state", "state", LX_COL_TEXT},
    {"by-name", "by_name", LX_COL_TEXT},
    {"at", "at", LX_COL_TEXT},
    {"blocked", "blocked", LX_COL_TEXT},
    {"proposed", "proposed", LX_COL_BOOL},
    {NULL, NULL, LX_COL_TEXT}
};

/* Append <batch> with its members to page; *count gets the number of members.  selected, if
 * given, marks the students that were ticked (a refused submission shows them again). */
int lx_batch_xml(lx_req *q, xmlNodePtr page, const lx_desk *d, const char *step,
                 const char *mode, const char *anchor, apr_table_t *selected, int *count)
{
    const char *params[6] = {d->point_id, d->college_id, step, mode, anchor, q->r->user};
    PGresult *res, *st;
    xmlNodePtr batch;
    int i;

    st = lx_db_query(q->db, "SELECT name, array_to_string(modes, ' ') AS modes "
                            "FROM lx.step WHERE code = $1 AND point_id = $2", 2,
                     (const char *const[]){step, d->point_id});
    if (!st)
        return q->db->status;
    if (PQntuples(st) == 0) {
        q->message = "当前离校点没有这项离校业务。";
        return HTTP_NOT_FOUND;
    }
    res = lx_db_query(q->db, "SELECT * FROM lx.batch_list($1, $2, $3, $4, $5, $6)", 6, params);
    if (!res)
        return q->db->status;
    if (PQntuples(res) == 0) {
        q->message = strcmp(mode, "dorm") == 0
            ? "该学生不在校住宿或不属于当前离校点的服务范围，无法按寝室办理。"
            : "该学生不属于当前离校点的服务范围。";
        return HTTP_NOT_FOUND;
    }
    batch = xmlNewChild(page, NULL, (const xmlChar *)"batch", NULL);
    lx_attr(batch, "step-code", step);
    lx_attr(batch, "step-name", lx_value(st, 0, "name"));
    lx_attr(batch, "modes", lx_value(st, 0, "modes"));
    lx_attr(batch, "mode", mode);
    lx_attr(batch, "anchor", anchor);
    lx_attr(batch, "label", strcmp(mode, "dorm") == 0 ? lx_value(res, 0, "dorm")
                                                      : lx_value(res, 0, "class"));
    for (i = 0; i < PQntuples(res); i++) {
        xmlNodePtr m = xmlNewChild(batch, NULL, (const xmlChar *)"member", NULL);
        const char *missing = lx_value(res, i, "missing");
        lx_attrs_from_row(m, res, i, lx_member_cols);
        if (selected && apr_table_get(selected, lx_value(res, i, "student_no")))
            lx_attr_bool(m, "selected", 1);
        if (missing)
            lx_requires_xml(q, m, missing, NULL);
    }
    *count = PQntuples(res);
    return OK;
}

