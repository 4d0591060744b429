/*
 * lx_text.c: see lx_text.h.
 */
#include "lx_text.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid, XML-allowed UTF-8 sequence at s, or 0 when it is not one. */
static size_t lx_utf8_char(const unsigned char *s)
{
    unsigned int c;
    size_t len, i;

    if (s[0] < 0x80) {
        if (s[0] < 0x20 && s[0] != '\t' && s[0] != '\n' && s[0] != '\r')
            return 0;
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) { len = 2; c = s[0] & 0x1F; }
    else if ((s[0] & 0xF0) == 0xE0) { len = 3; c = s[0] & 0x0F; }
    else if ((s[0] & 0xF8) == 0xF0) { len = 4; c = s[0] & 0x07; }
    else return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, surrogates, beyond Unicode, and the non-characters XML excludes */
    if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000)
        || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF || c == 0xFFFE || c == 0xFFFF
        || (c >= 0x7F && c <= 0x9F))
        return 0;
    return len;
}

int lx_text_xml_safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = lx_utf8_char(p);
        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

char *lx_text_xml_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    /* each refused byte becomes three bytes at most */
    char *out = malloc(strlen(s) * 3 + 1), *o = out;
    if (!out)
        return NULL;
    while (*p) {
        size_t n = lx_utf8_char(p);
        if (n == 0) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            p++;
        }
        else {
            memcpy(o, p, n);
            o += n;
            p += n;
        }
    }
    *o = '\0';
    return out;
}

char *lx_text_trim(char *s)
{
    char *end;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}
