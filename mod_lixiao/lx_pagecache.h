/*
 * lx_pagecache.h: students' own pages, rendered once per change, in a shared cache of this
 * node's processes (mod_socache: shmcb, the one mod_ssl keeps sessions in).  A page is found
 * by a key naming the student, the version of everything on their sheet and the stylesheets,
 * so a change is never hidden: every request reads the version from the database first
 * (lx_sheet.c).  Nothing here outlives the node: another node renders its own copy.
 */
#ifndef LX_PAGECACHE_H
#define LX_PAGECACHE_H

#include "lx_conf.h"

typedef struct lx_pagecache lx_pagecache;

/* LixiaoPageCache PROVIDER[:ARGUMENTS] | none: NULL or the reason it is refused. */
const char *lx_pagecache_config(cmd_parms *cmd, const char *arg, const char **spec);
/* Made once for the whole server, before the children start: NULL when off (none, or the
 * default shmcb while mod_socache_shmcb is not loaded).  check_only: the provider and its
 * arguments are checked, nothing is made, *out is NULL (httpd's first configuration pass,
 * whose errors stop `apache2 -k start` and `apache2ctl -t`). */
apr_status_t lx_pagecache_create(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                 const char *spec, int check_only, lx_pagecache **out);
void lx_pagecache_pre_config(apr_pool_t *pconf);
void lx_pagecache_child_init(apr_pool_t *pchild, server_rec *s, lx_pagecache *pc);

/* The marks a kept page carries where each request puts its own time and request id. */
const char *lx_pagecache_mark_now(const lx_pagecache *pc);
const char *lx_pagecache_mark_request(const lx_pagecache *pc);

/* The page kept under key for login: 1 with *page and *len (in r->pool), 0 when none.  A
 * page is kept for one login: another login's key never finds it. */
int lx_pagecache_get(lx_pagecache *pc, request_rec *r, const char *key, const char *login,
                     const char **page, apr_size_t *len);
/* Keep page under key for login (a page too large for the cache is not kept). */
void lx_pagecache_put(lx_pagecache *pc, request_rec *r, const char *key, const char *login,
                      const char *page, apr_size_t len);

#endif
