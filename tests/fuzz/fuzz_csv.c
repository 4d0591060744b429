/*
 * fuzz_csv.c: the roster and feed upload as the module reads it (action_import.c): the
 * boundary of the Content-Type (lx_multipart_boundary), the multipart/form-data body
 * (lx_multipart_parse, at most 10 parts), then the file through the one import path without
 * the database (lx_import_read, lx_import_map for the roster and a feed, lx_import_copy_data).
 *
 * The input's first line is the Content-Type, the rest the body, passed without a NUL after
 * it so that AddressSanitizer sees any read past its end.  Invariants: a boundary is 1 to 70
 * bytes found in a multipart/form-data Content-Type; on LX_MP_OK there are at most 10 parts,
 * each named, its data NUL-terminated bytes of the body that hold no delimiter.  Of the
 * file: every cell is valid UTF-8 (the reference decoder of fuzz.h) and lines never go
 * back; a mapped table's rows carry increasing lines; and the binary COPY data, decoded
 * independently here, gives back exactly the table's cells: no byte of a cell can end the
 * data or become anything but that cell.
 */
#include "fuzz.h"

#include <strings.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "core/lx_import.h"
#include "core/lx_multipart.h"

#define MODULE_MAX_PARTS 10             /* lx_import_upload in action_import.c */

static uint32_t be(const unsigned char *d, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | d[i];
    return v;
}

static const lx_institution fuzz_institutions[] = {{"10534", "校本部"}, {"12649", "潇湘学院"}};

/* The binary COPY data decoded against the table it was made of. */
static void check_copy(apr_pool_t *p, const lx_import_table *t)
{
    apr_size_t len, off = 19;
    const unsigned char *d = (const unsigned char *)lx_import_copy_data(p, t, &len);
    int nc = t->kind->ncols;
    const lx_import_kind *k = t->kind;

    FUZZ_CHECK(len >= 21 && memcmp(d, "PGCOPY\n\377\r\n\0", 11) == 0);
    for (int i = 0; i < t->nrows; i++) {
        FUZZ_CHECK(off + 10 <= len
                   && be(d + off, 2) == (uint32_t)lx_import_copy_fields(k) + 1);
        FUZZ_CHECK(be(d + off + 2, 4) == 4 && be(d + off + 6, 4) == (uint32_t)t->lines[i]);
        off += 10;
        for (int c = 0; c <= nc; c++) {
            /* the loan columns are folded into the last field, a JSON object */
            const char *v = c < nc ? t->cells[(apr_size_t)i * nc + c] : NULL;
            uint32_t n;
            if ((c < nc && k->cols[c].loan) || (c == nc && !k->loans))
                continue;
            n = be(d + off, 4);
            off += 4;
            if (c == nc) {
                FUZZ_CHECK(n != 0xFFFFFFFFu && off + n <= len && d[off] == '{');
                off += n;
                continue;
            }
            if (!v) {
                FUZZ_CHECK(n == 0xFFFFFFFFu);
                continue;
            }
            FUZZ_CHECK(n == strlen(v) && off + n <= len && memcmp(d + off, v, n) == 0);
            FUZZ_CHECK(fuzz_text((const uint8_t *)v, n, 0));
            off += n;
        }
        FUZZ_CHECK(i == 0 || t->lines[i] > t->lines[i - 1]);
    }
    FUZZ_CHECK(off + 2 == len && be(d + off, 2) == 0xFFFF);
}

static void check_file(apr_pool_t *p, const lx_part *file, const lx_part *enc)
{
    lx_sheet *s = lx_import_read(p, file->data, file->len, enc ? enc->data : NULL, NULL);
    int last = 0;

    for (int i = 0; i < s->nrows; i++) {
        const lx_row *row = &s->rows[i];
        FUZZ_CHECK(row->line > last || (i == 0 && row->line >= 1));
        last = row->line;
        for (int c = 0; c < row->ncells && c < LX_SHEET_MAX_COLS; c++) {
            FUZZ_CHECK(row->cells[c].line >= last);
            last = row->cells[c].line;
            FUZZ_CHECK(fuzz_text((const uint8_t *)row->cells[c].text,
                                 strlen(row->cells[c].text), 0));
        }
    }
    check_copy(p, lx_import_map(p, lx_import_kind_get("roster"), s));
    check_copy(p, lx_import_map(p, lx_import_kind_roster(p, fuzz_institutions, 2), s));
    check_copy(p, lx_import_map(p, lx_import_kind_get("library"), s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ctlen = nl ? (size_t)(nl - data) : size, blen = nl ? size - ctlen - 1 : 0;
    char *ct = fuzz_cstr(data, ctlen), *body = malloc(blen ? blen : 1), *delim;
    const char *boundary = lx_multipart_boundary(p, ct);
    apr_hash_t *parts = NULL;
    apr_hash_index_t *hi;
    lx_mp_result res;
    int n = 0;

    FUZZ_CHECK(body != NULL);
    memcpy(body, nl ? nl + 1 : data, blen);
    if (!boundary)
        goto done;
    FUZZ_CHECK(strncasecmp(ct, "multipart/form-data", 19) == 0);
    FUZZ_CHECK(strlen(boundary) >= 1 && strlen(boundary) <= 70 && strstr(ct, boundary));

    res = lx_multipart_parse(p, boundary, body, blen, MODULE_MAX_PARTS, &parts);
    FUZZ_CHECK(res <= LX_MP_TOO_MANY);
    if (res != LX_MP_OK)
        goto done;
    delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
    for (hi = apr_hash_first(p, parts); hi; hi = apr_hash_next(hi)) {
        const lx_part *part = apr_hash_this_val(hi);
        n++;
        FUZZ_CHECK(part->name && *part->name && strlen(part->name) < blen);
        FUZZ_CHECK(part->data && part->data[part->len] == '\0' && part->len < blen);
        FUZZ_CHECK(part->len == 0 || memmem(body, blen, part->data, part->len));
        FUZZ_CHECK(!memmem(part->data, part->len, delim, strlen(delim)));
        FUZZ_CHECK(!part->filename || strlen(part->filename) < blen);
    }
    FUZZ_CHECK(n <= MODULE_MAX_PARTS);
    {
        const lx_part *file = apr_hash_get(parts, "file", APR_HASH_KEY_STRING);
        if (file && file->len > 0)
            check_file(p, file, apr_hash_get(parts, "encoding", APR_HASH_KEY_STRING));
    }
done:
    free(body);
    free(ct);
    apr_pool_destroy(p);
    return 0;
}
