/*
 * lx_export.c: see lx_export.h.
 */
#include "lx_export.h"

#include "apr_strings.h"

#include <string.h>

int lx_export_formula(const char *text)
{
    return text && *text && strchr("=+-@\t\r", *text) != NULL;
}

const char *lx_export_text(apr_pool_t *p, const char *text)
{
    return lx_export_formula(text) ? apr_pstrcat(p, "'", text, NULL) : text;
}

const char *lx_export_csv_field(apr_pool_t *p, const char *value, int is_text)
{
    const char *v = is_text ? lx_export_text(p, value) : value, *s;
    char *out, *o;
    if (!v)
        return "";
    /* a guarded cell is quoted too, as OWASP advises: no reader strips the apostrophe */
    if (!strpbrk(v, ",\"\r\n") && !(is_text && lx_export_formula(value)))
        return v;
    out = o = apr_palloc(p, strlen(v) * 2 + 3);
    *o++ = '"';
    for (s = v; *s; s++) {
        if (*s == '"')
            *o++ = '"';
        *o++ = *s;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

int lx_export_width(const char *text)
{
    int w = 0;
    for (; text && *text; text++)
        if (((unsigned char)*text & 0xC0) != 0x80)      /* not a continuation byte */
            w += (unsigned char)*text < 0x80 ? 1 : 2;
    return w;
}

/* RFC 5987's attr-char: what needs no percent-encoding in filename*. */
static int lx_export_attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || (c && strchr("!#$&+-.^_`|~", c) != NULL);
}

const char *lx_export_disposition(apr_pool_t *p, const char *ascii, const char *name,
                                  const char *ext)
{
    static const char hex[] = "0123456789ABCDEF";
    char *enc = apr_palloc(p, strlen(name) * 3 + 1), *o = enc;
    const unsigned char *s;
    for (s = (const unsigned char *)name; *s; s++) {
        if (lx_export_attr_char(*s)) {
            *o++ = (char)*s;
        }
        else {
            *o++ = '%';
            *o++ = hex[*s >> 4];
            *o++ = hex[*s & 15];
        }
    }
    *o = '\0';
    return apr_psprintf(p, "attachment; filename=\"%s.%s\"; filename*=UTF-8''%s.%s", ascii, ext,
                        enc, ext);
}
