/*
 * page_admin.c: the administrator's pages, /lx/admin.
 *
 *   GET  /lx/admin[?tab=operators|steps|cohorts|events&...]   one tab, its data as flat lists
 *   POST /lx/admin/ACTION                                     one change (table below)
 *
 * Every change is a call of an lx.admin_* function (sql/functions/admin.sql), which checks
 * the rights, refuses what would break consistency with a reason in Chinese (shown on the error
 * page), and logs itself.  Changes of operators take effect on their next request: nothing is cached.
 */
#include "lx_handlers.h"
#include "core/lx_query.h"

/* ---- the tabs: each a few flat lists; the stylesheet joins them by key ---- */
typedef struct lx_list {
    const char *tab;
    const char *element;
    const char *sql;
} lx_list;

static const lx_list lx_admin_lists[] = {
    {"operators", "operator",
     "SELECT login, name, is_admin, is_leader, active FROM lx.operator ORDER BY login"},
    {"operators", "assignment",
     "SELECT op.login, p.code AS point, p.name AS point_name, c.code AS college, "
     "       c.name AS college_name "
     "  FROM lx.operator_point op JOIN lx.point p ON p.id = op.point_id "
     "  LEFT JOIN lx.college c ON c.id = op.college_id ORDER BY op.login, p.sort, c.code"},
    {"operators", "point", "SELECT code, name, scope, deferral FROM lx.point ORDER BY sort, id"},
    {"operators", "college", "SELECT code, name FROM lx.college ORDER BY code"},
    {"steps", "point",
     "SELECT code, name, scope, location, deferral FROM lx.point ORDER BY sort, id"},
    {"steps", "step",
     "SELECT s.code, p.code AS point, s.name, s.hint, array_to_string(s.modes, ' ') AS modes, "
     "       array_to_string(s.applies_when, ' ') AS applies_when, "
     "       array_to_string(s.applies_unless, ' ') AS applies_unless, s.automatic, s.optional, "
     "       s.gates, s.requires_gates, s.certificate, s.proposable, s.deferral_gate "
     "  FROM lx.step s JOIN lx.point p ON p.id = s.point_id ORDER BY p.sort, p.id, s.sort, s.id"},
    {"steps", "prereq",
     "SELECT a.code AS step, b.code AS requires, b.name AS requires_name "
     "  FROM lx.step_prereq q JOIN lx.step a ON a.id = q.step_id "
     "  JOIN lx.step b ON b.id = q.requires_id ORDER BY a.code, b.code"},
    {"steps", "fact", "SELECT code, name FROM lx.fact ORDER BY code"},
    {"steps", "cohort", "SELECT id, name, closed FROM lx.cohort ORDER BY year DESC, programme DESC"},
    {"steps", "cohort-step",
     "SELECT cs.cohort_id AS cohort, s.code AS step FROM lx.cohort_step cs "
     "  JOIN lx.step s ON s.id = cs.step_id ORDER BY 1, 2"},
    {"cohorts", "cohort",
     "SELECT c.id, c.year, c.programme, p.name AS programme_name, c.name, c.closed, "
     "       (SELECT count(*) FROM lx.student s WHERE s.cohort_id = c.id) AS students "
     "  FROM lx.cohort c JOIN lx.programme p ON p.code = c.programme "
     " ORDER BY c.year DESC, c.programme DESC"},
    {"cohorts", "step",
     "SELECT s.code, s.name, p.name AS point_name, s.optional, s.certificate "
     "  FROM lx.step s JOIN lx.point p ON p.id = s.point_id ORDER BY p.sort, p.id, s.sort, s.id"},
    {"cohorts", "cohort-step",
     "SELECT cs.cohort_id AS cohort, s.code AS step, "
     "       (SELECT count(*) FROM lx.step_state ss WHERE ss.cohort_id = cs.cohort_id "
     "           AND ss.step_id = cs.step_id AND ss.state = 'done') AS done "
     "  FROM lx.cohort_step cs JOIN lx.step s ON s.id = cs.step_id ORDER BY 1, 2"},
    {"cohorts", "certificate",
     "SELECT c.code, c.name, s.name AS step_name FROM lx.certificate c "
     "  JOIN lx.step s ON s.id = c.step_id ORDER BY c.sort"},
    {"cohorts", "cohort-certificate",
     "SELECT cohort_id AS cohort, certificate FROM lx.cohort_certificate ORDER BY 1, 2"},
    {"events", "point", "SELECT code, name FROM lx.point ORDER BY sort, id"},
    {"events", "step", "SELECT s.code, s.name, p.code AS point FROM lx.step s "
                       "  JOIN lx.point p ON p.id = s.point_id ORDER BY p.sort, s.sort"},
    {NULL, NULL, NULL}
};

static int lx_admin_allowed(lx_req *q)
{
    if (!q->account->is_admin) {
        q->message = "系统管理页面仅限管理员使用。";
        return HTTP_FORBIDDEN;
    }
    return OK;
}

/* The event log search of the events tab: every filter optional, at most 500 rows. */
static int lx_admin_events(lx_req *q, xmlNodePtr admin)
{
    apr_pool_t *p = q->r->pool;
    static const char *const names[] = {"student", "login", "point", "step", "from", "to"};
    const char *params[6];
    xmlNodePtr filter = xmlNewChild(admin, NULL, (const xmlChar *)"filter", NULL);
    PGresult *res;
    int i, any = 0;

    for (i = 0; i < 6; i++) {
        const char *v = lx_query_param(p, q->r->args, names[i]);
        params[i] = v && *v ? v : NULL;
        lx_attr(filter, names[i], params[i]);
        any |= params[i] != NULL;
    }
    if (params[0] && !lx_student_no_valid(params[0])) {
        lx_notice_xml(admin, "error", "学号应为 10 位数字。");
        return OK;
    }
    for (i = 4; i < 6; i++)
        if (params[i] && !(strlen(params[i]) == 10 && params[i][4] == '-'
                           && params[i][7] == '-')) {
            lx_notice_xml(admin, "error", "日期格式应为 YYYY-MM-DD。");
            return OK;
        }
    if (!any)
        return OK;          /* the form only, until the operator asks */
    /* "to" is a day: everything before the next midnight */
    res = lx_db_query(q->db,
                      "SELECT * FROM lx.event_search($1, $2, $3, $4, $5::date, "
                      "  $6::date + 1, 500)", 6, params);
    if (!res)
        return q->db->status == HTTP_BAD_REQUEST ? OK : q->db->status;
    lx_rows_xml(xmlNewChild(admin, NULL, (const xmlChar *)"events", NULL), "event", res);
    return OK;
}

int lx_page_admin(lx_req *q)
{
    const char *tab = lx_query_param(q->r->pool, q->r->args, "tab");
    const char *done = lx_query_param(q->r->pool, q->r->args, "done");
    xmlNodePtr page, admin;
    const lx_list *l;
    int rc;

    rc = lx_admin_allowed(q);
    if (rc != OK)
        return rc;
    if (!tab)
        tab = "operators";
    if (strcmp(tab, "operators") && strcmp(tab, "steps") && strcmp(tab, "cohorts")
        && strcmp(tab, "events") && strcmp(tab, "import"))
        return HTTP_NOT_FOUND;

    page = lx_page_new(q, "admin");
    admin = xmlNewChild(page, NULL, (const xmlChar *)"admin", NULL);
    lx_attr(admin, "tab", tab);
    lx_attr(admin, "csrf", lx_csrf_token(q, "admin"));
    lx_attr(admin, "rid", lx_form_id(q));
    if (done && strcmp(done, "1") == 0)
        lx_notice_xml(admin, "ok", "已保存。");
    for (l = lx_admin_lists; l->tab; l++) {
        PGresult *res;
        if (strcmp(l->tab, tab) != 0)
            continue;
        res = lx_db_query(q->db, l->sql, 0, NULL);
        if (!res)
            return q->db->status;
        lx_rows_xml(admin, l->element, res);
    }
    if (strcmp(tab, "events") == 0) {
        rc = lx_admin_events(q, admin);
        if (rc != OK)
            return rc;
    }
    return lx_render(q, page);
}

/* ---- the changes: form fields to the parameters of one lx.admin_* call ----
 * A field "name" is passed as text (NULL when empty), "?name" as a boolean (a ticked checkbox
 * is true), "[name" as a text[] of the ticked "name.VALUE" checkboxes.  $1 is the
 * administrator; the client address and the form's rid follow the fields. */
typedef struct lx_action {
    const char *name;
    const char *sql;
    const char *fields[8];
    const char *tab;            /* where to go back to */
} lx_action;

static const lx_action lx_admin_actions[] = {
    {"operator", "SELECT lx.admin_operator_save($1, $2, $3, $4, $5, $6, $7, $8)",
     {"login", "name", "?is_admin", "?is_leader", "?active", NULL}, "operators"},
    {"operator-delete", "SELECT lx.admin_operator_delete($1, $2, $3, $4)",
     {"login", NULL}, "operators"},
    {"assign", "SELECT lx.admin_assign($1, $2, $3, $4, true, $5, $6)",
     {"login", "point", "college", NULL}, "operators"},
    {"unassign", "SELECT lx.admin_assign($1, $2, $3, $4, false, $5, $6)",
     {"login", "point", "college", NULL}, "operators"},
    {"point", "SELECT lx.admin_point_save($1, $2, $3, $4, $5, $6)",
     {"code", "name", "location", NULL}, "steps"},
    {"step", "SELECT lx.admin_step_save($1, $2, $3, $4, $5, $6, $7, $8, $9)",
     {"code", "name", "hint", "[mode", "[when", "[unless", NULL}, "steps"},
    {"prereq", "SELECT lx.admin_prereq($1, $2, $3, true, $4, $5)",
     {"step", "requires", NULL}, "steps"},
    {"prereq-delete", "SELECT lx.admin_prereq($1, $2, $3, false, $4, $5)",
     {"step", "requires", NULL}, "steps"},
    {"cohort-step", "SELECT lx.admin_cohort_step($1, $2::integer, $3, $4, $5, $6)",
     {"cohort", "step", "?on", NULL}, "cohorts"},
    {"cohort-certificate",
     "SELECT lx.admin_cohort_certificate($1, $2::integer, $3, $4, $5, $6)",
     {"cohort", "certificate", "?on", NULL}, "cohorts"},
    {"cohort-close", "SELECT lx.admin_cohort_close($1, $2::integer, $3, $4)",
     {"cohort", NULL}, "cohorts"},
    {"cohort-next", "SELECT lx.admin_cohort_next($1, $2::integer, $3, $4)",
     {"cohort", NULL}, "cohorts"},
    {NULL, NULL, {NULL}, NULL}
};

/* The ticked "prefix.VALUE" checkboxes as a text[] literal; values are codes [a-z0-9_]. */
static const char *lx_checked_array(lx_req *q, apr_table_t *form, const char *prefix)
{
    const apr_array_header_t *f = apr_table_elts(form);
    const apr_table_entry_t *e = (const apr_table_entry_t *)f->elts;
    apr_array_header_t *vals = apr_array_make(q->r->pool, 4, sizeof(const char *));
    apr_size_t n = strlen(prefix);
    int i;

    for (i = 0; i < f->nelts; i++)
        if (strncmp(e[i].key, prefix, n) == 0 && e[i].key[n] == '.' && strcmp(e[i].val, "1") == 0
            && lx_step_code_valid(e[i].key + n + 1))
            APR_ARRAY_PUSH(vals, const char *) = e[i].key + n + 1;
    return apr_pstrcat(q->r->pool, "{", apr_array_pstrcat(q->r->pool, vals, ','), "}", NULL);
}

/* 1 when POST /lx/admin/{name} is one of the actions (lx_route reads its form first). */
int lx_admin_action_known(const char *name)
{
    const lx_action *a;
    for (a = lx_admin_actions; a->name && strcmp(a->name, name) != 0; a++)
        ;
    return a->name != NULL;
}

int lx_action_admin(lx_req *q)
{
    const char *name = q->path + strlen("/admin/");
    const lx_action *a;
    apr_table_t *form;
    const char *params[12];
    int n = 0, i, rc;

    for (a = lx_admin_actions; a->name && strcmp(a->name, name) != 0; a++)
        ;
    if (!a->name)
        return HTTP_NOT_FOUND;
    rc = lx_post_form(q, "admin", &form);
    if (rc != OK)
        return rc;
    rc = lx_admin_allowed(q);
    if (rc != OK)
        return rc;

    params[n++] = q->r->user;
    for (i = 0; a->fields[i]; i++) {
        const char *f = a->fields[i], *v;
        if (f[0] == '?') {
            v = apr_table_get(form, f + 1);
            params[n++] = v && strcmp(v, "1") == 0 ? "true" : "false";
        }
        else if (f[0] == '[') {
            params[n++] = lx_checked_array(q, form, f + 1);
        }
        else {
            v = apr_table_get(form, f);
            /* every text of these forms is one line (logins, names, codes, places, hints):
             * a line break or tab would reach CSV exports and logs (the form allows both) */
            if (v && v[strcspn(v, "\r\n\t")]) {
                q->message = "输入的内容不能包含换行或制表符。";
                return HTTP_BAD_REQUEST;
            }
            params[n++] = v && *v ? v : NULL;
        }
    }
    params[n++] = q->r->useragent_ip;
    params[n++] = apr_table_get(form, "rid");
    if (!lx_db_query(q->db, a->sql, n, params)) {
        if (!q->db->message && q->db->status == HTTP_BAD_REQUEST)
            q->message = "输入的内容不符合要求，请检查后重新提交。";
        return q->db->status;
    }
    apr_table_setn(q->r->headers_out, "Location", ap_construct_url(q->r->pool,
        apr_pstrcat(q->r->pool, q->conf->base_url, "/admin?tab=", a->tab, "&done=1", NULL),
        q->r));
    return HTTP_SEE_OTHER;
}
