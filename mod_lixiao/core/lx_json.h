/*
 * lx_json.h: writing (never parsing: PostgreSQL parses the feeds) the few JSON strings the
 * module builds itself, its error answers.  Plain C, unit-tested.
 */
#ifndef LX_JSON_H
#define LX_JSON_H

#include "apr_pools.h"

/* s as a JSON string literal, quotes included: ", \ and control characters escaped. */
const char *lx_json_string(apr_pool_t *p, const char *s);

/* The time epoch (seconds since 1970, as text) as a JSON string of ISO 8601 local time at
 * utc_offset seconds east of UTC: "2026-06-20T09:30:00+08:00"; "null" when epoch is NULL or
 * not a number. */
const char *lx_json_time(apr_pool_t *p, const char *epoch, int utc_offset);

#endif
