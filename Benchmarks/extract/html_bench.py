#!/usr/bin/env python3
"""HTML main-text extraction: Sieve vs trafilatura and resiliparse on ../shared/data/html,
in one run, with the metrics of that folder's README:

- scrapinghub and cleaneval: shingle precision / recall / F1 (4-token shingles of \\w+
  tokens, per-page multiset overlap normalised by TP+FP+FN, P and R averaged over pages,
  F1 of the means), against the ground truth;
- trafilatura-eval: snippets (whitespace collapsed; a `with` snippet found is a TP, missing
  a FN; a `without` snippet found a FP, missing a TN), totals over pages;
- pages/s on one thread, the median of `--repeats` rounds that take turns between the
  extractors. Peers are timed in-process on preloaded bytes (extractor call
  only). Sieve is timed both ways: in-process on preloaded bytes (`sieve-bench-html`, the
  same measure as the peers': the second of two passes in its process, as the peers run
  in a process that has run them before), and as one `sieve extract --threads 1` process
  over the set's files (process start, reading and JSON output included). Each speed is
  also given as the median, over the rounds, of its ratio to resiliparse in that round.

    python3 Benchmarks/extract/html_bench.py [--repeats 3]   (pip install trafilatura resiliparse)
"""
import argparse, collections, json, os, re, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
DATA = os.path.join(ROOT, "..", "shared", "data", "html")
SIEVE = os.path.join(ROOT, ".build-bench", "release", "sieve")
BENCH = os.path.join(ROOT, ".build-bench", "release", "sieve-bench-html")
WORD = re.compile(r"\w+")


def shingles(text, n=4):
    tokens = WORD.findall(text or "")
    return collections.Counter(tuple(tokens[i:i + n]) for i in range(max(0, len(tokens) - n + 1)))


def shingle_scores(pairs):
    precisions, recalls = [], []
    for predicted, truth in pairs:
        p, t = shingles(predicted), shingles(truth)
        tp = sum((p & t).values())
        fp = sum(p.values()) - tp
        fn = sum(t.values()) - tp
        total = tp + fp + fn
        if total == 0:
            continue
        if tp + fp > 0:
            precisions.append(tp / total / ((tp + fp) / total))
        if tp + fn > 0:
            recalls.append(tp / total / ((tp + fn) / total))
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def snippet_scores(pairs):
    tp = fp = fn = tn = 0
    for predicted, record in pairs:
        text = " ".join((predicted or "").split())
        for s in record["with"]:
            if " ".join(s.split()) in text:
                tp += 1
            else:
                fn += 1
        for s in record["without"]:
            if " ".join(s.split()) in text:
                fp += 1
            else:
                tn += 1
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), (tp + tn) / max(1, tp + fp + fn + tn)


def load_sets():
    truth = [json.loads(l) for l in open(os.path.join(DATA, "ground_truth.jsonl"), encoding="utf-8")]
    snippets = [json.loads(l) for l in open(os.path.join(DATA, "snippets.jsonl"), encoding="utf-8")]
    return {
        "scrapinghub": [r for r in truth if r["id"].startswith("scrapinghub/")],
        "cleaneval": [r for r in truth if r["id"].startswith("cleaneval/")],
        "trafilatura-eval": snippets,
    }


def run_sieve(records, work):
    out = os.path.join(work, "sieve.jsonl")
    files = [os.path.join(DATA, r["file"]) for r in records]
    t = time.perf_counter()
    subprocess.run([SIEVE, "extract", *files, "-o", out, "--threads", "1", "--no-progress"], check=True,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - t
    texts = {}
    for line in open(out, encoding="utf-8"):
        d = json.loads(line)
        texts[d["id"]] = d["text"]  # a page's id is its file name (pages without main text are left out)
    return [texts.get(os.path.basename(r["file"]), "") for r in records], seconds


def time_sieve_in_process(records):
    """Seconds of the extractor calls over the set, pages preloaded: the second of two
    passes in one process, as the peers are timed in a Python process that has already
    run them (the first pass also loads ICU's data and faults in the code)."""
    files = [os.path.join(DATA, r["file"]) for r in records]
    out = subprocess.run([BENCH, *files, "--repeats", "2"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["seconds"][-1]


def peers():
    out = {}
    try:
        import trafilatura
        out["trafilatura"] = lambda html: trafilatura.extract(html) or ""
    except ImportError:
        pass
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.encoding import bytes_to_str, detect_encoding
        out["resiliparse main_content"] = lambda html: extract_plain_text(
            bytes_to_str(html, detect_encoding(html)), main_content=True)
    except ImportError:
        pass
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    timing.release_build(ROOT, "sieve", "sieve-bench-html", scratch=os.path.join(ROOT, ".build-bench"))
    work = os.path.join(ROOT, ".build-bench", "extract")
    os.makedirs(work, exist_ok=True)
    extractors = peers()
    for name, records in load_sets().items():
        raw = [open(os.path.join(DATA, r["file"]), "rb").read() for r in records]
        # Rounds interleave the extractors, so that a slow spell of this shared machine
        # falls on all of them; each row is the median over the rounds.
        times = collections.defaultdict(list)
        texts = {}
        for _ in range(args.repeats):
            texts["sieve extract (process)"], seconds = run_sieve(records, work)
            times["sieve extract (process)"].append(seconds)
            times["sieve (in process)"].append(time_sieve_in_process(records))
            for peer, extract in extractors.items():
                t = time.perf_counter()
                texts[peer] = [extract(h) for h in raw]
                times[peer].append(time.perf_counter() - t)
        texts["sieve (in process)"] = texts["sieve extract (process)"]
        order = ["sieve (in process)", "sieve extract (process)", *extractors]
        results = {who: (texts[who], statistics.median(times[who])) for who in order}
        base = times.get("resiliparse main_content")
        print(f"\n{name} ({len(records)} pages)")
        for who, (texts, seconds) in results.items():
            if name == "trafilatura-eval":
                p, r, f, acc = snippet_scores(zip(texts, records))
                score = f"snippet P {p:.3f} R {r:.3f} F1 {f:.3f} accuracy {acc:.3f}"
            else:
                p, r, f = shingle_scores((t, rec["article_body"]) for t, rec in zip(texts, records))
                score = f"shingle P {p:.3f} R {r:.3f} F1 {f:.3f}"
            # The speed ratio to resiliparse is taken within each round, then the median.
            ratio = f"   {statistics.median(b / t for t, b in zip(times[who], base)):5.2f}x resiliparse" if base else ""
            print(f"  {who:26s} {score}   {len(records) / seconds:7.1f} pages/s{ratio}")


if __name__ == "__main__":
    main()
