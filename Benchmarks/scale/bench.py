#!/usr/bin/env python3
"""The whole pipeline per core, and the same run as several tasks.

    python3 Benchmarks/scale/bench.py [--mb 20] [--repeats 3]

Input: the first MB of the tokenizer benchmark's multilingual corpus (language-ID text of
117 languages, web articles, raw HTML, news, PDF text; Benchmarks/tokenizer/bench.py).
Pipeline: langid -> filter (FineWeb recipe) -> dedup -> tokenize (Qwen's tokenizer) ->
shards, as examples/pipeline.toml but with Qwen's vocabulary. Release build.

1. One task, one worker thread (`sieve run --threads 1`): wall time, and the seconds each
   stage reports (report.json; the stages before dedup run twice, once to fingerprint
   and once to write, and the report counts the second), so MB/s per core per stage.
2. `sieve run --tasks T --parallel T --threads 1` (T = cores): every pass, the dedup
   passes between them, the merged manifest. Its tokens and documents must equal run 1's.
3. What 36T tokens (129 TB at Qwen's 3.58 bytes per token, docs/scale.md) would cost in
   core-hours at run 1's rate.

Medians and ranges of the repeats; this machine is shared.
"""
import argparse, importlib.util, json, os, shutil, sqlite3, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "..", "shared", "data")
WORK = os.path.join(ROOT, ".build-bench", "scale")
QWEN = os.path.join(DATA, "tokenizers", "qwen2", "tokenizer.json")
CORPUS_BYTES_36T = 129e12


def tokenizer_corpus(path):
    spec = importlib.util.spec_from_file_location("tokenizer_bench", os.path.join(ROOT, "Benchmarks", "tokenizer", "bench.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_corpus(path)


def subset(source, path, mb):
    with open(source, "rb") as fin, open(path + ".tmp", "wb") as fout:
        written = 0
        for line in fin:
            if written >= mb * 1e6:
                break
            fout.write(line)
            written += len(line)
    os.replace(path + ".tmp", path)


PIPELINE = """
[input]
paths = ["corpus"]
[output]
dir = "out"
kind = "shards"
[[stage]]
type = "langid"
model = "{root}/languages/langid.model"
keep_undetermined = true
[[stage]]
type = "filter"
filters = "{root}/filters/default.toml"
nltk_data = ["{data}/nltk_data"]
[[stage]]
type = "dedup"
[[stage]]
type = "tokenize"
tokenizer = "{qwen}"
"""


def run(cmd):
    """Wall seconds and peak RSS in MB (GNU time; for --tasks, the largest process)."""
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "rss %M"] + cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd[:4])}\n{r.stderr[-3000:]}")
    return seconds, int(r.stderr.strip().splitlines()[-1].split()[1]) / 1024


def totals(manifest):
    db = sqlite3.connect(manifest)
    tokens, documents = db.execute("SELECT sum(tokens), sum(documents) FROM shards WHERE kind = 'documents'").fetchone()
    drops = db.execute("SELECT stage, rule, sum(documents) FROM rejections GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    return tokens, documents, drops


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count()
    os.makedirs(WORK + "/corpus", exist_ok=True)
    full = os.path.join(ROOT, ".build-bench", "tokenizer", "corpus.jsonl")
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tokenizer_corpus(full)
    corpus = os.path.join(WORK, "corpus", "corpus.jsonl")
    subset(full, corpus, args.mb)
    size = os.path.getsize(corpus)
    config = os.path.join(WORK, "pipeline.toml")
    with open(config, "w") as f:
        f.write(PIPELINE.format(root=ROOT, data=os.path.abspath(DATA), qwen=os.path.abspath(QWEN)))
    subprocess.run(["swift", "build", "-c", "release", "--product", "sieve"], cwd=ROOT, check=True, capture_output=True)
    sieve = os.path.join(ROOT, ".build", "release", "sieve")
    print(f"corpus: {size / 1e6:.1f} MB, {cores} cores; pipeline langid -> filter -> dedup -> tokenize (Qwen) -> shards")

    one, many, rss, stage_rates = [], [], [], {}
    reference = None
    for _ in range(args.repeats):
        out = os.path.join(WORK, "one")
        shutil.rmtree(out, ignore_errors=True)
        seconds, peak = run([sieve, "run", config, "--output", out, "--threads", "1", "--no-progress"])
        one.append(seconds)
        rss.append(peak)
        report = json.load(open(os.path.join(out, "report.json")))
        for stage in report["stats"]["stages"]:
            if stage["seconds"] > 0:
                stage_rates.setdefault(stage["name"], []).append((stage["bytes_in"], stage["seconds"]))
        reference = totals(os.path.join(out, "manifest.sqlite"))
        out = os.path.join(WORK, "tasks")
        shutil.rmtree(out, ignore_errors=True)
        many.append(run([sieve, "run", config, "--output", out, "--tasks", str(cores), "--parallel", str(cores), "--threads", "1"])[0])
        got = totals(os.path.join(out, "manifest.sqlite"))
        if got != reference:
            sys.exit(f"{cores} tasks differ from one task: {got[:2]} vs {reference[:2]}")

    def span(values, fmt="{:.2f}"):
        return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"

    print(f"\none task, one worker thread: {span(one)} s = {span([size / 1e6 / s for s in one])} MB/s, "
          f"peak RSS {span(rss, '{:.0f}')} MB")
    print(f"{cores} tasks, one thread each:    {span(many)} s = {span([size / 1e6 / s for s in many])} MB/s; "
          f"speed-up {span([a / b for a, b in zip(one, many)])}× on {cores} cores")
    print(f"the same tokens and documents in both: {reference[0]:,} tokens in {reference[1]:,} documents")
    print("\nstage       MB in   MB/s per core (second pass)")
    for name, runs in stage_rates.items():
        print(f"{name:10} {runs[0][0] / 1e6:6.1f}   {span([b / 1e6 / s for b, s in runs], '{:.1f}')}")
    core_hours = [s / size * CORPUS_BYTES_36T / 3600 for s in one]
    print(f"\n36T tokens (129 TB) at run 1's rate: {span(core_hours, '{:,.0f}')} core-hours")


if __name__ == "__main__":
    main()
