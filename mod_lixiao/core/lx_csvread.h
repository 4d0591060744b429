/*
 * lx_csvread.h: a CSV file, as Excel and registrars' systems write it, read into an lx_sheet.
 * Plain C with APR pools and iconv; unit-tested and fuzzed.
 *
 * The module parses the file itself, so that no byte of a cell ever reaches PostgreSQL as
 * anything but data (issue 19: "\." ended a COPY early, and psql ran the rest as commands).
 * Lines end in LF, CRLF or a lone CR (old Mac exports), each counted as one physical line: a
 * problem names the line a registrar sees in a text editor, also after a quoted cell that
 * spans lines.  Encodings: a UTF-8 byte order mark is dropped; UTF-16 is refused with the
 * way out; "auto" reads UTF-8 when the file's valid multi-byte UTF-8 sequences outnumber its
 * invalid bytes (a UTF-8 file into which GB18030 rows were pasted is UTF-8 with errors on
 * those lines), GB18030 otherwise.  NUL and the other control characters but tab, CR and LF
 * are refused on their line; a final Ctrl-Z (DOS's end of file) is dropped.
 */
#ifndef LX_CSVREAD_H
#define LX_CSVREAD_H

#include "lx_sheet.h"

/* choice: "auto" (or NULL, ""), "utf-8" or "gb18030"; anything else fails the sheet.  The
 * sheet's rows are the file's records, cells as they are (not trimmed); s->source names the encoding
 * read. */
lx_sheet *lx_csv_read(apr_pool_t *p, const char *data, apr_size_t len, const char *choice);

#endif
