#include <string.h>
#include "sieve_icu.h"

#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

static uint16_t class_bits(UChar32 c, int8_t type) {
    uint16_t bits = 0;
    int alpha = type == U_UPPERCASE_LETTER || type == U_LOWERCASE_LETTER || type == U_TITLECASE_LETTER
        || type == U_MODIFIER_LETTER || type == U_OTHER_LETTER;
    if (alpha) bits |= SIEVE_CC_ALPHA;
    if (u_hasBinaryProperty(c, UCHAR_UPPERCASE)) bits |= SIEVE_CC_UPPER;
    if (u_hasBinaryProperty(c, UCHAR_LOWERCASE)) bits |= SIEVE_CC_LOWER;
    UCharDirection dir = u_charDirection(c);
    if (dir == U_WHITE_SPACE_NEUTRAL || dir == U_BLOCK_SEPARATOR || dir == U_SEGMENT_SEPARATOR
        || type == U_SPACE_SEPARATOR) bits |= SIEVE_CC_PYSPACE;
    if (type == U_DECIMAL_DIGIT_NUMBER) bits |= SIEVE_CC_DECIMAL;
    // str.isalnum: isalpha, isdecimal, isdigit or isnumeric, i.e. a letter or any
    // code point with a numeric type.
    if (alpha || u_getIntPropertyValue(c, UCHAR_NUMERIC_TYPE) != U_NT_NONE || c == '_')
        bits |= SIEVE_CC_RE_WORD;
    if (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || type == U_NON_SPACING_MARK
        || type == U_ENCLOSING_MARK || type == U_COMBINING_SPACING_MARK
        || type == U_DECIMAL_DIGIT_NUMBER || type == U_CONNECTOR_PUNCTUATION
        || u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL)) bits |= SIEVE_CC_REGEX_WORD;
    if (u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) bits |= SIEVE_CC_REGEX_SPACE;
    return bits;
}

static UBool fill_range(const void *context, UChar32 start, UChar32 limit, UCharCategory type) {
    uint16_t *table = (uint16_t *)context;
    // Unassigned, private-use and surrogate code points have none of the classes; they
    // are most of the code space, and skipping them makes building the table (once per
    // process) about seven times faster.
    if (type == U_UNASSIGNED || type == U_PRIVATE_USE_CHAR || type == U_SURROGATE) {
        memset(table + start, 0, sizeof(uint16_t) * (size_t)(limit - start));
    } else {
        for (UChar32 c = start; c < limit; c++) table[c] = class_bits(c, (int8_t)type);
    }
    return 1;
}

void sieve_char_class_table(uint16_t *table) {
    u_enumCharTypes(fill_range, table);
}

// UTF-32 to UTF-16 for ICU; returns the UTF-16 length and fills `map` (UTF-16 index ->
// code-point index, length + 1 entries) when non-NULL.
static UChar *to_utf16(const uint32_t *src, int32_t length, int32_t *out_length, int32_t **map) {
    UChar *dst = malloc(sizeof(UChar) * ((size_t)length * 2 + 1));
    int32_t *m = map ? malloc(sizeof(int32_t) * ((size_t)length * 2 + 1)) : NULL;
    if (!dst || (map && !m)) { free(dst); free(m); return NULL; }
    int32_t n = 0;
    for (int32_t i = 0; i < length; i++) {
        uint32_t c = src[i];
        if (m) m[n] = i;
        if (c >= 0x10000 && c < 0x110000) {
            dst[n++] = (UChar)(0xD7C0 + (c >> 10));
            if (m) m[n] = i;
            dst[n++] = (UChar)(0xDC00 | (c & 0x3FF));
        } else {
            dst[n++] = c < 0x110000 ? (UChar)c : 0xFFFD;
        }
    }
    if (m) m[n] = length;
    *out_length = n;
    if (map) *map = m;
    return dst;
}

int32_t sieve_lowercase_utf32(const uint32_t *src, int32_t length, uint32_t *dst, int32_t capacity) {
    int32_t n16 = 0;
    UChar *s16 = to_utf16(src, length, &n16, NULL);
    if (!s16) return -1;
    int32_t cap16 = n16 * 3 + 16;
    UChar *l16 = malloc(sizeof(UChar) * (size_t)cap16);
    if (!l16) { free(s16); return -1; }
    UErrorCode status = U_ZERO_ERROR;
    int32_t m16 = u_strToLower(l16, cap16, s16, n16, "", &status);
    free(s16);
    if (U_FAILURE(status)) { free(l16); return -1; }
    int32_t count = 0;
    for (int32_t i = 0; i < m16;) {
        UChar32 c;
        U16_NEXT(l16, i, m16, c);
        if (count < capacity) dst[count] = (uint32_t)c;
        count++;
    }
    free(l16);
    return count;
}

int32_t sieve_word_spans(const char *locale, const uint32_t *src, int32_t length, int32_t *spans, int32_t capacity) {
    int32_t n16 = 0;
    int32_t *map = NULL;
    UChar *s16 = to_utf16(src, length, &n16, &map);
    if (!s16) return -1;
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *it = ubrk_open(UBRK_WORD, locale, s16, n16, &status);
    if (U_FAILURE(status)) { free(s16); free(map); return -1; }
    int32_t count = 0;
    int32_t start = ubrk_first(it);
    for (int32_t end = ubrk_next(it); end != UBRK_DONE; start = end, end = ubrk_next(it)) {
        // Rule status below 100 (UBRK_WORD_NONE) marks spaces and punctuation.
        if (ubrk_getRuleStatus(it) < UBRK_WORD_NONE_LIMIT) continue;
        if (count < capacity) {
            spans[2 * count] = map[start];
            spans[2 * count + 1] = map[end];
        }
        count++;
    }
    ubrk_close(it);
    free(s16);
    free(map);
    return count;
}
