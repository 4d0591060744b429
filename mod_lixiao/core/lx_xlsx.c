/*
 * lx_xlsx.c: see lx_xlsx.h.
 *
 * The parts are read in the order each needs the one before: xl/workbook.xml (the sheets'
 * names and relationship ids, the date system), xl/_rels/workbook.xml.rels (where each part
 * lies), xl/styles.xml (which cell styles are dates or zero-padded), xl/sharedStrings.xml,
 * then the worksheet.  Each part is inflated into a buffer of its own, parsed and freed
 * before the next, so a large workbook costs its largest part plus the sheet's cells.
 */
#include "lx_xlsx.h"

#include "apr_hash.h"
#include "apr_strings.h"

#include <libxml/xmlreader.h>
#include <zip.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOT_XLSX     "文件不是有效的 Excel 工作簿（.xlsx）"
#define MAX_SHEETS   4096       /* Excel's own limit is memory; a roster has a few */
#define MAX_XFS      65536      /* Excel allows 64,000 cell styles */
#define MAX_PAD      40         /* zeros of a "000000" format that we pad to */
#define TEXT_CAP     (8 * LX_SHEET_MAX_CELL)    /* raw text kept of one string (see tbuf) */
#define EXCEL_ROWS   1048576
#define EXCEL_COLS   16384
#define MAX_SST      (2 << 20)  /* shared strings: 2 M of 24 bytes each at most */
/* All the cells' text together.  One shared string of LX_SHEET_MAX_CELL bytes can be
 * referenced by millions of 20-byte cells, and lx_sheet copies each: without this a 100 MB
 * sheet would grow into gigabytes.  A roster of 30,000 rows has some 6 MB. */
#define MAX_TEXT     (64u << 20)

/* A cell style as far as the text it shows differs from General. */
enum { F_DATE = 1, F_TIME = 2, F_SECS = 4, F_ELAPSED = 8 };
typedef struct {
    unsigned char flags;
    unsigned char zeros;        /* "0000000000": integer padded to this many digits */
} fmt;

/* Text gathered from the XML before _xHHHH_ decoding.  An escape is 7 bytes for at least
 * one byte decoded, so raw text past TEXT_CAP is longer than LX_SHEET_MAX_CELL decoded:
 * keeping only TEXT_CAP bytes is enough to tell a cell too long. */
typedef struct {
    char *buf;
    apr_size_t len;
    int over;
} tbuf;

typedef struct {
    const char *text;
    apr_size_t len;             /* > LX_SHEET_MAX_CELL: the string was too long */
} sstr;

typedef struct {
    apr_pool_t *p;
    lx_sheet *s;
    zip_t *za;
    apr_size_t budget;          /* bytes still allowed to be inflated (LX_XLSX_MAX_TOTAL) */
    int doctype;                /* the last XML part failed on a DOCTYPE or entity */
    int date1904;
    int nsheets;
    const char **sheet_names, **sheet_rids;
    const char *sheet_part, *sst_part, *styles_part;
    fmt *xfs;
    int nxfs;
    sstr *sst;
    int nsst, sst_cap;
    tbuf tb;
    char *vbuf, *isbuf;         /* a cell's <v> and <is>, decoded (TEXT_CAP + 1 bytes each) */
    char show[80];              /* a problem's value (shown()), copied by lx_sheet_problem */
    char at_t[16], at_s[16], at_r[24];  /* a cell's attributes, read without allocating */
    const char *too_long;
    apr_size_t text_left;       /* of MAX_TEXT */
    /* the row being read */
    int rownum;
    lx_row *row;
} xr;

/* ---- the container ---- */

/* Inflates the part called name (NULL when it is absent: *len 0, no failure).  The size the
 * archive declares is checked against the caps before anything is inflated, and reading
 * stops one byte past it, because a hostile archive may declare less than it holds. */
static char *read_part(xr *x, const char *name, apr_size_t *len, int required)
{
    zip_int64_t idx = zip_name_locate(x->za, name, ZIP_FL_NOCASE);
    zip_stat_t st;
    zip_file_t *zf;
    char *buf;
    apr_size_t got = 0;
    zip_int64_t n;
    char extra;

    *len = 0;
    if (idx < 0) {
        if (required)
            lx_sheet_fail(x->s, apr_psprintf(x->p, NOT_XLSX "：缺少 %s", name));
        return NULL;
    }
    if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        lx_sheet_fail(x->s, NOT_XLSX "：压缩包已损坏");
        return NULL;
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        lx_sheet_fail(x->s, "工作簿已加密（设有密码），请在 Excel 中取消密码后另存为 .xlsx 再导入");
        return NULL;
    }
    if (st.size > LX_XLSX_MAX_PART || st.size > x->budget) {
        lx_sheet_fail(x->s, apr_psprintf(x->p, "工作簿解压后过大（%s 超过 %u MB），请分批导入",
                                         name, (unsigned)(LX_XLSX_MAX_PART >> 20)));
        return NULL;
    }
    if (!(zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0))) {
        lx_sheet_fail(x->s, apr_psprintf(x->p, NOT_XLSX "：无法解压 %s", name));
        return NULL;
    }
    buf = malloc((apr_size_t)st.size + 1);
    if (!buf) {
        zip_fclose(zf);
        lx_sheet_fail(x->s, "内存不足，无法读取工作簿");
        return NULL;
    }
    while (got < st.size && (n = zip_fread(zf, buf + got, st.size - got)) > 0)
        got += (apr_size_t)n;
    n = got == st.size ? zip_fread(zf, &extra, 1) : -1;
    zip_fclose(zf);
    if (got != st.size || n != 0) {
        free(buf);
        lx_sheet_fail(x->s, apr_psprintf(x->p, NOT_XLSX "：%s 已损坏或与声明的大小不符",
                                         name));
        return NULL;
    }
    buf[got] = '\0';
    x->budget -= got;
    *len = got;
    return buf;
}

/* ---- XML parts ---- */

static void quiet(void *arg, xmlErrorPtr err)
{
    (void)arg;
    (void)err;
}

static xmlTextReaderPtr open_xml(xr *x, const char *buf, apr_size_t len, const char *name)
{
    xmlTextReaderPtr r;
    x->doctype = 0;
    /* Excel never writes a DTD.  Looked for before libxml2 parses one at all (an internal
     * subset is parsed whole before the reader returns its node); the reader's own DOCTYPE
     * node (next_node) still catches one in UTF-16. */
    if (memmem(buf, len, "<!DOCTYPE", 9)) {
        x->doctype = 1;
        return NULL;
    }
    /* no XML_PARSE_NOENT (entities stay references, refused by next_node), no DTD loading,
     * no network */
    r = xmlReaderForMemory(buf, (int)len, name, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (r)
        xmlTextReaderSetStructuredErrorHandler(r, quiet, NULL);
    return r;
}

/* xmlTextReaderRead, failing (-1) on a DOCTYPE or an entity reference. */
static int next_node(xr *x, xmlTextReaderPtr r)
{
    int ret = xmlTextReaderRead(r), type;
    if (ret == 1) {
        type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE
            || type == XML_READER_TYPE_ENTITY) {
            x->doctype = 1;
            return -1;
        }
    }
    return ret;
}

static void xml_fail(xr *x, const char *name)
{
    if (x->s->fatal)
        return;
    lx_sheet_fail(x->s, x->doctype
                  ? apr_psprintf(x->p, "工作簿的 %s 含有 DOCTYPE 或实体声明，Excel 不会写出这种"
                                 "内容，已拒绝读取", name)
                  : apr_psprintf(x->p, NOT_XLSX "：%s 不是有效的 XML", name));
}

static int is(const xmlChar *a, const char *b)
{
    return a && strcmp((const char *)a, b) == 0;
}

/* The value of the current element's attribute with this local name (any namespace), or
 * NULL: copied into buf (size bytes) when buf is given, as "?" when longer (no cell attribute
 * that Excel writes is), else into the pool. */
static const char *attr_in(xr *x, xmlTextReaderPtr r, const char *local, char *buf,
                           apr_size_t size)
{
    const char *v = NULL;
    if (xmlTextReaderMoveToFirstAttribute(r) != 1)
        return NULL;
    do {
        if (is(xmlTextReaderConstLocalName(r), local)) {
            v = (const char *)xmlTextReaderConstValue(r);
            if (!v)
                v = "";
            if (!buf)
                v = apr_pstrdup(x->p, v);
            else if (apr_cpystrn(buf, v, size) - buf == (apr_ssize_t)size - 1 && v[size - 1])
                v = "?";
            else
                v = buf;
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(r) == 1);
    xmlTextReaderMoveToElement(r);
    return v;
}

static const char *attr(xr *x, xmlTextReaderPtr r, const char *local)
{
    return attr_in(x, r, local, NULL, 0);
}

static void tb_add(tbuf *tb, const xmlChar *v)
{
    apr_size_t n;
    if (!v)
        return;
    n = strlen((const char *)v);
    if (tb->len + n > TEXT_CAP) {
        n = TEXT_CAP - tb->len;
        tb->over = 1;
    }
    memcpy(tb->buf + tb->len, v, n);
    tb->len += n;
}

/* The text of the element just read, up to its end tag, in x->tb.  runs: a string item (<si>,
 * <is>) whose text is its <t> elements, directly or in rich text runs <r>, but not in the
 * phonetic guides <rPh> that Japanese and Chinese Excel add; otherwise all its text (<v>).
 * 1, or <= 0 when the XML is broken. */
static int collect(xr *x, xmlTextReaderPtr r, int runs)
{
    int depth = xmlTextReaderDepth(r), in_t = !runs, rph = 0, ret, type;
    x->tb.len = 0;
    x->tb.over = 0;
    if (xmlTextReaderIsEmptyElement(r))
        return 1;
    while ((ret = next_node(x, r)) == 1) {
        type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r) == depth)
            return 1;
        if (!runs) {
            if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA
                || type == XML_READER_TYPE_WHITESPACE
                || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)
                tb_add(&x->tb, xmlTextReaderConstValue(r));
        }
        else if (type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(r)) {
            const xmlChar *name = xmlTextReaderConstLocalName(r);
            if (is(name, "rPh"))
                rph++;
            else if (is(name, "t"))
                in_t = 1;
        }
        else if (type == XML_READER_TYPE_END_ELEMENT) {
            const xmlChar *name = xmlTextReaderConstLocalName(r);
            if (is(name, "rPh"))
                rph--;
            else if (is(name, "t"))
                in_t = 0;
        }
        else if (in_t && !rph && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA
                                  || type == XML_READER_TYPE_WHITESPACE
                                  || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
            tb_add(&x->tb, xmlTextReaderConstValue(r));
        }
    }
    return ret == 1 ? 0 : ret;
}

static int hex4(const char *s, unsigned *v)
{
    int i;
    *v = 0;
    for (i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
                : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        *v = *v << 4 | (unsigned)d;
    }
    return 1;
}

static apr_size_t put_utf8(char *o, unsigned c)
{
    if (c < 0x80) { o[0] = (char)c; return 1; }
    if (c < 0x800) { o[0] = (char)(0xC0 | c >> 6); o[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12);
        o[1] = (char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18);
    o[1] = (char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Decodes Excel's _xHHHH_ escapes of x->tb in place (it writes a CR as _x000D_, and a
 * literal "_x" as _x005F_x): HHHH is a UTF-16 unit, a surrogate pair two escapes.  A lone
 * surrogate stays as it was written.  Never longer than the raw text. */
static void unescape(tbuf *tb)
{
    char *s = tb->buf, *o = tb->buf;
    apr_size_t i = 0, n = tb->len;
    unsigned c, lo;
    while (i < n) {
        if (i + 7 <= n && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_'
            && hex4(s + i + 2, &c)) {
            if (c >= 0xD800 && c <= 0xDBFF && i + 14 <= n && s[i + 7] == '_'
                && s[i + 8] == 'x' && s[i + 13] == '_' && hex4(s + i + 9, &lo)
                && lo >= 0xDC00 && lo <= 0xDFFF) {
                o += put_utf8(o, 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00));
                i += 14;
                continue;
            }
            if (c < 0xD800 || c > 0xDFFF) {
                o += put_utf8(o, c);
                i += 7;
                continue;
            }
        }
        *o++ = s[i++];
    }
    tb->len = (apr_size_t)(o - tb->buf);
}

/* ---- cells ---- */

/* The start of a cell's text for a problem's value: some 60 bytes cut on a character, in
 * x->show (lx_sheet_problem copies it; a sheet of a million bad cells allocates nothing past
 * LX_SHEET_MAX_PROBLEMS). */
static const char *shown(xr *x, const char *text, apr_size_t len)
{
    apr_size_t n = len;
    if (n > 64) {
        n = 60;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(x->show, text, n);
    strcpy(x->show + n, n < len ? "…" : "");
    return x->show;
}

static void cell_problem(xr *x, int col, const char *value, const char *reason)
{
    lx_sheet_problem(x->s, x->rownum, col, value, reason);
}

/* Appends the cell at col (0-based) to the current row, which is added at its first cell
 * with text: rows of empty or only formatted cells are never added, so a sheet whose
 * formatting reaches row 1,048,576 costs nothing.  Columns between are empty cells; past
 * LX_SHEET_MAX_COLS lx_sheet_add_cell reports the row once. */
static void put_cell(xr *x, int col, const char *text, apr_size_t len)
{
    if (len == 0)
        return;
    if (len > x->text_left) {
        lx_sheet_fail(x->s, apr_psprintf(x->p, "工作表的内容过多（单元格文字超过 %u MB），请分批"
                                         "导入", (unsigned)(MAX_TEXT >> 20)));
        return;
    }
    x->text_left -= len;
    if (!x->row && !(x->row = lx_sheet_add_row(x->s, x->rownum)))
        return;                                     /* past LX_SHEET_MAX_ROWS: fatal */
    if (col < x->row->ncells) {
        cell_problem(x, col, shown(x, text, len), "单元格的位置与同一行的前一个单元格重复或"
                     "顺序颠倒，已忽略");
        return;
    }
    while (x->row->ncells < col && x->row->ncells < LX_SHEET_MAX_COLS)
        lx_sheet_add_cell(x->s, x->row, x->rownum, "", 0);
    if (col < LX_SHEET_MAX_COLS || x->row->ncells == LX_SHEET_MAX_COLS)
        lx_sheet_add_cell(x->s, x->row, x->rownum, text, len);
}

/* A string cell: refused when too long or holding a NUL or a control character (which an
 * _xHHHH_ escape can put there and no page could show). */
static void put_text(xr *x, int col, const char *text, apr_size_t len)
{
    apr_size_t i;
    if (len > LX_SHEET_MAX_CELL) {
        cell_problem(x, col, shown(x, text, len), x->too_long);
        return;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            cell_problem(x, col, NULL, c ? "单元格含有控制字符" : "单元格含有 NUL 字符");
            return;
        }
    }
    put_cell(x, col, text, len);
}

/* "A1" -> column 0; *row gets the row.  0 when it is not a cell reference. */
static int cell_ref(const char *ref, int *col, int *row)
{
    int c = 0, r = 0, letters = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ref++)
        if (++letters > 3)                  /* XFD is the last column */
            return 0;
        else
            c = c * 26 + (*ref - 'A' + 1);
    if (letters == 0 || c > EXCEL_COLS)
        return 0;
    for (; *ref >= '0' && *ref <= '9'; ref++)
        if ((r = r * 10 + (*ref - '0')) > EXCEL_ROWS)
            return 0;
    if (*ref || r < 1)
        return 0;
    *col = c - 1;
    *row = r;
    return 1;
}

/* A number as Excel writes it in <v>: [-]digits[.digits][E[+-]digits], nothing else (strtod
 * would take "inf", hexadecimal and leading blanks). */
static int parse_number(const char *v, double *out)
{
    const char *p = v;
    char *end;
    int digits = 0;
    if (*p == '-' || *p == '+')
        p++;
    for (; *p >= '0' && *p <= '9'; p++)
        digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (!digits)
        return 0;
    if (*p == 'E' || *p == 'e') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return 0;
    *out = strtod(v, &end);
    return *end == '\0' && *out - *out == 0;      /* not inf: inf - inf is NaN */
}

/* v to Excel's 15 significant digits, in the shortest plain decimal that shows them
 * (0.30000000000000004 -> "0.3", 2022010001 -> "2022010001"). */
static void general(char *out, apr_size_t size, double v)
{
    char e[32], digits[16];
    int exp, nd = 0, i, o = 0;
    const char *p;
    snprintf(e, sizeof(e), "%.14e", v);     /* [-]d.dddddddddddddde[+-]XX */
    p = e;
    if (*p == '-')
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (nd == 1 && digits[0] == '0') {
        snprintf(out, size, "0");           /* also -0 */
        return;
    }
    if (exp < -20 || exp > 20) {            /* as Excel's General shows them: 1.5E-25 */
        snprintf(out, size, "%s%c%s%.*sE%c%02d", e[0] == '-' ? "-" : "", digits[0],
                 nd > 1 ? "." : "", nd - 1, digits + 1, exp < 0 ? '-' : '+', abs(exp));
        return;
    }
    if (e[0] == '-')
        out[o++] = '-';
    if (exp < 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (i = -1; i > exp; i--)
            out[o++] = '0';
        for (i = 0; i < nd; i++)
            out[o++] = digits[i];
    }
    else {
        for (i = 0; i <= exp || i < nd; i++) {
            if (i == exp + 1)
                out[o++] = '.';
            out[o++] = i < nd ? digits[i] : '0';
        }
    }
    out[o] = '\0';
}

/* Days since 1970-01-01 -> civil date (proleptic Gregorian; H. Hinnant's algorithm). */
static void civil(long z, int *y, int *m, int *d)
{
    long era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* A date serial as the style shows it: 1 when it is one.  The 1900 system counts the
 * 29 February 1900 that never was (serial 60, kept from Lotus 1-2-3): from serial 61 on a
 * day is one less than the count from 1899-12-31. */
static int date_text(xr *x, fmt f, double v, char *out, apr_size_t size)
{
    long long secs;
    long day, sod;
    int y, m, d;
    if (v < 0 || v >= 2958466)              /* Excel shows ##### outside years 1900-9999 */
        return 0;
    secs = (long long)(v * 86400.0 + 0.5);     /* to the second, as Excel shows it */
    day = (long)(secs / 86400);
    sod = (long)(secs % 86400);
    if (!(f.flags & F_DATE)) {
        long h = f.flags & F_ELAPSED ? (long)(secs / 3600) : sod / 3600;
        snprintf(out, size, "%02ld:%02ld:%02ld", h, sod / 60 % 60, sod % 60);
        return 1;
    }
    if (x->date1904)
        civil(day - 24107, &y, &m, &d);     /* 1904-01-01 is 24,107 days before 1970 */
    else if (day == 0)
        y = 1900, m = 1, d = 0;             /* Excel shows 1900-01-00 */
    else if (day == 60)
        y = 1900, m = 2, d = 29;
    else
        civil(day - (day < 60 ? 25568 : 25569), &y, &m, &d);
    if (!(f.flags & F_TIME))
        snprintf(out, size, "%04d-%02d-%02d", y, m, d);
    else if (f.flags & F_SECS)
        snprintf(out, size, "%04d-%02d-%02d %02ld:%02ld:%02ld", y, m, d, sod / 3600,
                 sod / 60 % 60, sod % 60);
    else
        snprintf(out, size, "%04d-%02d-%02d %02ld:%02ld", y, m, d, sod / 3600, sod / 60 % 60);
    return 1;
}

static void put_number(xr *x, int col, const char *v, int style)
{
    fmt f = style >= 0 && style < x->nxfs ? x->xfs[style] : (fmt){0, 0};
    char out[64];
    double d;
    if (!parse_number(v, &d)) {
        cell_problem(x, col, shown(x, v, strlen(v)), "单元格的数字无法识别");
        return;
    }
    if (f.flags && date_text(x, f, d, out, sizeof(out))) {
        put_cell(x, col, out, strlen(out));
        return;
    }
    /* a double holds 15 decimal digits for sure, and Excel keeps no more: an 18-digit
     * resident ID number typed into a number cell has lost its last digits already */
    if (d >= 1e15 || d <= -1e15) {
        cell_problem(x, col, shown(x, v, strlen(v)),
                     "数字超过 15 位，Excel 已丢失末尾的数字（如身份证号、长学号）：请把该列设为"
                     "“文本”格式后重新填写");
        return;
    }
    if (f.zeros) {
        /* Excel rounds half away from zero; below 1e15 a long long holds it (and no libm) */
        long long r = (long long)((d < 0 ? -d : d) + 0.5);
        snprintf(out, sizeof(out), "%s%0*lld", d < 0 && r ? "-" : "", (int)f.zeros, r);
    }
    else {
        general(out, sizeof(out), d);
    }
    put_cell(x, col, out, strlen(out));
}

/* An ISO 8601 date (t="d", written by some tools): its date, and its time when it has one. */
static void put_iso_date(xr *x, int col, const char *v)
{
    static const char pat[] = "dddd-dd-ddTdd:dd";
    char out[20];
    apr_size_t i, n = strlen(v);
    for (i = 0; i < 16 && i < n; i++)
        if (pat[i] == 'd' ? !(v[i] >= '0' && v[i] <= '9') : v[i] != pat[i])
            break;
    if (i < 10 || (i < 16 && i != n)) {
        cell_problem(x, col, shown(x, v, n), "单元格的日期无法识别");
        return;
    }
    memcpy(out, v, i);
    out[10] = ' ';
    out[i == 16 && memcmp(v + 11, "00:00", 5) != 0 ? 16 : 10] = '\0';
    put_cell(x, col, out, strlen(out));
}

typedef struct {
    int col, style, has_v, has_f, has_is;
    const char *type;
    char *v;                    /* <v>, decoded, NUL-terminated */
    char *is;                   /* <is>, decoded */
    apr_size_t is_len;
} cell;

static void put_value(xr *x, cell *c)
{
    const char *t = c->type;
    if (t && strcmp(t, "inlineStr") == 0) {
        if (c->has_is)
            put_text(x, c->col, c->is, c->is_len);
        return;
    }
    if (!c->has_v) {
        if (c->has_f)
            cell_problem(x, c->col, NULL, "公式没有计算结果：请在 Excel 中打开、重新计算并保存后再导入");
        return;
    }
    if (!t || !*t || strcmp(t, "n") == 0) {
        put_number(x, c->col, c->v, c->style);
    }
    else if (strcmp(t, "s") == 0) {
        char *end;
        long i = strtol(c->v, &end, 10);
        if (end == c->v || *end || i < 0 || i >= x->nsst)
            cell_problem(x, c->col, shown(x, c->v, strlen(c->v)), "共享字符串的编号无效");
        else
            put_text(x, c->col, x->sst[i].text, x->sst[i].len);
    }
    else if (strcmp(t, "str") == 0) {
        put_text(x, c->col, c->v, strlen(c->v));
    }
    else if (strcmp(t, "b") == 0) {
        if (strcmp(c->v, "1") == 0 || strcmp(c->v, "0") == 0)
            put_cell(x, c->col, c->v[0] == '1' ? "TRUE" : "FALSE", c->v[0] == '1' ? 4 : 5);
        else
            cell_problem(x, c->col, shown(x, c->v, strlen(c->v)), "单元格的逻辑值无法识别");
    }
    else if (strcmp(t, "e") == 0) {
        cell_problem(x, c->col, shown(x, c->v, strlen(c->v)), "单元格是错误值");
    }
    else if (strcmp(t, "d") == 0) {
        put_iso_date(x, c->col, c->v);
    }
    else {
        cell_problem(x, c->col, shown(x, c->v, strlen(c->v)), "单元格的类型无法识别");
    }
}

/* x->tb, decoded, NUL-terminated in dst (TEXT_CAP + 1 bytes) or the pool when dst is NULL;
 * its length in *len.  Over the cap it is kept at LX_SHEET_MAX_CELL + 1 bytes, enough for
 * put_text to refuse it. */
static char *tb_string(xr *x, char *dst, apr_size_t *len)
{
    unescape(&x->tb);
    if (x->tb.over || x->tb.len > LX_SHEET_MAX_CELL)
        x->tb.len = LX_SHEET_MAX_CELL + 1;
    *len = x->tb.len;
    if (!dst)
        return x->tb.len ? apr_pstrmemdup(x->p, x->tb.buf, x->tb.len) : "";
    memcpy(dst, x->tb.buf, x->tb.len);
    dst[x->tb.len] = '\0';
    return dst;
}

/* <c> just read: its value up to </c>.  1, or <= 0 on broken XML. */
static int read_cell(xr *x, xmlTextReaderPtr r, int col)
{
    cell c;
    const char *s;
    int depth = xmlTextReaderDepth(r), ret, type;
    apr_size_t len;

    memset(&c, 0, sizeof(c));
    c.col = col;
    c.type = attr_in(x, r, "t", x->at_t, sizeof(x->at_t));
    c.style = (s = attr_in(x, r, "s", x->at_s, sizeof(x->at_s))) ? atoi(s) : 0;
    if (!xmlTextReaderIsEmptyElement(r)) {
        while ((ret = next_node(x, r)) == 1) {
            const xmlChar *name;
            type = xmlTextReaderNodeType(r);
            if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r) == depth)
                break;
            if (type != XML_READER_TYPE_ELEMENT)
                continue;
            name = xmlTextReaderConstLocalName(r);
            if (is(name, "v")) {
                if (collect(x, r, 0) != 1)
                    return -1;
                c.v = tb_string(x, x->vbuf, &len);
                c.has_v = 1;
            }
            else if (is(name, "is")) {
                if (collect(x, r, 1) != 1)
                    return -1;
                c.is = tb_string(x, x->isbuf, &c.is_len);
                c.has_is = 1;
            }
            else if (is(name, "f")) {
                c.has_f = 1;
            }
        }
        if (ret != 1)
            return -1;
    }
    put_value(x, &c);
    return 1;
}

static int read_sheet(xr *x, const char *buf, apr_size_t len, const char *name)
{
    xmlTextReaderPtr r = open_xml(x, buf, len, name);
    int ret = -1, in_data = 0, col = -1, type;
    const char *ref;
    if (!r) {
        xml_fail(x, name);
        return -1;
    }
    x->rownum = 0;
    while (!x->s->fatal && (ret = next_node(x, r)) == 1) {
        const xmlChar *local = xmlTextReaderConstLocalName(r);
        type = xmlTextReaderNodeType(r);
        if (is(local, "sheetData")) {
            in_data = type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(r);
            continue;
        }
        if (!in_data || type != XML_READER_TYPE_ELEMENT)
            continue;
        if (is(local, "row")) {
            /* a row without r follows the one before */
            int n = x->rownum + 1;
            if ((ref = attr_in(x, r, "r", x->at_r, sizeof(x->at_r)))) {
                char *end;
                long v = strtol(ref, &end, 10);
                n = *end || end == ref || v < 1 || v > EXCEL_ROWS ? -1 : (int)v;
            }
            if (n < 1 || n > EXCEL_ROWS) {
                lx_sheet_fail(x->s, apr_psprintf(x->p, NOT_XLSX "：%s 的行号无效", name));
                break;
            }
            x->rownum = n;
            x->row = NULL;
            col = -1;
        }
        else if (is(local, "c")) {
            int rr;
            if (x->rownum == 0) {
                x->rownum = 1;      /* a cell before any row: broken, read as row 1 */
                x->row = NULL;
            }
            /* a cell without r follows the one before */
            if ((ref = attr_in(x, r, "r", x->at_r, sizeof(x->at_r)))) {
                if (!cell_ref(ref, &col, &rr)) {
                    lx_sheet_fail(x->s, apr_psprintf(x->p, NOT_XLSX "：%s 的单元格位置“%s”无效",
                                                     name, shown(x, ref, strlen(ref))));
                    break;
                }
            }
            else if (++col >= EXCEL_COLS) {
                lx_sheet_fail(x->s, apr_psprintf(x->p, NOT_XLSX "：%s 的一行超过 %d 列",
                                                 name, EXCEL_COLS));
                break;
            }
            if ((ret = read_cell(x, r, col)) != 1)
                break;
        }
    }
    xmlFreeTextReader(r);
    if (ret < 0)
        xml_fail(x, name);
    return ret;
}

/* ---- styles: which cell styles show a number as a date, a time or with leading zeros ---- */

/* The built-in formats that are not General: 1 is "0"; 14-22 and 45-47 dates and times;
 * 27-36 and 50-58 the dates and times that Chinese (and Japanese, Korean) Excel writes by
 * number without a formatCode, such as 31 = yyyy"年"m"月"d"日". */
static fmt builtin(int id)
{
    fmt f = {0, 0};
    if (id == 1)
        f.zeros = 1;
    else if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || id == 36
             || (id >= 50 && id <= 54) || id == 57 || id == 58)
        f.flags = F_DATE;
    else if (id == 18 || id == 20 || id == 32 || id == 34 || id == 55)
        f.flags = F_TIME;
    else if (id == 19 || id == 21 || id == 33 || id == 35 || id == 56 || id == 45 || id == 47)
        f.flags = F_TIME | F_SECS;
    else if (id == 46)
        f.flags = F_TIME | F_SECS | F_ELAPSED;
    else if (id == 22)
        f.flags = F_DATE | F_TIME;
    return f;
}

/* A custom format code: a date or time when y, m, d, h or s stand outside quotes, brackets
 * ([Red], [$-804]) and escapes (\x, _x, *x); [h] is elapsed time.  m alone is a month, with
 * h or s a minute.  A code of zeros alone ("0000000000") pads with leading zeros. */
static fmt classify(const char *code)
{
    fmt f = {0, 0};
    int y = 0, m = 0, d = 0, h = 0, sec = 0, elapsed = 0;
    const char *p;
    for (p = code; *p; p++)
        if (*p != '0')
            break;
    if (!*p && p > code && p - code <= MAX_PAD) {
        f.zeros = (unsigned char)(p - code);
        return f;
    }
    for (p = code; *p; p++) {
        char c = (char)(*p | 0x20);
        if (*p == '"') {
            while (p[1] && p[1] != '"')
                p++;
            if (p[1])
                p++;
        }
        else if (*p == '[') {
            if ((p[1] | 0x20) == 'h' || (p[1] | 0x20) == 'm' || (p[1] | 0x20) == 's')
                elapsed = 1;
            while (p[1] && p[1] != ']')
                p++;
            if (p[1])
                p++;
        }
        else if (*p == '\\' || *p == '_' || *p == '*') {
            if (p[1])
                p++;
        }
        else if (c == 'y') {
            y = 1;
        }
        else if (c == 'd') {
            d = 1;
        }
        else if (c == 'm') {
            m = 1;
        }
        else if (c == 'h') {
            h = 1;
        }
        else if (c == 's') {
            sec = 1;
        }
    }
    if (y || d || (m && !h && !sec))
        f.flags |= F_DATE;
    if (h || sec || elapsed)
        f.flags |= F_TIME;
    if (sec)
        f.flags |= F_SECS;
    if (elapsed && !(f.flags & F_DATE))
        f.flags |= F_ELAPSED | F_SECS;
    return f;
}

static int read_styles(xr *x, const char *buf, apr_size_t len, const char *name)
{
    xmlTextReaderPtr r = open_xml(x, buf, len, name);
    apr_hash_t *custom = apr_hash_make(x->p);
    int ret = -1, in_xfs = 0, cap = 0, type;
    const char *v;
    if (!r) {
        xml_fail(x, name);
        return -1;
    }
    while ((ret = next_node(x, r)) == 1) {
        const xmlChar *local = xmlTextReaderConstLocalName(r);
        type = xmlTextReaderNodeType(r);
        if (is(local, "cellXfs")) {
            in_xfs = type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(r);
        }
        else if (type != XML_READER_TYPE_ELEMENT) {
            continue;
        }
        else if (is(local, "numFmt") && (v = attr(x, r, "numFmtId"))) {
            const char *code = attr(x, r, "formatCode");
            int *id = apr_palloc(x->p, sizeof(*id));
            fmt *f = apr_palloc(x->p, sizeof(*f));
            *id = atoi(v);
            *f = classify(code ? code : "");
            apr_hash_set(custom, id, sizeof(*id), f);
        }
        else if (in_xfs && is(local, "xf") && x->nxfs < MAX_XFS) {
            int id = (v = attr(x, r, "numFmtId")) ? atoi(v) : 0;
            fmt *f = apr_hash_get(custom, &id, sizeof(id));
            x->xfs = lx_sheet_grow(x->p, x->xfs, &cap, x->nxfs + 1, sizeof(*x->xfs));
            x->xfs[x->nxfs++] = f ? *f : builtin(id);
        }
    }
    xmlFreeTextReader(r);
    if (ret < 0)
        xml_fail(x, name);
    return ret;
}

static int read_sst(xr *x, const char *buf, apr_size_t len, const char *name)
{
    xmlTextReaderPtr r = open_xml(x, buf, len, name);
    int ret = -1;
    if (!r) {
        xml_fail(x, name);
        return -1;
    }
    while ((ret = next_node(x, r)) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT
            || !is(xmlTextReaderConstLocalName(r), "si"))
            continue;
        if (collect(x, r, 1) != 1) {
            ret = -1;
            break;
        }
        if (x->nsst == MAX_SST) {
            lx_sheet_fail(x->s, apr_psprintf(x->p, "工作簿的共享字符串超过 %d 个，请分批导入",
                                             MAX_SST));
            break;
        }
        x->sst = lx_sheet_grow(x->p, x->sst, &x->sst_cap, x->nsst + 1, sizeof(*x->sst));
        x->sst[x->nsst].text = tb_string(x, NULL, &x->sst[x->nsst].len);
        x->nsst++;
    }
    xmlFreeTextReader(r);
    if (ret < 0)
        xml_fail(x, name);
    return ret;
}

/* ---- the workbook: its sheets and where their parts lie ---- */

static int read_workbook(xr *x, const char *buf, apr_size_t len, const char *name)
{
    xmlTextReaderPtr r = open_xml(x, buf, len, name);
    int ret = -1;
    if (!r) {
        xml_fail(x, name);
        return -1;
    }
    x->sheet_names = apr_palloc(x->p, MAX_SHEETS * sizeof(*x->sheet_names));
    x->sheet_rids = apr_palloc(x->p, MAX_SHEETS * sizeof(*x->sheet_rids));
    while ((ret = next_node(x, r)) == 1) {
        const xmlChar *local = xmlTextReaderConstLocalName(r);
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
            continue;
        if (is(local, "workbookPr")) {
            const char *v = attr(x, r, "date1904");
            x->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
        }
        else if (is(local, "sheet") && x->nsheets < MAX_SHEETS) {
            const char *n = attr(x, r, "name"), *rid = attr(x, r, "id");
            if (n && rid) {
                x->sheet_names[x->nsheets] = n;
                x->sheet_rids[x->nsheets++] = rid;
            }
        }
    }
    xmlFreeTextReader(r);
    if (ret < 0)
        xml_fail(x, name);
    return ret;
}

/* A relationship's target as a part name: relative to xl/ (where workbook.xml lies) or
 * absolute from the package's root; "." and ".." resolved, NULL when ".." leaves it. */
static const char *part_name(xr *x, const char *target)
{
    char *path = target[0] == '/' ? apr_pstrdup(x->p, target + 1)
                                  : apr_pstrcat(x->p, "xl/", target, NULL);
    char *out = apr_palloc(x->p, strlen(path) + 1), *seg, *state;
    apr_size_t o = 0;
    for (seg = apr_strtok(path, "/", &state); seg; seg = apr_strtok(NULL, "/", &state)) {
        if (strcmp(seg, ".") == 0)
            continue;
        if (strcmp(seg, "..") == 0) {
            if (o == 0)
                return NULL;
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        if (o)
            out[o++] = '/';
        memcpy(out + o, seg, strlen(seg));
        o += strlen(seg);
    }
    out[o] = '\0';
    return o ? out : NULL;
}

static int ends_with(const char *s, const char *tail)
{
    apr_size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The parts of the chosen sheet (its relationship id rid), the shared strings and the
 * styles; a worksheet's Type ends in /worksheet (a chart sheet holds no cells). */
static int read_rels(xr *x, const char *buf, apr_size_t len, const char *name,
                     const char *rid, int *is_worksheet)
{
    xmlTextReaderPtr r = open_xml(x, buf, len, name);
    int ret = -1;
    if (!r) {
        xml_fail(x, name);
        return -1;
    }
    while ((ret = next_node(x, r)) == 1) {
        const char *id, *type, *target, *mode;
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT
            || !is(xmlTextReaderConstLocalName(r), "Relationship"))
            continue;
        id = attr(x, r, "Id");
        type = attr(x, r, "Type");
        target = attr(x, r, "Target");
        mode = attr(x, r, "TargetMode");
        if (!id || !type || !target || (mode && strcmp(mode, "External") == 0))
            continue;
        if (strcmp(id, rid) == 0) {
            x->sheet_part = part_name(x, target);
            *is_worksheet = ends_with(type, "/worksheet");
        }
        else if (ends_with(type, "/sharedStrings")) {
            x->sst_part = part_name(x, target);
        }
        else if (ends_with(type, "/styles")) {
            x->styles_part = part_name(x, target);
        }
    }
    xmlFreeTextReader(r);
    if (ret < 0)
        xml_fail(x, name);
    return ret;
}

typedef int (*part_reader)(xr *x, const char *buf, apr_size_t len, const char *name);

/* Reads the part called name with fn; 0 when the part is absent and not required. */
static int parse_part(xr *x, const char *name, int required, part_reader fn)
{
    apr_size_t len;
    char *buf = name ? read_part(x, name, &len, required) : NULL;
    int ret;
    if (!buf)
        return x->s->fatal ? -1 : 0;
    ret = fn(x, buf, len, name);
    free(buf);
    return ret < 0 || x->s->fatal ? -1 : 0;
}

/* The index of the sheet asked for, or -1 after failing with the names there are. */
static int choose_sheet(xr *x, const char *want)
{
    const char *list = "";
    int i;
    if (x->nsheets == 0) {
        lx_sheet_fail(x->s, NOT_XLSX "：工作簿里没有工作表");
        return -1;
    }
    if (!want || !*want)
        return 0;
    for (i = 0; i < x->nsheets; i++)
        if (strcmp(x->sheet_names[i], want) == 0)
            return i;
    for (i = 0; i < x->nsheets && i < 20; i++)
        list = apr_pstrcat(x->p, list, i ? "、" : "", x->sheet_names[i], NULL);
    lx_sheet_fail(x->s, apr_psprintf(x->p, "工作簿中没有名为“%s”的工作表（有：%s%s）",
                                     shown(x, want, strlen(want)), list,
                                     x->nsheets > 20 ? " 等" : ""));
    return -1;
}

static void read_workbook_parts(xr *x, const char *want)
{
    const char *rels = "xl/_rels/workbook.xml.rels";
    apr_size_t len;
    char *buf;
    int i, ok, worksheet = 0;

    if (parse_part(x, "xl/workbook.xml", 0, read_workbook) < 0)
        return;
    if (!x->sheet_names) {
        lx_sheet_fail(x->s, zip_name_locate(x->za, "xl/workbook.bin", ZIP_FL_NOCASE) >= 0
                      ? "这是二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 或 CSV"
                      : NOT_XLSX "：缺少 xl/workbook.xml");
        return;
    }
    if ((i = choose_sheet(x, want)) < 0)
        return;
    if (!(buf = read_part(x, rels, &len, 1)))
        return;
    ok = read_rels(x, buf, len, rels, x->sheet_rids[i], &worksheet);
    free(buf);
    if (ok < 0 || x->s->fatal)
        return;
    if (!x->sheet_part) {
        lx_sheet_fail(x->s, apr_psprintf(x->p, NOT_XLSX "：找不到工作表“%s”的内容",
                                         x->sheet_names[i]));
        return;
    }
    if (!worksheet) {
        lx_sheet_fail(x->s, apr_psprintf(x->p, "“%s”不是数据工作表（可能是图表），请选择名单所在的"
                                         "工作表", x->sheet_names[i]));
        return;
    }
    if (parse_part(x, x->styles_part ? x->styles_part : "xl/styles.xml", 0, read_styles) < 0
        || parse_part(x, x->sst_part ? x->sst_part : "xl/sharedStrings.xml", 0, read_sst) < 0)
        return;
    parse_part(x, x->sheet_part, 1, read_sheet);
}

lx_sheet *lx_xlsx_read(apr_pool_t *p, const char *data, apr_size_t len, const char *sheet_name)
{
    lx_sheet *s = lx_sheet_new(p);
    xr *x;
    zip_error_t ze;
    zip_source_t *src;

    if (len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
        /* an OLE compound file: an .xls, or an .xlsx that Excel encrypted with a password
         * (its streams EncryptionInfo and EncryptedPackage, named in UTF-16) */
        static const char enc[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e";
        lx_sheet_fail(s, memmem(data, len, enc, sizeof(enc) - 1)
                      ? "工作簿已加密（设有打开密码），请在 Excel 中取消密码后另存为 .xlsx 再导入"
                      : "这是旧版 Excel 文件（.xls），请在 Excel 中另存为 .xlsx 或 CSV");
        return s;
    }
    if (!lx_xlsx_sniff(data, len)) {
        lx_sheet_fail(s, NOT_XLSX);
        return s;
    }
    zip_error_init(&ze);
    if (!(src = zip_source_buffer_create(data, len, 0, &ze))) {
        zip_error_fini(&ze);
        lx_sheet_fail(s, NOT_XLSX);
        return s;
    }
    x = apr_pcalloc(p, sizeof(*x));
    x->p = p;
    x->s = s;
    x->budget = LX_XLSX_MAX_TOTAL;
    x->tb.buf = apr_palloc(p, TEXT_CAP + 1);
    x->vbuf = apr_palloc(p, TEXT_CAP + 1);
    x->isbuf = apr_palloc(p, TEXT_CAP + 1);
    x->text_left = MAX_TEXT;
    x->too_long = apr_psprintf(p, "单元格超过 %d 字节", LX_SHEET_MAX_CELL);
    if (!(x->za = zip_open_from_source(src, ZIP_RDONLY, &ze))) {
        zip_source_free(src);
        zip_error_fini(&ze);
        lx_sheet_fail(s, NOT_XLSX "：压缩包已损坏或不完整");
        return s;
    }
    zip_error_fini(&ze);
    read_workbook_parts(x, sheet_name);
    zip_discard(x->za);             /* frees src too */
    return s;
}

int lx_xlsx_sniff(const char *data, apr_size_t len)
{
    return len >= 4 && memcmp(data, "PK\3\4", 4) == 0;
}
