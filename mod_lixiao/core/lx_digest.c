/* lx_digest.c: FNV-1a digests (lx_digest.h). */
#include "lx_digest.h"

#include "apr_strings.h"
#include <string.h>

apr_uint64_t lx_fnv1a(apr_uint64_t h, const void *data, apr_size_t n)
{
    const unsigned char *b = data;
    while (n--) {
        h ^= *b++;
        h *= APR_UINT64_C(0x100000001b3);
    }
    return h;
}

const char *lx_digest(apr_pool_t *p, const char *s)
{
    apr_uint64_t h = lx_fnv1a(LX_FNV_BASIS, s, strlen(s));
    return apr_psprintf(p, "%016" APR_UINT64_T_HEX_FMT, h);
}
