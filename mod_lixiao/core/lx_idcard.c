/*
 * lx_idcard.c: see lx_idcard.h.
 */
#include "lx_idcard.h"

#include <string.h>

static int lx_is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int lx_valid_date(long y, long m, long d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= days[m - 1] + (m == 2 && lx_is_leap(y));
}

static long lx_digits(const char *s, int n)
{
    long v = 0;
    int i;
    for (i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

lx_id_result lx_idcard_check(const char *s, long today, char norm[19])
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char checks[] = "10X98765432";
    char buf[19];
    int i, sum = 0;
    long birth;

    if (strlen(s) != 18)
        return LX_ID_LENGTH;
    for (i = 0; i < 18; i++) {
        char c = s[i];
        if (i == 17 && c == 'x')
            c = 'X';
        if (!(c >= '0' && c <= '9') && !(i == 17 && c == 'X'))
            return LX_ID_CHARS;
        buf[i] = c;
    }
    buf[18] = '\0';
    for (i = 0; i < 17; i++)
        sum += (buf[i] - '0') * weights[i];
    if (checks[sum % 11] != buf[17])
        return LX_ID_CHECK;
    if (!lx_valid_date(lx_digits(buf + 6, 4), lx_digits(buf + 10, 2), lx_digits(buf + 12, 2)))
        return LX_ID_DATE;
    birth = lx_digits(buf + 6, 8);
    if (birth >= today)
        return LX_ID_FUTURE;
    if (norm)
        memcpy(norm, buf, sizeof(buf));
    return LX_ID_OK;
}

int lx_idcard_attempt(const char *s)
{
    size_t i;
    for (i = 0; s[i]; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return i == 18;
}

const char *lx_idcard_message(lx_id_result res)
{
    switch (res) {
    case LX_ID_OK:     return "身份证号有效";
    case LX_ID_LENGTH: return "身份证号应为 18 位";
    case LX_ID_CHARS:  return "身份证号应为 17 位数字加 1 位数字或 X";
    case LX_ID_CHECK:  return "身份证号校验位不正确，请核对";
    case LX_ID_DATE:   return "身份证号中的出生日期不存在";
    case LX_ID_FUTURE: return "身份证号中的出生日期晚于今天";
    }
    return "身份证号无效";
}
