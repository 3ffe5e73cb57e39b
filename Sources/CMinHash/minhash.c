#include "sieve_minhash.h"

// The loop over hash functions vectorizes; with AVX2 it runs four 64-bit lanes at a
// time. target_clones compiles it for AVX2 and for baseline x86-64 and picks one when
// the program loads (an ELF ifunc, hence Linux only), so the binary still runs on CPUs
// without AVX2.
#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
void sieve_minhash_update(const uint64_t *restrict shingles, size_t count, const uint64_t *restrict a,
                          const uint64_t *restrict b, uint32_t *restrict minima, size_t k) {
    for (size_t s = 0; s < count; s++) {
        const uint64_t x = shingles[s];
        for (size_t i = 0; i < k; i++) {
            const uint32_t v = (uint32_t)((a[i] * x + b[i]) >> 32);
            minima[i] = v < minima[i] ? v : minima[i];
        }
    }
}
