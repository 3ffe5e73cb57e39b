#ifndef SIEVE_KERNELS_H
#define SIEVE_KERNELS_H
#include <stdint.h>

/// The matrix-multiply micro-kernel: C[6 x 16] (row stride ldc) = or += A · B over k,
/// where A is a packed 6-row strip (6 floats per step of k) and B 16 columns, each step
/// of k `ldb` floats after the last (16 when packed; B's row stride when read in place). Compiled for FMA (256-bit AVX) and for baseline x86-64;
/// the choice is made when the program loads.
void sieve_sgemm_6x16(int64_t k, const float *a, const float *b, int64_t ldb, float *c, int64_t ldc, int32_t accumulate);

/// For each feature in order, bucket b = features[k] & mask: sum[i] += scales[b] *
/// weights[b * width + i] for i < width (int8 weights widened to float). Compiled for
/// AVX2 and baseline x86-64; equal bit for bit to the plain loop.
void sieve_int8_rows_accumulate(const int8_t *weights, const float *scales, const uint32_t *features, int64_t count,
                                uint32_t mask, int64_t width, float *sum);

/// 1 when the n bytes at s are well-formed UTF-8 (no overlong forms, surrogates or values
/// above U+10FFFF, no sequence cut at the end), else 0. AVX2 where the CPU has it; the
/// scalar form is the reference the tests hold it to.
int32_t sieve_utf8_valid(const uint8_t *s, int64_t n);
int32_t sieve_utf8_valid_scalar(const uint8_t *s, int64_t n);

#endif
