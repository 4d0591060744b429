/*
 * lx_query.c: see lx_query.h.
 */
#include "lx_query.h"

#include "apr_strings.h"
#include <string.h>

static int lx_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *lx_url_decode(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i;
    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        }
        else if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return NULL;
            hi = lx_hex(s[i + 1]);
            lo = hi < 0 ? -1 : lx_hex(s[i + 2]);
            if (lo < 0 || (hi == 0 && lo == 0))
                return NULL;
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        }
        else if (s[i] == '\0') {
            return NULL;                /* a NUL byte would cut the text short, like %00 */
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

const char *lx_query_param(apr_pool_t *p, const char *args, const char *name)
{
    apr_size_t nlen = strlen(name);
    const char *s = args;
    while (s && *s) {
        const char *end = strchr(s, '&');
        apr_size_t len = end ? (apr_size_t)(end - s) : strlen(s);
        if (len > nlen && strncmp(s, name, nlen) == 0 && s[nlen] == '=')
            return lx_url_decode(p, s + nlen + 1, len - nlen - 1);
        if (len == nlen && strncmp(s, name, nlen) == 0)
            return "";
        s = end ? end + 1 : NULL;
    }
    return NULL;
}

int lx_student_no_valid(const char *s)
{
    int i;
    for (i = 0; i < 10; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[10] == '\0';
}

int lx_code_valid(const char *s)
{
    apr_size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 20 && strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "abcdefghijklmnopqrstuvwxyz-_") == n;
}
