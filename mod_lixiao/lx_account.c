/*
 * lx_account.c: who the user that Apache authenticated (r->user) is to the module: an
 * operator (with points, administrator or leader flags) or a student.  Looked up on every
 * request, so that a change of an operator's points takes effect on the next request on any
 * node.
 */
#include "lx_req.h"

/* OK with *out set; HTTP_FORBIDDEN for a login the module does not know; 503 and friends
 * when the database fails. */
int lx_account_load(request_rec *r, lx_db *db, lx_account **out)
{
    const char *params[1] = {r->user};
    lx_account *acc;
    PGresult *res;
    int i;

    /* students first: on graduation day nearly every request is a student's
     * (lx.student_accounts, sql/functions/sheet.sql) */
    res = lx_db_prepared(db, "SELECT * FROM lx.student_accounts WHERE login = $1", 1, params);
    if (res && PQntuples(res) == 0)
        res = lx_db_prepared(db, "SELECT * FROM lx.operator_accounts WHERE login = $1 "
                                 "ORDER BY point_code, college_code", 1, params);
    if (!res)
        return db->status;
    if (PQntuples(res) == 0)
        return HTTP_FORBIDDEN;

    acc = apr_pcalloc(r->pool, sizeof(*acc));
    acc->login = r->user;
    acc->name = lx_value(res, 0, "name");
    acc->is_student = lx_value_is(res, 0, "kind", "student");
    acc->is_operator = !acc->is_student;
    acc->is_admin = lx_value_true(res, 0, "is_admin");
    acc->is_leader = lx_value_true(res, 0, "is_leader");
    acc->sheet_version = lx_value(res, 0, "sheet_version");
    acc->assignments = apr_array_make(r->pool, PQntuples(res), sizeof(lx_assignment));
    for (i = 0; i < PQntuples(res); i++) {
        lx_assignment *a;
        if (!lx_value(res, i, "point_code"))
            continue;
        a = apr_array_push(acc->assignments);
        a->point = lx_value(res, i, "point_code");
        a->point_name = lx_value(res, i, "point_name");
        a->deferral = lx_value_true(res, i, "point_deferral");
        a->college = lx_value(res, i, "college_code");
        a->college_name = lx_value(res, i, "college_name");
    }
    *out = acc;
    return OK;
}

void lx_account_xml(xmlNodePtr page, const lx_account *acc)
{
    xmlNodePtr node = xmlNewChild(page, NULL, (const xmlChar *)"account", NULL);
    int i;

    lx_attr(node, "kind", acc->is_student ? "student" : "operator");
    lx_attr(node, "name", acc->name);
    if (acc->is_student)
        return;
    lx_attr_bool(node, "admin", acc->is_admin);
    lx_attr_bool(node, "leader", acc->is_leader);
    for (i = 0; i < acc->assignments->nelts; i++) {
        const lx_assignment *a = &APR_ARRAY_IDX(acc->assignments, i, lx_assignment);
        xmlNodePtr an = xmlNewChild(node, NULL, (const xmlChar *)"assignment", NULL);
        lx_attr(an, "point", a->point);
        lx_attr(an, "point-name", a->point_name);
        lx_attr_bool(an, "deferral", a->deferral);
        lx_attr(an, "college", a->college);
        lx_attr(an, "college-name", a->college_name);
    }
}
