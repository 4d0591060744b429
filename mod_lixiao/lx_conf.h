/*
 * lx_conf.h: what every file of the module may know: httpd's headers, our log tags and the
 * server configuration.  mod_lixiao.c fills lx_server_conf from the directives and applies
 * every default there, in post_config, for every server: below it, a field is always set.
 *
 * The layers, each calling only those below it (scripts/check-layers checks the object files;
 * docs/development.md draws them):
 *
 *   mod_lixiao.c                    the module, its directives, every default
 *   lx_route.c                      the route table: method, path, handler, flags
 *   page_*.c, action_*.c            one screen or action each (lx_handlers.h); never each other
 *   lx_page.c ... lx_batch.c        builders that pages share (lx_req.h)
 *   lx_db.c, lx_readpool.c, lx_gate.c    the database (lx_db.h)
 *   lx_xslt.c, lx_xml.c             stylesheets and our XML vocabulary (lx_xslt.h, lx_xml.h)
 *   core/                           plain C, no httpd headers
 */
#ifndef LX_CONF_H
#define LX_CONF_H

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_lib.h"

APLOG_USE_MODULE(lixiao);
extern module AP_MODULE_DECLARE_DATA lixiao_module;

/* Our own log tags, "LX" + four digits: httpd's AH numbers belong to bundled modules
 * (docs/operation.md lists them). */
#define LXLOGNO(n) "LX" #n ": "

/* Per-server configuration (directives and defaults in mod_lixiao.c). */
typedef struct lx_server_conf {
    const char *template_dir;   /* LixiaoTemplates */
    const char *base_url;       /* LixiaoBaseURL, "/lx"; "" for the root */
    int retry_after;            /* LixiaoRetryAfter, seconds, in 503 answers */
    int utc_offset;             /* LixiaoTimeZone, seconds east of UTC, for times shown */
    int db_slots;               /* LixiaoDBSlots: requests of a process at the database at once */
    int db_timeout;             /* LixiaoDBTimeout: seconds to wait for any answer of it */
    int own_page_revalidate;    /* LixiaoOwnPageCache revalidate: 1, no-store: 0 */
    const char *read_conninfo;  /* LixiaoReadDB: libpq conninfo of the standbys, or NULL */
    int read_slots;             /* LixiaoReadDBSlots: read connections of a process */
    int read_after_write;       /* LixiaoReadAfterWrite: seconds a writer reads the primary */
    int read_retry;             /* LixiaoReadRetry: seconds before a read connection that
                                 * found the primary looks for a standby again */
    const unsigned char *secret;    /* LixiaoSecretFile: the key of the CSRF tokens */
    apr_size_t secret_len;
    const unsigned char *secret_prev;   /* LixiaoSecretPreviousFile: also accepted (never used */
    apr_size_t secret_prev_len;         /* for new tokens) until secret_prev_until, epoch s */
    long long secret_prev_until;
    /* Compiled stylesheets by view name (lx_xslt.c): written in post_config only. */
    apr_hash_t *sheets;
    /* A digest of the stylesheets' text, part of ETags: pages change when they change.  The
     * same files give the same tag on every node behind a balancer. */
    const char *templates_tag;
    const char *page_cache_spec;        /* LixiaoPageCache, NULL: the default (lx_pagecache.c) */
    struct lx_pagecache *page_cache;    /* the server's one cache, NULL when off: post_config */
} lx_server_conf;

static APR_INLINE lx_server_conf *lx_conf_of(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &lixiao_module);
}

#endif
