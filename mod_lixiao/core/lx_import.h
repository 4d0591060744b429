/*
 * lx_import.h: one import path for the roster and the feeds, shared by the administrator's
 * upload (action_import.c) and the IT office's command (cli/lixiao-import.c).  Plain C with
 * APR and libpq, no httpd headers.
 *
 *   bytes --lx_import_read--> lx_sheet (CSV: lx_csvread.c; .xlsx: lx_xlsx.c)
 *         --lx_import_map---> the kind's columns by header name, every cell normalised
 *         --lx_import_run---> one transaction: binary COPY into the kind's staging table,
 *                             the SQL checks (lx.roster_check / lx.feed_apply), the merge
 *
 * Cells reach PostgreSQL only as binary COPY fields (a length and the bytes): no byte of a
 * cell can end the data or escape into a command, whatever the file holds.  Any problem,
 * the reader's, the header's or the SQL checks', and nothing is imported; the report is the
 * same list for the page and for the command.
 */
#ifndef LX_IMPORT_H
#define LX_IMPORT_H

#include "lx_sheet.h"
#include <libpq-fe.h>

typedef enum {
    LX_CELL_TEXT,            /* trimmed of Unicode spaces */
    LX_CELL_NUMBER           /* also: full-width digits read as digits (the search's rule) */
} lx_cell_kind;

typedef struct {
    const char *name;       /* the staging column and the English header */
    const char *label;      /* the Chinese header */
    lx_cell_kind kind;
    int secret;             /* a resident ID number: masked in the report */
    const char *alias;      /* another Chinese header it is known by, or NULL */
    const char *loan;       /* an institution's national loan: its code; the cell is staged
                               in the roster's national_loans as {code: cell} */
    int optional;           /* a file may leave the column out (then it changes nothing) */
} lx_col_spec;

typedef struct {
    const char *kind;       /* "roster", "library", "finance", "bank" */
    const char *stage;      /* the staging table */
    int ncols;
    const lx_col_spec *cols;
    int loans;              /* the roster: the loan columns are staged as national_loans */
} lx_import_kind;

/* The kind of that name, or NULL.  The roster's has no institution's loan column: the
 * installation's roster is lx_import_kind_roster's (or lx_import_kind_load's). */
const lx_import_kind *lx_import_kind_get(const char *kind);

/* An institution as the roster knows it: the national code and the name. */
typedef struct {
    const char *code;
    const char *name;
} lx_institution;

/* The roster with one national loan column per institution, in the order given:
 * 国家助学贷款（<name> <code>） or national_loan_<code>, also <name>国家助学贷款. */
const lx_import_kind *lx_import_kind_roster(apr_pool_t *p, const lx_institution *inst, int n);

/* One line of the report: what the page lists and the command prints. */
typedef struct {
    int line;               /* the file's line (0: the file as a whole) */
    const char *col;        /* the column's header name, or NULL */
    const char *value;      /* the cell (a resident ID number masked), or NULL */
    const char *reason;     /* in Chinese */
    int seq;                /* the order it was found in: the sort by line keeps it */
} lx_report_item;

typedef struct {
    const lx_import_kind *kind;
    const char *source;     /* "UTF-8", "GB18030", "xlsx" */
    int nrows;
    int *lines;             /* each row's line */
    const char **cells;     /* nrows x kind->ncols, row by row */
    int nitems, items_cap;
    lx_report_item *items;  /* the problems found so far */
    int structural;         /* the file or its header cannot be read: the SQL checks would
                               only repeat it row by row */
} lx_import_table;

/* The file read: a workbook (by its ZIP signature) or CSV in encoding ("auto", "utf-8",
 * "gb18030"); sheet_name picks a workbook's sheet (NULL: the first). */
lx_sheet *lx_import_read(apr_pool_t *p, const char *data, apr_size_t len,
                         const char *encoding, const char *sheet_name);

/* The sheet's first non-blank row as the header, the rest as the kind's columns. */
lx_import_table *lx_import_map(apr_pool_t *p, const lx_import_kind *kind, const lx_sheet *s);

/* A cell as it is stored: Unicode spaces trimmed; for numbers full-width digits made ASCII.
 * Exposed for the unit tests. */
const char *lx_import_normalise(apr_pool_t *p, const char *text, lx_cell_kind kind);

/* How many fields a row of the COPY data has besides the line: the kind's columns but the
 * loan ones, and the roster's national_loans. */
int lx_import_copy_fields(const lx_import_kind *k);

/* The binary COPY data of the table's rows: (line, the kind's columns but the loans...,
 * national_loans for the roster: {code: cell} of the loan columns the file has). */
const char *lx_import_copy_data(apr_pool_t *p, const lx_import_table *t, apr_size_t *len);

/* How the import reaches the database: the module's lx_db (its deadline, its logs) or the
 * command's own connection.  query returns a result that lives as long as the pool, or NULL
 * (then error() says why in a line for the person); copy returns 0 when it went through. */
typedef struct {
    void *ctx;
    PGresult *(*query)(void *ctx, const char *sql, int nparams, const char *const *params);
    int (*copy)(void *ctx, const char *sql, const char *data, apr_size_t len);
    const char *(*error)(void *ctx);
} lx_import_io;

typedef enum {
    LX_IMPORT_DONE = 0,     /* committed: out->inserted... say what changed */
    LX_IMPORT_REFUSED,      /* the report lists why; nothing was imported */
    LX_IMPORT_FAILED        /* the database failed: io->error says why; rolled back */
} lx_import_result;

typedef struct {
    int inserted, updated, unchanged, states;   /* a roster */
    int changed;                                /* a feed: the steps changed */
} lx_import_outcome;

/* The kind as this installation has it: the roster with the institutions of lx.institution,
 * read through io; a feed as lx_import_kind_get's.  NULL with *failed set when the database
 * failed (io->error says why), NULL alone for an unknown kind. */
const lx_import_kind *lx_import_kind_load(apr_pool_t *p, const char *kind,
                                          const lx_import_io *io, int *failed);

/* One transaction: stage, check, merge or roll back.  import_id: the request's id (the
 * event log's request id); login, addr: who imports (addr may be NULL). */
lx_import_result lx_import_run(apr_pool_t *p, const lx_import_io *io, lx_import_table *t,
                               const char *import_id, const char *login, const char *addr,
                               lx_import_outcome *out);

/* "430102********123X": a resident ID number as the report shows it. */
const char *lx_import_mask(apr_pool_t *p, const char *id);

#endif
