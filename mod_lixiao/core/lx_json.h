/*
 * lx_json.h: writing (never parsing: PostgreSQL parses the feeds) the few JSON strings the
 * module builds itself, its error answers.  Plain C, unit-tested.
 */
#ifndef LX_JSON_H
#define LX_JSON_H

#include "apr_pools.h"

/* s as a JSON string literal, quotes included: ", \ and control characters escaped. */
const char *lx_json_string(apr_pool_t *p, const char *s);

#endif
