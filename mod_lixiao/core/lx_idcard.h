/*
 * lx_idcard.h: resident identity numbers (GB 11643-1999), also used by the residence permits
 * of Hong Kong, Macao and Taiwan residents.  Plain C, unit-tested.
 *
 * 17 digits and a check character: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, weighted sum
 * mod 11 indexes "10X98765432"; digits 7-14 are a real birth date in the past.  A lowercase x
 * is accepted as X.  These numbers are sensitive: show them masked, never log them.
 */
#ifndef LX_IDCARD_H
#define LX_IDCARD_H

#include <stddef.h>

typedef enum {
    LX_ID_OK = 0,
    LX_ID_LENGTH,       /* not 18 characters */
    LX_ID_CHARS,        /* not 17 digits and a digit or X */
    LX_ID_CHECK,        /* the check character does not match */
    LX_ID_DATE,         /* digits 7-14 are not a date */
    LX_ID_FUTURE        /* the birth date is not in the past */
} lx_id_result;

/* Check s; today is YYYYMMDD as a number (e.g. 20261128).  On LX_ID_OK, when norm is not NULL,
 * the normalised number (uppercase X) is written to norm (19 bytes). */
lx_id_result lx_idcard_check(const char *s, long today, char norm[19]);

/* Whether a search box's text is meant as an identity number: 18 ASCII characters.  Six
 * Chinese characters are 18 bytes too; they are a name (欧阳娜娜娜娜), never a bad number. */
int lx_idcard_attempt(const char *s);

/* A message in Chinese for a result, for pages. */
const char *lx_idcard_message(lx_id_result res);

#endif
