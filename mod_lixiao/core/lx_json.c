/*
 * lx_json.c: see lx_json.h.
 */
#include "lx_json.h"

#include "apr_strings.h"
#include <stdio.h>
#include <string.h>

const char *lx_json_string(apr_pool_t *p, const char *s)
{
    /* each byte becomes at most six (\u00XX) */
    char *out = apr_palloc(p, strlen(s) * 6 + 3), *o = out;
    *o++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else if (c < 0x20 || c == 0x7F) {
            snprintf(o, 7, "\\u%04x", c);
            o += 6;
        }
        else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}
