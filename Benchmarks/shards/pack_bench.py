#!/usr/bin/env python3
"""Best-fit packing (`sieve shards pack --strategy best-fit`), in one run:

    python3 -m pip install numpy sortedcontainers
    python3 Benchmarks/shards/pack_bench.py [--tokens 1e9] [--seq-len 4096] \
        [--chunks 1048576,4194304,16777216,67108864] [--repeats 3]

1. Real document lengths: the article bodies of ../shared/data/html/ground_truth.jsonl
   (287 web pages) and the text of the PDFs in ../shared/data/pdf, tokenized with Qwen2's
   tokenizer by `sieve encode`, plus the end-of-text id.
2. Synthetic documents: lengths drawn from those with replacement, each times a log-normal
   jitter (sigma 0.25, so that there are more distinct lengths than 300), until --tokens
   tokens; written as Megatron document shards (int32 tokens, at most 1 GiB of .bin each)
   with a Sieve manifest (the schema from `sieve manifest schema`).
3. The reference: best-fit decreasing over all the documents at once (no chunks), by this
   script with sortedcontainers.SortedList (independent of Sieve's code): pieces are the
   full --seq-len pieces of longer documents and every remainder. Its padding share is the
   bar: Sieve's must be within 0.2 percentage points, with documents_split equal to the
   number of documents longer than --seq-len.
4. `sieve shards pack --strategy best-fit --chunk-tokens C --json` for each C of --chunks
   (and `--strategy concat` once for comparison), whole processes, medians of --repeats:
   tokens/s and peak resident memory (GNU time's; the input is memory-mapped, and the
   packer lets go of the pages it has read every 64 MiB).
"""
import argparse, json, os, shutil, sqlite3, statistics, struct, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
WORK = os.path.join(ROOT, ".build-bench", "pack")
EOT = 151643
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402


def run(cmd):
    """A whole process: (seconds, peak resident MB, stdout)."""
    seconds, peak, stdout, _ = timing.measured(cmd)
    return seconds, peak, stdout


def real_lengths(sieve):
    texts = [json.loads(l)["article_body"] for l in open(os.path.join(DATA, "html", "ground_truth.jsonl"), encoding="utf-8")]
    pdf = os.path.join(DATA, "pdf")
    texts += [open(os.path.join(pdf, n), encoding="utf-8").read() for n in sorted(os.listdir(pdf)) if n.endswith(".txt")]
    texts = [t for t in texts if t.strip()]
    jsonl = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts).encode()
    r = subprocess.run([sieve, "encode", "--tokenizer", os.path.join(DATA, "tokenizers", "qwen2", "tokenizer.json")],
                       input=jsonl, capture_output=True, check=True)
    return [len(json.loads(l)["ids"]) + 1 for l in r.stdout.decode().splitlines()]


def synthetic(lengths, total, seed=1):
    import numpy as np
    rng = np.random.default_rng(seed)
    out, n = [], 0
    while n < total:
        draw = np.maximum(2, np.rint(rng.choice(lengths, 100_000) * rng.lognormal(0, 0.25, 100_000))).astype(np.int64)
        out.append(draw)
        n += int(draw.sum())
    drawn = np.concatenate(out)
    return drawn[: int(np.searchsorted(np.cumsum(drawn), total)) + 1]


def write_shards(lengths, directory, sieve):
    """Document shards of the lengths and a manifest listing them; returns the manifest."""
    import numpy as np
    if os.path.exists(directory):
        shutil.rmtree(directory)
    os.makedirs(os.path.join(directory, "shards", "eng_Latn", "unlabeled"))
    schema = subprocess.run([sieve, "manifest", "schema"], capture_output=True, check=True, text=True).stdout
    manifest = os.path.join(directory, "manifest.sqlite")
    db = sqlite3.connect(manifest)
    db.executescript(schema)
    per_shard = (1 << 30) // 4
    start, k = 0, 0
    while start < len(lengths):
        cumulative = np.cumsum(lengths[start:])
        end = start + max(1, int(np.searchsorted(cumulative, per_shard, side="right")))
        part = lengths[start:end].astype(np.int32)
        prefix = f"shards/eng_Latn/unlabeled/00000-{k:05d}"
        path = os.path.join(directory, prefix)
        tokens = int(part.sum())
        bin_ = np.memmap(path + ".bin", dtype=np.int32, mode="w+", shape=(tokens,))
        step = 1 << 26
        for at in range(0, tokens, step):
            bin_[at:at + step] = (np.arange(at, min(tokens, at + step)) % 100_000).astype(np.int32)
        ends = np.cumsum(part) - 1
        bin_[ends] = EOT
        bin_.flush()
        del bin_
        pointers = np.concatenate([[0], np.cumsum(part.astype(np.int64))[:-1]]) * 4
        with open(path + ".idx", "wb") as f:
            f.write(b"MMIDIDX\x00\x00" + struct.pack("<QBQQ", 1, 4, len(part), len(part) + 1))
            f.write(part.tobytes() + pointers.astype(np.int64).tobytes() + np.arange(len(part) + 1, dtype=np.int64).tobytes())
        db.execute("INSERT INTO shards (path, kind, language, domain, task_index, documents, tokens, sequences, bytes) "
                   "VALUES (?, 'documents', 'eng_Latn', 'unlabeled', 0, ?, ?, ?, ?)",
                   (prefix, len(part), tokens, len(part), tokens * 4))
        start, k = end, k + 1
    db.commit()
    db.close()
    return manifest


def reference_best_fit(lengths, seq_len):
    """Best-fit decreasing over every piece at once: (sequences, padding share, documents cut)."""
    from sortedcontainers import SortedList
    pieces, cut = [], 0
    for n in lengths:
        n = int(n)
        if n > seq_len:
            cut += 1
            full, n = divmod(n, seq_len)
            if n == 0:
                full, n = full - 1, seq_len
            pieces += [seq_len] * full
        pieces.append(n)
    pieces.sort(reverse=True)
    rooms = SortedList()
    bins = 0
    for size in pieces:
        i = rooms.bisect_left(size)
        if i < len(rooms):
            room = rooms.pop(i)
        else:
            room, bins = seq_len, bins + 1
        if room - size > 0:
            rooms.add(room - size)
    tokens = sum(pieces)
    return bins, (bins * seq_len - tokens) / (bins * seq_len), cut


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=float, default=1e9)
    ap.add_argument("--seq-len", type=int, default=4096)
    ap.add_argument("--chunks", default="1048576,4194304,16777216,67108864")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sieve = timing.release_sieve(ROOT)
    os.makedirs(WORK, exist_ok=True)
    real = real_lengths(sieve)
    lengths = synthetic(real, int(args.tokens))
    longer = int((lengths > args.seq_len).sum())
    print(f"real lengths: {len(real)} documents, median {statistics.median(real)} tokens, largest {max(real)}; "
          f"synthetic: {len(lengths):,} documents, {int(lengths.sum()):,} tokens, {longer:,} longer than {args.seq_len}")
    t = time.perf_counter()
    manifest = write_shards(lengths, os.path.join(WORK, "input"), sieve)
    print(f"  shards written in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    bins, share, cut = reference_best_fit(lengths, args.seq_len)
    print(f"reference best-fit decreasing, all documents at once ({time.perf_counter() - t:.0f} s in Python): "
          f"{bins:,} sequences, padding {share * 100:.3f}%, {cut:,} documents cut")
    out = os.path.join(WORK, "out")
    tokens = int(lengths.sum())
    configs = [("concat", None)] + [("best-fit", int(c)) for c in args.chunks.split(",")]
    results = {c: [] for c in configs}
    for _ in range(args.repeats):
        for strategy, chunk in configs:
            shutil.rmtree(out, ignore_errors=True)
            cmd = [sieve, "shards", "pack", manifest, "--seq-len", str(args.seq_len), "--out", out, "--strategy", strategy, "--json"]
            if chunk:
                cmd += ["--chunk-tokens", str(chunk)]
            seconds, peak, stdout = run(cmd)
            results[(strategy, chunk)].append((seconds, peak, json.loads(stdout.strip().splitlines()[-1])))
    print(f"sieve shards pack, {tokens:,} tokens, --seq-len {args.seq_len}, medians of {args.repeats} whole processes:")
    for (strategy, chunk), runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        peak = statistics.median(r[1] for r in runs)
        s = runs[-1][2]
        label = strategy + (f" --chunk-tokens {chunk:,}" if chunk else "")
        line = (f"  {label:34} {seconds:6.2f} s ({min(r[0] for r in runs):.2f}-{max(r[0] for r in runs):.2f}), "
                f"{tokens / seconds / 1e6:6.1f} M tokens/s, peak {peak:5.0f} MB; {s['sequences']:,} sequences, "
                f"padding {s['padding_share'] * 100:.3f}%, {s['documents_split']:,} documents cut, "
                f"{s['tail_tokens_dropped']:,} tokens dropped")
        if strategy == "best-fit":
            gap = (s["padding_share"] - share) * 100
            line += f"; {gap:+.3f} points from the reference{' (bar 0.2: ok)' if abs(gap) <= 0.2 else ' (bar 0.2: MISSED)'}"
            assert s["documents_split"] == longer, (s["documents_split"], longer)
            assert s["tokens"] == tokens, (s["tokens"], tokens)
        print(line)


if __name__ == "__main__":
    main()
