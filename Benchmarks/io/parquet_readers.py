#!/usr/bin/env python3
"""Parquet written by Sieve, read back by pyarrow, DuckDB and Hugging Face `datasets`.

    python3 -m pip install duckdb datasets pyarrow
    python3 Benchmarks/io/parquet_readers.py [--mb 20]

`swift test` checks Sieve's Parquet output with pyarrow; this script adds the other two
readers users load corpora with. Input: FineWeb-like JSON lines from the text pool of
Benchmarks/io/bench.py with metadata of every kind Sieve types (strings, integers,
doubles, booleans, nulls, objects and arrays as JSON, integers beyond int64, a key whose
values disagree, keys that first appear in a later row group and so go to the `metadata`
overflow column). `sieve run` writes them as Parquet in row groups of 2 MB of text.

Each reader must give every row: id, text and source equal to the input, and each
metadata member equal to the input's value, whether it sits in its own column (typed or
JSON text) or in the overflow; DuckDB and `datasets` must agree with pyarrow value for
value. Prints the readers' versions and their read times (one run each, for scale only).
"""
import argparse, importlib.metadata, json, os, random, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".build-bench", "parquet-readers")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the text pool)
import timing  # noqa: E402


def make_input(path, megabytes, seed=0):
    rng = random.Random(seed)
    paras = bench.text_pool()
    docs, size = [], 0
    while size < megabytes * 1_000_000:
        text = "\n\n".join(rng.choice(paras) for _ in range(rng.randint(1, 20)))
        n = len(docs)
        meta = {
            "url": f"https://example{rng.randint(0, 999)}.org/{n}",
            "language": rng.choice(["en", "de", "fr", "ja", None]),
            "language_score": rng.random(),
            "token_count": len(text) // 4,
            "kept": rng.random() < 0.5,
            "scores": {"edu": round(rng.random(), 3), "tags": ["a", "b"][: rng.randint(0, 2)]},
            "minhash_cluster": [rng.randint(0, 10**6) for _ in range(rng.randint(0, 3))],
            "big": 2**63 + rng.randint(0, 1000),
            "mixed": rng.choice([1, "one", 1.5]),
        }
        if size > megabytes * 500_000:  # keys first seen in a later row group
            meta["late"] = f"late-{n}"
        docs.append({"id": f"doc-{n}", "text": text, "source": "bench", "metadata": meta})
        size += len(text.encode())
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return docs


def documents(rows, json_columns):
    """Rows of Sieve's Parquet as documents: id, text, source, and metadata from the
    typed columns, the JSON columns (`json_columns`: the ones the reader gave as text)
    and the overflow column."""
    out = []
    for row in rows:
        meta = {}
        for key, value in row.items():
            if key in ("id", "text", "source", "metadata") or value is None:
                continue
            meta[key] = json.loads(value) if key in json_columns else value
        overflow = row.get("metadata")
        if overflow is not None:
            meta.update(json.loads(overflow) if isinstance(overflow, str) else overflow)
        out.append({"id": row["id"], "text": row["text"], "source": row["source"], "metadata": meta})
    return out


def expected(doc):
    meta = {k: v for k, v in doc["metadata"].items() if v is not None}
    return {"id": doc["id"], "text": doc["text"], "source": doc["source"], "metadata": meta}


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and abs(a - b) <= 1e-12 * max(1, abs(a))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) == type(b) and a == b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=20)
    args = ap.parse_args()
    import pyarrow.parquet as pq, duckdb, datasets
    sieve = timing.release_sieve(ROOT)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    docs = make_input(os.path.join(WORK, "in.jsonl"), args.mb)
    with open(os.path.join(WORK, "pipeline.toml"), "w") as f:
        f.write('[input]\npaths = ["in.jsonl"]\n[output]\ndir = "out"\nkind = "documents"\n'
                'format = "parquet"\nrow_group_bytes = 2000000\n')
    subprocess.run([sieve, "run", "pipeline.toml", "--no-progress"], cwd=WORK, check=True, stdout=subprocess.DEVNULL)
    files = sorted(os.path.join(WORK, "out", "documents", n) for n in os.listdir(os.path.join(WORK, "out", "documents")))
    groups = sum(pq.ParquetFile(p).metadata.num_row_groups for p in files)
    versions = {p: importlib.metadata.version(p) for p in ("pyarrow", "duckdb", "datasets")}
    print(f"{len(docs)} documents, {args.mb} MB of text -> {len(files)} Parquet file(s), {groups} row groups; "
          + ", ".join(f"{k} {v}" for k, v in versions.items()))

    json_columns = {c.name for p in files for c in pq.ParquetFile(p).schema if str(c.logical_type) == "JSON"}
    print(f"columns in JSON text: {sorted(json_columns)}")

    def read_duckdb():
        relation = duckdb.sql(f"select * from read_parquet({files!r})")
        return [dict(zip(relation.columns, r)) for r in relation.fetchall()]

    # All three know Parquet's JSON logical type: pyarrow (its arrow.json extension type)
    # and DuckDB (its JSON type) give the text, `datasets` (its Json feature) the values.
    readers = {
        "pyarrow": (lambda: [r for p in files for r in pq.read_table(p).to_pylist()], False),
        "duckdb": (read_duckdb, False),
        "datasets": (lambda: list(datasets.Dataset.from_parquet(files, cache_dir=os.path.join(WORK, "hf-cache"))), True),
    }
    want = [expected(d) for d in docs]
    got = {}
    for name, (read, parsed) in readers.items():
        t = time.perf_counter()
        rows = read()
        elapsed = time.perf_counter() - t
        got[name] = documents(rows, set() if parsed else json_columns)
        bad = [i for i, (g, w) in enumerate(zip(got[name], want)) if not same(g, w)]
        if len(got[name]) != len(want) or bad:
            i = bad[0] if bad else min(len(want), len(got[name])) - 1
            sys.exit(f"{name}: {len(got[name])} rows for {len(want)} documents; first difference at row {i}:\n"
                     + "".join(f"  {k}: read {json.dumps(got[name][i][k], ensure_ascii=False)[:300]}, "
                               f"expected {json.dumps(want[i][k], ensure_ascii=False)[:300]}\n"
                               for k in want[i] if not same(got[name][i][k], want[i][k])))
        print(f"{name:9} every row equal to the input ({len(rows)} rows, read in {elapsed:.2f} s)")
    print("all three readers read every document and metadata member Sieve wrote")


if __name__ == "__main__":
    main()
