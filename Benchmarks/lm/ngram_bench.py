#!/usr/bin/env python3
"""N-gram models: Sieve's estimate against lmplz's, and perplexity scoring per core against
KenLM's Python module.

    apt-get install libboost-program-options-dev libboost-system-dev libboost-thread-dev \
        libboost-test-dev cmake zlib1g-dev
    python3 -m pip install kenlm wheel
    python3 Benchmarks/lm/ngram_bench.py [--mb 10] [--order 5] [--repeats 3] [--memory 20%] \
        [--transformer-mb 0.3]

1. lmplz is built from the kenlm source distribution on PyPI (pip download, cmake,
   Release; .build-bench/kenlm/).
2. Corpus: sentences (lines) of Benchmarks/io/bench.py's pool (web articles, news, text
   in 117 languages), white-space tokens, --mb of text.
3. Both estimate an order --order model: `lmplz -o N --discount_fallback -S M -T DIR`
   and `sieve ngram train --order N --discount-fallback --memory M --temp-dir DIR`, each a
   whole process, alternating, with the same memory setting M (--memory; a setting below
   what the counts need makes both sort on disk); times and peak resident memory are
   medians. The two ARPA files must hold the same n-grams, with log10 probabilities and
   backoffs within 1e-4 (the issue's bar); the largest differences are printed.
4. Scoring: the same documents (groups of sentences) through `sieve ngram query` and
   through the kenlm module's `Model.score` per sentence (loading the same ARPA), each a
   whole process on one core (`taskset -c 0`); the totals must agree within 1e-3 per
   sentence. MB/s per core are printed.
5. The transformer LM on the first --transformer-mb of the same documents (as JSONL, one
   document per line of sentences): `sieve model score` with a checkpoint of the default
   config (docs/lm.md) and examples/tokenizer.json, one core. Its weights are random
   (N(0, 0.02²), as `sieve model train` starts): the time does not depend on them.
"""
import argparse, json, os, random, statistics, struct, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".build-bench", "kenlm")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import bench  # noqa: E402  (the text pool)
import pypi_source  # noqa: E402
import timing  # noqa: E402

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


PEAK_MB = [0.0]


def timed(cmd, stdin=None, stdout=None):
    """Seconds of a whole process; its peak resident memory goes to PEAK_MB."""
    # GNU time measures the peak: a child's ru_maxrss seen from Python would start at this
    # script's own size (fork), which grows once the ARPA files are read.
    t = time.perf_counter()
    with open(os.path.join(WORK, "stderr.txt"), "w+b") as err:
        r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdin=stdin, stdout=stdout or subprocess.DEVNULL, stderr=err)
        elapsed = time.perf_counter() - t
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{chr(10).join(lines)[-2000:]}")
    PEAK_MB[0] = int(lines[-1]) / 1024
    LAST_STDERR[0] = lines[-2] if len(lines) > 1 else ""
    return elapsed


def random_checkpoint(directory):
    """A model.safetensors of the default config (docs/lm.md) with N(0, 0.02²) weights."""
    import numpy as np
    config = {"vocab_size": 4096, "hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4,
              "num_key_value_heads": 2, "head_dim": 64, "intermediate_size": 768, "seq_len": 256,
              "rope_theta": 10000, "rms_norm_eps": 1e-6, "tie_word_embeddings": True}
    d, hd, ff = config["hidden_size"], config["head_dim"], config["intermediate_size"]
    shapes = {"model.embed_tokens.weight": [config["vocab_size"], d], "model.norm.weight": [d]}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes.update({p + "input_layernorm.weight": [d], p + "post_attention_layernorm.weight": [d],
                       p + "self_attn.q_proj.weight": [4 * hd, d], p + "self_attn.k_proj.weight": [2 * hd, d],
                       p + "self_attn.v_proj.weight": [2 * hd, d], p + "self_attn.o_proj.weight": [d, 4 * hd],
                       p + "self_attn.q_norm.weight": [hd], p + "self_attn.k_norm.weight": [hd],
                       p + "mlp.gate_proj.weight": [ff, d], p + "mlp.up_proj.weight": [ff, d],
                       p + "mlp.down_proj.weight": [d, ff]})
    rng = np.random.default_rng(1)
    header, blobs, offset = {"__metadata__": {"config": json.dumps(config), "step": "0"}}, [], 0
    for name in sorted(shapes):
        shape = shapes[name]
        values = np.ones(shape, np.float32) if name.endswith("norm.weight") else (rng.standard_normal(shape) * 0.02).astype(np.float32)
        blob = values.tobytes()
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    os.makedirs(directory, exist_ok=True)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(os.path.join(directory, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))
    return directory


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=10)
    ap.add_argument("--order", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--memory", default="20%", help="lmplz -S and sieve --memory")
    ap.add_argument("--transformer-mb", type=float, default=0.3)
    args = ap.parse_args()
    sieve = timing.release_sieve(ROOT)
    binary = lmplz()
    text = os.path.join(WORK, "corpus.txt")
    size = corpus(text, args.mb)
    theirs, ours = os.path.join(WORK, "lmplz.arpa"), os.path.join(WORK, "sieve.arpa")
    times = {"lmplz": [], "sieve": []}
    peaks = {"lmplz": [], "sieve": []}
    for _ in range(args.repeats):
        with open(text) as f, open(theirs, "w") as out:
            times["lmplz"].append(timed([binary, "-o", str(args.order), "--discount_fallback", "-S", args.memory, "-T", WORK], stdin=f, stdout=out))
        peaks["lmplz"].append(PEAK_MB[0])
        times["sieve"].append(timed([sieve, "ngram", "train", "--order", str(args.order), "--discount-fallback",
                                     "--memory", args.memory, "--temp-dir", WORK, text, "-o", ours]))
        peaks["sieve"].append(PEAK_MB[0])
        sieve_summary = LAST_STDERR[0]
    a, b = read_arpa(theirs), read_arpa(ours)
    only_lmplz, only_sieve = set(a) - set(b), set(b) - set(a)
    prob = max((abs(a[g][0] - b[g][0]) for g in a.keys() & b.keys()), default=0)
    backoff = max((abs(a[g][1] - b[g][1]) for g in a.keys() & b.keys()), default=0)
    print(f"corpus: {size / 1e6:.1f} MB, order {args.order}, memory setting {args.memory}; "
          f"{len(a):,} n-grams from lmplz, {len(b):,} from sieve ({sieve_summary})")
    print(f"  only in lmplz's: {len(only_lmplz)} {sorted(only_lmplz)[:5]}; only in sieve's: {len(only_sieve)} {sorted(only_sieve)[:5]}")
    print(f"  largest difference: log10 probability {prob:.2e}, log10 backoff {backoff:.2e} (bar: 1e-4)")
    for tool, v in times.items():
        print(f"  estimate {tool:6} {statistics.median(v):.2f} s ({min(v):.2f}-{max(v):.2f}), "
              f"peak resident memory {statistics.median(peaks[tool]):.0f} MB")
    ratio = [s_ / l_ for l_, s_ in zip(times["lmplz"], times["sieve"])]
    print(f"  Sieve takes {statistics.median(ratio):.2f}x lmplz's time ({min(ratio):.2f}-{max(ratio):.2f})")

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

    if args.transformer_mb > 0:
        checkpoint = random_checkpoint(os.path.join(WORK, "transformer"))
        jsonl, size, lines = os.path.join(WORK, "transformer.jsonl"), 0, []
        with open(documents, encoding="utf-8") as f, open(jsonl, "w", encoding="utf-8") as out:
            for i, line in enumerate(f):
                lines.append(line.rstrip("\n"))
                if len(lines) == 8:
                    text_ = "\n".join(lines)
                    out.write(json.dumps({"id": f"d{i}", "text": text_}, ensure_ascii=False) + "\n")
                    size += len(text_.encode())
                    lines = []
                    if size >= args.transformer_mb * 1e6:
                        break
        t_times = []
        for _ in range(args.repeats):
            t_times.append(timed(["taskset", "-c", "0", sieve, "model", "score", "--model", checkpoint, "--tokenizer",
                                  os.path.join(ROOT, "examples", "tokenizer.json"), jsonl, "-o", os.path.join(WORK, "transformer.out.jsonl"),
                                  "--threads", "1", "--json"], stdout=open(os.path.join(WORK, "transformer.summary"), "w")))
        tokens = sum(json.loads(l).get("metadata", {}).get("scored_tokens", 0) if "metadata" in json.loads(l) else json.loads(l).get("scored_tokens", 0)
                     for l in open(os.path.join(WORK, "transformer.out.jsonl"), encoding="utf-8"))
        tm = statistics.median(t_times)
        ngram_rate = mb / statistics.median(score_times["sieve"])
        print(f"transformer LM, whole process on one core, on the first {size / 1e6:.2f} MB of the same documents ({tokens:,} tokens): "
              f"{tm:.2f} s ({min(t_times):.2f}-{max(t_times):.2f}), {size / 1e6 / tm:.4f} MB/s, {tokens / tm:,.0f} tokens/s; "
              f"Sieve's n-gram scorer, whole process: {ngram_rate:.2f} MB/s, {ngram_rate / (size / 1e6 / tm):.0f}x the transformer")


if __name__ == "__main__":
    main()
