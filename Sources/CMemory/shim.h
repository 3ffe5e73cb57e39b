// sync_file_range is a GNU extension of fcntl.h.
#define _GNU_SOURCE 1
#include <fcntl.h>
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

/// Starts writing `fd`'s dirty pages to disk without waiting (Linux's sync_file_range with
/// SYNC_FILE_RANGE_WRITE). Started for many files before the first fsync waits, the
/// writes reach the disk together instead of one file's after another's. Returns 0, or
/// -1 with errno set where the file system does not support it (fsync still works).
static inline int sieve_start_writeback(int fd) {
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}
