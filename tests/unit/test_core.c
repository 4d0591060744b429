/*
 * Unit tests of the plain C parts (mod_lixiao/core), linked without httpd.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"
#include "apr_strings.h"
#include <libxml/HTMLtree.h>
#include "core/lx_csrf.h"
#include "core/lx_csvread.h"
#include "core/lx_export.h"
#include "core/lx_import.h"
#include "core/lx_form.h"
#include "core/lx_html.h"
#include "core/lx_idcard.h"
#include "core/lx_json.h"
#include "core/lx_multipart.h"
#include "core/lx_query.h"
#include "core/lx_text.h"
#include "core/lx_pgres.h"
#include "core/lx_digest.h"
#include "core/lx_marks.h"
#include "unit.h"

#define TODAY 20261128L

apr_pool_t *pool;

void setup(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
}

void teardown(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
}

/* ---- resident ID numbers ---- */

START_TEST(id_valid)
{
    char norm[19];
    ck_assert_int_eq(lx_idcard_check("11010519491231002X", TODAY, norm), LX_ID_OK);
    ck_assert_str_eq(norm, "11010519491231002X");
    ck_assert_int_eq(lx_idcard_check("430102200107151234", TODAY, NULL), LX_ID_OK);
}
END_TEST

START_TEST(id_lowercase_x_is_X)
{
    char norm[19];
    ck_assert_int_eq(lx_idcard_check("11010519491231002x", TODAY, norm), LX_ID_OK);
    ck_assert_str_eq(norm, "11010519491231002X");
}
END_TEST

START_TEST(id_bad_check_digit)
{
    ck_assert_int_eq(lx_idcard_check("110105194912310021", TODAY, NULL), LX_ID_CHECK);
    ck_assert_int_eq(lx_idcard_check("430102200107151235", TODAY, NULL), LX_ID_CHECK);
}
END_TEST

START_TEST(id_length_and_chars)
{
    ck_assert_int_eq(lx_idcard_check("", TODAY, NULL), LX_ID_LENGTH);
    ck_assert_int_eq(lx_idcard_check("110105491231002", TODAY, NULL), LX_ID_LENGTH);   /* 15 */
    ck_assert_int_eq(lx_idcard_check("11010519491231002X1", TODAY, NULL), LX_ID_LENGTH);
    ck_assert_int_eq(lx_idcard_check("1101051949123100X2", TODAY, NULL), LX_ID_CHARS);
    ck_assert_int_eq(lx_idcard_check("11010519491231 02X", TODAY, NULL), LX_ID_CHARS);
    /* full-width digits are not ASCII digits (and not 18 bytes either) */
    ck_assert_int_ne(lx_idcard_check("\xef\xbc\x91\xef\xbc\x91" "0105194912310", TODAY, NULL),
                     LX_ID_OK);
}
END_TEST

/* Build a number with a correct check digit for a given 17-digit body. */
static void with_check(char out[19], const char *body17)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int i, s = 0;
    for (i = 0; i < 17; i++)
        s += (body17[i] - '0') * w[i];
    memcpy(out, body17, 17);
    out[17] = "10X98765432"[s % 11];
    out[18] = '\0';
}

/* Six Chinese characters are 18 bytes: a name, not a number to check (issue 22). */
START_TEST(id_attempt_is_ascii)
{
    ck_assert(lx_idcard_attempt("43010219900101123A"));
    ck_assert(lx_idcard_attempt("11010519491231002X"));
    ck_assert(!lx_idcard_attempt("欧阳娜娜娜娜"));
    ck_assert(!lx_idcard_attempt("4301021990010112"));
    ck_assert(!lx_idcard_attempt("4301021990010112345"));
}
END_TEST

START_TEST(id_dates)
{
    char id[19];
    with_check(id, "43010220230230123");          /* 30 February */
    ck_assert_int_eq(lx_idcard_check(id, TODAY, NULL), LX_ID_DATE);
    with_check(id, "43010220000229123");          /* 2000 was a leap year */
    ck_assert_int_eq(lx_idcard_check(id, TODAY, NULL), LX_ID_OK);
    with_check(id, "43010219000229123");          /* 1900 was not */
    ck_assert_int_eq(lx_idcard_check(id, TODAY, NULL), LX_ID_DATE);
    with_check(id, "43010220261301123");          /* month 13 */
    ck_assert_int_eq(lx_idcard_check(id, TODAY, NULL), LX_ID_DATE);
    with_check(id, "43010220301231123");          /* in the future */
    ck_assert_int_eq(lx_idcard_check(id, TODAY, NULL), LX_ID_FUTURE);
    with_check(id, "43010220261128123");          /* born today: not in the past */
    ck_assert_int_eq(lx_idcard_check(id, TODAY, NULL), LX_ID_FUTURE);
}
END_TEST

START_TEST(id_messages)
{
    ck_assert_str_ne(lx_idcard_message(LX_ID_CHECK), "");
    ck_assert_str_ne(lx_idcard_message(LX_ID_CHECK), lx_idcard_message(LX_ID_DATE));
}
END_TEST

/* ---- query strings and student numbers ---- */

START_TEST(query_params)
{
    ck_assert_str_eq(lx_query_param(pool, "format=xml", "format"), "xml");
    ck_assert_str_eq(lx_query_param(pool, "a=1&format=xml&b=2", "format"), "xml");
    ck_assert_ptr_null(lx_query_param(pool, "formats=xml", "format"));
    ck_assert_ptr_null(lx_query_param(pool, NULL, "format"));
    ck_assert_str_eq(lx_query_param(pool, "no=%32%30+x", "no"), "20 x");
    ck_assert_str_eq(lx_query_param(pool, "no", "no"), "");
    ck_assert_str_eq(lx_query_param(pool, "no=1&no=2", "no"), "1");
    ck_assert_ptr_null(lx_query_param(pool, "no=%2", "no"));      /* cut escape */
    ck_assert_ptr_null(lx_query_param(pool, "no=%zz", "no"));
    ck_assert_ptr_null(lx_query_param(pool, "no=a%00b", "no"));   /* encoded NUL */
}
END_TEST

START_TEST(student_numbers)
{
    ck_assert(lx_student_no_valid("2022010001"));
    ck_assert(!lx_student_no_valid("202201000"));
    ck_assert(!lx_student_no_valid("20220100011"));
    ck_assert(!lx_student_no_valid("2022O10001"));
    ck_assert(!lx_student_no_valid(""));
    ck_assert(!lx_student_no_valid("２０２２０１０００１"));
}
END_TEST

START_TEST(halfwidth_search_text)
{
    ck_assert_str_eq(lx_query_halfwidth(pool, "２０２２０１０００１"), "2022010001");
    ck_assert_str_eq(lx_query_halfwidth(pool, "43010220020413003Ｘ"), "43010220020413003X");
    ck_assert_str_eq(lx_query_halfwidth(pool, "４３０１０２２００２０４１３００３ｘ"),
                     "43010220020413003X");
    ck_assert_str_eq(lx_query_halfwidth(pool, "430102200204130031"), "430102200204130031");
    ck_assert_str_eq(lx_query_halfwidth(pool, "张３"), "张３");          /* a name: as it is */
    ck_assert_str_eq(lx_query_halfwidth(pool, "２０２２ 0１"), "２０２２ 0１");
    ck_assert_str_eq(lx_query_halfwidth(pool, "\xEF\xBC"), "\xEF\xBC");      /* cut short */
    ck_assert_str_eq(lx_query_halfwidth(pool, ""), "");
    ck_assert_uint_eq(lx_query_chars("测试ab"), 4);
    ck_assert_uint_eq(lx_query_chars(""), 0);
}
END_TEST

/* ---- text for XML and logs ---- */

START_TEST(text_xml)
{
    char *c;
    ck_assert(lx_text_xml_safe("张明远 <b>&amp; \"x\"\t\n"));
    ck_assert(!lx_text_xml_safe("a\x01" "b"));
    ck_assert(!lx_text_xml_safe("\xff"));
    ck_assert(!lx_text_xml_safe("\xc0\xaf"));                /* overlong '/' */
    ck_assert(!lx_text_xml_safe("\xed\xa0\x80"));            /* surrogate */
    ck_assert(!lx_text_xml_safe("\xe5\xbc"));                /* cut sequence */
    ck_assert(!lx_text_xml_safe("a\x7f"));                    /* DEL */
    ck_assert(!lx_text_xml_safe("\xc2\x85"));                /* U+0085, a C1 control */
    ck_assert(!lx_text_xml_safe("\xef\xb7\x90"));            /* U+FDD0, a non-character */
    ck_assert(!lx_text_xml_safe("\xef\xbf\xbe"));            /* U+FFFE */
    ck_assert(!lx_text_xml_safe("\xf0\x9f\xbf\xbf"));        /* U+1FFFF */
    ck_assert(lx_text_xml_safe("\xef\xb7\xb0\xf0\x9f\x98\x80"));  /* U+FDF0, an emoji */
    c = lx_text_xml_clean("a\x01" "b\xff" "c张");
    ck_assert_str_eq(c, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c张");
    ck_assert(lx_text_xml_safe(c));
    free(c);
    c = lx_text_xml_clean("a\xc2\x85" "b\xef\xb7\x90" "c\x7f");  /* one U+FFFD each */
    ck_assert_str_eq(c, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
    free(c);
}
END_TEST

START_TEST(text_trim)
{
    char a[] = "  2022010001 \r\n", b[] = "", c[] = "张 三";
    ck_assert_str_eq(lx_text_trim(a), "2022010001");
    ck_assert_str_eq(lx_text_trim(b), "");
    ck_assert_str_eq(lx_text_trim(c), "张 三");
}
END_TEST

START_TEST(text_one_line)
{
    char a[] = "bad\r\nlog line\n", b[] = "", c[] = "张 三\t";
    ck_assert_str_eq(lx_text_one_line(a), "bad  log line ");
    ck_assert_str_eq(lx_text_one_line(b), "");
    ck_assert_str_eq(lx_text_one_line(c), "张 三\t");
}
END_TEST

/* ---- forms ---- */

static lx_form_result parse(const char *body, int max, apr_table_t **t)
{
    return lx_form_parse(pool, body, strlen(body), max, t);
}

START_TEST(form_fields)
{
    apr_table_t *t;
    ck_assert_int_eq(parse("a=1&b=%E5%BC%A0+x&step.party_transfer=1", 10, &t), LX_FORM_OK);
    ck_assert_str_eq(apr_table_get(t, "a"), "1");
    ck_assert_str_eq(apr_table_get(t, "b"), "张 x");
    ck_assert_str_eq(apr_table_get(t, "step.party_transfer"), "1");
    ck_assert_int_eq(parse("", 10, &t), LX_FORM_OK);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    ck_assert_int_eq(parse("a&&b=", 10, &t), LX_FORM_OK);
    ck_assert_str_eq(apr_table_get(t, "a"), "");
    ck_assert_str_eq(apr_table_get(t, "b"), "");
}
END_TEST

START_TEST(form_refusals)
{
    apr_table_t *t;
    ck_assert_int_eq(parse("a=1&a=2", 10, &t), LX_FORM_DUPLICATE);
    ck_assert_int_eq(parse("a=1&%61=2", 10, &t), LX_FORM_DUPLICATE);   /* same key encoded */
    ck_assert_int_eq(parse("a=1&b=2&c=3", 2, &t), LX_FORM_TOO_MANY);
    ck_assert_int_eq(parse("a=%zz", 10, &t), LX_FORM_BAD_ESCAPE);
    ck_assert_int_eq(parse("a=%4", 10, &t), LX_FORM_BAD_ESCAPE);
    ck_assert_int_eq(parse("a=x%00y", 10, &t), LX_FORM_BAD_ESCAPE);
    /* a NUL byte in the body: not a value cut short ("x"), a refusal (found by fuzz_form) */
    ck_assert_int_eq(lx_form_parse(pool, "a=x\0y", 5, 10, &t), LX_FORM_BAD_ESCAPE);
    ck_assert_int_eq(lx_form_parse(pool, "a\0b=1&a=2", 10, 10, &t), LX_FORM_BAD_ESCAPE);
    ck_assert_int_eq(parse("=1", 10, &t), LX_FORM_BAD_ESCAPE);
    ck_assert_int_eq(parse("a=%FF", 10, &t), LX_FORM_BAD_TEXT);
    ck_assert_int_eq(parse("a=%01", 10, &t), LX_FORM_BAD_TEXT);
    ck_assert_int_eq(parse("a=x%0D%0Ay", 10, &t), LX_FORM_OK);          /* CR LF are text */
}
END_TEST

/* ---- CSRF tokens ---- */

static const unsigned char SECRET[] = "0123456789abcdef0123456789abcdef-secret";

START_TEST(csrf_round_trip)
{
    char tok[LX_CSRF_MAX];
    ck_assert_int_eq(lx_csrf_make(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", 2000), 0);
    ck_assert_int_eq(lx_csrf_check(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", 1999, 3600),
                     LX_CSRF_OK);
    ck_assert_int_eq(lx_csrf_check(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", 2001, 3600),
                     LX_CSRF_EXPIRED);
    ck_assert_int_eq(lx_csrf_check(tok, SECRET, sizeof(SECRET) - 1, "op_b", "desk", 1000, 3600),
                     LX_CSRF_FORGED);
    ck_assert_int_eq(lx_csrf_check(tok, SECRET, sizeof(SECRET) - 1, "op_a", "admin", 1000, 3600),
                     LX_CSRF_FORGED);
    ck_assert_int_eq(lx_csrf_check(tok, (const unsigned char *)"another secret of 32 bytes!!!!!!",
                                   32, "op_a", "desk", 1000, 3600), LX_CSRF_FORGED);
}
END_TEST

START_TEST(csrf_tampering)
{
    char tok[LX_CSRF_MAX], bad[LX_CSRF_MAX + 8];
    lx_csrf_make(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", 2000);
    /* a later expiry with the old MAC */
    snprintf(bad, sizeof(bad), "9999%s", tok);
    ck_assert_int_eq(lx_csrf_check(bad, SECRET, sizeof(SECRET) - 1, "op_a", "desk", 1000,
                                   100000000), LX_CSRF_FORGED);
    ck_assert_int_eq(lx_csrf_check(NULL, SECRET, 8, "op_a", "desk", 1, 3600), LX_CSRF_MISSING);
    ck_assert_int_eq(lx_csrf_check("", SECRET, 8, "op_a", "desk", 1, 3600), LX_CSRF_MISSING);
    ck_assert_int_eq(lx_csrf_check("abc", SECRET, 8, "op_a", "desk", 1, 3600), LX_CSRF_MALFORMED);
    ck_assert_int_eq(lx_csrf_check("x.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SECRET, 8,
                                   "op_a", "desk", 1, 3600), LX_CSRF_MALFORMED);
    /* user and action are separated: ("ab", "c") is not ("a", "bc") */
    lx_csrf_make(tok, SECRET, sizeof(SECRET) - 1, "ab", "c", 2000);
    ck_assert_int_eq(lx_csrf_check(tok, SECRET, sizeof(SECRET) - 1, "a", "bc", 1000, 3600),
                     LX_CSRF_FORGED);
}
END_TEST

/* issue 19: an expiry 10^9 s ahead was accepted; now at most lifetime + skew ahead */
START_TEST(csrf_parse_time)
{
    long long t;
    ck_assert_int_eq(lx_csrf_parse_time("1970-01-01T00:00Z", &t), 0);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(lx_csrf_parse_time("2026-06-20T18:00+08:00", &t), 0);
    ck_assert_int_eq(t, 1781949600LL);                   /* date -d 2026-06-20T10:00Z +%s */
    ck_assert_int_eq(lx_csrf_parse_time("2024-02-29 23:59:59-05:30", &t), 0);
    ck_assert_int_eq(t, 1709270999LL);                   /* 2024-03-01T05:29:59Z */
    ck_assert_int_eq(lx_csrf_parse_time("2026-06-20T18:00", &t), -1);       /* no offset */
    ck_assert_int_eq(lx_csrf_parse_time("2025-02-29T00:00Z", &t), -1);      /* no such day */
    ck_assert_int_eq(lx_csrf_parse_time("2026-6-20T18:00Z", &t), -1);
    ck_assert_int_eq(lx_csrf_parse_time("2026-06-20T24:00Z", &t), -1);
    ck_assert_int_eq(lx_csrf_parse_time("2026-06-20T18:00+08:00x", &t), -1);
    ck_assert_int_eq(lx_csrf_parse_time(NULL, &t), -1);
}
END_TEST

START_TEST(csrf_expiry_capped)
{
    char tok[LX_CSRF_MAX];
    long long now = 1700000000LL;
    lx_csrf_make(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", now + 1000000000LL);
    ck_assert_int_eq(lx_csrf_check(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", now, 3600),
                     LX_CSRF_TOO_FAR);
    lx_csrf_make(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", now + 3600 + LX_CSRF_SKEW + 1);
    ck_assert_int_eq(lx_csrf_check(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", now, 3600),
                     LX_CSRF_TOO_FAR);
    lx_csrf_make(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", now + 3600 + LX_CSRF_SKEW);
    ck_assert_int_eq(lx_csrf_check(tok, SECRET, sizeof(SECRET) - 1, "op_a", "desk", now, 3600),
                     LX_CSRF_OK);
    ck_assert_int_eq(lx_csrf_check("9999999999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                   SECRET, sizeof(SECRET) - 1, "op_a", "desk", now, 3600),
                     LX_CSRF_TOO_FAR);
}
END_TEST

/* issue 19: a token in a URL never reaches a log; only its value goes */
START_TEST(query_redact)
{
    static const char *const names[] = {"access_token", "token", NULL};
    apr_pool_t *p = pool;
    int n;
    ck_assert_str_eq(lx_query_redact(p, "a=1&access_token=abc&b=2", names, &n),
                     "a=1&access_token=REDACTED&b=2");
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(lx_query_redact(p, "Token=x;access%5Ftoken=y&token", names, &n),
                     "Token=REDACTED;access%5Ftoken=REDACTED&token=REDACTED");
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(lx_query_redact(p, "format=xml&tokens=1", names, &n), "format=xml&tokens=1");
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_null(lx_query_redact(p, NULL, names, &n));
}
END_TEST

START_TEST(base64url)
{
    char out[16];
    lx_base64url(out, (const unsigned char *)"\xfb\xff", 2);
    ck_assert_str_eq(out, "-_8");
    lx_base64url(out, (const unsigned char *)"abc", 3);
    ck_assert_str_eq(out, "YWJj");
    lx_base64url(out, (const unsigned char *)"a", 1);
    ck_assert_str_eq(out, "YQ");
}
END_TEST

/* ---- multipart uploads and JSON strings ---- */

START_TEST(multipart_parts)
{
    static const char body[] =
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
        "Content-Type: text/csv\r\n\r\n\xef\xbb\xbf" "a,b\r\n\0c\r\n--XyZ--\r\n";
    apr_hash_t *parts;
    lx_part *f;
    const char *b = lx_multipart_boundary(pool, "multipart/form-data; boundary=XyZ");
    ck_assert_str_eq(b, "XyZ");
    ck_assert_str_eq(lx_multipart_boundary(pool, "multipart/form-data; boundary=\"q r\""), "q r");
    ck_assert_ptr_null(lx_multipart_boundary(pool, "application/x-www-form-urlencoded"));
    ck_assert_ptr_null(lx_multipart_boundary(pool, "multipart/form-data"));
    ck_assert_int_eq(lx_multipart_parse(pool, b, body, sizeof(body) - 1, 10, &parts), LX_MP_OK);
    ck_assert_str_eq(((lx_part *)apr_hash_get(parts, "csrf", APR_HASH_KEY_STRING))->data, "tok");
    f = apr_hash_get(parts, "file", APR_HASH_KEY_STRING);
    ck_assert_str_eq(f->filename, "a.csv");
    ck_assert_uint_eq(f->len, 10);                          /* binary-safe: the NUL stays */
    ck_assert(memcmp(f->data, "\xef\xbb\xbf" "a,b\r\n\0c", 10) == 0);
}
END_TEST

START_TEST(multipart_refusals)
{
    apr_hash_t *parts;
    static const char dup[] =
        "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
        "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--B--";
    static const char unclosed[] =
        "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1";
    static const char noname[] = "--B\r\nContent-Type: text/plain\r\n\r\n1\r\n--B--";
    ck_assert_int_eq(lx_multipart_parse(pool, "B", dup, sizeof(dup) - 1, 10, &parts),
                     LX_MP_DUPLICATE);
    ck_assert_int_eq(lx_multipart_parse(pool, "B", dup, sizeof(dup) - 1, 1, &parts),
                     LX_MP_TOO_MANY);
    ck_assert_int_eq(lx_multipart_parse(pool, "B", unclosed, sizeof(unclosed) - 1, 10, &parts),
                     LX_MP_MALFORMED);
    ck_assert_int_eq(lx_multipart_parse(pool, "B", noname, sizeof(noname) - 1, 10, &parts),
                     LX_MP_MALFORMED);
    ck_assert_int_eq(lx_multipart_parse(pool, "B", "garbage", 7, 10, &parts), LX_MP_MALFORMED);
}
END_TEST

/* ---- the import's CSV reader and mapping (lx_csvread.c, lx_import.c) ---- */

static lx_sheet *csv(const char *file, apr_size_t len, const char *choice)
{
    return lx_csv_read(pool, file, len, choice);
}

START_TEST(csv_records_and_lines)
{
    /* LF, CRLF and a lone CR each end one line; a quoted cell over two lines keeps one LF and
     * the next record starts on the file's next line */
    static const char f[] = "a,b\r\nc,\"d\r\ne\"\rf,\"\"\"q\"\"\"\ng,\\.\n";
    lx_sheet *s = csv(f, sizeof(f) - 1, NULL);
    ck_assert_int_eq(s->nproblems, 0);
    ck_assert_int_eq(s->nrows, 4);
    ck_assert_int_eq(s->rows[1].line, 2);
    ck_assert_str_eq(s->rows[1].cells[1].text, "d\ne");
    ck_assert_int_eq(s->rows[2].line, 4);
    ck_assert_str_eq(s->rows[2].cells[1].text, "\"q\"");
    ck_assert_int_eq(s->rows[3].line, 5);
    ck_assert_str_eq(s->rows[3].cells[1].text, "\\.");       /* data, like any other */
    ck_assert_str_eq(s->source, "UTF-8");
}
END_TEST

START_TEST(csv_encodings)
{
    lx_sheet *s = csv("\xef\xbb\xbf" "a,张\r\n", 10, NULL);
    ck_assert_int_eq(s->nproblems, 0);
    ck_assert_str_eq(s->rows[0].cells[0].text, "a");        /* the mark goes */
    s = csv("a,\xd5\xc5\n", 5, "auto");
    ck_assert_str_eq(s->source, "GB18030");
    ck_assert_str_eq(s->rows[0].cells[1].text, "张");
    /* a UTF-8 file with a GB18030 row: UTF-8, the bad line named (not the header's) */
    s = csv("学号,姓名\n1,张三\n2,\xd5\xc5\n3,李四\n", 37, NULL);
    ck_assert_str_eq(s->source, "UTF-8");
    ck_assert_int_eq(s->nproblems, 1);
    ck_assert_int_eq(s->problems[0].line, 3);
    s = csv("a,\xd5\xc5\n", 5, "utf-8");
    ck_assert_int_eq(s->nproblems, 1);
    ck_assert_int_eq(s->problems[0].line, 1);
    s = csv("\xff\xfe" "a\0", 4, NULL);
    ck_assert(s->fatal);
    s = csv("a,b", 3, "latin1");
    ck_assert(s->fatal);
    s = csv("", 0, NULL);
    ck_assert_int_eq(s->nrows, 0);
    ck_assert(!s->fatal);
}
END_TEST

START_TEST(csv_refusals)
{
    lx_sheet *s = csv("a,b\nc,d\0e\n", 10, NULL);
    ck_assert_int_eq(s->nproblems, 1);
    ck_assert_int_eq(s->problems[0].line, 2);
    ck_assert_int_eq(s->problems[0].col, 1);
    s = csv("a\n\"b,c\nd\n", 9, NULL);
    ck_assert_int_eq(s->nproblems, 1);
    ck_assert_int_eq(s->problems[0].line, 2);               /* where the quote opened */
    s = csv("a,\"b\"x\n", 7, NULL);
    ck_assert_int_eq(s->nproblems, 1);
    s = csv("a,b\n\x1a", 5, NULL);                            /* DOS's end of file */
    ck_assert_int_eq(s->nproblems, 0);
    ck_assert_int_eq(s->nrows, 1);
}
END_TEST

static const lx_institution two_campuses[] = {{"10534", "校本部"}, {"12649", "潇湘学院"}};

static lx_import_table *roster(const char *file)
{
    return lx_import_map(pool, lx_import_kind_roster(pool, two_campuses, 2),
                         lx_csv_read(pool, file, strlen(file), NULL));
}

#define ROSTER_HEAD "学号,姓名,性别,证件类型,证件号码,学院代码,班级代码,班级名称,培养层次,届," \
                    "宿舍楼,房间号,党员,团员,需归还教学仪器,校本部国家助学贷款," \
                    "潇湘学院国家助学贷款,生源地助学贷款,借用交换机,暂缓发放两证,户口迁入学校\r\n"

START_TEST(import_header_and_rows)
{
    lx_import_table *t = roster(ROSTER_HEAD
        "２０２６８８０００１,\xe3\x80\x80张三\xc2\xa0,男,居民身份证,430102200107151234,01,"
        "U01,计科,本科,2026,9栋,101,是,是,否,是,否,否,否,否,否\r\n"
        "\r\n");
    ck_assert_int_eq(t->nitems, 0);
    ck_assert_int_eq(t->nrows, 1);
    ck_assert_int_eq(t->lines[0], 2);
    ck_assert_str_eq(t->cells[0], "2026880001");             /* full-width digits */
    ck_assert_str_eq(t->cells[1], "张三");                    /* U+3000, U+00A0 trimmed */
    /* English names, another order, a missing column named, an extra one named */
    t = roster("name,student_no,备注\n张三,2026880001,x\n");
    ck_assert(t->structural);
    ck_assert_str_eq(t->items[0].col, "备注");
    ck_assert_ptr_nonnull(strstr(t->items[1].reason, "缺少“性别”列"));
    /* a short row names the first column it lacks; an ID number in a problem is masked */
    t = roster(ROSTER_HEAD "2026880001,张三,男,居民身份证,430102200107151234,01\n");
    ck_assert_int_eq(t->nitems, 1);
    ck_assert_int_eq(t->items[0].line, 2);
    ck_assert_str_eq(t->items[0].col, "班级代码");
    ck_assert_str_eq(lx_import_mask(pool, "430102200107151234"), "430102********1234");
}
END_TEST

/* The loan columns are the institutions': either header, optional, staged as one JSON cell. */
START_TEST(import_loan_columns)
{
    static const char head[] = "学号,姓名,性别,证件类型,证件号码,学院代码,班级代码,班级名称,"
        "培养层次,届,宿舍楼,房间号,党员,团员,需归还教学仪器,国家助学贷款（潇湘学院 12649）,"
        "生源地助学贷款,借用交换机,暂缓发放两证,户口迁入学校\n";
    lx_import_table *t = roster(apr_pstrcat(pool, head, "2026880001,张三,男,居民身份证,"
        "430102200107151234,01,U01,计科,本科,2026,,,否,否,否,\"是\",否,否,否,否\n", NULL));
    const lx_import_kind *k = t->kind;
    apr_size_t len;
    const char *d;

    ck_assert_int_eq(t->nitems, 0);                 /* 10534's column left out: allowed */
    ck_assert_int_eq(k->ncols, 21);
    ck_assert_str_eq(k->cols[15].label, "国家助学贷款（校本部 10534）");
    ck_assert_ptr_null(t->cells[15]);              /* absent: its loans stay as they are */
    ck_assert_str_eq(t->cells[16], "是");
    ck_assert_int_eq(lx_import_copy_fields(k), 20);
    d = lx_import_copy_data(pool, t, &len);
    ck_assert_int_eq((unsigned char)d[19] << 8 | (unsigned char)d[20], 21);
    ck_assert_ptr_nonnull(memmem(d, len, "\x00\x00\x00\x0f{\"12649\":\"\xe6\x98\xaf\"}", 19));
    /* the English header and the old Chinese one name the same column */
    t = roster(ROSTER_HEAD);
    ck_assert_int_eq(t->structural, 1);             /* no students, but the header is fine */
    ck_assert_int_eq(t->nitems, 1);
    t = roster("national_loan_10534\n是\n");
    ck_assert_ptr_null(strstr(t->items[0].reason, "national_loan_10534"));
    /* a campus the installation does not have is an unknown column */
    t = lx_import_map(pool, lx_import_kind_roster(pool, two_campuses, 1),
                      lx_csv_read(pool, ROSTER_HEAD, strlen(ROSTER_HEAD), NULL));
    ck_assert_ptr_nonnull(strstr(t->items[0].reason, "多出的列“潇湘学院国家助学贷款”"));
}
END_TEST

START_TEST(import_copy_data)
{
    /* binary COPY: the cell's bytes behind their length, whatever they are */
    lx_import_table *t = lx_import_map(pool, lx_import_kind_get("finance"),
                                       csv("学号,欠费\n\"\\.\n\\!\",0\n", 24, NULL));
    apr_size_t len;
    const unsigned char *d = (const unsigned char *)lx_import_copy_data(pool, t, &len);
    ck_assert_int_eq(t->nitems, 0);
    ck_assert(memcmp(d, "PGCOPY\n\377\r\n\0", 11) == 0);
    ck_assert_int_eq(d[19] << 8 | d[20], 3);                 /* line and the two columns */
    ck_assert_int_eq(d[25] << 24 | d[26] << 16 | d[27] << 8 | d[28], 2);  /* line 2 */
    ck_assert_int_eq(d[32], 5);
    ck_assert(memcmp(d + 33, "\\.\n\\!", 5) == 0);
    ck_assert_uint_eq(len, 11 + 8 + 2 + 8 + 4 + 5 + 4 + 1 + 2);
}
END_TEST

START_TEST(export_cells)
{
    static const char *const formulas[] = {"=1+1", "@SUM(1)", "+1", "-1",
                                           "=HYPERLINK(\"http://x\",\"y\")", "\tx", "\rx"};
    apr_size_t i;
    for (i = 0; i < sizeof(formulas) / sizeof(formulas[0]); i++) {
        ck_assert(lx_export_formula(formulas[i]));
        ck_assert_str_eq(lx_export_text(pool, formulas[i]),
                         apr_pstrcat(pool, "'", formulas[i], NULL));
    }
    ck_assert_str_eq(lx_export_csv_field(pool, "=1+1", 1), "\"'=1+1\"");
    ck_assert_str_eq(lx_export_csv_field(pool, "=HYPERLINK(\"a\")", 1),
                     "\"'=HYPERLINK(\"\"a\"\")\"");
    ck_assert_str_eq(lx_export_csv_field(pool, "-1", 0), "-1");      /* a number stays one */
    ck_assert_str_eq(lx_export_csv_field(pool, "张三", 1), "张三");
    ck_assert_str_eq(lx_export_csv_field(pool, "a,b", 1), "\"a,b\"");
    ck_assert_str_eq(lx_export_csv_field(pool, NULL, 1), "");
    ck_assert(!lx_export_formula("2022010001") && !lx_export_formula(""));
    ck_assert_str_eq(lx_export_csv_field(pool, "\rx", 1), "\"'\rx\"");
}
END_TEST

START_TEST(export_names_and_widths)
{
    ck_assert_int_eq(lx_export_width("2026880001"), 10);
    ck_assert_int_eq(lx_export_width("计科2288班"), 10);   /* 4 full-width and 4 digits */
    ck_assert_int_eq(lx_export_width(NULL), 0);
    ck_assert_str_eq(lx_export_disposition(pool, "lixiao-cleared", "离校 a\"b", "xlsx"),
                     "attachment; filename=\"lixiao-cleared.xlsx\"; "
                     "filename*=UTF-8''%E7%A6%BB%E6%A0%A1%20a%22b.xlsx");
}
END_TEST

/* ---- the HTML writer (lx_html.c): libxml2's HTML serialisation of result trees ---- */

/* An HTML result document as libxslt makes it for doctype-system="about:legacy-compat". */
static xmlDocPtr html_doc(xmlNodePtr *body)
{
    xmlDocPtr doc = htmlNewDocNoDtD(NULL, NULL);
    xmlNodePtr html = xmlNewDocNode(doc, NULL, BAD_CAST "html", NULL);
    xmlDocSetRootElement(doc, html);
    xmlCreateIntSubset(doc, BAD_CAST "html", NULL, BAD_CAST "about:legacy-compat");
    *body = xmlNewChild(html, NULL, BAD_CAST "body", NULL);
    return doc;
}

static const char *html_of(xmlDocPtr doc)
{
    size_t len;
    const char *out = lx_html_write(pool, doc, &len);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(len, strlen(out));
    return out;
}

START_TEST(html_elements_and_text)
{
    xmlNodePtr body, p, empty;
    xmlDocPtr doc = html_doc(&body);

    xmlNewChild(body, NULL, BAD_CAST "br", NULL);
    p = xmlNewTextChild(body, NULL, BAD_CAST "p", BAD_CAST "a < b & c > d \xe7\xa6\xbb\xe6\xa0\xa1\r\n");
    empty = xmlNewChild(body, NULL, BAD_CAST "td", NULL);
    (void)p; (void)empty;
    xmlNewTextChild(body, NULL, BAD_CAST "script", BAD_CAST "if (a < b && c) {}");
    xmlNewChild(body, NULL, BAD_CAST "col", NULL);
    ck_assert_str_eq(html_of(doc),
                     "<!DOCTYPE html>\n<html><body><br><p>a &lt; b &amp; c &gt; d "
                     "\xe7\xa6\xbb\xe6\xa0\xa1\r\n</p><td></td>"
                     "<script>if (a < b && c) {}</script><col></body></html>\n");
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(html_attributes)
{
    xmlNodePtr body, a, in;
    xmlDocPtr doc = html_doc(&body);

    a = xmlNewChild(body, NULL, BAD_CAST "a", NULL);
    xmlSetProp(a, BAD_CAST "href", BAD_CAST "  /lx/op?q=\xe5\xbc\xa0 \xe4\xb8\x89&at=1");
    xmlSetProp(a, BAD_CAST "title", BAD_CAST "<\xe5\xbc\xa0> & \"\xe4\xb8\x89\"");
    xmlSetProp(a, BAD_CAST "data-x", BAD_CAST "it's \"both\"");
    in = xmlNewChild(body, NULL, BAD_CAST "input", NULL);
    xmlSetProp(in, BAD_CAST "checked", BAD_CAST "checked");
    xmlSetProp(in, BAD_CAST "value", BAD_CAST "");
    xmlNewProp(in, BAD_CAST "data-flag", NULL);     /* no value at all: the name alone */
    xmlSetProp(in, BAD_CAST "name", BAD_CAST "\xe5\xbc\xa0 x");
    ck_assert_str_eq(html_of(doc),
                     "<!DOCTYPE html>\n<html><body>"
                     "<a href=\"/lx/op?q=%E5%BC%A0%20%E4%B8%89&amp;at=1\""
                     " title='&lt;\xe5\xbc\xa0&gt; &amp; \"\xe4\xb8\x89\"'"
                     " data-x=\"it's &quot;both&quot;\"></a>"
                     "<input checked value=\"\" data-flag name=\"\xe5\xbc\xa0 x\"></body></html>\n");
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(html_svg_namespace)
{
    xmlNodePtr body, svg, rect;
    xmlDocPtr doc = html_doc(&body);
    xmlNsPtr ns;

    svg = xmlNewChild(body, NULL, BAD_CAST "svg", NULL);
    ns = xmlNewNs(svg, BAD_CAST "http://www.w3.org/2000/svg", NULL);
    xmlSetNs(svg, ns);
    rect = xmlNewChild(svg, ns, BAD_CAST "rect", NULL);
    xmlSetProp(rect, BAD_CAST "width", BAD_CAST "50%");
    xmlNewChild(svg, ns, BAD_CAST "br", NULL);  /* not HTML's br: an end tag */
    ck_assert_str_eq(html_of(doc),
                     "<!DOCTYPE html>\n<html><body><svg xmlns=\"http://www.w3.org/2000/svg\">"
                     "<rect width=\"50%\"></rect><br></br></svg></body></html>\n");
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(html_no_root)
{
    size_t len = 7;
    xmlDocPtr doc = htmlNewDocNoDtD(NULL, NULL);
    ck_assert_ptr_null(lx_html_write(pool, doc, &len));
    ck_assert_ptr_null(lx_html_write(pool, NULL, &len));
    xmlFreeDoc(doc);
}
END_TEST

START_TEST(json_strings)
{
    ck_assert_str_eq(lx_json_string(pool, "学号不存在"), "\"学号不存在\"");
    ck_assert_str_eq(lx_json_string(pool, "a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
}
END_TEST

/* ---- core/lx_pgres.c: a result's values by name, NULL said out loud ---- */

static PGresult *make_result(void)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[2] = {
        {"ok", 0, 0, 0, LX_BOOLOID, 1, -1},
        {"kind", 0, 0, 0, 25, -1, -1},
    };
    ck_assert_int_eq(PQsetResultAttrs(res, 2, cols), 1);
    ck_assert_int_eq(PQsetvalue(res, 0, 0, "t", 1), 1);
    ck_assert_int_eq(PQsetvalue(res, 0, 1, "student", 7), 1);
    ck_assert_int_eq(PQsetvalue(res, 1, 0, NULL, -1), 1);     /* SQL NULL */
    ck_assert_int_eq(PQsetvalue(res, 1, 1, "f", 1), 1);
    return res;
}

START_TEST(pgres_values)
{
    PGresult *res = make_result();
    ck_assert_int_eq(lx_column(res, "kind", -1), 1);
    ck_assert_int_eq(lx_column(res, "kind", 0), 1);       /* a wrong hint is checked */
    ck_assert_int_eq(lx_column(res, "none", 1), -1);
    ck_assert_str_eq(lx_value(res, 0, "kind"), "student");
    ck_assert_ptr_null(lx_value(res, 1, "ok"));           /* NULL */
    ck_assert_ptr_null(lx_value(res, 0, "none"));         /* no such column */
    ck_assert_ptr_null(lx_value(res, 2, "ok"));           /* no such row */
    ck_assert_ptr_null(lx_value(NULL, 0, "ok"));
    ck_assert_int_eq(lx_value_true(res, 0, "ok"), 1);
    ck_assert_int_eq(lx_value_true(res, 1, "ok"), 0);     /* NULL is not true */
    ck_assert_int_eq(lx_value_true(res, 1, "kind"), 0);   /* 'f' */
    ck_assert_int_eq(lx_value_true(res, 0, "none"), 0);
    ck_assert_int_eq(lx_value_is(res, 0, "kind", "student"), 1);
    ck_assert_int_eq(lx_value_is(res, 1, "ok", "student"), 0);
    ck_assert_int_eq(lx_type_is_number(1700), 1);         /* numeric */
    ck_assert_int_eq(lx_type_is_number(25), 0);           /* text */
    PQclear(res);
}
END_TEST

START_TEST(json_times_at_offset)
{
    /* 2026-06-20 01:30:00 UTC */
    ck_assert_str_eq(lx_json_time(pool, "1781919000", 8 * 3600), "\"2026-06-20T09:30:00+08:00\"");
    ck_assert_str_eq(lx_json_time(pool, "1781919000", 0), "\"2026-06-20T01:30:00+00:00\"");
    ck_assert_str_eq(lx_json_time(pool, "1781919000", -(5 * 3600 + 30 * 60)),
                     "\"2026-06-19T20:00:00-05:30\"");
    ck_assert_str_eq(lx_json_time(pool, NULL, 8 * 3600), "null");
    ck_assert_str_eq(lx_json_time(pool, "12x", 8 * 3600), "null");
}
END_TEST

START_TEST(marks_filled)
{
    const char *marks[2] = {"@N@", "@R@"}, *values[2] = {"2026-12-04 11:00", ""};
    const char *text = "<p>@N@</p><code>@R@</code>@N@@N";
    apr_size_t n;
    const char *out = lx_marks_fill(pool, text, strlen(text), marks, values, 2, &n);

    ck_assert_str_eq(out, "<p>2026-12-04 11:00</p><code></code>2026-12-04 11:00@N");
    ck_assert_uint_eq(n, strlen(out));
    /* no mark: the text as it was; a NUL inside the text is kept (lengths, not strings) */
    out = lx_marks_fill(pool, "a\0b", 3, marks, values, 2, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(memcmp(out, "a\0b", 3), 0);
    /* an empty mark is refused */
    marks[1] = "";
    ck_assert_ptr_null(lx_marks_fill(pool, text, strlen(text), marks, values, 2, &n));
}
END_TEST

START_TEST(digest_and_codes)
{
    ck_assert_str_eq(lx_digest(pool, ""), "cbf29ce484222325");
    ck_assert_str_eq(lx_digest(pool, "a"), "af63dc4c8601ec8c");
    ck_assert_int_eq(lx_step_code_valid("library_return"), 1);
    ck_assert_int_eq(lx_step_code_valid("9lives"), 0);
    ck_assert_int_eq(lx_step_code_valid("Library"), 0);
    ck_assert_int_eq(lx_step_code_valid(""), 0);
    ck_assert_int_eq(lx_step_code_valid(NULL), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *id = tcase_create("idcard"), *q = tcase_create("query"), *t = tcase_create("text");
    TCase *f = tcase_create("form"), *c = tcase_create("csrf"), *m = tcase_create("upload");
    TCase *h = tcase_create("html"), *x = tcase_create("pgres");
    SRunner *sr;
    int failed;

    tcase_add_test(id, id_valid);
    tcase_add_test(id, id_lowercase_x_is_X);
    tcase_add_test(id, id_bad_check_digit);
    tcase_add_test(id, id_length_and_chars);
    tcase_add_test(id, id_attempt_is_ascii);
    tcase_add_test(id, id_dates);
    tcase_add_test(id, id_messages);
    tcase_add_checked_fixture(q, setup, teardown);
    tcase_add_test(q, query_params);
    tcase_add_test(q, query_redact);
    tcase_add_test(q, student_numbers);
    tcase_add_test(q, halfwidth_search_text);
    tcase_add_test(t, text_xml);
    tcase_add_test(t, text_trim);
    tcase_add_test(t, text_one_line);
    tcase_add_checked_fixture(f, setup, teardown);
    tcase_add_test(f, form_fields);
    tcase_add_test(f, form_refusals);
    tcase_add_test(c, csrf_round_trip);
    tcase_add_test(c, csrf_tampering);
    tcase_add_test(c, csrf_expiry_capped);
    tcase_add_test(c, csrf_parse_time);
    tcase_add_test(c, base64url);
    tcase_add_checked_fixture(m, setup, teardown);
    tcase_add_test(m, multipart_parts);
    tcase_add_test(m, multipart_refusals);
    tcase_add_test(m, csv_records_and_lines);
    tcase_add_test(m, csv_encodings);
    tcase_add_test(m, csv_refusals);
    tcase_add_test(m, import_header_and_rows);
    tcase_add_test(m, import_loan_columns);
    tcase_add_test(m, import_copy_data);
    tcase_add_test(m, export_cells);
    tcase_add_test(m, export_names_and_widths);
    tcase_add_test(m, json_strings);
    tcase_add_checked_fixture(h, setup, teardown);
    tcase_add_test(h, html_elements_and_text);
    tcase_add_test(h, html_attributes);
    tcase_add_test(h, html_svg_namespace);
    tcase_add_test(h, html_no_root);
    tcase_add_checked_fixture(x, setup, teardown);
    tcase_add_test(x, pgres_values);
    tcase_add_test(x, json_times_at_offset);
    tcase_add_test(x, digest_and_codes);
    tcase_add_test(x, marks_filled);
    suite_add_tcase(s, h);
    suite_add_tcase(s, x);
    suite_add_tcase(s, m);
    suite_add_tcase(s, f);
    suite_add_tcase(s, c);
    suite_add_tcase(s, id);
    suite_add_tcase(s, q);
    suite_add_tcase(s, t);
    sr = srunner_create(s);
    srunner_add_suite(sr, xlsx_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
