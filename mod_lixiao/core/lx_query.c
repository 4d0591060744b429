/*
 * lx_query.c: see lx_query.h.
 */
#include "lx_query.h"

#include "apr_strings.h"
#include <string.h>
#include <strings.h>

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

static int lx_name_listed(apr_pool_t *p, const char *s, apr_size_t len,
                          const char *const *names)
{
    char *name = lx_url_decode(p, s, len);
    int i;
    if (!name)
        name = apr_pstrndup(p, s, len);
    for (i = 0; names[i]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return 1;
    return 0;
}

const char *lx_query_redact(apr_pool_t *p, const char *args, const char *const *names,
                            int *count)
{
    static const char redacted[] = "=REDACTED";
    char *out, *o;
    const char *s = args;

    *count = 0;
    if (!args || !*args)
        return args;
    /* each parameter grows by at most the length of "=REDACTED" */
    o = out = apr_palloc(p, strlen(args) * (sizeof(redacted) + 1) + 1);
    while (*s) {
        apr_size_t len = strcspn(s, "&;"), nlen = strcspn(s, "=&;");
        if (nlen > len)
            nlen = len;
        if (lx_name_listed(p, s, nlen, names)) {
            memcpy(o, s, nlen);
            memcpy(o + nlen, redacted, sizeof(redacted) - 1);
            o += nlen + sizeof(redacted) - 1;
            ++*count;
        }
        else {
            memcpy(o, s, len);
            o += len;
        }
        s += len;
        if (*s)
            *o++ = *s++;
    }
    *o = '\0';
    return *count ? out : args;
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

const char *lx_query_halfwidth(apr_pool_t *p, const char *s)
{
    apr_size_t n = strlen(s);
    char *out = apr_palloc(p, n + 1), *o = out;
    const unsigned char *c = (const unsigned char *)s;

    while (*c) {
        /* U+FF10..U+FF19 are EF BC 90..99; U+FF38 Ｘ is EF BC B8, U+FF58 ｘ is EF BD 98 */
        if (c[0] == 0xEF && c[1] == 0xBC && c[2] >= 0x90 && c[2] <= 0x99) {
            *o++ = (char)('0' + (c[2] - 0x90));
            c += 3;
        }
        else if (c[0] == 0xEF && ((c[1] == 0xBC && c[2] == 0xB8) || (c[1] == 0xBD && c[2] == 0x98))) {
            *o++ = 'X';
            c += 3;
        }
        else if ((*c >= '0' && *c <= '9') || *c == 'X' || *c == 'x') {
            *o++ = (char)*c++;
        }
        else {
            return s;           /* not a number: a name, left alone */
        }
    }
    *o = '\0';
    return out;
}

apr_size_t lx_query_chars(const char *s)
{
    apr_size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int lx_code_valid(const char *s)
{
    apr_size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 20 && strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "abcdefghijklmnopqrstuvwxyz-_") == n;
}

int lx_step_code_valid(const char *s)
{
    apr_size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 40 && s[0] >= 'a' && s[0] <= 'z'
           && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

const char *const lx_query_token_names[] = {
    "access_token", "token", "bearer", "bearer_token", "api_key", "apikey", "api_token",
    "auth_token", "authorization", NULL
};
