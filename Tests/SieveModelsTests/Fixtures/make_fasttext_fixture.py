#!/usr/bin/env python3
"""Writes fasttext-parity.bin and fasttext-parity.json: a fastText 0.9.2 model
(`fasttext-wheel` from PyPI) trained on the sample corpus's news items, written in Sieve's
classifier format (docs/models.md), and fastText's own label probabilities for texts in
several scripts. Sieve must compute the same features (hashes, character and word n-grams,
`</s>`) to get the same probabilities.

    python3 Tests/SieveModelsTests/Fixtures/make_fasttext_fixture.py
"""
import gzip, json, os, struct, tempfile
import fasttext, zstandard

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ROOT = os.path.dirname(ROOT)
OPTIONS = dict(dim=8, epoch=50, lr=1.0, wordNgrams=2, minn=2, maxn=4, bucket=2000, minCount=1)

news = [json.loads(l) for l in gzip.open(os.path.join(ROOT, "examples/corpus/news/ag_news.jsonl.gz"), "rt", encoding="utf-8")]
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
    for o in news[:200]:
        f.write(f"__label__{o['label']} {' '.join(o['text'].split())}\n")
model = fasttext.train_supervised(f.name, thread=1, seed=1, verbose=0, **OPTIONS)
os.unlink(f.name)

# Texts fastText never saw: the rest of the news, lines in other scripts, odd white space.
raw = zstandard.ZstdDecompressor().stream_reader(open(os.path.join(ROOT, "examples/corpus/multilingual/paragraphs.jsonl.zst"), "rb")).read()
lines = [json.loads(l)["text"].split("\n")[0] for l in raw.decode("utf-8").splitlines()]
texts = [o["text"] for o in news[200:215]] + lines[::12][:15]
texts += ["Stocks\tfell  sharply\x0bon Wall\x0cStreet\r", "  ", ""]

words = model.words
labels = [l[len("__label__"):] for l in model.labels]
order = sorted(range(len(labels)), key=lambda i: labels[i])  # Sieve keeps labels sorted
inp, out = model.get_input_matrix(), model.get_output_matrix()
header = json.dumps({"options": {"dim": OPTIONS["dim"], "epochs": OPTIONS["epoch"], "lr": OPTIONS["lr"],
                                 "wordNgrams": OPTIONS["wordNgrams"], "minn": OPTIONS["minn"], "maxn": OPTIONS["maxn"],
                                 "buckets": OPTIONS["bucket"], "minCount": 1, "multiLabel": False, "seed": 1},
                     "labels": [labels[i] for i in order], "words": words}, ensure_ascii=False).encode()
with open(os.path.join(HERE, "fasttext-parity.bin"), "wb") as f:
    f.write(b"SIEVECLS" + struct.pack("<II", 1, len(header)) + header)
    f.write(inp.astype("<f4").tobytes())
    f.write(out[order].astype("<f4").tobytes())
expected = []
for text in texts:
    # FastText.predict trips over numpy 2 for one text; its C++ predict is what it calls.
    p = {label[len("__label__"):]: probability for probability, label in model.f.predict(text + "\n", -1, 0.0, "strict")}
    expected.append({"text": text, "probabilities": {l: p[l] for l in sorted(p)}})
with open(os.path.join(HERE, "fasttext-parity.json"), "w", encoding="utf-8") as f:
    json.dump(expected, f, ensure_ascii=False, indent=0)
print(len(words), "words,", len(labels), "labels,", len(texts), "texts")
