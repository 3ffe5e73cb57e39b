#!/usr/bin/env python3
"""Writes extra language-ID training text, one CODE.txt per language, from real text
under ../shared/data that is not in ../shared/data/langid (see languages/README.md):

- eng_Latn: the 5,700 news items of ../shared/data/classify/ag_news/train.jsonl
  (AG's News, "title. description"; the test split, which the example corpus uses, is
  left out), so that English is not only Tatoeba's short conversational sentences.

Text is NFC-normalized with whitespace runs collapsed, one item per line, in file order.

    python3 scripts/make-langid-extra.py [OUT_DIR]      # default .build-langid/extra
"""
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared/data"


def clean(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".build-langid/extra"
    out.mkdir(parents=True, exist_ok=True)
    with open(DATA / "classify/ag_news/train.jsonl", encoding="utf-8") as f:
        lines = [clean(json.loads(line)["text"]) for line in f]
    lines = [line for line in lines if line]
    (out / "eng_Latn.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{out}/eng_Latn.txt: {len(lines)} lines")


if __name__ == "__main__":
    main()
