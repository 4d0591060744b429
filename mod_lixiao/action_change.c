/*
 * action_change.c: the desk's state changes, all through lx.desk_door
 * (sql/functions/desk.sql), which goes through the one door lx.change and is all or nothing:
 *
 *   POST /lx/op/confirm   how=individual: s and the ticked step.CODE fields
 *                         how=class|dorm: one step.CODE and the ticked sid.NO fields
 *   POST /lx/op/revoke    s, step, reason (a wrong click is undone with a reason); with
 *                         how=class|dorm and sid.NO fields, a whole batch at once
 *   POST /lx/op/scope     step: the whole scope at once (instruments: nothing to return)
 *
 * Success redirects back to the desk (303, so a reload does not post again); a refusal shows
 * the desk or the batch again with every refused student and the reason, and writes nothing.
 * Every form carries rid, the id it was rendered with: the door carries each id out once.
 */
#include "lx_handlers.h"
#include "core/lx_query.h"
#include "core/lx_text.h"

#define LX_BATCH_MAX 200        /* students in one batch form (a class is about 30-40) */
#define LX_STEPS_MAX 20         /* steps ticked at once for one student */
#define LX_NOTE_MAX 200         /* characters of a note or a revoke reason */

typedef struct lx_change {
    const char *action, *how, *anchor, *note, *rid;
    apr_array_header_t *steps;      /* step codes */
    apr_array_header_t *students;   /* student numbers */
    apr_table_t *selected;          /* student numbers ticked, for showing a refusal */
    int scan;                       /* continuous mode (scan=1): the answer is the result alone,
                                       for the desk's script to show in place (view "scan") */
} lx_change;

/* A PostgreSQL array literal of tokens already validated to [a-z0-9_]. */
static const char *lx_pg_array(apr_pool_t *p, const apr_array_header_t *a)
{
    return apr_pstrcat(p, "{", apr_array_pstrcat(p, a, ','), "}", NULL);
}

static int lx_note_ok(const char *note)
{
    apr_size_t chars = 0;
    for (; note && *note; note++)
        if (((unsigned char)*note & 0xC0) != 0x80)
            chars++;
    return chars <= LX_NOTE_MAX;
}

/* Collect the ticked steps and students of the form. */
/* A class's or a dorm room's batch: its answers count students, not steps. */
static int lx_change_is_batch(const lx_change *c)
{
    return c->how && (strcmp(c->how, "class") == 0 || strcmp(c->how, "dorm") == 0);
}

static int lx_change_from_form(lx_req *q, apr_table_t *form, lx_change *c)
{
    const apr_array_header_t *fields = apr_table_elts(form);
    const apr_table_entry_t *e = (const apr_table_entry_t *)fields->elts;
    apr_pool_t *p = q->r->pool;
    int i;

    c->steps = apr_array_make(p, 4, sizeof(const char *));
    c->students = apr_array_make(p, 40, sizeof(const char *));
    c->selected = apr_table_make(p, 40);
    c->how = apr_table_get(form, "how");
    c->anchor = apr_table_get(form, "s");
    c->note = apr_table_get(form, "note");
    c->rid = apr_table_get(form, "rid");
    c->scan = apr_table_get(form, "scan") && strcmp(apr_table_get(form, "scan"), "1") == 0;
    if (c->note && !*c->note)
        c->note = NULL;

    for (i = 0; i < fields->nelts; i++) {
        if (strncmp(e[i].key, "step.", 5) == 0 && strcmp(e[i].val, "1") == 0) {
            if (!lx_step_code_valid(e[i].key + 5))
                return HTTP_BAD_REQUEST;
            APR_ARRAY_PUSH(c->steps, const char *) = e[i].key + 5;
        }
        else if (strncmp(e[i].key, "sid.", 4) == 0 && strcmp(e[i].val, "1") == 0) {
            if (!lx_student_no_valid(e[i].key + 4))
                return HTTP_BAD_REQUEST;
            APR_ARRAY_PUSH(c->students, const char *) = e[i].key + 4;
            apr_table_setn(c->selected, e[i].key + 4, "1");
        }
    }
    if (!c->rid || strlen(c->rid) < 16 || strlen(c->rid) > 40) {
        q->message = "表单缺少编号，请刷新页面后重新提交。";
        return HTTP_BAD_REQUEST;
    }
    if (!c->anchor || !lx_student_no_valid(c->anchor)) {
        q->message = "请先查询学生。";
        return HTTP_BAD_REQUEST;
    }
    if (!lx_note_ok(c->note)) {
        q->message = "备注不能超过 200 字。";
        return HTTP_BAD_REQUEST;
    }
    return OK;
}

static const lx_colmap lx_outcome_cols[] = {
    {"student-no", "student_no", LX_COL_TEXT},
    {"name", "name", LX_COL_TEXT},
    {"step-code", "step_code", LX_COL_TEXT},
    {"step-name", "step_name", LX_COL_TEXT},
    {"outcome", "outcome", LX_COL_TEXT},
    {"detail", "detail", LX_COL_TEXT},
    {"detail-names", "detail_names", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

/* A student outside the operator's rights: the number they typed, never the name (else any
 * operator could read any student's name by number through a refused form). */
static const lx_colmap lx_forbidden_cols[] = {
    {"student-no", "student_no", LX_COL_TEXT},
    {"step-code", "step_code", LX_COL_TEXT},
    {"step-name", "step_name", LX_COL_TEXT},
    {"outcome", "outcome", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

/* <result> of a change; returns the HTTP status it calls for: OK when nothing was refused,
 * 403 when a student or step lay outside the operator's rights, 409 for a broken rule.
 * *changed gets the number of states changed. */
static int lx_result_xml(lx_req *q, xmlNodePtr parent, const PGresult *res,
                         const lx_change *c, int *changed)
{
    xmlNodePtr result = parent ? xmlNewChild(parent, NULL, (const xmlChar *)"result", NULL)
                               : NULL;
    int i, status = OK;

    *changed = 0;
    for (i = 0; i < PQntuples(res); i++) {
        const char *o = lx_value(res, i, "outcome");
        if (strcmp(o, "ok") == 0)
            (*changed)++;
        else if (strcmp(o, "forbidden") == 0 || strcmp(o, "own_record") == 0)
            status = HTTP_FORBIDDEN;
        else if (strcmp(o, "unchanged") != 0 && strcmp(o, "replayed") != 0
                 && strcmp(o, "held") != 0 && status == OK)
            status = HTTP_CONFLICT;
        if (result)
            lx_attrs_from_row(xmlNewChild(result, NULL, (const xmlChar *)"outcome", NULL),
                              res, i, strcmp(o, "forbidden") == 0 ? lx_forbidden_cols
                                                                  : lx_outcome_cols);
    }
    if (result) {
        lx_attr(result, "action", c->action);
        lx_attr(result, "how", c->how);
        lx_attr(result, "changed", apr_itoa(q->r->pool, *changed));
        lx_attr_bool(result, "refused", status != OK);
    }
    return status;
}

static int lx_change_answer(lx_req *q, const lx_desk *d, lx_change *c, const PGresult *res);

/* Continuous mode: one student, one step, and the answer is the result alone (view "scan":
 * a fragment the desk's script puts in place), with the student's class when the student is
 * in the operator's scope (a refused number never shows whose it is). */
static int lx_scan_answer(lx_req *q, const lx_desk *d, lx_change *c, const PGresult *res)
{
    xmlNodePtr page = lx_page_new(q, "scan");
    xmlNodePtr desk = lx_desk_xml(q, page, d);
    int changed, status = lx_result_xml(q, desk, res, c, &changed);
    xmlNodePtr result = lx_first_child(desk, "result");
    const char *o = PQntuples(res) > 0 ? lx_value(res, 0, "outcome") : "";

    if (result && (strcmp(o, "ok") == 0 || strcmp(o, "unchanged") == 0)) {
        PGresult *cls = lx_db_query(q->db, "SELECT cl.name FROM lx.student s "
                                           "  JOIN lx.class cl ON cl.id = s.class_id "
                                           " WHERE s.student_no = $1", 1, &c->anchor);
        if (!cls)
            return q->db->status;
        if (PQntuples(cls) == 1)
            lx_attr(result, "class", lx_value(cls, 0, "name"));
    }
    q->r->status = status == OK ? HTTP_OK : status;
    return lx_render(q, page);
}

/* The change through the door (lx.desk_door, sql/functions/desk.sql), from the desk of
 * desk_key (NULL: the user's first): its rows, or NULL with q->db's status. */
static PGresult *lx_door_call(lx_req *q, const char *desk_key, const lx_change *c)
{
    request_rec *r = q->r;
    const char *params[9];

    params[0] = r->user;
    params[1] = desk_key;
    params[2] = c->action;
    params[3] = lx_pg_array(r->pool, c->steps);
    params[4] = lx_pg_array(r->pool, c->students);
    params[5] = c->how;
    params[6] = c->note;
    params[7] = r->useragent_ip;
    params[8] = c->rid;
    return lx_db_prepared(q->db,
                          "SELECT * FROM lx.desk_door($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                          9, params);
}

static int lx_no_desk(const PGresult *res)
{
    return PQntuples(res) > 0 && lx_value_is(res, 0, "outcome", "no_desk");
}

/* With the desk open: run the change and answer, 303 back to the desk, or the page again with
 * the refusals. */
static int lx_change_run(lx_req *q, const lx_desk *d, lx_change *c)
{
    PGresult *res = lx_door_call(q, d->key, c);

    if (!res)
        return q->db->status;
    if (lx_no_desk(res)) {
        q->message = "您没有该离校点的操作权限。";     /* taken away a moment ago */
        return HTTP_FORBIDDEN;
    }
    return lx_change_answer(q, d, c, res);
}

/* Back to the desk after a change that went through: 303 to /lx/op?at=KEY&s=NO&ok=N, the steps
 * of one student; students=N after a class's or a dorm room's batch, which counts students;
 * undone=N after a revoke. */
static int lx_change_back(lx_req *q, const char *desk_key, const lx_change *c, int changed)
{
    request_rec *r = q->r;
    lx_desk key_only;

    memset(&key_only, 0, sizeof(key_only));
    key_only.key = desk_key;
    apr_table_setn(r->headers_out, "Location", ap_construct_url(r->pool,
        lx_desk_url(q, &key_only, c->anchor, apr_psprintf(r->pool, "%s=%d",
                    strcmp(c->action, "revoke") == 0 ? "undone"
                    : lx_change_is_batch(c) ? "students" : "ok", changed)), r));
    return HTTP_SEE_OTHER;
}

/* After a change: 303 back to the desk when nothing was refused (a script asking for XML gets
 * the result); otherwise the batch list (refused batch) or the desk with the student again,
 * with every refusal and its reason. */
static int lx_unchanged(const PGresult *res)
{
    int i, n = 0;
    for (i = 0; i < PQntuples(res); i++)
        n += strcmp(lx_value(res, i, "outcome"), "unchanged") == 0;
    return n;
}

/* A confirmation of which some had been done already: the desk or batch page again with
 * 已办理 N 项；另有 M 项此前已由 王老师、李老师 办理 (the people in the states, as they are now;
 * a batch counts students: 已为 N 名学生办理；另有 M 名…). */
static int lx_change_done_before(lx_req *q, const lx_desk *d, lx_change *c,
                                 const PGresult *res, int changed)
{
    apr_array_header_t *nos = apr_array_make(q->r->pool, 8, sizeof(const char *));
    const char *params[2];
    xmlNodePtr page, desk;
    PGresult *who;
    int i, n, rc;

    for (i = 0; i < PQntuples(res); i++)
        if (strcmp(lx_value(res, i, "outcome"), "unchanged") == 0)
            APR_ARRAY_PUSH(nos, const char *) = lx_value(res, i, "student_no");
    params[0] = lx_pg_array(q->r->pool, nos);
    params[1] = lx_pg_array(q->r->pool, c->steps);
    who = lx_db_query(q->db,
                      "SELECT string_agg(DISTINCT coalesce(o.name, '其他操作人员'), '、') AS names "
                      "  FROM lx.step_state ss JOIN lx.student s ON s.id = ss.student_id "
                      "  JOIN lx.step st ON st.id = ss.step_id "
                      "  LEFT JOIN lx.operator o ON o.login = ss.by_login "
                      " WHERE s.student_no = ANY ($1::text[]) AND st.code = ANY ($2::text[]) "
                      "   AND ss.state = 'done'", 2, params);
    if (!who)
        return q->db->status;
    page = lx_page_new(q, lx_change_is_batch(c) ? "batch" : "desk");
    desk = lx_desk_xml(q, page, d);
    lx_notice_xml(desk, "ok", apr_psprintf(q->r->pool,
        lx_change_is_batch(c) ? "已为 %d 名学生办理；另有 %d 名此前已由%s办理，未重复办理。"
                              : "已办理 %d 项；另有 %d 项此前已由%s办理，未重复办理。",
        changed, nos->nelts,
        *lx_value(who, 0, "names") ? lx_value(who, 0, "names") : "其他操作人员"));
    if (lx_change_is_batch(c))
        rc = lx_batch_xml(q, page, d, APR_ARRAY_IDX(c->steps, 0, const char *), c->how,
                          c->anchor, c->selected, &n);
    else if ((rc = lx_desk_stats_xml(q, desk, d)) == OK)
        rc = lx_desk_student(q, page, desk, d, c->anchor);
    return rc == OK ? lx_render(q, page) : rc;
}

static int lx_change_answer(lx_req *q, const lx_desk *d, lx_change *c, const PGresult *res)
{
    request_rec *r = q->r;
    xmlNodePtr page, desk;
    int status, changed = 0, n, rc;

    if (c->scan)
        return lx_scan_answer(q, d, c, res);
    /* success goes straight back to the desk (a script asking for XML gets the result);
     * when some of it had been done already (another operator at the same class a moment
     * before), the page says so, and by whom, instead */
    status = lx_result_xml(q, NULL, res, c, &changed);
    if (status == OK && !q->want_xml && strcmp(c->action, "confirm") == 0
        && lx_unchanged(res) > 0)
        return lx_change_done_before(q, d, c, res, changed);
    if (status == OK && !q->want_xml)
        return lx_change_back(q, d->key, c, changed);

    /* the page again: the batch list for a refused batch, else the desk with the student */
    if (lx_change_is_batch(c)) {
        page = lx_page_new(q, "batch");
        desk = lx_desk_xml(q, page, d);
        status = lx_result_xml(q, desk, res, c, &changed);
        rc = lx_batch_xml(q, page, d, APR_ARRAY_IDX(c->steps, 0, const char *), c->how,
                          c->anchor, c->selected, &n);
    }
    else {
        page = lx_page_new(q, "desk");
        desk = lx_desk_xml(q, page, d);
        status = lx_result_xml(q, desk, res, c, &changed);
        rc = lx_desk_stats_xml(q, desk, d);
        /* the student's sheet only within the desk's scope, as on the desk itself */
        if (rc == OK)
            rc = lx_desk_student(q, page, desk, d, c->anchor);
    }
    if (rc != OK)
        return rc;
    r->status = status == OK ? HTTP_OK : status;
    return lx_render(q, page);
}

/* A form the operator can correct (nothing ticked, no reason): the same desk or batch page
 * again, the student still there, the reason above the forms; 400. */
static int lx_change_again(lx_req *q, const lx_desk *d, lx_change *c, const char *why)
{
    xmlNodePtr page, desk;
    int n, rc;

    if (lx_change_is_batch(c) && c->steps->nelts == 1) {
        page = lx_page_new(q, "batch");
        desk = lx_desk_xml(q, page, d);
        lx_notice_xml(desk, "error", why);
        rc = lx_batch_xml(q, page, d, APR_ARRAY_IDX(c->steps, 0, const char *), c->how,
                          c->anchor, c->selected, &n);
    }
    else {
        page = lx_page_new(q, "desk");
        desk = lx_desk_xml(q, page, d);
        lx_notice_xml(desk, "error", why);
        rc = lx_desk_stats_xml(q, desk, d);
        if (rc == OK)
            rc = lx_desk_student(q, page, desk, d, c->anchor);
    }
    if (rc != OK)
        return rc;
    q->r->status = HTTP_BAD_REQUEST;
    return lx_render(q, page);
}

static int lx_change_prepare(lx_req *q, const char *action, apr_table_t **form, lx_desk **d,
                             lx_change *c)
{
    int rc = lx_post_form(q, "desk", form);
    if (rc != OK)
        return rc;
    /* the door's first pass (no account yet: lx_route.c) opens the desk in its one statement */
    *d = NULL;
    if (q->account && (rc = lx_desk_open(q, apr_table_get(*form, "at"), d)) != OK)
        return rc;
    memset(c, 0, sizeof(*c));
    c->action = action;
    return lx_change_from_form(q, *form, c);
}

/* The account and the desk, looked up as every other page does, for an answer that shows
 * the desk (a refusal, ?format=xml, continuous mode) after the door's one statement. */
static int lx_door_desk(lx_req *q, const char *at, lx_desk **d)
{
    int rc = lx_account_load(q->r, q->db, &q->account);
    return rc == OK ? lx_desk_open(q, at, d) : rc;
}

/*
 * A confirm or a revoke in one round trip (lx.desk_door, sql/functions/desk.sql: the desk,
 * the rules, the states, the events, the counters and the form's id in one call).  Success
 * goes back to the desk at once; an answer that shows a page looks up the account and the
 * desk after it.  No desk of the user's: DECLINED, and lx_route.c looks up the account and
 * runs the action again, which then refuses as every page does (nothing was done).
 */
static int lx_door_run(lx_req *q, lx_change *c, const char *at)
{
    const char *message;
    PGresult *res = lx_door_call(q, at, c);
    lx_desk *d;
    int changed, status, rc;

    if (!res) {
        /* a refusal of the door itself (LX4nn) on the page of the desk's user, as before */
        status = q->db->status;
        message = q->db->message;
        if (status != HTTP_SERVICE_UNAVAILABLE && lx_door_desk(q, at, &d) == OK) {
            q->db->status = status;
            q->db->message = message;
        }
        return status;
    }
    if (lx_no_desk(res))
        return DECLINED;
    status = lx_result_xml(q, NULL, res, c, &changed);
    if (status == OK && PQntuples(res) > 0 && !q->want_xml && !c->scan
        && !(strcmp(c->action, "confirm") == 0 && lx_unchanged(res) > 0))
        return lx_change_back(q, lx_value(res, 0, "desk_key"), c, changed);
    rc = lx_door_desk(q, at, &d);
    return rc == OK ? lx_change_answer(q, d, c, res) : rc;
}

/* The end of a confirm's or a revoke's checks: rc (OK, or the refusal of the form) and why
 * it goes back to the operator (again).  With the account (the second pass, or the scope's
 * path) the refusal or the change as ever; on the door's first pass a refused form declines,
 * so that the account's and the desk's refusals come first, as on every page. */
static int lx_change_go(lx_req *q, lx_desk *d, lx_change *c, apr_table_t *form, int rc,
                        const char *again)
{
    if (!q->account) {
        if (rc != OK || again) {
            q->message = NULL;
            return DECLINED;
        }
        return lx_door_run(q, c, apr_table_get(form, "at"));
    }
    if (rc != OK)
        return rc;
    if (again)
        return lx_change_again(q, d, c, again);
    return lx_change_run(q, d, c);
}

/* The checks of a confirm's form: OK, a refusal, or OK with *again (nothing ticked). */
static int lx_confirm_checks(lx_req *q, apr_table_t *form, lx_change *c, const char **again)
{
    (void)form;
    if (!c->how || (strcmp(c->how, "individual") != 0 && strcmp(c->how, "class") != 0
                    && strcmp(c->how, "dorm") != 0)) {
        q->message = "办理方式不正确。";
        return HTTP_BAD_REQUEST;
    }
    if (strcmp(c->how, "individual") == 0) {
        if (c->students->nelts > 0) {
            q->message = "个人办理只针对当前学生。";
            return HTTP_BAD_REQUEST;
        }
        APR_ARRAY_PUSH(c->students, const char *) = c->anchor;
        if (c->steps->nelts > LX_STEPS_MAX)
            return HTTP_BAD_REQUEST;
    }
    else if (c->steps->nelts != 1) {
        q->message = "批量办理一次只能办理一项业务。";
        return HTTP_BAD_REQUEST;
    }
    if (c->students->nelts > LX_BATCH_MAX) {
        q->message = apr_psprintf(q->r->pool, "一次最多提交 %d 名学生。", LX_BATCH_MAX);
        return HTTP_BAD_REQUEST;
    }
    if (c->steps->nelts == 0 || c->students->nelts == 0)
        *again = c->steps->nelts == 0 ? "请至少勾选一项业务后再提交。"
                                      : "请至少勾选一名学生后再提交。";
    return OK;
}

/* The checks of a revoke's form, as lx_confirm_checks. */
static int lx_revoke_checks(lx_req *q, apr_table_t *form, lx_change *c, const char **again)
{
    const char *step = apr_table_get(form, "step");

    c->note = apr_table_get(form, "reason");
    c->note = c->note ? lx_text_trim(apr_pstrdup(q->r->pool, c->note)) : NULL;
    if (!lx_step_code_valid(step)) {
        q->message = "请选择要撤销的业务。";
        return HTTP_BAD_REQUEST;
    }
    if (!c->note || !*c->note || !lx_note_ok(c->note)) {
        *again = !c->note || !*c->note ? "撤销须填写原因，请填写后再提交。"
                                       : "原因不能超过 200 字。";
        return OK;
    }
    /* one student, or a batch undone at once (sid.NO fields, how=class|dorm) */
    if (!c->how)
        c->how = "individual";
    if (strcmp(c->how, "individual") == 0) {
        if (c->students->nelts > 0)
            return HTTP_BAD_REQUEST;
        APR_ARRAY_PUSH(c->students, const char *) = c->anchor;
    }
    else if (strcmp(c->how, "class") != 0 && strcmp(c->how, "dorm") != 0) {
        q->message = "办理方式不正确。";
        return HTTP_BAD_REQUEST;
    }
    if (c->students->nelts == 0 || c->students->nelts > LX_BATCH_MAX) {
        q->message = apr_psprintf(q->r->pool, "请勾选 1 至 %d 名学生。", LX_BATCH_MAX);
        return HTTP_BAD_REQUEST;
    }
    APR_ARRAY_PUSH(c->steps, const char *) = step;
    return OK;
}

/* A confirm or a revoke: its form, its checks, then lx_change_go. */
static int lx_change_action(lx_req *q, const char *action,
                            int (*checks)(lx_req *, apr_table_t *, lx_change *, const char **))
{
    apr_table_t *form = NULL;
    lx_desk *d;
    lx_change c;
    const char *again = NULL;
    int rc = lx_change_prepare(q, action, &form, &d, &c);

    if (rc == OK)
        rc = checks(q, form, &c, &again);
    else if (!form || (q->account && !d))
        return rc;     /* the form's body or the desk refused */
    return lx_change_go(q, d, &c, form, rc, again);
}

int lx_action_confirm(lx_req *q)
{
    return lx_change_action(q, "confirm", lx_confirm_checks);
}

int lx_action_revoke(lx_req *q)
{
    return lx_change_action(q, "revoke", lx_revoke_checks);
}

/* Before a whole-scope batch: the desk again, with the exact number it will confirm and the
 * form to go ahead (confirmed=1, the same rid: nothing was done yet). */
static int lx_scope_ask(lx_req *q, const lx_desk *d, lx_change *c, const char *step)
{
    const char *params[4] = {step, d->point_id, d->college_id, q->r->user};
    xmlNodePtr page, desk, ask;
    PGresult *res;
    int rc;

    res = lx_db_query(q->db,
                      "SELECT st.name, 'scope' = ANY (st.modes) AS scope, "
                      "       cardinality(lx.scope_batch_ids(st.id, $3, $4)) AS count, "
                      "       (SELECT count(*) FROM lx.step_state ss "
                      "          JOIN lx.student s ON s.id = ss.student_id "
                      "          JOIN lx.cohort ch ON ch.id = s.cohort_id AND NOT ch.closed "
                      "         WHERE ss.step_id = st.id AND ss.state = 'pending' "
                      "           AND ($3::integer IS NULL OR s.college_id = $3) "
                      "           AND lx.operator_covers($4, st.point_id, s.college_id, "
                      "                                  ch.programme)) AS pending "
                      "  FROM lx.step st WHERE st.code = $1 AND st.point_id = $2", 4, params);
    if (!res)
        return q->db->status;
    if (PQntuples(res) != 1) {
        q->message = "本离校点没有这项业务。";
        return HTTP_NOT_FOUND;
    }
    if (strcmp(lx_value(res, 0, "scope"), "t") != 0) {
        q->message = "这项业务不能统一办理，请逐个或按班级、寝室办理。";
        return HTTP_BAD_REQUEST;
    }
    page = lx_page_new(q, "desk");
    desk = lx_desk_xml(q, page, d);
    ask = xmlNewChild(desk, NULL, (const xmlChar *)"scope-confirm", NULL);
    lx_attr(ask, "step", step);
    lx_attr(ask, "step-name", lx_value(res, 0, "name"));
    lx_attr(ask, "count", lx_value(res, 0, "count"));
    lx_attr(ask, "pending", lx_value(res, 0, "pending"));
    lx_attr(ask, "rid", c->rid);
    if (c->note)
        lx_attr(ask, "note", c->note);
    rc = lx_desk_stats_xml(q, desk, d);
    if (rc == OK && c->anchor)
        rc = lx_desk_student(q, page, desk, d, c->anchor);
    return rc == OK ? lx_render(q, page) : rc;
}

/* The whole scope at once: lx.scope_batch picks the students in SQL, set-based; first the desk
 * says how many it will confirm and asks (a click must not confirm hundreds unseen). */
int lx_action_scope(lx_req *q)
{
    apr_table_t *form;
    lx_desk *d;
    lx_change c;
    const char *step, *params[7];
    PGresult *res;
    int rc = lx_change_prepare(q, "confirm", &form, &d, &c);

    if (rc != OK)
        return rc;
    step = apr_table_get(form, "step");
    if (!lx_step_code_valid(step)) {
        q->message = "请选择要统一办理的业务。";
        return HTTP_BAD_REQUEST;
    }
    c.how = "scope";
    if (!apr_table_get(form, "confirmed"))
        return lx_scope_ask(q, d, &c, step);
    params[0] = step;
    params[1] = d->point_id;
    params[2] = d->college_id;
    params[3] = q->r->user;
    params[4] = c.note;
    params[5] = q->r->useragent_ip;
    params[6] = c.rid;
    res = lx_db_query(q->db,
                      "SELECT r.*, s.student_no, s.name, $1::text AS step_code, "
                      "       NULL::text AS step_name, NULL::text AS detail_names "
                      "  FROM lx.scope_batch((SELECT id FROM lx.step WHERE code = $1 "
                      "                        AND point_id = $2), $3, $4, $5, $6, $7) r "
                      "  JOIN lx.student s ON s.id = r.student_id", 7, params);
    if (!res)
        return q->db->status;
    return lx_change_answer(q, d, &c, res);
}
