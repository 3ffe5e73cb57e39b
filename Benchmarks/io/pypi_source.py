"""A peer's source distribution from PyPI, unpacked: for benchmarks that build a peer's own
command-line tool (fastText's `fasttext`, KenLM's `lmplz`) as its authors ship it."""
import glob, os, subprocess, sys, tarfile


def unpacked(requirement, name, work):
    """Downloads `requirement` (`fasttext==0.9.3`, `kenlm`) as a source distribution into
    `work` once (pip needs `wheel` for --no-build-isolation) and returns the folder it
    unpacks to (the newest `name-*` archive there)."""
    os.makedirs(work, exist_ok=True)
    pattern = os.path.join(work, f"{name}-*.tar.gz")
    if not glob.glob(pattern):
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "--no-build-isolation", requirement, "-d", work], check=True)
    archive = sorted(glob.glob(pattern))[-1]
    source = archive[:-len(".tar.gz")]
    if not os.path.isdir(source):
        with tarfile.open(archive) as t:
            t.extractall(work)
    return source
