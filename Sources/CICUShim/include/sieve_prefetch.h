// A cache prefetch hint for Swift hot loops over large tables (Swift has no intrinsic
// for it). Not ICU; it lives in this C target because SieveLangID already imports it.
#ifndef SIEVE_PREFETCH_H
#define SIEVE_PREFETCH_H

static inline void sieve_prefetch(const void *address) { __builtin_prefetch(address, 0, 1); }

#endif
