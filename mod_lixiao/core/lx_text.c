/*
 * lx_text.c: see lx_text.h.
 */
#include "lx_text.h"

#include <stdlib.h>
#include <string.h>

/* The well-formed UTF-8 sequence at s: its length, and its character in *cp; 0 when the
 * bytes are not one (a bad or cut sequence, an overlong form, a surrogate, beyond Unicode). */
static size_t lx_utf8_decode(const unsigned char *s, unsigned int *cp)
{
    unsigned int c;
    size_t len, i;

    if (s[0] < 0x80) {
        *cp = s[0];
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
    if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000)
        || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
        return 0;
    *cp = c;
    return len;
}

/* Whether XML 1.0 and HTML text may carry c: not the controls but tab and the line ends, not
 * DEL nor the C1 controls, not the non-characters (U+FDD0..U+FDEF, U+xFFFE and U+xFFFF of
 * every plane). */
static int lx_char_allowed(unsigned int c)
{
    if (c < 0x20)
        return c == '\t' || c == '\n' || c == '\r';
    return !(c >= 0x7F && c <= 0x9F) && !(c >= 0xFDD0 && c <= 0xFDEF)
           && (c & 0xFFFE) != 0xFFFE;
}

/* Length of the valid, allowed UTF-8 sequence at s, or 0 when it is not one. */
static size_t lx_utf8_char(const unsigned char *s)
{
    unsigned int c;
    size_t n = lx_utf8_decode(s, &c);
    return n && lx_char_allowed(c) ? n : 0;
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
        unsigned int c;
        size_t n = lx_utf8_decode(p, &c);
        if (n == 0 || !lx_char_allowed(c)) {
            /* a refused character is one U+FFFD, a broken byte too */
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            p += n ? n : 1;
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

char *lx_text_one_line(char *s)
{
    char *c;
    for (c = s; *c; c++)
        if (*c == '\r' || *c == '\n')
            *c = ' ';
    return s;
}
