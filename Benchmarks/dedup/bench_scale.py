#!/usr/bin/env python3
"""What dedup costs per document: memory in the online mode, disk between the sharded
passes, and the time of each sharded pass with 4 tasks.

Documents: the bench_speed.py corpus (about 240 words a document), copied with 30% of
the words replaced at random in each copy so that every document is distinct (about
1/20, --near, are left as near copies, so that there are clusters to find).

- Memory: peak RSS (GNU time) of `sieve dedup` (online, --threads 2) at two corpus
  sizes; the difference divided by the difference in documents is the memory per
  document, free of the fixed start-up cost. Also what the index reports itself.
- Disk: bytes under WORK/signatures, WORK/buckets and WORK/clusters per document.
- Time: each task of each pass, 4 tasks, run one after the other (--threads 1), and
  the online mode; the clusters pass is the one that runs as a single task.

    python3 Benchmarks/dedup/bench_scale.py [--small 40000] [--large 160000] [--near 0.05]
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time

import bench_speed
from bench_speed import timing


def build(path, count, base, rng, near):
    vocabulary = sorted({w for d in base[:300] for w in d.split()})
    with open(path, "w") as f:
        for i in range(count):
            words = base[i % len(base)].split()
            rate = 0.02 if rng.random() < near else 0.3
            words = [rng.choice(vocabulary) if rng.random() < rate else w for w in words]
            f.write(json.dumps({"id": f"d{i}", "text": " ".join(words)}) + "\n")


def peak_rss(command):
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, check=True, capture_output=True, text=True)
    lines = result.stderr.strip().splitlines()
    reported = next((l for l in lines if l.startswith("dedup")), "")
    return int(lines[-1]) * 1024, reported


def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=40000)
    parser.add_argument("--large", type=int, default=160000)
    parser.add_argument("--near", type=float, default=0.05, help="fraction of documents made near copies")
    parser.add_argument("--data", default="../shared/data")
    args = parser.parse_args()
    sieve = timing.release_sieve(bench_speed.ROOT)
    base = bench_speed.corpus(args.data, 4000)
    work = tempfile.mkdtemp()
    rng = random.Random(1)
    sizes = {}
    for name, count in (("small", args.small), ("large", args.large)):
        path = os.path.join(work, f"{name}.jsonl")
        build(path, count, base, rng, args.near)
        rss, reported = peak_rss([sieve, "dedup", path, "-o", os.path.join(work, "out.jsonl"), "--threads", "2",
                                  "--no-progress"])
        sizes[name] = (count, rss, os.path.getsize(path))
        print(f"online, {count} documents ({os.path.getsize(path) / 1e6:.0f} MB): peak RSS {rss / 2**20:.0f} MiB; {reported}")
    (n1, r1, _), (n2, r2, bytes2) = sizes["small"], sizes["large"]
    print(f"online memory per document (RSS slope): {(r2 - r1) / (n2 - n1):.0f} bytes")

    path = os.path.join(work, "large.jsonl")
    state = os.path.join(work, "state")
    unit = ["--unit-bytes", str(max(1 << 20, bytes2 // 16))]

    def timed(command):
        start = time.perf_counter()
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        return time.perf_counter() - start, result.stderr

    times = {"signatures": [], "buckets": [], "clusters": [], "filter": []}
    for task in range(4):
        times["signatures"].append(timed([sieve, "dedup", "signatures", path, "--work", state, "--task-index", str(task),
                                          "--task-count", "4", "--threads", "1", "--no-progress"] + unit)[0])
    for task in range(4):
        times["buckets"].append(timed([sieve, "dedup", "buckets", "--work", state, "--task-index", str(task),
                                       "--task-count", "4"])[0])
    start = time.perf_counter()
    rss, summary = peak_rss([sieve, "dedup", "clusters", "--work", state, "--bucket-tasks", "4"])
    print(summary)
    times["clusters"].append(time.perf_counter() - start)
    forest = sum(os.path.getsize(os.path.join(state, "buckets", f)) - 24
                 for f in os.listdir(os.path.join(state, "buckets")) if f.startswith("forest")) // 16
    print(f"clusters pass: {forest} forest edges in, peak RSS {rss / 2**20:.0f} MiB, "
          f"{forest / times['clusters'][0] / 1e6:.2f} million edges/s (process start included)")
    for task in range(4):
        times["filter"].append(timed([sieve, "dedup", "filter", path, "--work", state, "--task-index", str(task),
                                      "--task-count", "4", "-o", os.path.join(work, f"out-{task}.jsonl"),
                                      "--threads", "1", "--no-progress"] + unit)[0])
    online, _ = timed([sieve, "dedup", path, "-o", os.path.join(work, "online.jsonl"), "--threads", "1", "--no-progress"])
    for name in ("signatures", "buckets", "clusters"):
        print(f"disk after {name}: {du(os.path.join(state, name)) / n2:.0f} bytes per document")
    print(f"{n2} documents, 4 tasks, one thread each: seconds per task, and the pass's throughput "
          "with its tasks in parallel (documents / slowest task)")
    for name, values in times.items():
        print(f"  {name:10} " + " ".join(f"{v:6.2f}" for v in values) + f"   {n2 / max(values) / 1000:.0f}k documents/s")
    print(f"  online (both passes, 1 thread): {online:.2f} s")
    kept = b"".join(open(os.path.join(work, f"out-{t}.jsonl"), "rb").read() for t in range(4))
    print("sharded output equals online output:", kept == open(os.path.join(work, "online.jsonl"), "rb").read())
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
