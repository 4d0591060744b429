/*
 * lx_xslt.c: the stylesheets that turn our XML into HTML (lx_xslt.h).
 *
 * Stylesheets are compiled once in post_config and shared read-only by every thread; each
 * transform gets its own context, bound to security preferences that forbid the network, file
 * writes and reads outside the template directory.  libxslt's preferences do not cover what
 * libxml2 loads while it parses (a stylesheet's external entities and DTDs, also in a
 * document() a stylesheet reads): while this thread compiles or applies one of our
 * stylesheets, libxml2's entity loader holds it to the same directory.  Anything refused stops
 * start-up (compile) or fails the page (500), with the reason in the error log.
 *
 * libxml2 runs on its own allocator (malloc): nothing of this module changes libxml2's global
 * state for the other modules of the process but the entity loader, which hands over to the
 * loader it replaced outside our transforms.
 */
#include "lx_xslt.h"
#include "core/lx_digest.h"
#include "core/lx_html.h"
#include "core/lx_text.h"

#include "apr_file_info.h"
#include "apr_fnmatch.h"
#include <libxml/parserInternals.h>
#include <libxml/xmlsave.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/transform.h>
#include <libxslt/xsltutils.h>
#include <libxslt/security.h>
#include <libxslt/imports.h>      /* XSLT_GET_IMPORT_PTR: xsl:output through xsl:import */

/* Written in post_config only: the security preferences, the directories they allow, and the
 * entity loader that was libxml2's before ours. */
static xsltSecurityPrefsPtr lx_prefs;
static apr_array_header_t *lx_readable_dirs;
static xmlExternalEntityLoader lx_next_loader;

/* Set while this thread compiles (s) or applies (r) one of our stylesheets: what it loads
 * is held to the template directories, and the first thing refused is noted here. */
typedef struct lx_guard {
    server_rec *s;
    request_rec *r;
    const char *refused;
} lx_guard;
static __thread lx_guard *lx_guarded;

static apr_status_t lx_free_sheet(void *data)
{
    xsltFreeStylesheet(data);
    return APR_SUCCESS;
}

/* An absolute path below one of the template directories, with no way up or out of it. */
static int lx_readable(const char *path)
{
    int i;
    if (!path || path[0] != '/' || strstr(path, "..") || strchr(path, '%'))
        return 0;
    for (i = 0; i < lx_readable_dirs->nelts; i++) {
        const char *dir = APR_ARRAY_IDX(lx_readable_dirs, i, const char *);
        apr_size_t n = strlen(dir);
        if (strncmp(path, dir, n) == 0 && path[n] == '/')
            return 1;
    }
    return 0;
}

/* Note and log what a stylesheet was refused (the first thing of a guarded run fails it). */
static void lx_refuse(const char *what, const char *url)
{
    lx_guard *g = lx_guarded;
    char *u;

    if (!g)
        return;
    u = lx_text_one_line(apr_pstrdup(g->r ? g->r->pool : g->s->process->pconf,
                                     url ? url : "(none)"));
    if (!g->refused)
        g->refused = u;
    if (g->r)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, g->r, LXLOGNO(0207)
                      "stylesheet refused to %s %s: only files below LixiaoTemplates may be "
                      "read, nothing written", what, u);
    else
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, g->s, LXLOGNO(0208)
                     "stylesheet refused to %s %s: only files below LixiaoTemplates may be "
                     "read, nothing written", what, u);
}

/* Reads are allowed below the template directories only (xsl:import, document()). */
static int lx_check_read(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
                         const char *value)
{
    (void)sec; (void)ctxt;
    if (lx_readable(value))
        return 1;
    lx_refuse("read", value);
    return 0;
}

/* Writing files, creating directories, the network: never. */
static int lx_check_write(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
                          const char *value)
{
    (void)sec; (void)ctxt;
    lx_refuse("write", value);
    return 0;
}

static int lx_check_network(xsltSecurityPrefsPtr sec, xsltTransformContextPtr ctxt,
                            const char *value)
{
    (void)sec; (void)ctxt;
    lx_refuse("use the network for", value);
    return 0;
}

/* libxml2's loader of every file, entity and DTD it reads.  Outside our stylesheets' runs it
 * hands over to the loader it replaced (other modules parse with libxml2 too). */
static xmlParserInputPtr lx_entity_loader(const char *url, const char *id,
                                          xmlParserCtxtPtr ctxt)
{
    const char *path = url;

    if (lx_guarded) {
        if (path && strncmp(path, "file://localhost/", 17) == 0)
            path += 16;
        else if (path && strncmp(path, "file://", 7) == 0)
            path += 7;
        else if (path && strncmp(path, "file:/", 6) == 0)
            path += 5;
        if (!lx_readable(path)) {
            lx_refuse("read", url);
            return NULL;
        }
    }
    return lx_next_loader(url, id, ctxt);
}

/* xsltParseStylesheetFile, held to the template directories: NULL when the stylesheet does
 * not compile or loads anything from outside them. */
static xsltStylesheetPtr lx_parse_sheet(server_rec *s, const char *path)
{
    lx_guard g = {s, NULL, NULL};
    xsltStylesheetPtr sheet;

    lx_guarded = &g;
    sheet = xsltParseStylesheetFile((const xmlChar *)path);
    lx_guarded = NULL;
    if (sheet && g.refused) {
        xsltFreeStylesheet(sheet);
        return NULL;
    }
    return sheet;
}

/* xsltApplyStylesheetUser, held to the template directories: anything refused puts the
 * transform in error, as a failed one. */
static xmlDocPtr lx_apply_sheet(request_rec *r, xsltStylesheetPtr sheet, xmlDocPtr doc,
                                xsltTransformContextPtr ctxt)
{
    lx_guard g = {r->server, r, NULL};
    xmlDocPtr out;

    lx_guarded = &g;
    out = xsltApplyStylesheetUser(sheet, doc, NULL, NULL, NULL, ctxt);
    lx_guarded = NULL;
    if (g.refused)
        ctxt->state = XSLT_STATE_ERROR;
    return out;
}

static apr_status_t lx_free_prefs(void *data)
{
    xsltSetDefaultSecurityPrefs(NULL);
    xsltFreeSecurityPrefs(data);
    lx_prefs = NULL;
    /* this module may be unloaded next: libxml2 must not keep calling into it */
    xmlSetExternalEntityLoader(lx_next_loader);
    return APR_SUCCESS;
}

void lx_xslt_setup_security(apr_pool_t *p, server_rec *s)
{
    (void)s;
    lx_readable_dirs = apr_array_make(p, 2, sizeof(const char *));
    lx_prefs = xsltNewSecurityPrefs();
    xsltSetSecurityPrefs(lx_prefs, XSLT_SECPREF_READ_FILE, lx_check_read);
    xsltSetSecurityPrefs(lx_prefs, XSLT_SECPREF_WRITE_FILE, lx_check_write);
    xsltSetSecurityPrefs(lx_prefs, XSLT_SECPREF_CREATE_DIRECTORY, lx_check_write);
    xsltSetSecurityPrefs(lx_prefs, XSLT_SECPREF_READ_NETWORK, lx_check_network);
    xsltSetSecurityPrefs(lx_prefs, XSLT_SECPREF_WRITE_NETWORK, lx_check_network);
    xsltSetDefaultSecurityPrefs(lx_prefs);
    lx_next_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(lx_entity_loader);
    apr_pool_cleanup_register(p, lx_prefs, lx_free_prefs, apr_pool_cleanup_null);
}

/* The digest of one file's name and text; 0 when it cannot be read (the compile reports it). */
static apr_uint64_t lx_file_digest(apr_pool_t *p, const char *path, const char *name)
{
    apr_file_t *f;
    char buf[8192];
    apr_size_t n;
    apr_uint64_t h = LX_FNV_BASIS;

    if (apr_file_open(&f, path, APR_READ | APR_BINARY, 0, p) != APR_SUCCESS)
        return 0;
    h = lx_fnv1a(h, name, strlen(name) + 1);
    do {
        n = sizeof(buf);
        if (apr_file_read(f, buf, &n) != APR_SUCCESS)
            break;
        h = lx_fnv1a(h, buf, n);
    } while (n == sizeof(buf));
    apr_file_close(f);
    return h;
}

/* Compile every DIR/<view>.xsl but the shared layout*.xsl; a broken stylesheet stops start-up.
 * Every *.xsl, layouts included, goes into conf->templates_tag (the order of the directory
 * does not matter: the files' digests are added). */
apr_status_t lx_xslt_compile(apr_pool_t *p, server_rec *s, lx_server_conf *conf)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_status_t rv;
    apr_uint64_t tag = 0;

    /* a virtual host with the main server's directory shares its stylesheets */
    if (s != ap_server_conf) {
        lx_server_conf *mc = lx_conf_of(ap_server_conf);
        if (mc->sheets && strcmp(mc->template_dir, conf->template_dir) == 0) {
            conf->sheets = mc->sheets;
            conf->templates_tag = mc->templates_tag;
            return APR_SUCCESS;
        }
    }
    conf->sheets = apr_hash_make(p);
    APR_ARRAY_PUSH(lx_readable_dirs, const char *) = conf->template_dir;

    rv = apr_dir_open(&dir, conf->template_dir, p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, LXLOGNO(0201)
                     "LixiaoTemplates: cannot read %s", conf->template_dir);
        return rv;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir) == APR_SUCCESS) {
        const char *path, *view;
        xsltStylesheetPtr sheet;
        if (fi.filetype != APR_REG || apr_fnmatch("*.xsl", fi.name, 0) != APR_SUCCESS)
            continue;
        path = apr_pstrcat(p, conf->template_dir, "/", fi.name, NULL);
        tag += lx_file_digest(p, path, fi.name);
        if (strncmp(fi.name, "layout", 6) == 0)
            continue;
        sheet = lx_parse_sheet(s, path);
        if (!sheet) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, LXLOGNO(0202)
                         "LixiaoTemplates: stylesheet %s does not compile (see the messages "
                         "of libxslt above)", path);
            apr_dir_close(dir);
            return APR_EGENERAL;
        }
        apr_pool_cleanup_register(p, sheet, lx_free_sheet, apr_pool_cleanup_null);
        view = apr_pstrndup(p, fi.name, strlen(fi.name) - 4);
        apr_hash_set(conf->sheets, view, APR_HASH_KEY_STRING, sheet);
    }
    apr_dir_close(dir);
    conf->templates_tag = apr_psprintf(p, "%08x", (unsigned int)(tag ^ (tag >> 32)));
    if (!apr_hash_get(conf->sheets, "error", APR_HASH_KEY_STRING)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, LXLOGNO(0203)
                     "LixiaoTemplates: %s has no error.xsl", conf->template_dir);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

static void lx_xslt_error(void *ctx, const char *msg, ...)
{
    request_rec *r = ctx;
    va_list ap;
    char *s;
    va_start(ap, msg);
    s = lx_text_one_line(apr_pvsprintf(r->pool, msg, ap));
    va_end(ap);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0204) "stylesheet: %s", s);
}

/* Whether core/lx_html.c writes this result as libxml2 would: xsl:output method="html",
 * UTF-8, no indent (every stylesheet of ours, through layout.xsl).  Anything else goes to
 * libxml2's serializer. */
static int lx_own_writer_fits(xsltStylesheetPtr sheet, xmlDocPtr out)
{
    const xmlChar *method, *encoding;
    int indent;

    XSLT_GET_IMPORT_PTR(method, sheet, method);
    XSLT_GET_IMPORT_PTR(encoding, sheet, encoding);
    XSLT_GET_IMPORT_INT(indent, sheet, indent);
    return out->type == XML_HTML_DOCUMENT_NODE && method && xmlStrEqual(method, BAD_CAST "html")
           && (!encoding || xmlStrcasecmp(encoding, BAD_CAST "UTF-8") == 0) && indent != 1;
}

static void lx_free_result(xmlDocPtr out, xsltTransformContextPtr ctxt)
{
    if (out)
        xmlFreeDoc(out);
    xsltFreeTransformContext(ctxt);
}

int lx_xslt_html(request_rec *r, const lx_server_conf *conf, const char *view, xmlDocPtr doc,
                 const char **html, apr_size_t *len)
{
    xsltStylesheetPtr sheet = apr_hash_get(conf->sheets, view, APR_HASH_KEY_STRING);
    xsltTransformContextPtr ctxt;
    xmlDocPtr out;
    xmlChar *buf = NULL;
    int n = 0;

    if (!sheet) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0205)
                      "no stylesheet for view %s in %s", view, conf->template_dir);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ctxt = xsltNewTransformContext(sheet, doc);
    if (!ctxt)
        return HTTP_INTERNAL_SERVER_ERROR;
    ctxt->_private = r;
    xsltSetCtxtSecurityPrefs(lx_prefs, ctxt);
    xsltSetTransformErrorFunc(ctxt, r, lx_xslt_error);

    out = lx_apply_sheet(r, sheet, doc, ctxt);
    if (!out || ctxt->state != XSLT_STATE_OK) {
        lx_free_result(out, ctxt);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0206) "stylesheet %s failed", view);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (lx_own_writer_fits(sheet, out)) {
        *html = lx_html_write(r->pool, out, len);
        lx_free_result(out, ctxt);
        return *html ? OK : HTTP_INTERNAL_SERVER_ERROR;
    }
    if (xsltSaveResultToString(&buf, &n, out, sheet) != 0 || !buf) {
        lx_free_result(out, ctxt);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    *html = apr_pstrmemdup(r->pool, (const char *)buf, (apr_size_t)n);
    *len = (apr_size_t)n;
    xmlFree(buf);
    lx_free_result(out, ctxt);
    return OK;
}
