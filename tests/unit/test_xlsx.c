/*
 * Unit tests of core/lx_xlsx.c: workbooks made in memory part by part (tests/fuzz/xlsx_zip.h)
 * for what Excel writes and what a hostile file holds, and one saved by openpyxl
 * (tests/fixtures/xlsx, made by make_fixtures.py there).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"
#include "core/lx_xlsx.h"
#include "../fuzz/xlsx_zip.h"
#include "unit.h"

#define SHEET(rows) "<worksheet " XZ_NS "><dimension ref=\"A1:XFD1048576\"/><sheetData>" \
    rows "</sheetData></worksheet>"
#define SST(items) "<sst " XZ_NS ">" items "</sst>"

static lx_sheet *read_zip(char *zip, size_t len, const char *name)
{
    lx_sheet *s;
    ck_assert_ptr_nonnull(zip);
    s = lx_xlsx_read(pool, zip, len, name);
    free(zip);
    return s;
}

static lx_sheet *book(const char *sheet, const char *sst, const char *styles)
{
    size_t len;
    char *zip = xz_book(sheet, sst, styles, &len);
    return read_zip(zip, len, NULL);
}

/* The row on Excel's row line, or NULL. */
static const lx_row *row_at(const lx_sheet *s, int line)
{
    int i;
    for (i = 0; i < s->nrows; i++)
        if (s->rows[i].line == line)
            return &s->rows[i];
    return NULL;
}

static const char *cell(const lx_sheet *s, int line, int col)
{
    const lx_row *row = row_at(s, line);
    return row ? lx_sheet_text(row, col) : NULL;
}

/* 1 when a problem on line and col (-2: any) has value (NULL: any) and a reason holding
 * reason. */
static int has_problem(const lx_sheet *s, int line, int col, const char *value,
                       const char *reason)
{
    int i;
    for (i = 0; i < s->nproblems; i++) {
        const lx_problem *pr = &s->problems[i];
        if (pr->line == line && (col == -2 || pr->col == col)
            && (!value || (pr->value && strcmp(pr->value, value) == 0))
            && strstr(pr->reason, reason))
            return 1;
    }
    return 0;
}

START_TEST(xlsx_strings)
{
    lx_sheet *s = book(SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
                             "<c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c>"
                             "<c r=\"D1\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> 内联 "
                             "</t></is></c><c r=\"E1\" t=\"str\"><f>A1&amp;\"x\"</f><v>学号x</v>"
                             "</c><c r=\"F1\" t=\"s\"><v>3</v></c><c r=\"G1\" t=\"s\"><v>4</v>"
                             "</c><c r=\"H1\" t=\"s\"><v>9</v></c></row>"),
                       SST("<si><t>学号</t></si>"
                           "<si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space=\"preserve\">三 "
                           "</t></r><rPh sb=\"0\" eb=\"1\"><t>zhang</t></rPh></si>"
                           "<si><t>第一行_x000D_\n第二行 _x005F_x0041_ &lt;&amp;&gt; "
                           "_xD83D__xDE00_</t></si>"
                           "<si><t>430102199003071234</t></si>"
                           "<si><t>a_x0000_b</t></si>"), NULL);
    ck_assert_int_eq(s->fatal, 0);
    ck_assert_str_eq(cell(s, 1, 0), "学号");
    ck_assert_str_eq(cell(s, 1, 1), "张三 ");            /* runs joined, phonetic left out */
    ck_assert_str_eq(cell(s, 1, 2), "第一行\r\n第二行 _x0041_ <&> \xF0\x9F\x98\x80");
    ck_assert_str_eq(cell(s, 1, 3), " 内联 ");
    ck_assert_str_eq(cell(s, 1, 4), "学号x");            /* a formula's cached string */
    ck_assert_str_eq(cell(s, 1, 5), "430102199003071234"); /* an ID number typed as text */
    ck_assert_str_eq(cell(s, 1, 6), "");
    ck_assert(has_problem(s, 1, 6, NULL, "NUL"));
    ck_assert(has_problem(s, 1, 7, "9", "共享字符串"));
}
END_TEST

#define STYLES "<styleSheet " XZ_NS "><numFmts count=\"3\">" \
    "<numFmt numFmtId=\"176\" formatCode=\"0000000000\"/>" \
    "<numFmt numFmtId=\"177\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>" \
    "<numFmt numFmtId=\"178\" formatCode=\"&quot;day&quot;\\ 0.00;[Red]-0.00\"/></numFmts>" \
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>" \
    "<cellXfs count=\"7\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"22\"/>" \
    "<xf numFmtId=\"21\"/><xf numFmtId=\"176\"/><xf numFmtId=\"177\"/><xf numFmtId=\"178\"/>" \
    "</cellXfs></styleSheet>"

START_TEST(xlsx_numbers)
{
    lx_sheet *s = book(SHEET("<row r=\"2\"><c r=\"A2\"><v>2022010001</v></c>"
                             "<c r=\"B2\" t=\"n\"><v>12.5</v></c><c r=\"C2\"><v>0.30000000000000004</v>"
                             "</c><c r=\"D2\"><v>-1.5E-3</v></c><c r=\"E2\"><v>4.30302200107151E+17</v>"
                             "</c><c r=\"F2\"><v>430302200107151234</v></c><c r=\"G2\"><v>2</v></c>"
                             "<c r=\"H2\"><f>1/0</f></c><c r=\"I2\" t=\"e\"><v>#N/A</v></c>"
                             "<c r=\"J2\" t=\"b\"><v>1</v></c><c r=\"K2\" t=\"b\"><v>0</v></c>"
                             "<c r=\"L2\"><f>1+1</f><v>2</v></c><c r=\"M2\"><v>1e400</v></c>"
                             "<c r=\"N2\" s=\"6\"><v>3.25</v></c></row>"
                             "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>45474</v></c>"
                             "<c r=\"B3\" s=\"1\"><v>60</v></c><c r=\"C3\" s=\"1\"><v>61</v></c>"
                             "<c r=\"D3\" s=\"1\"><v>59</v></c><c r=\"E3\" s=\"2\"><v>45474.5</v></c>"
                             "<c r=\"F3\" s=\"3\"><v>0.75</v></c><c r=\"G3\" s=\"4\"><v>22010001</v>"
                             "</c><c r=\"H3\" s=\"5\"><v>44805</v></c><c r=\"I3\" s=\"4\"><v>-7</v>"
                             "</c></row>"), NULL, STYLES);
    ck_assert_int_eq(s->fatal, 0);
    ck_assert_str_eq(cell(s, 2, 0), "2022010001");
    ck_assert_str_eq(cell(s, 2, 1), "12.5");
    ck_assert_str_eq(cell(s, 2, 2), "0.3");
    ck_assert_str_eq(cell(s, 2, 3), "-0.0015");
    ck_assert_str_eq(cell(s, 2, 4), "");
    ck_assert(has_problem(s, 2, 4, "4.30302200107151E+17", "数字超过 15 位"));
    ck_assert(has_problem(s, 2, 5, "430302200107151234", "身份证号"));
    ck_assert_str_eq(cell(s, 2, 6), "2");
    ck_assert(has_problem(s, 2, 7, NULL, "公式没有计算结果"));
    ck_assert(has_problem(s, 2, 8, "#N/A", "单元格是错误值"));
    ck_assert_str_eq(cell(s, 2, 9), "TRUE");
    ck_assert_str_eq(cell(s, 2, 10), "FALSE");
    ck_assert_str_eq(cell(s, 2, 11), "2");
    ck_assert(has_problem(s, 2, 12, "1e400", "无法识别"));
    ck_assert_str_eq(cell(s, 2, 13), "3.25");           /* "day" quoted: not a date */
    ck_assert_str_eq(cell(s, 3, 0), "2024-07-01");
    ck_assert_str_eq(cell(s, 3, 1), "1900-02-29");      /* Lotus's day that never was */
    ck_assert_str_eq(cell(s, 3, 2), "1900-03-01");
    ck_assert_str_eq(cell(s, 3, 3), "1900-02-28");
    ck_assert_str_eq(cell(s, 3, 4), "2024-07-01 12:00");
    ck_assert_str_eq(cell(s, 3, 5), "18:00:00");
    ck_assert_str_eq(cell(s, 3, 6), "0022010001");      /* format 0000000000: as shown */
    ck_assert_str_eq(cell(s, 3, 7), "2022-09-01");
    ck_assert_str_eq(cell(s, 3, 8), "-0000000007");
}
END_TEST

START_TEST(xlsx_positions)
{
    lx_sheet *s = book(SHEET("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c><v>2</v></c></row>"
                             "<row r=\"5\"><c r=\"C5\" t=\"inlineStr\"><is><t>c5</t></is></c>"
                             "<c r=\"BZ5\"><v>9</v></c><c r=\"CA5\"><v>9</v></c></row>"
                             "<row><c r=\"B6\"><v>6</v></c><c r=\"A6\"><v>7</v></c></row>"
                             "<row r=\"7\"><c r=\"A7\" s=\"1\"/><c r=\"XFD7\" s=\"1\"/></row>"
                             "<row r=\"1048576\"><c r=\"A1048576\" s=\"1\"/></row>"), NULL, NULL);
    ck_assert_int_eq(s->fatal, 0);
    ck_assert_int_eq(s->nrows, 3);                      /* rows without text are not added */
    ck_assert_str_eq(cell(s, 1, 1), "2");               /* a cell without r follows */
    ck_assert_int_eq(row_at(s, 5)->cells[2].line, 5);
    ck_assert_str_eq(cell(s, 5, 0), "");
    ck_assert_str_eq(cell(s, 5, 1), "");
    ck_assert_str_eq(cell(s, 5, 2), "c5");
    ck_assert(has_problem(s, 5, -1, NULL, "一行最多 64 列"));
    ck_assert_int_eq(s->nproblems, 2);                  /* that, and A6 after B6 */
    ck_assert_str_eq(cell(s, 6, 1), "6");
    ck_assert(has_problem(s, 6, 0, "7", "顺序"));
}
END_TEST

static char *two_sheets(size_t *len, const char *workbook)
{
    const xz_part parts[] = {
        {"xl/workbook.xml", workbook, 0},
        {"xl/_rels/workbook.xml.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org"
         "/package/2006/relationships\"><Relationship Id=\"rId7\" Type=\"" XZ_REL "worksheet\" "
         "Target=\"/xl/worksheets/sheet2.xml\"/><Relationship Id=\"rId8\" Type=\"" XZ_REL
         "worksheet\" Target=\"./worksheets/../worksheets/sheet1.xml\"/></Relationships>", 0},
        {"xl/worksheets/sheet1.xml", SHEET("<row r=\"1\"><c r=\"A1\" s=\"0\"><v>0</v></c></row>"), 0},
        {"xl/worksheets/sheet2.xml", SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>说明"
                                           "</t></is></c></row>"), 0},
    };
    return xz_zip(parts, 4, 0, len);
}

#define WORKBOOK(pr) "<workbook " XZ_NS ">" pr "<sheets><sheet name=\"说明\" sheetId=\"2\" " \
    "r:id=\"rId7\"/><sheet name=\"名单\" sheetId=\"1\" r:id=\"rId8\"/></sheets></workbook>"

START_TEST(xlsx_named_sheets)
{
    size_t len;
    lx_sheet *s;
    char *zip = two_sheets(&len, WORKBOOK(""));
    s = read_zip(zip, len, NULL);
    ck_assert_int_eq(s->fatal, 0);
    ck_assert_str_eq(cell(s, 1, 0), "说明");           /* the first in the workbook's order */
    zip = two_sheets(&len, WORKBOOK(""));
    s = read_zip(zip, len, "名单");
    ck_assert_int_eq(s->fatal, 0);
    ck_assert_str_eq(cell(s, 1, 0), "0");
    zip = two_sheets(&len, WORKBOOK(""));
    s = read_zip(zip, len, "花名册");
    ck_assert_int_eq(s->fatal, 1);
    ck_assert(has_problem(s, 0, -1, NULL, "没有名为“花名册”的工作表（有：说明、名单）"));
    zip = two_sheets(&len, WORKBOOK(""));
    s = read_zip(zip, len, "");
    ck_assert_str_eq(cell(s, 1, 0), "说明");
}
END_TEST

START_TEST(xlsx_date1904)
{
    const xz_part parts[] = {
        {"xl/workbook.xml", "<workbook " XZ_NS "><workbookPr date1904=\"1\"/><sheets><sheet "
         "name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", 0},
        {"xl/_rels/workbook.xml.rels", "<Relationships><Relationship Id=\"rId1\" Type=\""
         XZ_REL "worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>", 0},
        {"xl/worksheets/sheet1.xml", SHEET("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c>"
                                           "<c r=\"B1\" s=\"1\"><v>44012</v></c></row>"), 0},
        {"xl/styles.xml", STYLES, 0},
    };
    size_t len;
    char *zip = xz_zip(parts, 4, 0, &len);
    lx_sheet *s = read_zip(zip, len, NULL);
    ck_assert_int_eq(s->fatal, 0);
    ck_assert_str_eq(cell(s, 1, 0), "1904-01-01");
    ck_assert_str_eq(cell(s, 1, 1), "2024-07-01");
}
END_TEST

START_TEST(xlsx_openpyxl_roster)
{
    static char buf[65536];
    FILE *f = fopen("tests/fixtures/xlsx/roster.xlsx", "rb");
    size_t n;
    lx_sheet *s;
    ck_assert_ptr_nonnull(f);
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    ck_assert(lx_xlsx_sniff(buf, n));
    s = lx_xlsx_read(pool, buf, n, NULL);
    ck_assert_int_eq(s->fatal, 0);
    ck_assert_str_eq(cell(s, 1, 0), "学号");
    ck_assert_str_eq(cell(s, 2, 0), "2022010001");
    ck_assert_str_eq(cell(s, 2, 2), "430102199003071234");
    ck_assert_str_eq(cell(s, 2, 3), "2022-09-01");
    ck_assert_str_eq(cell(s, 2, 4), "12.5");
    ck_assert_str_eq(cell(s, 2, 5), "第一行\r\n第二行");
    ck_assert_str_eq(cell(s, 3, 0), "2022010002");
    ck_assert(has_problem(s, 3, 2, NULL, "数字超过 15 位"));
    ck_assert_str_eq(cell(s, 4, 0), "0022010003");
    ck_assert_ptr_null(row_at(s, 5));
    ck_assert_str_eq(cell(s, 6, 2), "C6 alone");
    s = lx_xlsx_read(pool, buf, n, "说明");
    ck_assert_str_eq(cell(s, 1, 0), "本表由教务系统导出");
}
END_TEST

static void refused(const char *data, size_t len, const char *reason)
{
    lx_sheet *s = lx_xlsx_read(pool, data, len, NULL);
    ck_assert_int_eq(s->fatal, 1);
    ck_assert_int_eq(s->nrows, 0);
    ck_assert_msg(has_problem(s, 0, -1, NULL, reason), "wanted \"%s\", got \"%s\"", reason,
                  s->nproblems ? s->problems[0].reason : "(none)");
}

START_TEST(xlsx_not_workbooks)
{
    static const char ole[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 Workbook";
    static const char enc[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 E\0n\0c\0r\0y\0p\0t\0e\0d\0"
                              "P\0a\0c\0k\0a\0g\0e\0";
    size_t len;
    char *zip;
    const xz_part other[] = {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet", 0}};

    refused("学号,姓名\n", 14, "文件不是有效的 Excel 工作簿（.xlsx）");
    refused("", 0, "文件不是有效的 Excel 工作簿");
    refused(ole, sizeof(ole) - 1, "这是旧版 Excel 文件（.xls），请在 Excel 中另存为 .xlsx 或 CSV");
    refused(enc, sizeof(enc) - 1, "已加密");
    ck_assert(!lx_xlsx_sniff(ole, sizeof(ole) - 1));
    zip = xz_book(NULL, NULL, NULL, &len);
    refused(zip, len / 2, "压缩包已损坏或不完整");       /* truncated */
    free(zip);
    zip = xz_zip(other, 1, 0, &len);
    refused(zip, len, "缺少 xl/workbook.xml");
    free(zip);
}
END_TEST

/* Sets the uncompressed size of part name, in its local header and the central directory. */
static void declare_size(char *zip, size_t len, const char *name, uint32_t size)
{
    size_t i, n = strlen(name);
    int patched = 0;
    for (i = 0; i + 46 + n <= len; i++) {
        unsigned char *h = (unsigned char *)zip + i;
        size_t at = 0;
        if (memcmp(h, "PK\3\4", 4) == 0 && (size_t)(h[26] + 256 * h[27]) == n && !memcmp(h + 30, name, n))
            at = 22;
        else if (memcmp(h, "PK\1\2", 4) == 0 && (size_t)(h[28] + 256 * h[29]) == n
                 && !memcmp(h + 46, name, n))
            at = 24;
        if (at) {
            h[at] = size & 0xFF;
            h[at + 1] = size >> 8 & 0xFF;
            h[at + 2] = size >> 16 & 0xFF;
            h[at + 3] = size >> 24 & 0xFF;
            patched++;
        }
    }
    ck_assert_int_eq(patched, 2);
}

START_TEST(xlsx_zip_bombs)
{
    /* rows of zeros: a part that inflates far beyond what its archive takes */
    apr_size_t n = 1 << 20, i;
    char *big = malloc(n + 1), *zip;
    xz_part parts[] = {
        {"xl/workbook.xml", "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\" xmlns:r=\"r\"/>"
         "</sheets></workbook>", 0},
        {"xl/_rels/workbook.xml.rels", "<Relationships><Relationship Id=\"rId1\" Type=\"x/"
         "worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>", 0},
        {"xl/worksheets/sheet1.xml", NULL, 0},
    };
    size_t len;
    ck_assert_ptr_nonnull(big);
    memcpy(big, "<worksheet><sheetData>", 22);
    for (i = 22; i < n; i++)
        big[i] = ' ';
    big[n] = '\0';
    parts[2].data = big;
    zip = xz_zip(parts, 3, 0, &len);
    ck_assert_ptr_nonnull(zip);
    ck_assert_uint_lt(len, 20000);
    declare_size(zip, len, "xl/worksheets/sheet1.xml", 0xF0000000u);     /* declared too big */
    refused(zip, len, "解压后过大");
    declare_size(zip, len, "xl/worksheets/sheet1.xml", 100);      /* declared less than it is */
    refused(zip, len, "与声明的大小不符");
    free(zip);
    free(big);
}
END_TEST

START_TEST(xlsx_doctype)
{
    lx_sheet *s;
    s = book("<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY a \"aaaaaaaaaa\">"
             "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
             SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&b;</t></is></c></row>"),
             NULL, NULL);
    ck_assert_int_eq(s->fatal, 1);
    ck_assert_int_eq(s->nrows, 0);
    ck_assert(has_problem(s, 0, -1, NULL, "DOCTYPE"));
    s = book(NULL, "<!DOCTYPE sst SYSTEM \"http://127.0.0.1:9/x.dtd\">" SST("<si><t>x</t></si>"),
             NULL);
    ck_assert(has_problem(s, 0, -1, NULL, "DOCTYPE"));
    s = book(SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&undeclared;</t></is>"
                   "</c></row>"), NULL, NULL);
    ck_assert_int_eq(s->fatal, 1);
    s = book(SHEET("<row r=\"1\"><c r=\"AAAAAAAAAAAAAAAAAAA1\"><v>1</v></c></row>"), NULL, NULL);
    ck_assert(has_problem(s, 0, -1, NULL, "单元格位置"));   /* fuzz: the column overflowed */
    s = book(SHEET("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>"), NULL, NULL);
    ck_assert(has_problem(s, 0, -1, NULL, "单元格位置“XFE1”无效"));
    s = book(SHEET("<row r=\"1\"><c r=\"A1\"><v>1</v></c>"), NULL, NULL);   /* unclosed */
    ck_assert(has_problem(s, 0, -1, NULL, "不是有效的 XML"));
}
END_TEST

Suite *xlsx_suite(void)
{
    Suite *s = suite_create("xlsx");
    TCase *t = tcase_create("xlsx");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, xlsx_strings);
    tcase_add_test(t, xlsx_numbers);
    tcase_add_test(t, xlsx_positions);
    tcase_add_test(t, xlsx_named_sheets);
    tcase_add_test(t, xlsx_date1904);
    tcase_add_test(t, xlsx_openpyxl_roster);
    tcase_add_test(t, xlsx_not_workbooks);
    tcase_add_test(t, xlsx_zip_bombs);
    tcase_add_test(t, xlsx_doctype);
    suite_add_tcase(s, t);
    return s;
}
