#include "sieve_kernels.h"

// The language-ID model's inner loop (LanguageDetector.logits): its Swift form runs on
// baseline x86-64, where widening int8 to float takes several instructions per lane.
// target_clones builds it for AVX2 and for baseline x86-64 and picks one when the
// program loads. No contraction into FMA: the sums must equal the plain loop's bit for
// bit (same products, same additions, same order), so that no decision changes.
#pragma STDC FP_CONTRACT OFF

__attribute__((target_clones("avx2", "default")))
void sieve_int8_rows_accumulate(const int8_t *restrict weights, const float *restrict scales,
                                const uint32_t *restrict features, int64_t count, uint32_t mask,
                                int64_t width, float *restrict sum) {
    const int64_t ahead = 8;
    for (int64_t k = 0; k < count; k++) {
        if (k + ahead < count) {
            uint32_t next = features[k + ahead] & mask;
            __builtin_prefetch(weights + (int64_t)next * width);
            __builtin_prefetch(scales + next);
        }
        uint32_t bucket = features[k] & mask;
        float scale = scales[bucket];
        const int8_t *row = weights + (int64_t)bucket * width;
        for (int64_t i = 0; i < width; i++) {
            float product = scale * (float)row[i];
            sum[i] = sum[i] + product;
        }
    }
}
