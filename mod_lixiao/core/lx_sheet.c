/*
 * lx_sheet.c: see lx_sheet.h.
 */
#include "lx_sheet.h"

#include "apr_strings.h"

#include <string.h>

lx_sheet *lx_sheet_new(apr_pool_t *p)
{
    lx_sheet *s = apr_pcalloc(p, sizeof(*s));
    s->pool = p;
    return s;
}

void *lx_sheet_grow(apr_pool_t *p, void *old, int *cap, int need, apr_size_t size)
{
    void *fresh;
    int n = *cap ? *cap : 16;
    if (need <= *cap)
        return old;
    while (n < need)
        n *= 2;
    fresh = apr_palloc(p, (apr_size_t)n * size);
    if (old)
        memcpy(fresh, old, (apr_size_t)*cap * size);
    *cap = n;
    return fresh;
}

lx_row *lx_sheet_add_row(lx_sheet *s, int line)
{
    lx_row *row;
    if (s->nrows >= LX_SHEET_MAX_ROWS) {
        if (!s->fatal)
            lx_sheet_fail(s, apr_psprintf(s->pool, "文件超过 %d 行，请分批导入",
                                          LX_SHEET_MAX_ROWS));
        return NULL;
    }
    s->rows = lx_sheet_grow(s->pool, s->rows, &s->rows_cap, s->nrows + 1, sizeof(*s->rows));
    row = &s->rows[s->nrows++];
    row->line = line;
    row->ncells = 0;
    row->cells = NULL;
    return row;
}

int lx_sheet_add_cell(lx_sheet *s, lx_row *row, int line, const char *text, apr_size_t len)
{
    /* rows are few cells wide: each gets its own block of LX_SHEET_MAX_COLS at most */
    if (row->ncells >= LX_SHEET_MAX_COLS) {
        if (row->ncells == LX_SHEET_MAX_COLS)
            lx_sheet_problem(s, line, -1, NULL,
                             apr_psprintf(s->pool, "一行最多 %d 列", LX_SHEET_MAX_COLS));
        row->ncells++;      /* counted once past the limit, so the problem is said once */
        return -1;
    }
    if (row->ncells == 0 || (row->ncells & (row->ncells - 1)) == 0) {
        int cap = row->ncells ? row->ncells * 2 : 8;
        lx_cell *fresh = apr_palloc(s->pool, (apr_size_t)cap * sizeof(*fresh));
        if (row->ncells)
            memcpy(fresh, row->cells, (apr_size_t)row->ncells * sizeof(*fresh));
        row->cells = fresh;
    }
    row->cells[row->ncells].line = line;
    row->cells[row->ncells].text = apr_pstrmemdup(s->pool, text, len);
    row->ncells++;
    return 0;
}

void lx_sheet_problem(lx_sheet *s, int line, int col, const char *value, const char *reason)
{
    lx_problem *pr;
    if (s->nproblems > LX_SHEET_MAX_PROBLEMS)
        return;
    s->problems = lx_sheet_grow(s->pool, s->problems, &s->problems_cap, s->nproblems + 1,
                          sizeof(*s->problems));
    pr = &s->problems[s->nproblems++];
    if (s->nproblems > LX_SHEET_MAX_PROBLEMS) {
        pr->line = line;
        pr->col = -1;
        pr->value = NULL;
        pr->reason = apr_psprintf(s->pool, "问题超过 %d 处，其余未列出", LX_SHEET_MAX_PROBLEMS);
        return;
    }
    pr->line = line;
    pr->col = col;
    pr->value = value ? apr_pstrdup(s->pool, value) : NULL;
    pr->reason = apr_pstrdup(s->pool, reason);
}

void lx_sheet_fail(lx_sheet *s, const char *reason)
{
    s->fatal = 1;
    lx_sheet_problem(s, 0, -1, NULL, reason);
}

const char *lx_sheet_text(const lx_row *row, int col)
{
    return col >= 0 && col < row->ncells && col < LX_SHEET_MAX_COLS ? row->cells[col].text : "";
}

int lx_sheet_row_blank(const lx_row *row)
{
    int i;
    for (i = 0; i < row->ncells && i < LX_SHEET_MAX_COLS; i++)
        if (row->cells[i].text[0])
            return 0;
    return 1;
}
