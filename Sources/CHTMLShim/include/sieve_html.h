// Sieve's window on libxml2's HTML parser. Only plain C types cross this boundary:
// libxml2's headers include ICU's, which clash with the copy Foundation carries.
#ifndef SIEVE_HTML_H
#define SIEVE_HTML_H

#include <stdint.h>

/// One node of a parsed page, in document order (pre-order). Strings are byte ranges of
/// the document's string buffer, UTF-8.
typedef struct sieve_html_node {
    /// Index of the parent element, -1 for a top-level element.
    int32_t parent;
    /// One past the last node of this node's subtree (a text node: its index + 1), so the
    /// children of node i are i + 1, end(i + 1), … up to end(i).
    int32_t end;
    /// Element: index of its lowercase tag name (`sieve_html_name`). Text: -1.
    int32_t name;
    /// Element: its `class`, `id`, `role` and `itemprop` attributes joined by spaces,
    /// lowercased. Text: the text, entities decoded; adjacent character data is one node.
    int32_t text, text_length;
    /// Element flags: bit 0 hidden (`hidden`, `aria-hidden="true"`, `display:none`).
    int32_t flags;
} sieve_html_node;

typedef struct sieve_html_document sieve_html_document;

/// Parses UTF-8 HTML in libxml2's recovery mode (any input gives a tree; no network).
/// The contents of script, style, noscript, template, svg, iframe and object elements,
/// comments and processing instructions are left out. `trimmed` nonzero: libxml2 reads a
/// copy without script and style contents and without the attributes the shim does not
/// read, where the parser confirms that this gives the same tree (html.c says how); 0: it
/// reads every byte (for tests). NULL only when out of memory.
sieve_html_document *sieve_html_parse(const uint8_t *utf8, int32_t length, int32_t trimmed);

int32_t sieve_html_node_count(const sieve_html_document *document);
const sieve_html_node *sieve_html_nodes(const sieve_html_document *document);
const uint8_t *sieve_html_strings(const sieve_html_document *document);
/// The element names seen in the document: each distinct name once, lowercase.
int32_t sieve_html_name_count(const sieve_html_document *document);
/// Name `index` as a range of the string buffer.
void sieve_html_name(const sieve_html_document *document, int32_t index, int32_t *offset, int32_t *length);
/// 1 when the tree came from a trimmed copy (`sieve_html_parse`), 0 when libxml2 read
/// every byte.
int32_t sieve_html_trimmed(const sieve_html_document *document);
void sieve_html_free(sieve_html_document *document);

#endif
