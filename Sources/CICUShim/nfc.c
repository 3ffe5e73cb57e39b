#include "sieve_icu.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uset.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

static const UNormalizer2 *nfc(void) {
    static const UNormalizer2 *instance;
    if (!instance) {
        UErrorCode status = U_ZERO_ERROR;
        instance = unorm2_getNFCInstance(&status);
        if (U_FAILURE(status)) instance = NULL;
    }
    return instance;
}

/* UTF-8 -> UTF-16 into a malloc'ed buffer; *out_length receives the UTF-16 length. */
static UChar *to_utf16(const uint8_t *src, int32_t length, int32_t *out_length) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = 0;
    u_strFromUTF8(NULL, 0, &needed, (const char *)src, length, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return NULL;
    UChar *buffer = malloc(sizeof(UChar) * (size_t)(needed + 1));
    if (!buffer) return NULL;
    status = U_ZERO_ERROR;
    u_strFromUTF8(buffer, needed + 1, out_length, (const char *)src, length, &status);
    if (U_FAILURE(status)) {
        free(buffer);
        return NULL;
    }
    return buffer;
}

/* NFC of UTF-16 `text` into `out` (capacity `capacity`); returns the length, the length
   needed when larger, or -1. */
static int32_t normalize_to_utf8(const UNormalizer2 *n, const UChar *text, int32_t units,
                                 UChar *scratch, int32_t scratch_capacity,
                                 uint8_t *dst, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t got = unorm2_normalize(n, text, units, scratch, scratch_capacity, &status);
    UChar *normalized = scratch;
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) {
        normalized = malloc(sizeof(UChar) * (size_t)(got + 1));
        if (!normalized) return -1;
        status = U_ZERO_ERROR;
        got = unorm2_normalize(n, text, units, normalized, got + 1, &status);
    }
    int32_t bytes = -1;
    if (U_SUCCESS(status)) {
        status = U_ZERO_ERROR;
        u_strToUTF8((char *)dst, capacity, &bytes, normalized, got, &status);
        if (U_FAILURE(status) && status != U_BUFFER_OVERFLOW_ERROR) bytes = -1;
    }
    if (normalized != scratch) free(normalized);
    return bytes;
}

int32_t sieve_nfc(const uint8_t *src, int32_t length, uint8_t *dst, int32_t capacity) {
    const UNormalizer2 *n = nfc();
    if (!n) return -1;
    /* Short text (the spans around combining marks that Normalization.nfc sends) is
       converted in buffers on the stack: no allocation, one pass of each step. */
    enum { SMALL = 256 };
    if (length <= SMALL) {
        UChar text[SMALL], normalized[3 * SMALL];
        UErrorCode status = U_ZERO_ERROR;
        int32_t units = 0;
        u_strFromUTF8(text, SMALL, &units, (const char *)src, length, &status);
        if (U_FAILURE(status)) return -1;
        return normalize_to_utf8(n, text, units, normalized, 3 * SMALL, dst, capacity);
    }
    int32_t units = 0;
    UChar *text = to_utf16(src, length, &units);
    if (!text) return -1;
    int32_t bytes = normalize_to_utf8(n, text, units, NULL, 0, dst, capacity);
    free(text);
    return bytes;
}

void sieve_nfc_stable_table(uint8_t *table) {
    memset(table, 1, 0x110000);
    /* The code points that are not stable, as ranges: quick check No or Maybe, or a
       non-zero combining class. */
    static const UChar pattern[] = u"[[:NFC_QC=N:][:NFC_QC=M:][:^ccc=0:]]";
    UErrorCode status = U_ZERO_ERROR;
    USet *unstable = uset_openPattern(pattern, -1, &status);
    if (U_FAILURE(status)) {
        memset(table, 0, 0x110000);   /* unknown: send everything through the normalizer */
        return;
    }
    int32_t items = uset_getItemCount(unstable);
    for (int32_t i = 0; i < items; i++) {
        UChar32 start, end;
        status = U_ZERO_ERROR;
        if (uset_getItem(unstable, i, &start, &end, NULL, 0, &status) == 0 && U_SUCCESS(status)) {
            memset(table + start, 0, (size_t)(end - start + 1));
        }
    }
    uset_close(unstable);
}
