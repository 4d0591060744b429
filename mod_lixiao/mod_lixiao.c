/*
 * mod_lixiao.c: the module record, its directives, every default, and its hooks.
 *
 * Configuration:
 *   LixiaoTemplates DIR     the stylesheets (templates/VIEW.xsl), compiled once at start-up
 *   LixiaoBaseURL   /lx     where the module's pages live (SetHandler lixiao there)
 *   LixiaoRetryAfter 30     seconds advised in 503 answers when the database is unavailable
 *   LixiaoSecretFile FILE   the key of the forms' CSRF tokens (at least 32 bytes); every node
 *                           behind a balancer reads the same file
 *   LixiaoSecretPreviousFile FILE UNTIL
 *                           a second key, accepted (never used for new tokens) until UNTIL
 *                           (2026-06-20T18:00+08:00): a rotation without refused forms
 *   LixiaoTimeZone +08:00   the offset from UTC of the times shown on pages (the database's
 *                           session time zone, set in DBDParams, should agree)
 *   LixiaoReadDB "conninfo"  reads of the student page, the status API and the dashboard go to
 *                           these standbys (libpq conninfo: several hosts and
 *                           target_session_attrs=prefer-standby); default: all to the primary
 *   LixiaoReadDBSlots N     read connections of a process (default LixiaoDBSlots)
 *   LixiaoReadAfterWrite N  seconds a client that changed something reads the primary (10)
 *   LixiaoOwnPageCache no-store | revalidate
 *                           whether a student's browser may keep their own page and ask
 *                           again with its ETag (304 when unchanged); default no-store
 *   LixiaoPageCache none | PROVIDER[:ARGS]
 *                           students' pages rendered once per change and kept in this node's
 *                           shared memory (main server only); default
 *                           shmcb:lixiao-pages(33554432) when mod_socache_shmcb is loaded
 */
#include "lx_conf.h"
#include "lx_db.h"
#include "lx_pagecache.h"
#include "lx_route.h"
#include "lx_xslt.h"
#include "core/lx_csrf.h"
#include "core/lx_text.h"

#include <libxml/parser.h>
#include <libxslt/xslt.h>
#include <libexslt/exslt.h>

#define LX_HANDLER "lixiao"
#define LX_UNSET (-1)

/* Every default of the module, applied in lx_post_config to every server. */
#define LX_DEFAULT_BASE_URL "/lx"
#define LX_DEFAULT_RETRY_AFTER 30
#define LX_DEFAULT_UTC_OFFSET (8 * 3600)      /* China Standard Time */
#define LX_DEFAULT_DB_SLOTS 10                /* mod_dbd's default DBDMax */
#define LX_DEFAULT_DB_TIMEOUT 15              /* above the demo's statement_timeout (5 s) */
#define LX_DEFAULT_READ_AFTER_WRITE 10        /* longer than a standby's usual lag */
#define LX_DEFAULT_READ_RETRY 30
/* LixiaoReadDBSlots: as many as LixiaoDBSlots; LixiaoOwnPageCache: no-store */

static void *lx_create_server_conf(apr_pool_t *p, server_rec *s)
{
    lx_server_conf *conf = apr_pcalloc(p, sizeof(*conf));
    (void)s;
    conf->template_dir = NULL;
    conf->base_url = NULL;
    conf->retry_after = LX_UNSET;
    conf->utc_offset = LX_UNSET;
    conf->db_slots = LX_UNSET;
    conf->db_timeout = LX_UNSET;
    conf->own_page_revalidate = LX_UNSET;
    conf->read_slots = LX_UNSET;
    conf->read_after_write = LX_UNSET;
    conf->read_retry = LX_UNSET;
    return conf;
}

static void *lx_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    lx_server_conf *base = basev, *add = addv;
    lx_server_conf *conf = apr_pcalloc(p, sizeof(*conf));
    conf->template_dir = add->template_dir ? add->template_dir : base->template_dir;
    conf->base_url = add->base_url ? add->base_url : base->base_url;
    conf->retry_after = add->retry_after != LX_UNSET ? add->retry_after : base->retry_after;
    conf->utc_offset = add->utc_offset != LX_UNSET ? add->utc_offset : base->utc_offset;
    conf->db_slots = add->db_slots != LX_UNSET ? add->db_slots : base->db_slots;
    conf->db_timeout = add->db_timeout != LX_UNSET ? add->db_timeout : base->db_timeout;
    conf->own_page_revalidate = add->own_page_revalidate != LX_UNSET ? add->own_page_revalidate
                                                                     : base->own_page_revalidate;
    conf->read_conninfo = add->read_conninfo ? add->read_conninfo : base->read_conninfo;
    conf->read_slots = add->read_slots != LX_UNSET ? add->read_slots : base->read_slots;
    conf->read_after_write = add->read_after_write != LX_UNSET ? add->read_after_write
                                                               : base->read_after_write;
    conf->read_retry = add->read_retry != LX_UNSET ? add->read_retry : base->read_retry;
    conf->page_cache_spec = base->page_cache_spec;     /* the main server's only */
    conf->secret = add->secret ? add->secret : base->secret;
    conf->secret_len = add->secret ? add->secret_len : base->secret_len;
    if (add->secret_prev) {
        conf->secret_prev = add->secret_prev;
        conf->secret_prev_len = add->secret_prev_len;
        conf->secret_prev_until = add->secret_prev_until;
    }
    else {
        conf->secret_prev = base->secret_prev;
        conf->secret_prev_len = base->secret_prev_len;
        conf->secret_prev_until = base->secret_prev_until;
    }
    return conf;
}

static const char *lx_set_templates(cmd_parms *cmd, void *dummy, const char *arg)
{
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    (void)dummy;
    if (err)
        return err;
    if (!path || !ap_is_directory(cmd->temp_pool, path))
        return apr_psprintf(cmd->pool, "LixiaoTemplates: %s is not a directory", arg);
    conf->template_dir = path;
    return NULL;
}

static const char *lx_set_base_url(cmd_parms *cmd, void *dummy, const char *arg)
{
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    apr_size_t len = strlen(arg);
    (void)dummy;
    if (err)
        return err;
    if (arg[0] != '/' || (len > 1 && arg[len - 1] == '/') || strpbrk(arg, "?#%\"<>"))
        return "LixiaoBaseURL: give a path such as /lx (leading slash, no trailing slash)";
    conf->base_url = len == 1 ? "" : arg;
    return NULL;
}

/* A whole-number directive: where it may stand, its range, what to say otherwise. */
typedef struct lx_int_directive {
    apr_size_t offset;          /* of its int in lx_server_conf */
    int context;                /* for ap_check_cmd_context */
    long lo, hi;
    const char *refusal;
} lx_int_directive;

static const lx_int_directive lx_retry_after_arg = {
    APR_OFFSETOF(lx_server_conf, retry_after), NOT_IN_DIR_CONTEXT, 1, 3600,
    "LixiaoRetryAfter: give a number of seconds from 1 to 3600"};
static const lx_int_directive lx_db_slots_arg = {
    APR_OFFSETOF(lx_server_conf, db_slots), GLOBAL_ONLY, 1, 10000,
    "LixiaoDBSlots takes a number of connections from 1 to 10000 (set it to DBDMax)"};
static const lx_int_directive lx_db_timeout_arg = {
    APR_OFFSETOF(lx_server_conf, db_timeout), NOT_IN_DIR_CONTEXT, 1, 3600,
    "LixiaoDBTimeout takes seconds from 1 to 3600 (above statement_timeout)"};
static const lx_int_directive lx_read_slots_arg = {
    APR_OFFSETOF(lx_server_conf, read_slots), GLOBAL_ONLY, 1, 10000,
    "LixiaoReadDBSlots takes a number of connections from 1 to 10000"};
static const lx_int_directive lx_read_after_write_arg = {
    APR_OFFSETOF(lx_server_conf, read_after_write), NOT_IN_DIR_CONTEXT, 1, 3600,
    "LixiaoReadAfterWrite takes seconds from 1 to 3600"};
static const lx_int_directive lx_read_retry_arg = {
    APR_OFFSETOF(lx_server_conf, read_retry), GLOBAL_ONLY, 1, 3600,
    "LixiaoReadRetry takes seconds from 1 to 3600"};

/* The directives of lx_int_directive (cmd->info): arg as a whole number in range, or the
 * directive's refusal. */
static const char *lx_set_int(cmd_parms *cmd, void *dummy, const char *arg)
{
    const lx_int_directive *d = cmd->info;
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    const char *err = ap_check_cmd_context(cmd, d->context);
    char *end;
    long v;
    (void)dummy;
    if (err)
        return err;
    v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < d->lo || v > d->hi)
        return d->refusal;
    *(int *)((char *)conf + d->offset) = (int)v;
    return NULL;
}

/* Personal pages are no-store (nothing personal stays on a shared computer).  A site may let
 * the student's own page be kept and revalidated instead: students press refresh all day, and
 * a 304 costs a fraction of a page (docs/operation.md "Module directives"). */
static const char *lx_set_own_page_cache(cmd_parms *cmd, void *dummy, const char *arg)
{
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    (void)dummy;
    if (err)
        return err;
    if (strcasecmp(arg, "no-store") == 0)
        conf->own_page_revalidate = 0;
    else if (strcasecmp(arg, "revalidate") == 0)
        conf->own_page_revalidate = 1;
    else
        return "LixiaoOwnPageCache: give no-store (the default) or revalidate";
    return NULL;
}

/* The standbys' connection string, checked by libpq itself at start-up. */
static const char *lx_set_read_db(cmd_parms *cmd, void *dummy, const char *arg)
{
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *why = NULL;
    PQconninfoOption *opts;
    (void)dummy;
    if (err)
        return err;
    opts = PQconninfoParse(arg, &why);
    if (!opts) {
        err = apr_pstrcat(cmd->pool, "LixiaoReadDB: ", lx_text_one_line(apr_pstrdup(
                              cmd->pool, why ? why : "out of memory")), NULL);
        PQfreemem(why);
        return err;
    }
    PQconninfoFree(opts);
    conf->read_conninfo = arg;
    return NULL;
}

static const char *lx_set_time_zone(cmd_parms *cmd, void *dummy, const char *arg)
{
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    int h, m;
    char sign, tail;
    (void)dummy;
    if (err)
        return err;
    if (sscanf(arg, "%c%2d:%2d%c", &sign, &h, &m, &tail) != 3 || (sign != '+' && sign != '-')
        || h > 14 || m > 59 || strlen(arg) != 6)
        return "LixiaoTimeZone: give an offset from UTC such as +08:00";
    conf->utc_offset = (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return NULL;
}

/* Read once at start-up, as root: the file may be readable by root only. */
/* A key file of 32 to 4096 bytes into *buf, *n; an error for the directive otherwise. */
static const char *lx_read_secret(cmd_parms *cmd, const char *arg, unsigned char **buf,
                                  apr_size_t *n)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *name = cmd->cmd->name;
    apr_file_t *f;
    apr_finfo_t fi;

    if (!path || apr_file_open(&f, path, APR_READ, 0, cmd->temp_pool) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read %s", name, arg);
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS || fi.size < 32
        || fi.size > 4096) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "%s: %s must hold 32 to 4096 bytes "
                            "(for example: head -c 48 /dev/urandom > FILE)", name, arg);
    }
    *n = (apr_size_t)fi.size;
    *buf = apr_palloc(cmd->pool, *n);
    if (apr_file_read_full(f, *buf, *n, n) != APR_SUCCESS) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "%s: cannot read %s", name, arg);
    }
    apr_file_close(f);
    return NULL;
}

static const char *lx_set_secret_file(cmd_parms *cmd, void *dummy, const char *arg)
{
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    unsigned char *buf;
    apr_size_t n;
    (void)dummy;
    if (err || (err = lx_read_secret(cmd, arg, &buf, &n)))
        return err;
    conf->secret = buf;
    conf->secret_len = n;
    return NULL;
}

/* LixiaoSecretPreviousFile FILE UNTIL: a second key, accepted for the forms' tokens (never
 * used for new ones) until UNTIL, an ISO 8601 time with its offset: the overlap of a key's
 * rotation (docs/runbooks.md "Rotating the forms' secret").  An UNTIL more than 30 days ahead
 * is refused: a forgotten old key must not stay valid. */
static const char *lx_set_secret_previous(cmd_parms *cmd, void *dummy, const char *file,
                                          const char *until)
{
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    long long at, now = (long long)apr_time_sec(apr_time_now());
    unsigned char *buf;
    apr_size_t n;
    (void)dummy;
    if (err)
        return err;
    if (lx_csrf_parse_time(until, &at) != 0)
        return apr_psprintf(cmd->pool, "LixiaoSecretPreviousFile: %s is not a time such as "
                            "2026-06-20T18:00+08:00 (date, time and offset)", until);
    if (at > now + 30LL * 86400)
        return apr_psprintf(cmd->pool, "LixiaoSecretPreviousFile: %s is more than 30 days "
                            "ahead; the overlap needs a working day (12 hours) or so", until);
    if ((err = lx_read_secret(cmd, file, &buf, &n)))
        return err;
    conf->secret_prev = buf;
    conf->secret_prev_len = n;
    conf->secret_prev_until = at;
    return NULL;
}

static const char *lx_set_page_cache(cmd_parms *cmd, void *dummy, const char *arg)
{
    lx_server_conf *conf = ap_get_module_config(cmd->server->module_config, &lixiao_module);
    (void)dummy;
    return lx_pagecache_config(cmd, arg, &conf->page_cache_spec);
}

static const command_rec lx_cmds[] = {
    AP_INIT_TAKE1("LixiaoTemplates", lx_set_templates, NULL, RSRC_CONF,
                  "directory of the XSLT stylesheets (templates/)"),
    AP_INIT_TAKE1("LixiaoBaseURL", lx_set_base_url, NULL, RSRC_CONF,
                  "URL path under which the module's pages live, default /lx"),
    AP_INIT_TAKE1("LixiaoRetryAfter", lx_set_int, (void *)&lx_retry_after_arg, RSRC_CONF,
                  "seconds advised in Retry-After when the database is unavailable"),
    AP_INIT_TAKE1("LixiaoSecretFile", lx_set_secret_file, NULL, RSRC_CONF,
                  "file holding the key of the forms' CSRF tokens"),
    AP_INIT_TAKE2("LixiaoSecretPreviousFile", lx_set_secret_previous, NULL, RSRC_CONF,
                  "another key of the CSRF tokens, accepted until the time given "
                  "(2026-06-20T18:00+08:00): the overlap of a rotation"),
    AP_INIT_TAKE1("LixiaoTimeZone", lx_set_time_zone, NULL, RSRC_CONF,
                  "offset from UTC of the times shown on pages, default +08:00"),
    AP_INIT_TAKE1("LixiaoDBTimeout", lx_set_int, (void *)&lx_db_timeout_arg, RSRC_CONF,
                  "seconds to wait for any answer of the database (above its "
                  "statement_timeout), default 15"),
    AP_INIT_TAKE1("LixiaoDBSlots", lx_set_int, (void *)&lx_db_slots_arg, RSRC_CONF,
                  "requests of a process at the database at once, first come first served: "
                  "DBDMax (default 10)"),
    AP_INIT_TAKE1("LixiaoOwnPageCache", lx_set_own_page_cache, NULL, RSRC_CONF,
                  "no-store (default) or revalidate: may a student's browser keep their own "
                  "page and revalidate it"),
    AP_INIT_TAKE1("LixiaoPageCache", lx_set_page_cache, NULL, RSRC_CONF,
                  "none, or the mod_socache provider of students' rendered pages"),
    AP_INIT_TAKE1("LixiaoReadDB", lx_set_read_db, NULL, RSRC_CONF,
                  "libpq connection string of the standbys for pages that only read"),
    AP_INIT_TAKE1("LixiaoReadDBSlots", lx_set_int, (void *)&lx_read_slots_arg, RSRC_CONF,
                  "read connections of a process at once (default LixiaoDBSlots)"),
    AP_INIT_TAKE1("LixiaoReadAfterWrite", lx_set_int, (void *)&lx_read_after_write_arg,
                  RSRC_CONF,
                  "seconds a client that changed something reads from the primary (10)"),
    AP_INIT_TAKE1("LixiaoReadRetry", lx_set_int, (void *)&lx_read_retry_arg, RSRC_CONF,
                  "seconds before a read connection that found the primary looks for a "
                  "standby again (30)"),
    {NULL}
};

/* libxml2 and libxslt are initialised once, in the parent, before any thread exists, on
 * libxml2's own allocator.  We never call xmlCleanupParser(): other modules in the process use
 * libxml2 too. */
static int lx_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    lx_pagecache_pre_config(pconf);
    LIBXML_TEST_VERSION;
    xmlInitParser();
    exsltRegisterAll();
    return OK;
}

/* The defaults of whatever a server's directives left unset. */
static void lx_apply_defaults(lx_server_conf *conf)
{
    if (!conf->base_url)
        conf->base_url = LX_DEFAULT_BASE_URL;
    if (conf->retry_after == LX_UNSET)
        conf->retry_after = LX_DEFAULT_RETRY_AFTER;
    if (conf->utc_offset == LX_UNSET)
        conf->utc_offset = LX_DEFAULT_UTC_OFFSET;
    if (conf->db_slots == LX_UNSET)
        conf->db_slots = LX_DEFAULT_DB_SLOTS;
    if (conf->db_timeout == LX_UNSET)
        conf->db_timeout = LX_DEFAULT_DB_TIMEOUT;
    if (conf->own_page_revalidate == LX_UNSET)
        conf->own_page_revalidate = 0;
    if (conf->read_slots == LX_UNSET)
        conf->read_slots = conf->db_slots;
    if (conf->read_after_write == LX_UNSET)
        conf->read_after_write = LX_DEFAULT_READ_AFTER_WRITE;
    if (conf->read_retry == LX_UNSET)
        conf->read_retry = LX_DEFAULT_READ_RETRY;
}

static int lx_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                          server_rec *s)
{
    server_rec *vs;
    struct lx_pagecache *pages;
    (void)plog;

    if (lx_db_post_config(s) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    /* httpd runs post_config twice at start-up; the first round only checks the
     * configuration, so the shared memory is made in the second (as mod_ssl does) */
    if (lx_pagecache_create(pconf, ptemp, s, lx_conf_of(s)->page_cache_spec,
                            ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG,
                            &pages) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    lx_xslt_setup_security(pconf, s);
    for (vs = s; vs; vs = vs->next) {
        lx_server_conf *conf = lx_conf_of(vs);
        if (!conf->template_dir) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, LXLOGNO(0002)
                         "LixiaoTemplates is not set: name the directory of the stylesheets");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (!conf->secret) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, LXLOGNO(0003)
                         "LixiaoSecretFile is not set: name a file of at least 32 random "
                         "bytes, the same on every node");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        lx_apply_defaults(conf);
        conf->page_cache = pages;
        if (lx_xslt_compile(pconf, vs, conf) != APR_SUCCESS)
            return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* The database's connections of this process: the gate in front of mod_dbd's pool and the
 * standbys' pool (LixiaoReadDB). */
static void lx_child_init(apr_pool_t *pchild, server_rec *s)
{
    lx_db_child_init(pchild, s);
    lx_readpool_child_init(pchild, s);
    lx_pagecache_child_init(pchild, s, lx_conf_of(s)->page_cache);
}

static int lx_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, LX_HANDLER) != 0)
        return DECLINED;
    return lx_route(r);
}

static void lx_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(lx_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* mod_dbd registers ap_dbd_acquire in its register_hooks: retrievable in post_config */
    ap_hook_post_config(lx_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(lx_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* tokens in a URL never reach a log (lx_route.c): first, before other modules log it */
    ap_hook_post_read_request(lx_scrub_query_tokens, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_handler(lx_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

/* Not AP_DECLARE_MODULE: lx_conf.h already says APLOG_USE_MODULE(lixiao). */
module AP_MODULE_DECLARE_DATA lixiao_module = {
    STANDARD20_MODULE_STUFF,
    NULL,                       /* per-directory config: none */
    NULL,
    lx_create_server_conf,
    lx_merge_server_conf,
    lx_cmds,
    lx_register_hooks,
    0
};
