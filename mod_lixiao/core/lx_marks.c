/*
 * lx_marks.c: see lx_marks.h.  Two passes over the text: the first measures the result, the
 * second writes it, so the result is one allocation whatever the number of marks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* memmem */
#endif
#include <string.h>

#include "lx_marks.h"

/* The first mark at or after p, and which one it is; NULL when none is left. */
static const char *lx_next_mark(const char *p, const char *end, const char *const *marks,
                                const apr_size_t *mlen, int n, int *which)
{
    const char *best = NULL;
    int i;

    for (i = 0; i < n; i++) {
        const char *m = memmem(p, (apr_size_t)(end - p), marks[i], mlen[i]);
        if (m && (!best || m < best)) {
            best = m;
            *which = i;
        }
    }
    return best;
}

static apr_size_t lx_marks_pass(char *out, const char *text, apr_size_t len,
                                const char *const *marks, const apr_size_t *mlen,
                                const char *const *values, const apr_size_t *vlen, int n)
{
    const char *p = text, *end = text + len, *m;
    apr_size_t size = 0;
    int which = 0;

    while ((m = lx_next_mark(p, end, marks, mlen, n, &which)) != NULL) {
        if (out) {
            memcpy(out + size, p, (apr_size_t)(m - p));
            memcpy(out + size + (m - p), values[which], vlen[which]);
        }
        size += (apr_size_t)(m - p) + vlen[which];
        p = m + mlen[which];
    }
    if (out)
        memcpy(out + size, p, (apr_size_t)(end - p));
    return size + (apr_size_t)(end - p);
}

const char *lx_marks_fill(apr_pool_t *pool, const char *text, apr_size_t len,
                          const char *const *marks, const char *const *values, int n,
                          apr_size_t *out_len)
{
    apr_size_t *mlen = apr_palloc(pool, sizeof(apr_size_t) * (apr_size_t)(2 * n + 1));
    apr_size_t *vlen = mlen + n;
    char *out;
    int i;

    for (i = 0; i < n; i++) {
        mlen[i] = strlen(marks[i]);
        vlen[i] = values[i] ? strlen(values[i]) : 0;
        if (mlen[i] == 0)
            return NULL;
    }
    *out_len = lx_marks_pass(NULL, text, len, marks, mlen, values, vlen, n);
    out = apr_palloc(pool, *out_len + 1);
    lx_marks_pass(out, text, len, marks, mlen, values, vlen, n);
    out[*out_len] = '\0';
    return out;
}
