/*
 * lx_csvread.c: see lx_csvread.h.
 *
 * Two passes over the bytes.  The first makes the file UTF-8 line by line (a physical line is
 * the unit of every report), the second splits the UTF-8 text into records and cells.  Both
 * find line ends the same way (lx_line_end), so their line numbers agree.
 */
#include "lx_csvread.h"

#include "apr_strings.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

/* Length of the line end at s (LF, CRLF or a lone CR), 0 when s is not at one. */
static apr_size_t lx_line_end(const char *s, const char *end)
{
    if (s >= end)
        return 0;
    if (*s == '\n')
        return 1;
    if (*s == '\r')
        return s + 1 < end && s[1] == '\n' ? 2 : 1;
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1 for ASCII), 0 when it is not one. */
static apr_size_t lx_utf8_len(const unsigned char *s, const unsigned char *end)
{
    apr_size_t n, i;
    unsigned int c;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, c = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, c = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, c = s[0] & 0x07;
    else
        return 0;
    if ((apr_size_t)(end - s) < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF))
        || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return n;
}

/* Whether the file reads better as UTF-8 than as GB18030 (see lx_csvread.h). */
static int lx_looks_utf8(const char *data, apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)data, *end = s + len;
    apr_size_t good = 0, bad = 0, n;
    while (s < end) {
        n = lx_utf8_len(s, end);
        if (n == 0) {
            bad++;
            s++;
            continue;
        }
        good += n > 1;
        s += n;
    }
    return bad == 0 || good > bad;
}

typedef struct {
    lx_sheet *sheet;
    char *out;              /* the UTF-8 text */
    apr_size_t used, cap;
} lx_conv;

static void lx_conv_put(lx_conv *c, const char *s, apr_size_t n)
{
    if (c->used + n + 1 > c->cap) {
        apr_size_t cap = c->cap * 2 + n + 1;
        char *fresh = apr_palloc(c->sheet->pool, cap);
        memcpy(fresh, c->out, c->used);
        c->out = fresh;
        c->cap = cap;
    }
    memcpy(c->out + c->used, s, n);
    c->used += n;
}

/* One line of UTF-8 (without its end): invalid bytes become U+FFFD and a problem. */
static void lx_conv_utf8(lx_conv *c, const char *s, apr_size_t n, int line)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    int bad = 0;
    while (p < end) {
        apr_size_t k = lx_utf8_len(p, end);
        if (k == 0) {
            bad = 1;
            lx_conv_put(c, "\xEF\xBF\xBD", 3);
            p++;
            continue;
        }
        lx_conv_put(c, (const char *)p, k);
        p += k;
    }
    if (bad)
        lx_sheet_problem(c->sheet, line, -1, NULL,
                         "本行不是有效的 UTF-8 编码（文件中可能混有 GB18030 编码的内容）："
                         "请在 Excel 中把整个文件另存为“CSV UTF-8”后重新导入");
}

/* One line of GB18030 (without its end), through iconv: bytes it cannot read become U+FFFD
 * and a problem.  GB18030's multi-byte characters never hold CR or LF, so lines split
 * before converting are whole characters. */
static void lx_conv_gb(lx_conv *c, iconv_t cd, const char *s, apr_size_t n, int line)
{
    char buf[4096], *in = (char *)s, *o;
    size_t inleft = n, oleft;
    int bad = 0;
    while (inleft > 0) {
        o = buf;
        oleft = sizeof(buf);
        if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 && errno != E2BIG) {
            bad = 1;
            lx_conv_put(c, buf, (apr_size_t)(o - buf));
            lx_conv_put(c, "\xEF\xBF\xBD", 3);
            in++;
            inleft--;
            iconv(cd, NULL, NULL, NULL, NULL);
            continue;
        }
        lx_conv_put(c, buf, (apr_size_t)(o - buf));
    }
    if (bad)
        lx_sheet_problem(c->sheet, line, -1, NULL,
                         "本行有无法按 GB18030 读取的字节：请确认文件编码，"
                         "或在 Excel 中另存为“CSV UTF-8”后重新导入");
}

/* The whole file as UTF-8 text, line ends kept as they are.  NULL when iconv is missing. */
static const char *lx_to_utf8(lx_sheet *s, const char *data, apr_size_t len, int gb,
                              apr_size_t *out_len)
{
    lx_conv c = {s, NULL, 0, 0};
    const char *p = data, *end = data + len;
    iconv_t cd = (iconv_t)-1;
    int line = 1;

    c.cap = len + len / 2 + 16;
    c.out = apr_palloc(s->pool, c.cap);
    if (gb && (cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1)
        return NULL;
    while (p < end) {
        const char *q = p;
        apr_size_t e;
        while (q < end && *q != '\n' && *q != '\r')
            q++;
        if (gb)
            lx_conv_gb(&c, cd, p, (apr_size_t)(q - p), line);
        else
            lx_conv_utf8(&c, p, (apr_size_t)(q - p), line);
        e = lx_line_end(q, end);
        lx_conv_put(&c, q, e);
        p = q + e;
        line++;
    }
    if (gb)
        iconv_close(cd);
    c.out[c.used] = '\0';
    *out_len = c.used;
    return c.out;
}

/* A control character that no cell may hold (tab and, in a quoted cell, line ends may). */
static int lx_bad_control(unsigned char ch)
{
    return (ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n') || ch == 0x7F;
}

typedef struct {
    lx_sheet *sheet;
    const char *p, *end;
    int line;               /* the physical line at p */
    char *cell;             /* the cell being read */
    apr_size_t used;
} lx_parse;

static void lx_cell_put(lx_parse *ps, const char *s, apr_size_t n)
{
    /* one byte past the limit is kept, so that lx_cell_end can see where a character ends */
    if (ps->used + n <= LX_SHEET_MAX_CELL + 1)
        memcpy(ps->cell + ps->used, s, n);
    ps->used += n;
}

/* Ends the cell: checks it and adds it to row. */
static void lx_cell_end(lx_parse *ps, lx_row *row, int line)
{
    int col = row->ncells;
    apr_size_t i, n = ps->used > LX_SHEET_MAX_CELL ? LX_SHEET_MAX_CELL : ps->used;

    if (ps->used > LX_SHEET_MAX_CELL) {
        lx_sheet_problem(ps->sheet, line, col, NULL,
                         apr_psprintf(ps->sheet->pool, "单元格超过 %d 字节", LX_SHEET_MAX_CELL));
        /* what is kept ends on a whole character: a cell is always valid UTF-8 */
        while (n > 0 && ((unsigned char)ps->cell[n] & 0xC0) == 0x80)
            n--;
    }
    for (i = 0; i < n; i++)
        if (lx_bad_control((unsigned char)ps->cell[i])) {
            lx_sheet_problem(ps->sheet, line, col, NULL,
                             ps->cell[i] == '\0' ? "单元格中有空字符（NUL）"
                                                 : "单元格中有不可见的控制字符");
            break;
        }
    lx_sheet_add_cell(ps->sheet, row, line, ps->cell, n);
    ps->used = 0;
}

/* A quoted cell, from its opening quote: its text, then the rest up to the delimiter. */
static void lx_quoted(lx_parse *ps, int start_line)
{
    ps->p++;
    for (;;) {
        apr_size_t e;
        if (ps->p >= ps->end) {
            lx_sheet_problem(ps->sheet, start_line, -1, NULL,
                             "引号未闭合：从这一行开始的带引号单元格直到文件末尾都没有结束的引号");
            return;
        }
        if (*ps->p == '"') {
            if (ps->p + 1 < ps->end && ps->p[1] == '"') {
                lx_cell_put(ps, "\"", 1);
                ps->p += 2;
                continue;
            }
            ps->p++;
            break;
        }
        e = lx_line_end(ps->p, ps->end);
        if (e) {
            /* a line break inside the cell is one LF, whatever the file used */
            lx_cell_put(ps, "\n", 1);
            ps->p += e;
            ps->line++;
            continue;
        }
        lx_cell_put(ps, ps->p, 1);
        ps->p++;
    }
    /* text after the closing quote, before the delimiter: kept, and said */
    if (ps->p < ps->end && *ps->p != ',' && !lx_line_end(ps->p, ps->end)) {
        lx_sheet_problem(ps->sheet, ps->line, -1, NULL,
                         "结束的引号后面还有字符：单元格中的引号应写成两个（\"\"）");
        while (ps->p < ps->end && *ps->p != ',' && !lx_line_end(ps->p, ps->end))
            lx_cell_put(ps, ps->p++, 1);
    }
}

/* One record from ps->p: its cells; ps->p after its line end. */
static int lx_record(lx_parse *ps)
{
    lx_row *row = lx_sheet_add_row(ps->sheet, ps->line);
    if (!row)
        return -1;
    for (;;) {
        int line = ps->line;
        apr_size_t e;
        if (ps->p < ps->end && *ps->p == '"')
            lx_quoted(ps, line);
        else
            while (ps->p < ps->end && *ps->p != ',' && !lx_line_end(ps->p, ps->end))
                lx_cell_put(ps, ps->p++, 1);
        lx_cell_end(ps, row, line);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        e = lx_line_end(ps->p, ps->end);
        ps->p += e;
        ps->line++;
        return 0;
    }
}

lx_sheet *lx_csv_read(apr_pool_t *p, const char *data, apr_size_t len, const char *choice)
{
    lx_sheet *s = lx_sheet_new(p);
    lx_parse ps = {s, NULL, NULL, 1, NULL, 0};
    const char *text;
    apr_size_t tlen;
    int gb;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    else if (len >= 2 && (memcmp(data, "\xFF\xFE", 2) == 0 || memcmp(data, "\xFE\xFF", 2) == 0)) {
        lx_sheet_fail(s, "文件是 UTF-16 编码：请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”");
        return s;
    }
    if (len > 0 && data[len - 1] == 0x1A)       /* DOS's end-of-file mark */
        len--;
    if (!choice || !*choice || strcmp(choice, "auto") == 0)
        gb = !lx_looks_utf8(data, len);
    else if (strcmp(choice, "utf-8") == 0)
        gb = 0;
    else if (strcmp(choice, "gb18030") == 0)
        gb = 1;
    else {
        lx_sheet_fail(s, "文件编码只能是自动、UTF-8 或 GB18030");
        return s;
    }
    s->source = gb ? "GB18030" : "UTF-8";
    text = lx_to_utf8(s, data, len, gb, &tlen);
    if (!text) {
        lx_sheet_fail(s, "服务器无法转换 GB18030 编码（iconv 不可用）");
        return s;
    }
    ps.p = text;
    ps.end = text + tlen;
    ps.cell = apr_palloc(p, LX_SHEET_MAX_CELL + 2);
    while (ps.p < ps.end)
        if (lx_record(&ps) != 0)
            break;
    return s;
}
