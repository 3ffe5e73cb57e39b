#!/usr/bin/env python3
"""BPE training benchmark: `sieve bpe train` vs Hugging Face's BpeTrainer, same corpus,
same settings (NFC, Qwen's pre-tokenizer regex, ByteLevel alphabet, one special token),
vocabularies of 32k and 64k, in one run. Prints time, peak RSS, the share of identical
merges, whether Hugging Face loads Sieve's tokenizer.json and encodes a sample the same way,
and Sieve's peak RSS on a ten times larger corpus.

    python3 Benchmarks/bpe/bench.py [--mb 100] [--big-mb 1000] [--vocab 32000 64000] [--repeats 3]

Each vocabulary is trained --repeats times by each tool, taking turns (Sieve, then Hugging
Face, in each round); the table gives medians, and the speed-up is the median of the
rounds' ratios. Both are timed the same way: the wall clock and peak RSS of a whole
process (GNU time), file reading included.

The corpus is all the text under ../shared/data (the tokenizer benchmark's, about 68 MB),
repeated in shuffled order up to the size asked: there is no more distinct text here, so
larger corpora repeat documents and the number of distinct words stops growing.
"""
import argparse, datetime, json, os, random, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
WORK = os.path.join(ROOT, ".build-bench", "bpe")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "tokenizer"))
from bench import build_corpus  # noqa: E402

HF = r"""
import json, resource, sys, time
from tokenizers import Tokenizer, models, trainers, pre_tokenizers, normalizers, Regex, decoders
QWEN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
vocab, corpus, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
tok = Tokenizer(models.BPE())
tok.normalizer = normalizers.NFC()
tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN), behavior="isolated"),
                                             pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=vocab, min_frequency=0, special_tokens=["<|endoftext|>"],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
def texts():
    for line in open(corpus, encoding="utf-8"):
        yield json.loads(line)["text"]
tok.train_from_iterator(texts(), trainer)
tok.save(out)
"""

CHECK = r"""
import json, sys
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
texts = [json.loads(l)["text"] for l in open(sys.argv[2], encoding="utf-8")]
for e in tok.encode_batch(texts):
    print(json.dumps({"ids": e.ids}, separators=(",", ":")))
"""


def timed(cmd, **kw):
    """Wall seconds and peak RSS (MiB) via GNU time."""
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed: {cmd[:4]}\n{r.stderr[-3000:]}")
    return time.perf_counter() - t, int(r.stderr.strip().splitlines()[-1]) / 1024


def sized_corpus(base, megabytes):
    path = os.path.join(WORK, f"corpus-{megabytes}.jsonl")
    if os.path.exists(path):
        return path
    lines = open(base, encoding="utf-8").readlines()
    rng = random.Random(megabytes)
    written, target = 0, megabytes * 1_000_000
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        while written < target:
            rng.shuffle(lines)
            for line in lines:
                f.write(line)
                written += len(line.encode())
                if written >= target:
                    break
    os.rename(path + ".tmp", path)
    return path


def merges(path):
    spec = json.load(open(path, encoding="utf-8"))
    return [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in spec["model"]["merges"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--big-mb", type=int, default=1000)
    ap.add_argument("--vocab", type=int, nargs="+", default=[32000, 64000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    base = os.path.join(ROOT, ".build-bench", "tokenizer", "corpus.jsonl")
    os.makedirs(os.path.dirname(base), exist_ok=True)
    build_corpus(base)
    corpus = sized_corpus(base, args.mb)
    sieve = timing.release_sieve(ROOT)
    sample = os.path.join(WORK, "sample.jsonl")
    with open(base, encoding="utf-8") as f, open(sample, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i % 10 == 0:
                out.write(line)
    import tokenizers
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"{datetime.date.today()}; {swift}; Hugging Face tokenizers {tokenizers.__version__}; "
          f"{args.repeats} rounds; corpus: {os.path.getsize(corpus) / 1e6:.0f} MB of JSONL")
    print(f"{'vocab':>6} {'sieve s':>8} {'HF s':>8} {'speed-up':>9} {'sieve MiB':>10} {'HF MiB':>8} {'mem ratio':>10}"
          f" {'same merges':>12} {'HF encodes sieve file same':>27}")
    for vocab in args.vocab:
        ours = os.path.join(WORK, f"sieve-{vocab}.json")
        theirs = os.path.join(WORK, f"hf-{vocab}.json")
        rounds = []
        for _ in range(args.repeats):
            ours_run = timed([sieve, "bpe", "train", "--vocab-size", str(vocab), "--special-tokens", "<|endoftext|>",
                              "--out", ours, corpus, "--no-progress"])
            theirs_run = timed([sys.executable, "-c", HF, str(vocab), corpus, theirs])
            rounds.append((ours_run, theirs_run))
        s_t = statistics.median(r[0][0] for r in rounds)
        h_t = statistics.median(r[1][0] for r in rounds)
        s_m = statistics.median(r[0][1] for r in rounds)
        h_m = statistics.median(r[1][1] for r in rounds)
        speedup = statistics.median(r[1][0] / r[0][0] for r in rounds)
        a, b = merges(ours), merges(theirs)
        same = sum(1 for x, y in zip(a, b) if x == y)
        # Hugging Face loads Sieve's file and gives the same ids as Sieve's encoder.
        hf_ids = subprocess.run([sys.executable, "-c", CHECK, ours, sample], capture_output=True, text=True,
                                check=True).stdout
        with open(sample, "rb") as f:
            sieve_ids = subprocess.run([sieve, "encode", "--tokenizer", ours], stdin=f, capture_output=True,
                                       check=True).stdout.decode()
        agree = sum(1 for x, y in zip(hf_ids.splitlines(), sieve_ids.splitlines()) if x == y)
        total = len(hf_ids.splitlines())
        print(f"{vocab:>6} {s_t:>8.1f} {h_t:>8.1f} {speedup:>8.1f}x {s_m:>10.0f} {h_m:>8.0f} {s_m / h_m:>9.0%}"
              f" {same:>6}/{len(b):<5} {agree:>13}/{total} docs")
    if args.big_mb:
        big = sized_corpus(base, args.big_mb)
        for path in (corpus, big):
            t, m = timed([sieve, "bpe", "train", "--vocab-size", str(args.vocab[0]), "--special-tokens",
                          "<|endoftext|>", "--out", os.path.join(WORK, "big.json"), path, "--no-progress"])
            print(f"sieve, {os.path.getsize(path) / 1e6:.0f} MB corpus, vocab {args.vocab[0]}: {t:.1f} s, "
                  f"peak RSS {m:.0f} MiB")


if __name__ == "__main__":
    main()
