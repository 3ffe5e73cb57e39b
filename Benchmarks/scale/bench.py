#!/usr/bin/env python3
"""The whole pipeline per core, against an earlier build, and the same run as several tasks.

    python3 Benchmarks/scale/bench.py [--mb 70] [--repeats 3] [--baseline-ref REF | --baseline SIEVE]

Input: the first MB of the tokenizer benchmark's multilingual corpus (language-ID text of
117 languages, web articles, raw HTML, news, PDF text; Benchmarks/tokenizer/bench.py;
70 MB is all of it). Pipeline: langid -> filter (FineWeb recipe) -> dedup -> tokenize
(Qwen's tokenizer) -> shards, as examples/pipeline.toml but with Qwen's vocabulary.
Release builds.

Each repeat runs, one after the other (alternating, so that the machine's drift hits
all of them alike):

1. the baseline build (`--baseline-ref REF`: that commit, built in release under
   .build-bench/; or `--baseline SIEVE`), one task, one worker thread;
2. this checkout's build, the same;
3. this checkout's build as T tasks (`sieve run --tasks T --parallel T --threads 1`,
   T = cores): every pass, the dedup passes between them, the merged manifest.

All three must give the same tokens, documents and drops, and 1 and 2 the same shard
files byte for byte. Each run writes to a folder of its own, and the folders are removed
only when the benchmark ends: ext4 without a journal (this machine's disk) skips inodes
freed in the last minute or more when it makes a file, so a folder deleted just before a
run would slow that run's file creation, a cost of the benchmark and not of a run.

Then: MB/s per core and the ratios (medians and ranges), MB/s per core of each stage
(report.json of run 2), the disk the spill between the passes takes per input byte (one
more run with keep_spill), and what 36T tokens (129 TB of output text at Qwen's 3.58
bytes per token; the input is larger by what the stages drop, docs/scale.md) would cost
at run 2's rate.
"""
import argparse, struct, hashlib, importlib.util, json, os, shutil, sqlite3, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
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


def docs_v1(data):
    """A .docs file as version 1 wrote it: version 2 (2026-12-07) appended cluster_size
    to each record, which a baseline from before it cannot have."""
    version, size, count, heap = struct.unpack_from("<IIQQ", data, 8)
    if version == 1:
        return data
    records = b"".join(data[32 + i * size:32 + i * size + 32] for i in range(count))
    return data[:8] + struct.pack("<IIQQ", 1, 32, count, 32 + 32 * count) + records + data[heap:]


def shard_digest(out):
    """SHA-256 of every file under shards/, by relative path (.docs in version 1's layout)."""
    digests = {}
    root = os.path.join(out, "shards")
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                data = f.read()
            if name.endswith(".docs"):
                data = docs_v1(data)
            digests[os.path.relpath(path, root)] = hashlib.sha256(data).hexdigest()
    return digests


def baseline_build(ref):
    """The release binary of commit `ref`, built once in a worktree under .build-bench/."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.strip()
    tree = os.path.join(ROOT, ".build-bench", f"baseline-{commit}")
    binary = os.path.join(tree, ".build", "release", "sieve")
    if not os.path.exists(binary):
        if not os.path.exists(tree):
            subprocess.run(["git", "worktree", "add", "--detach", tree, commit], cwd=ROOT, check=True, capture_output=True)
        print(f"building the baseline {commit} in release (a few minutes, once)", flush=True)
        timing.release_sieve(tree)
    return binary, commit


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=70)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-ref", help="a commit to compare with, built in release")
    parser.add_argument("--baseline", help="a sieve binary to compare with")
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
    sieve = timing.release_sieve(ROOT)
    baseline, label = None, None
    if args.baseline_ref:
        baseline, label = baseline_build(args.baseline_ref)
    elif args.baseline:
        baseline, label = args.baseline, args.baseline
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"corpus: {size / 1e6:.1f} MB, {cores} cores; pipeline langid -> filter -> dedup -> tokenize (Qwen) -> shards; "
          f"this build {head}" + (f", baseline {label}" if label else ""), flush=True)

    before, one, many, rss, stage_rates = [], [], [], [], {}
    reference = None
    runs = os.path.join(WORK, "runs")
    shutil.rmtree(runs, ignore_errors=True)
    for repeat in range(args.repeats):
        if baseline:
            out = os.path.join(runs, f"baseline-{repeat}")
            before.append(run([baseline, "run", config, "--output", out, "--threads", "1", "--no-progress"])[0])
            old = totals(os.path.join(out, "manifest.sqlite")), shard_digest(out)
        out = os.path.join(runs, f"one-{repeat}")
        seconds, peak = run([sieve, "run", config, "--output", out, "--threads", "1", "--no-progress"])
        one.append(seconds)
        rss.append(peak)
        report = json.load(open(os.path.join(out, "report.json")))
        for stage in report["stats"]["stages"]:
            if stage["seconds"] > 0:
                stage_rates.setdefault(stage["name"], []).append((stage["bytes_in"], stage["seconds"]))
        reference = totals(os.path.join(out, "manifest.sqlite"))
        if baseline:
            if old[0] != reference:
                sys.exit(f"the baseline differs: {old[0][:2]} vs {reference[:2]}")
            if old[1] != shard_digest(out):
                sys.exit("the baseline's shard files differ from this build's")
        out = os.path.join(runs, f"tasks-{repeat}")
        many.append(run([sieve, "run", config, "--output", out, "--tasks", str(cores), "--parallel", str(cores), "--threads", "1"])[0])
        got = totals(os.path.join(out, "manifest.sqlite"))
        if got != reference:
            sys.exit(f"{cores} tasks differ from one task: {got[:2]} vs {reference[:2]}")

    # The spill: what the first pass leaves on disk for the second, kept this once.
    out = os.path.join(runs, "spill")
    kept = os.path.join(WORK, "pipeline-keep-spill.toml")
    with open(kept, "w") as f:
        f.write(open(config).read().replace("[[stage]]", "[run]\nkeep_spill = true\n[[stage]]", 1))
    run([sieve, "run", kept, "--output", out, "--threads", "1", "--no-progress"])
    spill_dir = os.path.join(out, ".sieve", "spill")
    spill = sum(os.path.getsize(os.path.join(spill_dir, n)) for n in os.listdir(spill_dir))
    shutil.rmtree(runs)

    def span(values, fmt="{:.2f}"):
        return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"

    if baseline:
        print(f"\nbaseline, one task, one worker thread:   {span(before)} s = {span([size / 1e6 / s for s in before])} MB/s")
    print(f"this build, one task, one worker thread: {span(one)} s = {span([size / 1e6 / s for s in one])} MB/s, "
          f"peak RSS {span(rss, '{:.0f}')} MB")
    if baseline:
        print(f"  speed-up over the baseline: {span([b / a for a, b in zip(one, before)])}× "
              f"(ratio of medians {statistics.median(before) / statistics.median(one):.2f}×)")
    print(f"{cores} tasks, one thread each:    {span(many)} s = {span([size / 1e6 / s for s in many])} MB/s; "
          f"speed-up {span([a / b for a, b in zip(one, many)])}× on {cores} cores "
          f"(ratio of medians {statistics.median(one) / statistics.median(many):.2f}×)")
    print(f"the same tokens, documents and drops in all: {reference[0]:,} tokens in {reference[1]:,} documents"
          + ("; the same shard files as the baseline" if baseline else ""))
    print(f"the spill: {spill / 1e6:.1f} MB for {size / 1e6:.1f} MB of input ({spill / size:.2f} bytes per input byte)")
    print("\nstage       MB in   MB/s per core")
    for name, rates in stage_rates.items():
        print(f"{name:10} {rates[0][0] / 1e6:6.1f}   {span([b / 1e6 / s for b, s in rates], '{:.1f}')}")
    core_hours = [s / size * CORPUS_BYTES_36T / 3600 for s in one]
    print(f"\n129 TB of input at this build's rate: {span(core_hours, '{:,.0f}')} core-hours")


if __name__ == "__main__":
    main()
