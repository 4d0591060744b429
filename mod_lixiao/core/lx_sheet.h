/*
 * lx_sheet.h: a table read from an uploaded file (CSV or an Excel workbook), before any of
 * its cells means anything.  The readers (lx_csvread.c, lx_xlsx.c) fill it; the import
 * (lx_import.c) maps its header to the columns it knows and checks the cells.  Plain C with
 * APR pools only; unit-tested and fuzzed.
 *
 * Every cell is valid UTF-8 without NUL, as the person saw it in the spreadsheet, with the
 * line a registrar finds it on: the physical line of the file where the cell starts (a
 * quoted cell may span lines) for CSV, the row number Excel shows for a workbook.  What a
 * reader could not read becomes a problem with that line, never a silently dropped row.
 */
#ifndef LX_SHEET_H
#define LX_SHEET_H

#include "apr_pools.h"

typedef struct {
    int line;               /* the physical line (CSV) or the row number (xlsx) */
    const char *text;       /* UTF-8, NUL-terminated, never NULL ("" for an empty cell) */
} lx_cell;

typedef struct {
    int line;               /* the line of the row's first cell */
    int ncells;
    lx_cell *cells;
} lx_row;

/* What could not be read, or is wrong: the reason in Chinese, for the report. */
typedef struct {
    int line;               /* 0: the file as a whole */
    int col;                /* 0-based column of the sheet, or -1 */
    const char *value;      /* the cell as read, or NULL */
    const char *reason;
} lx_problem;

typedef struct {
    apr_pool_t *pool;
    int nrows, rows_cap;
    lx_row *rows;
    int nproblems, problems_cap;
    lx_problem *problems;
    int fatal;              /* 1: the file could not be read at all (the problems say why) */
    const char *source;     /* how it was read, for the report: "UTF-8", "GB18030", "xlsx" */
} lx_sheet;

/* Limits every reader holds to: a roster of a large university is some 30,000 rows. */
#define LX_SHEET_MAX_ROWS     200000
#define LX_SHEET_MAX_COLS     64
#define LX_SHEET_MAX_CELL     4096      /* bytes of one cell */
#define LX_SHEET_MAX_PROBLEMS 1000      /* a report longer than this says so and stops */

lx_sheet *lx_sheet_new(apr_pool_t *p);

/* An array of the pool with room for need elements of size bytes: old itself, or a block
 * twice as large (at least 16) holding its *cap elements; *cap is updated.  The readers'
 * and the import's growing lists all use it; the old block stays in the pool. */
void *lx_sheet_grow(apr_pool_t *p, void *old, int *cap, int need, apr_size_t size);

/* A new row starting on `line`; NULL (and a problem) past LX_SHEET_MAX_ROWS. */
lx_row *lx_sheet_add_row(lx_sheet *s, int line);

/* Appends a cell to row; text is copied.  0, or -1 (and a problem) past LX_SHEET_MAX_COLS. */
int lx_sheet_add_cell(lx_sheet *s, lx_row *row, int line, const char *text, apr_size_t len);

/* Records a problem; value and reason are copied.  Past LX_SHEET_MAX_PROBLEMS the last one
 * says that there are more. */
void lx_sheet_problem(lx_sheet *s, int line, int col, const char *value, const char *reason);

/* A problem that ends the reading: the file as a whole cannot be read. */
void lx_sheet_fail(lx_sheet *s, const char *reason);

/* The cell text of row at col, "" when the row is shorter. */
const char *lx_sheet_text(const lx_row *row, int col);

/* 1 when every cell of the row is empty (Excel leaves such rows at the end of a sheet). */
int lx_sheet_row_blank(const lx_row *row);

#endif
