#!/usr/bin/env python3
"""PDF text extraction: Sieve vs pdftotext (poppler-utils) and pypdfium2 on
../shared/data/pdf, in one run.

- Quality: character similarity to the ground truth, 1 - normalized Levenshtein distance
  (rapidfuzz), on whitespace-normalized text and on text without whitespace, for every
  file whose manifest.tsv row has a ground-truth file and a text layer; means over the
  generated files (exact ground truth) and the real ones (approximate ground truth).
- Outcomes on the files without usable text (scanned, encrypted, broken).
- Speed: pages per second over all readable files: Sieve as pipelines run it (one
  process, PDFs parsed in its worker processes; 1 and 2 threads) and as one process per
  file, pdftotext as one process per file, pypdfium2 in-process.

    python3 Benchmarks/extract/pdf_bench.py [--repeats 3]   (pip install rapidfuzz pypdfium2)
"""
import argparse, csv, os, statistics, subprocess, sys, time

from rapidfuzz.distance import Levenshtein

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
DATA = os.path.join(ROOT, "..", "shared", "data", "pdf")
SIEVE = os.path.join(ROOT, ".build-bench", "release", "sieve")


def sieve(path):
    r = subprocess.run([SIEVE, "extract", path], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def pdftotext(path):
    r = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def pdfium(path):
    import pypdfium2
    try:
        pdf = pypdfium2.PdfDocument(path)
    except Exception:
        return None
    out = []
    for page in pdf:
        out.append(page.get_textpage().get_text_bounded())
    return "\n\n".join(out)


def similarity(a, b, keep_spaces):
    if keep_spaces:
        a, b = " ".join(a.split()), " ".join(b.split())
    else:
        a, b = "".join(a.split()), "".join(b.split())
    return Levenshtein.normalized_similarity(a, b)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    timing.release_sieve(ROOT, scratch=os.path.join(ROOT, ".build-bench"))
    rows = list(csv.DictReader(open(os.path.join(DATA, "manifest.tsv"), encoding="utf-8"), delimiter="\t"))
    extractors = {"sieve": sieve, "pdftotext": pdftotext, "pypdfium2": pdfium}
    scored = [r for r in rows if r["ground_truth_file"] != "-" and r["kind"] not in
              ("scanned-image-only", "encrypted-user-password")]
    for group, kinds in (("generated (exact ground truth)", lambda r: r["origin"] == "generated"),
                         ("real (approximate ground truth)", lambda r: r["origin"] == "real")):
        files = [r for r in scored if kinds(r)]
        print(f"\n{group}: {len(files)} files, char similarity (whitespace-normalized / without whitespace)")
        means = {name: ([], []) for name in extractors}
        for r in files:
            truth = open(os.path.join(DATA, r["ground_truth_file"]), encoding="utf-8").read()
            line = f"  {r['file']:34s}"
            for name, extract in extractors.items():
                text = extract(os.path.join(DATA, r["file"])) or ""
                a, b = similarity(text, truth, True), similarity(text, truth, False)
                means[name][0].append(a)
                means[name][1].append(b)
                line += f"  {name} {b:.3f}"
            print(line)
        for name, (a, b) in means.items():
            print(f"  mean {name:10s} {statistics.mean(a):.3f} / {statistics.mean(b):.3f}")

    print("\nfiles without usable text (Sieve's outcome):")
    for r in rows:
        if r["kind"] in ("scanned-image-only", "encrypted-user-password", "broken-empty-file", "broken-invalid"):
            p = subprocess.run([SIEVE, "extract", os.path.join(DATA, r["file"])], capture_output=True, text=True)
            print(f"  {r['file']:34s} {r['kind']:24s} {p.stderr.strip().split(': ', 2)[-1] if p.returncode else 'text'}")

    readable = [r for r in rows if r["kind"] not in ("scanned-image-only", "encrypted-user-password",
                                                       "broken-empty-file", "broken-invalid")]
    import pypdfium2
    pages = sum(len(pypdfium2.PdfDocument(os.path.join(DATA, r["file"]))) for r in readable)
    batch = os.path.join(ROOT, ".build-bench", "extract", "pdfs")
    os.makedirs(batch, exist_ok=True)
    for r in readable:
        link = os.path.join(batch, r["file"])
        if not os.path.exists(link):
            os.symlink(os.path.abspath(os.path.join(DATA, r["file"])), link)

    def sieve_batch(threads):
        # How pipelines run it: one process, PDFs parsed in its worker processes.
        subprocess.run([SIEVE, "extract", batch, "-o", os.path.join(ROOT, ".build-bench", "extract", "pdfs.jsonl"),
                        "--threads", str(threads), "--no-progress"], check=True, stderr=subprocess.DEVNULL)

    runs = {
        "sieve, one run, 1 thread": lambda: sieve_batch(1),
        "sieve, one run, 2 threads": lambda: sieve_batch(2),
        "sieve, a process per file": lambda: [sieve(os.path.join(DATA, r["file"])) for r in readable],
        "pdftotext, a process per file": lambda: [pdftotext(os.path.join(DATA, r["file"])) for r in readable],
        "pypdfium2, in-process": lambda: [pdfium(os.path.join(DATA, r["file"])) for r in readable],
    }
    scaling = {
        "sieve, 8 copies, 1 thread": lambda: sieve_many(1),
        "sieve, 8 copies, 2 threads": lambda: sieve_many(2),
    }
    # Thread scaling needs more files than the largest one's share of the pages.
    many = os.path.join(ROOT, ".build-bench", "extract", "pdfs-x8")
    os.makedirs(many, exist_ok=True)
    for k in range(8):
        for r in readable:
            link = os.path.join(many, f"{k}-{r['file']}")
            if not os.path.exists(link):
                os.symlink(os.path.abspath(os.path.join(DATA, r["file"])), link)

    def sieve_many(threads):
        subprocess.run([SIEVE, "extract", many, "-o", os.path.join(ROOT, ".build-bench", "extract", "pdfs-x8.jsonl"),
                        "--threads", str(threads), "--no-progress"], check=True, stderr=subprocess.DEVNULL)

    print(f"\nspeed over {len(readable)} readable files, {pages} pages, median of {args.repeats} rounds "
          "(each round runs every variant once, in turn):")
    # Rounds take turns between the variants, so that a slow spell of this shared machine
    # falls on all of them alike; the ratio to pdftotext is taken within each round.
    variants = {**{name: (run, pages) for name, run in runs.items()},
                **{name: (run, 8 * pages) for name, run in scaling.items()}}
    rates = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, (run, count) in variants.items():
            t = time.perf_counter()
            run()
            rates[name].append(count / (time.perf_counter() - t))
    base = rates["pdftotext, a process per file"]
    for name in variants:
        ratio = statistics.median(r / b for r, b in zip(rates[name], base))
        print(f"  {name:32s} {statistics.median(rates[name]):7.1f} pages/s   {ratio:5.2f}x pdftotext")

if __name__ == "__main__":
    main()
