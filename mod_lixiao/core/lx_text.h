/*
 * lx_text.h: text that goes into XML and into logs.  Plain C, no httpd headers: unit-tested
 * in tests/unit.
 *
 * XML 1.0 cannot carry most control characters nor invalid UTF-8; libxml2 would otherwise write
 * a document that no parser reads back.  HTML's parser also refuses DEL, the C1 controls and
 * the non-characters, which XML would let through to the pages.  Whatever comes from a client,
 * a feed or the database passes here before it becomes an attribute.
 */
#ifndef LX_TEXT_H
#define LX_TEXT_H

#include <stddef.h>

/* 1 when s is valid UTF-8 holding only characters allowed in XML 1.0 and in HTML text. */
int lx_text_xml_safe(const char *s);

/* A malloc'd copy of s in which every byte or sequence that lx_text_xml_safe refuses is
 * replaced by U+FFFD.  NULL when out of memory.  The caller frees it. */
char *lx_text_xml_clean(const char *s);

/* Trim ASCII white space at both ends, in place; returns the start of the trimmed text. */
char *lx_text_trim(char *s);

/* CR and LF replaced by spaces, in place, so that s stays one line of a log; returns s. */
char *lx_text_one_line(char *s);

#endif
