#!/usr/bin/env python3
"""Matrix multiply: SieveKernels vs numpy (OpenBLAS) on the same shapes, same thread
counts, in one run. GFLOP/s = 2·M·N·K / median seconds.

    python3 Benchmarks/kernels/bench.py [--rounds 5] [--repeats 3] [--threads 1,2]

Shapes: square 256…2048 and skinny ones (a batch of 64 or 512 rows through a 1024-wide
layer, and a 4096 x 256 · 256 x 1024 projection). Sieve runs `sieve-bench-kernels`
(release build); numpy runs in a child process with OPENBLAS_NUM_THREADS set, since
OpenBLAS fixes its thread count when it loads.
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
SHAPES = ["256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
          "64x1024x1024", "512x1024x1024", "4096x256x1024", "1024x4096x64"]

NUMPY = r"""
import json, sys, time
import numpy as np
repeats = int(sys.argv[1])
for shape in sys.argv[2:]:
    m, k, n = map(int, shape.split("x"))
    a = (np.arange(m * k, dtype=np.float32) % 97 / 97 - 0.5).reshape(m, k)
    b = (np.arange(k * n, dtype=np.float32) % 89 / 89 - 0.5).reshape(k, n)
    c = np.empty((m, n), dtype=np.float32)
    times = []
    for _ in range(repeats + 1):
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t)
    times = sorted(times[1:])
    print(json.dumps({"shape": shape, "median": times[len(times) // 2]}))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5, help="alternating Sieve / numpy rounds")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per shape in a round (median kept)")
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    bench = os.path.join(timing.release_build(ROOT, "sieve-bench-kernels"), "sieve-bench-kernels")
    import numpy
    config = numpy.show_config(mode="dicts") if hasattr(numpy, "show_config") else {}
    blas = config.get("Build Dependencies", {}).get("blas", {}) if isinstance(config, dict) else {}
    print(f"numpy {numpy.__version__}, BLAS: {blas.get('name', '?')} {blas.get('version', '')}; "
          f"{args.rounds} rounds alternating the two, medians")
    print(f"{'shape M x K x N':>18} {'threads':>7} {'sieve GFLOP/s':>14} {'numpy GFLOP/s':>14} {'sieve / numpy':>14}")
    for threads in [int(t) for t in args.threads.split(",")]:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        sieve = {shape: [] for shape in SHAPES}
        peer = {shape: [] for shape in SHAPES}
        # The machine is shared: alternate the two so that both see the same background load,
        # and compare them round by round.
        for _ in range(args.rounds):
            for line in subprocess.run([bench, "--threads", str(threads), "--repeats", str(args.repeats)] + SHAPES,
                                       check=True, capture_output=True, text=True).stdout.splitlines():
                row = json.loads(line)
                sieve[row["shape"]].append(row["median"])
            for line in subprocess.run([sys.executable, "-c", NUMPY, str(args.repeats)] + SHAPES, check=True,
                                       capture_output=True, text=True, env=env).stdout.splitlines():
                row = json.loads(line)
                peer[row["shape"]].append(row["median"])
        ratios = []
        for shape in SHAPES:
            m, k, n = map(int, shape.split("x"))
            flops = 2 * m * n * k
            ratio = statistics.median(p / s for p, s in zip(peer[shape], sieve[shape]))
            ratios.append(ratio)
            print(f"{shape:>18} {threads:>7} {flops / statistics.median(sieve[shape]) / 1e9:>14.1f} "
                  f"{flops / statistics.median(peer[shape]) / 1e9:>14.1f} {ratio:>13.2f}x")
        print(f"{'median ratio':>18} {threads:>7} {'':>14} {'':>14} {statistics.median(ratios):>13.2f}x")


if __name__ == "__main__":
    main()
