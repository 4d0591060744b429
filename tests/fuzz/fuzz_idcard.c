/*
 * fuzz_idcard.c: lx_idcard_check (core/lx_idcard.c), the resident identity number validator,
 * on any text (a form field: up to the first NUL), with today = 2026-11-28.
 *
 * Its answer is compared with a reference written here from GB 11643-1999 by other means: the
 * check character by ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11, check value (12 - sum) mod 11,
 * 10 written X), the birth date by a round trip through timegm and gmtime_r.  In the
 * validator's order: not 18 bytes LX_ID_LENGTH, not 17 ASCII digits and a digit, X or x
 * LX_ID_CHARS, LX_ID_CHECK, a year before 1900 or no such day LX_ID_DATE, not before today
 * LX_ID_FUTURE.  A valid number normalises to itself with X upper case, re-validates
 * identically, and gives the same answer with x for X; a refused one leaves norm untouched.
 * Every answer has a message.
 */
#include "fuzz.h"

#include <time.h>

#include "core/lx_idcard.h"

#define TODAY 20261128L

static int ref_date(int y, int m, int d)
{
    struct tm tm = {0}, back;
    time_t t;
    if (y < 1900)
        return 0;
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    t = timegm(&tm);
    FUZZ_CHECK(gmtime_r(&t, &back) != NULL);
    return back.tm_year == y - 1900 && back.tm_mon == m - 1 && back.tm_mday == d;
}

static int num(const char *s, int n)
{
    int v = 0;
    while (n--)
        v = v * 10 + (*s++ - '0');
    return v;
}

static lx_id_result ref_check(const char *s)
{
    int i, sum = 0, value;
    if (strlen(s) != 18)
        return LX_ID_LENGTH;
    for (i = 0; i < 17; i++)
        if (s[i] < '0' || s[i] > '9')
            return LX_ID_CHARS;
    if (!((s[17] >= '0' && s[17] <= '9') || s[17] == 'X' || s[17] == 'x'))
        return LX_ID_CHARS;
    for (i = 0; i < 17; i++)
        sum += (s[i] - '0') * ((1 << (17 - i)) % 11);
    value = (12 - sum % 11) % 11;
    if (value == 10 ? (s[17] != 'X' && s[17] != 'x') : s[17] != '0' + value)
        return LX_ID_CHECK;
    if (!ref_date(num(s + 6, 4), num(s + 10, 2), num(s + 12, 2)))
        return LX_ID_DATE;
    if (num(s + 6, 8) >= TODAY)
        return LX_ID_FUTURE;
    return LX_ID_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size), norm[19], again[19], other[19];
    const char *msg;
    lx_id_result got, want;

    memset(norm, '#', sizeof(norm));
    got = lx_idcard_check(s, TODAY, norm);
    want = ref_check(s);
    if (got != want)
        fprintf(stderr, "lx_idcard_check: %d, reference: %d\n", (int)got, (int)want);
    FUZZ_CHECK(got == want);
    FUZZ_CHECK(lx_idcard_check(s, TODAY, NULL) == got);
    msg = lx_idcard_message(got);
    FUZZ_CHECK(msg != NULL && *msg != '\0');
    if (got != LX_ID_OK) {
        for (size_t i = 0; i < sizeof(norm); i++)
            FUZZ_CHECK(norm[i] == '#');
    }
    else {
        FUZZ_CHECK(norm[18] == '\0' && strlen(norm) == 18);
        FUZZ_CHECK(memcmp(norm, s, 17) == 0);
        FUZZ_CHECK(norm[17] == (s[17] == 'x' ? 'X' : s[17]));
        FUZZ_CHECK(lx_idcard_check(norm, TODAY, again) == LX_ID_OK);
        FUZZ_CHECK(memcmp(norm, again, sizeof(norm)) == 0);
        if (norm[17] == 'X') {
            memcpy(other, norm, sizeof(other));
            other[17] = 'x';
            FUZZ_CHECK(lx_idcard_check(other, TODAY, again) == LX_ID_OK);
            FUZZ_CHECK(memcmp(norm, again, sizeof(norm)) == 0);
        }
    }
    free(s);
    return 0;
}
