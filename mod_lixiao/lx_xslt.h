/*
 * lx_xslt.h: our stylesheets, compiled once and applied in a sandbox.
 */
#ifndef LX_XSLT_H
#define LX_XSLT_H

#include "lx_conf.h"
#include <libxml/tree.h>

/* Once, in post_config, before lx_xslt_compile: libxslt's security preferences and libxml2's
 * entity loader hold our stylesheets to their directories; undone when p is cleared. */
void lx_xslt_setup_security(apr_pool_t *p, server_rec *s);

/* Compile every <view>.xsl of conf->template_dir into conf->sheets and set
 * conf->templates_tag; a broken stylesheet stops start-up (logged). */
apr_status_t lx_xslt_compile(apr_pool_t *p, server_rec *s, lx_server_conf *conf);

/* doc through the stylesheet of view, as HTML text allocated from r->pool: OK with *html and
 * *len set, or HTTP_INTERNAL_SERVER_ERROR (logged).  Every libxml2 and libxslt object of the
 * transform is freed before it returns. */
int lx_xslt_html(request_rec *r, const lx_server_conf *conf, const char *view, xmlDocPtr doc,
                 const char **html, apr_size_t *len);

#endif
