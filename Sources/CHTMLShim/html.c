// Parses HTML with libxml2's recovering parser and records its SAX events as plain arrays
// for Swift. No libxml2 tree is built: the parser's own recovery (implied and auto-closed
// elements) arrives as start/end events, which is all the tree builder would use.
#include "sieve_html.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>

typedef struct {
    const xmlChar *pointer;  // the parser's interned name; most names repeat by pointer
    int32_t offset, length;
} name_entry;

struct sieve_html_document {
    sieve_html_node *nodes;
    int32_t count, capacity;
    uint8_t *strings;
    int32_t length, strings_capacity;
    name_entry *names;
    int32_t name_count, names_capacity;
    // Open elements: node indices; `skipping` counts open elements inside a skipped one.
    int32_t *open;
    int32_t depth, open_capacity;
    int32_t skipping;
    /// The text node that character data extends, or -1 after any other event.
    int32_t last_text;
    int failed;
};

static int grow(void **array, int32_t *capacity, int32_t needed, size_t size, int32_t initial) {
    if (needed <= *capacity) return 1;
    int64_t grown = *capacity ? *capacity : initial;
    while (grown < needed) grown *= 2;
    if (grown > INT32_MAX) return 0;
    void *p = realloc(*array, (size_t)grown * size);
    if (!p) return 0;
    *array = p;
    *capacity = (int32_t)grown;
    return 1;
}

/// Appends bytes to the string buffer; returns their offset, or -1.
static int32_t add_string(sieve_html_document *d, const xmlChar *s, size_t n, int lower) {
    if ((size_t)d->length + n + 1 > INT32_MAX ||
        !grow((void **)&d->strings, &d->strings_capacity, d->length + (int32_t)n + 1, 1, 65536))
        return -1;
    int32_t at = d->length;
    uint8_t *out = d->strings + at;
    if (lower) {
        for (size_t i = 0; i < n; i++) out[i] = (uint8_t)tolower(s[i]);
    } else {
        memcpy(out, s, n);
    }
    d->length += (int32_t)n;
    return at;
}

static int skipped(const xmlChar *name) {
    static const char *names[] = {"script", "style", "noscript", "template", "svg", "iframe", "object", NULL};
    for (int i = 0; names[i]; i++)
        if (xmlStrcasecmp(name, (const xmlChar *)names[i]) == 0) return 1;
    return 0;
}

/// The attributes an element's record uses, from one pass over the parser's list (names
/// come lowercased; a value is NULL when the attribute has none).
typedef struct {
    int hidden;
    const xmlChar *aria_hidden, *style;
    const xmlChar *words[4];  // class, id, role, itemprop
} element_attributes;

static element_attributes read_attributes(const xmlChar **atts) {
    element_attributes a;
    memset(&a, 0, sizeof a);
    for (int i = 0; atts && atts[i]; i += 2) {
        const char *name = (const char *)atts[i];
        const xmlChar *value = atts[i + 1];
        // The parser drops repeated attributes, so each name comes once.
        switch (name[0]) {
        case 'c':
            if (strcmp(name, "class") == 0) a.words[0] = value;
            break;
        case 'i':
            if (strcmp(name, "id") == 0) a.words[1] = value;
            else if (strcmp(name, "itemprop") == 0) a.words[3] = value;
            break;
        case 'r':
            if (strcmp(name, "role") == 0) a.words[2] = value;
            break;
        case 'h':
            if (strcmp(name, "hidden") == 0) a.hidden = 1;
            break;
        case 'a':
            if (strcmp(name, "aria-hidden") == 0) a.aria_hidden = value ? value : (const xmlChar *)"";
            break;
        case 's':
            if (strcmp(name, "style") == 0) a.style = value ? value : (const xmlChar *)"";
            break;
        }
    }
    return a;
}

static int hidden(const element_attributes *a) {
    if (a->hidden) return 1;
    if (a->aria_hidden && xmlStrcasecmp(a->aria_hidden, (const xmlChar *)"true") == 0) return 1;
    if (!a->style) return 0;
    char compact[256];
    size_t n = 0;
    for (const xmlChar *p = a->style; *p && n + 1 < sizeof compact; p++)
        if (!isspace(*p)) compact[n++] = (char)tolower(*p);
    compact[n] = 0;
    return strstr(compact, "display:none") != NULL || strstr(compact, "visibility:hidden") != NULL;
}

/// Appends `class id role itemprop`, lowercased and joined by spaces.
static int add_words(sieve_html_document *d, const element_attributes *a, int32_t *offset, int32_t *length) {
    *offset = d->length;
    for (int i = 0; i < 4; i++) {
        const xmlChar *value = a->words[i];
        if (!value) continue;
        if (d->length > *offset && add_string(d, (const xmlChar *)" ", 1, 0) < 0) return 0;
        if (add_string(d, value, strlen((const char *)value), 1) < 0) return 0;
    }
    *length = d->length - *offset;
    return 1;
}

/// The index of an element name, added on first sight.
static int32_t name_index(sieve_html_document *d, const xmlChar *name) {
    for (int32_t i = 0; i < d->name_count; i++)
        if (d->names[i].pointer == name) return i;
    size_t n = strlen((const char *)name);
    for (int32_t i = 0; i < d->name_count; i++) {
        const name_entry *e = &d->names[i];
        if ((size_t)e->length == n && xmlStrncasecmp(d->strings + e->offset, name, (int)n) == 0) return i;
    }
    if (!grow((void **)&d->names, &d->names_capacity, d->name_count + 1, sizeof(name_entry), 64)) return -1;
    int32_t offset = add_string(d, name, n, 1);
    if (offset < 0) return -1;
    d->names[d->name_count] = (name_entry){name, offset, (int32_t)n};
    return d->name_count++;
}

/// The name without a namespace prefix (`o:p` is a `p`), as libxml2's tree builder
/// splits it.
static const xmlChar *local_name(const xmlChar *name) {
    const xmlChar *colon = name[0] == ':' ? NULL : (const xmlChar *)strchr((const char *)name, ':');
    return colon && colon[1] ? colon + 1 : name;
}

static void start_element(void *context, const xmlChar *qualified, const xmlChar **atts) {
    sieve_html_document *d = context;
    d->last_text = -1;
    if (d->failed) return;
    const xmlChar *name = local_name(qualified);
    if (d->skipping || skipped(name)) {
        d->skipping++;
        return;
    }
    if (!grow((void **)&d->nodes, &d->capacity, d->count + 1, sizeof(sieve_html_node), 1024) ||
        !grow((void **)&d->open, &d->open_capacity, d->depth + 1, sizeof(int32_t), 256)) {
        d->failed = 1;
        return;
    }
    sieve_html_node *n = &d->nodes[d->count];
    n->parent = d->depth ? d->open[d->depth - 1] : -1;
    n->end = d->count + 1;
    element_attributes attributes = read_attributes(atts);
    n->flags = hidden(&attributes);
    n->name = name_index(d, name);
    if (n->name < 0 || !add_words(d, &attributes, &n->text, &n->text_length)) {
        d->failed = 1;
        return;
    }
    d->open[d->depth++] = d->count++;
}

static void end_element(void *context, const xmlChar *name) {
    (void)name;
    sieve_html_document *d = context;
    d->last_text = -1;
    if (d->failed) return;
    if (d->skipping) {
        d->skipping--;
        return;
    }
    if (d->depth == 0) return;
    d->nodes[d->open[--d->depth]].end = d->count;
}

static void characters(void *context, const xmlChar *ch, int len) {
    sieve_html_document *d = context;
    // Outside any element (white space around <html>) is dropped, as the tree builder does.
    if (d->failed || d->skipping || d->depth == 0 || len <= 0) return;
    int32_t at = add_string(d, ch, (size_t)len, 0);
    if (at < 0) {
        d->failed = 1;
        return;
    }
    if (d->last_text >= 0) {  // its bytes end where these start
        d->nodes[d->last_text].text_length += len;
        return;
    }
    if (!grow((void **)&d->nodes, &d->capacity, d->count + 1, sizeof(sieve_html_node), 1024)) {
        d->failed = 1;
        return;
    }
    sieve_html_node *n = &d->nodes[d->count];
    n->parent = d->open[d->depth - 1];
    n->end = d->count + 1;
    n->name = -1;
    n->text = at;
    n->text_length = len;
    n->flags = 0;
    d->last_text = d->count++;
}

/// Comments and processing instructions separate text nodes, as in the tree.
static void separator(void *context, const xmlChar *a, const xmlChar *b) {
    (void)a;
    (void)b;
    ((sieve_html_document *)context)->last_text = -1;
}

static void comment(void *context, const xmlChar *value) { separator(context, value, NULL); }

sieve_html_document *sieve_html_parse(const uint8_t *utf8, int32_t length) {
    sieve_html_document *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->last_text = -1;
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = start_element;
    sax.endElement = end_element;
    sax.characters = characters;
    sax.cdataBlock = characters;
    sax.comment = comment;
    sax.processingInstruction = separator;
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt) {
        free(d);
        return NULL;
    }
    memcpy(ctxt->sax, &sax, sizeof sax);
    ctxt->userData = d;
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, (const char *)utf8, length, NULL, "UTF-8",
                                        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET);
    if (doc) xmlFreeDoc(doc);  // none is built without the tree builder's callbacks
    htmlFreeParserCtxt(ctxt);
    while (!d->failed && d->depth > 0) d->nodes[d->open[--d->depth]].end = d->count;
    if (d->failed || add_string(d, (const xmlChar *)"", 0, 0) < 0) {  // a non-NULL buffer even for an empty page
        sieve_html_free(d);
        return NULL;
    }
    return d;
}

int32_t sieve_html_node_count(const sieve_html_document *d) { return d->count; }
const sieve_html_node *sieve_html_nodes(const sieve_html_document *d) { return d->nodes; }
const uint8_t *sieve_html_strings(const sieve_html_document *d) { return d->strings; }
int32_t sieve_html_name_count(const sieve_html_document *d) { return d->name_count; }

void sieve_html_name(const sieve_html_document *d, int32_t index, int32_t *offset, int32_t *length) {
    *offset = d->names[index].offset;
    *length = d->names[index].length;
}

void sieve_html_free(sieve_html_document *d) {
    if (!d) return;
    free(d->nodes);
    free(d->strings);
    free(d->names);
    free(d->open);
    free(d);
}
