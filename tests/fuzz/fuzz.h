/*
 * fuzz.h: what the libFuzzer targets of tests/fuzz share: an APR pool for each input, the
 * check that makes a broken invariant a crash, and reference decoders written independently
 * of core/ (URL escapes, strict UTF-8) that the targets compare core/'s answers with.
 *
 * Each target is one file, fuzz_NAME.c, with its seeds in corpus/NAME/; see docs/development.md "Fuzzing"
 * "Fuzzing" for how they are built, replayed by make test and run for longer.
 */
#ifndef LX_FUZZ_H
#define LX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

/* A broken invariant aborts: libFuzzer keeps the input as a crash. */
#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__,   \
                    __LINE__);                                                        \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* A pool for one input, below a root made on the first call (libFuzzer runs the target in one
 * thread).  The caller destroys it at the end of the input. */
static inline apr_pool_t *fuzz_pool(void)
{
    static apr_pool_t *root;
    apr_pool_t *p;
    if (!root) {
        FUZZ_CHECK(apr_initialize() == APR_SUCCESS);
        FUZZ_CHECK(apr_pool_create(&root, NULL) == APR_SUCCESS);
    }
    FUZZ_CHECK(apr_pool_create(&p, root) == APR_SUCCESS);
    return p;
}

/* The input up to its first NUL as a malloc'd C string, as a header or a form field reaches
 * core/ (the caller frees it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    size_t n = strnlen((const char *)data, size);
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

static inline int fuzz_hex(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* application/x-www-form-urlencoded decoding of n bytes into out (n bytes at least): '+' is a
 * space, %XX a byte.  -1 for a '%' without two hex digits after it or for %00; a raw NUL byte
 * is copied (the caller decides).  *outlen is the decoded length. */
static inline int fuzz_url_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *outlen)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 1 < n ? fuzz_hex(s[i + 1]) : -1;
            int lo = i + 2 < n ? fuzz_hex(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi | lo) == 0)
                return -1;
            out[o++] = (uint8_t)(hi << 4 | lo);
            i += 2;
        }
        else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    *outlen = o;
    return 0;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes left), its code point in *cp; 0 when
 * it is not one (RFC 3629: shortest form, no surrogates, at most U+10FFFF). */
static inline size_t fuzz_utf8(const uint8_t *s, size_t n, uint32_t *cp)
{
    size_t len, i;
    uint32_t c, min;
    if (n == 0)
        return 0;
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) { len = 2; c = s[0] & 0x1F; min = 0x80; }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) { len = 3; c = s[0] & 0x0F; min = 0x800; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { len = 4; c = s[0] & 0x07; min = 0x10000; }
    else return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* 1 when n bytes are well-formed UTF-8 (NUL included as a character), and when xml is set
 * also text that core/lx_text.h promises XML can carry: characters of XML 1.0 (tab, LF, CR,
 * U+0020 and up, no U+FFFE, U+FFFF), less the C1 controls U+0080-U+009F that XML
 * discourages. */
static inline int fuzz_text(const uint8_t *s, size_t n, int xml)
{
    uint32_t c;
    size_t i = 0, k;
    while (i < n) {
        if ((k = fuzz_utf8(s + i, n - i, &c)) == 0)
            return 0;
        if (xml && ((c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                    || (c >= 0x80 && c <= 0x9F) || c == 0xFFFE || c == 0xFFFF))
            return 0;
        i += k;
    }
    return 1;
}

#endif
