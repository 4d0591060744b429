/*
 * fuzz_json.c: the JSON the module writes itself (core/lx_json.c), the string literals of the
 * API's error answers.
 *
 * There is no JSON parser in the module to fuzz: the feeds' documents go to PostgreSQL as they
 * are ($1::jsonb, lx.feed_apply), which parses and validates them (STYLE.md: no JSON parser
 * written by hand).  What C does with JSON is lx_json_string, fuzzed here on any text (up to
 * the first NUL): the result must be one string literal that a strict RFC 8259 reading (written
 * here, for this check only) decodes back to the input byte for byte, with no raw control
 * character, and that is well-formed UTF-8 whenever the input is.
 */
#include "fuzz.h"

#include "core/lx_json.h"

/* Decode the JSON string literal at s (exactly n bytes) into out; -1 when it is not one. */
static int strict_string(const uint8_t *s, size_t n, uint8_t *out, size_t *outlen)
{
    size_t i = 1, o = 0;
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return -1;
    while (i < n - 1) {
        uint8_t c = s[i];
        if (c == '"' || c < 0x20)
            return -1;                          /* unescaped quote, raw control character */
        if (c != '\\') {
            out[o++] = c;
            i++;
            continue;
        }
        if (i + 1 >= n - 1)
            return -1;
        switch (s[i + 1]) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            int k, v = 0;
            if (i + 5 >= n - 1)
                return -1;
            for (k = 2; k < 6; k++) {
                int h = fuzz_hex(s[i + k]);
                if (h < 0)
                    return -1;
                v = v << 4 | h;
            }
            if (v >= 0x80)
                return -1;                      /* lx_json_string escapes only ASCII */
            out[o++] = (uint8_t)v;
            i += 4;
            break;
        }
        default:
            return -1;
        }
        i += 2;
    }
    *outlen = o;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *s = fuzz_cstr(data, size);
    size_t n = strlen(s), olen, dlen;
    const char *out = lx_json_string(p, s);
    uint8_t *dec;

    FUZZ_CHECK(out != NULL);
    olen = strlen(out);
    FUZZ_CHECK(olen >= n + 2 && olen <= 6 * n + 2);
    dec = malloc(olen);
    FUZZ_CHECK(dec != NULL);
    FUZZ_CHECK(strict_string((const uint8_t *)out, olen, dec, &dlen) == 0);
    FUZZ_CHECK(dlen == n && memcmp(dec, s, n) == 0);
    if (fuzz_text((const uint8_t *)s, n, 0))
        FUZZ_CHECK(fuzz_text((const uint8_t *)out, olen, 0));
    free(dec);
    free(s);
    apr_pool_destroy(p);
    return 0;
}
