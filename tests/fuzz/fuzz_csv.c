/*
 * fuzz_csv.c: the roster and feed upload as the module reads it before PostgreSQL's COPY
 * parses the CSV (action_import.c): the boundary of the Content-Type (lx_multipart_boundary),
 * the multipart/form-data body (lx_multipart_parse, at most 10 parts), then the file's check
 * (lx_csv_prepare: byte order mark, UTF-16, the encoding chosen in the "encoding" part).
 *
 * The input's first line is the Content-Type, the rest the body, passed without a NUL after
 * it so that AddressSanitizer sees any read past its end.  Invariants: a boundary is 1 to 70
 * bytes found in a multipart/form-data Content-Type; on LX_MP_OK there are at most 10 parts,
 * each named, its data NUL-terminated bytes of the body that hold no delimiter; the file's
 * check strips exactly a leading UTF-8 byte order mark, refuses UTF-16 and unknown choices,
 * and for "auto" chooses UTF8 exactly when the file is XML-safe UTF-8 without NUL (the
 * reference decoder of fuzz.h), GB18030 otherwise.
 */
#include "fuzz.h"

#include <strings.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "core/lx_csv.h"
#include "core/lx_multipart.h"

#define MODULE_MAX_PARTS 10             /* lx_import_upload in action_import.c */

static void check_file(const lx_part *file, const lx_part *enc)
{
    const char *data = file->data, *encoding = NULL, *choice = enc ? enc->data : NULL;
    apr_size_t len = file->len;
    int bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
    int utf16 = !bom && len >= 2 && (memcmp(data, "\xFF\xFE", 2) == 0
                                     || memcmp(data, "\xFE\xFF", 2) == 0);
    int autochoice = !choice || !*choice || strcmp(choice, "auto") == 0;
    int known = autochoice || strcmp(choice, "utf-8") == 0 || strcmp(choice, "gb18030") == 0;
    lx_csv_result res = lx_csv_prepare(&data, &len, choice, &encoding);

    if (utf16) {
        FUZZ_CHECK(res == LX_CSV_UTF16);
        return;
    }
    if (!known) {
        FUZZ_CHECK(res == LX_CSV_BAD_CHOICE);
        return;
    }
    FUZZ_CHECK(res == LX_CSV_OK);
    FUZZ_CHECK(data == file->data + (bom ? 3 : 0) && len == file->len - (bom ? 3 : 0));
    FUZZ_CHECK(data[len] == '\0');
    FUZZ_CHECK(encoding && (strcmp(encoding, "UTF8") == 0 || strcmp(encoding, "GB18030") == 0));
    if (autochoice)
        FUZZ_CHECK((strcmp(encoding, "UTF8") == 0)
                   == fuzz_text((const uint8_t *)data, len, 1));
    else
        FUZZ_CHECK(strcmp(encoding, strcmp(choice, "utf-8") == 0 ? "UTF8" : "GB18030") == 0);
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
            check_file(file, apr_hash_get(parts, "encoding", APR_HASH_KEY_STRING));
    }
done:
    free(body);
    free(ct);
    apr_pool_destroy(p);
    return 0;
}
