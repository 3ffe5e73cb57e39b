"""Writes Tests/SieveDedupTests/Fixtures/reference-signatures.jsonl: shingle counts,
MinHash signatures and band keys of texts in twelve scripts and of edge cases, computed
by reference.py (an implementation independent of the Swift one). Texts from
../shared/data are stored as recipes (language, first line: three non-empty lines
joined by a space), which the test rebuilds.

    python3 Benchmarks/dedup/make_fixture.py [--data ../shared/data]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import reference as r  # noqa: E402

LANGUAGES = ["eng_Latn", "fra_Latn", "deu_Latn", "rus_Cyrl", "arb_Arab", "hin_Deva", "ell_Grek", "tur_Latn",
             "vie_Latn", "kor_Hang", "heb_Hebr", "tam_Taml"]
EDGE_CASES = ["", "  !!! ", "Hi", "Hi THERE, 2024-11-29 and 3.14", "ÉCOLE Straße ǅemal İstanbul",
              "one two three four five", "one two three four five six"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__),
                                                      "../../Tests/SieveDedupTests/Fixtures/reference-signatures.jsonl"))
    args = parser.parse_args()
    cases = []
    for language in LANGUAGES:
        with open(os.path.join(args.data, "langid", f"{language}.txt"), encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip()]
        cases += [({"language": language, "line": i}, " ".join(lines[i:i + 3])) for i in (3, 40, 200)]
    cases += [({"text": text}, text) for text in EDGE_CASES]
    with open(args.out, "w", encoding="utf-8") as out:
        for recipe, text in cases:
            shingles = r.word_shingles(text)
            sig = r.signature(shingles)
            out.write(json.dumps({**recipe, "shingles": len(shingles), "signature": sig,
                                  "bands": r.band_keys(sig) if sig else None}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
