/*
 * lx_html.c: the HTML writer of our stylesheets' result trees (lx_html.h says which rules and
 * why).  One growing buffer from the request's pool; every byte of the page is copied once.
 */
#include "lx_html.h"

#include <string.h>
#include <strings.h>

#include <libxml/parserInternals.h>      /* xmlStringTextNoenc */

typedef struct lx_out {
    apr_pool_t *pool;
    char *data;
    size_t len, cap;
} lx_out;

#define LX_HTML_FIRST (32 * 1024)   /* a student page is 15-20 KB, a desk page about 13 */

/* Room for n more bytes and a NUL; the old copy stays in the pool (pages are small). */
static void lx_reserve(lx_out *o, size_t n)
{
    size_t cap = o->cap;
    char *data;
    if (o->len + n + 1 <= cap)
        return;
    while (o->len + n + 1 > cap)
        cap *= 2;
    data = apr_palloc(o->pool, cap);
    memcpy(data, o->data, o->len);
    o->data = data;
    o->cap = cap;
}

static void lx_put(lx_out *o, const char *s, size_t n)
{
    lx_reserve(o, n);
    memcpy(o->data + o->len, s, n);
    o->len += n;
}

static void lx_puts(lx_out *o, const char *s)
{
    lx_put(o, s, strlen(s));
}

/* & < > as entities, in text and in attributes alike: 1 when c was one of them. */
static int lx_put_entity(lx_out *o, char c)
{
    switch (c) {
    case '&': lx_put(o, "&amp;", 5); return 1;
    case '<': lx_put(o, "&lt;", 4); return 1;
    case '>': lx_put(o, "&gt;", 4); return 1;
    default: return 0;
    }
}

/* An entity reference node (&name;), in text or in an attribute. */
static void lx_put_entity_ref(lx_out *o, xmlNodePtr n)
{
    lx_puts(o, "&");
    lx_puts(o, (const char *)n->name);
    lx_puts(o, ";");
}

/* Text with & < > escaped (libxml2's xmlEncodeEntitiesReentrant for an HTML document). */
static void lx_put_escaped(lx_out *o, const char *s)
{
    for (;;) {
        size_t run = strcspn(s, "&<>");
        lx_put(o, s, run);
        s += run;
        if (!lx_put_entity(o, *s))
            return;
        s++;
    }
}

/* The quote libxml2's xmlBufWriteQuotedString takes: double, or single around a value with a
 * double quote and no single one. */
static char lx_quote_for(int has_double, int has_single)
{
    return has_double && !has_single ? '\'' : '"';
}

/* Whether name is in a NULL-terminated list, ignoring case as libxml2's lookups do; the
 * first letter picks the candidates (these run for every element and attribute of a page). */
static int lx_listed(const char *name, const char *const *list)
{
    char first = (char)(name[0] | 0x20);
    for (; *list; list++)
        if ((*list)[0] == first && strcasecmp(name, *list) == 0)
            return 1;
    return 0;
}

/* Void elements of libxml2's HTML 4 table: no content, no end tag. */
static int lx_void_element(const char *name)
{
    static const char *const names[] = {
        "area", "base", "basefont", "br", "col", "frame", "hr", "img", "input", "isindex",
        "link", "meta", "param", NULL
    };
    return lx_listed(name, names);
}

/* Attributes written as their name alone (libxml2's htmlIsBooleanAttr). */
static int lx_boolean_attr(const char *name)
{
    static const char *const names[] = {
        "checked", "compact", "declare", "defer", "disabled", "ismap", "multiple", "nohref",
        "noresize", "noshade", "nowrap", "readonly", "selected", NULL
    };
    return lx_listed(name, names);
}

/* Attributes holding a URI, escaped as libxml2 does (href, action, src; name on a). */
static int lx_uri_attr(xmlAttrPtr a)
{
    const char *name = (const char *)a->name;
    if (a->ns || !a->parent || a->parent->ns)
        return 0;
    return strcasecmp(name, "href") == 0 || strcasecmp(name, "action") == 0
           || strcasecmp(name, "src") == 0
           || (strcasecmp(name, "name") == 0
               && strcasecmp((const char *)a->parent->name, "a") == 0);
}

/* The quote around an attribute's value, from its text (one pass over it). */
static char lx_attr_quote(xmlAttrPtr a)
{
    int has_double = 0, has_single = 0;
    xmlNodePtr t;
    for (t = a->children; t; t = t->next) {
        if (t->type != XML_TEXT_NODE || !t->content)
            continue;
        has_double |= strchr((const char *)t->content, '"') != NULL;
        has_single |= strchr((const char *)t->content, '\'') != NULL;
    }
    return lx_quote_for(has_double, has_single);
}

/* Whether xmlURIEscapeStr(value, "\"#$%&+,/:;<=>?@[\\]^`{|}") leaves a byte as it is. */
static int lx_uri_keeps(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || (c && strchr("-_.!~*'()\"#$%&+,/:;<=>?@[\\]^`{|}", c));
}

/* One attribute's text, & < > escaped (libxml2's xmlNodeListGetString), then for a URI
 * attribute escaped as xmlURIEscapeStr(value, "\"#$%&+,/:;<=>?@[\\]^`{|}") does, after
 * leading blanks; a double quote as &quot; when quote is one. */
static void lx_put_attr_text(lx_out *o, xmlAttrPtr a, int uri, char quote)
{
    static const char hex[] = "0123456789ABCDEF";
    int leading = uri;
    xmlNodePtr t;

    for (t = a->children; t; t = t->next) {
        const unsigned char *s;
        if (t->type == XML_ENTITY_REF_NODE) {
            lx_put_entity_ref(o, t);
            leading = 0;
            continue;
        }
        if (t->type != XML_TEXT_NODE || !t->content)
            continue;
        for (s = t->content; *s; s++) {
            const unsigned char *run = s;
            char c;
            if (leading && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
                continue;
            leading = 0;
            /* the bytes that stay as they are, in one piece */
            if (!uri)
                s += strcspn((const char *)s, "&<>\"");
            else
                while (*s && *s != '&' && *s != '<' && *s != '>' && *s != '"'
                       && lx_uri_keeps(*s))
                    s++;
            lx_put(o, (const char *)run, (size_t)(s - run));
            if (!*s)
                break;
            c = (char)*s;
            if (lx_put_entity(o, c))
                continue;
            if (c == '"')
                lx_put(o, quote == '"' ? "&quot;" : "\"", quote == '"' ? 6 : 1);
            else {
                char pct[3] = {'%', hex[*s >> 4], hex[*s & 15]};
                lx_put(o, pct, 3);
            }
        }
    }
}

/* A value in the quotes of lx_quote_for, a double quote in double quotes as &quot;
 * (libxml2's xmlBufWriteQuotedString). */
static void lx_put_quoted(lx_out *o, const char *value)
{
    char quote = lx_quote_for(strchr(value, '"') != NULL, strchr(value, '\'') != NULL);
    const char *s;

    lx_put(o, &quote, 1);
    for (s = value; *s; s++) {
        if (*s == '"' && quote == '"')
            lx_puts(o, "&quot;");
        else
            lx_put(o, s, 1);
    }
    lx_put(o, &quote, 1);
}

static void lx_put_name(lx_out *o, xmlNsPtr ns, const xmlChar *name)
{
    if (ns && ns->prefix) {
        lx_puts(o, (const char *)ns->prefix);
        lx_puts(o, ":");
    }
    lx_puts(o, (const char *)name);
}

/* The namespace declarations of an element (an inline svg's xmlns). */
static void lx_put_ns_decls(lx_out *o, xmlNodePtr el)
{
    xmlNsPtr ns;
    for (ns = el->nsDef; ns; ns = ns->next) {
        if (!ns->href || (ns->prefix && strcmp((const char *)ns->prefix, "xml") == 0))
            continue;
        lx_puts(o, " xmlns");
        if (ns->prefix) {
            lx_puts(o, ":");
            lx_puts(o, (const char *)ns->prefix);
        }
        lx_puts(o, "=");
        lx_put_quoted(o, (const char *)ns->href);
    }
}

static void lx_put_attrs(lx_out *o, xmlNodePtr el)
{
    xmlAttrPtr a;
    lx_put_ns_decls(o, el);
    for (a = el->properties; a; a = a->next) {
        char quote;
        lx_puts(o, " ");
        lx_put_name(o, a->ns, a->name);
        if (!a->children || lx_boolean_attr((const char *)a->name))
            continue;
        quote = lx_attr_quote(a);
        lx_puts(o, "=");
        lx_put(o, &quote, 1);
        lx_put_attr_text(o, a, lx_uri_attr(a), quote);
        lx_put(o, &quote, 1);
    }
}

static int lx_raw_text_parent(xmlNodePtr parent)
{
    return parent && parent->type == XML_ELEMENT_NODE
           && (strcasecmp((const char *)parent->name, "script") == 0
               || strcasecmp((const char *)parent->name, "style") == 0);
}

static void lx_put_node(lx_out *o, xmlNodePtr n);

static void lx_put_children(lx_out *o, xmlNodePtr n)
{
    for (n = n->children; n; n = n->next)
        lx_put_node(o, n);
}

static void lx_put_element(lx_out *o, xmlNodePtr el)
{
    lx_puts(o, "<");
    lx_put_name(o, el->ns, el->name);
    lx_put_attrs(o, el);
    lx_puts(o, ">");
    if (!el->ns && lx_void_element((const char *)el->name))
        return;
    lx_put_children(o, el);
    lx_puts(o, "</");
    lx_put_name(o, el->ns, el->name);
    lx_puts(o, ">");
}

static void lx_put_node(lx_out *o, xmlNodePtr n)
{
    switch (n->type) {
    case XML_ELEMENT_NODE:
        lx_put_element(o, n);
        break;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        if (!n->content)
            break;
        /* disable-output-escaping marks its text xmlStringTextNoenc: as it is */
        if (n->name == xmlStringTextNoenc || lx_raw_text_parent(n->parent))
            lx_puts(o, (const char *)n->content);
        else
            lx_put_escaped(o, (const char *)n->content);
        break;
    case XML_COMMENT_NODE:
        if (n->content) {
            lx_puts(o, "<!--");
            lx_puts(o, (const char *)n->content);
            lx_puts(o, "-->");
        }
        break;
    case XML_PI_NODE:
        lx_puts(o, "<?");
        lx_puts(o, (const char *)n->name);
        if (n->content) {
            lx_puts(o, " ");
            lx_puts(o, (const char *)n->content);
        }
        lx_puts(o, ">");
        break;
    case XML_ENTITY_REF_NODE:
        lx_put_entity_ref(o, n);
        break;
    default:                /* the DTD is written first; nothing else occurs in a page */
        break;
    }
}

/* <!DOCTYPE html> for doctype-system="about:legacy-compat", as libxml2's htmlDtdDumpOutput. */
static void lx_put_doctype(lx_out *o, xmlDtdPtr dtd)
{
    lx_puts(o, "<!DOCTYPE ");
    lx_puts(o, (const char *)dtd->name);
    if (dtd->ExternalID) {
        lx_puts(o, " PUBLIC ");
        lx_put_quoted(o, (const char *)dtd->ExternalID);
        if (dtd->SystemID) {
            lx_puts(o, " ");
            lx_put_quoted(o, (const char *)dtd->SystemID);
        }
    }
    else if (dtd->SystemID && strcmp((const char *)dtd->SystemID, "about:legacy-compat") != 0) {
        lx_puts(o, " SYSTEM ");
        lx_put_quoted(o, (const char *)dtd->SystemID);
    }
    lx_puts(o, ">\n");
}

char *lx_html_write(apr_pool_t *p, xmlDocPtr doc, size_t *len)
{
    lx_out o;
    xmlNodePtr n;

    if (!doc || !xmlDocGetRootElement(doc))
        return NULL;
    o.pool = p;
    o.cap = LX_HTML_FIRST;
    o.len = 0;
    o.data = apr_palloc(p, o.cap);
    if (doc->intSubset)
        lx_put_doctype(&o, doc->intSubset);
    for (n = doc->children; n; n = n->next)
        lx_put_node(&o, n);
    lx_puts(&o, "\n");
    o.data[o.len] = '\0';
    *len = o.len;
    return o.data;
}
