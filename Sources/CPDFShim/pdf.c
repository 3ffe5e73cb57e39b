// Reads PDF text and metadata with poppler-glib, loaded with dlopen on first use.
//
// Linked at build time, poppler-glib brings about 40 shared libraries (cairo, X11, NSS,
// gio, ...) into every `sieve` process, and loading them is about a third of the start of
// every command, although only PDF workers use them. The few functions used here are
// looked up once instead; the types below are the parts of poppler-glib's and glib's
// public ABI they need (poppler.h, poppler-page.h, gerror.h), stable since poppler 0.x
// and glib 2.x.
#include "sieve_pdf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct _PopplerDocument PopplerDocument;
typedef struct _PopplerPage PopplerPage;
typedef struct _GBytes GBytes;
typedef struct _GDateTime GDateTime;
typedef struct {
    uint32_t domain;  // GQuark
    int code;
    char *message;
} GError;
typedef struct {
    double x1, y1, x2, y2;
} PopplerRectangle;
// PopplerError: POPPLER_ERROR_INVALID, POPPLER_ERROR_ENCRYPTED, ...
enum { POPPLER_ERROR_ENCRYPTED = 1 };

static struct {
    GBytes *(*bytes_new_static)(const void *data, size_t size);
    void (*bytes_unref)(GBytes *bytes);
    void (*error_free)(GError *error);
    void (*free)(void *memory);
    void (*object_unref)(void *object);
    int (*unichar_isspace)(uint32_t c);
    uint32_t (*utf8_get_char)(const char *s);
    // g_utf8_skip: a pointer to the table of UTF-8 sequence lengths by lead byte.
    const char *const *utf8_skip;
    char *(*date_time_format_iso8601)(GDateTime *time);
    void (*date_time_unref)(GDateTime *time);
    uint32_t (*error_quark)(void);
    PopplerDocument *(*document_new_from_bytes)(GBytes *bytes, const char *password, GError **error);
    int (*document_get_n_pages)(PopplerDocument *document);
    PopplerPage *(*document_get_page)(PopplerDocument *document, int index);
    char *(*document_get_title)(PopplerDocument *document);
    char *(*document_get_author)(PopplerDocument *document);
    char *(*document_get_producer)(PopplerDocument *document);
    GDateTime *(*document_get_creation_date_time)(PopplerDocument *document);
    void (*page_get_size)(PopplerPage *page, double *width, double *height);
    char *(*page_get_text_for_area)(PopplerPage *page, PopplerRectangle *area);
    int (*page_get_text_layout_for_area)(PopplerPage *page, PopplerRectangle *area, PopplerRectangle **rectangles,
                                         unsigned *count);
} api;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;
static char load_error[400];

static void load(void) {
    // The runtime package's name first (libpoppler-glib8); the -dev package's link second.
    void *library = dlopen("libpoppler-glib.so.8", RTLD_NOW | RTLD_LOCAL);
    if (!library) library = dlopen("libpoppler-glib.so", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(load_error, sizeof load_error, "poppler-glib could not be loaded (%s); install libpoppler-glib8", dlerror());
        return;
    }
    // glib's functions come from poppler-glib's own dependencies, found through its handle.
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&api.bytes_new_static, "g_bytes_new_static"},
        {(void **)&api.bytes_unref, "g_bytes_unref"},
        {(void **)&api.error_free, "g_error_free"},
        {(void **)&api.free, "g_free"},
        {(void **)&api.object_unref, "g_object_unref"},
        {(void **)&api.unichar_isspace, "g_unichar_isspace"},
        {(void **)&api.utf8_get_char, "g_utf8_get_char"},
        {(void **)&api.utf8_skip, "g_utf8_skip"},
        {(void **)&api.date_time_format_iso8601, "g_date_time_format_iso8601"},
        {(void **)&api.date_time_unref, "g_date_time_unref"},
        {(void **)&api.error_quark, "poppler_error_quark"},
        {(void **)&api.document_new_from_bytes, "poppler_document_new_from_bytes"},
        {(void **)&api.document_get_n_pages, "poppler_document_get_n_pages"},
        {(void **)&api.document_get_page, "poppler_document_get_page"},
        {(void **)&api.document_get_title, "poppler_document_get_title"},
        {(void **)&api.document_get_author, "poppler_document_get_author"},
        {(void **)&api.document_get_producer, "poppler_document_get_producer"},
        {(void **)&api.document_get_creation_date_time, "poppler_document_get_creation_date_time"},
        {(void **)&api.page_get_size, "poppler_page_get_size"},
        {(void **)&api.page_get_text_for_area, "poppler_page_get_text_for_area"},
        {(void **)&api.page_get_text_layout_for_area, "poppler_page_get_text_layout_for_area"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(library, symbols[i].name);
        if (!*symbols[i].slot) {
            snprintf(load_error, sizeof load_error, "poppler-glib has no %s; poppler-glib 0.82 or later is needed",
                     symbols[i].name);
            return;
        }
    }
}

/// NULL when poppler-glib is loaded (on the first call), else why it could not be.
static const char *unavailable_reason(void) {
    pthread_once(&loaded, load);
    return load_error[0] ? load_error : NULL;
}

struct sieve_pdf {
    PopplerDocument *document;
    GBytes *bytes;
};

sieve_pdf *sieve_pdf_open(const uint8_t *data, int64_t length, int32_t *status, char *message, int32_t capacity) {
    const char *unavailable = unavailable_reason();
    if (unavailable) {
        *status = SIEVE_PDF_UNAVAILABLE;
        if (capacity > 0) snprintf(message, (size_t)capacity, "%s", unavailable);
        return NULL;
    }
    GError *error = NULL;
    GBytes *bytes = api.bytes_new_static(data, (size_t)length);
    PopplerDocument *document = api.document_new_from_bytes(bytes, NULL, &error);
    if (!document) {
        *status = (error && error->domain == api.error_quark() && error->code == POPPLER_ERROR_ENCRYPTED)
            ? SIEVE_PDF_ENCRYPTED : SIEVE_PDF_ERROR;
        if (capacity > 0) {
            snprintf(message, (size_t)capacity, "%s", error && error->message ? error->message : "unreadable PDF");
        }
        if (error) api.error_free(error);
        api.bytes_unref(bytes);
        return NULL;
    }
    sieve_pdf *pdf = calloc(1, sizeof *pdf);
    pdf->document = document;
    pdf->bytes = bytes;
    *status = SIEVE_PDF_OK;
    return pdf;
}

int32_t sieve_pdf_page_count(const sieve_pdf *pdf) { return api.document_get_n_pages(pdf->document); }

/// Past the UTF-8 character at `s` (poppler's text is UTF-8), as glib's
/// `g_utf8_next_char` steps: by the length its lead byte announces.
static const char *next_character(const char *s) { return s + (*api.utf8_skip)[(unsigned char)*s]; }

/// Whether `text` holds a right-to-left letter (Hebrew, Arabic, Syriac, Thaana, N'Ko and
/// their presentation forms).
static int has_right_to_left(const char *text) {
    for (const char *s = text; *s; s = next_character(s)) {
        uint32_t c = api.utf8_get_char(s);
        if ((c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF)) return 1;
    }
    return 0;
}

static int32_t visible_characters(const char *text) {
    int32_t n = 0;
    for (const char *s = text; *s; s = next_character(s)) {
        uint32_t c = api.utf8_get_char(s);
        if (!api.unichar_isspace(c) && !(c >= 0x202A && c <= 0x202E)) n++;
    }
    return n;
}

int32_t sieve_pdf_page_text(sieve_pdf *pdf, int32_t index, sieve_pdf_page *out) {
    memset(out, 0, sizeof *out);
    PopplerPage *page = api.document_get_page(pdf->document, index);
    if (!page) return -1;
    api.page_get_size(page, &out->width, &out->height);
    // A selection from the top-left corner leaves out the first line of a page's first
    // right-to-left block and the last line of its last one (poppler starts and ends a
    // selection inside a line at the selection's corner, which is that line's logical
    // end). Selected from the top-right corner, the same lines come whole, but
    // left-to-right lines lose theirs. A page with right-to-left letters keeps the
    // selection that holds more characters.
    PopplerRectangle area = {0, 0, out->width, out->height};
    out->text = api.page_get_text_for_area(page, &area);
    if (out->text && has_right_to_left(out->text)) {
        PopplerRectangle reversed = {out->width, 0, 0, out->height};
        char *other = api.page_get_text_for_area(page, &reversed);
        if (other && visible_characters(other) > visible_characters(out->text)) {
            api.free(out->text);
            out->text = other;
            area = reversed;
        } else {
            api.free(other);
        }
    }
    PopplerRectangle *rects = NULL;
    unsigned n = 0;
    if (out->text && api.page_get_text_layout_for_area(page, &area, &rects, &n) && n > 0) {
        out->boxes = malloc(sizeof(double) * 4 * n);
        for (unsigned i = 0; i < n; i++) {
            out->boxes[4 * i] = rects[i].x1;
            out->boxes[4 * i + 1] = rects[i].y1;
            out->boxes[4 * i + 2] = rects[i].x2;
            out->boxes[4 * i + 3] = rects[i].y2;
        }
        out->box_count = (int32_t)n;
        api.free(rects);
    }
    api.object_unref(page);
    return 0;
}

void sieve_pdf_page_free(sieve_pdf_page *page) {
    if (page->text) api.free(page->text);
    free(page->boxes);
    memset(page, 0, sizeof *page);
}

char *sieve_pdf_metadata(sieve_pdf *pdf, int32_t field) {
    switch (field) {
    case SIEVE_PDF_TITLE: return api.document_get_title(pdf->document);
    case SIEVE_PDF_AUTHOR: return api.document_get_author(pdf->document);
    case SIEVE_PDF_PRODUCER: return api.document_get_producer(pdf->document);
    case SIEVE_PDF_CREATED: {
        GDateTime *created = api.document_get_creation_date_time(pdf->document);
        if (!created) return NULL;
        char *iso = api.date_time_format_iso8601(created);
        api.date_time_unref(created);
        return iso;
    }
    default: return NULL;
    }
}

void sieve_pdf_string_free(char *string) {
    if (string) api.free(string);
}

void sieve_pdf_close(sieve_pdf *pdf) {
    if (!pdf) return;
    api.object_unref(pdf->document);
    api.bytes_unref(pdf->bytes);
    free(pdf);
}
