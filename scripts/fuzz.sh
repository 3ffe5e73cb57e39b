#!/usr/bin/env bash
# scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
#
# Builds sieve-fuzz with libFuzzer and AddressSanitizer (release, in .build-fuzz), seeds
# .build-fuzz/corpus/TARGET from the repository's files and ../shared/data where it is
# there, and runs TARGET for SECONDS. A crash, a hang (over 10 s on one input) or a
# process over 4 GB stops the run and leaves the input in .build-fuzz/crashes/TARGET/;
# `.build/debug/sieve-fuzz TARGET FILE` replays it in a plain build. `scripts/fuzz.sh list`
# names the targets. docs/fuzzing.md says what each covers.
set -euo pipefail
cd "$(dirname "$0")/.."
targets="json toml jsonl jsonl-zst jsonl-gz warc warc-gz html parquet tokenizer arpa fasttext classifier langid-model manifest"
if [ "${1:-}" = list ]; then echo "$targets"; exit 0; fi
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options...] (scripts/fuzz.sh list)}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
shift 2
case " $targets " in *" $target "*) ;; *) echo "unknown target $target; targets: $targets" >&2; exit 2 ;; esac

swift build -c release --product sieve-fuzz --build-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library >&2
binary=.build-fuzz/release/sieve-fuzz
corpus=.build-fuzz/corpus/$target
crashes=.build-fuzz/crashes/$target
mkdir -p "$corpus" "$crashes"
shared=../shared/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seeds: copied once; the corpus grows from them across runs.
seed() { for f in "$@"; do [ -f "$f" ] && cp -n "$f" "$corpus/seed-$(echo "$f" | tr '/' '_')"; done; return 0; }
lines() { zstd -dcq examples/corpus/multilingual/paragraphs.jsonl.zst | head -c "$1"; }
if [ -z "$(ls -A "$corpus")" ]; then
    set +o pipefail  # head closes the pipes early on purpose
    case $target in
    json) lines 3000 | head -3 | while read -r l; do echo "$l" > "$work/$RANDOM.json"; done; seed "$work"/*.json models/seeds.json ;;
    toml) seed examples/pipeline.toml languages/mixture.toml models/domains.toml ;;
    jsonl) lines 20000 > "$work/a.jsonl"; seed "$work/a.jsonl" ;;
    jsonl-zst) lines 20000 | zstd -q > "$work/a.jsonl.zst"; seed "$work/a.jsonl.zst" ;;
    jsonl-gz) lines 20000 | gzip > "$work/a.jsonl.gz"; seed "$work/a.jsonl.gz" ;;
    warc) for f in "$shared"/warc/edge-cases/*.warc; do seed "$f"; done
          for f in "$shared"/warc/real-wget-crawl-sample-0000.warc.gz; do [ -f "$f" ] && gzip -dc "$f" | head -c 60000 > "$work/w.warc"; done
          seed "$work/w.warc" ;;
    warc-gz) seed "$shared"/warc/edge-cases/*.warc.gz "$shared"/warc/real-commoncrawl-2016-clipped-record.warc.gz ;;
    html) for f in $(ls "$shared"/html/trafilatura-eval/*.html 2>/dev/null | head -20); do seed "$f"; done
          printf '<html><head><meta charset="utf-8"><title>t</title></head><body><p>Hello <b>world</b></p></body></html>' > "$work/a.html"
          seed "$work/a.html" ;;
    parquet) python3 -c "
import pyarrow as pa, pyarrow.parquet as pq, sys
t = pa.table({'id': ['a', 'b'], 'text': ['hello world', 'é 東京'], 'n': [1, 2]})
pq.write_table(t, sys.argv[1] + '/a.parquet', compression='snappy')
pq.write_table(t, sys.argv[1] + '/b.parquet', compression='zstd')
pq.write_table(t, sys.argv[1] + '/c.parquet', compression='none')" "$work" 2>/dev/null || true
          seed "$work"/*.parquet ;;
    tokenizer) seed examples/tokenizer.json ;;
    arpa) printf '\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1\t<unk>\t0\n0\t<s>\t-0.3\n-0.5\t</s>\t0\n\n\\2-grams:\n-0.2\t<s> </s>\n\n\\end\\\n' > "$work/m.arpa"
          seed "$work/m.arpa" ;;
    fasttext) python3 -c "
import fasttext, sys
open(sys.argv[1] + '/t.txt', 'w').write(''.join(f'__label__{i % 2} word{i} other{i % 3}\n' for i in range(50)))
fasttext.train_supervised(sys.argv[1] + '/t.txt', dim=4, epoch=1, minCount=1, bucket=100, wordNgrams=2, verbose=0).save_model(sys.argv[1] + '/m.bin')" "$work" 2>/dev/null || true
              seed "$work/m.bin" ;;
    classifier) seed models/domain.cls ;;
    langid-model) seed languages/langid.model ;;
    manifest) python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1] + '/m.sqlite'); db.executescript(open('manifests/schema.sql').read()); db.commit()" "$work"
              seed "$work/m.sqlite" ;;
    esac
    set -o pipefail
fi

SIEVE_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
    "$binary" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=262144 \
    -artifact_prefix="$crashes/" -print_final_stats=1 "$@"
