// Charset detection and conversion to UTF-8, for HTML whose bytes are not UTF-8.
#include "sieve_icu.h"

#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>

int32_t sieve_detect_charset(const uint8_t *src, int32_t length, char *name, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    UCharsetDetector *detector = ucsdet_open(&status);
    if (U_FAILURE(status)) return -1;
    // Markup is ASCII and says nothing about the charset: let ICU skip it.
    ucsdet_enableInputFilter(detector, 1);
    ucsdet_setText(detector, (const char *)src, length, &status);
    const UCharsetMatch *match = ucsdet_detect(detector, &status);
    int32_t confidence = -1;
    if (U_SUCCESS(status) && match) {
        const char *found = ucsdet_getName(match, &status);
        if (U_SUCCESS(status) && found && (int32_t)strlen(found) < capacity) {
            strcpy(name, found);
            confidence = ucsdet_getConfidence(match, &status);
        }
    }
    ucsdet_close(detector);
    return U_SUCCESS(status) ? confidence : -1;
}

int32_t sieve_to_utf8(const char *charset, const uint8_t *src, int32_t length, uint8_t *dst, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = ucnv_convert("UTF-8", charset, (char *)dst, capacity, (const char *)src, length, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) return n;
    return U_FAILURE(status) ? -1 : n;
}

int32_t sieve_charset_known(const char *charset) {
    UErrorCode status = U_ZERO_ERROR;
    UConverter *converter = ucnv_open(charset, &status);
    if (U_FAILURE(status) || !converter) return 0;
    ucnv_close(converter);
    return 1;
}
