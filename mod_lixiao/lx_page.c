/*
 * lx_page.c: what every page shares: the frame of its XML document (who is asking, when, and
 * how current the data are), the security headers, the way out (HTML through the view's
 * stylesheet, or the XML itself with ?format=xml) and the error pages, which go the same way.
 */
#include "lx_req.h"
#include "lx_xslt.h"
#include "lx_pagecache.h"
#include "core/lx_marks.h"
#include "core/lx_query.h"

const char *lx_arg(lx_req *q, const char *name)
{
    const char *v = lx_query_param(q->r->pool, q->r->args, name);
    return v && *v ? v : NULL;
}

/* Today as YYYYMMDD in the configured time zone (birth dates must lie before it). */
long lx_today(lx_req *q)
{
    apr_time_exp_t tm;
    apr_time_exp_tz(&tm, q->r->request_time, q->conf->utc_offset);
    return (tm.tm_year + 1900L) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* Headers for every answer of the module; personal pages are never stored by caches.  The
 * security headers go into err_headers_out, which httpd sends with every answer, also the
 * redirects and errors it writes itself (those drop headers_out).  Cache-Control stays in
 * headers_out, where a page may set its own (the student's sheet: private, no-cache). */
void lx_security_headers(request_rec *r, int personal)
{
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                   "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
                   "frame-ancestors 'none'");
    apr_table_setn(r->err_headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "same-origin");
    if (personal)
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
}

/* The time a page says it was made, in LixiaoTimeZone. */
static void lx_page_time(lx_req *q, char *now, apr_size_t size)
{
    apr_time_exp_t tm;
    apr_size_t len;

    apr_time_exp_tz(&tm, q->r->request_time, q->conf->utc_offset);
    apr_strftime(now, &len, size, "%Y-%m-%d %H:%M", &tm);
}

xmlNodePtr lx_page_new(lx_req *q, const char *view)
{
    request_rec *r = q->r;
    xmlDocPtr doc = lx_xml_doc(r->pool);
    xmlNodePtr page = xmlNewDocNode(doc, NULL, (const xmlChar *)"page", NULL);
    char now[32];
    const char *as_of;
    apr_size_t len;
    apr_time_exp_t tm;

    xmlDocSetRootElement(doc, page);
    lx_page_time(q, now, sizeof(now));
    lx_attr(page, "view", view);
    lx_attr(page, "base", q->conf->base_url);
    lx_attr(page, "static", apr_pstrcat(r->pool, q->conf->base_url, "/static", NULL));
    lx_attr(page, "user", r->user);
    lx_attr(page, "request-id", r->log_id);
    lx_attr(page, "now", now);
    if ((as_of = lx_db_as_of(q->db)) != NULL) {
        /* read from a standby: the page says how current it is */
        apr_time_exp_tz(&tm, apr_time_from_sec(apr_atoi64(as_of)), q->conf->utc_offset);
        apr_strftime(now, &len, sizeof(now), "%Y-%m-%d %H:%M:%S", &tm);
        lx_attr(page, "as-of", now);
    }
    if (q->account)
        lx_account_xml(page, q->account);
    return page;
}

static int lx_send(request_rec *r, const char *type, const char *buf, apr_size_t len)
{
    ap_set_content_type(r, type);
    ap_set_content_length(r, len);
    if (!r->header_only)
        ap_rwrite(buf, (int)len, r);
    return OK;
}

/* The page out: its document, or the HTML of its view.  The transform is over (its libxml2
 * objects freed) before the first byte goes to httpd's output filters. */
int lx_render(lx_req *q, xmlNodePtr page)
{
    request_rec *r = q->r;
    const char *out;
    apr_size_t len = 0;
    xmlChar *view;
    int rc;

    if (q->want_xml) {
        out = lx_xml_text(r->pool, page->doc, &len);
        return out ? lx_send(r, "application/xml; charset=utf-8", out, len)
                   : HTTP_INTERNAL_SERVER_ERROR;
    }
    view = xmlGetProp(page, (const xmlChar *)"view");
    rc = lx_xslt_html(r, q->conf, view ? (const char *)view : "(none)", page->doc, &out, &len);
    xmlFree(view);
    return rc == OK ? lx_send(r, "text/html; charset=utf-8", out, len) : rc;
}

/*
 * A student's own page through the node's page cache (lx_pagecache.c).  What a kept page says
 * of the request that made it (when, and its request id) is a mark in the cache, filled in for
 * every request that is served it; the rest is the same for every view of one version.
 */
static int lx_send_marked(lx_req *q, const char *marked, apr_size_t len)
{
    const lx_pagecache *pc = q->conf->page_cache;
    const char *marks[2], *values[2], *out;
    char now[32];
    apr_size_t n;

    lx_page_time(q, now, sizeof(now));
    marks[0] = lx_pagecache_mark_now(pc);
    marks[1] = lx_pagecache_mark_request(pc);
    values[0] = now;
    values[1] = q->r->log_id ? q->r->log_id : "";
    out = lx_marks_fill(q->r->pool, marked, len, marks, values, 2, &n);
    return out ? lx_send(q->r, "text/html; charset=utf-8", out, n) : HTTP_INTERNAL_SERVER_ERROR;
}

int lx_render_kept(lx_req *q, const char *key)
{
    const char *page;
    apr_size_t len;

    if (!lx_pagecache_get(q->conf->page_cache, q->r, key, q->r->user, &page, &len))
        return DECLINED;
    return lx_send_marked(q, page, len);
}

int lx_render_keep(lx_req *q, xmlNodePtr page, const char *key)
{
    lx_pagecache *pc = q->conf->page_cache;
    const char *out;
    apr_size_t len = 0;
    int rc;

    lx_attr(page, "now", lx_pagecache_mark_now(pc));
    lx_attr(page, "request-id", lx_pagecache_mark_request(pc));
    rc = lx_xslt_html(q->r, q->conf, "student", page->doc, &out, &len);
    if (rc != OK)
        return rc;
    lx_pagecache_put(pc, q->r, key, q->r->user, out, len);
    return lx_send_marked(q, out, len);
}

/*
 * An error page in Chinese through the same stylesheets (error.xsl).  The status goes out as
 * the response status; 503 carries Retry-After.
 */
int lx_error_page(lx_req *q, int status, const char *title, const char *message)
{
    request_rec *r = q->r;
    xmlNodePtr page = lx_page_new(q, "error");
    xmlNodePtr err = xmlNewChild(page, NULL, (const xmlChar *)"error", NULL);
    int rc;

    lx_attr(err, "status", apr_itoa(r->pool, status));
    lx_attr(err, "title", title);
    lx_attr(err, "message", message);
    if (status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(r->headers_out, "Retry-After", apr_itoa(r->pool, q->conf->retry_after));
    if (status == HTTP_UNAUTHORIZED)
        status = HTTP_FORBIDDEN;
    r->status = status;
    rc = lx_render(q, page);
    if (rc != OK) {
        r->status = HTTP_OK;
        return rc;
    }
    /* the body has been written with r->status set: tell httpd the request is done */
    return OK;
}
