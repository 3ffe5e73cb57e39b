#ifndef SIEVE_MINHASH_H
#define SIEVE_MINHASH_H

#include <stddef.h>
#include <stdint.h>

/// For each shingle hash x in `shingles[0..<count]` and each hash function i < `k`:
/// minima[i] = min(minima[i], (uint32_t)((a[i] * x + b[i]) >> 32)), arithmetic modulo 2^64.
/// The MinHash kernel; `MinHasher.referenceSignature` is the plain Swift version the
/// tests compare it with.
void sieve_minhash_update(const uint64_t *shingles, size_t count, const uint64_t *a, const uint64_t *b,
                          uint32_t *minima, size_t k);

#endif
