/*
 * lx_xml.c: documents of our own vocabulary from database rows (lx_xml.h).  Values are set as
 * attributes through xmlSetProp, which stores text: escaping is the serialiser's.
 */
#include "lx_xml.h"
#include "core/lx_text.h"

static apr_status_t lx_free_doc(void *data)
{
    xmlFreeDoc(data);
    return APR_SUCCESS;
}

xmlDocPtr lx_xml_doc(apr_pool_t *p)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    if (doc)
        apr_pool_cleanup_register(p, doc, lx_free_doc, apr_pool_cleanup_null);
    return doc;
}

static apr_status_t lx_free_xml(void *data)
{
    xmlFree(data);
    return APR_SUCCESS;
}

const char *lx_xml_text(apr_pool_t *p, xmlDocPtr doc, apr_size_t *len)
{
    xmlChar *buf = NULL;
    int n = 0;

    xmlDocDumpMemoryEnc(doc, &buf, &n, "UTF-8");
    if (!buf)
        return NULL;
    apr_pool_cleanup_register(p, buf, lx_free_xml, apr_pool_cleanup_null);
    *len = (apr_size_t)n;
    return (const char *)buf;
}

void lx_attr(xmlNodePtr node, const char *name, const char *value)
{
    char *clean;
    if (!value)
        return;
    if (lx_text_xml_safe(value)) {
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
            if (PQftype(res, c) == LX_BOOLOID)
                lx_attr_bool(n, names[c], v[0] == 't');
            else
                lx_attr(n, names[c], v);
        }
    }
    for (c = 0; c < ncols; c++)
        xmlFree((void *)names[c]);
    free(names);
}
