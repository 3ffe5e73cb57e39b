#!/usr/bin/env python3
"""Builds the seed sets of the shipped label models (models/README.md) from real text
that nobody on the project wrote: the domain set (7 domains) and the quality set
(main text vs. page boilerplate). Deterministic for the same inputs.

    python3 scripts/make-label-seeds.py [--out .build-seeds]

Writes OUT/domain-{train,test}.jsonl and OUT/quality-{train,test}.jsonl, one
{"text", "label", "source"} per line, and OUT/seeds.json (counts and SHA-256 per file).
Files (or pages) go whole to one split, so no test text shares a file with a training text.
"""
import argparse, ast, glob, gzip, hashlib, json, os, random, re, sysconfig
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
PER_DOMAIN = 1500          # training texts a domain at most
TEST_SHARE = 5             # every 5th file, page or news item goes to the test split
CHUNK_LINES = 40


def chunks(text, lines=CHUNK_LINES, min_chars=300, max_chunks=3):
    """The first few runs of `lines` non-blank lines of a file."""
    rows = [l.rstrip() for l in text.splitlines() if l.strip()]
    out = []
    for i in range(0, len(rows), lines):
        piece = "\n".join(rows[i:i + lines])
        if len(piece) >= min_chars:
            out.append(piece)
        if len(out) == max_chunks:
            break
    return out


def code():
    """Python (CPython's standard library, PSF licence) and C (this machine's /usr/include,
    Debian packages' headers under their own licences)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    files = sorted(glob.glob(os.path.join(stdlib, "**", "*.py"), recursive=True))
    files = [f for f in files if "site-packages" not in f]
    files += sorted(glob.glob("/usr/include/**/*.h", recursive=True))
    for path in files:
        try:
            text = open(path, encoding="utf-8").read()
        except (UnicodeDecodeError, OSError):
            continue
        for piece in chunks(text):
            yield path, piece


def strip_doctests(doc):
    """A docstring's prose and formulas without its >>> examples and their output."""
    out, skipping = [], False
    for line in doc.splitlines():
        s = line.strip()
        if s.startswith(">>>") or s.startswith("..."):
            skipping = True
            continue
        if skipping and s == "":
            skipping = False
        if not skipping:
            out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def mathematics():
    """Docstrings of SymPy 1.14, mpmath 1.3 and SciPy's special functions (BSD licences):
    definitions, identities and properties of mathematical objects."""
    import mpmath, scipy, sympy
    roots = [os.path.dirname(sympy.__file__), os.path.dirname(mpmath.__file__),
             os.path.join(os.path.dirname(scipy.__file__), "special")]
    for root in roots:
        for path in sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True)):
            if "/tests/" in path:
                continue
            try:
                tree = ast.parse(open(path, encoding="utf-8").read())
            except (SyntaxError, UnicodeDecodeError, OSError):
                continue
            for node in ast.walk(tree):
                doc = None
                if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                elif (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "add_newdoc" and len(node.args) >= 2
                      and isinstance(node.args[-1], ast.Constant) and isinstance(node.args[-1].value, str)):
                    doc = node.args[-1].value  # scipy.special's docstrings live in add_newdoc calls
                if doc:
                    doc = strip_doctests(doc)
                    # Only the prose-and-formula part: up to the first API section.
                    doc = re.split(r"\n\s*(Parameters|Returns|Examples|See Also|See also)\n\s*[-=]{3,}", doc)[0].strip()
                    if len(doc) >= 400:
                        yield path, doc[:4000]


def law():
    """Licence texts: /usr/share/common-licenses and the licence paragraphs of Debian
    packages' copyright files on this machine."""
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path) and not os.path.islink(path):
            for piece in chunks(open(path, encoding="utf-8", errors="replace").read(), max_chunks=30):
                yield path, piece
    for path in sorted(glob.glob("/usr/share/doc/*/copyright")):
        try:
            text = open(path, encoding="utf-8").read()
        except (UnicodeDecodeError, OSError):
            continue
        # Debian's machine-readable format: a "License:" field's text is its indented lines.
        for block in re.findall(r"^License:[^\n]*\n((?:[ \t]+[^\n]*\n?)+)", text, flags=re.M):
            body = "\n".join(l.strip() for l in block.splitlines())
            body = "\n".join("" if l == "." else l for l in body.splitlines())
            for piece in chunks(body, max_chunks=5):
                yield path, piece


ROFF_ESCAPES = [(r"\\f[0-9BIRP]", ""), (r"\\\(bu", "•"), (r"\\f\(..", ""), (r"\\-", "-"), (r"\\\(em", "-"), (r"\\\(en", "-"),
                (r"\\\(aq", "'"), (r"\\\(lq|\\\(rq", '"'), (r"\\&", ""), (r"\\e", "\\\\"), (r"\\ ", " "), (r"\\\*\(.{2}", ""),
                (r'\\"[^\n]*', ""), (r"\\[|^%]", "")]


def roff_text(source):
    out = []
    for line in source.splitlines():
        if line.startswith(("'", ".\\\"", "'\\\"")):
            continue
        if line.startswith("."):
            m = re.match(r"\.(SH|SS|BI|BR|IR|RB|RI|IB|B|I)\s+(.*)", line)
            if not m:
                continue
            line = m.group(2).replace('"', "")
        for pattern, repl in ROFF_ESCAPES:
            line = re.sub(pattern, repl, line)
        if line.strip():
            out.append(line.strip())
    return "\n".join(out)


def reference():
    """English manual pages of this machine's Debian packages (sections 1, 5, 8): software
    reference documentation, roff markup removed."""
    per_command = Counter()
    for section in ("man1", "man5", "man8"):
        for path in sorted(glob.glob(f"/usr/share/man/{section}/*.gz")):
            # A few tools have thousands of pages (gcloud's subcommands): 5 pages a tool.
            command = re.split(r"[-_.]", os.path.basename(path))[0]
            per_command[command] += 1
            if per_command[command] > 5:
                continue
            try:
                text = roff_text(gzip.open(path, "rt", encoding="utf-8").read())
            except (UnicodeDecodeError, OSError, EOFError):
                continue
            if text.startswith(".so") or len(text) < 300:
                continue
            for piece in chunks(text, max_chunks=2):
                yield path, piece


def ag_news():
    """AG's News (Zhang, Zhao and LeCun 2015) from ../shared/data/classify/ag_news: its own
    train and test files, topics mapped to domains."""
    mapping = {"business": "business_finance", "scitech": "science_technology", "world": "news", "sports": "news"}
    out = {}
    for split in ("train", "test"):
        for i, line in enumerate(open(os.path.join(DATA, "classify", "ag_news", f"{split}.jsonl"), encoding="utf-8")):
            o = json.loads(line)
            out.setdefault(split, []).append((mapping[o["label"]], f"classify/ag_news/{split}.jsonl:{i + 1}", o["text"]))
    return out


def domain_sets():
    rows = {"train": [], "test": []}
    for label, source in (("code", code), ("mathematics", mathematics), ("law", law), ("reference", reference)):
        by_file = defaultdict(list)
        seen = set()
        for path, text in source():
            key = hashlib.sha256(" ".join(text.split()).encode()).digest()
            if key not in seen:  # licence texts repeat across packages
                seen.add(key)
                by_file[path].append(text)
        files = sorted(by_file)
        random.Random(label).shuffle(files)
        for split in rows:
            picked = [f for i, f in enumerate(files) if (i % TEST_SHARE == 0) == (split == "test")]
            texts = [(f, t) for f in picked for t in by_file[f]]
            random.Random(label + split).shuffle(texts)
            cap = PER_DOMAIN if split == "train" else PER_DOMAIN // (TEST_SHARE - 1)
            rows[split] += [(label, f, t) for f, t in texts[:cap]]
    news = ag_news()
    for split in rows:
        for label in ("business_finance", "science_technology", "news"):
            items = [r for r in news[split] if r[0] == label]
            cap = PER_DOMAIN if split == "train" else PER_DOMAIN // (TEST_SHARE - 1)
            rows[split] += items[:cap]
    return rows


def segments(html):
    """The text segments of a page, in order, without script and style."""
    import lxml.html
    try:
        tree = lxml.html.fromstring(html)
    except Exception:
        return []
    hidden = set()
    for bad in tree.xpath("//script|//style|//noscript|//template"):
        hidden.update(bad.iter())
    out = []
    for el in tree.iter():
        text = el.text if isinstance(el.tag, str) and el not in hidden else None
        tail = el.tail if el.getparent() not in hidden else None
        for t in (text, tail):
            if t and t.strip():
                out.append(" ".join(t.split()))
    return out


def quality_sets():
    """high: the human-made main text of real pages; low: the rest of those pages' text
    (navigation, footers, cookie notices, related links, comments' chrome)."""
    rows = {"train": [], "test": []}
    folder = os.path.join(DATA, "html")
    pages = [json.loads(l) for l in open(os.path.join(folder, "ground_truth.jsonl"), encoding="utf-8")]
    snippets = [json.loads(l) for l in open(os.path.join(folder, "snippets.jsonl"), encoding="utf-8")]
    items = []
    for page in pages:
        body = page["article_body"]
        flat = " ".join(body.split())
        html = open(os.path.join(folder, page["file"]), "rb").read()
        try:
            html = html.decode("utf-8")
        except UnicodeDecodeError:
            html = html.decode("cp1252", errors="replace")
        html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
        rest = [s for s in segments(html) if s not in flat]
        items.append((page["id"], body, "\n".join(rest)))
    for page in snippets:
        items.append((page["id"], "\n".join(page["with"]), "\n".join(page["without"])))
    for i, (pid, high, low) in enumerate(sorted(items)):
        split = "test" if i % TEST_SHARE == 0 else "train"
        if len(high) >= 200:
            rows[split].append(("high", pid, high[:20000]))
        if len(low) >= 200:
            rows[split].append(("low", pid, low[:20000]))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(ROOT, ".build-seeds"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    summary = {}
    for name, build in (("domain", domain_sets), ("quality", quality_sets)):
        for split, items in build().items():
            random.Random(name + split).shuffle(items)
            path = os.path.join(args.out, f"{name}-{split}.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for label, source, text in items:
                    f.write(json.dumps({"text": text, "label": label, "source": os.path.relpath(source, "/") if source.startswith("/") else source},
                                       ensure_ascii=False) + "\n")
            digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
            summary[f"{name}-{split}.jsonl"] = {"texts": len(items), "by_label": dict(sorted(Counter(l for l, _, _ in items).items())),
                                                "bytes": os.path.getsize(path), "sha256": digest}
    with open(os.path.join(args.out, "seeds.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
