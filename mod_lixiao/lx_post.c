/*
 * lx_post.c: the gate every state-changing request passes before any work is done: POST only,
 * same origin, a form body read within a size limit and parsed strictly (core/lx_form.c), and
 * a CSRF token made for this user and this kind of form (core/lx_csrf.c).  Every refusal says
 * why, in Chinese, and changes nothing.  lx_route calls lx_post_form / lx_post_upload for a
 * POST before it opens the database, so that a slow client sending its body holds a thread
 * only, never a database connection or a slot of the gate (lx_gate.c); the handler's own call
 * then returns what was read.
 */
#include "lx_req.h"
#include "core/lx_csrf.h"
#include "core/lx_form.h"
#include "core/lx_multipart.h"

#define LX_FORM_MAX_BYTES (64 * 1024)
#define LX_FORM_MAX_FIELDS 300
#define LX_UPLOAD_MAX_BYTES (32 * 1024 * 1024)
#define LX_UPLOAD_MAX_PARTS 10
#define LX_CSRF_LIFETIME (12 * 3600)        /* a working day: forms stay open on desks */

/* The origin ("scheme://host[:port]") of an absolute URL, or NULL. */
static const char *lx_url_origin(apr_pool_t *p, const char *url)
{
    const char *rest = strstr(url, "://");
    if (!rest || rest == url)
        return NULL;
    rest += 3;
    return apr_pstrndup(p, url, (apr_size_t)(rest - url) + strcspn(rest, "/?#"));
}

/* Origin, when the browser sends it, names this site; Sec-Fetch-Site says same-origin or
 * none (typed, bookmarked).  When neither comes (an old browser, a proxy that strips them),
 * a Referer must name this site too: a form of another site that a browser posts without
 * Origin still names that page as its Referer.  Clients that send none of the three rely on
 * the token alone: scripts, and browsers told not to send a Referer (Referrer-Policy) always
 * send Origin with a POST. */
static int lx_same_origin(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    const char *referer = apr_table_get(r->headers_in, "Referer");
    char *self;
    apr_size_t n;

    if (!origin && !site && referer) {
        origin = lx_url_origin(r->pool, referer);
        if (!origin)
            return 0;
    }
    if (origin) {
        self = ap_construct_url(r->pool, "", r);
        n = strlen(self);
        if (n && self[n - 1] == '/')
            self[n - 1] = '\0';
        if (strcasecmp(origin, self) != 0)
            return 0;
    }
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return 0;
    return 1;
}

static int lx_content_type_ok(request_rec *r)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    static const char form[] = "application/x-www-form-urlencoded";
    if (!ct || strncasecmp(ct, form, sizeof(form) - 1) != 0)
        return 0;
    ct += sizeof(form) - 1;
    return *ct == '\0' || *ct == ';' || *ct == ' ';
}

#define LX_BODY_CHUNK (16 * 1024)       /* the first buffer of a chunked body */

/* The body, at most max bytes (NUL-terminated after len), with Content-Length or chunked.
 * The buffer is what Content-Length says; a chunked body's grows by doubling up to max. */
int lx_read_body(lx_req *q, apr_size_t max, char **body, apr_size_t *len)
{
    request_rec *r = q->r;
    apr_size_t total = 0, size;
    char *buf;
    long n = 0;
    int rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);

    if (rc != OK)
        return rc;
    if (r->remaining > (apr_off_t)max) {
        q->message = "提交的内容过大。";
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    /* room for one byte more than announced (or than max): a body longer than it says
     * shows itself */
    size = r->read_chunked ? (max < LX_BODY_CHUNK ? max : LX_BODY_CHUNK)
                           : (apr_size_t)r->remaining;
    buf = apr_palloc(r->pool, size + 2);
    if (ap_should_client_block(r)) {
        for (;;) {
            if (total == size + 1) {
                apr_size_t grown = size * 2 < max ? size * 2 : max;
                char *nb;
                if (grown <= size) {
                    q->message = "提交的内容过大。";
                    return HTTP_REQUEST_ENTITY_TOO_LARGE;
                }
                nb = apr_palloc(r->pool, grown + 2);
                memcpy(nb, buf, total);
                buf = nb;
                size = grown;
            }
            n = ap_get_client_block(r, buf + total, size + 1 - total);
            if (n <= 0)
                break;
            total += (apr_size_t)n;
            if (total > max) {
                q->message = "提交的内容过大。";
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            }
        }
        if (n < 0) {
            q->message = "提交的内容不完整或过大。";
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
    }
    buf[total] = '\0';
    *body = buf;
    *len = total;
    return OK;
}

static const char *lx_form_message(lx_form_result res)
{
    switch (res) {
    case LX_FORM_DUPLICATE:  return "表单中有重复的字段。";
    case LX_FORM_TOO_MANY:   return "表单字段过多，请减少一次提交的数量。";
    case LX_FORM_BAD_ESCAPE: return "表单编码有误。";
    case LX_FORM_BAD_TEXT:   return "输入包含无效字符，请检查后重新输入。";
    default:                 return "表单有误。";
    }
}

/* The start of every state-changing request, forms and uploads alike: POST, from this site. */
int lx_post_start(lx_req *q)
{
    request_rec *r = q->r;

    if (r->method_number != M_POST) {
        apr_table_setn(r->headers_out, "Allow", "POST");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!lx_same_origin(r)) {
        q->message = "请求来自其他网站，已拒绝。请从本系统页面提交。";
        return HTTP_FORBIDDEN;
    }
    return OK;
}

/* The form's token: made by us, for this user and this kind of form, not expired, and not
 * further ahead than the forms we issue. */
int lx_post_csrf(lx_req *q, const char *token, const char *action)
{
    request_rec *r = q->r;
    long long now = (long long)apr_time_sec(r->request_time);
    lx_csrf_result cr = lx_csrf_check(token, q->conf->secret, q->conf->secret_len, r->user,
                                      action, now, LX_CSRF_LIFETIME);
    /* during a rotation's overlap, a form rendered under the other key (by this node before
     * its reload, or by a node that has not switched yet) still goes through */
    if (cr == LX_CSRF_FORGED && q->conf->secret_prev && now < q->conf->secret_prev_until)
        cr = lx_csrf_check(token, q->conf->secret_prev, q->conf->secret_prev_len, r->user,
                           action, now, LX_CSRF_LIFETIME);
    if (cr == LX_CSRF_OK) {
        q->post_action = action;
        return OK;
    }
    q->message = cr == LX_CSRF_EXPIRED ? "页面已过期，请刷新页面后重新提交。"
                                       : "表单校验失败，请刷新页面后重新提交。";
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, LXLOGNO(0401)
                  "CSRF token refused for %s (%d)", action, (int)cr);
    return HTTP_FORBIDDEN;
}

/* The body of a form, checked: read once (lx_route reads it before the database is opened,
 * the handler then gets the same table), its token checked again only for another kind. */
int lx_post_form(lx_req *q, const char *action, apr_table_t **out)
{
    request_rec *r = q->r;
    char *body = NULL;
    apr_size_t len = 0;
    lx_form_result fr;
    int rc;

    if (q->post_form) {
        *out = q->post_form;
        if (q->post_action && strcmp(q->post_action, action) == 0)
            return OK;
        return lx_post_csrf(q, apr_table_get(*out, "csrf"), action);
    }
    rc = lx_post_start(q);
    if (rc != OK)
        return rc;
    if (!lx_content_type_ok(r)) {
        q->message = "请通过系统页面上的表单提交。";
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    rc = lx_read_body(q, LX_FORM_MAX_BYTES, &body, &len);
    if (rc != OK)
        return rc;
    fr = lx_form_parse(r->pool, body, len, LX_FORM_MAX_FIELDS, out);
    if (fr != LX_FORM_OK) {
        q->message = lx_form_message(fr);
        return HTTP_BAD_REQUEST;
    }
    q->post_form = *out;
    return lx_post_csrf(q, apr_table_get(*out, "csrf"), action);
}

/* A multipart upload (the roster and feed files), up to LX_UPLOAD_MAX_BYTES, checked like a
 * form: read once, before the database is opened. */
int lx_post_upload(lx_req *q, const char *action, apr_hash_t **parts)
{
    request_rec *r = q->r;
    const char *boundary;
    lx_part *csrf;
    char *body;
    apr_size_t len;
    int rc;

    if (q->post_parts) {
        *parts = q->post_parts;
        if (q->post_action && strcmp(q->post_action, action) == 0)
            return OK;
        csrf = apr_hash_get(*parts, "csrf", APR_HASH_KEY_STRING);
        return lx_post_csrf(q, csrf ? csrf->data : NULL, action);
    }
    rc = lx_post_start(q);
    if (rc != OK)
        return rc;
    boundary = lx_multipart_boundary(r->pool, apr_table_get(r->headers_in, "Content-Type"));
    if (!boundary) {
        q->message = "请通过导入页面的表单上传文件。";
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    rc = lx_read_body(q, LX_UPLOAD_MAX_BYTES, &body, &len);
    if (rc != OK) {
        q->message = "文件过大（最多 32 MiB），请分批导入。";
        return rc;
    }
    if (lx_multipart_parse(r->pool, boundary, body, len, LX_UPLOAD_MAX_PARTS, parts)
        != LX_MP_OK) {
        q->message = "上传的内容格式有误，请重新选择文件上传。";
        return HTTP_BAD_REQUEST;
    }
    q->post_parts = *parts;
    csrf = apr_hash_get(*parts, "csrf", APR_HASH_KEY_STRING);
    return lx_post_csrf(q, csrf ? csrf->data : NULL, action);
}

const char *lx_csrf_token(lx_req *q, const char *action)
{
    char *tok = apr_palloc(q->r->pool, LX_CSRF_MAX);
    long long expiry = (long long)apr_time_sec(q->r->request_time) + LX_CSRF_LIFETIME;
    if (lx_csrf_make(tok, q->conf->secret, q->conf->secret_len, q->r->user, action,
                     expiry) != 0)
        return "";
    return tok;
}

/* A fresh id for a rendered form: the door carries out each id once. */
const char *lx_form_id(lx_req *q)
{
    unsigned char raw[16];
    char *out = apr_palloc(q->r->pool, 23);
    if (apr_generate_random_bytes(raw, sizeof(raw)) != APR_SUCCESS)
        return NULL;
    lx_base64url(out, raw, sizeof(raw));
    return out;
}
