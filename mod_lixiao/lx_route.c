/*
 * lx_route.c: every request under LixiaoBaseURL comes here.  It finds the request's route in
 * the table below, authorises from r->user (Apache authenticated it), reads and checks a
 * POST's body before the database is opened (lx_post.c), opens the database, loads the
 * account, and hands the request to the route's handler (lx_handlers.h).  Any page answers
 * with its XML document when asked ?format=xml.
 */
#include "lx_route.h"
#include "lx_handlers.h"
#include "core/lx_query.h"

/* What a route needs before its handler runs. */
enum {
    LX_R_READ = 1,      /* only reads: may be served by a standby (LixiaoReadDB) */
    LX_R_OWN = 2,       /* a student's account and own sheet may come in one statement */
    LX_R_SELF = 4,      /* authenticates by itself (the API's tokens; /health needs none) and
                         * opens the database: runs before any authorisation */
    LX_R_FORM = 8,      /* a POST form, read and its CSRF token checked before the database */
    LX_R_UPLOAD = 16,   /* a POST upload (multipart), likewise */
    LX_R_PREFIX = 32,   /* the path and everything below it (known, when given, decides) */
    LX_R_DOOR = 64      /* the door's actions: the account is checked in their one statement
                         * (the handler runs first without q->account and returns DECLINED
                         * to have it looked up here, then runs again with it) */
};

typedef struct lx_route_entry {
    int method;                 /* M_GET (HEAD too), M_POST, or -1 for the handler to decide */
    const char *path;           /* below LixiaoBaseURL, exactly, or a prefix (LX_R_PREFIX) */
    int (*handler)(lx_req *q);
    int flags;
    const char *form;           /* LX_R_FORM, LX_R_UPLOAD: the kind of form of its token */
    int (*known)(const char *rest);     /* a prefix's: is the rest one of this route's? */
} lx_route_entry;

static const lx_route_entry lx_routes[] = {
    /* the balancer's probe: no login (conf/lixiao.conf), no personal data */
    {-1,     "/health",          lx_page_health,            LX_R_SELF, NULL, NULL},
    {M_GET,  "/",                lx_page_home,              LX_R_READ | LX_R_OWN, NULL, NULL},
    {M_GET,  "/student/",        lx_page_student,           LX_R_READ | LX_R_PREFIX, NULL, NULL},
    {M_GET,  "/lookup",          lx_page_lookup,            0, NULL, NULL},
    {M_GET,  "/op",              lx_page_desk,              0, NULL, NULL},
    {M_GET,  "/op/",             lx_page_desk,              0, NULL, NULL},
    {M_POST, "/op/search",       lx_page_desk_search,       LX_R_FORM, "desk", NULL},
    {M_GET,  "/op/batch",        lx_page_batch,             0, NULL, NULL},
    {M_POST, "/op/confirm",      lx_action_confirm,         LX_R_FORM | LX_R_DOOR, "desk", NULL},
    {M_POST, "/op/revoke",       lx_action_revoke,          LX_R_FORM | LX_R_DOOR, "desk", NULL},
    {M_POST, "/op/scope",        lx_action_scope,           LX_R_FORM, "desk", NULL},
    {M_GET,  "/op/export",       lx_page_export,            0, NULL, NULL},
    {M_GET,  "/stats",           lx_page_stats,             LX_R_READ, NULL, NULL},
    {M_GET,  "/deferral",        lx_page_deferral,          0, NULL, NULL},
    {M_POST, "/deferral/search", lx_action_deferral_search, LX_R_FORM, "deferral", NULL},
    {M_POST, "/deferral/close",  lx_action_deferral_close,  LX_R_FORM, "deferral", NULL},
    {M_POST, "/deferral/open",   lx_action_deferral_open,   LX_R_FORM, "deferral", NULL},
    {M_GET,  "/admin",           lx_page_admin,             0, NULL, NULL},
    {M_POST, "/admin/import",    lx_action_import,          LX_R_UPLOAD, "admin", NULL},
    {M_POST, "/admin/feed",      lx_action_feed_upload,     LX_R_UPLOAD, "admin", NULL},
    {M_GET,  "/admin/export",    lx_page_export,            0, NULL, NULL},
    {M_POST, "/admin/",          lx_action_admin,           LX_R_FORM | LX_R_PREFIX, "admin",
     lx_admin_action_known},
    {-1,     "/api/v1/",         lx_api,                    LX_R_SELF | LX_R_PREFIX, NULL, NULL},
    {0, NULL, NULL, 0, NULL, NULL}
};

/* Whether path is entry's: the same path, or below a prefix that knows the rest. */
static int lx_route_matches(const lx_route_entry *e, const char *path)
{
    apr_size_t n = strlen(e->path);
    if (!(e->flags & LX_R_PREFIX))
        return strcmp(path, e->path) == 0;
    if (strncmp(path, e->path, n) != 0)
        return 0;
    return !e->known || e->known(path + n);
}

/* The route of this path and method: NULL with *status 404, or 405 with its Allow header. */
static const lx_route_entry *lx_route_find(lx_req *q, int *status)
{
    const lx_route_entry *e, *found = NULL;
    int method = q->r->method_number;

    for (e = lx_routes; e->path; e++) {
        if (!lx_route_matches(e, q->path))
            continue;
        if (e->method == -1 || e->method == method)
            return e;
        found = e;
    }
    if (!found) {
        *status = HTTP_NOT_FOUND;
        return NULL;
    }
    apr_table_setn(q->r->headers_out, "Allow", found->method == M_GET ? "GET, HEAD" : "POST");
    *status = HTTP_METHOD_NOT_ALLOWED;
    return NULL;
}

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
    const char *base = lx_conf_of(r->server)->base_url;
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

/* A POST's body before the database: read (within its route's limit), parsed, and its origin
 * and CSRF token checked, so that a client sending its body slowly (a 32 MiB upload on a slow
 * line, or one that stalls on purpose) holds a thread only, not one of the process's database
 * connections and gate slots (lx_gate.c): ten such uploads used to stall every request of
 * the node.  The handler's own lx_post_form / lx_post_upload then returns what was read. */
static int lx_post_early(lx_req *q, const lx_route_entry *e)
{
    apr_table_t *form;
    apr_hash_t *parts;

    if (e->flags & LX_R_UPLOAD)
        return lx_post_upload(q, e->form, &parts);
    if (e->flags & LX_R_FORM)
        return lx_post_form(q, e->form, &form);
    return OK;
}

/* The handler's answer as the client gets it. */
static int lx_route_answer(lx_req *q, int rc)
{
    request_rec *r = q->r;

    /* a form that went through: this client reads its own change from the primary next */
    if (r->method_number == M_POST && (rc == OK || rc == DONE || ap_is_HTTP_REDIRECT(rc)))
        lx_readpool_wrote(r);
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

int lx_route(request_rec *r)
{
    lx_req *q = apr_pcalloc(r->pool, sizeof(*q));
    const lx_route_entry *e;
    const char *format;
    apr_size_t blen;
    int rc, unrouted = OK;

    q->r = r;
    /* the request id of the event log and of the page; also in the error log with %L */
    if (!r->log_id)
        ap_run_generate_log_id(r->connection, r, &r->log_id);
    q->conf = lx_conf_of(r->server);
    blen = strlen(q->conf->base_url);
    q->path = strncmp(r->uri, q->conf->base_url, blen) == 0 ? r->uri + blen : r->uri;
    if (*q->path == '\0')
        q->path = "/";
    format = lx_query_param(r->pool, r->args, "format");
    q->want_xml = format && strcmp(format, "xml") == 0;
    lx_security_headers(r, 1);

    e = lx_route_find(q, &unrouted);
    if (e && (e->flags & LX_R_SELF))
        return e->handler(q);
    if (!r->user) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0301)
                      "no authenticated user: protect %s with Require valid-user",
                      q->conf->base_url);
        return lx_fail(q, HTTP_FORBIDDEN);
    }
    rc = e ? lx_post_early(q, e) : OK;
    if (rc != OK)
        return lx_fail(q, rc);
    rc = e && (e->flags & LX_R_READ) ? lx_db_open_read(r, &q->db) : lx_db_open(r, &q->db);
    if (rc != OK)
        return lx_fail(q, rc);
    /* the account of r->user, first: someone without one learns nothing of the routes (403
     * everywhere); for a student's own sheet, with the sheet when it may */
    rc = e && (e->flags & LX_R_OWN) ? lx_sheet_with_account(q) : DECLINED;
    if (e && (e->flags & LX_R_DOOR)) {
        /* one round trip for a confirm or a revoke: the account comes with the change */
        rc = e->handler(q);
        if (rc != DECLINED)
            return lx_route_answer(q, rc);
    }
    if (rc == DECLINED)
        rc = lx_account_load(r, q->db, &q->account);
    if (rc == HTTP_FORBIDDEN && !q->account)
        return lx_error_page(q, HTTP_FORBIDDEN, "账号未登记",
                             "您已通过统一身份认证，但数字离校系统中没有您的账号。"
                             "学生请确认已列入本届毕业生名单；教职工请联系管理员开通权限。");
    if (rc != OK)
        return lx_fail(q, rc);
    if (!e)
        return lx_fail(q, unrouted);     /* 404, or 405 with Allow */
    return lx_route_answer(q, e->handler(q));
}
