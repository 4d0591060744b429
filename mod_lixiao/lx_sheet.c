/*
 * lx_sheet.c: a student's clearance sheet (离校单) and the student page, the one path that
 * builds it for /lx/ (the student themself) and /lx/student/{no} (the staff who may see it).
 * One statement (lx.student_sheet, sql/functions/sheet.sql) gives one consistent snapshot: the
 * student on the first row, their steps on the others.  A student opening /lx/ (nearly every
 * request on graduation day) gets their account and their sheet from that one statement too
 * (lx_sheet_with_account); the page is then built from those rows.  The desk shows the same
 * sheet (lx_desk.c).
 */
#include "lx_req.h"
#include "core/lx_digest.h"
#include "core/lx_query.h"

static const lx_colmap lx_student_cols[] = {
    {"student-no", "student_no", LX_COL_TEXT},
    {"name", "name", LX_COL_TEXT},
    {"gender", "gender", LX_COL_TEXT},
    {"id-type", "id_type", LX_COL_TEXT},
    {"id-masked", "id_masked", LX_COL_TEXT},
    {"institution", "institution", LX_COL_TEXT},
    {"college", "college", LX_COL_TEXT},
    {"class", "class", LX_COL_TEXT},
    {"cohort", "cohort", LX_COL_TEXT},
    {"cohort-closed", "cohort_closed", LX_COL_BOOL},
    {"programme", "programme", LX_COL_TEXT},
    {"dorm", "dorm", LX_COL_TEXT},
    {"national-loans", "national_loans", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

static const lx_colmap lx_library_cols[] = {
    {"loans", "library_loans", LX_COL_TEXT},
    {"fines", "library_fines", LX_COL_TEXT},
    {"received-at", "library_received_at", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

static const lx_colmap lx_finance_cols[] = {
    {"arrears", "arrears", LX_COL_TEXT},
    {"received-at", "arrears_received_at", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

static const lx_colmap lx_point_cols[] = {
    {"code", "point_code", LX_COL_TEXT},
    {"name", "point_name", LX_COL_TEXT},
    {"location", "location", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

static const lx_colmap lx_step_cols[] = {
    {"code", "step_code", LX_COL_TEXT},
    {"name", "step_name", LX_COL_TEXT},
    {"hint", "hint", LX_COL_TEXT},
    {"state", "state", LX_COL_TEXT},
    {"optional", "optional", LX_COL_BOOL},
    {"certificate", "certificate", LX_COL_BOOL},
    {"gates", "gates", LX_COL_BOOL},
    {"automatic", "automatic", LX_COL_TEXT},
    {"modes", "modes", LX_COL_TEXT},
    {"how", "how", LX_COL_TEXT},
    {"by-login", "by_login", LX_COL_TEXT},
    {"by-name", "by_name", LX_COL_TEXT},
    {"at", "at", LX_COL_TEXT},
    {"note", "note", LX_COL_TEXT},
    {"proposed", "proposed", LX_COL_BOOL},
    {"overridden", "overridden", LX_COL_BOOL},
    {"certificates", "certificates", LX_COL_TEXT},
    {NULL, NULL, LX_COL_TEXT}
};

/* Step names by code, read once per request (a few dozen rows). */
static const char *lx_step_name(lx_req *q, const char *code)
{
    const char *name;
    if (!q->step_names) {
        PGresult *res = lx_db_query(q->db, "SELECT code, name FROM lx.step", 0, NULL);
        int i;
        q->step_names = apr_hash_make(q->r->pool);
        for (i = 0; res && i < PQntuples(res); i++)
            apr_hash_set(q->step_names, PQgetvalue(res, i, 0), APR_HASH_KEY_STRING,
                         PQgetvalue(res, i, 1));
    }
    name = apr_hash_get(q->step_names, code, APR_HASH_KEY_STRING);
    return name ? name : code;
}

/* <requires code name/> for each step code in the space-separated list missing; names: their
 * names in the same order separated by U+001F, or NULL to look them up. */
void lx_requires_xml(lx_req *q, xmlNodePtr parent, const char *missing, const char *names)
{
    char *list = apr_pstrdup(q->r->pool, missing), *last, *code;
    char *nlist = names ? apr_pstrdup(q->r->pool, names) : NULL, *nlast = NULL, *name;

    name = nlist ? apr_strtok(nlist, "\x1f", &nlast) : NULL;
    for (code = apr_strtok(list, " ", &last); code; code = apr_strtok(NULL, " ", &last)) {
        xmlNodePtr req = xmlNewChild(parent, NULL, (const xmlChar *)"requires", NULL);
        lx_attr(req, "code", code);
        lx_attr(req, "name", name ? name : lx_step_name(q, code));
        name = nlist ? apr_strtok(NULL, "\x1f", &nlast) : NULL;
    }
}

static void lx_sheet_rows_xml(lx_req *q, xmlNodePtr page, const PGresult *res)
{
    xmlNodePtr student = xmlNewChild(page, NULL, (const xmlChar *)"student", NULL);
    xmlNodePtr point = NULL;
    const char *point_code = NULL;
    int i;

    lx_attrs_from_row(student, res, 0, lx_student_cols);  /* row 0: the student */
    lx_attr_bool(student, "own", lx_value_is(res, 0, "student_no", q->r->user));
    lx_attrs_from_row(xmlNewChild(student, NULL, (const xmlChar *)"library", NULL),
                      res, 0, lx_library_cols);
    lx_attrs_from_row(xmlNewChild(student, NULL, (const xmlChar *)"finance", NULL),
                      res, 0, lx_finance_cols);

    for (i = 1; i < PQntuples(res); i++) {
        const char *code = lx_value(res, i, "point_code"), *missing;
        xmlNodePtr step;
        if (!point || !code || !point_code || strcmp(code, point_code) != 0) {
            point = xmlNewChild(student, NULL, (const xmlChar *)"point", NULL);
            lx_attrs_from_row(point, res, i, lx_point_cols);
            point_code = code;
        }
        step = xmlNewChild(point, NULL, (const xmlChar *)"step", NULL);
        lx_attrs_from_row(step, res, i, lx_step_cols);
        missing = lx_value(res, i, "missing");
        if (missing)    /* the sheet names them too: no second query */
            lx_requires_xml(q, step, missing, lx_value(res, i, "missing_names"));
    }
}

/* Append the <student> sheet of student_no to page: OK, HTTP_NOT_FOUND, or the database's
 * status.  The caller has decided that the viewer may see it. */
int lx_sheet_xml(lx_req *q, xmlNodePtr page, const char *student_no)
{
    const char *params[1] = {student_no};
    PGresult *res = lx_db_prepared(q->db, "SELECT * FROM lx.student_sheet($1)", 1, params);
    if (!res)
        return q->db->status;
    if (PQntuples(res) == 0)
        return HTTP_NOT_FOUND;
    q->sheet_version = lx_value(res, 0, "version");
    lx_sheet_rows_xml(q, page, res);
    return OK;
}

/*
 * A student's own sheet carries an ETag naming the student, the version of everything on the
 * sheet (lx.sheet_version) and the stylesheets: OK to go on and render, HTTP_NOT_MODIFIED when
 * the client's copy is current.  Like every personal page it is no-store, unless the site
 * lets the student's browser keep it (LixiaoOwnPageCache revalidate: private, no-cache).  A
 * client that keeps its own copy (the portal's app) may revalidate either way.
 */
static int lx_own_sheet_etag(lx_req *q, const char *version)
{
    request_rec *r = q->r;
    const char *key;

    if (!version)
        return OK;
    key = apr_pstrcat(r->pool, q->account->login, "/", version, "/", q->conf->templates_tag,
                      NULL);
    apr_table_set(r->headers_out, "ETag", apr_pstrcat(r->pool, "W/\"", q->account->login, "-",
                                                      lx_digest(r->pool, key), "\"", NULL));
    if (q->conf->own_page_revalidate)
        apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    return ap_meets_conditions(r) == HTTP_NOT_MODIFIED ? HTTP_NOT_MODIFIED : OK;
}

/* The page cache's key of a student's own page (the cache adds whose): which version of the
 * sheet, which stylesheets, which virtual host and base; NULL when the page is not to be kept (no cache,
 * no version, or a page read from a standby, which says how current it is). */
static const char *lx_own_page_key(lx_req *q, const char *version)
{
    if (!q->conf->page_cache || !version || lx_db_as_of(q->db))
        return NULL;
    return apr_pstrcat(q->r->pool, version, "/", q->conf->templates_tag, "/",
                       q->r->server->server_hostname, "/", q->conf->base_url, NULL);
}

/*
 * GET / of a student without If-None-Match, before the account is known: when r->user is a
 * student account (lx.student_accounts: a student who is not also an active operator), their
 * sheet and the account in one statement, one round trip instead of two.  DECLINED for anyone
 * else (an operator's login finds no rows): the account is loaded the usual way.  With
 * If-None-Match the usual way answers 304 from the account's version alone, without the sheet.
 */
int lx_sheet_with_account(lx_req *q)
{
    request_rec *r = q->r;
    const char *params[1] = {r->user};
    lx_account *acc;
    PGresult *res;

    /* with the page cache the account's statement comes first: its version finds the page */
    if (r->method_number != M_GET || apr_table_get(r->headers_in, "If-None-Match")
        || !lx_student_no_valid(r->user) || q->conf->page_cache)
        return DECLINED;
    /* count(*), not EXISTS: planned for its first row, EXISTS scanned lx.student in the
     * generic plan instead of probing its index */
    res = lx_db_prepared(q->db, "SELECT * FROM lx.student_sheet($1) WHERE (SELECT count(*) "
                                "FROM lx.student_accounts a WHERE a.login = $1) > 0",
                         1, params);
    if (!res)
        return q->db->status;
    if (PQntuples(res) == 0)
        return DECLINED;
    acc = apr_pcalloc(r->pool, sizeof(*acc));
    acc->login = r->user;
    acc->is_student = 1;
    acc->name = lx_value(res, 0, "name");
    acc->sheet_version = lx_value(res, 0, "version");
    acc->assignments = apr_array_make(r->pool, 1, sizeof(lx_assignment));
    q->account = acc;
    q->own_sheet = res;
    return OK;
}

int lx_sheet_page(lx_req *q, const char *student_no)
{
    const char *params[2], *key;
    PGresult *res;
    xmlNodePtr page;
    int rc, own;

    if (!lx_student_no_valid(student_no))
        return HTTP_NOT_FOUND;
    /* a student sees only their own record; staff as far as their points reach */
    own = q->account->is_student && strcmp(student_no, q->account->login) == 0;
    if (own && !q->want_xml && lx_own_sheet_etag(q, q->account->sheet_version) != OK)
        return HTTP_NOT_MODIFIED;
    if (own && !q->want_xml && (key = lx_own_page_key(q, q->account->sheet_version))
        && lx_render_kept(q, key) == OK)
        return OK;
    if (!own) {
        params[0] = q->account->login;
        params[1] = student_no;
        res = lx_db_query(q->db, "SELECT lx.can_view($1, $2)", 2, params);
        if (!res)
            return q->db->status;
        if (!lx_value_true(res, 0, "can_view"))
            return HTTP_FORBIDDEN;
    }
    page = lx_page_new(q, "student");
    if (own && q->own_sheet) {
        q->sheet_version = lx_value(q->own_sheet, 0, "version");
        lx_sheet_rows_xml(q, page, q->own_sheet);
    }
    else if ((rc = lx_sheet_xml(q, page, student_no)) != OK) {
        return rc;
    }
    /* the ETag of what is sent: the version read with the sheet, in the same statement */
    if (own && !q->want_xml && lx_own_sheet_etag(q, q->sheet_version) != OK)
        return HTTP_NOT_MODIFIED;
    /* kept under the version read with the sheet, in the same statement */
    if (own && !q->want_xml && (key = lx_own_page_key(q, q->sheet_version)))
        return lx_render_keep(q, page, key);
    return lx_render(q, page);
}
