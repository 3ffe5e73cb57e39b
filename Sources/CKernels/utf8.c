#include "sieve_kernels.h"
#include <string.h>

// UTF-8 validation: the scalar loop is the definition (and the path for CPUs without AVX2);
// the AVX2 path is Keiser and Lemire's "lookup" algorithm ("Validating UTF-8 in less than
// one instruction per byte", Software: Practice and Experience, 2021), as simdjson and
// simdutf implement it: each byte and the one before it index three 16-entry tables whose
// AND is non-zero exactly where a two-byte pattern is an error (too short, too long,
// overlong, surrogate, above U+10FFFF, stray continuation); the third and fourth bytes of
// longer sequences are checked by shifting the lead bytes in. Documents are mostly
// validated, never decoded, so a string costs a copy instead of a scalar walk.

int32_t sieve_utf8_valid_scalar(const uint8_t *s, int64_t n) {
    int64_t i = 0;
    while (i < n) {
        // Eight ASCII bytes at a time.
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        int64_t len;
        uint8_t lo = 0x80, hi = 0xBF;   // the allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
        else return 0;
        if (i + len > n) return 0;
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (int64_t k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

#if defined(__x86_64__)
#include <immintrin.h>

enum {
    TOO_SHORT = 1 << 0, TOO_LONG = 1 << 1, OVERLONG_3 = 1 << 2, TOO_LARGE = 1 << 3,
    SURROGATE = 1 << 4, OVERLONG_2 = 1 << 5, TOO_LARGE_1000 = 1 << 6, OVERLONG_4 = 1 << 6,
    TWO_CONTS = 1 << 7, CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS
};

__attribute__((target("avx2")))
static inline __m256i table16(__m256i index, uint8_t t0, uint8_t t1, uint8_t t2, uint8_t t3, uint8_t t4, uint8_t t5,
                              uint8_t t6, uint8_t t7, uint8_t t8, uint8_t t9, uint8_t t10, uint8_t t11, uint8_t t12,
                              uint8_t t13, uint8_t t14, uint8_t t15) {
    __m256i table = _mm256_setr_epi8((char)t0, (char)t1, (char)t2, (char)t3, (char)t4, (char)t5, (char)t6, (char)t7,
                                     (char)t8, (char)t9, (char)t10, (char)t11, (char)t12, (char)t13, (char)t14, (char)t15,
                                     (char)t0, (char)t1, (char)t2, (char)t3, (char)t4, (char)t5, (char)t6, (char)t7,
                                     (char)t8, (char)t9, (char)t10, (char)t11, (char)t12, (char)t13, (char)t14, (char)t15);
    return _mm256_shuffle_epi8(table, index);
}

/// The input shifted right by n bytes across the block boundary: byte i holds byte i - n,
/// taken from the previous block where i < n.
#define PREV(input, previous, n) \
    _mm256_alignr_epi8((input), _mm256_permute2x128_si256((previous), (input), 0x21), 16 - (n))

__attribute__((target("avx2")))
static inline __m256i block_errors(__m256i input, __m256i previous) {
    const __m256i low_nibble = _mm256_set1_epi8(0x0F);
    __m256i prev1 = PREV(input, previous, 1);
    __m256i byte_1_high = table16(_mm256_and_si256(_mm256_srli_epi16(prev1, 4), low_nibble),
        TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
        TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
        TOO_SHORT | OVERLONG_2,
        TOO_SHORT,
        TOO_SHORT | OVERLONG_3 | SURROGATE,
        TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);
    __m256i byte_1_low = table16(_mm256_and_si256(prev1, low_nibble),
        CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
        CARRY | OVERLONG_2,
        CARRY,
        CARRY,
        CARRY | TOO_LARGE,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000);
    __m256i byte_2_high = table16(_mm256_and_si256(_mm256_srli_epi16(input, 4), low_nibble),
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT);
    __m256i special = _mm256_and_si256(_mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);
    // A third or fourth byte must be a continuation exactly where a lead byte two or three
    // back says so; the tables marked every continuation after a continuation (TWO_CONTS).
    __m256i prev2 = PREV(input, previous, 2), prev3 = PREV(input, previous, 3);
    __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must23, special);
}

/// Non-zero where the block ends inside a sequence (a lead byte too close to the end).
__attribute__((target("avx2")))
static inline __m256i incomplete(__m256i input) {
    const __m256i max = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
    return _mm256_subs_epu8(input, max);
}

__attribute__((target("avx2")))
static int32_t valid_avx2(const uint8_t *s, int64_t n) {
    __m256i error = _mm256_setzero_si256(), previous = _mm256_setzero_si256();
    __m256i previous_incomplete = _mm256_setzero_si256();
    int64_t i = 0;
    uint8_t tail[32];
    for (;;) {
        __m256i input;
        if (i + 32 <= n) {
            input = _mm256_loadu_si256((const __m256i *)(s + i));
        } else if (i < n) {
            memset(tail, 0, 32);
            memcpy(tail, s + i, (size_t)(n - i));
            input = _mm256_loadu_si256((const __m256i *)tail);
        } else {
            break;
        }
        if (_mm256_movemask_epi8(input) == 0) {
            // ASCII after a block that ended inside a sequence.
            error = _mm256_or_si256(error, previous_incomplete);
            previous_incomplete = _mm256_setzero_si256();
        } else {
            error = _mm256_or_si256(error, block_errors(input, previous));
            previous_incomplete = incomplete(input);
        }
        previous = input;
        i += 32;
        if ((i & 1023) == 0 && !_mm256_testz_si256(error, error)) return 0;
    }
    error = _mm256_or_si256(error, previous_incomplete);
    return _mm256_testz_si256(error, error);
}

int32_t sieve_utf8_valid(const uint8_t *s, int64_t n) {
    static int avx2 = -1;
    if (avx2 < 0) avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    return avx2 ? valid_avx2(s, n) : sieve_utf8_valid_scalar(s, n);
}
#else
int32_t sieve_utf8_valid(const uint8_t *s, int64_t n) { return sieve_utf8_valid_scalar(s, n); }
#endif
