/*
 * lx_form.c: see lx_form.h.
 */
#include "lx_form.h"
#include "lx_query.h"
#include "lx_text.h"

#include <string.h>

lx_form_result lx_form_parse(apr_pool_t *p, const char *body, apr_size_t len, int max_fields,
                             apr_table_t **out)
{
    apr_table_t *t = apr_table_make(p, 16);
    apr_size_t i = 0;
    int n = 0;

    while (i < len) {
        const char *field = body + i, *amp = memchr(field, '&', len - i), *eq;
        apr_size_t flen = amp ? (apr_size_t)(amp - field) : len - i;
        char *key, *value;

        i += flen + 1;
        if (flen == 0)
            continue;                   /* "a=1&&b=2": an empty field is no field */
        if (++n > max_fields)
            return LX_FORM_TOO_MANY;
        eq = memchr(field, '=', flen);
        key = lx_url_decode(p, field, eq ? (apr_size_t)(eq - field) : flen);
        value = eq ? lx_url_decode(p, eq + 1, flen - (apr_size_t)(eq - field) - 1) : "";
        if (!key || !value || !*key)
            return LX_FORM_BAD_ESCAPE;
        if (!lx_text_xml_safe(key) || !lx_text_xml_safe(value))
            return LX_FORM_BAD_TEXT;
        if (apr_table_get(t, key))
            return LX_FORM_DUPLICATE;
        apr_table_setn(t, key, value);
    }
    *out = t;
    return LX_FORM_OK;
}
