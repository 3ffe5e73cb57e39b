#!/usr/bin/env python3
"""Quality filters, Sieve vs datatrove, one core each, same documents, same run.

The documents are the agreement fixture's (Tests/SieveFiltersTests/Fixtures/
datatrove-decisions.jsonl: 2,243 real documents in 18 languages, rebuilt from
../shared/data), repeated --copies times. The filter set is FineWeb's recipe
(filters/default.toml): Gopher repetition, Gopher quality, C4 without the terminal
punctuation rule, FineWeb, with each document's language settings.

Sieve: `sieve filter --threads 1` timed as a whole process (start, reading and
writing JSONL included). datatrove: the same four filters called in one Python
process on documents already in memory (reading and writing excluded), with NLTK's
tokenizer for each language as the fixture uses it. Also checks that both keep the
same documents. Run from the repository root:

    python3 Benchmarks/filters/bench.py [--copies 3] [--repeats 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("NLTK_DATA", os.path.abspath("../shared/data/nltk_data"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixture  # noqa: E402
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
import tomllib  # noqa: E402
from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.filters import (  # noqa: E402
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.utils.word_tokenizers import NLTKTokenizer  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    sieve = timing.release_sieve(ROOT)

    fixture = [json.loads(line) for line in open("Tests/SieveFiltersTests/Fixtures/datatrove-decisions.jsonl")]
    docs = []
    for copy in range(args.copies):
        for row in fixture:
            docs.append((f"{row['id']}-{copy}", row["language"], make_fixture.build(row["recipe"])))
    total_bytes = sum(len(t.encode()) for _, _, t in docs)
    print(f"{len(docs)} documents, {total_bytes / 1e6:.1f} MB, {len(set(l for _, l, _ in docs))} languages")

    work = tempfile.mkdtemp()
    corpus = os.path.join(work, "corpus.jsonl")
    with open(corpus, "w") as f:
        for doc_id, language, text in docs:
            f.write(json.dumps({"id": doc_id, "text": text, "metadata": {"language": language}}, ensure_ascii=False) + "\n")

    # datatrove, FineWeb's recipe with the same per-language settings.
    with open("filters/languages.toml", "rb") as f:
        settings = tomllib.load(f)
    chains = {}
    for language in set(l for _, l, _ in docs):
        s = settings[language]
        tok = NLTKTokenizer(s["punkt"])
        chains[language] = [GopherRepetitionFilter(language=tok),
                            GopherQualityFilter(language=tok, **s.get("gopher_quality", {})),
                            C4QualityFilter(language=tok, filter_no_terminal_punct=False),
                            FineWebQualityFilter(language=tok)]

    def run_datatrove():
        kept = []
        for doc_id, language, text in docs:
            doc = Document(text=text, id=doc_id)
            if all(f.filter(doc) is True for f in chains[language]):
                kept.append(doc_id)
        return kept

    def run_sieve():
        out = os.path.join(work, "kept.jsonl")
        subprocess.run([sieve, "filter", "--filters", "filters/default.toml", "--nltk-data", "../shared/data/nltk_data",
                        corpus, "-o", out, "--threads", "1", "--no-progress"], check=True, stderr=subprocess.DEVNULL)
        return [json.loads(line)["id"] for line in open(out)]

    dt_times, sv_times = [], []
    for _ in range(args.repeats):
        t = time.perf_counter(); dt_kept = run_datatrove(); dt_times.append(time.perf_counter() - t)
        t = time.perf_counter(); sv_kept = run_sieve(); sv_times.append(time.perf_counter() - t)
    dt, sv = statistics.median(dt_times), statistics.median(sv_times)
    print(f"datatrove: {len(docs) / dt:9.0f} docs/s  {total_bytes / dt / 1e6:6.2f} MB/s  (median of {args.repeats})")
    print(f"sieve:     {len(docs) / sv:9.0f} docs/s  {total_bytes / sv / 1e6:6.2f} MB/s  (median of {args.repeats})")
    print(f"ratio:     {dt / sv:.1f}x")
    print(f"same documents kept: {dt_kept == sv_kept} ({len(sv_kept)} of {len(docs)})")


if __name__ == "__main__":
    main()
