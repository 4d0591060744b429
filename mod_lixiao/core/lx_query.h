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

/* 1 when s is a student number: exactly ten ASCII digits. */
int lx_student_no_valid(const char *s);

/* 1 when s is a college or class code: 1 to 20 of [0-9A-Za-z_-]. */
int lx_code_valid(const char *s);

#endif
