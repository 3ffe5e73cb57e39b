#!/usr/bin/env python3
"""Two small byte-level BPE tokenizers trained by Hugging Face `tokenizers`, one per
pre-tokenizer style Sieve implements besides Qwen's, and the ids they give:

    python3 -m pip install tokenizers==0.23.3
    python3 Tests/SieveTokenizerTests/Fixtures/make_hf_styles.py

- gpt2-style.tokenizer.json: ByteLevel pre-tokenizer with its own regex (GPT-2's).
- cl100k-style.tokenizer.json: Split on GPT-4's cl100k regex (numbers of up to three
  digits), then ByteLevel without its regex; no normalizer, as cl100k.
Both are trained (vocabulary 2,000, seeds none: BpeTrainer is deterministic) on 150
lines of each language of ../shared/data/langid, and encode every text of
../shared/data/tokenizers/testcases.jsonl (764 tricky strings) and lines 200-204 of each
language file (held out from training). hf-style-ids.jsonl holds, per text, its source
(case name or FILE:LINE, not the text itself) and the ids of both tokenizers;
HFStylesParityTests rebuilds the texts from ../shared and compares Sieve's ids.
"""
import json, os, sys
import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
CL100K = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def languages():
    folder = os.path.join(DATA, "langid")
    return sorted(name for name in os.listdir(folder) if name.endswith(".txt"))


def lines(name):
    return open(os.path.join(DATA, "langid", name), encoding="utf-8").read().split("\n")


def build(style):
    tok = Tokenizer(models.BPE())
    if style == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(CL100K), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=2000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|endoftext|>"], show_progress=False)
    training = [line for name in languages() for line in lines(name)[:150]]
    tok.train_from_iterator(training, trainer=trainer)
    return tok


def main():
    assert tokenizers.__version__ == "0.23.3", tokenizers.__version__
    texts = []
    for line in open(os.path.join(DATA, "tokenizers", "testcases.jsonl"), encoding="utf-8"):
        case = json.loads(line)
        texts.append((case["name"], case["text"]))
    for name in languages():
        for k, text in enumerate(lines(name)[200:205]):
            texts.append((f"{name}:{200 + k}", text))
    built = {style: build(style) for style in ("gpt2", "cl100k")}
    for style, tok in built.items():
        tok.save(os.path.join(HERE, f"{style}-style.tokenizer.json"))
    with open(os.path.join(HERE, "hf-style-ids.jsonl"), "w", encoding="utf-8") as f:
        for source, text in texts:
            row = {"source": source}
            for style, tok in built.items():
                row[style] = tok.encode(text, add_special_tokens=False).ids
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
    print(f"{len(texts)} texts", file=sys.stderr)


if __name__ == "__main__":
    main()
