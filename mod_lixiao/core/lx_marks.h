/*
 * lx_marks.h: a text with marks in it where each use of it puts its own words.  A page kept in
 * the page cache (lx_pagecache.c) was rendered once with marks in place of what every request
 * says of itself (its time, its request id); each request that serves it fills them in.  The
 * marks are random, made when the server starts, so no text of a student's can contain one.
 */
#ifndef LX_MARKS_H
#define LX_MARKS_H

#include "apr_pools.h"

/* text (len bytes) with every occurrence of marks[i] replaced by values[i], i < n; the result
 * in pool, NUL-terminated, its length in *out_len.  A mark must not be empty. */
const char *lx_marks_fill(apr_pool_t *pool, const char *text, apr_size_t len,
                          const char *const *marks, const char *const *values, int n,
                          apr_size_t *out_len);

#endif
