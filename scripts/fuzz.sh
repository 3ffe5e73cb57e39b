#!/usr/bin/env bash
# scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
#
# Builds sieve-fuzz with libFuzzer and AddressSanitizer (release, in .build-fuzz), seeds
# .build-fuzz/corpus/TARGET from the repository's own files (plus any files in
# $SIEVE_FUZZ_SEEDS, a folder of your own inputs for TARGET), and runs TARGET for SECONDS. A crash, a hang (over 10 s on one input) or a
# process over 4 GB stops the run and leaves the input in .build-fuzz/crashes/TARGET/;
# `.build/debug/sieve-fuzz TARGET FILE` replays it in a plain build. `scripts/fuzz.sh list`
# names the targets. docs/fuzzing.md says what each covers.
set -euo pipefail
cd "$(dirname "$0")/.."
targets="json toml jsonl jsonl-zst jsonl-gz warc warc-gz html parquet tokenizer arpa fasttext classifier langid-model manifest pdf-layout pdf-reply"
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
    warc|warc-gz)
          # Two response records around pages made from the example articles.
          python3 -c "
import json, sys
texts = [json.loads(l)['text'] for l in open('examples/corpus/web/articles.jsonl', encoding='utf-8')][:2]
for i, text in enumerate(texts):
    html = ('<html><head><meta charset=\"utf-8\"><title>t</title></head><body><article><p>'
            + text[:3000].replace('\n', '</p><p>') + '</p></article></body></html>').encode()
    http = b'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n' + html
    head = (f'WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{i}>\r\n'
            f'WARC-Target-URI: http://example.com/{i}\r\nContent-Type: application/http; msgtype=response\r\n'
            f'Content-Length: {len(http)}\r\n\r\n').encode()
    open(f'{sys.argv[1]}/r{i}.warc', 'wb').write(head + http + b'\r\n\r\n')" "$work" > /dev/null
          if [ "$target" = warc ]; then cat "$work"/r*.warc > "$work/a.warc"; seed "$work/a.warc"
          else for r in "$work"/r*.warc; do gzip -c "$r"; done > "$work/a.warc.gz"; seed "$work/a.warc.gz"; fi ;;
    html) python3 -c "
import json, sys
for i, l in enumerate(open('examples/corpus/web/articles.jsonl', encoding='utf-8')):
    if i == 5: break
    text = json.loads(l)['text']
    open(f'{sys.argv[1]}/p{i}.html', 'w', encoding='utf-8').write(
        '<html><head><meta charset=\"utf-8\"><title>t</title></head><body><nav><a href=\"/\">Home</a></nav><article><p>'
        + text.replace('\n', '</p><p>') + '</p></article><footer>(c) 2024</footer></body></html>')" "$work"
          printf '<html><head><meta charset="utf-8"><title>t</title></head><body><p>Hello <b>world</b></p></body></html>' > "$work/a.html"
          seed "$work"/*.html ;;
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
    classifier|langid-model)
          # Small models that load completely: the shipped ones are megabytes, which
          # -max_len cuts short, so that every mutation would fail the first length check.
          # The language-ID seed is the model's body; the target puts it in a zstd frame.
          sieve=.build/release/sieve; [ -x "$sieve" ] || { swift build --product sieve >&2; sieve=.build/debug/sieve; }
          zstd -dcq examples/corpus/multilingual/paragraphs.jsonl.zst | python3 -c "
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    code = d['id'].rsplit('-', 1)[0]
    if code in ('eng_Latn', 'fra_Latn', 'deu_Latn', 'rus_Cyrl', 'ukr_Cyrl', 'arb_Arab', 'ell_Grek'):
        open(f'{sys.argv[1]}/{code}.txt', 'a').write(d['text'] + '\n')
        print(json.dumps({'text': d['text'][:400], 'label': code.split('_')[1]}), file=open(sys.argv[1] + '/labelled.jsonl', 'a'))" "$work"
          if [ "$target" = classifier ]; then
              "$sieve" classifier train --data "$work/labelled.jsonl" --output "$work/m.cls" --dim 4 --buckets 64 \
                  --word-ngrams 2 --minn 2 --maxn 3 --epochs 1 > /dev/null
              seed "$work/m.cls"
          else
              "$sieve" langid train --data "$work" --out "$work/m.model" --epochs 1 --latin-bucket-bits 5 --bucket-bits 4 \
                  --min-samples 10 --max-samples 10 > /dev/null
              zstd -dcq "$work/m.model" > "$work/m.body"; seed "$work/m.body" "$work/m.model"
          fi ;;
    manifest) python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1] + '/m.sqlite'); db.executescript(open('manifests/schema.sql').read()); db.commit()" "$work"
              seed "$work/m.sqlite" ;;
    pdf-layout) # Text, 0xFF, then one byte per coordinate (see PDFLayout.documentText(fuzzed:)).
          printf 'Hello world, a first line\nand a second one.\f\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xe2\x80\xabword\xe2\x80\xac.\xff\x01\x02\x05\x04\x06\x02\x09\x04\x40\x50' > "$work/a.bin"
          seed "$work/a.bin" ;;
    pdf-reply) python3 -c "
import json, struct, sys
reply = json.dumps({'status': 'document', 'document': {'text': 'Hello', 'pages': 1, 'title': '', 'author': '',
                                                         'producer': '', 'created': ''}}).encode()
open(sys.argv[1] + '/a.bin', 'wb').write(struct.pack('<Q', len(reply)) + reply)
reply = json.dumps({'status': 'no_text_layer', 'pages': 3}).encode()
open(sys.argv[1] + '/b.bin', 'wb').write(struct.pack('<Q', len(reply)) + reply)" "$work"
          seed "$work"/*.bin ;;
    esac
    set -o pipefail
fi
# Your own inputs for this target, if any (never committed: see docs/fuzzing.md).
if [ -n "${SIEVE_FUZZ_SEEDS:-}" ]; then for f in "$SIEVE_FUZZ_SEEDS"/*; do seed "$f"; done; fi

SIEVE_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
    "$binary" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=262144 \
    -artifact_prefix="$crashes/" -print_final_stats=1 "$@"
