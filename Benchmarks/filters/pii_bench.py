#!/usr/bin/env python3
"""Personal data, Sieve against datatrove 0.10's PIIFormatter, in one run.

    python3 -m pip install datatrove
    python3 Benchmarks/filters/pii_bench.py [--mb 50] [--repeats 3] [--sample 50]

1. Agreement on real pages: the 341 HTML pages of ../shared/data/html, all their visible
   text (`sieve extract --full-text`, navigation and footers included, where contact data
   sits). datatrove's PIIFormatter with one replacement per kind (`<EMAIL_ADDRESS>`,
   `<IP_ADDRESS>`) against `sieve pii --kind email --kind ip`: every page where datatrove
   replaces something must be one where Sieve does, and the pages whose texts differ are
   printed (Sieve's `ip` also replaces IPv6, which datatrove does not look for).
2. What only Sieve replaces on those pages (phone, card, IBAN numbers), counted by kind;
   a seeded sample of --sample of them, with 40 characters either side, goes to
   .build-bench/pii/sample.txt to be read by eye.
3. Speed: --mb of JSONL documents from Benchmarks/io/bench.py's pool, whole processes on
   one core (`taskset -c 0`), alternating: `sieve pii --threads 1` (all kinds, and e-mail and IP only)
   against datatrove's `JsonlReader` -> `PIIFormatter` -> `JsonlWriter` under
   `LocalPipelineExecutor(tasks=1)`. Medians of --repeats.
"""
import argparse, glob, json, os, random, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
WORK = os.path.join(ROOT, ".build-bench", "pii")
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "filters"))
import decont_bench  # noqa: E402  (the documents)
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402

DATATROVE = r"""
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.formatters import PIIFormatter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
docs, out, logs = sys.argv[1:4]
LocalPipelineExecutor(pipeline=[JsonlReader(docs), PIIFormatter(), JsonlWriter(out)],
                      tasks=1, workers=1, logging_dir=logs, skip_completed=False).run()
"""


def pages(sieve):
    out = []
    for path in sorted(glob.glob(os.path.join(DATA, "html", "**", "*.html"), recursive=True)):
        r = subprocess.run([sieve, "extract", "--full-text", path], capture_output=True)
        if r.returncode == 0 and r.stdout.strip():
            out.append((os.path.relpath(path, DATA), r.stdout.decode("utf-8", "replace")))
    return out


def sieve_pii(sieve, texts, extra):
    src, dst = os.path.join(WORK, "pages.jsonl"), os.path.join(WORK, "pages.out.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n")
    subprocess.run([sieve, "pii", src, "-o", dst, "--threads", "1", "--no-progress"] + extra, check=True, capture_output=True)
    return [json.loads(l) for l in open(dst, encoding="utf-8")]


def timed(cmd):
    return timing.measured(cmd)[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sample", type=int, default=50)
    args = ap.parse_args()
    sieve = timing.release_sieve(ROOT)
    os.makedirs(WORK, exist_ok=True)
    from datatrove.pipeline.formatters import PIIFormatter

    named = pages(sieve)
    texts = [t for _, t in named]
    theirs = [PIIFormatter(email_replacement="<EMAIL_ADDRESS>", ip_replacement="<IP_ADDRESS>").format(t) for t in texts]
    ours = [d["text"] for d in sieve_pii(sieve, texts, ["--kind", "email", "--kind", "ip"])]
    changed_theirs = {i for i, (a, b) in enumerate(zip(texts, theirs)) if a != b}
    changed_ours = {i for i, (a, b) in enumerate(zip(texts, ours)) if a != b}
    print(f"real pages: {len(texts)} (all visible text of ../shared/data/html), {sum(map(len, texts)) / 1e6:.1f} MB")
    print(f"  e-mail and IP: datatrove changes {len(changed_theirs)} pages, Sieve {len(changed_ours)}; "
          f"pages datatrove changes and Sieve does not: {len(changed_theirs - changed_ours)}")
    print(f"  same text on {sum(a == b for a, b in zip(theirs, ours))} of {len(texts)} pages")
    for i in sorted(changed_theirs | changed_ours):
        if theirs[i] != ours[i]:
            a, b = theirs[i], ours[i]
            k = next(j for j in range(min(len(a), len(b))) if a[j] != b[j]) if any(x != y for x, y in zip(a, b)) else min(len(a), len(b))
            print(f"  differ on {named[i][0]}: datatrove {a[max(0, k - 40):k + 40]!r} / sieve {b[max(0, k - 40):k + 40]!r}")

    # What only Sieve replaces.
    full = sieve_pii(sieve, texts, [])
    counts, examples = {}, []
    for i, d in enumerate(full):
        for kind, n in (d.get("metadata", {}).get("pii") or {}).items():
            counts[kind] = counts.get(kind, 0) + n
        # What each phone, card and IBAN placeholder replaced: the original around it.
        out, original = d["text"], texts[i]
        if any(tag in out for tag in ("<PHONE_NUMBER>", "<CARD_NUMBER>", "<IBAN>")):
            import difflib
            for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, original, out, autojunk=False).get_opcodes():
                for kind, tag in [("phone", "<PHONE_NUMBER>"), ("card", "<CARD_NUMBER>"), ("iban", "<IBAN>")]:
                    if op == "replace" and out[b0:b1] == tag:
                        examples.append((kind, named[i][0], original[max(0, a0 - 30):a0] + "[[" + original[a0:a1] + "]]" + original[a1:a1 + 30]))
    print(f"  every kind, replacements on these pages: {json.dumps(counts, sort_keys=True)}")
    rng = random.Random(7)
    sample = rng.sample(examples, min(args.sample, len(examples)))
    with open(os.path.join(WORK, "sample.txt"), "w", encoding="utf-8") as f:
        for kind, page, context in sample:
            f.write(f"{kind}\t{page}\t{context!r}\n")
    print(f"  {len(examples)} phone, card and IBAN replacements; {len(sample)} sampled to {os.path.join(WORK, 'sample.txt')}")

    # Speed.
    docs = os.path.join(WORK, "docs.jsonl")
    size = decont_bench.documents(docs, args.mb)
    times = {"sieve": [], "sieve-email-ip": [], "datatrove": []}
    for _ in range(args.repeats):
        times["sieve"].append(timed(["taskset", "-c", "0", sieve, "pii", docs, "-o", os.path.join(WORK, "out.jsonl"), "--threads", "1", "--no-progress"]))
        times["sieve-email-ip"].append(timed(["taskset", "-c", "0", sieve, "pii", docs, "-o", os.path.join(WORK, "out.jsonl"), "--threads", "1", "--no-progress",
                                              "--kind", "email", "--kind", "ip"]))
        subprocess.run(["rm", "-rf", os.path.join(WORK, "dt-out"), os.path.join(WORK, "logs")])
        times["datatrove"].append(timed(["taskset", "-c", "0", sys.executable, "-c", DATATROVE, docs, os.path.join(WORK, "dt-out"),
                                         os.path.join(WORK, "logs")]))
    print(f"speed on {size / 1e6:.1f} MB of documents, whole processes on one core, medians of {args.repeats}:")
    for tool, v in times.items():
        print(f"  {tool:15} {statistics.median(v):6.2f} s ({min(v):.2f}-{max(v):.2f})  {size / 1e6 / statistics.median(v):6.1f} MB/s")
    for mine in ["sieve", "sieve-email-ip"]:
        r = [d / s for d, s in zip(times["datatrove"], times[mine])]
        print(f"  {mine} is {statistics.median(r):.1f}x datatrove ({min(r):.1f}-{max(r):.1f})")


if __name__ == "__main__":
    main()
