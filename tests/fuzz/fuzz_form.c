/*
 * fuzz_form.c: lx_form_parse (core/lx_form.c), the strict parser of every POSTed form, on any
 * body.
 *
 * The body is the input itself, not NUL-terminated, so that AddressSanitizer sees any read past
 * its end.  The parser's answer is compared with a reference written here from lx_form.h:
 * fields split at '&', empty ones skipped; for each field in order, more than max_fields
 * fields is LX_FORM_TOO_MANY, a broken escape, %00, a NUL byte or an empty key
 * LX_FORM_BAD_ESCAPE, text that is not XML-safe UTF-8 LX_FORM_BAD_TEXT, a key seen before
 * (APR tables compare keys without case) LX_FORM_DUPLICATE.  On LX_FORM_OK the table holds
 * each field's key and value decoded, whole (no NUL cutting them short), in order; and the
 * table encoded again parses to the same table.  Each body is parsed with the module's limit
 * of 300 fields and with a small one.
 */
#include "fuzz.h"

#include <strings.h>

#include "apr_strings.h"
#include "apr_tables.h"
#include "core/lx_form.h"

#define MODULE_MAX_FIELDS 300           /* LX_FORM_MAX_FIELDS of lx_post.c */

typedef struct {
    const uint8_t *key, *value;         /* decoded, NUL-terminated */
    size_t klen, vlen;
} ref_field;

/* The reference's answer for body; its fields in f (room for size / 2 + 1). */
static lx_form_result ref_parse(const uint8_t *body, size_t size, int max, ref_field *f,
                                int *nf, uint8_t *scratch)
{
    size_t i = 0;
    int n = 0, j;
    while (i < size) {
        const uint8_t *field = body + i, *amp = memchr(field, '&', size - i), *eq;
        size_t flen = amp ? (size_t)(amp - field) : size - i, klen;
        i += flen + 1;
        if (flen == 0)
            continue;
        if (n + 1 > max)
            return LX_FORM_TOO_MANY;
        eq = memchr(field, '=', flen);
        klen = eq ? (size_t)(eq - field) : flen;
        f[n].key = scratch;
        if (fuzz_url_decode(field, klen, scratch, &f[n].klen) != 0)
            return LX_FORM_BAD_ESCAPE;
        scratch[f[n].klen] = '\0';
        scratch += f[n].klen + 1;
        f[n].value = scratch;
        f[n].vlen = 0;
        if (eq && fuzz_url_decode(eq + 1, flen - klen - 1, scratch, &f[n].vlen) != 0)
            return LX_FORM_BAD_ESCAPE;
        scratch[f[n].vlen] = '\0';
        scratch += f[n].vlen + 1;
        if (f[n].klen == 0 || memchr(f[n].key, '\0', f[n].klen)
            || memchr(f[n].value, '\0', f[n].vlen))
            return LX_FORM_BAD_ESCAPE;
        if (!fuzz_text(f[n].key, f[n].klen, 1) || !fuzz_text(f[n].value, f[n].vlen, 1))
            return LX_FORM_BAD_TEXT;
        for (j = 0; j < n; j++)
            if (strcasecmp((const char *)f[j].key, (const char *)f[n].key) == 0)
                return LX_FORM_DUPLICATE;
        n++;
    }
    *nf = n;
    return LX_FORM_OK;
}

/* The table as a form body again: unreserved bytes as they are, a space as '+', the rest %XX. */
static char *encode(apr_pool_t *p, const apr_table_t *t, size_t *len)
{
    const apr_array_header_t *a = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    size_t room = 1;
    char *out, *o;
    int i;
    for (i = 0; i < a->nelts; i++)
        room += 3 * (strlen(e[i].key) + strlen(e[i].val)) + 2;
    o = out = apr_palloc(p, room);
    for (i = 0; i < a->nelts; i++) {
        const char *parts[2] = {e[i].key, e[i].val};
        int k;
        if (i)
            *o++ = '&';
        for (k = 0; k < 2; k++) {
            const unsigned char *s = (const unsigned char *)parts[k];
            if (k)
                *o++ = '=';
            for (; *s; s++) {
                if ((*s >= '0' && *s <= '9') || ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')
                    || *s == '-' || *s == '.' || *s == '_' || *s == '~')
                    *o++ = (char)*s;
                else if (*s == ' ')
                    *o++ = '+';
                else
                    o += sprintf(o, "%%%02X", *s);
            }
        }
    }
    *len = (size_t)(o - out);
    return out;
}

static void check(apr_pool_t *p, const uint8_t *body, size_t size, int max, ref_field *f,
                  uint8_t *scratch)
{
    apr_table_t *t = NULL, *again = NULL;
    int nf = 0, i;
    lx_form_result got = lx_form_parse(p, (const char *)body, size, max, &t);
    lx_form_result want = ref_parse(body, size, max, f, &nf, scratch);
    const apr_array_header_t *a, *b;
    const apr_table_entry_t *e, *e2;
    char *enc;
    size_t elen;

    if (got != want)
        fprintf(stderr, "lx_form_parse: %d, reference: %d\n", (int)got, (int)want);
    FUZZ_CHECK(got == want);
    if (got != LX_FORM_OK)
        return;
    a = apr_table_elts(t);
    e = (const apr_table_entry_t *)a->elts;
    FUZZ_CHECK(a->nelts == nf && a->nelts <= max);
    for (i = 0; i < nf; i++) {
        FUZZ_CHECK(strlen(e[i].key) == f[i].klen && memcmp(e[i].key, f[i].key, f[i].klen) == 0);
        FUZZ_CHECK(strlen(e[i].val) == f[i].vlen
                   && memcmp(e[i].val, f[i].value, f[i].vlen) == 0);
        FUZZ_CHECK(f[i].klen + f[i].vlen <= size);
    }
    enc = encode(p, t, &elen);
    FUZZ_CHECK(lx_form_parse(p, enc, elen, max, &again) == LX_FORM_OK);
    b = apr_table_elts(again);
    e2 = (const apr_table_entry_t *)b->elts;
    FUZZ_CHECK(b->nelts == a->nelts);
    for (i = 0; i < a->nelts; i++)
        FUZZ_CHECK(strcmp(e[i].key, e2[i].key) == 0 && strcmp(e[i].val, e2[i].val) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    ref_field *f = malloc((size / 2 + 1) * sizeof(*f));
    uint8_t *scratch = malloc(size + 2 * (size / 2 + 1));

    FUZZ_CHECK(f && scratch);
    check(p, data, size, MODULE_MAX_FIELDS, f, scratch);
    check(p, data, size, (int)(size % 5), f, scratch);
    free(f);
    free(scratch);
    apr_pool_destroy(p);
    return 0;
}
