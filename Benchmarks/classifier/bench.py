#!/usr/bin/env python3
"""Text classification: Sieve's classifier vs fastText (PyPI `fasttext-wheel` 0.9.2) on the
same train/test split with the same hyper-parameters, in one run.

    python3 Benchmarks/classifier/bench.py [--threads 1,2] [--sets ag_news,langid]

Sets:
- ag_news: ../shared/data/classify/ag_news (5,700 train / 1,900 test news texts, 4 topics);
  25 epochs, lr 0.5, dim 50, word bigrams, 200,000 buckets.
- langid: ../shared/data/langid as a 118-class problem, every 10th line held out;
  5 epochs, lr 0.5, dim 32, character 2-4-grams, 200,000 buckets.

Reported: accuracy on the test split; training seconds, both timed the same way: the wall
clock of a whole process that reads the training file, trains and writes the model
(`sieve classifier train`; a Python process importing fasttext and calling
`train_supervised` then `save_model`); prediction seconds for the test split (Sieve: the
time `sieve classifier predict` reports for features and model, JSON and model loading
excluded; fastText: `predict` in-process on the texts in memory).

Run it with the Python that has fasttext-wheel (with numpy<2, whose `predict` on a list
works): e.g. a virtual environment with `pip install fasttext-wheel "numpy<2"`.
"""
import argparse, datetime, json, multiprocessing, os, random, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
DATA = os.path.join(ROOT, "..", "shared", "data")
WORK = os.path.join(ROOT, ".build-bench", "classifier")

SETS = {
    "ag_news": dict(epoch=25, lr=0.5, dim=50, wordNgrams=2, minn=0, maxn=0, bucket=200000),
    "langid": dict(epoch=5, lr=0.5, dim=32, wordNgrams=1, minn=2, maxn=4, bucket=200000),
}


def prepare(name):
    """Writes WORK/name-{train,test}.{jsonl,txt}; returns the test texts and labels."""
    rows = {"train": [], "test": []}
    if name == "ag_news":
        for split in rows:
            for line in open(os.path.join(DATA, "classify", "ag_news", f"{split}.jsonl"), encoding="utf-8"):
                o = json.loads(line)
                rows[split].append((" ".join(o["text"].split()), o["label"]))
    else:
        folder = os.path.join(DATA, "langid")
        for file in sorted(os.listdir(folder)):
            if not file.endswith(".txt"):
                continue
            for i, line in enumerate(open(os.path.join(folder, file), encoding="utf-8")):
                text = " ".join(line.split())
                if text:
                    rows["test" if i % 10 == 9 else "train"].append((text, file[:-4]))
    # SGD sees the training lines in file order: shuffle them once (fixed seed), or a
    # file sorted by label (langid) trains one language after another.
    random.Random(1).shuffle(rows["train"])
    for split, items in rows.items():
        with open(os.path.join(WORK, f"{name}-{split}.jsonl"), "w", encoding="utf-8") as f:
            for text, label in items:
                f.write(json.dumps({"text": text, "label": label}, ensure_ascii=False) + "\n")
        with open(os.path.join(WORK, f"{name}-{split}.txt"), "w", encoding="utf-8") as f:
            for text, label in items:
                f.write(f"__label__{label} {text}\n")
    return rows["test"]


def fasttext_predict_seconds(job):
    import fasttext
    path, texts = job
    model = fasttext.load_model(path)
    t = time.perf_counter()
    model.predict(texts)
    return time.perf_counter() - t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--sets", default="ag_news,langid")
    args = parser.parse_args()
    import fasttext
    os.makedirs(WORK, exist_ok=True)
    sieve = timing.release_sieve(ROOT)
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"{datetime.date.today()}; {swift}; fasttext-wheel from {fasttext.__file__}")
    print(f"{'set':8} {'threads':>7} {'':10} {'accuracy':>9} {'train s':>8} {'predict s':>10}")
    for name in args.sets.split(","):
        test = prepare(name)
        p = SETS[name]
        for threads in [int(t) for t in args.threads.split(",")]:
            model = os.path.join(WORK, f"{name}.bin")
            t = time.perf_counter()
            r = subprocess.run([sieve, "classifier", "train", "--data", os.path.join(WORK, f"{name}-train.jsonl"), "-o", model,
                                "--epochs", str(p["epoch"]), "--lr", str(p["lr"]), "--dim", str(p["dim"]),
                                "--word-ngrams", str(p["wordNgrams"]), "--minn", str(p["minn"]), "--maxn", str(p["maxn"]),
                                "--buckets", str(p["bucket"]), "--threads", str(threads)], capture_output=True, text=True, check=True)
            train_s = time.perf_counter() - t
            accuracy = json.loads(subprocess.run([sieve, "classifier", "eval", "--model", model, "--data",
                                                  os.path.join(WORK, f"{name}-test.jsonl"), "--json"],
                                                 capture_output=True, text=True, check=True).stdout)["accuracy"]
            r = subprocess.run([sieve, "classifier", "predict", "--model", model, os.path.join(WORK, f"{name}-test.jsonl"),
                                "-o", os.devnull, "--threads", str(threads)], check=True, capture_output=True, text=True)
            predict_s = float(re.search(r"in ([0-9.]+) s", r.stderr).group(1))
            print(f"{name:8} {threads:>7} {'sieve':10} {accuracy:>9.4f} {train_s:>8.2f} {predict_s:>10.3f}")

            # The same way: a whole process that reads, trains and writes the model.
            ft_model = os.path.join(WORK, f"{name}-fasttext.bin")
            train_script = (f"import fasttext; fasttext.train_supervised({os.path.join(WORK, f'{name}-train.txt')!r}, "
                            f"epoch={p['epoch']}, lr={p['lr']}, dim={p['dim']}, wordNgrams={p['wordNgrams']}, "
                            f"minn={p['minn']}, maxn={p['maxn']}, bucket={p['bucket']}, thread={threads}, verbose=0)"
                            f".save_model({ft_model!r})")
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", train_script], check=True)
            ft_train = time.perf_counter() - t
            ft = fasttext.load_model(ft_model)
            _, precision, _ = ft.test(os.path.join(WORK, f"{name}-test.txt"))
            texts = [text for text, _ in test]
            if threads == 1:
                t = time.perf_counter()
                ft.predict(texts)
                ft_predict = time.perf_counter() - t
            else:
                # fastText predicts on one thread: split the texts over processes, as a
                # user would, and time the slowest one's prediction (loading excluded).
                ft.save_model(os.path.join(WORK, f"{name}.ftz"))
                chunks = [texts[i::threads] for i in range(threads)]
                with multiprocessing.get_context("fork").Pool(threads) as pool:
                    ft_predict = max(pool.map(fasttext_predict_seconds, [(os.path.join(WORK, f"{name}.ftz"), c) for c in chunks]))
            print(f"{name:8} {threads:>7} {'fastText':10} {precision:>9.4f} {ft_train:>8.2f} {ft_predict:>10.3f}")


if __name__ == "__main__":
    main()
