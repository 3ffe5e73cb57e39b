#!/usr/bin/env python3
"""Tokenizer benchmark: `sieve encode` vs Hugging Face `tokenizers` and `tiktoken` with
Qwen's tokenizer, on one multilingual corpus assembled from ../shared/data, in one run.

    python3 Benchmarks/tokenizer/bench.py [--repeats 3]

1. Exactness: Sieve's ids for every document against Hugging Face's (any difference is a bug
   and is printed).
2. Throughput in MB/s of UTF-8 text, 1 and 2 threads. Peers are timed inside Python after
   loading, on texts already in memory. Sieve is timed twice: the same way ("in-process":
   `sieve-bench-encode` reads the texts into memory, then times encoding only), and as a
   whole `sieve encode` process with JSONL parsing and writing ids; for the latter the
   median time of the process on empty input (loading tokenizer.json) is subtracted in the
   "excl. load" rows. The ratios against the peers use the in-process time, like with like.
   Each row is the median over the rounds (`--repeats`); the in-process rows have three
   timings per round.
"""
import argparse, json, os, random, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
DATA = os.path.join(ROOT, "..", "shared", "data")
QWEN = os.path.join(DATA, "tokenizers", "qwen2", "tokenizer.json")
WORK = os.path.join(ROOT, ".build-bench", "tokenizer")


def build_corpus(path):
    """All the text in ../shared/data: language-ID lines of 117 languages in documents of
    20 lines, web article texts, raw HTML pages (markup and scripts), news, PDF texts."""
    if os.path.exists(path):
        return
    rng = random.Random(5)
    docs = []
    lid = os.path.join(DATA, "langid")
    for name in sorted(os.listdir(lid)):
        if name.endswith(".txt"):
            lines = open(os.path.join(lid, name), encoding="utf-8").read().splitlines()
            docs += ["\n".join(lines[i:i + 20]) for i in range(0, len(lines), 20)]
    for line in open(os.path.join(DATA, "html", "ground_truth.jsonl"), encoding="utf-8"):
        docs.append(json.loads(line)["article_body"])
    for sub in ("cleaneval", "scrapinghub", "trafilatura-eval"):
        folder = os.path.join(DATA, "html", sub)
        for name in sorted(os.listdir(folder)):
            raw = open(os.path.join(folder, name), "rb").read()
            docs.append(raw.decode("utf-8", errors="replace"))
    for split in ("train", "test"):
        for line in open(os.path.join(DATA, "classify", "ag_news", f"{split}.jsonl"), encoding="utf-8"):
            docs.append(json.loads(line)["text"])
    pdf = os.path.join(DATA, "pdf")
    for name in sorted(os.listdir(pdf)):
        if name.endswith(".txt"):
            docs.append(open(os.path.join(pdf, name), encoding="utf-8", errors="replace").read())
    rng.shuffle(docs)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({"text": d}, ensure_ascii=False) + "\n")
    os.rename(path + ".tmp", path)


HF = r"""
import json, os, sys, time
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
texts = [json.loads(l)["text"] for l in open(sys.argv[2], encoding="utf-8")]
t = time.perf_counter()
encs = tok.encode_batch(texts)
seconds = time.perf_counter() - t
if len(sys.argv) > 3:
    with open(sys.argv[3], "w") as f:
        for e in encs:
            f.write(json.dumps({"ids": e.ids}, separators=(",", ":")) + "\n")
print(seconds)
"""

TIKTOKEN = r"""
import base64, json, sys, time, tiktoken
from tokenizers import Tokenizer
spec = json.load(open(sys.argv[1], encoding="utf-8"))
# Qwen's ranks are its ids: bytes of every vocab token -> id.
bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
cs, n = bs[:], 0
for b in range(256):
    if b not in bs:
        bs.append(b); cs.append(256 + n); n += 1
byte_of = {chr(c): b for b, c in zip(bs, cs)}
ranks = {bytes(byte_of[ch] for ch in tok): i for tok, i in spec["model"]["vocab"].items()}
special = {t["content"]: t["id"] for t in spec["added_tokens"]}
pat = spec["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
enc = tiktoken.Encoding("qwen", pat_str=pat, mergeable_ranks=ranks, special_tokens=special)
texts = [json.loads(l)["text"] for l in open(sys.argv[2], encoding="utf-8")]
threads = int(sys.argv[3])
t = time.perf_counter()
enc.encode_batch(texts, num_threads=threads, allowed_special="all")
print(time.perf_counter() - t)
"""


def run(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"failed: {cmd[:3]}\n{r.stderr[-2000:]}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    corpus = os.path.join(WORK, "corpus.jsonl")
    build_corpus(corpus)
    texts = [json.loads(l)["text"] for l in open(corpus, encoding="utf-8")]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    print(f"corpus: {len(texts)} documents, {mb:.1f} MB of UTF-8 text")
    bin_dir = timing.release_build(ROOT, "sieve", "sieve-bench-encode")
    sieve, in_process = os.path.join(bin_dir, "sieve"), os.path.join(bin_dir, "sieve-bench-encode")

    # Exactness against Hugging Face on every document.
    hf_ids = os.path.join(WORK, "hf.ids.jsonl")
    sieve_ids = os.path.join(WORK, "sieve.ids.jsonl")
    env2 = dict(os.environ, RAYON_NUM_THREADS="2", TOKENIZERS_PARALLELISM="true")
    run([sys.executable, "-c", HF, QWEN, corpus, hf_ids], env=env2)
    with open(corpus, "rb") as fin, open(sieve_ids, "wb") as fout:
        subprocess.run([sieve, "encode", "--tokenizer", QWEN, "--threads", "2"], stdin=fin, stdout=fout, check=True)
    same = differ = 0
    with open(hf_ids) as a, open(sieve_ids) as b:
        for i, (x, y) in enumerate(zip(a, b)):
            if x == y:
                same += 1
            else:
                differ += 1
                if differ <= 5:
                    print(f"DIFFERENT ids for document {i}: {texts[i][:80]!r}")
    lines_hf = sum(1 for _ in open(hf_ids))
    lines_sieve = sum(1 for _ in open(sieve_ids))
    print(f"exactness: {same} of {len(texts)} documents give Hugging Face's ids"
          f" ({differ} differ; lines: HF {lines_hf}, Sieve {lines_sieve})")

    times = {}
    for rep in range(args.repeats):
        for threads in (1, 2):
            env = dict(os.environ, RAYON_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="true")
            times.setdefault(f"tokenizers, {threads} thread(s)", []).append(
                float(run([sys.executable, "-c", HF, QWEN, corpus], env=env).strip()))
            times.setdefault(f"tiktoken, {threads} thread(s)", []).append(
                float(run([sys.executable, "-c", TIKTOKEN, QWEN, corpus, str(threads)]).strip()))
            with open(corpus, "rb") as fin:
                t = time.perf_counter()
                subprocess.run([sieve, "encode", "--tokenizer", QWEN, "--threads", str(threads)],
                               stdin=fin, stdout=subprocess.DEVNULL, check=True)
                times.setdefault(f"sieve, {threads} thread(s)", []).append(time.perf_counter() - t)
        # Three in-process timings a round (a few seconds each, where a peer's take tens):
        # their median is less at the mercy of a busy neighbour on a shared machine.
        for line in run([in_process, QWEN, corpus, "--repeats", "3", "--threads", "2"]).splitlines():
            r = json.loads(line)
            times.setdefault(f"sieve in-process, {r['threads']} thread(s)", []).extend(r["seconds"])
    loads = []
    empty = os.path.join(WORK, "empty.jsonl")
    open(empty, "w").close()
    for _ in range(5):
        with open(empty, "rb") as fin:
            t = time.perf_counter()
            subprocess.run([sieve, "encode", "--tokenizer", QWEN], stdin=fin, stdout=subprocess.DEVNULL, check=True)
            loads.append(time.perf_counter() - t)
    load = statistics.median(loads)
    print(f"sieve loads Qwen's tokenizer.json in {load:.2f} s (median of 5)")
    med = {k: statistics.median(v) for k, v in times.items()}
    for threads in (1, 2):
        med[f"sieve excl. load, {threads} thread(s)"] = med[f"sieve, {threads} thread(s)"] - load
    print(f"\n{'encoder':<32}{'median s':>10}{'MB/s':>9}{'vs tiktoken':>13}{'vs tokenizers':>15}")
    for threads in (1, 2):
        tk = med[f"tiktoken, {threads} thread(s)"]
        hf = med[f"tokenizers, {threads} thread(s)"]
        for name in ("sieve in-process", "sieve", "sieve excl. load", "tiktoken", "tokenizers"):
            k = f"{name}, {threads} thread(s)"
            print(f"{k:<32}{med[k]:>10.2f}{mb / med[k]:>9.1f}{tk / med[k]:>12.1f}x{hf / med[k]:>14.1f}x")
    print(f"sieve 2 threads vs 1: {med['sieve in-process, 1 thread(s)'] / med['sieve in-process, 2 thread(s)']:.2f}x in-process, "
          f"{med['sieve, 1 thread(s)'] / med['sieve, 2 thread(s)']:.2f}x end to end, "
          f"{med['sieve excl. load, 1 thread(s)'] / med['sieve excl. load, 2 thread(s)']:.2f}x excluding load")


if __name__ == "__main__":
    main()
