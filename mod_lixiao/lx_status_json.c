/*
 * lx_status_json.c: the portal's status document for one student (GET /lx/api/v1/students/
 * {no}/status, page_api.c), written from the rows of lx.api_status_rows: one row per step that
 * applies, the student's columns on each.
 *
 *   {"student": {"student_no", "name", "college", "class", "cohort", "programme",
 *                "cohort_closed"},
 *    "cleared", "required_steps", "required_done",
 *    "steps": [{"point", "point_name", "step", "name", "state", "optional", "at"}],
 *    "left":  [{"point", "point_name", "step", "name", "location"}]}   (required, pending)
 *
 * Times are local time at LixiaoTimeZone, as "2026-06-20T09:30:00+08:00".  Writing it here
 * rather than with json_build_object in PostgreSQL costs a few microseconds instead of two
 * hundred (measured when lx.api_status_rows came: sql/016_api_rows.sql; the view is in
 * sql/functions/api.sql).
 */
#include "lx_req.h"
#include "core/lx_json.h"

static const char *lx_json_text(apr_pool_t *p, const PGresult *res, int row, const char *col)
{
    const char *v = lx_value(res, row, col);
    return v ? lx_json_string(p, v) : "null";
}

static const char *lx_json_bool(const PGresult *res, int row, const char *col)
{
    const char *v = lx_value(res, row, col);
    return !v ? "null" : v[0] == 't' ? "true" : "false";
}

/* The common members of a step in "steps" and "left". */
static const char *lx_json_step_head(apr_pool_t *p, const PGresult *res, int i)
{
    return apr_pstrcat(p, "{\"point\": ", lx_json_text(p, res, i, "point"),
                       ", \"point_name\": ", lx_json_text(p, res, i, "point_name"),
                       ", \"step\": ", lx_json_text(p, res, i, "step"),
                       ", \"name\": ", lx_json_text(p, res, i, "step_name"), NULL);
}

/* OK with *json the document, or NULL when there is no such student; else the database's
 * status (503 and friends). */
int lx_status_json(lx_req *q, const char *student_no, const char **json)
{
    const char *params[1] = {student_no};
    PGresult *res;

    res = lx_db_prepared(q->db, "SELECT * FROM lx.api_status_rows WHERE student_no = $1 "
                                "ORDER BY point_sort, step_sort, step_id", 1, params);
    if (!res)
        return q->db->status;
    *json = lx_status_json_rows(q, res);
    return OK;
}

const char *lx_status_json_rows(lx_req *q, const PGresult *res)
{
    apr_pool_t *p = q->r->pool;
    apr_array_header_t *steps, *left;
    int i, required = 0, done = 0;

    if (PQntuples(res) == 0 || !lx_value(res, 0, "student_no"))
        return NULL;

    steps = apr_array_make(p, PQntuples(res), sizeof(const char *));
    left = apr_array_make(p, PQntuples(res), sizeof(const char *));
    for (i = 0; i < PQntuples(res); i++) {
        const char *state = lx_value(res, i, "state"), *head;
        int optional;
        if (!state)
            continue;           /* a student without states: the one row has no step */
        optional = lx_value_true(res, i, "optional");
        head = lx_json_step_head(p, res, i);
        APR_ARRAY_PUSH(steps, const char *) = apr_pstrcat(p, head,
            ", \"state\": ", lx_json_string(p, state),
            ", \"optional\": ", optional ? "true" : "false",
            ", \"at\": ", lx_json_time(p, lx_value(res, i, "at_epoch"), q->conf->utc_offset),
            "}", NULL);
        if (optional)
            continue;
        required++;
        if (strcmp(state, "done") == 0)
            done++;
        else if (strcmp(state, "pending") == 0)
            APR_ARRAY_PUSH(left, const char *) = apr_pstrcat(p, head,
                ", \"location\": ", lx_json_text(p, res, i, "location"), "}", NULL);
    }

    return apr_pstrcat(p,
        "{\"student\": {\"student_no\": ", lx_json_text(p, res, 0, "student_no"),
        ", \"name\": ", lx_json_text(p, res, 0, "name"),
        ", \"college\": ", lx_json_text(p, res, 0, "college"),
        ", \"class\": ", lx_json_text(p, res, 0, "class"),
        ", \"cohort\": ", lx_json_text(p, res, 0, "cohort"),
        ", \"programme\": ", lx_json_text(p, res, 0, "programme"),
        ", \"cohort_closed\": ", lx_json_bool(res, 0, "cohort_closed"),
        "}, \"cleared\": ", left->nelts == 0 ? "true" : "false",
        ", \"required_steps\": ", apr_itoa(p, required),
        ", \"required_done\": ", apr_itoa(p, done),
        ", \"steps\": [", apr_array_pstrcat(p, steps, ','),
        "], \"left\": [", apr_array_pstrcat(p, left, ','),
        /* null when read from the primary; from a standby, the time it is current to */
        "], \"as_of\": ", lx_json_time(p, lx_db_as_of(q->db), q->conf->utc_offset),
        "}", NULL);
}
