/*
 * lx_digest.h: short names for long keys (ETags, prepared statements' names, the templates'
 * tag): FNV-1a, 64 bits.  Not a secret and not collision-proof against an adversary: the
 * keys are ours.
 */
#ifndef LX_DIGEST_H
#define LX_DIGEST_H

#include "apr_pools.h"

#define LX_FNV_BASIS APR_UINT64_C(0xcbf29ce484222325)

/* FNV-1a continued from h (LX_FNV_BASIS to start) over n bytes. */
apr_uint64_t lx_fnv1a(apr_uint64_t h, const void *data, apr_size_t n);

/* 16 lower-case hex digits of the digest of s. */
const char *lx_digest(apr_pool_t *p, const char *s);

#endif
