#!/usr/bin/env python3
"""Runs two builds of sieve on the same inputs and compares what they write.

    python3 scripts/compare-builds.py BEFORE_SIEVE AFTER_SIEVE [--mb 8]

For a change that must not change behaviour (a refactor): every output file byte for
byte (shards, .docs, documents, rejected files, single-file outputs), and the manifests
table by table with the columns that hold timings, the code version and the run's
fingerprint left out (the fingerprint's text is the configuration, which a refactor of
the configuration may spell differently). Exits 1 on the first difference it lists.

Cases: the README's example pipeline; the same stages over MB of the tokenizer
benchmark's mixed corpus (117 languages, web articles, raw HTML, news, PDF text) with
rejected documents kept, as shards and, without tokenize, as documents in 3 tasks; and
`sieve tokenize`, `sieve filter`, `sieve dedup`, `sieve classifier predict`, `sieve langid` on that corpus; and `sieve cat` over
the PDF, WARC and HTML files of ../shared/data. From each manifest, both builds also
make the report page (`sieve report --verify`) and a mixture plan (`sieve mix plan`),
which must be byte-identical. Both builds must find
their shipped files (filters/, languages/), so keep each binary two folders below the
checkout (e.g. .build-before/debug/sieve). The mixed corpus needs ../shared/data.
"""
import argparse, filecmp, importlib.util, json, os, shutil, sqlite3, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, ".build-compare")
DATA = os.path.join(ROOT, "..", "shared", "data")
TIMING = ("seconds", "_at", "started", "ended", "elapsed", "mb_per_second", "code_version", "fingerprint", "command")


def corpus(mb):
    path = os.path.join(WORK, "corpus", "mixed.jsonl")
    if os.path.exists(path):
        return os.path.dirname(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    spec = importlib.util.spec_from_file_location("tokenizer_bench", os.path.join(ROOT, "Benchmarks", "tokenizer", "bench.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    full = os.path.join(WORK, "all.jsonl")
    module.build_corpus(full)
    with open(full, "rb") as fin, open(path, "wb") as fout:
        written = 0
        for line in fin:
            if written >= mb * 1e6:
                break
            fout.write(line)
            written += len(line)
    return os.path.dirname(path)


def pipeline(corpus_dir, tokenize):
    text = f"""
[input]
paths = ["{corpus_dir}"]
[output]
dir = "out"
rejected = true
[[stage]]
type = "langid"
model = "{ROOT}/languages/langid.model"
keep_undetermined = true
[[stage]]
type = "filter"
filters = "{ROOT}/filters/default.toml"
nltk_data = ["{ROOT}/../shared/data/nltk_data"]
[[stage]]
type = "dedup"
[[stage]]
type = "label"
domain_model = "{ROOT}/models/domain.cls"
taxonomy = "{ROOT}/models/domains.toml"
min_domain_score = 0.5
quality_model = "{ROOT}/models/quality.cls"
"""
    if tokenize:
        text += f"""
[[stage]]
type = "tokenize"
tokenizer = "{ROOT}/examples/tokenizer.json"
"""
    return text


def cases(mb):
    mixed = corpus(mb)
    for name, tokenize in (("mixed-shards", True), ("mixed-documents", False)):
        with open(os.path.join(WORK, f"{name}.toml"), "w") as f:
            f.write(pipeline(mixed, tokenize))
    tok = os.path.join(ROOT, "examples", "tokenizer.json")
    return {
        "example": lambda out: ["run", os.path.join(ROOT, "examples", "pipeline.toml"), "--output", out, "--no-progress"],
        "mixed-shards": lambda out: ["run", os.path.join(WORK, "mixed-shards.toml"), "--output", out, "--no-progress"],
        "mixed-documents-3-tasks": lambda out: ["run", os.path.join(WORK, "mixed-documents.toml"), "--output", out, "--tasks", "3"],
        "tokenize": lambda out: ["tokenize", mixed, "--tokenizer", tok, "--out", out, "--no-progress"],
        "filter": lambda out: ["filter", mixed, "-o", out + "/kept.jsonl.zst", "--rejected", out + "/rejected.jsonl.zst",
                               "--nltk-data", os.path.join(ROOT, "..", "shared", "data", "nltk_data"), "--no-progress"],
        "cat-pdf-warc-html": lambda out: ["cat", os.path.join(DATA, "pdf"), os.path.join(DATA, "warc"),
                                          os.path.join(DATA, "html", "cleaneval"), "-o", out + "/all.jsonl.zst", "--no-progress"],
        "dedup": lambda out: ["dedup", mixed, "-o", out + "/kept.jsonl.zst", "--rejected", out + "/dropped.jsonl.zst", "--no-progress"],
        "classifier-predict": lambda out: ["classifier", "predict", "--model", os.path.join(ROOT, "models", "quality.cls"),
                                           os.path.join(mixed, "mixed.jsonl"), "-o", out + "/predicted.jsonl", "--k", "2"],
        "langid": lambda out: ["langid", mixed, "-o", out + "/tagged.jsonl", "--languages", "eng_Latn,fra_Latn,deu_Latn",
                               "--no-progress"],
    }


def masked(value):
    """`value` with timings dropped, inside JSON text too."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(masked(json.loads(value)), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items() if not any(t in k for t in TIMING) and k != "settings"}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def manifest_rows(path):
    db = sqlite3.connect(path)
    tables = {}
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})")]
        keep = [c for c in columns if not any(t in c for t in TIMING)]
        rows = db.execute(f"SELECT {', '.join(keep)} FROM {table}").fetchall()
        tables[table] = sorted(json.dumps([masked(v) for v in row], sort_keys=True, default=str) for row in rows)
    return tables


def compare(a, b, case):
    differences = []
    files_a = {os.path.relpath(os.path.join(d, f), a) for d, _, fs in os.walk(a) for f in fs}
    files_b = {os.path.relpath(os.path.join(d, f), b) for d, _, fs in os.walk(b) for f in fs}
    for missing in sorted(files_a ^ files_b):
        differences.append(f"{case}: only in {'before' if missing in files_a else 'after'}: {missing}")
    for rel in sorted(files_a & files_b):
        if rel.endswith(".sqlite"):
            ra, rb = manifest_rows(os.path.join(a, rel)), manifest_rows(os.path.join(b, rel))
            for table in sorted(set(ra) | set(rb)):
                if ra.get(table) != rb.get(table):
                    differences.append(f"{case}: {rel} table {table} differs")
        elif rel.startswith("report") or rel.startswith(".sieve/logs/") or rel.endswith("-wal") or rel.endswith("-shm"):
            continue  # timings; the report is made from the manifest, compared above
        elif not filecmp.cmp(os.path.join(a, rel), os.path.join(b, rel), shallow=False):
            differences.append(f"{case}: {rel} differs")
    return differences


def derived(before, after, manifest, case):
    """What both builds make from the same manifest: the report page, a mixture plan."""
    differences = []
    tokens = sqlite3.connect(manifest).execute("SELECT coalesce(sum(tokens), 0) FROM shards").fetchone()[0]
    commands = [("report.html", ["report", manifest, "--verify", "-o"])]
    if tokens > 0:
        commands.append(("plan.toml", ["mix", "plan", manifest, "--budget", str(tokens // 2), "-o"]))
    for name, command in commands:
        made = []
        for side, binary in (("before", before), ("after", after)):
            path = os.path.join(WORK, f"{case}-{side}-{name}")
            run = subprocess.run([os.path.abspath(binary)] + command + [path], capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"{case} {name} ({side}) failed: {run.stderr[-2000:]}")
            made.append(open(path, "rb").read())
        if made[0] != made[1]:
            differences.append(f"{case}: {name} from the same manifest differs")
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--mb", type=float, default=8)
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    differences = []
    for case, command in cases(args.mb).items():
        results = {}
        for side, binary in (("before", args.before), ("after", args.after)):
            # Both sides write to the same path, so that paths recorded in outputs agree.
            out = os.path.join(WORK, "out")
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            run = subprocess.run([os.path.abspath(binary)] + command(out), capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"{case} ({side}) failed: {run.stderr[-2000:]}")
            kept = os.path.join(WORK, case + "-" + side)
            shutil.rmtree(kept, ignore_errors=True)
            os.rename(out, kept)
            results[side] = kept
        found = compare(results["before"], results["after"], case)
        manifest = os.path.join(results["after"], "manifest.sqlite")
        if os.path.exists(manifest):
            found += derived(args.before, args.after, manifest, case)
        count = sum(len(fs) for _, _, fs in os.walk(results["after"]))
        print(f"{case}: {count} files, {'identical' if not found else f'{len(found)} differences'}")
        differences += found
    for line in differences:
        print(line)
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
