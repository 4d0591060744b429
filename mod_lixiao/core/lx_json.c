/*
 * lx_json.c: see lx_json.h.
 */
#include "lx_json.h"

#include "apr_strings.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

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

const char *lx_json_time(apr_pool_t *p, const char *epoch, int utc_offset)
{
    char buf[40], *end;
    long long secs;
    int off = utc_offset < 0 ? -utc_offset : utc_offset;
    time_t t;
    struct tm tm;

    if (!epoch || !*epoch)
        return "null";
    secs = strtoll(epoch, &end, 10);
    if (*end)
        return "null";
    t = (time_t)(secs + utc_offset);
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "\"%Y-%m-%dT%H:%M:%S", &tm))
        return "null";
    return apr_psprintf(p, "%s%c%02d:%02d\"", buf, utc_offset < 0 ? '-' : '+', off / 3600,
                        off % 3600 / 60);
}
