/*
 * lx_view.c: the page as an XML document of our own vocabulary (templates/VOCABULARY.md), the
 * stylesheets that turn it into HTML, and the way out (HTML, or the XML itself with
 * ?format=xml).  Error pages go the same way.
 *
 * Stylesheets are compiled once in post_config and shared read-only by every thread; each
 * request gets its own transform context, bound to security preferences that forbid the
 * network, file writes and reads outside the template directory.  libxslt's preferences do not
 * cover what libxml2 loads while it parses (a stylesheet's external entities and DTDs, also
 * in a document() a stylesheet reads): while this thread compiles or applies one of our
 * stylesheets, libxml2's entity loader holds it to the same directory.  Anything refused stops
 * start-up (compile) or fails the page (500), with the reason in the error log.
 */
#include "lx_private.h"
#include "core/lx_html.h"
#include "core/lx_text.h"
#include "core/lx_xmlmem.h"

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

void lx_view_setup_security(apr_pool_t *p, server_rec *s)
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

#define LX_FNV_BASIS APR_UINT64_C(0xcbf29ce484222325)

/* FNV-1a, 64 bits, continued from h (LX_FNV_BASIS to start) over n bytes. */
static apr_uint64_t lx_fnv1a(apr_uint64_t h, const void *data, apr_size_t n)
{
    const unsigned char *b = data;
    while (n--) {
        h ^= *b++;
        h *= APR_UINT64_C(0x100000001b3);
    }
    return h;
}

/* 16 hex digits of a string's FNV-1a: short names for long keys (ETags), not a secret. */
const char *lx_digest(apr_pool_t *p, const char *s)
{
    apr_uint64_t h = lx_fnv1a(LX_FNV_BASIS, s, strlen(s));
    return apr_psprintf(p, "%016" APR_UINT64_T_HEX_FMT, h);
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
apr_status_t lx_view_compile(apr_pool_t *p, server_rec *s, lx_server_conf *conf)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_status_t rv;
    apr_uint64_t tag = 0;

    /* a virtual host with the main server's directory shares its stylesheets */
    if (s != ap_server_conf) {
        lx_server_conf *mc = ap_get_module_config(ap_server_conf->module_config,
                                                  &lixiao_module);
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

/* Text from the database or the client, made safe for XML 1.0 (no control characters). */
void lx_attr(xmlNodePtr node, const char *name, const char *value)
{
    char *clean;
    if (!value)
        return;
    if (lx_text_xml_safe(value)) {
        /* xmlSetProp stores the value as text: it is escaped when serialised */
        xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)value);
        return;
    }
    clean = lx_text_xml_clean(value);
    if (clean) {
        xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)clean);
        free(clean);
    }
}

void lx_attr_bool(xmlNodePtr node, const char *name, int value)
{
    xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)(value ? "1" : "0"));
}

/* The column of res named name, or -1; hint: where it was last time (-1: no idea).  Our
 * column names are plain lower case, so a comparison will do: PQfnumber copies and case-folds
 * the name on every call, which cost more than the page's XML on a sheet of forty columns. */
static int lx_column(const PGresult *res, const char *name, int hint)
{
    int i, n = PQnfields(res);
    if (hint >= 0 && hint < n && strcmp(PQfname(res, hint), name) == 0)
        return hint;
    for (i = 0; i < n; i++)
        if (strcmp(PQfname(res, i), name) == 0)
            return i;
    return -1;
}

const char *lx_value(const PGresult *res, int row, const char *column)
{
    int col = lx_column(res, column, -1);
    if (col < 0 || PQgetisnull(res, row, col))
        return NULL;
    return PQgetvalue(res, row, col);
}

/* The columns of a map as the previous row of the same result had them (per thread). */
#define LX_MAP_HINTS 64
static __thread int lx_hints[LX_MAP_HINTS];

void lx_attrs_from_row(xmlNodePtr node, const PGresult *res, int row, const lx_colmap *map)
{
    int k;
    for (k = 0; map->attr; map++, k++) {
        int col = lx_column(res, map->column, k < LX_MAP_HINTS ? lx_hints[k] : -1);
        const char *v;
        if (k < LX_MAP_HINTS)
            lx_hints[k] = col;
        if (col < 0 || PQgetisnull(res, row, col))
            continue;
        v = PQgetvalue(res, row, col);
        if (map->kind == LX_COL_BOOL)
            lx_attr_bool(node, map->attr, v[0] == 't');
        else
            lx_attr(node, map->attr, v);
    }
}

xmlNodePtr lx_first_child(xmlNodePtr parent, const char *name)
{
    xmlNodePtr n;
    for (n = parent ? parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

/* Each row an element, each non-NULL column an attribute named after it ('_' becomes '-');
 * booleans come out as 1 / 0. */
void lx_rows_xml(xmlNodePtr parent, const char *element, const PGresult *res)
{
    int i, c, ncols = PQnfields(res);
    const char **names = malloc(sizeof(char *) * (ncols ? ncols : 1));
    char *buf;

    if (!names)
        return;
    for (c = 0; c < ncols; c++) {
        buf = (char *)xmlStrdup((const xmlChar *)PQfname(res, c));
        for (char *p = buf; p && *p; p++)
            if (*p == '_')
                *p = '-';
        names[c] = buf;
    }
    for (i = 0; i < PQntuples(res); i++) {
        xmlNodePtr n = xmlNewChild(parent, NULL, (const xmlChar *)element, NULL);
        for (c = 0; c < ncols; c++) {
            const char *v;
            if (PQgetisnull(res, i, c))
                continue;
            v = PQgetvalue(res, i, c);
            if (PQftype(res, c) == 16)          /* BOOLOID */
                lx_attr_bool(n, names[c], v[0] == 't');
            else
                lx_attr(n, names[c], v);
        }
    }
    for (c = 0; c < ncols; c++)
        xmlFree((void *)names[c]);
    free(names);
}

xmlNodePtr lx_page_new(lx_req *q, const char *view)
{
    request_rec *r = q->r;
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr page = xmlNewDocNode(doc, NULL, (const xmlChar *)"page", NULL);
    char now[32];
    const char *as_of;
    apr_size_t len;
    apr_time_exp_t tm;

    lx_xmlmem_free_doc_with(r->pool, doc);
    xmlDocSetRootElement(doc, page);
    apr_time_exp_tz(&tm, r->request_time, q->conf->utc_offset);
    apr_strftime(now, &len, sizeof(now), "%Y-%m-%d %H:%M", &tm);
    lx_attr(page, "view", view);
    lx_attr(page, "base", q->conf->base_url);
    lx_attr(page, "static", apr_pstrcat(r->pool, q->conf->base_url, "/static", NULL));
    lx_attr(page, "user", r->user);
    lx_attr(page, "request-id", r->log_id);
    lx_attr(page, "now", now);
    if ((as_of = lx_db_as_of(q)) != NULL) {
        /* read from a standby: the page says how current it is */
        apr_time_exp_tz(&tm, apr_time_from_sec(apr_atoi64(as_of)), q->conf->utc_offset);
        apr_strftime(now, &len, sizeof(now), "%Y-%m-%d %H:%M:%S", &tm);
        lx_attr(page, "as-of", now);
    }
    if (q->account)
        lx_account_xml(page, q->account);
    return page;
}

/* Today as YYYYMMDD in the configured time zone (birth dates must lie before it). */
long lx_today(lx_req *q)
{
    apr_time_exp_t tm;
    apr_time_exp_tz(&tm, q->r->request_time, q->conf->utc_offset);
    return (tm.tm_year + 1900L) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* Headers for every answer of the module; personal pages are never stored by caches.  The
 * security headers go into err_headers_out, which httpd sends with every answer, also the
 * redirects and errors it writes itself (those drop headers_out).  Cache-Control stays in
 * headers_out, where a page may set its own (the student's sheet: private, no-cache). */
void lx_security_headers(request_rec *r, int personal)
{
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; "
                   "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
                   "frame-ancestors 'none'");
    apr_table_setn(r->err_headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "same-origin");
    if (personal)
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
}

static int lx_send(request_rec *r, const char *type, const xmlChar *buf, int len)
{
    ap_set_content_type(r, type);
    ap_set_content_length(r, len);
    if (!r->header_only)
        ap_rwrite(buf, len, r);
    return OK;
}

static apr_status_t lx_free_xml(void *data)
{
    xmlFree(data);
    return APR_SUCCESS;
}

static apr_status_t lx_free_ctxt(void *data)
{
    xsltFreeTransformContext(data);
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

int lx_render(lx_req *q, xmlNodePtr page)
{
    request_rec *r = q->r;
    xmlDocPtr doc = page->doc, out;
    xmlChar *buf = NULL;
    int len = 0;
    const char *view = (const char *)xmlGetProp(page, (const xmlChar *)"view");
    xsltStylesheetPtr sheet;
    xsltTransformContextPtr ctxt;

    if (view)
        apr_pool_cleanup_register(r->pool, (void *)view, lx_free_xml, apr_pool_cleanup_null);
    if (q->want_xml) {
        xmlDocDumpMemoryEnc(doc, &buf, &len, "UTF-8");
        if (!buf)
            return HTTP_INTERNAL_SERVER_ERROR;
        apr_pool_cleanup_register(r->pool, buf, lx_free_xml, apr_pool_cleanup_null);
        return lx_send(r, "application/xml; charset=utf-8", buf, len);
    }

    sheet = view ? apr_hash_get(q->conf->sheets, view, APR_HASH_KEY_STRING) : NULL;
    if (!sheet) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0205)
                      "no stylesheet for view %s in %s", view ? view : "(none)",
                      q->conf->template_dir);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ctxt = xsltNewTransformContext(sheet, doc);
    if (!ctxt)
        return HTTP_INTERNAL_SERVER_ERROR;
    apr_pool_cleanup_register(r->pool, ctxt, lx_free_ctxt, apr_pool_cleanup_null);
    ctxt->_private = r;
    xsltSetCtxtSecurityPrefs(lx_prefs, ctxt);
    xsltSetTransformErrorFunc(ctxt, r, lx_xslt_error);

    out = lx_apply_sheet(r, sheet, doc, ctxt);
    if (!out || ctxt->state != XSLT_STATE_OK) {
        if (out)
            xmlFreeDoc(out);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, LXLOGNO(0206)
                      "stylesheet %s failed", view);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    lx_xmlmem_free_doc_with(r->pool, out);
    if (lx_own_writer_fits(sheet, out)) {
        apr_size_t n;
        const char *html = lx_html_write(r->pool, out, &n);
        if (!html)
            return HTTP_INTERNAL_SERVER_ERROR;
        return lx_send(r, "text/html; charset=utf-8", (const xmlChar *)html, (int)n);
    }
    if (xsltSaveResultToString(&buf, &len, out, sheet) != 0 || !buf)
        return HTTP_INTERNAL_SERVER_ERROR;
    apr_pool_cleanup_register(r->pool, buf, lx_free_xml, apr_pool_cleanup_null);
    return lx_send(r, "text/html; charset=utf-8", buf, len);
}

/*
 * An error page in Chinese through the same stylesheets (error.xsl).  The status goes out as
 * the response status; 503 carries Retry-After.
 */
int lx_error_page(lx_req *q, int status, const char *title, const char *message)
{
    request_rec *r = q->r;
    xmlNodePtr page = lx_page_new(q, "error");
    xmlNodePtr err = xmlNewChild(page, NULL, (const xmlChar *)"error", NULL);
    int rc;

    lx_attr(err, "status", apr_itoa(r->pool, status));
    lx_attr(err, "title", title);
    lx_attr(err, "message", message);
    if (status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(r->headers_out, "Retry-After", apr_itoa(r->pool, q->conf->retry_after));
    if (status == HTTP_UNAUTHORIZED)
        status = HTTP_FORBIDDEN;
    r->status = status;
    rc = lx_render(q, page);
    if (rc != OK) {
        r->status = HTTP_OK;
        return rc;
    }
    /* the body has been written with r->status set: tell httpd the request is done */
    return OK;
}
