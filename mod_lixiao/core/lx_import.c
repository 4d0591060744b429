/*
 * lx_import.c: see lx_import.h.  The kinds and their columns, the header mapped by name, the
 * cells normalised, the binary COPY data, and the one transaction of an import.
 */
#include "lx_import.h"
#include "lx_csvread.h"
#include "lx_json.h"
#include "lx_query.h"
#include "lx_xlsx.h"

#include "apr_strings.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* a fixed column: required, under its Chinese or English header */
#define LX_COL(n, l, k, sec) {n, l, k, sec, NULL, NULL, 0}

/* The roster's columns; the national loans (one column per institution) come after
 * LX_ROSTER_LOANS_AT of them, in lx_import_kind_roster. */
static const lx_col_spec lx_roster_cols[] = {
    LX_COL("student_no", "学号", LX_CELL_NUMBER, 0), LX_COL("name", "姓名", LX_CELL_TEXT, 0),
    LX_COL("gender", "性别", LX_CELL_TEXT, 0), LX_COL("id_type", "证件类型", LX_CELL_TEXT, 0),
    LX_COL("id_number", "证件号码", LX_CELL_NUMBER, 1),
    LX_COL("college", "学院代码", LX_CELL_NUMBER, 0),
    LX_COL("class", "班级代码", LX_CELL_NUMBER, 0),
    LX_COL("class_name", "班级名称", LX_CELL_TEXT, 0),
    LX_COL("programme", "培养层次", LX_CELL_TEXT, 0), LX_COL("year", "届", LX_CELL_NUMBER, 0),
    LX_COL("building", "宿舍楼", LX_CELL_TEXT, 0), LX_COL("room", "房间号", LX_CELL_TEXT, 0),
    LX_COL("party_member", "党员", LX_CELL_TEXT, 0),
    LX_COL("league_member", "团员", LX_CELL_TEXT, 0),
    LX_COL("must_return_instruments", "需归还教学仪器", LX_CELL_TEXT, 0),
    LX_COL("source_loan", "生源地助学贷款", LX_CELL_TEXT, 0),
    LX_COL("borrowed_switch", "借用交换机", LX_CELL_TEXT, 0),
    LX_COL("certificates_deferred", "暂缓发放两证", LX_CELL_TEXT, 0),
    LX_COL("hukou_moved", "户口迁入学校", LX_CELL_TEXT, 0),
};
#define LX_ROSTER_LOANS_AT 15
/* the feeds stage into c1..c3; the English header is the push API's field name */
static const lx_col_spec lx_library_cols[] = {
    LX_COL("c1", "学号", LX_CELL_NUMBER, 0), LX_COL("c2", "借阅册数", LX_CELL_NUMBER, 0),
    LX_COL("c3", "欠款", LX_CELL_NUMBER, 0),
};
static const lx_col_spec lx_finance_cols[] = {
    LX_COL("c1", "学号", LX_CELL_NUMBER, 0), LX_COL("c2", "欠费", LX_CELL_NUMBER, 0),
};
static const lx_col_spec lx_bank_cols[] = {
    LX_COL("c1", "学号", LX_CELL_NUMBER, 0), LX_COL("c2", "已还款", LX_CELL_TEXT, 0),
};
static const char *const lx_feed_english[][3] = {
    {"student_no", "loans", "fines"}, {"student_no", "arrears", NULL},
    {"student_no", "repaid", NULL},
};

#define LX_KIND(k, t, c, l) {k, t, (int)(sizeof(c) / sizeof(c[0])), c, l}
static const lx_import_kind lx_kinds[] = {
    LX_KIND("roster", "lx.roster_stage", lx_roster_cols, 1),
    LX_KIND("library", "lx.feed_stage", lx_library_cols, 0),
    LX_KIND("finance", "lx.feed_stage", lx_finance_cols, 0),
    LX_KIND("bank", "lx.feed_stage", lx_bank_cols, 0),
};

const lx_import_kind *lx_import_kind_get(const char *kind)
{
    apr_size_t i;
    for (i = 0; kind && i < sizeof(lx_kinds) / sizeof(lx_kinds[0]); i++)
        if (strcmp(lx_kinds[i].kind, kind) == 0)
            return &lx_kinds[i];
    return NULL;
}

const lx_import_kind *lx_import_kind_roster(apr_pool_t *p, const lx_institution *inst, int n)
{
    const int nfixed = (int)(sizeof(lx_roster_cols) / sizeof(lx_roster_cols[0]));
    lx_import_kind *k = apr_pmemdup(p, &lx_kinds[0], sizeof(*k));
    lx_col_spec *cols = apr_palloc(p, sizeof(*cols) * (apr_size_t)(nfixed + n));
    int i;

    memcpy(cols, lx_roster_cols, sizeof(*cols) * LX_ROSTER_LOANS_AT);
    for (i = 0; i < n; i++) {
        lx_col_spec *c = &cols[LX_ROSTER_LOANS_AT + i];
        c->name = apr_pstrcat(p, "national_loan_", inst[i].code, NULL);
        /* the fact's name (sql/functions/setup.sql lx.loan_fact_name): the SQL checks' too */
        c->label = apr_psprintf(p, "国家助学贷款（%s %s）", inst[i].name, inst[i].code);
        c->alias = apr_pstrcat(p, inst[i].name, "国家助学贷款", NULL);
        c->kind = LX_CELL_TEXT;
        c->secret = 0;
        c->loan = inst[i].code;
        c->optional = 1;
    }
    memcpy(&cols[LX_ROSTER_LOANS_AT + n], &lx_roster_cols[LX_ROSTER_LOANS_AT],
           sizeof(*cols) * (apr_size_t)(nfixed - LX_ROSTER_LOANS_AT));
    k->cols = cols;
    k->ncols = nfixed + n;
    return k;
}

const lx_import_kind *lx_import_kind_load(apr_pool_t *p, const char *kind,
                                          const lx_import_io *io, int *failed)
{
    PGresult *res;
    lx_institution *inst;
    int i, n;

    *failed = 0;
    if (!kind || strcmp(kind, "roster") != 0)
        return lx_import_kind_get(kind);
    /* retired ones too: their column is read, and the SQL checks refuse a new loan there */
    res = io->query(io->ctx, "SELECT code, name FROM lx.institution ORDER BY code", 0, NULL);
    if (!res) {
        *failed = 1;
        return NULL;
    }
    n = PQntuples(res);
    inst = apr_palloc(p, sizeof(*inst) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        inst[i].code = apr_pstrdup(p, PQgetvalue(res, i, 0));
        inst[i].name = apr_pstrdup(p, PQgetvalue(res, i, 1));
    }
    return lx_import_kind_roster(p, inst, n);
}

/* The English header of a kind's column: the staging column, or for a feed the API's field. */
static const char *lx_english(const lx_import_kind *k, int col)
{
    if (strcmp(k->kind, "library") == 0)
        return lx_feed_english[0][col];
    if (strcmp(k->kind, "finance") == 0)
        return lx_feed_english[1][col];
    if (strcmp(k->kind, "bank") == 0)
        return lx_feed_english[2][col];
    return k->cols[col].name;
}

lx_sheet *lx_import_read(apr_pool_t *p, const char *data, apr_size_t len,
                         const char *encoding, const char *sheet_name)
{
    lx_sheet *s;
    /* a ZIP is a workbook; an OLE file an old .xls or an encrypted workbook, which the
     * workbook reader tells apart and explains */
    if (lx_xlsx_sniff(data, len)
        || (len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)) {
        s = lx_xlsx_read(p, data, len, sheet_name);
        s->source = "xlsx";
        return s;
    }
    return lx_csv_read(p, data, len, encoding);
}

/* Length of the Unicode space at s, 0 when there is none: ASCII white space, NBSP, the
 * U+2000 block's spaces, the ideographic space of Chinese input methods, and the
 * zero-width ones spreadsheets carry in (U+200B, U+FEFF). */
static apr_size_t lx_space_len(const unsigned char *s)
{
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')
        return 1;
    if (s[0] == 0xC2 && s[1] == 0xA0)
        return 2;                                           /* U+00A0 */
    if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3;                                           /* U+1680 */
    if (s[0] == 0xE2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8B) || s[2] == 0xA8
                                         || s[2] == 0xA9 || s[2] == 0xAF))
        return 3;                                           /* U+2000..200B, 2028, 2029, 202F */
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;                                           /* U+205F */
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;                                           /* U+3000 */
    if (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        return 3;                                           /* U+FEFF */
    return 0;
}

/* Whether the UTF-8 sequence ending just before end is a space; its length in *n. */
static int lx_space_before(const unsigned char *start, const unsigned char *end, apr_size_t *n)
{
    apr_size_t k;
    for (k = 1; k <= 3 && end - k >= start; k++)
        if (lx_space_len(end - k) == k) {
            *n = k;
            return 1;
        }
    return 0;
}

const char *lx_import_normalise(apr_pool_t *p, const char *text, lx_cell_kind kind)
{
    const unsigned char *s = (const unsigned char *)text, *end = s + strlen(text);
    apr_size_t n;
    const char *out;

    while (s < end && (n = lx_space_len(s)) > 0)
        s += n;
    while (end > s && lx_space_before(s, end, &n))
        end -= n;
    out = apr_pstrmemdup(p, (const char *)s, (apr_size_t)(end - s));
    /* the search's rule (lx_query.c): a number typed with full-width digits is that number */
    return kind == LX_CELL_NUMBER ? lx_query_halfwidth(p, out) : out;
}

const char *lx_import_mask(apr_pool_t *p, const char *id)
{
    apr_size_t n = strlen(id), i;
    char *m;
    for (i = 0; i < n; i++)
        if ((unsigned char)id[i] >= 0x80)
            return "******";                    /* not an ID's characters: show none */
    m = apr_pstrdup(p, id);
    /* as lx.student_sheet's id_masked: the region and the last four stay, the birth date goes */
    for (i = 0; i < n; i++)
        if (n >= 14 ? i >= 6 && i < n - 4 : i + 4 < n)
            m[i] = '*';
    return m;
}

static void lx_item(lx_import_table *t, apr_pool_t *p, int line, const char *col,
                    const char *value, const char *reason)
{
    lx_report_item *it;
    t->items = lx_sheet_grow(p, t->items, &t->items_cap, t->nitems + 1, sizeof(*t->items));
    it = &t->items[t->nitems++];
    it->line = line;
    it->col = col;
    it->value = value;
    it->reason = reason;
    it->seq = t->nitems;
}

/* The column of the kind a header cell names (Chinese or English, case and spaces aside). */
static int lx_header_col(const lx_import_kind *k, const char *h)
{
    int i;
    for (i = 0; i < k->ncols; i++)
        if (strcmp(h, k->cols[i].label) == 0 || strcasecmp(h, lx_english(k, i)) == 0
            || (k->cols[i].alias && strcmp(h, k->cols[i].alias) == 0))
            return i;
    return -1;
}

/* The header row: which sheet column holds which of the kind's columns (map[sheet col]). */
static int *lx_map_header(apr_pool_t *p, lx_import_table *t, const lx_sheet *s,
                          const lx_row *head)
{
    const lx_import_kind *k = t->kind;
    int *map = apr_palloc(p, sizeof(int) * (LX_SHEET_MAX_COLS + 1));
    int *seen = apr_pcalloc(p, sizeof(int) * k->ncols);
    int c, i;

    for (c = 0; c <= LX_SHEET_MAX_COLS; c++)
        map[c] = -1;

    for (c = 0; c < head->ncells && c < LX_SHEET_MAX_COLS; c++) {
        const char *h = lx_import_normalise(p, lx_sheet_text(head, c), LX_CELL_TEXT);
        int col = lx_header_col(k, h);
        map[c] = col;
        if (col >= 0 && seen[col]) {
            lx_item(t, p, head->line, k->cols[col].label, h,
                    apr_psprintf(p, "表头中“%s”列出现了两次", k->cols[col].label));
            t->structural = 1;
        }
        else if (col >= 0) {
            seen[col] = c + 1;
        }
        else if (*h) {
            lx_item(t, p, head->line, h, NULL,
                    apr_psprintf(p, "多出的列“%s”：导入说明中没有这一列，请删去或改正表头", h));
            t->structural = 1;
        }
        else {
            /* an unnamed column: only allowed empty (Excel's trailing columns) */
            for (i = 0; i < s->nrows; i++)
                if (*lx_sheet_text(&s->rows[i], c) && &s->rows[i] != head) {
                    lx_item(t, p, head->line, NULL, NULL,
                            apr_psprintf(p, "第 %d 列有内容但没有表头", c + 1));
                    t->structural = 1;
                    break;
                }
        }
    }
    for (i = 0; i < k->ncols; i++)
        if (!seen[i] && !k->cols[i].optional) {
            lx_item(t, p, head->line, k->cols[i].label, NULL,
                    apr_psprintf(p, "缺少“%s”列（表头可写“%s”或“%s”）", k->cols[i].label,
                                 k->cols[i].label, lx_english(k, i)));
            t->structural = 1;
        }
    return map;
}

/* A reader's problem as a report item: the column by its header name when it has one. */
static void lx_reader_item(apr_pool_t *p, lx_import_table *t, const lx_problem *pr,
                           const lx_row *head, const int *map)
{
    const char *col = NULL, *value = pr->value;
    /* a row counts its cells past LX_SHEET_MAX_COLS (lx_sheet.c) but holds no more */
    if (pr->col >= 0 && head && pr->col < head->ncells && pr->col < LX_SHEET_MAX_COLS) {
        if (map && map[pr->col] >= 0) {
            col = t->kind->cols[map[pr->col]].label;
            if (value && t->kind->cols[map[pr->col]].secret)
                value = lx_import_mask(p, value);
        }
        else {
            col = lx_sheet_text(head, pr->col);
        }
    }
    else if (pr->col >= 0) {
        col = apr_psprintf(p, "第 %d 列", pr->col + 1);
    }
    lx_item(t, p, pr->line, col, value, pr->reason);
}

/* Whether the reader reported a problem on one of the row's lines. */
static int lx_row_has_problem(const lx_sheet *s, const lx_row *row)
{
    int last = row->ncells ? row->cells[row->ncells < LX_SHEET_MAX_COLS ? row->ncells - 1
                                                                        : LX_SHEET_MAX_COLS - 1]
                                 .line
                           : row->line, i;
    for (i = 0; i < s->nproblems; i++)
        if (s->problems[i].line >= row->line && s->problems[i].line <= last)
            return 1;
    return 0;
}

lx_import_table *lx_import_map(apr_pool_t *p, const lx_import_kind *kind, const lx_sheet *s)
{
    lx_import_table *t = apr_pcalloc(p, sizeof(*t));
    const lx_row *head = NULL;
    int *map = NULL, i, c, r0 = 0, nc = kind->ncols, seen = 0;

    t->kind = kind;
    t->source = s->source;
    while (r0 < s->nrows && lx_sheet_row_blank(&s->rows[r0]))
        r0++;
    if (!s->fatal && r0 < s->nrows) {
        head = &s->rows[r0];
        map = lx_map_header(p, t, s, head);
    }
    for (i = 0; i < s->nproblems; i++)
        lx_reader_item(p, t, &s->problems[i], head, map);
    if (s->fatal) {
        t->structural = 1;
        return t;
    }
    if (!head) {
        lx_item(t, p, 0, NULL, NULL, "文件是空的：第一行应为表头，其后每行一名学生");
        t->structural = 1;
        return t;
    }
    t->lines = apr_palloc(p, sizeof(int) * (s->nrows - r0));
    t->cells = apr_palloc(p, sizeof(char *) * (apr_size_t)(s->nrows - r0) * nc);
    for (i = r0 + 1; i < s->nrows; i++) {
        const lx_row *row = &s->rows[i];
        const char **out;
        int short_row = 0;
        if (lx_sheet_row_blank(row))
            continue;
        seen++;
        out = &t->cells[(apr_size_t)t->nrows * nc];
        for (c = 0; c < nc; c++)
            out[c] = NULL;
        for (c = 0; c < head->ncells && c < LX_SHEET_MAX_COLS; c++) {
            if (map[c] < 0)
                continue;
            if (c >= row->ncells) {
                /* a short row: the first column it lacks is named, the rest follow */
                lx_item(t, p, row->line, kind->cols[map[c]].label, NULL,
                        apr_psprintf(p, "本行只有 %d 列，缺少“%s”及其后的列", row->ncells,
                                     kind->cols[map[c]].label));
                short_row = 1;
                break;
            }
            out[map[c]] = lx_import_normalise(p, row->cells[c].text, kind->cols[map[c]].kind);
        }
        for (c = head->ncells; c < row->ncells && c < LX_SHEET_MAX_COLS; c++)
            if (*lx_import_normalise(p, row->cells[c].text, LX_CELL_TEXT)) {
                lx_item(t, p, row->cells[c].line, apr_psprintf(p, "第 %d 列", c + 1), NULL,
                        apr_psprintf(p, "本行多出内容：表头只有 %d 列", head->ncells));
                break;
            }
        /* a short row, or one the reader found wrong, is not staged: the SQL checks would
         * only say again, cell by cell, what the report already says of the row */
        if (!short_row && !lx_row_has_problem(s, row))
            t->lines[t->nrows++] = row->line;
    }
    if (seen == 0) {
        lx_item(t, p, head->line, NULL, NULL, "文件中没有学生数据：表头之后没有内容");
        t->structural = 1;
    }
    return t;
}

/* ---- binary COPY: a length and the bytes for each field, nothing to escape ---- */

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t used, cap;
} lx_buf;

static void lx_buf_put(lx_buf *b, const void *s, apr_size_t n)
{
    if (b->used + n > b->cap) {
        apr_size_t cap = (b->cap + n) * 2;
        char *fresh = apr_palloc(b->p, cap);
        if (b->used)
            memcpy(fresh, b->buf, b->used);
        b->buf = fresh;
        b->cap = cap;
    }
    memcpy(b->buf + b->used, s, n);
    b->used += n;
}

static void lx_buf_be(lx_buf *b, unsigned long v, int bytes)
{
    unsigned char o[4];
    int i;
    for (i = 0; i < bytes; i++)
        o[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    lx_buf_put(b, o, (apr_size_t)bytes);
}

/* The row's loan cells as the roster stages them: {"<code>": "<cell>", ...}, the columns the
 * file has only. */
static const char *lx_loans_json(apr_pool_t *p, const lx_import_kind *k, const char **row)
{
    const char *json = "{";
    int c, first = 1;
    for (c = 0; c < k->ncols; c++)
        if (k->cols[c].loan && row[c]) {
            json = apr_pstrcat(p, json, first ? "" : ",", lx_json_string(p, k->cols[c].loan),
                               ":", lx_json_string(p, row[c]), NULL);
            first = 0;
        }
    return apr_pstrcat(p, json, "}", NULL);
}

static void lx_copy_field(lx_buf *b, const char *v)
{
    if (!v) {
        lx_buf_be(b, 0xFFFFFFFFUL, 4);                  /* NULL */
        return;
    }
    lx_buf_be(b, (unsigned long)strlen(v), 4);
    lx_buf_put(b, v, strlen(v));
}

int lx_import_copy_fields(const lx_import_kind *k)
{
    int c, n = 0;
    for (c = 0; c < k->ncols; c++)
        n += !k->cols[c].loan;
    return n + (k->loans ? 1 : 0);
}

const char *lx_import_copy_data(apr_pool_t *p, const lx_import_table *t, apr_size_t *len)
{
    lx_buf b = {p, NULL, 0, 0};
    const lx_import_kind *k = t->kind;
    int i, c, nc = k->ncols;

    /* the signature, the flags and the header extension's length (PostgreSQL's COPY docs) */
    lx_buf_put(&b, "PGCOPY\n\377\r\n\0", 11);
    lx_buf_be(&b, 0, 4);
    lx_buf_be(&b, 0, 4);
    for (i = 0; i < t->nrows; i++) {
        const char **row = &t->cells[(apr_size_t)i * nc];
        lx_buf_be(&b, (unsigned long)(lx_import_copy_fields(k) + 1), 2);
        lx_buf_be(&b, 4, 4);                            /* line: int4 */
        lx_buf_be(&b, (unsigned long)t->lines[i], 4);
        for (c = 0; c < nc; c++)
            if (!k->cols[c].loan)
                lx_copy_field(&b, row[c]);
        if (k->loans)
            lx_copy_field(&b, lx_loans_json(p, k, row));
    }
    lx_buf_be(&b, 0xFFFF, 2);                           /* the trailer */
    *len = b.used;
    return b.buf;
}

/* ---- the transaction ---- */

static const char *lx_copy_sql(apr_pool_t *p, const lx_import_kind *k)
{
    const char *cols = "line";
    int i;
    for (i = 0; i < k->ncols; i++)
        if (!k->cols[i].loan)
            cols = apr_pstrcat(p, cols, ", ", k->cols[i].name, NULL);
    if (k->loans)
        cols = apr_pstrcat(p, cols, ", national_loans", NULL);
    return apr_psprintf(p, "COPY %s (%s) FROM STDIN WITH (FORMAT binary)", k->stage, cols);
}

/* The SQL checks' rows (line, col, value, reason) join the report. */
static void lx_items_from(apr_pool_t *p, lx_import_table *t, const PGresult *res)
{
    int i;
    for (i = 0; i < PQntuples(res); i++)
        lx_item(t, p, atoi(PQgetvalue(res, i, 0)),
                PQgetisnull(res, i, 1) ? NULL : apr_pstrdup(p, PQgetvalue(res, i, 1)),
                PQgetisnull(res, i, 2) ? NULL : apr_pstrdup(p, PQgetvalue(res, i, 2)),
                apr_pstrdup(p, PQgetvalue(res, i, 3)));
}

static int lx_item_cmp(const void *a, const void *b)
{
    const lx_report_item *x = a, *y = b;
    return x->line != y->line ? (x->line > y->line) - (x->line < y->line)
                              : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The report in the file's order: the readers' findings and the SQL checks' together. */
static void lx_sort_items(lx_import_table *t)
{
    qsort(t->items, (size_t)t->nitems, sizeof(*t->items), lx_item_cmp);
}

static lx_import_result lx_fail_tx(const lx_import_io *io)
{
    io->query(io->ctx, "ROLLBACK", 0, NULL);
    return LX_IMPORT_FAILED;
}

/* Roster: check, then merge.  LX_IMPORT_DONE with the counts, or refused. */
static lx_import_result lx_run_roster(apr_pool_t *p, const lx_import_io *io,
                                      lx_import_table *t, const char *const params[3],
                                      lx_import_outcome *out)
{
    PGresult *res = io->query(io->ctx, "SELECT * FROM lx.roster_check($1)", 1, params);
    if (!res)
        return lx_fail_tx(io);
    lx_items_from(p, t, res);
    if (t->nitems > 0)
        return LX_IMPORT_REFUSED;
    res = io->query(io->ctx, "SELECT inserted, updated, unchanged, states "
                             "FROM lx.roster_merge($1, $2, $3, true)", 3, params);
    if (!res || PQntuples(res) != 1)
        return lx_fail_tx(io);
    out->inserted = atoi(PQgetvalue(res, 0, 0));
    out->updated = atoi(PQgetvalue(res, 0, 1));
    out->unchanged = atoi(PQgetvalue(res, 0, 2));
    out->states = atoi(PQgetvalue(res, 0, 3));
    return LX_IMPORT_DONE;
}

/* A feed: the staged rows as the push API's document, applied by lx.feed_apply, which
 * checks every record and changes nothing when one is wrong. */
static lx_import_result lx_run_feed(apr_pool_t *p, const lx_import_io *io, lx_import_table *t,
                                    const char *const params[3], lx_import_outcome *out)
{
    const char *fp[4] = {params[0], t->kind->kind, params[2], params[0]};
    PGresult *res;

    if (t->nitems > 0)
        return LX_IMPORT_REFUSED;
    res = io->query(io->ctx, "SELECT ok, changed, errors::text "
                             "FROM lx.feed_apply($2, lx.feed_document($1, $2), $3, $4)", 4, fp);
    if (!res || PQntuples(res) != 1)
        return lx_fail_tx(io);
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        const char *rp[2] = {params[0], PQgetvalue(res, 0, 2)};
        PGresult *rows = io->query(io->ctx, "SELECT * FROM lx.feed_report($1, $2::jsonb)", 2,
                                   rp);
        if (!rows)
            return lx_fail_tx(io);
        lx_items_from(p, t, rows);
        return LX_IMPORT_REFUSED;
    }
    out->changed = atoi(PQgetvalue(res, 0, 1));
    return LX_IMPORT_DONE;
}

lx_import_result lx_import_run(apr_pool_t *p, const lx_import_io *io, lx_import_table *t,
                               const char *import_id, const char *login, const char *addr,
                               lx_import_outcome *out)
{
    const char *params[3] = {import_id, login, addr};
    const char *data;
    apr_size_t len;
    lx_import_result rc;

    memset(out, 0, sizeof(*out));
    /* nothing left to stage: every row has a problem of its own, which the report says */
    if (t->structural || t->nrows == 0) {
        lx_sort_items(t);
        return LX_IMPORT_REFUSED;
    }
    if (!io->query(io->ctx, "BEGIN", 0, NULL))
        return LX_IMPORT_FAILED;
    /* a large file may take longer than a page: this transaction only */
    if (!io->query(io->ctx, "SELECT set_config('lx.import_id', $1, true), "
                            "set_config('statement_timeout', '300s', true)", 1, params))
        return lx_fail_tx(io);
    data = lx_import_copy_data(p, t, &len);
    if (io->copy(io->ctx, lx_copy_sql(p, t->kind), data, len) != 0)
        return lx_fail_tx(io);
    rc = strcmp(t->kind->kind, "roster") == 0 ? lx_run_roster(p, io, t, params, out)
                                              : lx_run_feed(p, io, t, params, out);
    if (rc == LX_IMPORT_REFUSED) {
        lx_sort_items(t);
        return io->query(io->ctx, "ROLLBACK", 0, NULL) ? LX_IMPORT_REFUSED : LX_IMPORT_FAILED;
    }
    if (rc != LX_IMPORT_DONE)
        return rc;
    return io->query(io->ctx, "COMMIT", 0, NULL) ? LX_IMPORT_DONE : LX_IMPORT_FAILED;
}
