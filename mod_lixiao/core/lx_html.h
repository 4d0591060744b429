/*
 * lx_html.h: the HTML writer of our stylesheets' result trees.
 *
 * libxml2's HTML serializer (xsltSaveResultToString, method="html") cost 140 µs of a 15 KB
 * student page: it looks every element up in its HTML 4 table by a case-insensitive binary
 * search, encodes each text node and attribute into a fresh malloc'd copy, and grows its
 * output buffer by reallocating.  This writer makes the same bytes (tests/unit and
 * tests/integration/test_templates.py compare it with libxml2's on every view) in one pass
 * into one buffer from an APR pool: for the trees our stylesheets make (HTML5, UTF-8, no
 * disable-output-escaping, no inline script or style) it is the HTML serialisation rules of
 * libxml2 2.9:
 *   - "<!DOCTYPE html>" and a newline when the result has a DTD (doctype-system), a newline
 *     after the root element;
 *   - the void elements of HTML 4 (br, col, img, input, link, meta, ...) without an end tag,
 *     every other element with one, also when it is empty;
 *   - in text, & < > escaped, CR as &#13;, everything else as it is (UTF-8); the text of
 *     script and style as it is;
 *   - attributes in double quotes, or in single quotes when the value has a double quote and
 *     no single one; & < > escaped; the boolean attributes of HTML 4 (checked, disabled,
 *     selected, defer, ...) as their name alone; href, action, src (and name on a) URI-escaped
 *     as xmlURIEscapeStr does (non-ASCII bytes and spaces become %XX), after leading blanks.
 * Plain C over libxml2 and APR, no httpd headers: unit-tested in tests/unit.
 */
#ifndef LX_HTML_H
#define LX_HTML_H

#include <libxml/tree.h>
#include "apr_pools.h"

/* The serialised document, allocated from p: *len bytes at the returned address (also
 * NUL-terminated).  NULL when doc has no root element. */
char *lx_html_write(apr_pool_t *p, xmlDocPtr doc, size_t *len);

#endif
