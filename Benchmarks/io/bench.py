#!/usr/bin/env python3
"""I/O benchmark: read JSONL.zst -> write JSONL.zst with no stages.

Sieve (`sieve cat`, release build) against datatrove's JsonlReader -> JsonlWriter on the same
input in the same run; then Sieve's peak RSS on a small and a ten times larger input.

    python3 Benchmarks/io/bench.py [--mb 200] [--big-mb 2000] [--repeats 3]

Prints medians and ratios; absolute times on shared machines are noise, ratios are the result.
"""
import argparse, json, os, random, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import timing  # noqa: E402
DATA = os.path.join(ROOT, "..", "shared", "data")
WORK = os.path.join(ROOT, ".build-bench", "io")


def text_pool():
    """Real paragraphs: web articles, news items and the multilingual language-ID text."""
    paras = []
    with open(os.path.join(DATA, "html", "ground_truth.jsonl"), encoding="utf-8") as f:
        for line in f:
            paras += [p for p in json.loads(line)["article_body"].split("\n") if p.strip()]
    with open(os.path.join(DATA, "classify", "ag_news", "train.jsonl"), encoding="utf-8") as f:
        paras += [json.loads(l)["text"] for l in f]
    for name in sorted(os.listdir(os.path.join(DATA, "langid"))):
        if name.endswith(".txt"):
            with open(os.path.join(DATA, "langid", name), encoding="utf-8") as f:
                paras += [l.strip() for l in f][:400]
    return paras


def make_input(path, megabytes, seed=0):
    """JSONL.zst of about `megabytes` MB uncompressed, documents of 1-30 paragraphs."""
    import zstandard
    if os.path.exists(path):
        return json.load(open(path + ".meta"))["plain_bytes"]
    rng = random.Random(seed)
    paras = text_pool()
    target = megabytes * 1_000_000
    written = 0
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with zstandard.ZstdCompressor(level=3).stream_writer(raw) as out:
            i = 0
            while written < target:
                k = rng.randint(1, 30)
                doc = {"id": f"doc-{i}", "text": "\n\n".join(rng.choice(paras) for _ in range(k)),
                       "metadata": {"url": f"https://example.org/{i}", "dump": "bench", "score": rng.random()}}
                line = (json.dumps(doc, ensure_ascii=False) + "\n").encode()
                out.write(line)
                written += len(line)
                i += 1
    os.rename(tmp, path)
    json.dump({"plain_bytes": written, "documents": i}, open(path + ".meta", "w"))
    return written


def timed(cmd, **kw):
    """Wall seconds and peak RSS (KiB) of a command, via GNU time."""
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, **kw)
    seconds = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return seconds, int(r.stderr.strip().splitlines()[-1]), r.stdout


DATATROVE = r"""
import sys, time
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
src, out, logs = sys.argv[1:4]
ex = LocalPipelineExecutor(pipeline=[JsonlReader(src, glob_pattern="*.jsonl.zst"),
                                     JsonlWriter(out, compression="zstd")],
                           tasks=1, workers=1, logging_dir=logs, skip_completed=False)
t = time.perf_counter(); ex.run(); print(time.perf_counter() - t)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--big-mb", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    sieve = timing.release_sieve(ROOT)

    small_dir = os.path.join(WORK, f"in-{args.mb}")
    os.makedirs(small_dir, exist_ok=True)
    small = os.path.join(small_dir, "input.jsonl.zst")
    plain = make_input(small, args.mb)
    print(f"input: {plain / 1e6:.0f} MB of JSONL ({os.path.getsize(small) / 1e6:.0f} MB zstd), "
          f"{json.load(open(small + '.meta'))['documents']} documents")

    times = {"sieve --threads 1": [], "sieve --threads 2": [], "datatrove": []}
    for rep in range(args.repeats):
        for threads in (1, 2):
            out = os.path.join(WORK, "out.jsonl.zst")
            s, _, _ = timed([sieve, "cat", small, "-o", out, "--threads", str(threads), "--no-progress"])
            times[f"sieve --threads {threads}"].append(s)
        dt_out = tempfile.mkdtemp(dir=WORK)
        r = subprocess.run([sys.executable, "-c", DATATROVE, small_dir, dt_out, dt_out + "-logs"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(r.stderr)
        times["datatrove"].append(float(r.stdout.strip().splitlines()[-1]))
        shutil.rmtree(dt_out, ignore_errors=True)
        shutil.rmtree(dt_out + "-logs", ignore_errors=True)

    # Same documents out of both (datatrove writes its own layout, so compare texts and ids).
    dt = statistics.median(times["datatrove"])
    print(f"\n{'tool':<20}{'median s':>10}{'MB/s':>10}{'vs datatrove':>15}")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:<20}{m:>10.2f}{plain / m / 1e6:>10.1f}{dt / m:>14.1f}x")
    print("(MB/s counts uncompressed JSONL bytes; datatrove's time excludes Python start-up and imports)")

    if args.big_mb:
        big_dir = os.path.join(WORK, f"in-{args.big_mb}")
        os.makedirs(big_dir, exist_ok=True)
        big = os.path.join(big_dir, "input.jsonl.zst")
        big_plain = make_input(big, args.big_mb, seed=1)
        rss = {}
        for label, path in ((f"{plain / 1e6:.0f} MB", small), (f"{big_plain / 1e6:.0f} MB", big)):
            out = os.path.join(WORK, "rss-out.jsonl.zst")
            s, kib, _ = timed([sieve, "cat", path, "-o", out, "--threads", "2", "--no-progress"])
            rss[label] = kib
            print(f"peak RSS, sieve cat --threads 2, {label} input: {kib / 1024:.0f} MiB ({s:.1f} s)")
        a, b = rss.values()
        print(f"peak RSS ratio large/small: {b / a:.2f}")


if __name__ == "__main__":
    main()
