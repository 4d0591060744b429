/*
 * lx_multipart.c: see lx_multipart.h.
 */
#include "lx_multipart.h"

#include "apr_strings.h"
#include "apr_lib.h"
#include <string.h>

const char *lx_multipart_boundary(apr_pool_t *p, const char *ct)
{
    static const char type[] = "multipart/form-data";
    const char *b;
    apr_size_t n;

    if (!ct || strncasecmp(ct, type, sizeof(type) - 1) != 0)
        return NULL;
    b = strstr(ct + sizeof(type) - 1, "boundary=");
    if (!b)
        return NULL;
    b += 9;
    if (*b == '"') {
        const char *end = strchr(++b, '"');
        if (!end)
            return NULL;
        n = (apr_size_t)(end - b);
    }
    else {
        n = strcspn(b, "; \t");
    }
    if (n == 0 || n > 70)
        return NULL;
    return apr_pstrmemdup(p, b, n);
}

static const char *lx_memmem(const char *hay, apr_size_t hlen, const char *needle,
                             apr_size_t nlen)
{
    apr_size_t i;
    if (nlen > hlen)
        return NULL;
    for (i = 0; i + nlen <= hlen; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return hay + i;
    return NULL;
}

/* name="..." (or filename="...") in a Content-Disposition value; NULL if absent. */
static const char *lx_disposition_param(apr_pool_t *p, const char *v, const char *key)
{
    apr_size_t klen = strlen(key);
    const char *s = v;
    while ((s = strstr(s, key)) != NULL) {
        if ((s == v || s[-1] == ' ' || s[-1] == ';') && s[klen] == '=' && s[klen + 1] == '"') {
            const char *start = s + klen + 2, *end = strchr(start, '"');
            return end ? apr_pstrmemdup(p, start, (apr_size_t)(end - start)) : NULL;
        }
        s += klen;
    }
    return NULL;
}

lx_mp_result lx_multipart_parse(apr_pool_t *p, const char *boundary, const char *body,
                                apr_size_t len, int max_parts, apr_hash_t **out)
{
    const char *delim = apr_pstrcat(p, "--", boundary, NULL);
    const char *next_delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
    apr_size_t dlen = strlen(delim), ndlen = strlen(next_delim);
    apr_hash_t *parts = apr_hash_make(p);
    const char *pos = body, *end = body + len;
    int n = 0;

    if (len < dlen || memcmp(body, delim, dlen) != 0)
        return LX_MP_MALFORMED;
    pos += dlen;
    for (;;) {
        const char *hdr_end, *content, *stop, *line;
        lx_part *part;

        if (end - pos >= 2 && pos[0] == '-' && pos[1] == '-')
            break;                                  /* the closing boundary */
        if (end - pos < 2 || pos[0] != '\r' || pos[1] != '\n')
            return LX_MP_MALFORMED;
        pos += 2;
        if (++n > max_parts)
            return LX_MP_TOO_MANY;
        hdr_end = lx_memmem(pos, (apr_size_t)(end - pos), "\r\n\r\n", 4);
        if (!hdr_end)
            return LX_MP_MALFORMED;
        part = apr_pcalloc(p, sizeof(*part));
        for (line = pos; line < hdr_end + 2;) {
            const char *eol = lx_memmem(line, (apr_size_t)(hdr_end + 2 - line), "\r\n", 2);
            char *h = apr_pstrmemdup(p, line, (apr_size_t)(eol - line));
            if (strncasecmp(h, "Content-Disposition:", 20) == 0) {
                const char *v = h + 20;
                while (*v == ' ')
                    v++;
                if (strncasecmp(v, "form-data", 9) != 0)
                    return LX_MP_MALFORMED;
                part->name = lx_disposition_param(p, v, "name");
                part->filename = lx_disposition_param(p, v, "filename");
            }
            line = eol + 2;
        }
        if (!part->name || !*part->name)
            return LX_MP_MALFORMED;
        content = hdr_end + 4;
        stop = lx_memmem(content, (apr_size_t)(end - content), next_delim, ndlen);
        if (!stop)
            return LX_MP_MALFORMED;
        part->len = (apr_size_t)(stop - content);
        part->data = apr_pstrmemdup(p, content, part->len);
        if (apr_hash_get(parts, part->name, APR_HASH_KEY_STRING))
            return LX_MP_DUPLICATE;
        apr_hash_set(parts, part->name, APR_HASH_KEY_STRING, part);
        pos = stop + ndlen;
    }
    *out = parts;
    return LX_MP_OK;
}
