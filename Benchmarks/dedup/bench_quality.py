#!/usr/bin/env python3
"""Near-duplicate detection quality of `sieve dedup --minhash` against exact Jaccard.

Base documents are real text (ag_news news documents and language-ID paragraphs in 24
space-delimited languages, as in bench_speed.py). Each base gets one variant made by
controlled edits: word substitutions, insertions, deletions, reordered chunks,
boilerplate added, or a mix, at an intensity drawn so that similarities spread over
0.2-1.0. The true Jaccard of every (base, variant) pair is computed exactly on the
word 5-gram shingle sets (reference.py: the same normalization and shingles as
Sieve). The corpus (bases, then the variants in shuffled order) goes through
`sieve dedup --minhash`; a pair is detected when the variant lands in its base's
cluster. Reported per similarity bucket with the S-curve 1 - (1 - J^r)^b of the
bands and rows, and as recall at J >= 0.85 and J >= 0.8, precision for J >= 0.8,
and the false-positive rate at J <= 0.6. Unrelated bases dropped as duplicates of
each other count as false positives too.

    python3 Benchmarks/dedup/bench_quality.py [--docs 3000] [--bands 14 --rows 8] [--verify]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_speed  # noqa: E402
from bench_speed import timing  # noqa: E402
import reference  # noqa: E402

BOILERPLATE = ("We use cookies to improve your experience on our site and to show you relevant advertising. "
               "By continuing to browse you agree to our use of cookies. Read our privacy policy and terms of "
               "service. Subscribe to our newsletter for the latest news, offers and updates. Follow us on social "
               "media. Copyright all rights reserved. Home About Contact Careers Advertise Help Center Sitemap")


def variant(words, vocabulary, rng):
    """An edited copy of `words` and a description of the edits."""
    words = list(words)
    kind = rng.choice(["substitute", "insert", "delete", "reorder", "boilerplate", "mix"])
    k = max(1, int(len(words) * rng.uniform(0.0, 0.12)))
    kinds = ["substitute", "insert", "delete", "reorder", "boilerplate"] if kind == "mix" else [kind]
    for kind in kinds:
        if kind == "substitute":
            for _ in range(k):
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
        elif kind == "insert":
            for _ in range(k):
                words.insert(rng.randrange(len(words) + 1), rng.choice(vocabulary))
        elif kind == "delete":
            for _ in range(min(k, len(words) - 1)):
                del words[rng.randrange(len(words))]
        elif kind == "reorder":
            size = rng.randint(10, 40)
            chunks = [words[i:i + size] for i in range(0, len(words), size)]
            for _ in range(max(1, k // 8)):
                i, j = rng.randrange(len(chunks)), rng.randrange(len(chunks))
                chunks[i], chunks[j] = chunks[j], chunks[i]
            words = [w for c in chunks for w in c]
        elif kind == "boilerplate":
            extra = BOILERPLATE.split()[:rng.randint(10, 60)]
            words = extra + words if rng.random() < 0.5 else words + extra
    return words, "+".join(kinds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--bands", type=int, default=14)
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--verify", action="store_true", help="pass --verify to sieve dedup")
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    sieve = timing.release_sieve(bench_speed.ROOT)
    rng = random.Random(args.seed)
    bases = [d for d in bench_speed.corpus(args.data, args.docs) if len(d.split()) >= 40]
    vocabulary = sorted({w for d in bases[:200] for w in d.split()})
    records, pairs = [], []
    for i, text in enumerate(bases):
        records.append({"id": f"b{i}", "text": text})
    variants = []
    for i, text in enumerate(bases):
        words, kind = variant(text.split(), vocabulary, rng)
        v = " ".join(words)
        j = reference.jaccard(reference.word_shingles(text), reference.word_shingles(v))
        variants.append({"id": f"v{i}", "text": v})
        pairs.append((f"b{i}", f"v{i}", j, kind))
    rng.shuffle(variants)
    records += variants

    work = tempfile.mkdtemp()
    corpus = os.path.join(work, "corpus.jsonl")
    with open(corpus, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    command = [sieve, "dedup", "--minhash", corpus, "-o", os.path.join(work, "kept.jsonl"),
               "--rejected", os.path.join(work, "rejected.jsonl"), "--bands", str(args.bands),
               "--rows", str(args.rows), "--no-progress"] + (["--verify"] if args.verify else [])
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    root = {}
    with open(os.path.join(work, "rejected.jsonl")) as f:
        for line in f:
            d = json.loads(line)
            root[d["id"]] = d["metadata"]["dedup_cluster"]
    shutil.rmtree(work)

    def cluster(doc):
        return root.get(doc, doc)

    detected = [(b, v, j, kind, cluster(v) == cluster(b)) for b, v, j, kind in pairs]
    unrelated = sum(1 for r in records if r["id"].startswith("b") and r["id"] in root)

    def s_curve(j):
        return 1 - (1 - j ** args.rows) ** args.bands

    print(f"{len(pairs)} pairs, {args.bands} bands x {args.rows} rows{' + verify' if args.verify else ''}")
    print(f"{'true J':>12} {'pairs':>6} {'detected':>9} {'rate':>6} {'S-curve':>8}")
    edges = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0001]
    for low, high in zip(edges, edges[1:]):
        bucket = [d for d in detected if low <= d[2] < high]
        if not bucket:
            continue
        hits = sum(d[4] for d in bucket)
        expected = sum(s_curve(d[2]) for d in bucket) / len(bucket)
        print(f"{low:5.2f}-{min(high, 1):5.2f} {len(bucket):6} {hits:9} {hits / len(bucket):6.3f} {expected:8.3f}")

    def rate(selected):
        return sum(d[4] for d in selected) / max(1, len(selected)), len(selected)

    r85, n85 = rate([d for d in detected if d[2] >= 0.85])
    r80, n80 = rate([d for d in detected if d[2] >= 0.8])
    fp, n60 = rate([d for d in detected if d[2] <= 0.6])
    hits = [d for d in detected if d[4]]
    precision = sum(1 for d in hits if d[2] >= 0.8) / max(1, len(hits))
    print(f"recall J>=0.85: {r85:.3f} ({n85} pairs)   recall J>=0.8: {r80:.3f} ({n80} pairs)")
    print(f"precision (detected pairs with J>=0.8): {precision:.3f}   false positives J<=0.6: {fp:.4f} ({n60} pairs)")
    print(f"unrelated base documents dropped: {unrelated} of {len(bases)}")
    by_kind = {}
    for d in detected:
        by_kind.setdefault(d[3].split("+")[0] if "+" not in d[3] else "mix", []).append(d)
    print("by edit: " + ", ".join(f"{k} {sum(x[4] for x in v)}/{len(v)}" for k, v in sorted(by_kind.items())))


if __name__ == "__main__":
    main()
