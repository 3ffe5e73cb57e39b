// Parses HTML with libxml2 and flattens the tree into plain arrays for Swift.
#include "sieve_html.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

struct sieve_html_document {
    sieve_html_node *nodes;
    int32_t count, capacity;
    uint8_t *strings;
    int32_t length, strings_capacity;
};

static int grow_nodes(sieve_html_document *d) {
    if (d->count < d->capacity) return 1;
    int32_t capacity = d->capacity ? d->capacity * 2 : 1024;
    sieve_html_node *nodes = realloc(d->nodes, (size_t)capacity * sizeof *nodes);
    if (!nodes) return 0;
    d->nodes = nodes;
    d->capacity = capacity;
    return 1;
}

/// Appends bytes to the string buffer; returns their offset, or -1.
static int32_t add_string(sieve_html_document *d, const char *s, size_t n, int lower) {
    if ((size_t)d->length + n + 1 > (size_t)d->strings_capacity) {
        size_t capacity = d->strings_capacity ? (size_t)d->strings_capacity : 65536;
        while (capacity < (size_t)d->length + n + 1) capacity *= 2;
        if (capacity > INT32_MAX) return -1;
        uint8_t *strings = realloc(d->strings, capacity);
        if (!strings) return -1;
        d->strings = strings;
        d->strings_capacity = (int32_t)capacity;
    }
    int32_t at = d->length;
    for (size_t i = 0; i < n; i++) d->strings[at + i] = lower ? (uint8_t)tolower((unsigned char)s[i]) : (uint8_t)s[i];
    d->length += (int32_t)n;
    return at;
}

static int skipped(const xmlChar *name) {
    static const char *names[] = {"script", "style", "noscript", "template", "svg", "iframe", "object", NULL};
    for (int i = 0; names[i]; i++)
        if (xmlStrcasecmp(name, (const xmlChar *)names[i]) == 0) return 1;
    return 0;
}

static int hidden(xmlNodePtr node) {
    if (xmlHasProp(node, (const xmlChar *)"hidden")) return 1;
    xmlChar *aria = xmlGetProp(node, (const xmlChar *)"aria-hidden");
    int result = aria && xmlStrcasecmp(aria, (const xmlChar *)"true") == 0;
    xmlFree(aria);
    if (result) return 1;
    xmlChar *style = xmlGetProp(node, (const xmlChar *)"style");
    if (style) {
        char compact[256];
        size_t n = 0;
        for (const xmlChar *p = style; *p && n + 1 < sizeof compact; p++)
            if (!isspace(*p)) compact[n++] = (char)tolower(*p);
        compact[n] = 0;
        result = strstr(compact, "display:none") != NULL || strstr(compact, "visibility:hidden") != NULL;
        xmlFree(style);
    }
    return result;
}

static int add_attributes(sieve_html_document *d, xmlNodePtr node, int32_t *offset, int32_t *length) {
    static const char *names[] = {"class", "id", "role", "itemprop", NULL};
    *offset = d->length;
    for (int i = 0; names[i]; i++) {
        xmlChar *value = xmlGetProp(node, (const xmlChar *)names[i]);
        if (!value) continue;
        if (d->length > *offset && add_string(d, " ", 1, 0) < 0) { xmlFree(value); return 0; }
        int ok = add_string(d, (const char *)value, strlen((const char *)value), 1) >= 0;
        xmlFree(value);
        if (!ok) return 0;
    }
    *length = d->length - *offset;
    return 1;
}

static int flatten(sieve_html_document *d, xmlNodePtr root) {
    // Iterative pre-order walk; `parents` tracks the flattened index of each open element.
    int32_t depth = 0, stack_capacity = 256;
    int32_t *parents = malloc(sizeof(int32_t) * (size_t)stack_capacity);
    if (!parents) return 0;
    parents[0] = -1;
    xmlNodePtr node = root;
    while (node) {
        int descend = 0;
        if (node->type == XML_ELEMENT_NODE && !skipped(node->name)) {
            if (!grow_nodes(d)) goto fail;
            sieve_html_node *n = &d->nodes[d->count];
            n->parent = parents[depth];
            n->kind = 1;
            n->flags = hidden(node);
            size_t len = strlen((const char *)node->name);
            n->name = add_string(d, (const char *)node->name, len, 1);
            n->name_length = (int32_t)len;
            if (n->name < 0 || !add_attributes(d, node, &n->text, &n->text_length)) goto fail;
            if (node->children) {
                if (depth + 1 >= stack_capacity) {
                    stack_capacity *= 2;
                    int32_t *grown = realloc(parents, sizeof(int32_t) * (size_t)stack_capacity);
                    if (!grown) goto fail;
                    parents = grown;
                }
                parents[++depth] = d->count;
                descend = 1;
            }
            d->count++;
        } else if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content && node->content[0]) {
                if (!grow_nodes(d)) goto fail;
                sieve_html_node *n = &d->nodes[d->count];
                n->parent = parents[depth];
                n->kind = 3;
                n->name = n->name_length = 0;
                n->flags = 0;
                size_t len = strlen((const char *)node->content);
                n->text = add_string(d, (const char *)node->content, len, 0);
                n->text_length = (int32_t)len;
                if (n->text < 0) goto fail;
                d->count++;
            }
        }
        if (descend) {
            node = node->children;
            continue;
        }
        while (node && !node->next) {
            node = node->parent;
            if (!node || node == root->parent) { node = NULL; break; }
            if (node->type == XML_ELEMENT_NODE) depth--;
        }
        if (node) node = node->next;
    }
    free(parents);
    return 1;
fail:
    free(parents);
    return 0;
}

sieve_html_document *sieve_html_parse(const uint8_t *utf8, int32_t length) {
    sieve_html_document *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    htmlDocPtr doc = htmlReadMemory((const char *)utf8, length, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                    HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    if (doc) {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        int ok = root ? flatten(d, root) : 1;
        xmlFreeDoc(doc);
        if (!ok) {
            sieve_html_free(d);
            return NULL;
        }
    }
    if (add_string(d, "", 0, 0) < 0) {  // a non-NULL buffer even for an empty page
        sieve_html_free(d);
        return NULL;
    }
    return d;
}

int32_t sieve_html_node_count(const sieve_html_document *d) { return d->count; }
const sieve_html_node *sieve_html_nodes(const sieve_html_document *d) { return d->nodes; }
const uint8_t *sieve_html_strings(const sieve_html_document *d) { return d->strings; }

void sieve_html_free(sieve_html_document *d) {
    if (!d) return;
    free(d->nodes);
    free(d->strings);
    free(d);
}
