// Parses HTML with libxml2's recovering parser and records its SAX events as plain arrays
// for Swift. No libxml2 tree is built: the parser's own recovery (implied and auto-closed
// elements) arrives as start/end events, which is all the tree builder would use.
#define _GNU_SOURCE  // memmem
#include "sieve_html.h"

#include <ctype.h>
#include <pthread.h>
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
    // Reading a trimmed copy (see `trim`): the parser, the edits it must confirm, and how
    // many it has confirmed, in order.
    htmlParserCtxtPtr parser;
    const uint8_t *copy;
    const struct edit *edits;
    int32_t edit_count, confirmed;
    /// Whether the tree came from a trimmed copy.
    int trimmed;
};

/// A start tag the trimmed copy changed (attributes dropped, or raw-text content cut after
/// it): where its `>` (or the `/` of `/>`) sits in the copy, and where its name does.
struct edit {
    int64_t end, name;
    int32_t name_length;
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
    if (d->confirmed < d->edit_count) {
        // The start tag ends at the parser's current byte (its `>` or `/>` not yet consumed).
        const struct edit *e = &d->edits[d->confirmed];
        xmlParserInputPtr in = d->parser->input;
        int64_t at = (int64_t)in->consumed + (in->cur - in->base);
        if (at == e->end && strlen((const char *)qualified) == (size_t)e->name_length &&
            xmlStrncasecmp(qualified, d->copy + e->name, e->name_length) == 0)
            d->confirmed++;
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

static int is_blank(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_letter(uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
/// libxml2's name characters (htmlParseHTMLName), and the ones a name may start with.
static int is_name_byte(uint8_t c) { return is_letter(c) || (c >= '0' && c <= '9') || c == ':' || c == '-' || c == '_' || c == '.'; }
static int is_name_start(uint8_t c) { return is_letter(c) || c == '_' || c == ':' || c == '.'; }
/// libxml2 cuts names at 100 bytes (HTML_PARSER_BUFFER_SIZE); longer ones are not edited.
enum { longest_name = 99 };

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

/// The attributes the shim reads (read_attributes): every other one may be dropped.
static int is_kept_attribute(const uint8_t *name, int64_t n) {
    static const char *kept[] = {"class", "id", "role", "itemprop", "hidden", "aria-hidden", "style", NULL};
    for (int i = 0; kept[i]; i++)
        if ((int64_t)strlen(kept[i]) == n && strncasecmp((const char *)name, kept[i], (size_t)n) == 0) return 1;
    return 0;
}

enum { most_kept = 16 };

/// A start tag read as libxml2's htmlParseStartTag reads it.
typedef struct {
    int64_t name, name_length;
    /// Where the tag's `>` is, or the `/` of its `/>`; one past its end.
    int64_t end, after;
    int self_closing;
    /// Whether some attribute is not one the shim reads.
    int drops;
    /// The attributes the shim reads, each from its name to the end of its value, as
    /// (start, end) pairs; a tag with more than `most_kept` of them is not edited.
    int64_t kept[2 * most_kept];
    int32_t kept_count;
} start_tag;

/// Reads the start tag at `in[lt]` (`<` and a letter): its name, then attributes until
/// `>` or `/>`: a name (else bogus bytes up to a blank, `>` or `/>` are skipped), blanks,
/// and after `=` and blanks a value quoted with `"` or `'`, or unquoted up to a blank or
/// `>`, noting the attributes the shim reads. Returns 0 where libxml2's reading is not
/// certain to be this one: a control character, a name libxml2 would cut, the end of the
/// input.
static int read_start_tag(const uint8_t *in, int64_t lt, int64_t length, start_tag *t) {
    int64_t k = lt + 1;
    t->name = k;
    while (k < length && is_name_byte(in[k])) k++;
    t->name_length = k - t->name;
    if (t->name_length > longest_name) return 0;
    t->drops = 0;
    t->kept_count = 0;
    while (k < length && is_blank(in[k])) k++;
    while (k < length) {
        uint8_t c = in[k];
        if (c == '>' || (c == '/' && k + 1 < length && in[k + 1] == '>')) {
            t->end = k;
            t->self_closing = c == '/';
            t->after = k + (c == '/' ? 2 : 1);
            // A control character (not blank) ends a tag early in some libxml2 versions.
            return !has_control_byte(in + lt, t->after - lt);
        }
        if (is_name_start(c)) {
            int64_t start = k;
            while (k < length && is_name_byte(in[k])) k++;
            int64_t name_end = k;
            if (name_end - start > longest_name) return 0;
            int64_t v = k;
            while (v < length && is_blank(in[v])) v++;
            if (v < length && in[v] == '=') {
                v++;
                while (v < length && is_blank(in[v])) v++;
                if (v >= length) return 0;
                if (in[v] == '"' || in[v] == '\'') {
                    const uint8_t *close = memchr(in + v + 1, in[v], (size_t)(length - v - 1));
                    if (!close) return 0;
                    k = close + 1 - in;
                } else {
                    while (v < length && !is_blank(in[v]) && in[v] != '>') v++;
                    k = v;
                }
            }
            if (!is_kept_attribute(in + start, name_end - start)) {
                t->drops = 1;
            } else if (t->kept_count < most_kept) {
                t->kept[2 * t->kept_count] = start;
                t->kept[2 * t->kept_count + 1] = k;
                t->kept_count++;
            } else {
                t->kept_count = most_kept + 1;  // too many to note: the tag stays as it is
            }
        } else {
            t->drops = 1;
            while (k < length && !is_blank(in[k]) && in[k] != '>' && !(in[k] == '/' && k + 1 < length && in[k + 1] == '>')) k++;
        }
        while (k < length && is_blank(in[k])) k++;
    }
    return 0;
}

/// The trimmed copy being written: `out[0..<n]`, the input copied through `copied`, and
/// the edits the parser must confirm.
typedef struct {
    uint8_t *out;
    int64_t n, capacity, copied;
    struct edit *edits;
    int32_t count, edits_capacity;
    int failed;
} trimmer;

static void emit(trimmer *t, const uint8_t *bytes, int64_t n) {
    if (t->n + n > t->capacity) {  // cannot happen for the capacity sieve_html_parse gives
        t->failed = 1;
        return;
    }
    memcpy(t->out + t->n, bytes, (size_t)n);
    t->n += n;
}

static void add_edit(trimmer *t, int64_t end, int64_t name, int64_t name_length) {
    if (t->count == t->edits_capacity) {
        int32_t capacity = t->edits_capacity ? t->edits_capacity * 2 : 256;
        struct edit *grown = realloc(t->edits, (size_t)capacity * sizeof *grown);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->edits = grown;
        t->edits_capacity = capacity;
    }
    t->edits[t->count++] = (struct edit){end, name, (int32_t)name_length};
}

/// Skips a `<!…>` or `<?…>` declaration (a doctype, most often) up to its `>`, quoted
/// literals skipped whole; -1 when a quote or the declaration does not end. (Where libxml2
/// reads one differently, edits after it are not confirmed and the page is parsed whole.)
static int64_t declaration_end(const uint8_t *in, int64_t lt, int64_t length) {
    for (int64_t k = lt + 2; k < length; k++) {
        if (in[k] == '>') return k + 1;
        if (in[k] == '"' || in[k] == '\'') {
            const uint8_t *close = memchr(in + k + 1, in[k], (size_t)(length - k - 1));
            if (!close) return -1;
            k = close - in;
        }
    }
    return -1;
}

/// A page is mostly what the shim throws away: script and style contents (a third of a
/// typical page's bytes), and attribute values (`href`, `src`, `srcset`, `data-*`, inline
/// SVG paths: half of what is left on a modern page). libxml2 reads both a character at a
/// time. This writes a trimmed copy for it to read instead: each start tag with only the
/// attributes the shim reads (`class id role itemprop hidden aria-hidden style`), and each
/// script or style content left out, up to the first `</script` (`</style`), where
/// libxml2's recovery mode ends raw text.
///
/// The scan follows libxml2's rules for start tags (htmlParseStartTag), comments, end
/// tags and declarations, but it does not carry the parser's state, so the parser must
/// confirm every edit: a start event with the tag's name whose `>` sits where the edit put
/// it. Up to the first edit the parser reads the page's own bytes; a confirmed edit is a
/// tag the parser read as the scan did, so it is in the same state after it (the attributes
/// dropped are ones nothing reads; a cut content is raw text it would have read up to the
/// same `</script`). If any edit is not confirmed, the page is parsed again whole.
///
/// Tags the parser may discard (`html`, `head`, `body`) and `meta` (its charset) are not
/// edited. A content is cut only when the parser would read it in one go: it does not start
/// with `<` (the parser looks for tags before raw text, and a `</div>` there closes
/// elements) and holds no control character (some libxml2 versions end raw text at one).
/// Where the scan is unsure (a control character in a tag, an unclosed quote, comment or
/// declaration, a name libxml2 would cut), it stops editing and copies the rest.
/// Returns the copy's length, or -1 when nothing was edited.
static int64_t trim(const uint8_t *in, int64_t length, uint8_t *out, int64_t capacity, struct edit **edits,
                    int32_t *count) {
    trimmer t = {out, 0, capacity, 0, NULL, 0, 0, 0};
    int64_t i = 0;
    while (i < length && !t.failed) {
        const uint8_t *p = memchr(in + i, '<', (size_t)(length - i));
        if (!p) break;
        int64_t lt = p - in;
        uint8_t next = lt + 1 < length ? in[lt + 1] : 0;
        if (next == '!' && lt + 4 <= length && memcmp(p, "<!--", 4) == 0) {
            const uint8_t *end = memmem(p + 4, (size_t)(length - lt - 4), "-->", 3);
            if (!end) break;
            i = end + 3 - in;
            continue;
        }
        if (next == '!' || next == '?') {
            i = declaration_end(in, lt, length);
            if (i < 0) break;
            continue;
        }
        if (next == '/') {
            if (lt + 2 < length && is_letter(in[lt + 2])) {  // an end tag: up to its `>`
                const uint8_t *gt = memchr(in + lt + 2, '>', (size_t)(length - lt - 2));
                if (!gt || has_control_byte(p, gt - p)) break;
                i = gt + 1 - in;
            } else {
                i = lt + 2;
            }
            continue;
        }
        if (!is_letter(next)) {
            i = lt + 1;
            continue;
        }
        start_tag tag;
        if (!read_start_tag(in, lt, length, &tag)) break;
        const uint8_t *name = in + tag.name;
        int64_t name_length = tag.name_length;
#define NAMED(s) (name_length == (int64_t)strlen(s) && strncasecmp((const char *)name, s, strlen(s)) == 0)
        int fixed = NAMED("html") || NAMED("head") || NAMED("body") || NAMED("meta");
        const char *raw_end = tag.self_closing ? NULL : NAMED("script") ? "</script" : NAMED("style") ? "</style" : NULL;
#undef NAMED
        int64_t close = -1;
        int cut = 0;
        if (raw_end) {
            close = find_lower(in, tag.after, length, raw_end, strlen(raw_end));
            if (close < 0) break;  // raw text to the end
            cut = close > tag.after && in[tag.after] != '<' && !has_control_byte(in + tag.after, close - tag.after);
        }
        int drop = tag.drops && !fixed && tag.kept_count <= most_kept;
        if (drop || cut) {
            emit(&t, in + t.copied, lt - t.copied);
            int64_t name_at = t.n + 1;
            if (drop) {
                emit(&t, in + lt, 1 + name_length);
                for (int32_t a = 0; a < tag.kept_count; a++) {
                    emit(&t, (const uint8_t *)" ", 1);
                    emit(&t, in + tag.kept[2 * a], tag.kept[2 * a + 1] - tag.kept[2 * a]);
                }
                // A blank before `/>`: an unquoted value would take the `/` (`class=logo/>`).
                emit(&t, (const uint8_t *)(tag.self_closing ? " />" : ">"), tag.self_closing ? 3 : 1);
            } else {
                emit(&t, in + lt, tag.after - lt);
            }
            add_edit(&t, t.n - (tag.self_closing ? 2 : 1), name_at, name_length);
            t.copied = cut ? close : tag.after;
        }
        i = raw_end ? close : tag.after;
    }
    emit(&t, in + t.copied, length - t.copied);
    *edits = t.edits;
    *count = t.count;
    return t.failed || t.count == 0 ? -1 : t.n;
}

/* libxml2 2.9 sets up its global locks and tables in xmlInitParser, which is not
   reentrant: two threads that create their first parser at once can each build the
   random-number lock and then wait on it forever (seen: two workers stuck in
   xmlRMutexLock under htmlNewParserCtxt). Done once, before any parser. */
static pthread_once_t libxml_once = PTHREAD_ONCE_INIT;

static void init_libxml(void) {
    xmlInitParser();
}

static sieve_html_document *parse(const uint8_t *utf8, int32_t length, const struct edit *edits, int32_t edit_count) {
    pthread_once(&libxml_once, init_libxml);
    sieve_html_document *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->last_text = -1;
    d->copy = utf8;
    d->edits = edits;
    d->edit_count = edit_count;
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

sieve_html_document *sieve_html_parse(const uint8_t *utf8, int32_t length, int32_t trimmed) {
    // A dropped attribute frees at least one byte (its blank or quote before); a kept one
    // may gain a blank before it. Attributes are two bytes at least, so the copy is at
    // most half as long again.
    int64_t capacity = (int64_t)length + length / 2 + 16;
    uint8_t *copy = trimmed && length > 0 ? malloc((size_t)capacity) : NULL;
    struct edit *edits = NULL;
    int32_t count = 0;
    int64_t copy_length = copy ? trim(utf8, length, copy, capacity, &edits, &count) : -1;
    if (copy_length > INT32_MAX) copy_length = -1;
    if (copy_length >= 0) {
        sieve_html_document *d = parse(copy, (int32_t)copy_length, edits, count);
        int confirmed = d && d->confirmed == count;
        if (d) {
            d->copy = NULL;
            d->trimmed = confirmed;
        }
        free(copy);
        free(edits);
        if (confirmed || !d) return d;
        sieve_html_free(d);
    } else {
        free(copy);
        free(edits);
    }
    return parse(utf8, length, NULL, 0);
}

int32_t sieve_html_node_count(const sieve_html_document *d) { return d->count; }
const sieve_html_node *sieve_html_nodes(const sieve_html_document *d) { return d->nodes; }
const uint8_t *sieve_html_strings(const sieve_html_document *d) { return d->strings; }
int32_t sieve_html_name_count(const sieve_html_document *d) { return d->name_count; }
int32_t sieve_html_trimmed(const sieve_html_document *d) { return d->trimmed; }

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
