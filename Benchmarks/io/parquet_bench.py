#!/usr/bin/env python3
"""Parquet -> JSONL on one core: Sieve against datatrove and pyarrow, same files, same run.

    python3 Benchmarks/io/parquet_bench.py [--mb 150] [--repeats 3]

Input: Parquet files written by pyarrow with FineWeb's columns (text, id, dump, url,
date, file_path, language, language_score, token_count), snappy, row groups of 10,000
rows, texts from real paragraphs (Benchmarks/io/bench.py's pool: web articles, news,
117 languages). Each tool turns them into uncompressed JSON lines, timed as a whole
process (start-up and imports included) with GNU time, held to one core with
`taskset -c 0` (pyarrow's and Sieve's threads share it):

1. `sieve cat DIR -o out.jsonl --threads 1` (release build);
2. datatrove's `ParquetReader` -> `JsonlWriter(compression=None)`, LocalPipelineExecutor
   with one task and one worker;
3. pyarrow alone: `pq.read_table`, `to_pylist`, `json.dumps` a line per row.

The three alternate within each repeat; medians, ranges and ratios are printed, and
every output is checked to hold the same texts and ids.
"""
import argparse, importlib.metadata, json, os, random, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".build-bench", "parquet")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the text pool)
import timing  # noqa: E402

DATATROVE = r"""
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.writers import JsonlWriter
src, out, logs = sys.argv[1:4]
LocalPipelineExecutor(pipeline=[ParquetReader(src), JsonlWriter(out, compression=None)],
                      tasks=1, workers=1, logging_dir=logs, skip_completed=False).run()
"""

PYARROW = r"""
import glob, json, sys
import pyarrow.parquet as pq
src, out = sys.argv[1:3]
with open(out, "w", encoding="utf-8") as f:
    for path in sorted(glob.glob(src + "/*.parquet")):
        for row in pq.read_table(path).to_pylist():
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
"""


def make_input(directory, megabytes, files=3, seed=0):
    import pyarrow as pa, pyarrow.parquet as pq
    done = directory + ".json"
    if os.path.exists(done):
        return json.load(open(done))
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(seed)
    paras = bench.text_pool()
    per_file = megabytes * 1_000_000 // files
    documents = text_bytes = 0
    for f in range(files):
        rows = {k: [] for k in ["text", "id", "dump", "url", "date", "file_path", "language", "language_score", "token_count"]}
        size = 0
        while size < per_file:
            text = "\n\n".join(rng.choice(paras) for _ in range(rng.randint(1, 30)))
            rows["text"].append(text)
            rows["id"].append(f"<urn:uuid:{rng.getrandbits(128):032x}>")
            rows["dump"].append("CC-MAIN-2024-10")
            rows["url"].append(f"https://example{rng.randint(0, 9999)}.org/{documents}")
            rows["date"].append(f"2024-02-{rng.randint(10, 29)}T{rng.randint(10, 23)}:00:00Z")
            rows["file_path"].append(f"s3://commoncrawl/crawl-data/CC-MAIN-2024-10/segments/{rng.randint(0, 999)}/warc.gz")
            rows["language"].append(rng.choice(["en", "de", "fr", "ja"]))
            rows["language_score"].append(rng.random())
            rows["token_count"].append(len(text) // 4)
            size += len(text.encode())
            documents += 1
        text_bytes += size
        pq.write_table(pa.table(rows), os.path.join(directory, f"{f:03d}.parquet"), compression="snappy", row_group_size=10_000)
    meta = {"documents": documents, "text_bytes": text_bytes,
            "parquet_bytes": sum(os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory) if n.endswith(".parquet"))}
    json.dump(meta, open(done, "w"))
    return meta


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(["taskset", "-c", "0", "/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return time.perf_counter() - t


def texts_and_ids(paths):
    pairs = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            pairs += [(o["id"], o["text"]) for o in map(json.loads, f)]
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sieve = timing.release_sieve(ROOT)
    source = os.path.join(WORK, f"in-{args.mb}")
    meta = make_input(source, args.mb)
    versions = {p: importlib.metadata.version(p) for p in ("datatrove", "pyarrow")}
    print(f"input: {meta['documents']} documents, {meta['text_bytes'] / 1e6:.0f} MB of text in "
          f"{meta['parquet_bytes'] / 1e6:.0f} MB of Parquet (snappy); datatrove {versions['datatrove']}, "
          f"pyarrow {versions['pyarrow']}, Python {sys.version.split()[0]}", flush=True)

    times = {"sieve": [], "datatrove": [], "pyarrow": []}
    outputs = {}
    for _ in range(args.repeats):
        out = os.path.join(WORK, "sieve.jsonl")
        times["sieve"].append(timed([sieve, "cat", source, "-o", out, "--threads", "1", "--no-progress"]))
        outputs["sieve"] = [out]
        dt = os.path.join(WORK, "datatrove")
        shutil.rmtree(dt, ignore_errors=True)
        times["datatrove"].append(timed([sys.executable, "-c", DATATROVE, source, dt, dt + "-logs"]))
        outputs["datatrove"] = sorted(os.path.join(dt, n) for n in os.listdir(dt))
        shutil.rmtree(dt + "-logs", ignore_errors=True)
        out = os.path.join(WORK, "pyarrow.jsonl")
        times["pyarrow"].append(timed([sys.executable, "-c", PYARROW, source, out]))
        outputs["pyarrow"] = [out]
        print("  repeat: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)

    reference = texts_and_ids(outputs["sieve"])
    for name in ("datatrove", "pyarrow"):
        if texts_and_ids(outputs[name]) != reference:
            sys.exit(f"{name} wrote other texts or ids than Sieve")
    print(f"the same {len(reference)} ids and texts from all three")

    def span(v):
        return f"{statistics.median(v):.2f} s ({min(v):.2f}-{max(v):.2f})"
    for name, values in times.items():
        ratios = [d / s for d, s in zip(times[name], times["sieve"])]
        print(f"{name:10} {span(values)}  {meta['text_bytes'] / 1e6 / statistics.median(values):6.1f} MB/s of text"
              + ("" if name == "sieve" else f"  Sieve is {statistics.median(ratios):.2f}x faster ({min(ratios):.2f}-{max(ratios):.2f})"))


if __name__ == "__main__":
    main()
