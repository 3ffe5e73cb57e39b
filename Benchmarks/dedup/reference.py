"""Sieve's MinHash scheme (docs/dedup.md) in plain Python: the independent reference the
tests compare signatures with, and the exact Jaccard of the quality benchmark.

Word segmentation by dictionary (Han, kana, Thai, ...) needs ICU and is not
reproduced here; texts in those scripts are outside what this reference covers.
"""
import struct

import regex
import xxhash

MASK64 = (1 << 64) - 1
WORD = regex.compile(r"\w+")


def words(text):
    """Lowercased word-character runs, each run of decimal digits as '0'."""
    out = []
    for run in WORD.findall(text.lower()):
        word, in_digits = [], False
        for c in run:
            if c.isdecimal():
                if not in_digits:
                    word.append("0")
                in_digits = True
            else:
                word.append(c)
                in_digits = False
        out.append("".join(word))
    return out


def word_shingles(text, n=5):
    hashes = [xxhash.xxh64_intdigest(w.encode("utf-32-le")) for w in words(text)]
    if not hashes:
        return []
    k = min(n, len(hashes))
    return [xxhash.xxh64_intdigest(struct.pack(f"<{k}Q", *hashes[i:i + k])) for i in range(len(hashes) - k + 1)]


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def permutations(count, seed=1):
    state, a, b = seed, [], []
    for _ in range(count):
        state, x = splitmix64(state)
        a.append(x | 1)
        state, y = splitmix64(state)
        b.append(y)
    return a, b


def signature(shingles, bands=14, rows=8, seed=1):
    if not shingles:
        return None
    a, b = permutations(bands * rows, seed)
    return [min((((ai * x + bi) & MASK64) >> 32) for x in shingles) for ai, bi in zip(a, b)]


def band_keys(sig, bands=14, rows=8):
    return [xxhash.xxh64_intdigest(struct.pack(f"<{rows}I", *sig[band * rows:(band + 1) * rows]), seed=band)
            for band in range(bands)]


def jaccard(a, b):
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 1.0
