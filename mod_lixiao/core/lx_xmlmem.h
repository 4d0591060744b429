/*
 * lx_xmlmem.h: libxml2's memory for the length of one request.
 *
 * A student page makes about ten thousand small allocations through xmlMalloc (the page's
 * XML, the transform's temporary node sets and strings, the result tree) and frees every one
 * of them before the request ends.  Through glibc's malloc (without thread caches:
 * conf/httpd-envvars) malloc and free were a third of httpd's instructions on that page.
 *
 * lx_xmlmem_install() points libxml2's allocator (xmlMemSetup) at the functions of this file.
 * Between lx_xmlmem_begin() and lx_xmlmem_end() on a thread, libxml2's blocks come from 64 KB
 * chunks of that request: a freed block of up to 4 KB goes on a list of its size and is reused
 * by the next allocation of that size, and all the chunks are given back at once when the
 * request's pool is destroyed.  Anything else (blocks larger than a chunk, outside a request)
 * goes to the allocator libxml2 had before (malloc).
 *
 * The chunks lie in one region of address space reserved at the install (1 GB, its pages
 * touched only as chunks are used; a process keeps 4 MB of chunks resident between requests
 * and gives the pages of the others back), so xmlFree tells a chunk's block from malloc's by
 * its address: blocks allocated before the install, or by other modules, are freed as before.
 * Freeing a chunk's block outside its request (a pool cleanup that runs xmlFreeDoc after the
 * handler returned, maybe on another thread) does nothing: the chunk goes back with the pool.
 *
 * The rule for callers: nothing allocated by libxml2 during a request may be used after the
 * request's pool is destroyed, and the pool given to lx_xmlmem_begin must be destroyed after
 * every cleanup that frees libxml2 objects of the request (register it first).
 *
 * Builds with AddressSanitizer leave libxml2 on malloc, so that ASan still sees its blocks.
 */
#ifndef LX_XMLMEM_H
#define LX_XMLMEM_H

#include "apr_pools.h"
#include <libxml/tree.h>

/* Once, in the parent before any thread and before xmlInitParser; restores libxml2's previous
 * allocator when pconf is cleared (a restart may unload this module's code). */
void lx_xmlmem_install(apr_pool_t *pconf);

/* libxml2 allocates from chunks of pool p on this thread until lx_xmlmem_end(); the chunks go
 * back when p is destroyed.  Nests (the previous scope is restored by lx_xmlmem_end). */
void lx_xmlmem_begin(apr_pool_t *p);
void lx_xmlmem_end(void);

/* doc, made in the current scope (begun on p), is freed when p is destroyed: by xmlFreeDoc, or,
 * when every libxml2 block of the scope came from its chunks, by giving back its dictionary
 * reference alone (the chunks go back with p; walking a page's trees to free them block by
 * block was 6 % of its instructions). */
void lx_xmlmem_free_doc_with(apr_pool_t *p, xmlDocPtr doc);

/* What the current scope holds: bytes of chunks taken, and blocks served from them (for the
 * unit tests and the benchmark). */
typedef struct {
    apr_size_t chunk_bytes;
    apr_size_t blocks;
} lx_xmlmem_stats;
int lx_xmlmem_stats_get(lx_xmlmem_stats *out);

#endif
