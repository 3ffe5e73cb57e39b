#!/usr/bin/env python3
"""N-gram models: Sieve's estimate against lmplz's, and perplexity scoring per core against
KenLM's Python module.

    apt-get install libboost-program-options-dev libboost-system-dev libboost-thread-dev \
        libboost-test-dev cmake zlib1g-dev
    python3 -m pip install kenlm wheel
    python3 Benchmarks/lm/ngram_bench.py [--mb 10] [--order 5] [--repeats 3]

1. lmplz is built from the kenlm source distribution on PyPI (pip download, cmake,
   Release; .build-bench/kenlm/).
2. Corpus: sentences (lines) of Benchmarks/io/bench.py's pool (web articles, news, text
   in 117 languages), white-space tokens, --mb of text.
3. Both estimate an order --order model: `lmplz -o N --discount_fallback` and
   `sieve ngram train --order N --discount-fallback`, each a whole process, alternating;
   times are medians. The two ARPA files must hold the same n-grams, with log10
   probabilities and backoffs within 1e-4 (the issue's bar); the largest differences are
   printed.
4. Scoring: the same documents (groups of sentences) through `sieve ngram query` and
   through the kenlm module's `Model.score` per sentence (loading the same ARPA), each a
   whole process on one core (`taskset -c 0`); the totals must agree within 1e-3 per
   sentence. MB/s per core are printed.
"""
import argparse, os, random, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".build-bench", "kenlm")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import bench  # noqa: E402  (the text pool)
import pypi_source  # noqa: E402

KENLM_SCORE = r"""
import sys, time, kenlm
t = time.perf_counter()
m = kenlm.Model(sys.argv[1])
loaded = time.perf_counter()
out = open(sys.argv[3], "w")
for line in open(sys.argv[2], encoding="utf-8"):
    line = line.rstrip("\n")
    s = m.score(line, bos=True, eos=True)
    out.write(f"{s}\t{10 ** (-s / (len(line.split()) + 1))}\n")
print(f"loaded in {loaded - t:.2f} s; scored in {time.perf_counter() - loaded:.2f} s", file=sys.stderr)
"""


def lmplz():
    binary = os.path.join(WORK, "lmplz")
    if os.path.exists(binary):
        return binary
    source = pypi_source.unpacked("kenlm", "kenlm", WORK)
    build = os.path.join(source, "build")
    os.makedirs(build, exist_ok=True)
    subprocess.run(["cmake", "..", "-DCMAKE_BUILD_TYPE=Release"], cwd=build, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["make", "-j2", "lmplz"], cwd=build, check=True, stdout=subprocess.DEVNULL)
    os.symlink(os.path.join(build, "bin", "lmplz"), binary)
    return binary


def corpus(path, megabytes, seed=0):
    rng = random.Random(seed)
    lines = [l for p in bench.text_pool() for l in p.split("\n") if l.strip()]
    size = 0
    with open(path, "w", encoding="utf-8") as f:
        while size < megabytes * 1e6:
            line = " ".join(rng.choice(lines).split())
            f.write(line + "\n")
            size += len(line.encode()) + 1
    return size


def read_arpa(path):
    grams = {}
    order = 0
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("\\") and line.endswith("-grams:"):
            order = int(line[1:line.index("-")])
            continue
        if not order or not line or line.startswith("\\"):
            continue
        fields = line.split("\t")
        grams[fields[1]] = (float(fields[0]), float(fields[2]) if len(fields) > 2 else 0.0)
    return grams


LAST_STDERR = [""]


def timed(cmd, stdin=None, stdout=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdin=stdin, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr.decode()[-2000:]}")
    LAST_STDERR[0] = r.stderr.decode().strip().splitlines()[-1] if r.stderr.strip() else ""
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=10)
    ap.add_argument("--order", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--product", "sieve"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    sieve = os.path.join(ROOT, ".build", "release", "sieve")
    binary = lmplz()
    text = os.path.join(WORK, "corpus.txt")
    size = corpus(text, args.mb)
    theirs, ours = os.path.join(WORK, "lmplz.arpa"), os.path.join(WORK, "sieve.arpa")
    times = {"lmplz": [], "sieve": []}
    for _ in range(args.repeats):
        with open(text) as f, open(theirs, "w") as out:
            times["lmplz"].append(timed([binary, "-o", str(args.order), "--discount_fallback", "-S", "20%", "-T", WORK], stdin=f, stdout=out))
        times["sieve"].append(timed([sieve, "ngram", "train", "--order", str(args.order), "--discount-fallback", text, "-o", ours]))
    a, b = read_arpa(theirs), read_arpa(ours)
    only_lmplz, only_sieve = set(a) - set(b), set(b) - set(a)
    prob = max((abs(a[g][0] - b[g][0]) for g in a.keys() & b.keys()), default=0)
    backoff = max((abs(a[g][1] - b[g][1]) for g in a.keys() & b.keys()), default=0)
    print(f"corpus: {size / 1e6:.1f} MB, order {args.order}; {len(a):,} n-grams from lmplz, {len(b):,} from sieve")
    print(f"  only in lmplz's: {len(only_lmplz)} {sorted(only_lmplz)[:5]}; only in sieve's: {len(only_sieve)} {sorted(only_sieve)[:5]}")
    print(f"  largest difference: log10 probability {prob:.2e}, log10 backoff {backoff:.2e} (bar: 1e-4)")
    for tool, v in times.items():
        print(f"  estimate {tool:6} {statistics.median(v):.2f} s ({min(v):.2f}-{max(v):.2f})")

    documents = os.path.join(WORK, "score.txt")
    corpus(documents, args.mb, seed=1)
    score_times = {"sieve": [], "kenlm": []}
    phases = {}
    for _ in range(args.repeats):
        with open(documents) as f, open(os.path.join(WORK, "sieve.scores"), "w") as out:
            score_times["sieve"].append(timed(["taskset", "-c", "0", sieve, "ngram", "query", "--model", ours], stdin=f, stdout=out))
        phases["sieve"] = LAST_STDERR[0]
        score_times["kenlm"].append(timed(["taskset", "-c", "0", sys.executable, "-c", KENLM_SCORE, ours, documents,
                                           os.path.join(WORK, "kenlm.scores")]))
        phases["kenlm"] = LAST_STDERR[0]
    s = [float(l.split("\t")[0]) for l in open(os.path.join(WORK, "sieve.scores"))]
    k = [float(l.split("\t")[0]) for l in open(os.path.join(WORK, "kenlm.scores"))]
    assert len(s) == len(k), (len(s), len(k))
    worst = max(abs(x - y) for x, y in zip(s, k))
    mb = os.path.getsize(documents) / 1e6
    print(f"scoring {len(s):,} sentences ({mb:.1f} MB) with the order-{args.order} model; largest difference {worst:.1e}")
    for tool, v in score_times.items():
        print(f"  {tool:6} {statistics.median(v):.2f} s ({min(v):.2f}-{max(v):.2f})  {mb / statistics.median(v):.2f} MB/s per core"
              f"  (last run: {phases[tool]})")
    ratio = [k_ / s_ for k_, s_ in zip(score_times["kenlm"], score_times["sieve"])]
    print(f"  Sieve is {statistics.median(ratio):.2f}x the kenlm module ({min(ratio):.2f}-{max(ratio):.2f})")


if __name__ == "__main__":
    main()
