/*
 * lx_route.c: every request under LixiaoBaseURL comes here.  It authorises from r->user (Apache
 * authenticated it), reads and checks a POST's body (lx_post_early), opens the database, and
 * hands the request to one function per page:
 *
 *   GET /lx/                  the student's own clearance sheet; the staff home page
 *   GET /lx/student/{no}      a student's clearance sheet (self, admin, covering operators)
 *   GET /lx/lookup?no=...     the staff home page's lookup form: redirects to the sheet
 *   GET /lx/op                the operator desk (page_desk.c); POST /lx/op/search
 *   GET /lx/op/batch          a class or dorm room for a batch (page_batch.c)
 *   POST /lx/op/confirm, /lx/op/revoke, /lx/op/scope   state changes (action_change.c)
 *   GET /lx/deferral, POST /lx/deferral/{search,close,open}   the deferral point
 *   GET /lx/admin, POST /lx/admin/{action}                   the administrator's pages
 *   GET /lx/stats             live statistics (page_stats.c)
 *   /lx/api/v1/...            the JSON API for the portal and the feeds (page_api.c)
 *
 * Any page answers with its XML document when asked ?format=xml.
 */
#include "lx_private.h"
#include "core/lx_query.h"
#include "core/lx_xmlmem.h"

/* Names under which a client might put a bearer token into a URL.  The API refuses them
 * (page_api.c: token_in_query) and no log may show their values (lx_scrub_query_tokens). */
const char *const lx_query_token_names[] = {
    "access_token", "token", "bearer", "bearer_token", "api_key", "apikey", "api_token",
    "auth_token", "authorization", NULL
};

/* The query part of a request line or URI (from its '?' to end, before any stop character)
 * with the tokens' values redacted; s itself when there is nothing to redact. */
static const char *lx_redact_in(apr_pool_t *p, const char *s, const char *stop)
{
    const char *q = s ? strchr(s, '?') : NULL, *red;
    apr_size_t len;
    int n;

    if (!q)
        return s;
    len = strcspn(q + 1, stop);
    red = lx_query_redact(p, apr_pstrndup(p, q + 1, len), lx_query_token_names, &n);
    if (!n)
        return s;
    return apr_pstrcat(p, apr_pstrndup(p, s, (apr_size_t)(q + 1 - s)), red, q + 1 + len, NULL);
}

/*
 * post_read_request, for every request under LixiaoBaseURL, before any other module looks at
 * it: a token a client put into the URL (?access_token=...) must never reach a log.  The
 * access log writes %r from r->the_request and %q from r->args after the handler has run, and
 * a request refused before the handler (by authentication, say) is logged too: so the values
 * are replaced here, in the request line, the URI and the arguments, and only the names stay
 * (for the API to refuse the request with token_in_query).
 */
int lx_scrub_query_tokens(request_rec *r)
{
    lx_server_conf *conf = ap_get_module_config(r->server->module_config, &lixiao_module);
    const char *base = conf->base_url ? conf->base_url : LX_DEFAULT_BASE_URL;
    apr_size_t blen = strlen(base);
    const char *args;
    int n;

    if (!r->args || !r->uri || strncmp(r->uri, base, blen) != 0
        || (r->uri[blen] != '/' && r->uri[blen] != '\0'))
        return DECLINED;
    args = lx_query_redact(r->pool, r->args, lx_query_token_names, &n);
    if (!n)
        return DECLINED;
    r->args = apr_pstrdup(r->pool, args);
    r->parsed_uri.query = r->args;
    r->the_request = apr_pstrdup(r->pool, lx_redact_in(r->pool, r->the_request, " #"));
    r->unparsed_uri = apr_pstrdup(r->pool, lx_redact_in(r->pool, r->unparsed_uri, "#"));
    return DECLINED;
}

/* A query argument of this request, NULL when absent or empty. */
const char *lx_arg(lx_req *q, const char *name)
{
    const char *v = lx_query_param(q->r->pool, q->r->args, name);
    return v && *v ? v : NULL;
}

static const char *lx_status_title(int status)
{
    switch (status) {
    case HTTP_BAD_REQUEST:        return "请求有误";
    case HTTP_FORBIDDEN:          return "无权访问";
    case HTTP_NOT_FOUND:          return "页面不存在";
    case HTTP_METHOD_NOT_ALLOWED: return "不支持的请求方式";
    case HTTP_CONFLICT:           return "操作未完成";
    case HTTP_REQUEST_ENTITY_TOO_LARGE: return "提交的内容过大";
    case HTTP_UNSUPPORTED_MEDIA_TYPE:   return "提交方式不正确";
    case HTTP_SERVICE_UNAVAILABLE: return "系统暂时不可用";
    default:                      return "系统出错";
    }
}

static const char *lx_status_message(int status)
{
    switch (status) {
    case HTTP_BAD_REQUEST:
        return "请求的内容不符合要求，请检查后重试。";
    case HTTP_FORBIDDEN:
        return "您没有访问该页面的权限。";
    case HTTP_NOT_FOUND:
        return "您访问的页面不存在，请从首页进入。";
    case HTTP_METHOD_NOT_ALLOWED:
        return "该页面不支持这种请求方式。";
    case HTTP_CONFLICT:
        return "数据已被他人修改，请刷新后重试。";
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return "提交的内容过大。";
    case HTTP_UNSUPPORTED_MEDIA_TYPE:
        return "请通过系统页面上的表单提交。";
    case HTTP_SERVICE_UNAVAILABLE:
        return "数据库暂时无法连接，请稍后再试。您的数据不会丢失。";
    default:
        return "系统内部出错，已记录，请稍后再试或联系管理员。";
    }
}

/* Every failure goes out as a page of ours, never httpd's default error document. */
static int lx_fail(lx_req *q, int status)
{
    if (status == HTTP_UNAUTHORIZED)
        status = HTTP_FORBIDDEN;
    if (!q->message && q->db && q->db->message && status != HTTP_SERVICE_UNAVAILABLE)
        q->message = q->db->message;
    return lx_error_page(q, status, lx_status_title(status),
                         q->message ? q->message : lx_status_message(status));
}

static int lx_dispatch(lx_req *q)
{
    const char *path = q->path;

    /* the desk: its routes check their own methods (forms are POSTs) */
    if (strcmp(path, "/op") == 0 || strcmp(path, "/op/") == 0)
        return lx_page_desk(q);
    if (strcmp(path, "/op/search") == 0)
        return lx_page_desk_search(q);
    if (strcmp(path, "/op/batch") == 0)
        return lx_page_batch(q);
    if (strcmp(path, "/op/confirm") == 0)
        return lx_action_confirm(q);
    if (strcmp(path, "/op/revoke") == 0)
        return lx_action_revoke(q);
    if (strcmp(path, "/op/scope") == 0)
        return lx_action_scope(q);

    if (strcmp(path, "/stats") == 0)
        return lx_page_stats(q);
    if (strcmp(path, "/deferral") == 0)
        return lx_page_deferral(q);
    if (strcmp(path, "/deferral/search") == 0)
        return lx_action_deferral_search(q);
    if (strcmp(path, "/deferral/close") == 0)
        return lx_action_deferral_close(q);
    if (strcmp(path, "/deferral/open") == 0)
        return lx_action_deferral_open(q);
    if (strcmp(path, "/admin") == 0)
        return lx_page_admin(q);
    if (strcmp(path, "/admin/import") == 0)
        return lx_action_import(q);
    if (strcmp(path, "/admin/feed") == 0)
        return lx_action_feed_upload(q);
    if (strcmp(path, "/admin/export") == 0 || strcmp(path, "/op/export") == 0)
        return lx_page_export(q);
    if (strncmp(path, "/admin/", 7) == 0)
        return lx_action_admin(q);

    if (q->r->method_number != M_GET) {
        apr_table_setn(q->r->headers_out, "Allow", "GET, HEAD");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (strcmp(path, "/") == 0)
        return q->account->is_student ? lx_page_student(q, q->account->login)
                                      : lx_page_home(q);
    if (strncmp(path, "/student/", 9) == 0)
        return lx_page_student(q, path + 9);
    if (strcmp(path, "/lookup") == 0)
        return lx_page_lookup(q);
    return HTTP_NOT_FOUND;
}

/* A POST's body before the database: read (within its route's limit), parsed, and its origin
 * and CSRF token checked, so that a client sending its body slowly (a 32 MiB upload on a slow
 * line, or one that stalls on purpose) holds a thread only, not one of the process's database
 * connections and gate slots (lx_gate.c): ten such uploads used to stall every request of
 * the node.  The handler's own lx_post_form / lx_post_upload then returns what was read.
 * Routes not listed read nothing here (their handler answers 405 or 404 as before). */
static int lx_post_early(lx_req *q)
{
    static const struct { const char *path, *action; } forms[] = {
        {"/op/search", "desk"}, {"/op/confirm", "desk"}, {"/op/revoke", "desk"},
        {"/op/scope", "desk"}, {"/deferral/search", "deferral"},
        {"/deferral/close", "deferral"}, {"/deferral/open", "deferral"}, {NULL, NULL}
    };
    apr_table_t *form;
    apr_hash_t *parts;
    int i;

    if (q->r->method_number != M_POST)
        return OK;
    if (strcmp(q->path, "/admin/import") == 0 || strcmp(q->path, "/admin/feed") == 0)
        return lx_post_upload(q, "admin", &parts);
    if (strncmp(q->path, "/admin/", 7) == 0 && lx_admin_action_known(q->path + 7))
        return lx_post_form(q, "admin", &form);
    for (i = 0; forms[i].path; i++)
        if (strcmp(q->path, forms[i].path) == 0)
            return lx_post_form(q, forms[i].action, &form);
    return OK;
}

/* The pages that only read and that everyone opens all day: the student's sheet (also the
 * staff home page at "/"), the dashboard.  They may read from a standby (LixiaoReadDB). */
static int lx_reads_only(const lx_req *q)
{
    if (q->r->method_number != M_GET)
        return 0;
    return strcmp(q->path, "/") == 0 || strncmp(q->path, "/student/", 9) == 0
           || strcmp(q->path, "/stats") == 0;
}

static int lx_route_request(request_rec *r)
{
    lx_req *q = apr_pcalloc(r->pool, sizeof(*q));
    const char *format;
    apr_size_t blen;
    int rc;

    q->r = r;
    /* the request id of the event log and of the page; also in the error log with %L */
    if (!r->log_id)
        ap_run_generate_log_id(r->connection, r, &r->log_id);
    q->conf = ap_get_module_config(r->server->module_config, &lixiao_module);
    blen = strlen(q->conf->base_url);
    q->path = strncmp(r->uri, q->conf->base_url, blen) == 0 ? r->uri + blen : r->uri;
    if (*q->path == '\0')
        q->path = "/";
    format = lx_query_param(r->pool, r->args, "format");
    q->want_xml = format && strcmp(format, "xml") == 0;
    lx_security_headers(r, 1);

    /* the JSON API authenticates systems by token itself */
    if (strncmp(q->path, "/api/v1/", 8) == 0)
        return lx_route_api(q);
    if (!r->user) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0301)
                      "no authenticated user: protect %s with Require valid-user",
                      q->conf->base_url);
        return lx_fail(q, HTTP_FORBIDDEN);
    }
    rc = lx_post_early(q);
    if (rc != OK)
        return lx_fail(q, rc);
    rc = lx_reads_only(q) ? lx_db_open_read(r, &q->db) : lx_db_open(r, &q->db);
    if (rc != OK)
        return lx_fail(q, rc);
    /* a student's own sheet: the account comes with it, in the same statement */
    rc = lx_page_own_sheet(q);
    if (rc == DECLINED) {
        rc = lx_account_load(r, q->db, &q->account);
        if (rc == HTTP_FORBIDDEN)
            return lx_error_page(q, HTTP_FORBIDDEN, "账号未登记",
                                 "您已通过统一身份认证，但数字离校系统中没有您的账号。"
                                 "学生请确认已列入本届毕业生名单；教职工请联系管理员开通权限。");
        if (rc != OK)
            return lx_fail(q, rc);
        rc = lx_dispatch(q);
    }
    /* a form that went through: this client reads its own change from the primary next */
    if (r->method_number == M_POST && (rc == OK || rc == DONE || ap_is_HTTP_REDIRECT(rc)))
        lx_readpool_wrote(q);
    if (rc == OK || rc == DONE || rc == HTTP_NOT_MODIFIED)
        return rc;
    if (ap_is_HTTP_REDIRECT(rc)) {
        /* httpd writes the redirect from err_headers_out (and Location) only */
        const char *cc = apr_table_get(r->headers_out, "Cache-Control");
        if (cc)
            apr_table_setn(r->err_headers_out, "Cache-Control", cc);
        return rc;
    }
    return lx_fail(q, rc);
}

/* The request's libxml2 memory comes from its own chunks (core/lx_xmlmem.c), given back with
 * r->pool after the cleanups that free the page's documents. */
int lx_route(request_rec *r)
{
    int rc;
    lx_xmlmem_begin(r->pool);
    rc = lx_route_request(r);
    lx_xmlmem_end();
    return rc;
}
