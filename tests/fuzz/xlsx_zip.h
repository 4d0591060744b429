/*
 * xlsx_zip.h: workbooks made in memory with libzip, for the unit tests of core/lx_xlsx.c and
 * its fuzz target: each part's XML is written by the test, so that what Excel writes (and
 * what it never writes: a DOCTYPE, a lying size) can be tried part by part.
 */
#ifndef LX_XLSX_ZIP_H
#define LX_XLSX_ZIP_H

#include <stdlib.h>
#include <string.h>
#include <zip.h>

typedef struct {
    const char *name;
    const char *data;
    size_t len;                 /* 0: strlen(data) */
} xz_part;

/* A ZIP archive of the n parts (stored uncompressed when store is set, so that a fuzzer's
 * changes reach the XML), malloc'd; NULL on failure. */
static inline char *xz_zip(const xz_part *parts, int n, int store, size_t *outlen)
{
    zip_error_t ze;
    zip_source_t *src, *s;
    zip_t *za;
    zip_stat_t st;
    char *out = NULL;
    int i;

    *outlen = 0;
    zip_error_init(&ze);
    if (!(src = zip_source_buffer_create(NULL, 0, 0, &ze)))
        return NULL;
    zip_source_keep(src);
    if (!(za = zip_open_from_source(src, ZIP_TRUNCATE, &ze))) {
        zip_source_free(src);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        zip_int64_t idx;
        size_t len = parts[i].len ? parts[i].len : strlen(parts[i].data);
        if (!(s = zip_source_buffer(za, parts[i].data, len, 0))
            || (idx = zip_file_add(za, parts[i].name, s, ZIP_FL_ENC_UTF_8)) < 0) {
            zip_source_free(s);
            zip_discard(za);
            zip_source_free(src);
            return NULL;
        }
        if (store)
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    if (zip_close(za) != 0) {
        zip_discard(za);
        zip_source_free(src);
        return NULL;
    }
    if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
        out = malloc(st.size ? st.size : 1);
        if (out && zip_source_read(src, out, st.size) != (zip_int64_t)st.size) {
            free(out);
            out = NULL;
        }
        zip_source_close(src);
        *outlen = st.size;
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    return out;
}

#define XZ_NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define XZ_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

/* The workbook of one sheet "Sheet1" as Excel lays it out; NULL parts are left out (a NULL
 * sheet is an empty one). */
static inline char *xz_book(const char *sheet, const char *sst, const char *styles,
                            size_t *outlen)
{
    xz_part parts[6];
    int n = 0;
    parts[n++] = (xz_part){"[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns="
                           "\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
                           0};
    parts[n++] = (xz_part){"xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                           "<workbook " XZ_NS "><sheets><sheet name=\"Sheet1\" sheetId=\"1\" "
                           "r:id=\"rId1\"/></sheets></workbook>", 0};
    parts[n++] = (xz_part){"xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\"?><Relationships "
                           "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                           "<Relationship Id=\"rId1\" Type=\"" XZ_REL "worksheet\" "
                           "Target=\"worksheets/sheet1.xml\"/>"
                           "<Relationship Id=\"rId2\" Type=\"" XZ_REL "sharedStrings\" "
                           "Target=\"sharedStrings.xml\"/>"
                           "<Relationship Id=\"rId3\" Type=\"" XZ_REL "styles\" "
                           "Target=\"styles.xml\"/></Relationships>", 0};
    parts[n++] = (xz_part){"xl/worksheets/sheet1.xml", sheet ? sheet
                           : "<worksheet " XZ_NS "><sheetData/></worksheet>", 0};
    if (sst)
        parts[n++] = (xz_part){"xl/sharedStrings.xml", sst, 0};
    if (styles)
        parts[n++] = (xz_part){"xl/styles.xml", styles, 0};
    return xz_zip(parts, n, 1, outlen);
}

#endif
