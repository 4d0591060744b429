/*
 * unit.h: the suites of tests/unit that live in files of their own, added to the runner by
 * test_core.c's main.
 */
#ifndef LX_UNIT_H
#define LX_UNIT_H

#include <check.h>

Suite *xlsx_suite(void);        /* test_xlsx.c */

#endif
