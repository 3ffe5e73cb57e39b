#!/usr/bin/env python3
"""Writes languages/registry.tsv from ../shared/data/langid/languages.tsv.

The code, English name, family and script come from the shared list unchanged; this
script adds how words are segmented (ICU dictionary break iteration for the scripts
written without spaces), the default minimum language score of the langid filter, the
group of close varieties a language belongs to, and its prior.
Run it again only when the shared list changes; the result is committed.
"""
import csv
import sys
from pathlib import Path

DICTIONARY = {"zho_Hans", "zho_Hant", "yue_Hant", "jpn_Jpan", "tha_Thai", "lao_Laoo", "khm_Khmr", "mya_Mymr"}
# Groups that even a good model confuses on one line (dialects, near-identical standards):
# a lower default bar keeps their documents instead of dropping them as unsure.
CLOSE = {
    "arb_Arab", "ars_Arab", "apc_Arab", "arz_Arab", "ary_Arab", "acm_Arab", "acq_Arab", "aeb_Arab",
    "bos_Latn", "hrv_Latn", "nob_Latn", "nno_Latn", "ind_Latn", "zsm_Latn",
    "hin_Deva", "awa_Deva", "bho_Deva", "mag_Deva", "mai_Deva", "hne_Deva",
    "zho_Hant", "yue_Hant",
}

# Groups of closely related varieties: the detector writes the group and its summed
# score, so that filters and mixtures can work per group where the variety is uncertain.
GROUPS = {
    "arabic": ["arb_Arab", "ars_Arab", "apc_Arab", "arz_Arab", "ary_Arab", "acm_Arab", "acq_Arab", "aeb_Arab"],
    "bosnian_croatian_serbian": ["bos_Latn", "hrv_Latn", "srp_Cyrl"],
    "malay": ["ind_Latn", "zsm_Latn"],
    "danish_norwegian": ["dan_Latn", "nob_Latn", "nno_Latn"],
    "icelandic_faroese": ["isl_Latn", "fao_Latn"],
    "persian": ["pes_Arab", "prs_Arab", "tgk_Cyrl"],
    "hindi_belt": ["hin_Deva", "awa_Deva", "bho_Deva", "mag_Deva", "mai_Deva", "hne_Deva"],
    "chinese": ["zho_Hans", "zho_Hant", "yue_Hant"],
}
GROUP_OF = {code: group for group, codes in GROUPS.items() for code in codes}
# Prior weight against the other languages of the script (1 when not listed): how much
# more often a language is met on the web than its close neighbours, where the model
# alone, trained with every language equally likely, leans the wrong way (docs/langid.md).
# Standard Arabic is the usual written Arabic, Iranian Persian the usual Persian; a
# dialect or Dari is chosen when the text carries their evidence.
PRIORS = {
    "arb_Arab": 4.0,
    "pes_Arab": 2.0,
}


def main():
    root = Path(__file__).resolve().parent.parent
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared/data/langid/languages.tsv"
    rows = list(csv.DictReader(open(source, encoding="utf-8"), delimiter="\t"))
    out = root / "languages/registry.tsv"
    with open(out, "w", encoding="utf-8") as f:
        f.write("code\tname\tfamily\tscript\tsegmentation\tmin_score\tgroup\tprior\n")
        for r in rows:
            seg = "dictionary" if r["code"] in DICTIONARY else "space"
            min_score = "0.30" if r["code"] in CLOSE else "0.50"
            group = GROUP_OF.get(r["code"], "")
            prior = f"{PRIORS.get(r['code'], 1.0):g}"
            f.write("\t".join([r["code"], r["english_name"], r["family"], r["script"], seg, min_score, group, prior]) + "\n")
    print(f"{out}: {len(rows)} languages")

if __name__ == "__main__":
    main()
