#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

/// A hint to load the cache line at `address` ahead of use. Lookups in large hash tables
/// (the tokenizer's vocabulary, merges and piece cache) are memory-latency bound: issuing
/// the loads of several independent lookups first lets them overlap.
static inline void sieve_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// Bytes that threads read and write without a lock, each write idempotent (every thread
/// would write the same value): relaxed atomics make that well defined, at the cost of a
/// plain load or store.
static inline unsigned char sieve_load_relaxed_u8(const unsigned char *address) {
    return __atomic_load_n(address, __ATOMIC_RELAXED);
}

static inline void sieve_store_relaxed_u8(unsigned char *address, unsigned char value) {
    __atomic_store_n(address, value, __ATOMIC_RELAXED);
}

/// Has the kernel SIGKILL this process when its parent dies (Linux's PR_SET_PDEATHSIG):
/// a task that `sieve run --tasks N` started must not outlive a killed run and write into
/// the output beside the next one. Returns 0 when set and the parent is still `parent`,
/// 1 when the parent is already gone, -1 when the kernel refused.
static inline int sieve_die_with_parent(int parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -1;
    return getppid() == parent ? 0 : 1;
}
