/*
 * fuzz_xlsx.c: an uploaded Excel workbook as the roster import reads it (lx_xlsx_read, the
 * first sheet).  An input that starts like a ZIP (PK) or an OLE file is the upload itself.
 * Any other input is the XML of the parts, separated by NUL bytes: the sheet, the shared
 * strings, the styles and the workbook (a default one when absent), stored uncompressed in a
 * workbook made here, because libzip's CRC check would stop nearly every change a fuzzer
 * makes to the XML inside a real archive.
 *
 * Invariants: a sheet always comes back; a fatal one says why; at most LX_SHEET_MAX_ROWS
 * rows, each on an Excel row number, its cells on the row's line; every cell valid UTF-8 of
 * at most LX_SHEET_MAX_CELL bytes without NUL or control characters but tab, LF and CR; every
 * problem has a reason, and its value is valid UTF-8.
 */
#include "fuzz.h"
#include "xlsx_zip.h"

#include "core/lx_xlsx.h"

static void check(const lx_sheet *s)
{
    int i, j;
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(!s->fatal || s->nproblems > 0);
    FUZZ_CHECK(s->nrows >= 0 && s->nrows <= LX_SHEET_MAX_ROWS);
    for (i = 0; i < s->nrows; i++) {
        const lx_row *row = &s->rows[i];
        FUZZ_CHECK(row->line >= 1 && row->line <= 1048576);
        for (j = 0; j < row->ncells && j < LX_SHEET_MAX_COLS; j++) {
            const char *t = row->cells[j].text;
            size_t n, k;
            FUZZ_CHECK(t != NULL && row->cells[j].line == row->line);
            n = strlen(t);
            FUZZ_CHECK(n <= LX_SHEET_MAX_CELL && fuzz_text((const uint8_t *)t, n, 0));
            for (k = 0; k < n; k++)
                FUZZ_CHECK((unsigned char)t[k] >= 0x20 || t[k] == '\t' || t[k] == '\n'
                           || t[k] == '\r');
        }
    }
    for (i = 0; i < s->nproblems; i++) {
        const lx_problem *pr = &s->problems[i];
        FUZZ_CHECK(pr->reason && *pr->reason);
        FUZZ_CHECK(!pr->value || fuzz_text((const uint8_t *)pr->value, strlen(pr->value), 0));
    }
}

/* The next NUL-separated piece of data[*at..size) as a malloc'd string, NULL past the end. */
static char *piece(const uint8_t *data, size_t size, size_t *at)
{
    const uint8_t *end;
    size_t n;
    char *out;
    if (*at > size)
        return NULL;
    end = memchr(data + *at, '\0', size - *at);
    n = end ? (size_t)(end - (data + *at)) : size - *at;
    out = malloc(n + 1);
    FUZZ_CHECK(out != NULL);
    memcpy(out, data + *at, n);
    out[n] = '\0';
    *at += n + 1;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *copy = NULL, *parts[4] = {NULL, NULL, NULL, NULL};
    size_t len = 0, at = 0;
    int i;

    if ((size >= 2 && data[0] == 'P' && data[1] == 'K') || (size >= 1 && data[0] == 0xD0)) {
        /* a copy of exactly size bytes: AddressSanitizer sees a read past the end */
        copy = malloc(size ? size : 1);
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, data, size);
        len = size;
    }
    else {
        for (i = 0; i < 4; i++)
            parts[i] = piece(data, size, &at);
        if (parts[3] && *parts[3]) {
            const xz_part all[5] = {
                {"xl/workbook.xml", parts[3], 0},
                {"xl/_rels/workbook.xml.rels", "<Relationships><Relationship Id=\"rId1\" "
                 "Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>", 0},
                {"xl/worksheets/sheet1.xml", parts[0], 0},
                {"xl/sharedStrings.xml", parts[1] ? parts[1] : "", 0},
                {"xl/styles.xml", parts[2] ? parts[2] : "", 0}};
            copy = xz_zip(all, 5, 1, &len);
        }
        else {
            copy = xz_book(parts[0] && *parts[0] ? parts[0] : NULL,
                           parts[1] && *parts[1] ? parts[1] : NULL,
                           parts[2] && *parts[2] ? parts[2] : NULL, &len);
        }
    }
    if (copy)
        check(lx_xlsx_read(p, copy, len, NULL));
    free(copy);
    for (i = 0; i < 4; i++)
        free(parts[i]);
    apr_pool_destroy(p);
    return 0;
}
