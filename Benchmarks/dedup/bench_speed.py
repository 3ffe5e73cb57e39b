#!/usr/bin/env python3
"""MinHash signatures per second, Sieve vs rensa, datasketch and datatrove, one core
each, on the same documents in the same run.

Documents: English news documents of 15 consecutive ag_news items (about 500 words)
and paragraphs of 20 lines from ../shared/data/langid in 24 space-delimited languages.
Every tool computes 112 hashes (14 bands x 8 rows) over word 5-grams.

- Sieve: `sieve dedup signatures --threads 1`, timed as a whole process: start,
  reading JSONL, normalization, shingling, signatures, band keys, exact hashes and
  writing the sorted band files all included.
- Sieve's kernel alone (`sieve-bench-minhash`, in process): signatures and band keys of
  documents whose shingles (64-bit hashes of word 5-grams) were computed before timing.
- rensa 0.5 (`RMinHash`, Rust): tokens are the 5-grams of `text.lower().split()`
  joined by spaces, built in Python; timed with and without building them. Without, it
  is rensa's kernel alone, which still hashes each token string (Sieve's kernel row
  starts from hashes).
- datasketch 2.0 (`MinHash.update_batch`, numpy): the same 5-grams.
- datatrove 0.10.1 (`MinhashDedupSignature.get_shingles` + `get_signature`): its own
  normalization and English word tokenizer (spaCy), in process (no file writing), with
  its default shingle hash (xxhash, 64 bits) and with SHA-1. The default xxhash path
  fails with xxhash 4.x ("Strings must be encoded before hashing"): run the script in an
  environment with `xxhash<4` for that row (it says so and leaves the row out otherwise).

    python3 Benchmarks/dedup/bench_speed.py [--docs 4000] [--copies 3] [--repeats 3]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402

LANGUAGES = ["eng_Latn", "fra_Latn", "deu_Latn", "spa_Latn", "por_Latn", "ita_Latn", "nld_Latn", "pol_Latn",
             "rus_Cyrl", "ukr_Cyrl", "tur_Latn", "vie_Latn", "ind_Latn", "arb_Arab", "pes_Arab", "hin_Deva",
             "ben_Beng", "ell_Grek", "heb_Hebr", "kor_Hang", "swh_Latn", "ces_Latn", "ron_Latn", "hun_Latn"]


def corpus(data, count):
    """News documents of 15 ag_news items, then paragraphs of 20 lines of each language
    in turn, up to `count` documents."""
    news = []
    for name in ("train", "test"):
        with open(os.path.join(data, f"classify/ag_news/{name}.jsonl")) as f:
            news += [json.loads(line)["text"] for line in f]
    docs = [" ".join(news[i:i + 15]) for i in range(0, len(news) - 14, 15)][:count // 4]
    paragraphs = []
    for language in LANGUAGES:
        with open(os.path.join(data, f"langid/{language}.txt"), encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip()]
        paragraphs.append([" ".join(lines[i:i + 20]) for i in range(0, len(lines) - 19, 20)])
    for i in range(max(len(p) for p in paragraphs)):
        for p in paragraphs:
            if i < len(p) and len(docs) < count:
                docs.append(p[i])
    return docs


def shingles(text):
    words = text.lower().split()
    return [" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))]


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--copies", type=int, default=3, help="repeat the documents (amortizes process start)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default="../shared/data")
    args = parser.parse_args()

    sieve = os.path.join(timing.release_build(ROOT, "sieve", "sieve-bench-minhash"), "sieve")
    docs = corpus(args.data, args.docs) * args.copies
    words = sum(len(d.split()) for d in docs)
    print(f"{len(docs)} documents, {words / len(docs):.0f} words on average, "
          f"{sum(len(d.encode()) for d in docs) / 1e6:.1f} MB")

    work = tempfile.mkdtemp()
    path = os.path.join(work, "corpus.jsonl")
    with open(path, "w") as f:
        for i, text in enumerate(docs):
            f.write(json.dumps({"id": str(i), "text": text}) + "\n")

    def run_sieve():
        shutil.rmtree(os.path.join(work, "sig"), ignore_errors=True)
        subprocess.run([sieve, "dedup", "signatures", path, "--work", os.path.join(work, "sig"), "--threads", "1",
                        "--no-progress"], check=True, stderr=subprocess.DEVNULL)

    import rensa
    from datasketch import MinHash
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
    from datatrove.utils.hashing import HashConfig

    prepared = [shingles(d) for d in docs]

    def run_rensa():
        for text in docs:
            m = rensa.RMinHash(num_perm=112, seed=1)
            m.update(shingles(text))
            m.digest()

    def run_rensa_prepared():
        for tokens in prepared:
            m = rensa.RMinHash(num_perm=112, seed=1)
            m.update(tokens)
            m.digest()

    # The two slow peers run on the first copy only; rates are per document.
    first = docs[:len(docs) // args.copies]

    def run_datasketch():
        for text in first:
            m = MinHash(num_perm=112, seed=1)
            m.update_batch([s.encode() for s in shingles(text)])
            m.digest()

    def datatrove_step(hash_config):
        return MinhashDedupSignature(output_folder=os.path.join(work, "datatrove"),
                                     config=MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8,
                                                          hash_config=hash_config))

    def datatrove_run(step):
        def run():
            for text in first:
                s = step.get_shingles(text)
                if s.size:
                    step.get_signature(s)
        return run

    run_datatrove = datatrove_run(datatrove_step(HashConfig(precision=64, hash_fc="sha1")))
    default_step = datatrove_step(HashConfig(precision=64))
    try:
        default_step.get_shingles(first[0])
        run_datatrove_default = datatrove_run(default_step)
    except TypeError as error:
        print(f"datatrove with its default hash left out: {error} (xxhash 4.x; use xxhash<4)")
        run_datatrove_default = None

    kernel = subprocess.run([os.path.abspath(".build/release/sieve-bench-minhash"), path, "--repeats", str(args.repeats)],
                            check=True, capture_output=True, text=True).stdout.split()
    results = [
        ("sieve (process, 1 thread)", len(docs), timed(run_sieve, args.repeats)),
        ("sieve kernel (prebuilt)", int(kernel[0]), float(kernel[1])),
        ("rensa (+ Python 5-grams)", len(docs), timed(run_rensa, args.repeats)),
        ("rensa (5-grams prebuilt)", len(docs), timed(run_rensa_prepared, args.repeats)),
        ("datasketch", len(first), timed(run_datasketch, max(1, args.repeats // 2))),
        ("datatrove (SHA-1)", len(first), timed(run_datatrove, max(1, args.repeats // 2))),
    ]
    if run_datatrove_default:
        results.append(("datatrove (default xxhash)", len(first), timed(run_datatrove_default, max(1, args.repeats // 2))))
    sieve_rate = len(docs) / results[0][2]
    print(f"{'':28} {'median s':>9} {'docs/s':>9} {'sieve is':>9}")
    for name, count, seconds in results:
        rate = count / seconds
        print(f"{name:28} {seconds:9.2f} {rate:9.0f} {sieve_rate / rate:8.2f}x")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
