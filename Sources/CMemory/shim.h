#include <malloc.h>

/// A hint to load the cache line at `address` ahead of use. Lookups in large hash tables
/// (the tokenizer's vocabulary, merges and piece cache) are memory-latency bound: issuing
/// the loads of several independent lookups first lets them overlap.
static inline void sieve_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
