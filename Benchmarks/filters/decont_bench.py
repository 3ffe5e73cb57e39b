#!/usr/bin/env python3
"""Decontamination, Sieve against datatrove 0.10, one core each, same documents, same run.

    python3 -m pip install datatrove nltk "xxhash<4"   # datatrove 0.10 hashes str, which xxhash 4 refuses
    python3 Benchmarks/filters/decont_bench.py [--mb 50] [--ngrams 10000000] [--repeats 3]

1. Documents: --mb of JSONL from Benchmarks/io/bench.py's pool (web articles, news, text
   in 117 languages).
2. Evaluation sets made so that no document matches (the case the issue's speed bar is
   for): passages of words (at most 12 characters) drawn at random from the documents'
   own words, in two sizes,
   about 100,000 n-grams (a few benchmarks) and --ngrams (10 million: the issue's bar for
   memory). n = 13 for both tools.
3. Sieve: `sieve decontaminate --benchmarks B DOCS -o OUT --threads 1`, a whole process
   on one core (`taskset -c 0`, as datatrove's),
   and the same with an empty input (the index alone); peak memory from GNU time.
4. datatrove: its index file is written by this script with datatrove's own functions
   (`simplify_text`, NLTK's English word tokenizer, its default hash), because its
   indexer step needs lighteval; then a whole process runs `JsonlReader` ->
   `NGramsDecontFilter(language=NLTKTokenizer("english"))` -> `JsonlWriter` with
   `LocalPipelineExecutor(tasks=1)`, its documented way to run a pipeline. spaCy, its
   default English tokenizer, is slower than NLTK's.
Both must keep every document. Times are medians of --repeats, alternating.
"""
import argparse, json, os, random, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".build-bench", "decont")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import bench  # noqa: E402  (the text pool)
import timing  # noqa: E402

NLTK_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "nltk_data")

DATATROVE = r"""
import sys, time
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.decont import NGramsDecontFilter, NGramsDecontConfig
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.word_tokenizers import NLTKTokenizer
docs, index, out, logs = sys.argv[1:5]
LocalPipelineExecutor(pipeline=[
    JsonlReader(docs),
    NGramsDecontFilter(index, config=NGramsDecontConfig(n_grams=13), language=NLTKTokenizer("english")),
    JsonlWriter(out),
], tasks=1, workers=1, logging_dir=logs, skip_completed=False).run()
"""


def run(cmd, env=None):
    """A whole process: (seconds, peak resident MB, stderr)."""
    seconds, peak, _, stderr = timing.measured(cmd, env)
    return seconds, peak, stderr


def documents(path, megabytes):
    rng = random.Random(0)
    pool = bench.text_pool()
    size, i = 0, 0
    with open(path, "w", encoding="utf-8") as f:
        while size < megabytes * 1e6:
            text = "\n\n".join(rng.choice(pool) for _ in range(rng.randint(1, 30)))
            line = json.dumps({"id": f"doc-{i}", "text": text}, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode())
            i += 1
    return size


def evaluation_set(folder, ngrams, seed):
    """Passages of 200 random words of the pool: about `ngrams` 13-grams in all. Only words
    of at most 12 characters: a longer run without spaces (a Chinese or Thai sentence) is
    many words by itself and would match the documents it came from."""
    rng = random.Random(seed)
    words = sorted({w for p in bench.text_pool()[:20000] for w in p.split() if len(w) <= 12})
    os.makedirs(folder, exist_ok=True)
    passages = []
    with open(os.path.join(folder, "synthetic.jsonl"), "w", encoding="utf-8") as f:
        for i in range(max(1, ngrams // (200 - 12))):
            text = " ".join(rng.choice(words) for _ in range(200))
            passages.append(text)
            f.write(json.dumps({"id": i, "passage": text}, ensure_ascii=False) + "\n")
    return passages


def datatrove_index(passages, folder):
    """datatrove's index file for the passages, with its own normalization, tokenizer and hash."""
    import numpy as np
    os.environ["NLTK_DATA"] = NLTK_DATA
    from datatrove.pipeline.decont.n_grams import NGramsDecontConfig
    from datatrove.utils.hashing import create_hash_func
    from datatrove.utils.text import ngrams, simplify_text
    from datatrove.utils.word_tokenizers import NLTKTokenizer
    config = NGramsDecontConfig(n_grams=13)
    tokenizer, hash_func = NLTKTokenizer("english"), create_hash_func(config.hash_config)
    hashes = set()
    for p in passages:
        tokens = tokenizer.word_tokenize(simplify_text(p, config.norm_config))
        hashes.update(map(hash_func, map(" ".join, ngrams(tokens, 13))))
    os.makedirs(folder, exist_ok=True)
    np.array(sorted(hashes), dtype=config.hash_config.np_descr).tofile(os.path.join(folder, "synthetic.index.hashes"))
    return len(hashes)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--ngrams", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sieve = timing.release_sieve(ROOT)
    os.makedirs(WORK, exist_ok=True)
    docs = os.path.join(WORK, "docs.jsonl")
    size = documents(docs, args.mb)
    empty = os.path.join(WORK, "empty.jsonl")
    open(empty, "w").close()
    env = dict(os.environ, NLTK_DATA=NLTK_DATA)
    count = sum(1 for _ in open(docs, encoding="utf-8"))
    print(f"documents: {size / 1e6:.1f} MB, {count:,} documents")
    for label, ngrams in [("small", 100_000), ("large", args.ngrams)]:
        bench_dir = os.path.join(WORK, f"bench-{label}")
        passages = evaluation_set(bench_dir, ngrams, seed=len(label))
        t = time.perf_counter()
        hashes = datatrove_index(passages, os.path.join(WORK, f"index-{label}"))
        print(f"{label} evaluation set: {len(passages):,} passages of 200 words; datatrove's index: {hashes:,} hashes "
              f"(built in {time.perf_counter() - t:.0f} s by this script)")
        sieve_times, sieve_peaks, dt_times, dt_peaks, index_times = [], [], [], [], []
        for _ in range(args.repeats):
            seconds, peak, err = run(["taskset", "-c", "0", sieve, "decontaminate", "--benchmarks", bench_dir, docs, "-o", os.path.join(WORK, "out.jsonl"),
                                      "--threads", "1", "--no-progress"])
            sieve_times.append(seconds)
            sieve_peaks.append(peak)
            indexed = [l for l in err.splitlines() if "indexed" in l][0]
            seconds, _, _ = run(["taskset", "-c", "0", sieve, "decontaminate", "--benchmarks", bench_dir, empty, "-o", os.path.join(WORK, "empty.out.jsonl"),
                                 "--threads", "1", "--no-progress"])
            index_times.append(seconds)
            out = os.path.join(WORK, "datatrove-out")
            subprocess.run(["rm", "-rf", out, os.path.join(WORK, "logs")])
            seconds, peak, _ = run(["taskset", "-c", "0", sys.executable, "-c", DATATROVE, docs, os.path.join(WORK, f"index-{label}"), out,
                                    os.path.join(WORK, "logs")], env=env)
            dt_times.append(seconds)
            dt_peaks.append(peak)
        kept_sieve = sum(1 for _ in open(os.path.join(WORK, "out.jsonl"), encoding="utf-8"))
        import gzip
        kept_dt = sum(sum(1 for _ in gzip.open(os.path.join(out, f), "rt")) for f in os.listdir(out))
        s, d, i = statistics.median(sieve_times), statistics.median(dt_times), statistics.median(index_times)
        print(f"  {indexed}")
        print(f"  sieve     {s:7.2f} s ({min(sieve_times):.2f}-{max(sieve_times):.2f}), {size / 1e6 / s:6.1f} MB/s per core whole process, "
              f"{size / 1e6 / max(s - i, 1e-9):6.1f} MB/s without the index build ({i:.2f} s), peak {statistics.median(sieve_peaks):.0f} MB; "
              f"kept {kept_sieve:,}")
        print(f"  datatrove {d:7.2f} s ({min(dt_times):.2f}-{max(dt_times):.2f}), {size / 1e6 / d:6.1f} MB/s per core whole process, "
              f"peak {statistics.median(dt_peaks):.0f} MB; kept {kept_dt:,}")
        ratios = [x / y for x, y in zip(dt_times, sieve_times)]
        print(f"  Sieve is {statistics.median(ratios):.1f}x datatrove ({min(ratios):.1f}-{max(ratios):.1f})")
        assert kept_sieve == count and kept_dt == count, (kept_sieve, kept_dt, count)


if __name__ == "__main__":
    main()
