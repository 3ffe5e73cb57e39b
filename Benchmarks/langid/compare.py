#!/usr/bin/env python3
"""Two language-ID models side by side, per language, on the held-out blocks.

The held-out text is `sieve langid dev-set` over ../shared/data/langid (the same lines
whatever the extra folders, since their lines come after), scored as single lines and as
5-line paragraphs, plus the held-out blocks that the extra training folders add
(../shared/data/langid/extra: Standard Arabic from UD Arabic-PUD; .build-langid/extra:
English news), reported apart as `arb_Arab+pud` and `eng_Latn+news`. Both models run
with their own registry's priors (`--before-prior`/`--after-prior CODE=W` add others).

Prints markdown: macro accuracy over all languages, the Arabic varieties, the dialects
without Standard Arabic, the groups, and each language whose accuracy changed. With
--repeats N, also the speed of both: `sieve langid detect --threads 1` on the held-out
lines, whole process, the two models alternating, medians and their ratio.

    python3 Benchmarks/langid/compare.py --before OLD.model [--after languages/langid.model] [--repeats 5]
        [--before-binary OLD_CHECKOUT/.build/release/sieve]

--before-binary runs the old model with an older build's `sieve` (for speed, build and model
together; its accuracy is measured with this build, which reads both model versions).
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared/data/langid"
EXTRA = [DATA / "extra", ROOT / ".build-langid/extra"]
ARABIC = ["arb_Arab", "ars_Arab", "apc_Arab", "arz_Arab", "ary_Arab", "acm_Arab", "acq_Arab", "aeb_Arab"]
PAIRS = ["bos_Latn", "hrv_Latn", "zsm_Latn", "ind_Latn", "nob_Latn", "nno_Latn", "dan_Latn", "fao_Latn", "isl_Latn",
         "pes_Arab", "prs_Arab"]


def sieve(*args, stdin=None):
    return subprocess.run([str(ROOT / ".build/release/sieve"), *args], cwd=ROOT, check=True, capture_output=True,
                          text=True, input=stdin).stdout


def rows(paragraph):
    """(code, text) of the main held-out blocks, then those the extra folders add, relabelled."""
    main = sieve("langid", "dev-set", "--data", str(DATA), "--paragraph", str(paragraph)).splitlines()[1:]
    folders = [str(f) for f in EXTRA if f.exists()]
    if not (DATA / "extra").exists() or not (ROOT / ".build-langid/extra").exists():
        sys.exit("run python3 scripts/make-langid-extra.py first; ../shared/data/langid/extra must exist")
    args = ["langid", "dev-set", "--data", str(DATA)]
    for f in folders:
        args += ["--data", f]
    known = set(main)
    added = [line for line in sieve(*args, "--paragraph", str(paragraph)).splitlines()[1:] if line not in known]
    label = {"arb_Arab": "arb_Arab+pud", "eng_Latn": "eng_Latn+news"}
    out = [line.split("\t", 1) for line in main]
    for line in added:
        code, text = line.split("\t", 1)
        out.append([label.get(code, code + "+extra"), text])
    return out


def predict(model, priors, samples):
    args = ["langid", "detect", "--model", model]
    for p in priors:
        args += ["--prior", p]
    out = sieve(*args, stdin="".join(text.replace("\n", " ") + "\n" for _, text in samples))
    return [line.split("\t")[0] for line in out.splitlines()]


def accuracy(samples, predictions):
    per = {}
    for (code, _), predicted in zip(samples, predictions):
        n, right = per.get(code, (0, 0))
        per[code] = (n + 1, right + (predicted == code.split("+")[0]))
    return {code: right / n for code, (n, right) in per.items()}, {code: n for code, (n, _) in per.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", default=str(ROOT / "languages/langid.model"))
    ap.add_argument("--before-prior", action="append", default=[])
    ap.add_argument("--after-prior", action="append", default=[])
    ap.add_argument("--repeats", type=int, default=0, help="time both models this many times each")
    ap.add_argument("--before-binary", default=str(ROOT / ".build/release/sieve"),
                    help="the sieve that times the old model")
    ap.add_argument("--json", help="also write the per-language results here")
    args = ap.parse_args()
    registry = {}
    for line in (ROOT / "languages/registry.tsv").read_text().splitlines()[1:]:
        f = line.split("\t")
        registry[f[0]] = f[6] if len(f) > 6 and f[6] else f[0]
    results = {}
    for name, paragraph in [("lines", 1), ("paragraphs", 5)]:
        samples = rows(paragraph)
        main_codes = sorted({c for c, _ in samples if "+" not in c})
        table = {}
        for side, model, priors in [("before", args.before, args.before_prior), ("after", args.after, args.after_prior)]:
            predictions = predict(model, priors, samples)
            acc, counts = accuracy(samples, predictions)
            # Group accuracy: predicted within the expected language's group.
            right = {}
            for (code, _), p in zip(samples, predictions):
                g = registry.get(code.split("+")[0])
                n, r = right.get(g, (0, 0))
                right[g] = (n + 1, r + (registry.get(p) == g))
            table[side] = {"accuracy": acc, "counts": counts,
                           "groups": {g: r / n for g, (n, r) in right.items()}}
        results[name] = table
        b, a = table["before"]["accuracy"], table["after"]["accuracy"]
        counts = table["after"]["counts"]

        def m(acc, codes):
            return sum(acc[c] for c in codes) / len(codes)
        dialects = [c for c in ARABIC[1:] if c in a]
        print(f"\n### {name} ({len(samples)} samples)\n")
        print("| | before | after |\n|---|---|---|")
        print(f"| macro accuracy, all {len(main_codes)} languages | {m(b, main_codes):.4f} | {m(a, main_codes):.4f} |")
        print(f"| macro accuracy, the 8 Arabic varieties | {m(b, ARABIC):.4f} | {m(a, ARABIC):.4f} |")
        print(f"| macro accuracy, the 7 Arabic dialects (without arb_Arab) | {m(b, dialects):.4f} | {m(a, dialects):.4f} |")
        for extra in sorted(c for c in a if "+" in c):
            print(f"| {extra} (held-out blocks of the extra text, {counts[extra]}) | {b[extra]:.4f} | {a[extra]:.4f} |")
        print("\n| language | samples | before | after |\n|---|---|---|---|")
        for code in ARABIC + PAIRS:
            if code in a:
                print(f"| {code} | {counts[code]} | {b[code]:.4f} | {a[code]:.4f} |")
        changed = [c for c in main_codes if c not in ARABIC + PAIRS and abs(a[c] - b[c]) > 1e-9]
        for code in changed:
            print(f"| {code} | {counts[code]} | {b[code]:.4f} | {a[code]:.4f} |")
        gb, ga = table["before"]["groups"], table["after"]["groups"]
        print("\n| group (samples read as one of its languages) | before | after |\n|---|---|---|")
        for g in sorted({registry[c] for c in registry if registry[c] != c}):
            if g in ga:
                print(f"| {g} | {gb[g]:.4f} | {ga[g]:.4f} |")
    if args.repeats:
        # Three copies of the held-out lines: a run long enough that starting the process
        # (loading the model) is a small part of it.
        results["seconds"] = speed(args, rows(1) * 3)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True))


def speed(args, samples):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(text + "\n" for _, text in samples))
        path = f.name
    binaries = {"before": args.before_binary, "after": ROOT / ".build/release/sieve"}
    times = {"before": [], "after": []}
    for _ in range(args.repeats):
        for side, model in [("before", args.before), ("after", args.after)]:
            start = time.perf_counter()
            subprocess.run(f"{binaries[side]} langid detect --threads 1 --model {model} < {path} > /dev/null", shell=True,
                           check=True)
            times[side].append(time.perf_counter() - start)
    Path(path).unlink()
    b, a = statistics.median(times["before"]), statistics.median(times["after"])
    print(f"\n### speed: {len(samples)} lines, one thread, whole process, median of {args.repeats}\n")
    print(f"| model | lines/s | range |\n|---|---|---|")
    for side, med in [("before", b), ("after", a)]:
        print(f"| {side} | {len(samples) / med:,.0f} | {len(samples) / max(times[side]):,.0f}–{len(samples) / min(times[side]):,.0f} |")
    print(f"\nafter / before time: {a / b:.3f}")
    return times


if __name__ == "__main__":
    main()
