// Sieve's window on ICU. Only plain C types cross this boundary: Foundation on Linux
// carries its own ICU headers, and a Swift module that sees both fails to compile.
#ifndef SIEVE_ICU_H
#define SIEVE_ICU_H

#include <stdint.h>

/// Writes NFC(src) as UTF-8 into `dst` (capacity `capacity` bytes) and returns its length,
/// or the length needed when it is larger than `capacity` (nothing useful is written
/// then), or -1 on an ICU error. Invalid UTF-8 must be repaired before calling.
int32_t sieve_nfc(const uint8_t *src, int32_t length, uint8_t *dst, int32_t capacity);

/// Fills `table` (0x110000 bytes, one per code point) with 1 where a code point can never
/// change under NFC by itself or with its neighbours' help: NFC quick check Yes and
/// canonical combining class 0. Text made only of such code points is NFC.
void sieve_nfc_stable_table(uint8_t *table);

/// Guesses the charset of `src` with ICU's detector and writes its name (NUL-terminated)
/// into `name`; returns the confidence (0-100), or -1 when nothing was detected.
int32_t sieve_detect_charset(const uint8_t *src, int32_t length, char *name, int32_t capacity);

/// Converts `src` from `charset` (any name ICU knows) to UTF-8 into `dst`; returns the
/// length, the length needed when larger than `capacity`, or -1 for an unknown charset.
/// Bytes invalid in the charset become U+FFFD.
int32_t sieve_to_utf8(const char *charset, const uint8_t *src, int32_t length, uint8_t *dst, int32_t capacity);

/// 1 when ICU has a converter for `charset`, else 0.
int32_t sieve_charset_known(const char *charset);

/// Fills, for every code point (0x110000 entries each): `scripts` with its ICU script
/// code (UScriptCode, all below 256; 0 Common, 1 Inherited, 103 Unknown), `classes` with
/// 1 for letters and marks (general category L*, M*), 2 for decimal digits, 3 for
/// control, private-use, unassigned and surrogate code points, 0 otherwise, and
/// `lower` (0x10000 entries) with the simple lowercase of each BMP code point.
void sieve_script_tables(uint8_t *scripts, uint8_t *classes, uint16_t *lower);

/// Writes the ISO 15924 code of ICU script `code` ("Latn", "Hani"; NUL-terminated) into
/// `name`; returns its length, or -1 for a code ICU does not know.
int32_t sieve_script_name(int32_t code, char *name, int32_t capacity);

/// Character classes the way Python and its `regex` module see them, one bit set per
/// code point (see `sieve_char_class_table`).
enum {
    SIEVE_CC_ALPHA = 1,        // str.isalpha: general category L*
    SIEVE_CC_UPPER = 2,        // str.isupper of one character: property Uppercase
    SIEVE_CC_LOWER = 4,        // str.islower of one character: property Lowercase
    SIEVE_CC_PYSPACE = 8,      // str.isspace: bidi class WS, B or S, or category Zs
    SIEVE_CC_DECIMAL = 16,     // \d: category Nd
    SIEVE_CC_RE_WORD = 32,     // \w of Python's re: str.isalnum() or '_'
    SIEVE_CC_REGEX_WORD = 64,  // \w of the regex module: Alphabetic, marks, Nd, Pc, Join_Control
    SIEVE_CC_REGEX_SPACE = 128 // \s of the regex module: property White_Space
};

/// Fills `table` (0x110000 entries) with the SIEVE_CC_* bits of every code point.
void sieve_char_class_table(uint16_t *table);

/// Writes the full lowercase of `src` (UTF-32, `length` code points; root locale, so
/// final sigma and multi-character mappings as Python's str.lower) into `dst`; returns
/// the number of code points, or the number needed when larger than `capacity`.
int32_t sieve_lowercase_utf32(const uint32_t *src, int32_t length, uint32_t *dst, int32_t capacity);

/// Word boundaries of `src` (UTF-32, `length` code points) by ICU's word break iterator
/// for `locale` (dictionary-based for Chinese, Japanese, Thai, Lao, Khmer, Burmese):
/// writes the [start, end) code-point offsets of each segment that holds a letter,
/// digit, kana or ideograph into `spans` (2 entries per word) and returns the number of
/// words, the number found when more than `capacity` words, or -1 on an ICU error.
int32_t sieve_word_spans(const char *locale, const uint32_t *src, int32_t length, int32_t *spans, int32_t capacity);

#endif
