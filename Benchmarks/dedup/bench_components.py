#!/usr/bin/env python3
"""The clusters pass as rounds of N tasks against one task merging every edge.

    python3 Benchmarks/dedup/bench_components.py [--edges 2e8] [--tasks 8] [--parallel 2] [--repeats 3]

Edges: `sieve-bench-components generate` (Benchmarks/dedup/components/main.swift): clusters
with power-law sizes up to 10^5 plus one of 2*10^5, 2.6 edges per duplicate, written as
round 0 by N buckets tasks. Then, each whole process timed alike (wall seconds, peak RSS
by GNU time):

1. the single-task merge: every edge into one union-find (what the clusters pass did
   before it ran in rounds), `sieve-bench-components merge`;
2. the rounds: `sieve dedup clusters --round R --task-index T --task-count N`, N tasks a
   round, `--parallel` at a time, until a round finds the clusters.

Each repeat runs 1 then 2 on the same round 0. Both must give the same members, clusters
and checksum. Prints medians and ranges of the wall times, the rounds, and the largest peak
RSS of any task. Release builds.
"""
import argparse, os, shutil, statistics, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
WORK = os.path.join(ROOT, ".build-bench", "components")


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "rss %M"] + cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-3000:]}")
    rss = int(r.stderr.strip().splitlines()[-1].split()[1]) / 1024
    return seconds, rss, r.stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--edges", default="2e8")
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    bin_dir = timing.release_build(ROOT, "sieve", "sieve-bench-components")
    sieve, bench = os.path.join(bin_dir, "sieve"), os.path.join(bin_dir, "sieve-bench-components")
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    seconds, rss, out = timed([bench, "generate", WORK, "--edges", args.edges, "--tasks", str(args.tasks)])
    print(f"generated: {out} ({seconds:.0f} s)", flush=True)
    disk = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(WORK) for f in fs)
    print(f"round 0 on disk: {disk / 1e9:.2f} GB", flush=True)

    def rounds():
        """Every round as --tasks processes, --parallel at a time: wall seconds, rounds, largest RSS."""
        components = os.path.join(WORK, "components")
        for name in os.listdir(components):  # all but round 0, the buckets pass's output
            if name != "round-0000":
                path = os.path.join(components, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        start = time.perf_counter()
        round_, peak = 1, 0.0
        while not os.path.exists(os.path.join(components, "skip", f"round-{round_}")) and round_ <= 32:
            t = time.perf_counter()
            cmds = [[sieve, "dedup", "clusters", "--work", WORK, "--round", str(round_), "--task-index", str(task),
                     "--task-count", str(args.tasks)] for task in range(args.tasks)]
            with ThreadPoolExecutor(args.parallel) as pool:
                largest = max(r[1] for r in pool.map(timed, cmds))
            peak = max(peak, largest)
            print(f"  round {round_}: {time.perf_counter() - t:.1f} s, largest task RSS {largest:.0f} MB", flush=True)
            round_ += 1
        return time.perf_counter() - start, round_ - 1, peak

    merges, runs, same = [], [], True
    for repeat in range(args.repeats):
        merge_s, merge_rss, merge_out = timed([bench, "merge", WORK])
        merges.append((merge_s, merge_rss))
        print(f"repeat {repeat + 1}: single-task merge {merge_s:.1f} s, peak RSS {merge_rss:.0f} MB: {merge_out}", flush=True)
        rounds_s, count, peak = rounds()
        answer = timed([bench, "answer", WORK])[2]
        runs.append((rounds_s, count, peak))
        print(f"repeat {repeat + 1}: {count} rounds in {rounds_s:.1f} s, largest task RSS {peak:.0f} MB: {answer}", flush=True)
        same = same and answer.split(" rounds")[0] == merge_out

    def span(values, fmt="{:.1f}"):
        return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"

    print(f"\nsingle-task merge: {span([m[0] for m in merges])} s, peak RSS {span([m[1] for m in merges], '{:.0f}')} MB")
    print(f"rounds, {args.tasks} tasks, {args.parallel} at a time: {span([r[0] for r in runs])} s in "
          f"{sorted(set(r[1] for r in runs))} rounds, largest task RSS {span([r[2] for r in runs], '{:.0f}')} MB")
    print(f"rounds / merge, wall, per repeat: {span([r[0] / m[0] for r, m in zip(runs, merges)], '{:.2f}')}×")
    print("same clusters as the single-task merge in every repeat" if same else "DIFFERENT from the single-task merge")
    disk = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(WORK) for f in fs)
    print(f"work folder after the rounds: {disk / 1e9:.2f} GB")
    sys.exit(0 if same else 1)

if __name__ == "__main__":
    main()
