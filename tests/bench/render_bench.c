/*
 * render_bench.c: what a student page's render costs on one thread, without httpd, the
 * database or the network (make bench runs it on the pages of its demo students and reports
 * it beside scenario b: it is what bounds ratio_page_static).
 *
 *   render_bench TEMPLATE_DIR ROUNDS PAGE.xml...
 *
 * Each page (the module's XML, ?format=xml) is transformed ROUNDS times by its view's
 * stylesheet, compiled once as the module does; each round's result is written by libxml2's
 * HTML serializer (xsltSaveResultToString, what the module used before core/lx_html.c) and by
 * lx_html_write, and freed, as lx_xslt.c does (libxml2 on its own allocator, malloc).  Prints
 * one line of JSON: microseconds a page for each part, and whether both writers gave the same
 * bytes for every page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/transform.h>
#include <libxslt/xsltutils.h>
#include "apr_general.h"
#include "core/lx_html.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

typedef struct {
    double context, transform, libxml2_writer, own_writer, free_result;
} costs;

static apr_status_t free_ctxt(void *ctxt)
{
    xsltFreeTransformContext(ctxt);
    return APR_SUCCESS;
}

/*
 * One round of one page as lx_route and lx_render do it: a request pool with its scope of
 * libxml2 memory, the transform context and the result freed by the pool's cleanups (the
 * result first), and the scope's chunks given back last.  Returns 0 when both writers agree.
 */
static int round_of(xsltStylesheetPtr sheet, xmlDocPtr page, apr_pool_t *parent, costs *c)
{
    double t0, t1, t2, t3, t4, t5;
    apr_pool_t *p;
    xsltTransformContextPtr ctxt;
    xmlDocPtr out;
    xmlChar *lib = NULL;
    int lib_len = 0, same;
    size_t own_len;
    const char *own;

    apr_pool_create(&p, parent);        /* the request's pool */
    t0 = now_us();
    ctxt = xsltNewTransformContext(sheet, page);
    apr_pool_cleanup_register(p, ctxt, free_ctxt, apr_pool_cleanup_null);
    t1 = now_us();
    out = xsltApplyStylesheetUser(sheet, page, NULL, NULL, NULL, ctxt);
    t2 = now_us();
    xsltSaveResultToString(&lib, &lib_len, out, sheet);
    t3 = now_us();
    own = lx_html_write(p, out, &own_len);
    t4 = now_us();
    same = own && lib && own_len == (size_t)lib_len && memcmp(own, lib, own_len) == 0;
    xmlFree(lib);
    xmlFreeDoc(out);
    apr_pool_destroy(p);                /* the context */
    t5 = now_us();
    c->context += t1 - t0;
    c->transform += t2 - t1;
    c->libxml2_writer += t3 - t2;
    c->own_writer += t4 - t3;
    c->free_result += t5 - t4;
    return same ? 0 : 1;
}

int main(int argc, char **argv)
{
    apr_pool_t *pool;
    costs c = {0, 0, 0, 0, 0};
    int rounds, i, k, pages = argc - 3, differ = 0;
    xmlDocPtr *docs;
    xsltStylesheetPtr *sheets;

    if (argc < 4) {
        fprintf(stderr, "usage: render_bench TEMPLATE_DIR ROUNDS PAGE.xml...\n");
        return 2;
    }
    rounds = atoi(argv[2]);
    apr_initialize();
    apr_pool_create(&pool, NULL);
    docs = calloc(pages, sizeof(*docs));
    sheets = calloc(pages, sizeof(*sheets));
    for (i = 0; i < pages; i++) {
        char path[4096];
        xmlChar *view;
        docs[i] = xmlReadFile(argv[3 + i], NULL, 0);
        if (!docs[i]) {
            fprintf(stderr, "render_bench: cannot read %s\n", argv[3 + i]);
            return 1;
        }
        view = xmlGetProp(xmlDocGetRootElement(docs[i]), BAD_CAST "view");
        snprintf(path, sizeof(path), "%s/%s.xsl", argv[1], view ? (char *)view : "error");
        xmlFree(view);
        /* one compiled stylesheet per view, as the module keeps them */
        for (k = 0; k < i; k++)
            if (strcmp((const char *)sheets[k]->doc->URL, path) == 0)
                break;
        sheets[i] = k < i ? sheets[k] : xsltParseStylesheetFile(BAD_CAST path);
        if (!sheets[i]) {
            fprintf(stderr, "render_bench: cannot compile %s\n", path);
            return 1;
        }
    }
    for (k = 0; k < rounds; k++)
        for (i = 0; i < pages; i++)
            differ += round_of(sheets[i], docs[i], pool, &c);
    k = rounds * pages;
    printf("{\"pages\": %d, \"rounds\": %d, \"context_us\": %.1f, \"transform_us\": %.1f, "
           "\"libxml2_writer_us\": %.1f, \"own_writer_us\": %.1f, \"free_us\": %.1f, "
           "\"writers_differ\": %d}\n",
           pages, rounds, c.context / k, c.transform / k, c.libxml2_writer / k,
           c.own_writer / k, c.free_result / k, differ);
    return differ ? 1 : 0;
}
