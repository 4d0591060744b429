/*
 * fuzz_query.c: the query strings of GET requests (core/lx_query.c): lx_query_param for the
 * names the module asks for, lx_url_decode, and the shapes of student numbers and codes.
 *
 * The input is a query string (r->args: text up to the first NUL).  When its first line is a
 * plausible parameter name (1 to 32 bytes, no '&', '=' or NUL), that name is asked for too and
 * the query string is what follows the line.  Each answer is compared with a reference written
 * here from lx_query.h: the first '&'-separated parameter whose raw name is the name decides;
 * "name" alone is "", "name=v" is v decoded, NULL when v has a broken escape or %00.
 * lx_url_decode is also given the whole input as bytes (not NUL-terminated, so that
 * AddressSanitizer sees a read past the end) and must agree with the reference decoder, a NUL
 * byte refused like %00.  lx_student_no_valid and lx_code_valid are checked against their
 * definitions on every decoded value.
 */
#include "fuzz.h"

#include "core/lx_query.h"

/* the names the module's pages ask lx_query_param for */
static const char *const names[] = {
    "format", "tab", "done", "s", "step", "mode", "at", "no", "kind", "enc", "class",
    "college", "ok", "undone", "q", NULL
};

static int ref_student_no(const char *s)
{
    return strlen(s) == 10 && strspn(s, "0123456789") == 10;
}

static int ref_code(const char *s)
{
    size_t n = strlen(s), i;
    if (n < 1 || n > 20)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static void check_value(const char *v)
{
    FUZZ_CHECK(lx_student_no_valid(v) == ref_student_no(v));
    FUZZ_CHECK(lx_code_valid(v) == ref_code(v));
}

/* The reference answer for name in args: 1 with the value in out (NUL-terminated), 0 absent or
 * malformed. */
static int ref_param(const char *args, const char *name, uint8_t *out)
{
    size_t nlen = strlen(name), vlen;
    const char *s = args;
    for (;;) {
        const char *amp = strchr(s, '&'), *eq;
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        eq = memchr(s, '=', len);
        if ((size_t)((eq ? eq : s + len) - s) == nlen && memcmp(s, name, nlen) == 0) {
            if (!eq) {
                out[0] = '\0';
                return 1;
            }
            if (fuzz_url_decode((const uint8_t *)eq + 1, len - nlen - 1, out, &vlen) != 0
                || memchr(out, '\0', vlen))
                return 0;
            out[vlen] = '\0';
            return 1;
        }
        if (!amp)
            break;
        s = amp + 1;
    }
    return 0;
}

static void check_param(apr_pool_t *p, const char *args, const char *name, uint8_t *scratch)
{
    const char *got = lx_query_param(p, args, name);
    int want = ref_param(args, name, scratch);
    FUZZ_CHECK((got != NULL) == want);
    if (!got)
        return;
    FUZZ_CHECK(strcmp(got, (const char *)scratch) == 0);
    FUZZ_CHECK(strlen(got) <= strlen(args));
    check_value(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *text = fuzz_cstr(data, size), *args = text, *name = NULL, *nl = strchr(text, '\n');
    uint8_t *scratch = malloc(size + 1);
    const char *dec;
    size_t len;
    int i, ok;

    FUZZ_CHECK(scratch != NULL);
    if (nl && nl > text && nl - text <= 32 && !memchr(text, '&', (size_t)(nl - text))
        && !memchr(text, '=', (size_t)(nl - text))) {
        *nl = '\0';
        name = text;
        args = nl + 1;
    }
    for (i = 0; names[i]; i++)
        check_param(p, args, names[i], scratch);
    if (name)
        check_param(p, args, name, scratch);
    FUZZ_CHECK(lx_query_param(p, NULL, "s") == NULL);

    /* the decoder on raw bytes */
    dec = lx_url_decode(p, (const char *)data, size);
    ok = fuzz_url_decode(data, size, scratch, &len) == 0 && !memchr(scratch, '\0', len);
    FUZZ_CHECK((dec != NULL) == ok);
    if (dec) {
        FUZZ_CHECK(strlen(dec) == len && memcmp(dec, scratch, len) == 0);
        check_value(dec);
    }
    free(scratch);
    free(text);
    apr_pool_destroy(p);
    return 0;
}
