// Reads PDF text and metadata with poppler-glib.
#include "sieve_pdf.h"

#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sieve_pdf {
    PopplerDocument *document;
    GBytes *bytes;
};

sieve_pdf *sieve_pdf_open(const uint8_t *data, int64_t length, int32_t *status, char *message, int32_t capacity) {
    GError *error = NULL;
    GBytes *bytes = g_bytes_new_static(data, (gsize)length);
    PopplerDocument *document = poppler_document_new_from_bytes(bytes, NULL, &error);
    if (!document) {
        *status = (error && error->domain == POPPLER_ERROR && error->code == POPPLER_ERROR_ENCRYPTED)
            ? SIEVE_PDF_ENCRYPTED : SIEVE_PDF_ERROR;
        if (capacity > 0) {
            snprintf(message, (size_t)capacity, "%s", error && error->message ? error->message : "unreadable PDF");
        }
        if (error) g_error_free(error);
        g_bytes_unref(bytes);
        return NULL;
    }
    sieve_pdf *pdf = calloc(1, sizeof *pdf);
    pdf->document = document;
    pdf->bytes = bytes;
    *status = SIEVE_PDF_OK;
    return pdf;
}

int32_t sieve_pdf_page_count(const sieve_pdf *pdf) { return poppler_document_get_n_pages(pdf->document); }

/// Whether `text` holds a right-to-left letter (Hebrew, Arabic, Syriac, Thaana, N'Ko and
/// their presentation forms).
static int has_right_to_left(const char *text) {
    for (const char *s = text; *s; s = g_utf8_next_char(s)) {
        gunichar c = g_utf8_get_char(s);
        if ((c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF)) return 1;
    }
    return 0;
}

static int32_t visible_characters(const char *text) {
    int32_t n = 0;
    for (const char *s = text; *s; s = g_utf8_next_char(s)) {
        gunichar c = g_utf8_get_char(s);
        if (!g_unichar_isspace(c) && !(c >= 0x202A && c <= 0x202E)) n++;
    }
    return n;
}

int32_t sieve_pdf_page_text(sieve_pdf *pdf, int32_t index, sieve_pdf_page *out) {
    memset(out, 0, sizeof *out);
    PopplerPage *page = poppler_document_get_page(pdf->document, index);
    if (!page) return -1;
    poppler_page_get_size(page, &out->width, &out->height);
    // A selection from the top-left corner leaves out the first line of a page's first
    // right-to-left block and the last line of its last one (poppler starts and ends a
    // selection inside a line at the selection's corner, which is that line's logical
    // end). Selected from the top-right corner, the same lines come whole, but
    // left-to-right lines lose theirs. A page with right-to-left letters keeps the
    // selection that holds more characters.
    PopplerRectangle area = {0, 0, out->width, out->height};
    out->text = poppler_page_get_text_for_area(page, &area);
    if (out->text && has_right_to_left(out->text)) {
        PopplerRectangle reversed = {out->width, 0, 0, out->height};
        char *other = poppler_page_get_text_for_area(page, &reversed);
        if (other && visible_characters(other) > visible_characters(out->text)) {
            g_free(out->text);
            out->text = other;
            area = reversed;
        } else {
            g_free(other);
        }
    }
    PopplerRectangle *rects = NULL;
    guint n = 0;
    if (out->text && poppler_page_get_text_layout_for_area(page, &area, &rects, &n) && n > 0) {
        out->boxes = malloc(sizeof(double) * 4 * n);
        for (guint i = 0; i < n; i++) {
            out->boxes[4 * i] = rects[i].x1;
            out->boxes[4 * i + 1] = rects[i].y1;
            out->boxes[4 * i + 2] = rects[i].x2;
            out->boxes[4 * i + 3] = rects[i].y2;
        }
        out->box_count = (int32_t)n;
        g_free(rects);
    }
    g_object_unref(page);
    return 0;
}

void sieve_pdf_page_free(sieve_pdf_page *page) {
    g_free(page->text);
    free(page->boxes);
    memset(page, 0, sizeof *page);
}

char *sieve_pdf_metadata(sieve_pdf *pdf, int32_t field) {
    switch (field) {
    case SIEVE_PDF_TITLE: return poppler_document_get_title(pdf->document);
    case SIEVE_PDF_AUTHOR: return poppler_document_get_author(pdf->document);
    case SIEVE_PDF_PRODUCER: return poppler_document_get_producer(pdf->document);
    case SIEVE_PDF_CREATED: {
        GDateTime *created = poppler_document_get_creation_date_time(pdf->document);
        if (!created) return NULL;
        char *iso = g_date_time_format_iso8601(created);
        g_date_time_unref(created);
        return iso;
    }
    default: return NULL;
    }
}

void sieve_pdf_string_free(char *string) { g_free(string); }

void sieve_pdf_close(sieve_pdf *pdf) {
    if (!pdf) return;
    g_object_unref(pdf->document);
    g_bytes_unref(pdf->bytes);
    free(pdf);
}
