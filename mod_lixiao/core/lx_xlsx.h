/*
 * lx_xlsx.h: an Excel workbook (.xlsx) held in memory, read into an lx_sheet, so that a
 * registrar can import the roster their 教务系统 exports without saving it as CSV first.
 * Plain C with APR pools, libzip for the container and libxml2's xmlReader for its XML
 * parts; unit-tested and fuzzed.
 *
 * One worksheet is read: cells become the text a person sees in Excel (shared and inline
 * strings, cached formula results, TRUE/FALSE, dates as YYYY-MM-DD, numbers to Excel's 15
 * significant digits, zero-padded formats with their zeros).  What Excel itself has lost or
 * cannot show (an ID number typed as a number, an error value, a formula never calculated)
 * is a problem on that cell rather than a wrong value.  A file that is not a workbook, an
 * old .xls, an encrypted workbook, a part larger than the caps below (a zip bomb: declared
 * and actual sizes are both checked) or XML with a DOCTYPE fails the sheet as a whole.
 */
#ifndef LX_XLSX_H
#define LX_XLSX_H

#include "apr_pools.h"
#include "lx_sheet.h"

/* Bytes one XML part may hold uncompressed, and all parts read together (a sheet of
 * LX_SHEET_MAX_ROWS rows of ten cells is some 80 MB of XML). */
#define LX_XLSX_MAX_PART  (100u << 20)
#define LX_XLSX_MAX_TOTAL (200u << 20)

/* The sheet named sheet_name of the workbook in data (len bytes), or the first sheet in the
 * workbook's order when sheet_name is NULL or "".  Always a sheet: a fatal problem says why
 * the file could not be read. */
lx_sheet *lx_xlsx_read(apr_pool_t *p, const char *data, apr_size_t len, const char *sheet_name);

/* 1 when data starts like a ZIP archive (PK\3\4), as every .xlsx does. */
int lx_xlsx_sniff(const char *data, apr_size_t len);

#endif
