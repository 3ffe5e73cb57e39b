#!/usr/bin/env python3
"""Shards benchmark, in one run:

1. Tokenize-and-pack throughput (MB of text per second, end to end, tokenizer loading
   included on both sides): `sieve tokenize` vs the pattern of Megatron-LM's
   `tools/preprocess_data.py` (a multiprocessing pool of `workers` processes encoding
   JSONL lines with Hugging Face `tokenizers`, appending the end-of-text id, and
   megatron-core's `IndexedDatasetBuilder` writing `.bin/.idx` — or a numpy writer of the
   same bytes when megatron-core is not installed). Same corpus, same Qwen tokenizer, 1 and
   2 workers. The corpus has no language metadata, so Sieve writes one shard, which must be
   byte-identical to the peer's `.bin` and `.idx`.
2. Manifest query latency on a generated manifest with 100,000 shards: the median wall
   time of `sieve manifest stats/query` processes.

    python3 Benchmarks/shards/bench.py [--repeats 3] [--skip-throughput]

Builds `sieve` in release mode into .build-bench/ first.
"""
import argparse, hashlib, json, os, random, sqlite3, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "tokenizer"))
from bench import build_corpus, QWEN  # noqa: E402  (the tokenizer benchmark's corpus)

WORK = os.path.join(ROOT, ".build-bench", "shards")
SIEVE = os.path.join(ROOT, ".build-bench", "release", "sieve")

PEER = r"""
# Megatron-LM tools/preprocess_data.py, reduced to what it does for one JSONL file with a
# Hugging Face tokenizer and --append-eod, no sentence splitting.
import json, multiprocessing, sys, time
import numpy
from tokenizers import Tokenizer

class Encoder:
    def initializer(self):
        Encoder.tokenizer = Tokenizer.from_file(TOKENIZER)
        Encoder.eod = Encoder.tokenizer.token_to_id("<|endoftext|>")
    def encode(self, line):
        text = json.loads(line)["text"]
        ids = Encoder.tokenizer.encode(text).ids
        if ids:
            ids.append(Encoder.eod)
        return ids, len(line)

def numpy_builder(prefix):
    # megatron/core/datasets/indexed_dataset.py, IndexedDatasetBuilder + _IndexWriter
    class Builder:
        def __init__(self):
            self.data = open(prefix + ".bin", "wb"); self.lengths = []; self.docs = [0]
        def add_item(self, ids):
            a = numpy.array(ids, dtype=numpy.int32); self.data.write(a.tobytes(order="C")); self.lengths.append(a.size)
        def end_document(self):
            self.docs.append(len(self.lengths))
        def finalize(self, idx):
            import struct
            self.data.close()
            with open(idx, "wb") as f:
                f.write(b"MMIDIDX\x00\x00"); f.write(struct.pack("<Q", 1)); f.write(struct.pack("<B", 4))
                f.write(struct.pack("<Q", len(self.lengths))); f.write(struct.pack("<Q", len(self.docs)))
                lengths = numpy.array(self.lengths, dtype=numpy.int32)
                f.write(lengths.tobytes(order="C"))
                pointers = numpy.zeros(len(lengths), dtype=numpy.int64)
                numpy.cumsum(lengths[:-1].astype(numpy.int64) * 4, out=pointers[1:])
                f.write(pointers.tobytes(order="C"))
                f.write(numpy.array(self.docs, dtype=numpy.int64).tobytes(order="C"))
    return Builder()

if __name__ == "__main__":
    TOKENIZER, INPUT, PREFIX, WORKERS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    start = time.perf_counter()
    try:
        import torch
        from megatron.core.datasets import indexed_dataset
        builder = indexed_dataset.IndexedDatasetBuilder(PREFIX + ".bin", dtype=numpy.int32)
        wrap, kind = torch.IntTensor, "megatron-core IndexedDatasetBuilder"
    except ImportError:
        builder, wrap, kind = numpy_builder(PREFIX), (lambda x: x), "numpy writer"
    encoder = Encoder()
    pool = multiprocessing.Pool(WORKERS, initializer=encoder.initializer)
    with open(INPUT, encoding="utf-8") as fin:
        for ids, _ in pool.imap(encoder.encode, fin, 32):
            if ids:
                builder.add_item(wrap(ids))
            builder.end_document()
    pool.close()
    builder.finalize(PREFIX + ".idx")
    print(json.dumps({"seconds": time.perf_counter() - start, "writer": kind}))
"""


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def run_sieve(corpus, out, threads):
    subprocess.run(["rm", "-rf", out], check=True)
    t = time.perf_counter()
    subprocess.run([SIEVE, "tokenize", corpus, "--tokenizer", QWEN, "--out", out, "--threads", str(threads),
                    "--added-tokens", "all", "--no-progress"], check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def run_peer(corpus, prefix, workers):
    script = os.path.join(WORK, "peer.py")
    open(script, "w").write(PEER)
    out = subprocess.run([sys.executable, script, QWEN, corpus, prefix, str(workers)], check=True,
                         capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], result["writer"]


def throughput(repeats):
    all_docs = os.path.join(WORK, "corpus.jsonl")
    os.makedirs(WORK, exist_ok=True)
    build_corpus(all_docs)
    # Without empty texts: Sieve drops them (tokenize:empty), preprocess_data.py writes an
    # empty Megatron document (a repeated document index), so the .idx would differ.
    corpus = os.path.join(WORK, "corpus-nonempty.jsonl")
    if not os.path.exists(corpus):
        with open(corpus + ".tmp", "w", encoding="utf-8") as out:
            for line in open(all_docs, encoding="utf-8"):
                if json.loads(line)["text"]:
                    out.write(line)
        os.rename(corpus + ".tmp", corpus)
    mb = sum(len(json.loads(l)["text"].encode()) for l in open(corpus, encoding="utf-8")) / 1e6
    print(f"corpus: {mb:.1f} MB of text, Qwen tokenizer")
    for n in (1, 2):
        sieve_times, peer_times = [], []
        writer = ""
        for _ in range(repeats):
            sieve_times.append(run_sieve(corpus, os.path.join(WORK, f"sieve-{n}"), n))
            seconds, writer = run_peer(corpus, os.path.join(WORK, f"peer-{n}"), n)
            peer_times.append(seconds)
        shard = os.path.join(WORK, f"sieve-{n}", "shards", "und", "unlabeled", "00000-00000")
        same = all(sha(shard + ext) == sha(os.path.join(WORK, f"peer-{n}") + ext) for ext in (".bin", ".idx"))
        s, p = statistics.median(sieve_times), statistics.median(peer_times)
        print(f"{n} thread(s)/worker(s): sieve {mb / s:6.2f} MB/s   peer ({writer}) {mb / p:6.2f} MB/s   "
              f"ratio {p / s:5.1f}x   .bin/.idx byte-identical: {same}")


def make_manifest(path, shards=100_000):
    if os.path.exists(path):
        return
    schema = open(os.path.join(ROOT, "manifests", "schema.sql")).read()
    db = sqlite3.connect(path + ".tmp")
    db.executescript(schema)
    rng = random.Random(7)
    languages = [f"l{i:03d}_Latn" for i in range(116)] + ["swh_Latn", "yue_Hant", "eng_Latn"]
    domains = ["web", "math", "code", "news", "science", "books", "forum", "legal"]
    rows, files = [], []
    for i in range(shards):
        language, domain = rng.choice(languages), rng.choice(domains)
        tokens = rng.randrange(1_000_000, 250_000_000)
        prefix = f"shards/{language}/{domain}/{i % 64:05d}-{i:05d}"
        rows.append((i + 1, prefix, "documents", language, domain, i % 64, tokens // 900, tokens, tokens // 900, None, tokens * 4))
        for ext in (".bin", ".idx", ".docs"):
            files.append((i + 1, prefix + ext, tokens * 4, "%016x" % rng.getrandbits(64)))
    db.executemany("INSERT INTO shards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO shard_files VALUES (?, ?, ?, ?)", files)
    db.commit()
    db.close()
    os.rename(path + ".tmp", path)


def query_latency(repeats):
    path = os.path.join(WORK, "manifest-100k.sqlite")
    os.makedirs(WORK, exist_ok=True)
    make_manifest(path)
    commands = [
        ("stats --by language,domain", ["manifest", "stats", path, "--by", "language,domain"]),
        ("stats --where swh_Latn math", ["manifest", "stats", path, "--where", "language = 'swh_Latn' AND domain = 'math'"]),
        ("query Cantonese shards", ["manifest", "query", path, "SELECT path, tokens FROM shards WHERE language = 'yue_Hant'"]),
        ("query total tokens", ["manifest", "query", path, "SELECT sum(tokens) FROM shards"]),
        ("sieve --version (process start)", ["--version"]),
    ]
    print(f"manifest with 100,000 shards ({os.path.getsize(path) / 1e6:.0f} MB); median of {max(repeats, 5)} processes:")
    for name, args in commands:
        times = []
        for _ in range(max(repeats, 5)):
            t = time.perf_counter()
            subprocess.run([SIEVE] + args, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
        print(f"  {name:32s} {statistics.median(times) * 1000:7.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    timing.release_sieve(ROOT, scratch=os.path.join(ROOT, ".build-bench"))
    if not args.skip_throughput:
        throughput(args.repeats)
    query_latency(args.repeats)


if __name__ == "__main__":
    main()
