/*
 * lx_multipart.h: a multipart/form-data body (RFC 7578), parsed strictly: for the roster file
 * upload of the administrator's page.  Plain C with APR only; unit-tested.
 *
 * Every part must carry a Content-Disposition of form-data with a name; a name given twice, a
 * missing closing boundary or more than max_parts parts refuse the whole body.  Values are
 * binary-safe (a file is kept as its bytes).
 */
#ifndef LX_MULTIPART_H
#define LX_MULTIPART_H

#include "apr_pools.h"
#include "apr_hash.h"

typedef struct lx_part {
    const char *name;
    const char *filename;       /* NULL for a plain field */
    const char *data;           /* NUL-terminated copy, but data may hold NULs: use len */
    apr_size_t len;
} lx_part;

typedef enum {
    LX_MP_OK = 0,
    LX_MP_BAD_TYPE,             /* not multipart/form-data, or no boundary */
    LX_MP_MALFORMED,            /* boundaries or headers broken */
    LX_MP_DUPLICATE,            /* a name given twice */
    LX_MP_TOO_MANY
} lx_mp_result;

/* The boundary of a Content-Type header value, or NULL. */
const char *lx_multipart_boundary(apr_pool_t *p, const char *content_type);

/* Parse body into *out: name -> lx_part *. */
lx_mp_result lx_multipart_parse(apr_pool_t *p, const char *boundary, const char *body,
                                apr_size_t len, int max_parts, apr_hash_t **out);

#endif
