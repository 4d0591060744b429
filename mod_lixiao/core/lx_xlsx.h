/*
 * lx_xlsx.h: an Excel workbook (.xlsx) read into an lx_sheet.
 */
#ifndef LX_XLSX_H
#define LX_XLSX_H

#include "lx_sheet.h"

/* The sheet of that name (NULL or "": the first); problems and failures in the sheet. */
lx_sheet *lx_xlsx_read(apr_pool_t *p, const char *data, apr_size_t len, const char *sheet_name);

/* 1 when data starts like a ZIP archive. */
int lx_xlsx_sniff(const char *data, apr_size_t len);

#endif
