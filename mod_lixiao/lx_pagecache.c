/*
 * lx_pagecache.c: see lx_pagecache.h.  One cache for the whole server (the main server's
 * LixiaoPageCache), created before the children start so that they all share it; a provider
 * that is not safe across processes and threads (shmcb says so of itself) is used under a
 * global mutex, as mod_ssl uses it.  shmcb picks a subcache by an id's first byte (made for
 * random session ids), so a page's id is the MD5 of its key, not the key, whose logins all
 * begin alike; each kept value is the whole key, a NUL, and the page, and a page is served only
 * when the key it was kept under is the one asked for (so also only to the login it names).
 */
#include "lx_pagecache.h"

#include "ap_provider.h"
#include "ap_socache.h"
#include "util_mutex.h"
#include "apr_global_mutex.h"
#include "apr_general.h"
#include "apr_md5.h"

#define LX_PAGECACHE_DEFAULT "shmcb:lixiao-pages(33554432)"  /* 32 MB: about 2,000 pages */
#define LX_PAGECACHE_MAX_PAGE (64 * 1024)   /* a larger page is not kept (16 KB is usual) */
#define LX_PAGECACHE_KEEP apr_time_from_sec(24 * 3600)   /* then rendered again */
#define LX_PAGECACHE_MUTEX "lixiao-pages"

struct lx_pagecache {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;          /* NULL when the provider needs none */
    char mark_now[32], mark_request[32];
};

const char *lx_pagecache_config(cmd_parms *cmd, const char *arg, const char **spec)
{
    if (cmd->server->is_virtual)
        return "LixiaoPageCache belongs to the main server's configuration: one cache serves "
               "every virtual host";
    if (!*arg || *arg == ':')
        return "LixiaoPageCache: give none, or a mod_socache provider such as "
               "shmcb:lixiao-pages(33554432) (the size in bytes)";
    *spec = arg;
    return NULL;
}

/* The mutex type, registered before the configuration is read (AcquireMutex may name it). */
void lx_pagecache_pre_config(apr_pool_t *pconf)
{
    ap_mutex_register(pconf, LX_PAGECACHE_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
}

static apr_status_t lx_pagecache_destroy(void *data)
{
    lx_pagecache *pc = data;
    pc->provider->destroy(pc->instance, NULL);
    return APR_SUCCESS;
}

/* A mark no text can contain: a prefix and 24 random hex digits, new at every start. */
static apr_status_t lx_mark(char *out, const char *prefix)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[12];
    apr_status_t rv = apr_generate_random_bytes(b, sizeof(b));
    int i;

    if (rv != APR_SUCCESS)
        return rv;
    out = apr_cpystrn(out, prefix, 8);
    for (i = 0; i < (int)sizeof(b); i++) {
        *out++ = hex[b[i] >> 4];
        *out++ = hex[b[i] & 15];
    }
    *out = '\0';
    return APR_SUCCESS;
}

apr_status_t lx_pagecache_create(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                 const char *spec, int check_only, lx_pagecache **out)
{
    struct ap_socache_hints hints = {64, 16 * 1024, LX_PAGECACHE_KEEP};
    const char *name = spec ? spec : LX_PAGECACHE_DEFAULT, *args, *err;
    lx_pagecache *pc;
    apr_status_t rv;

    *out = NULL;
    if (strcasecmp(name, "none") == 0)
        return APR_SUCCESS;
    args = ap_strchr_c(name, ':');
    name = args ? apr_pstrmemdup(ptemp, name, (apr_size_t)(args - name)) : name;
    args = args ? args + 1 : "";
    pc = apr_pcalloc(pconf, sizeof(*pc));
    pc->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!pc->provider && !spec) {
        if (check_only)
            return APR_SUCCESS;
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, LXLOGNO(0601)
                     "students' pages are rendered for every view: the page cache needs "
                     "mod_socache_shmcb (a2enmod socache_shmcb), or LixiaoPageCache none");
        return APR_SUCCESS;
    }
    if (!pc->provider) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, LXLOGNO(0602)
                     "LixiaoPageCache %s: no such mod_socache provider; load it "
                     "(a2enmod socache_%s) or say LixiaoPageCache none", spec, name);
        return APR_EGENERAL;
    }
    err = pc->provider->create(&pc->instance, args, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, LXLOGNO(0603)
                     "LixiaoPageCache %s: %s", name, err);
        return APR_EGENERAL;
    }
    if (check_only)
        return APR_SUCCESS;
    if (pc->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&pc->mutex, NULL, LX_PAGECACHE_MUTEX, NULL, s, pconf, 0);
        if (rv != APR_SUCCESS)
            return rv;      /* ap_global_mutex_create has logged why */
    }
    rv = pc->provider->init(pc->instance, "lixiao-pages", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, LXLOGNO(0604)
                     "LixiaoPageCache %s: the cache could not be made", name);
        return rv;
    }
    apr_pool_cleanup_register(pconf, pc, lx_pagecache_destroy, apr_pool_cleanup_null);
    if ((rv = lx_mark(pc->mark_now, "lxT")) != APR_SUCCESS
        || (rv = lx_mark(pc->mark_request, "lxR")) != APR_SUCCESS)
        return rv;
    *out = pc;
    return APR_SUCCESS;
}

void lx_pagecache_child_init(apr_pool_t *pchild, server_rec *s, lx_pagecache *pc)
{
    apr_status_t rv;

    if (!pc || !pc->mutex)
        return;
    rv = apr_global_mutex_child_init(&pc->mutex, apr_global_mutex_lockfile(pc->mutex), pchild);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, LXLOGNO(0605)
                     "the page cache's mutex could not be opened in this process");
}

const char *lx_pagecache_mark_now(const lx_pagecache *pc)
{
    return pc->mark_now;
}

const char *lx_pagecache_mark_request(const lx_pagecache *pc)
{
    return pc->mark_request;
}

/* The cache's work under its mutex, when it needs one; a lock that fails is a miss. */
static int lx_pagecache_lock(lx_pagecache *pc)
{
    return !pc->mutex || apr_global_mutex_lock(pc->mutex) == APR_SUCCESS;
}

static void lx_pagecache_unlock(lx_pagecache *pc)
{
    if (pc->mutex)
        apr_global_mutex_unlock(pc->mutex);
}

/* The whole key, beginning with the login it is for ("LOGIN/..."). */
static const char *lx_full_key(request_rec *r, const char *key, const char *login)
{
    return apr_pstrcat(r->pool, login, "/", key, NULL);
}

int lx_pagecache_get(lx_pagecache *pc, request_rec *r, const char *key, const char *login,
                     const char **page, apr_size_t *len)
{
    const char *full = lx_full_key(r, key, login);
    apr_size_t key_len = strlen(full) + 1;
    unsigned int size = (unsigned int)(key_len + LX_PAGECACHE_MAX_PAGE);
    unsigned char *buf = apr_palloc(r->pool, size + 1), id[APR_MD5_DIGESTSIZE];
    apr_status_t rv;

    apr_md5(id, full, key_len - 1);
    if (!lx_pagecache_lock(pc))
        return 0;
    rv = pc->provider->retrieve(pc->instance, r->server, id, sizeof(id), buf, &size, r->pool);
    lx_pagecache_unlock(pc);
    /* served only for the key, and so the login, it was kept under */
    if (rv != APR_SUCCESS || size < key_len || memcmp(buf, full, key_len) != 0)
        return 0;
    buf[size] = '\0';
    *page = (const char *)buf + key_len;
    *len = size - key_len;
    return 1;
}

void lx_pagecache_put(lx_pagecache *pc, request_rec *r, const char *key, const char *login,
                      const char *page, apr_size_t len)
{
    const char *full = lx_full_key(r, key, login);
    apr_size_t key_len = strlen(full) + 1;
    unsigned char *value, id[APR_MD5_DIGESTSIZE];
    apr_status_t rv;

    if (len > LX_PAGECACHE_MAX_PAGE)
        return;
    apr_md5(id, full, key_len - 1);
    value = apr_palloc(r->pool, key_len + len);
    memcpy(value, full, key_len);
    memcpy(value + key_len, page, len);
    if (!lx_pagecache_lock(pc))
        return;
    rv = pc->provider->store(pc->instance, r->server, id, sizeof(id),
                             apr_time_now() + LX_PAGECACHE_KEEP, value,
                             (unsigned int)(key_len + len), r->pool);
    lx_pagecache_unlock(pc);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, LXLOGNO(0606)
                      "a page of %" APR_SIZE_T_FMT " bytes was not kept", len);
}
