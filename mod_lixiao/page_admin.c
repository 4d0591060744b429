/*
 * page_admin.c: the administrator's pages, /lx/admin.
 *
 *   GET  /lx/admin[?tab=operators|setup|steps|cohorts|tokens|events|import&...]   one tab,
 *                                                                   its data as flat lists
 *   POST /lx/admin/ACTION                                     one change (table below)
 *
 * Every change is a call of an lx.admin_* function (sql/functions/admin.sql, setup.sql), which
 * checks the rights, refuses what would break consistency with a reason in Chinese, and logs
 * itself.  A refusal shows the tab again with the reason above the forms and the form as it was
 * typed (<echo>); changes of operators take effect on their next request: nothing is cached.
 */
#include "lx_handlers.h"
#include "core/lx_query.h"
#include "core/lx_text.h"

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
    {"operators", "college", "SELECT code, name FROM lx.college WHERE NOT retired ORDER BY code"},
    {"setup", "institution",
     "SELECT i.code, i.name, i.retired, "
     "       (SELECT count(*) FROM lx.college c WHERE c.institution_id = i.id AND NOT c.retired) "
     "         AS colleges "
     "  FROM lx.institution i ORDER BY i.code"},
    {"setup", "college",
     "SELECT c.code, c.name, i.code AS institution, i.name AS institution_name, c.office, "
     "       c.cert_office, c.retired, coalesce(n.students, 0) AS students "
     "  FROM lx.college c JOIN lx.institution i ON i.id = c.institution_id "
     "  LEFT JOIN (SELECT s.college_id, count(*) AS students FROM lx.student s "
     "               JOIN lx.cohort ch ON ch.id = s.cohort_id AND NOT ch.closed "
     "              GROUP BY 1) n ON n.college_id = c.id "
     " ORDER BY c.retired, c.code"},
    {"setup", "cohort",
     "SELECT id, name FROM lx.cohort WHERE NOT closed ORDER BY year DESC, programme DESC"},
    {"cohorts", "programme", "SELECT code, name FROM lx.programme ORDER BY code DESC"},
    {"import", "column", "SELECT label, name FROM lx.roster_header"},
    {"tokens", "token",
     "SELECT id, purpose, name, active, created_by, "
     "       to_char(created_at, 'YYYY-MM-DD HH24:MI') AS created, "
     "       to_char(last_used_at, 'YYYY-MM-DD HH24:MI') AS last_used, revoked_by, "
     "       to_char(revoked_at, 'YYYY-MM-DD HH24:MI') AS revoked "
     "  FROM lx.api_token ORDER BY active DESC, id DESC"},
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

/* A college code as lx.college allows it ([0-9A-Za-z]{1,10}): safe in a URL as it is. */
static int lx_college_code_valid(const char *s)
{
    apr_size_t n = strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    return n >= 1 && n <= 10 && s[n] == '\0';
}

/* The setup tab: the form filled with the institution or college to change
 * (?edit-institution=CODE, ?edit-college=CODE), and the classes of one college (?college=CODE:
 * a university has thousands). */
static int lx_admin_classes(lx_req *q, xmlNodePtr admin)
{
    const char *college = lx_query_param(q->r->pool, q->r->args, "college");
    const char *edit_i = lx_query_param(q->r->pool, q->r->args, "edit-institution");
    const char *edit_c = lx_query_param(q->r->pool, q->r->args, "edit-college");
    PGresult *res;

    if (edit_i && lx_college_code_valid(edit_i))
        lx_attr(admin, "edit-institution", edit_i);
    if (edit_c && lx_college_code_valid(edit_c))
        lx_attr(admin, "edit-college", edit_c);

    if (!college || !*college)
        return OK;
    lx_attr(admin, "college", college);
    res = lx_db_query(q->db,
                      "SELECT cl.code, cl.name, ch.id AS cohort, ch.name AS cohort_name, "
                      "       ch.closed, cl.retired, "
                      "       (SELECT count(*) FROM lx.student s WHERE s.class_id = cl.id) "
                      "         AS students "
                      "  FROM lx.class cl JOIN lx.college c ON c.id = cl.college_id "
                      "  JOIN lx.cohort ch ON ch.id = cl.cohort_id "
                      " WHERE c.code = $1 ORDER BY ch.closed, ch.year DESC, cl.retired, cl.code",
                      1, &college);
    if (!res)
        return q->db->status;
    lx_rows_xml(admin, "class", res);
    return OK;
}

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

/* One tab's page: its lists and, for the events and setup tabs, what the query asks for. */
static int lx_admin_build(lx_req *q, const char *tab, xmlNodePtr *page_out, xmlNodePtr *admin_out)
{
    xmlNodePtr page = lx_page_new(q, "admin");
    xmlNodePtr admin = xmlNewChild(page, NULL, (const xmlChar *)"admin", NULL);
    const lx_list *l;
    int rc = OK;

    lx_attr(admin, "tab", tab);
    lx_attr(admin, "csrf", lx_csrf_token(q, "admin"));
    lx_attr(admin, "rid", lx_form_id(q));
    for (l = lx_admin_lists; l->tab; l++) {
        PGresult *res;
        if (strcmp(l->tab, tab) != 0)
            continue;
        res = lx_db_query(q->db, l->sql, 0, NULL);
        if (!res)
            return q->db->status;
        lx_rows_xml(admin, l->element, res);
    }
    if (strcmp(tab, "events") == 0)
        rc = lx_admin_events(q, admin);
    else if (strcmp(tab, "setup") == 0)
        rc = lx_admin_classes(q, admin);
    *page_out = page;
    *admin_out = admin;
    return rc;
}

int lx_page_admin(lx_req *q)
{
    const char *tab = lx_query_param(q->r->pool, q->r->args, "tab");
    const char *done = lx_query_param(q->r->pool, q->r->args, "done");
    xmlNodePtr page, admin;
    int rc;

    rc = lx_admin_allowed(q);
    if (rc != OK)
        return rc;
    if (!tab)
        tab = "operators";
    if (strcmp(tab, "operators") && strcmp(tab, "setup") && strcmp(tab, "steps")
        && strcmp(tab, "cohorts") && strcmp(tab, "tokens") && strcmp(tab, "events")
        && strcmp(tab, "import"))
        return HTTP_NOT_FOUND;
    rc = lx_admin_build(q, tab, &page, &admin);
    if (rc != OK)
        return rc;
    if (done && strcmp(done, "1") == 0)
        lx_notice_xml(admin, "ok", "已保存。");
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
    const char *shows;          /* the result is shown once, as this element, on the tab itself
                                   (a new token: never in a URL), instead of a redirect */
} lx_action;

static const lx_action lx_admin_actions[] = {
    {"operator", "SELECT lx.admin_operator_save($1, $2, $3, $4, $5, $6, $7, $8)",
     {"login", "name", "?is_admin", "?is_leader", "?active", NULL}, "operators", NULL},
    {"operator-delete", "SELECT lx.admin_operator_delete($1, $2, $3, $4)",
     {"login", NULL}, "operators", NULL},
    {"assign", "SELECT lx.admin_assign($1, $2, $3, $4, true, $5, $6)",
     {"login", "point", "college", NULL}, "operators", NULL},
    {"unassign", "SELECT lx.admin_assign($1, $2, $3, $4, false, $5, $6)",
     {"login", "point", "college", NULL}, "operators", NULL},
    {"point", "SELECT lx.admin_point_save($1, $2, $3, $4, $5, $6)",
     {"code", "name", "location", NULL}, "steps", NULL},
    {"step", "SELECT lx.admin_step_save($1, $2, $3, $4, $5, $6, $7, $8, $9)",
     {"code", "name", "hint", "[mode", "[when", "[unless", NULL}, "steps", NULL},
    {"prereq", "SELECT lx.admin_prereq($1, $2, $3, true, $4, $5)",
     {"step", "requires", NULL}, "steps", NULL},
    {"prereq-delete", "SELECT lx.admin_prereq($1, $2, $3, false, $4, $5)",
     {"step", "requires", NULL}, "steps", NULL},
    {"cohort-step", "SELECT lx.admin_cohort_step($1, $2::integer, $3, $4, $5, $6)",
     {"cohort", "step", "?on", NULL}, "cohorts", NULL},
    {"cohort-certificate",
     "SELECT lx.admin_cohort_certificate($1, $2::integer, $3, $4, $5, $6)",
     {"cohort", "certificate", "?on", NULL}, "cohorts", NULL},
    {"cohort-close", "SELECT lx.admin_cohort_close($1, $2::integer, $3, $4)",
     {"cohort", NULL}, "cohorts", NULL},
    {"cohort-next", "SELECT lx.admin_cohort_next($1, $2::integer, $3, $4)",
     {"cohort", NULL}, "cohorts", NULL},
    /* a year that is not four digits reaches the function as NULL, which says what to type */
    {"cohort-create", "SELECT lx.admin_cohort_create($1, $2, "
                      "CASE WHEN $3 ~ '^[0-9]{4}$' THEN $3::integer END, $4, $5, $6)",
     {"programme", "year", "name", NULL}, "cohorts", NULL},
    {"cohort-rename", "SELECT lx.admin_cohort_rename($1, $2::integer, $3, $4, $5)",
     {"cohort", "name", NULL}, "cohorts", NULL},
    {"institution", "SELECT lx.admin_institution_save($1, $2, $3, $4, $5)",
     {"code", "name", NULL}, "setup", NULL},
    {"institution-retire", "SELECT lx.admin_institution_retire($1, $2, true, $3, $4)",
     {"code", NULL}, "setup", NULL},
    {"institution-restore", "SELECT lx.admin_institution_retire($1, $2, false, $3, $4)",
     {"code", NULL}, "setup", NULL},
    {"college", "SELECT lx.admin_college_save($1, $2, $3, $4, $5, $6, $7, $8)",
     {"code", "name", "institution", "office", "cert_office", NULL}, "setup", NULL},
    {"college-retire", "SELECT lx.admin_college_retire($1, $2, true, $3, $4)",
     {"code", NULL}, "setup", NULL},
    {"college-restore", "SELECT lx.admin_college_retire($1, $2, false, $3, $4)",
     {"code", NULL}, "setup", NULL},
    {"class", "SELECT lx.admin_class_save($1, $2, $3, $4, "
              "CASE WHEN $5 ~ '^[0-9]{1,9}$' THEN $5::integer END, $6, $7)",
     {"code", "name", "college", "cohort", NULL}, "setup", NULL},
    {"class-retire", "SELECT lx.admin_class_retire($1, $2, true, $3, $4)",
     {"code", NULL}, "setup", NULL},
    {"class-restore", "SELECT lx.admin_class_retire($1, $2, false, $3, $4)",
     {"code", NULL}, "setup", NULL},
    {"token-issue", "SELECT t.id, t.token, $2 AS purpose, $3 AS name "
                    "  FROM lx.admin_token_issue($1, $2, $3, $4, $5) t",
     {"purpose", "name", NULL}, "tokens", "issued"},
    {"token-revoke", "SELECT lx.admin_token_revoke($1, "
                     "CASE WHEN $2 ~ '^[0-9]{1,9}$' THEN $2::integer END, $3, $4)",
     {"id", NULL}, "tokens", NULL},
    {NULL, NULL, {NULL}, NULL, NULL}
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

/* A refused change: the tab again, with the reason above its forms and the form as it was
 * typed (<echo form="ACTION" field="value"...>), under the refusal's status.  A failure that
 * is not a refusal (the database is down) keeps its error page. */
static int lx_admin_refused(lx_req *q, const lx_action *a, apr_table_t *form)
{
    int status = q->db->status;
    const char *why = q->db->message ? q->db->message : q->message;
    xmlNodePtr page, admin, echo;
    int i;

    if (status != HTTP_BAD_REQUEST && status != HTTP_NOT_FOUND && status != HTTP_CONFLICT)
        return status;
    if (lx_admin_build(q, a->tab, &page, &admin) != OK)
        return status;
    lx_notice_xml(admin, "error", why ? why : "输入的内容不符合要求，请检查后重新提交。");
    echo = xmlNewChild(admin, NULL, (const xmlChar *)"echo", NULL);
    lx_attr(echo, "form", a->name);
    for (i = 0; a->fields[i]; i++) {
        const char *f = a->fields[i], *v;
        if (f[0] == '[')
            continue;
        v = apr_table_get(form, f[0] == '?' ? f + 1 : f);
        if (v && lx_text_xml_safe(v))
            lx_attr(echo, f[0] == '?' ? f + 1 : f, v);
    }
    q->r->status = status;
    return lx_render(q, page);
}

/* A change whose result is shown once on its tab (a token, which must not go into a URL). */
static int lx_admin_shown(lx_req *q, const lx_action *a, const PGresult *res)
{
    xmlNodePtr page, admin;
    int rc = lx_admin_build(q, a->tab, &page, &admin);

    if (rc != OK)
        return rc;
    lx_rows_xml(admin, a->shows, res);
    return lx_render(q, page);
}

/* Where a change goes back to: the setup tab keeps the college whose classes were shown. */
static const char *lx_admin_back(lx_req *q, const lx_action *a, apr_table_t *form)
{
    const char *college = apr_table_get(form, strcmp(a->name, "college") == 0 ? "code"
                                                                               : "college");
    if (strcmp(a->tab, "setup") != 0 || !college || !lx_college_code_valid(college))
        return "";
    return apr_pstrcat(q->r->pool, "&college=", college, NULL);
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
    PGresult *res;
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
    if (!(res = lx_db_query(q->db, a->sql, n, params))) {
        if (!q->db->message && q->db->status == HTTP_BAD_REQUEST)
            q->message = "输入的内容不符合要求，请检查后重新提交。";
        return lx_admin_refused(q, a, form);
    }
    if (a->shows)
        return lx_admin_shown(q, a, res);
    apr_table_setn(q->r->headers_out, "Location", ap_construct_url(q->r->pool,
        apr_pstrcat(q->r->pool, q->conf->base_url, "/admin?tab=", a->tab,
                    lx_admin_back(q, a, form), "&done=1", NULL), q->r));
    return HTTP_SEE_OTHER;
}
