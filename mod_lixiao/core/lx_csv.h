/*
 * lx_csv.h: an uploaded CSV file (roster or feed) made ready for PostgreSQL's COPY, which
 * parses it.  Plain C with APR only; unit-tested and fuzzed.
 *
 * Excel writes "CSV UTF-8" with a byte order mark and "CSV" in the system's code page
 * (GB18030 in China); "Unicode text" is UTF-16, which COPY cannot read.  Here the mark goes,
 * UTF-16 is refused, and the encoding COPY is told is chosen: the form's choice, or for
 * "auto" UTF-8 when the file is valid UTF-8 holding only characters XML allows (no NUL, no
 * control characters but tab, CR and LF), GB18030 otherwise.
 */
#ifndef LX_CSV_H
#define LX_CSV_H

#include "apr.h"

typedef enum {
    LX_CSV_OK = 0,
    LX_CSV_UTF16,           /* a UTF-16 byte order mark */
    LX_CSV_BAD_CHOICE       /* an encoding other than auto, utf-8 and gb18030 */
} lx_csv_result;

/* *data and *len: the file, with a NUL after its last byte (it may hold NULs before);
 * without the UTF-8 byte order mark on return.  choice: the form's encoding field ("auto",
 * "utf-8", "gb18030"; NULL or "" mean auto).  On LX_CSV_OK *encoding is "UTF8" or "GB18030",
 * as COPY's ENCODING option spells them. */
lx_csv_result lx_csv_prepare(const char **data, apr_size_t *len, const char *choice,
                             const char **encoding);

#endif
