// Parses HTML with libxml2's recovering parser and records its SAX events as plain arrays
// for Swift. No libxml2 tree is built: the parser's own recovery (implied and auto-closed
// elements) arrives as start/end events, which is all the tree builder would use.
#define _GNU_SOURCE  // memmem
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
    // Raw-text skipping (see `raw_text_regions`): the parser, the input offsets of the `>`
    // of each script/style start tag whose content was cut, and how many of them the
    // parser has confirmed, in order.
    htmlParserCtxtPtr parser;
    const int64_t *cut_at;
    int32_t cuts, confirmed;
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
    if (d->confirmed < d->cuts && (strcmp((const char *)qualified, "script") == 0 || strcmp((const char *)qualified, "style") == 0)) {
        // The start tag ends at the parser's current byte (its `>` not yet consumed).
        xmlParserInputPtr in = d->parser->input;
        int64_t at = (int64_t)in->consumed + (in->cur - in->base);
        if (at == d->cut_at[d->confirmed] && *in->cur == '>') d->confirmed++;
    }
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

/// Whether bytes hold a control character other than tab, newline and carriage return.
/// Eight bytes at a time: a word with no byte below 0x20 needs no closer look.
static int has_control_byte(const uint8_t *bytes, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, bytes + i, 8);
        if (((x - 0x2020202020202020ULL) & ~x & 0x8080808080808080ULL) == 0) continue;
        for (int k = 0; k < 8; k++) {
            uint8_t c = bytes[i + k];
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return 1;
        }
    }
    for (; i < n; i++)
        if (bytes[i] < 0x20 && bytes[i] != '\t' && bytes[i] != '\n' && bytes[i] != '\r') return 1;
    return 0;
}

static int is_name_byte(uint8_t c) { return isalnum(c) || c == ':' || c == '-' || c == '_' || c == '.'; }

/// The first case-insensitive occurrence of `pattern` (lowercase) in `bytes[from..<length]`.
static int64_t find_lower(const uint8_t *bytes, int64_t from, int64_t length, const char *pattern, size_t n) {
    for (int64_t i = from; i + (int64_t)n <= length; i++) {
        const uint8_t *p = memchr(bytes + i, '<', (size_t)(length - i));
        if (!p) return -1;
        i = p - bytes;
        if (i + (int64_t)n <= length && strncasecmp((const char *)p, pattern, n) == 0) return i;
    }
    return -1;
}

/// Script and style contents are a third of a typical page's bytes, and libxml2 reads them
/// a character at a time only to hand them to a callback that drops them. This copies the
/// page without them: each `<script …>…</script` (and style) whose content can be cut is
/// found by a quick scan, and its content left out. The scan does not know the parser's
/// state (a `<script` inside a comment or an attribute is not a tag), so every cut must be
/// confirmed by the parser: a script/style start event whose `>` sits where the cut
/// begins. The parser reads the copy exactly as it reads the page up to the first cut;
/// when it confirms that cut, it was about to read the content as raw text up to the
/// first `</script` (`</style`), which is where the copy resumes, and so on. When a cut
/// is not confirmed, the page is parsed again whole.
///
/// A content is cut only when the parser would read it in one go: it does not start with
/// `<` (the parser looks for tags before raw text, and a `</div>` there closes elements)
/// and holds no control character (some libxml2 versions end raw text at one and look for
/// tags again).
/// Returns the copy's length, or -1 when nothing is cut; `cut_at` gets the offsets of the
/// copy's cut points.
static int64_t raw_text_regions(const uint8_t *in, int64_t length, uint8_t *out, int64_t **cut_at, int32_t *cuts) {
    int64_t copied = 0, n = 0, capacity = 0;
    int64_t i = 0;
    *cut_at = NULL;
    *cuts = 0;
    while (i < length) {
        const uint8_t *p = memchr(in + i, '<', (size_t)(length - i));
        if (!p) break;
        int64_t lt = p - in;
        if (lt + 4 <= length && memcmp(p, "<!--", 4) == 0) {  // a comment (IE's `<!--[if IE]><script>`)
            const uint8_t *end = memmem(p + 4, (size_t)(length - lt - 4), "-->", 3);
            if (!end) break;
            i = end + 3 - in;
            continue;
        }
        const char *name = NULL;
        size_t name_length = 0;
        if (lt + 1 < length && (p[1] | 0x20) != 's') {
            i = lt + 1;
            continue;
        }
        if (lt + 7 <= length && strncasecmp((const char *)p + 1, "script", 6) == 0) name = "</script", name_length = 6;
        else if (lt + 6 <= length && strncasecmp((const char *)p + 1, "style", 5) == 0) name = "</style", name_length = 5;
        if (!name || (lt + 1 + (int64_t)name_length < length && is_name_byte(in[lt + 1 + name_length]))) {
            i = lt + 1;
            continue;
        }
        // The start tag's end: the first `>` outside quoted attribute values.
        int64_t k = lt + 1 + (int64_t)name_length;
        uint8_t quote = 0;
        for (; k < length; k++) {
            uint8_t c = in[k];
            if (quote) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                int64_t b = k - 1;
                while (b > lt && (in[b] == ' ' || in[b] == '\t' || in[b] == '\n' || in[b] == '\r')) b--;
                if (in[b] == '=') quote = c;
            } else if (c == '>') {
                break;
            }
        }
        if (k >= length) break;
        int64_t gt = k;
        i = gt + 1;
        if (in[gt - 1] == '/') continue;  // `<script/>` has no content
        int64_t close = find_lower(in, gt + 1, length, name, name_length + 2);
        if (close < 0) break;
        int cuttable = close > gt + 1 && in[gt + 1] != '<' && !has_control_byte(in + gt + 1, close - gt - 1);
        if (cuttable) {
            memcpy(out + n, in + copied, (size_t)(gt + 1 - copied));
            n += gt + 1 - copied;
            if (*cuts == capacity) {
                capacity = capacity ? capacity * 2 : 64;
                int64_t *grown = realloc(*cut_at, (size_t)capacity * sizeof(int64_t));
                if (!grown) {
                    free(*cut_at);
                    *cut_at = NULL;
                    *cuts = 0;
                    return -1;
                }
                *cut_at = grown;
            }
            (*cut_at)[(*cuts)++] = n - 1;
            copied = close;
        }
        i = close;
    }
    if (*cuts == 0) return -1;
    memcpy(out + n, in + copied, (size_t)(length - copied));
    return n + length - copied;
}

static sieve_html_document *parse(const uint8_t *utf8, int32_t length, const int64_t *cut_at, int32_t cuts) {
    sieve_html_document *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->last_text = -1;
    d->cut_at = cut_at;
    d->cuts = cuts;
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
    d->parser = ctxt;
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, (const char *)utf8, length, NULL, "UTF-8",
                                        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET);
    if (doc) xmlFreeDoc(doc);  // none is built without the tree builder's callbacks
    htmlFreeParserCtxt(ctxt);
    d->parser = NULL;
    while (!d->failed && d->depth > 0) d->nodes[d->open[--d->depth]].end = d->count;
    if (d->failed || add_string(d, (const xmlChar *)"", 0, 0) < 0) {  // a non-NULL buffer even for an empty page
        sieve_html_free(d);
        return NULL;
    }
    return d;
}

sieve_html_document *sieve_html_parse(const uint8_t *utf8, int32_t length, int32_t cut_raw_text) {
    uint8_t *copy = cut_raw_text && length > 0 ? malloc((size_t)length) : NULL;
    int64_t *cut_at = NULL;
    int32_t cuts = 0;
    int64_t copy_length = copy ? raw_text_regions(utf8, length, copy, &cut_at, &cuts) : -1;
    if (copy_length >= 0) {
        sieve_html_document *d = parse(copy, (int32_t)copy_length, cut_at, cuts);
        int confirmed = d && d->confirmed == cuts;
        free(copy);
        free(cut_at);
        if (confirmed || !d) return d;
        sieve_html_free(d);
    } else {
        free(copy);
        free(cut_at);
    }
    return parse(utf8, length, NULL, 0);
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
