#!/usr/bin/env python3
"""Builds examples/corpus/ from ../shared/data (deterministic; see examples/README.md).

Run from the repository root: python3 scripts/make-example-corpus.py
"""
import gzip, json, os, random, shutil, subprocess

DATA = os.path.join("..", "shared", "data")
OUT = os.path.join("examples", "corpus")
random.seed(7)
shutil.rmtree(OUT, ignore_errors=True)
for sub in ("web", "multilingual", "news", "pdf-text"):
    os.makedirs(os.path.join(OUT, sub))

# Web articles with human-made main text (scrapinghub benchmark): plain JSONL.
with open(os.path.join(DATA, "html", "ground_truth.jsonl"), encoding="utf-8") as f:
    pages = [json.loads(l) for l in f if l.startswith('{"id": "scrapinghub/')][:40]
with open(os.path.join(OUT, "web", "articles.jsonl"), "w", encoding="utf-8") as f:
    for p in pages:
        f.write(json.dumps({"id": p["id"], "text": p["article_body"], "url": p["url"]}, ensure_ascii=False) + "\n")

# Multilingual paragraphs from the language-ID text's held-out lines (the blocks that
# LangIDCorpus keeps out of training: line i with (i // 5) % 10 == 9, counting non-blank
# lines), so that the example run's language check reads text the model has not seen:
# 8 lines a document, up to 6 documents for each of 30 languages, in zstd.
langs = ["eng_Latn", "deu_Latn", "fra_Latn", "spa_Latn", "por_Latn", "ita_Latn", "nld_Latn", "pol_Latn",
         "rus_Cyrl", "ukr_Cyrl", "arb_Arab", "ary_Arab", "heb_Hebr", "hin_Deva", "ben_Beng", "tam_Taml",
         "zho_Hans", "zho_Hant", "yue_Hant", "jpn_Jpan", "kor_Hang", "tha_Thai", "vie_Latn", "ind_Latn",
         "swh_Latn", "tur_Latn", "ell_Grek", "kat_Geor", "hye_Armn", "amh_Ethi"]
lines_out = []
for code in langs:
    path = os.path.join(DATA, "langid", code + ".txt")
    if not os.path.exists(path):
        continue
    with open(path, encoding="utf-8") as f:
        lines = [l.strip() for l in f if l.strip()]
    lines = [l for i, l in enumerate(lines) if (i // 5) % 10 == 9]
    for d in range(6):
        chunk = lines[d * 8:(d + 1) * 8]
        if chunk:
            lines_out.append(json.dumps({"id": f"{code}-{d}", "text": "\n".join(chunk),
                                         "metadata": {"language_hint": code}}, ensure_ascii=False))
plain = ("\n".join(lines_out) + "\n").encode()
zst = os.path.join(OUT, "multilingual", "paragraphs.jsonl.zst")
subprocess.run(["zstd", "-q", "-19", "-o", zst], input=plain, check=True)

# News items (AG News test split), gzip.
with open(os.path.join(DATA, "classify", "ag_news", "test.jsonl"), encoding="utf-8") as f:
    news = [json.loads(l) for l in f][:300]
with gzip.GzipFile(os.path.join(OUT, "news", "ag_news.jsonl.gz"), "wb", mtime=0) as f:
    for n in news:
        f.write((json.dumps({"text": n["text"], "label": n["label"]}, ensure_ascii=False) + "\n").encode())

# Plain-text documents: the known text of three PDFs.
for name in ("gen_udhr_fr_lo", "gen_udhr_hi_lo", "gen_gpl3_en_2col_pdflatex"):
    shutil.copy(os.path.join(DATA, "pdf", name + ".txt"), os.path.join(OUT, "pdf-text", name + ".txt"))
