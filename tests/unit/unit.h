/*
 * unit.h: the suites of tests/unit that live in files of their own, added to the runner by
 * test_core.c's main.
 */
#ifndef LX_UNIT_H
#define LX_UNIT_H

#include <check.h>

#include "apr_pools.h"

/* test_core.c: the fixture every suite uses, a fresh APR pool per test */
extern apr_pool_t *pool;
void setup(void);
void teardown(void);

Suite *xlsx_suite(void);        /* test_xlsx.c */

#endif
