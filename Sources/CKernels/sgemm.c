#include "sieve_kernels.h"
#include <string.h>

// Eight floats, unaligned: packed panels are only float-aligned.
typedef float v8 __attribute__((vector_size(32), aligned(4)));

// 12 accumulators of 8 floats hold the 6 x 16 block of C in registers (16 on AVX2); each
// step of k loads two vectors of B, broadcasts six values of A and does 12 multiply-adds.
// target_clones builds it with FMA (which implies 256-bit AVX) and for baseline x86-64,
// and picks one at load time by CPU feature (an ELF ifunc), so the program still runs on
// CPUs without FMA. Not "arch=haswell": that clone is chosen by CPU model, and an AMD
// EPYC with every Haswell feature got the baseline one.
#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
__attribute__((target_clones("fma", "default")))
#endif
void sieve_sgemm_6x16(int64_t k, const float *restrict a, const float *restrict b, int64_t ldb, float *restrict c,
                      int64_t ldc, int32_t accumulate) {
    v8 c0a = {0}, c0b = {0}, c1a = {0}, c1b = {0}, c2a = {0}, c2b = {0};
    v8 c3a = {0}, c3b = {0}, c4a = {0}, c4b = {0}, c5a = {0}, c5b = {0};
    for (int64_t p = 0; p < k; p++) {
        v8 b0, b1;
        memcpy(&b0, b, sizeof b0);
        memcpy(&b1, b + 8, sizeof b1);
        // A scalar times a vector broadcasts it (vbroadcastss from memory with AVX).
        const float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];
        c0a += a0 * b0; c0b += a0 * b1;
        c1a += a1 * b0; c1b += a1 * b1;
        c2a += a2 * b0; c2b += a2 * b1;
        c3a += a3 * b0; c3b += a3 * b1;
        c4a += a4 * b0; c4b += a4 * b1;
        c5a += a5 * b0; c5b += a5 * b1;
        a += 6;
        b += ldb;
    }
    v8 rows[12] = {c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b, c4a, c4b, c5a, c5b};
    for (int r = 0; r < 6; r++) {
        float *out = c + r * ldc;
        if (accumulate) {
            v8 x, y;
            memcpy(&x, out, sizeof x);
            memcpy(&y, out + 8, sizeof y);
            x += rows[2 * r];
            y += rows[2 * r + 1];
            memcpy(out, &x, sizeof x);
            memcpy(out + 8, &y, sizeof y);
        } else {
            memcpy(out, &rows[2 * r], sizeof rows[0]);
            memcpy(out + 8, &rows[2 * r + 1], sizeof rows[0]);
        }
    }
}
