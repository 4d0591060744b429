/*
 * Unit tests of the plain C parts (mod_lixiao/core), linked without httpd.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"
#include "core/lx_idcard.h"
#include "core/lx_query.h"
#include "core/lx_text.h"

#define TODAY 20261128L

static apr_pool_t *pool;

static void setup(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
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

START_TEST(id_mask)
{
    char m[32];
    lx_idcard_mask(m, sizeof(m), "43010220000229123X");
    ck_assert_str_eq(m, "430102********123X");
    lx_idcard_mask(m, sizeof(m), "E12345678");
    ck_assert_str_eq(m, "*****5678");
    lx_idcard_mask(m, sizeof(m), "123");
    ck_assert_str_eq(m, "123");
    lx_idcard_mask(m, 5, "43010220000229123X");        /* truncated, never overflows */
    ck_assert_str_eq(m, "4301");
    ck_assert_str_ne(lx_idcard_message(LX_ID_CHECK), "");
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
    c = lx_text_xml_clean("a\x01" "b\xff" "c张");
    ck_assert_str_eq(c, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c张");
    ck_assert(lx_text_xml_safe(c));
    free(c);
}
END_TEST

START_TEST(text_log)
{
    char b[16];
    lx_text_log_safe(b, sizeof(b), "a\r\nb\tc");
    ck_assert_str_eq(b, "a  b c");
    lx_text_log_safe(b, 4, "abcdef");
    ck_assert_str_eq(b, "abc");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *id = tcase_create("idcard"), *q = tcase_create("query"), *t = tcase_create("text");
    SRunner *sr;
    int failed;

    tcase_add_test(id, id_valid);
    tcase_add_test(id, id_lowercase_x_is_X);
    tcase_add_test(id, id_bad_check_digit);
    tcase_add_test(id, id_length_and_chars);
    tcase_add_test(id, id_dates);
    tcase_add_test(id, id_mask);
    tcase_add_checked_fixture(q, setup, teardown);
    tcase_add_test(q, query_params);
    tcase_add_test(q, student_numbers);
    tcase_add_test(t, text_xml);
    tcase_add_test(t, text_log);
    suite_add_tcase(s, id);
    suite_add_tcase(s, q);
    suite_add_tcase(s, t);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
