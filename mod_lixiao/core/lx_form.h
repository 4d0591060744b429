/*
 * lx_form.h: the body of a POSTed form (application/x-www-form-urlencoded), parsed strictly.
 * Plain C with APR only; unit-tested and fuzzed.
 *
 * ap_parse_form_data accepts duplicate keys and says nothing of a wrong Content-Type; here a
 * duplicate key, too many fields, a broken %-escape or text that is not valid UTF-8 refuses the
 * whole form, so that nothing is half-understood.  Checkbox lists use distinct keys
 * ("sid.2022010001=1"), never a repeated one.
 */
#ifndef LX_FORM_H
#define LX_FORM_H

#include "apr_pools.h"
#include "apr_tables.h"

typedef enum {
    LX_FORM_OK = 0,
    LX_FORM_DUPLICATE,      /* a key appears twice */
    LX_FORM_TOO_MANY,       /* more than max_fields fields */
    LX_FORM_BAD_ESCAPE,     /* a broken %-escape, a NUL (encoded or not), an empty key */
    LX_FORM_BAD_TEXT        /* not valid UTF-8, or control characters other than tab, CR, LF */
} lx_form_result;

/* Parse body (len bytes, not NUL-terminated) into *out (key -> value, in order). */
lx_form_result lx_form_parse(apr_pool_t *p, const char *body, apr_size_t len, int max_fields,
                             apr_table_t **out);

#endif
