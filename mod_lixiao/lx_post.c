/*
 * lx_post.c: the gate every state-changing request passes before any work is done: POST only,
 * same origin, a form body read within a size limit and parsed strictly (core/lx_form.c), and
 * a CSRF token made for this user and this kind of form (core/lx_csrf.c).  Every refusal says
 * why, in Chinese, and changes nothing.
 */
#include "lx_private.h"
#include "core/lx_csrf.h"
#include "core/lx_form.h"

#define LX_FORM_MAX_BYTES (64 * 1024)
#define LX_FORM_MAX_FIELDS 300
#define LX_CSRF_LIFETIME (12 * 3600)        /* a working day: forms stay open on desks */

/* Origin, when the browser sends it, names this site; Sec-Fetch-Site says same-origin or
 * none (typed, bookmarked).  Clients that send neither rely on the token alone. */
static int lx_same_origin(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");

    if (origin) {
        char *self = ap_construct_url(r->pool, "", r);
        apr_size_t n = strlen(self);
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

/* The body, at most max bytes (NUL-terminated after len), with Content-Length or chunked. */
int lx_read_body(lx_req *q, apr_size_t max, char **body, apr_size_t *len)
{
    request_rec *r = q->r;
    apr_size_t total = 0;
    char *buf;
    long n = 0;
    int rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);

    if (rc != OK)
        return rc;
    if (r->remaining > (apr_off_t)max) {
        q->message = "提交的内容过大。";
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    buf = apr_palloc(r->pool, max + 1);
    if (ap_should_client_block(r)) {
        while ((n = ap_get_client_block(r, buf + total, max + 1 - total)) > 0) {
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

/* The form's token: made by us, for this user and this kind of form, and not expired. */
int lx_post_csrf(lx_req *q, const char *token, const char *action)
{
    request_rec *r = q->r;
    lx_csrf_result cr = lx_csrf_check(token, q->conf->secret, q->conf->secret_len, r->user,
                                      action, (long long)apr_time_sec(r->request_time));
    if (cr == LX_CSRF_OK)
        return OK;
    q->message = cr == LX_CSRF_EXPIRED ? "页面已过期，请刷新页面后重新提交。"
                                       : "表单校验失败，请刷新页面后重新提交。";
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, LXLOGNO(0401)
                  "CSRF token refused for %s (%d)", action, (int)cr);
    return HTTP_FORBIDDEN;
}

int lx_post_form(lx_req *q, const char *action, apr_table_t **out)
{
    request_rec *r = q->r;
    char *body = NULL;
    apr_size_t len = 0;
    lx_form_result fr;
    int rc = lx_post_start(q);

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
    return lx_post_csrf(q, apr_table_get(*out, "csrf"), action);
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
