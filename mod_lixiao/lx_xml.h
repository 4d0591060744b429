/*
 * lx_xml.h: building documents of our vocabulary (templates/VOCABULARY.md) from database rows.
 */
#ifndef LX_XML_H
#define LX_XML_H

#include "lx_conf.h"
#include "core/lx_pgres.h"
#include <libxml/tree.h>

/* A new document, freed with pool p. */
xmlDocPtr lx_xml_doc(apr_pool_t *p);

/* Text from the database or the client, made safe for XML 1.0 (no control characters);
 * nothing when value is NULL. */
void lx_attr(xmlNodePtr node, const char *name, const char *value);
void lx_attr_bool(xmlNodePtr node, const char *name, int value);

/* Result rows to attributes: one entry per attribute, NULL-terminated.  A NULL value or a
 * column the row lacks gives no attribute. */
typedef enum { LX_COL_TEXT, LX_COL_BOOL } lx_col_kind;
typedef struct lx_colmap {
    const char *attr;
    const char *column;
    lx_col_kind kind;
} lx_colmap;
void lx_attrs_from_row(xmlNodePtr node, const PGresult *res, int row, const lx_colmap *map);

/* Each row an element, each non-NULL column an attribute named after it ('_' becomes '-');
 * booleans come out as 1 / 0. */
void lx_rows_xml(xmlNodePtr parent, const char *element, const PGresult *res);

/* The document as UTF-8 XML text, freed with p; NULL when out of memory. */
const char *lx_xml_text(apr_pool_t *p, xmlDocPtr doc, apr_size_t *len);

/* The first child element of parent named name, or NULL. */
xmlNodePtr lx_first_child(xmlNodePtr parent, const char *name);

#endif
