// Sieve's window on poppler-glib: plain C types only, so that Swift never sees the
// glib/cairo headers. poppler-glib itself is loaded on first use (pdf.c).
#ifndef SIEVE_PDF_H
#define SIEVE_PDF_H

#include <stdint.h>

typedef struct sieve_pdf sieve_pdf;

enum { SIEVE_PDF_OK = 0, SIEVE_PDF_ENCRYPTED = 1, SIEVE_PDF_ERROR = 2, SIEVE_PDF_UNAVAILABLE = 3 };

/// Opens a PDF held in memory (the bytes must outlive the document). NULL on failure,
/// with `*status` ENCRYPTED, ERROR or UNAVAILABLE (poppler-glib could not be loaded) and
/// the reason in `message`.
sieve_pdf *sieve_pdf_open(const uint8_t *data, int64_t length, int32_t *status, char *message, int32_t capacity);

int32_t sieve_pdf_page_count(const sieve_pdf *pdf);

/// One page's text in poppler's reading order, with one box per character.
typedef struct sieve_pdf_page {
    /// UTF-8, NUL-terminated.
    char *text;
    /// `box_count` boxes of 4 doubles (x1, y1, x2, y2; y grows downwards), one per
    /// character (code point) of `text`.
    double *boxes;
    int32_t box_count;
    double width, height;
} sieve_pdf_page;

/// Fills `page` for page `index`; 0 on success. Free with sieve_pdf_page_free.
int32_t sieve_pdf_page_text(sieve_pdf *pdf, int32_t index, sieve_pdf_page *page);
void sieve_pdf_page_free(sieve_pdf_page *page);

enum { SIEVE_PDF_TITLE = 0, SIEVE_PDF_AUTHOR = 1, SIEVE_PDF_PRODUCER = 2, SIEVE_PDF_CREATED = 3 };

/// A metadata field as UTF-8 (the creation date as ISO 8601), or NULL. Free with
/// sieve_pdf_string_free.
char *sieve_pdf_metadata(sieve_pdf *pdf, int32_t field);
void sieve_pdf_string_free(char *string);

void sieve_pdf_close(sieve_pdf *pdf);

#endif
