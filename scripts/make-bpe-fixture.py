#!/usr/bin/env python3
"""Writes Tests/SieveTokenizerTests/Fixtures/hf-merges-examples-2000.json: the merges Hugging Face
tokenizers' BpeTrainer learns from examples/corpus without documents/ (the JSONL and text
files, read through `sieve cat`) with vocab 2000,
NFC, Qwen's pre-tokenizer, the ByteLevel alphabet and one special token. Needs
`pip install tokenizers` and a built sieve (swift build)."""
import json, os, subprocess, tempfile
from tokenizers import Tokenizer, models, trainers, pre_tokenizers, normalizers, Regex, decoders

QWEN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
with tempfile.TemporaryDirectory() as d:
    docs = os.path.join(d, "docs.jsonl")
    subprocess.run([".build/debug/sieve", "cat", "examples/corpus", "--exclude", "documents/*", "-o", docs, "--no-progress"], check=True,
                   stderr=subprocess.DEVNULL)
    texts = [json.loads(l)["text"] for l in open(docs, encoding="utf-8")]
tok = Tokenizer(models.BPE())
tok.normalizer = normalizers.NFC()
tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN), behavior="isolated"),
                                             pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=2000, min_frequency=0, special_tokens=["<|endoftext|>"],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
tok.train_from_iterator(texts, trainer)
spec = json.loads(tok.to_str())
merges = [m if isinstance(m, list) else m.split(" ") for m in spec["model"]["merges"]]
ids = [e.ids for e in tok.encode_batch(texts[:50])]
out = os.path.join("Tests", "SieveTokenizerTests", "Fixtures", "hf-merges-examples-2000.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump({"tokenizers": __import__("tokenizers").__version__, "merges": merges, "ids_first_50": ids}, f,
              ensure_ascii=False)
