/*
 * lx_export.h: a cell of an export for spreadsheets, made safe.  Plain C; unit-tested.
 *
 * Leaders open the exports in Excel, which runs a cell that starts with =, +, -, @ (and after
 * a tab or CR) as a formula: =HYPERLINK(...) in a student's name or a class name would run
 * there (OWASP "CSV injection").  Every text cell of every export passes lx_export_text; the
 * columns that are numbers stay numbers and are not guarded.
 */
#ifndef LX_EXPORT_H
#define LX_EXPORT_H

#include "apr_pools.h"

/* 1 when a spreadsheet would read text as a formula. */
int lx_export_formula(const char *text);

/* The text a spreadsheet shows as it is: with a leading apostrophe where it would be a
 * formula (Excel hides the apostrophe and keeps the cell text). */
const char *lx_export_text(apr_pool_t *p, const char *text);

/* One CSV field: the text (guarded when is_text) quoted when it needs it, quotes doubled. */
const char *lx_export_csv_field(apr_pool_t *p, const char *value, int is_text);

/* The width of UTF-8 text in a spreadsheet's columns: 1 for ASCII, 2 for any other character
 * (the export's are Chinese: full width). */
int lx_export_width(const char *text);

/* The value of Content-Disposition for a download named name (UTF-8, Chinese) with ext:
 * filename="ascii.ext" for old clients and filename*=UTF-8''... (RFC 6266, RFC 5987). */
const char *lx_export_disposition(apr_pool_t *p, const char *ascii, const char *name,
                                  const char *ext);

#endif
