/*
 * lx_xmlmem.c: see lx_xmlmem.h.
 */
#include "lx_xmlmem.h"

#include <libxml/xmlmemory.h>
#include <libxml/xmlerror.h>
#include <libxml/dict.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Builds with AddressSanitizer leave libxml2 on malloc (ASan checks its blocks there). */
#if defined(__SANITIZE_ADDRESS__)
#define LX_XMLMEM_PLAIN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LX_XMLMEM_PLAIN 1
#endif
#endif
#ifndef LX_XMLMEM_PLAIN
#define LX_XMLMEM_PLAIN 0
#endif

#define LX_GRAIN     16                     /* malloc's alignment, and the size classes' step */
#define LX_CLASSES   256                    /* blocks of 16, 32, ... 4096 bytes */
#define LX_CHUNK     (64 * 1024)
#define LX_CHUNKS    16384                  /* 1 GB of address space, touched as used */
#define LX_WARM_MAX  64                     /* chunks kept resident between requests */

/* The 16 bytes in front of every block of a chunk. */
typedef struct {
    uint32_t cls;           /* (cls + 1) * LX_GRAIN bytes usable; freed blocks of a class
                             * below LX_CLASSES are reused, larger ones wait for the pool */
    uint32_t scope;         /* the number of the scope it belongs to */
    uint64_t pad;           /* keeps the blocks 16-byte aligned */
} lx_block;

typedef struct lx_chunk {
    struct lx_chunk *next;  /* the scope's chunks, while it holds them */
    void *pad;
} lx_chunk;

typedef struct lx_scope {
    struct lx_scope *outer; /* the scope this one interrupted, if any */
    uint32_t id;
    char *next, *end;       /* the newest chunk's free space */
    lx_chunk *chunks;
    apr_size_t chunk_bytes, blocks;
    apr_size_t spilled;     /* allocations that went to malloc: larger than a chunk, or none
                             * left (then freeing the scope's documents must free them) */
    void *free[LX_CLASSES]; /* freed blocks by class, linked through their first word */
} lx_scope;

/* The largest block a chunk holds. */
#define LX_BLOCK_MAX (LX_CHUNK - sizeof(lx_chunk) - sizeof(lx_block))

/* initial-exec: a plain %fs-relative load on every xmlMalloc and xmlFree (the default model
 * for a dlopen'd module calls __tls_get_addr each time: 3 % of a page's instructions) */
static __thread lx_scope *lx_current __attribute__((tls_model("initial-exec")));
static uint32_t lx_scope_ids;
static int lx_installed;

/* libxml2's allocator before ours: everything that is not a chunk's block goes to it. */
static xmlFreeFunc lx_prev_free = free;
static xmlMallocFunc lx_prev_malloc = malloc;
static xmlReallocFunc lx_prev_realloc = realloc;
static xmlStrdupFunc lx_prev_strdup = (xmlStrdupFunc)strdup;

/* ---- chunks: one reserved region, so that a block is told from malloc's by its address ---- */

static char *lx_region;                     /* LX_CHUNKS chunks, or NULL: everything to malloc */
static uint32_t lx_region_used;             /* chunks handed out at least once */
static pthread_mutex_t lx_spare_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t lx_warm[LX_WARM_MAX], lx_cold[LX_CHUNKS];    /* given back, by index */
static uint32_t lx_warm_count, lx_cold_count;

static int lx_in_region(const void *p)
{
    return (uintptr_t)p - (uintptr_t)lx_region < (uintptr_t)LX_CHUNKS * LX_CHUNK && lx_region;
}

static lx_chunk *lx_chunk_take(void)
{
    uint32_t i = UINT32_MAX;

    pthread_mutex_lock(&lx_spare_lock);
    if (lx_warm_count)
        i = lx_warm[--lx_warm_count];
    else if (lx_cold_count)
        i = lx_cold[--lx_cold_count];
    else if (lx_region_used < LX_CHUNKS)
        i = lx_region_used++;
    pthread_mutex_unlock(&lx_spare_lock);
    return i == UINT32_MAX ? NULL : (lx_chunk *)(lx_region + (size_t)i * LX_CHUNK);
}

/* Beyond LX_WARM_MAX, a chunk's pages go back to the system (its address stays ours). */
static void lx_chunks_give_back(lx_chunk *c)
{
    while (c) {
        lx_chunk *next = c->next;
        uint32_t i = (uint32_t)(((char *)c - lx_region) / LX_CHUNK);
        int warm;

        pthread_mutex_lock(&lx_spare_lock);
        warm = lx_warm_count < LX_WARM_MAX;
        if (warm)
            lx_warm[lx_warm_count++] = i;
        pthread_mutex_unlock(&lx_spare_lock);
        if (!warm) {
            madvise(c, LX_CHUNK, MADV_DONTNEED);
            pthread_mutex_lock(&lx_spare_lock);
            lx_cold[lx_cold_count++] = i;
            pthread_mutex_unlock(&lx_spare_lock);
        }
        c = next;
    }
}

static int lx_scope_grow(lx_scope *s)
{
    lx_chunk *c = lx_chunk_take();
    if (!c)
        return 0;
    c->next = s->chunks;
    s->chunks = c;
    s->next = (char *)(c + 1);
    s->end = (char *)c + LX_CHUNK;
    s->chunk_bytes += LX_CHUNK;
    return 1;
}

/* ---- the allocator libxml2 calls ---- */

static void *lx_scope_alloc(lx_scope *s, size_t n)
{
    uint32_t cls = n ? (uint32_t)((n - 1) / LX_GRAIN) : 0;
    size_t need = sizeof(lx_block) + ((size_t)cls + 1) * LX_GRAIN;
    void *p = cls < LX_CLASSES ? s->free[cls] : NULL;
    lx_block *b;

    if (p) {
        s->free[cls] = *(void **)p;
        return p;
    }
    if ((size_t)(s->end - s->next) < need && !lx_scope_grow(s)) {
        s->spilled++;
        return lx_prev_malloc(n);
    }
    b = (lx_block *)s->next;
    s->next += need;
    b->cls = cls;
    b->scope = s->id;
    s->blocks++;
    return b + 1;
}

static void *lx_xml_malloc(size_t n)
{
    lx_scope *s = lx_current;
    if (!s)
        return lx_prev_malloc(n);
    if (n > LX_BLOCK_MAX) {
        s->spilled++;
        return lx_prev_malloc(n);
    }
    return lx_scope_alloc(s, n);
}

static void lx_xml_free(void *p)
{
    lx_block *b;
    lx_scope *s;

    if (!p)
        return;
    if (!lx_in_region(p)) {
        lx_prev_free(p);
        return;
    }
    b = (lx_block *)p - 1;
    s = lx_current;
    if (s && b->scope == s->id && b->cls < LX_CLASSES) {
        *(void **)p = s->free[b->cls];
        s->free[b->cls] = p;
    }
    /* else a block of a scope that has ended: its chunk goes back with that scope's pool */
}

static void *lx_xml_realloc(void *p, size_t n)
{
    lx_block *b;
    size_t have;
    void *q;

    if (!p)
        return lx_xml_malloc(n);
    if (!lx_in_region(p))
        return lx_prev_realloc(p, n);
    b = (lx_block *)p - 1;
    have = ((size_t)b->cls + 1) * LX_GRAIN;
    if (n <= have)
        return p;
    q = lx_xml_malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, have);
    lx_xml_free(p);
    return q;
}

static char *lx_xml_strdup(const char *str)
{
    size_t n = strlen(str) + 1;
    char *d = lx_xml_malloc(n);
    if (d)
        memcpy(d, str, n);
    return d;
}

/* ---- install, scopes ---- */

/* In the parent, where no request ever ran: no block of the region is alive. */
static apr_status_t lx_xmlmem_uninstall(void *data)
{
    (void)data;
    xmlMemSetup(lx_prev_free, lx_prev_malloc, lx_prev_realloc, lx_prev_strdup);
    lx_installed = 0;
    munmap(lx_region, (size_t)LX_CHUNKS * LX_CHUNK);
    lx_region = NULL;
    lx_region_used = lx_warm_count = lx_cold_count = 0;
    return APR_SUCCESS;
}

void lx_xmlmem_install(apr_pool_t *pconf)
{
    xmlFreeFunc f;
    xmlMallocFunc m;
    xmlReallocFunc r;
    xmlStrdupFunc d;

    if (LX_XMLMEM_PLAIN || xmlMemGet(&f, &m, &r, &d) != 0 || f == lx_xml_free)
        return;
    if (!lx_region) {
        /* address space only: pages are touched as chunks are used (children inherit it) */
        void *r0 = mmap(NULL, (size_t)LX_CHUNKS * LX_CHUNK, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (r0 == MAP_FAILED)
            return;                 /* e.g. strict overcommit: libxml2 stays on malloc */
        lx_region = r0;
    }
    lx_prev_free = f;
    lx_prev_malloc = m;
    lx_prev_realloc = r;
    lx_prev_strdup = d;
    if (xmlMemSetup(lx_xml_free, lx_xml_malloc, lx_xml_realloc, lx_xml_strdup) != 0)
        return;
    lx_installed = 1;
    if (pconf)
        apr_pool_cleanup_register(pconf, NULL, lx_xmlmem_uninstall, apr_pool_cleanup_null);
}

static apr_status_t lx_scope_release(void *data)
{
    lx_scope *s = data;
    if (lx_current == s)        /* not ended: never leave a thread pointing at freed chunks */
        lx_current = s->outer;
    lx_chunks_give_back(s->chunks);
    s->chunks = NULL;
    return APR_SUCCESS;
}

void lx_xmlmem_begin(apr_pool_t *p)
{
    lx_scope *s;
    if (!lx_installed)
        return;
    s = apr_pcalloc(p, sizeof(*s));
    s->outer = lx_current;
    do
        s->id = __atomic_add_fetch(&lx_scope_ids, 1, __ATOMIC_RELAXED);
    while (s->id == 0);
    /* registered before any cleanup that frees the request's libxml2 objects: runs after them */
    apr_pool_cleanup_register(p, s, lx_scope_release, apr_pool_cleanup_null);
    lx_current = s;
}

void lx_xmlmem_end(void)
{
    lx_scope *s = lx_current;
    if (!s)
        return;
    /* the thread's last libxml2 error keeps copies of its strings: they are this scope's */
    xmlResetLastError();
    lx_current = s->outer;
}

int lx_xmlmem_stats_get(lx_xmlmem_stats *out)
{
    lx_scope *s = lx_current;
    if (!s)
        return 0;
    out->chunk_bytes = s->chunk_bytes;
    out->blocks = s->blocks;
    return 1;
}

/* ---- documents ---- */

typedef struct {
    xmlDocPtr doc;
    lx_scope *scope;        /* the scope it was made in, alive until after this cleanup */
} lx_doc_ref;

static apr_status_t lx_doc_free(void *data)
{
    lx_doc_ref *d = data;
    if (d->scope && d->scope->spilled == 0) {
        /* every block of it lies in the scope's chunks: only its dictionary is shared (the
         * result's comes from the stylesheet's) and needs its reference given back, as
         * xmlFreeDoc would */
        if (d->doc->dict)
            xmlDictFree(d->doc->dict);
        return APR_SUCCESS;
    }
    xmlFreeDoc(d->doc);
    return APR_SUCCESS;
}

void lx_xmlmem_free_doc_with(apr_pool_t *p, xmlDocPtr doc)
{
    lx_doc_ref *d = apr_palloc(p, sizeof(*d));
    d->doc = doc;
    d->scope = lx_current;
    apr_pool_cleanup_register(p, d, lx_doc_free, apr_pool_cleanup_null);
}
