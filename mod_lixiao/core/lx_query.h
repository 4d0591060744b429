/*
 * lx_query.h: the query string of GET requests and the shape of student numbers.  Plain C
 * with APR only, unit-tested.
 */
#ifndef LX_QUERY_H
#define LX_QUERY_H

#include "apr_pools.h"

/* The decoded value of the first parameter called name in args ("a=1&b=2"), or NULL.  '+' is
 * a space; a malformed %-escape makes the parameter count as absent. */
const char *lx_query_param(apr_pool_t *p, const char *args, const char *name);

/* Decode len bytes of application/x-www-form-urlencoded text ('+' is a space); NULL on a bad
 * %-escape or a NUL, encoded or not. */
char *lx_url_decode(apr_pool_t *p, const char *s, apr_size_t len);

/* args ("a=1&token=x") with the value of every parameter whose name, decoded, is one of names
 * (NULL-terminated, without regard to case) replaced by "REDACTED"; '&' and ';' both separate
 * parameters.  *count is how many were replaced; with none, args itself comes back.  For
 * credentials that must never reach a log (the access log's %r and %q). */
const char *lx_query_redact(apr_pool_t *p, const char *args, const char *const *names,
                            int *count);

/* Names under which a client might put a bearer token into a URL, NULL-terminated: the API
 * refuses them (token_in_query) and no log may show their values (lx_route.c). */
extern const char *const lx_query_token_names[];

/* 1 when s is a student number: exactly ten ASCII digits. */
int lx_student_no_valid(const char *s);

/* What a search box holds, with full-width digits and Ｘ (as a Chinese input method types
 * them) made ASCII when the whole of s is digits and X: "２０２２０１０００１" is 2022010001.
 * Anything else (a name) comes back as it is. */
const char *lx_query_halfwidth(apr_pool_t *p, const char *s);

/* The number of UTF-8 characters of s (continuation bytes not counted). */
apr_size_t lx_query_chars(const char *s);

/* 1 when s is a college or class code: 1 to 20 of [0-9A-Za-z_-]. */
int lx_code_valid(const char *s);

/* 1 when s is a step's code: 1 to 40 of [a-z0-9_], beginning with a letter (lx.step.code). */
int lx_step_code_valid(const char *s);

#endif
