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
