#!/usr/bin/env python3
"""Kills at every point: the example pipeline (langid, filters, dedup, labels, tokenize;
examples/pipeline.toml) SIGKILLed at --points moments spread over its run, each rerun to
completion and compared with a run that was never killed.

    python3 Benchmarks/kill/kill_bench.py [--points 24] [--tasks 1,3] [--copies 20]

- Input: the example corpus, --copies times (ids made unique), in small work units so
  that there are units to resume.
- For each task count: one uninterrupted run gives the reference and its duration T.
  Then, for i in 0..points-1, a run is started in a fresh folder and its whole process
  group is SIGKILLed at T * (i + 0.5) / points (so from the start, through the first pass,
  between the passes, shard assembly and the manifest's last writes); the same command
  then runs again in that folder until it completes, once no process of the killed run is
  left (a task inside fsync outlives the kill by up to a second or so).
- Compared after each rerun: every shard and rejected file byte for byte, the manifest's
  shards, rejections and statistics tables; and no stale temporary files (`.tmp-` names,
  spill folders, parts) anywhere under the output.
A shorter version with four kill points runs in `swift test` (SpillKillTests, CommandTests).

A full disk: the output folder on a tmpfs of --disk-mb MB (mounted by the script; it needs
root, and says so when it cannot) fills up during the run, which must stop with an error
that says so; once the tmpfs is grown to 512 MB, the same command must resume to the
reference's bytes, with no stale temporary files.
"""
import argparse, hashlib, json, os, shutil, signal, sqlite3, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "io"))
import timing  # noqa: E402
WORK = os.path.join(ROOT, ".build-bench", "kill")


def corpus(copies):
    folder = os.path.join(WORK, "corpus")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    cat = subprocess.run([SIEVE, "cat", os.path.join(ROOT, "examples", "corpus"), "-o", "-", "--no-progress"],
                         capture_output=True, check=True).stdout.decode().splitlines()
    for c in range(copies):
        with open(os.path.join(folder, f"part-{c}.jsonl"), "w", encoding="utf-8") as f:
            for line in cat:
                d = json.loads(line)
                d["id"] = f"{c}-{d.get('id', '')}"
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return folder


def config(corpus_folder):
    text = open(os.path.join(ROOT, "examples", "pipeline.toml"), encoding="utf-8").read()
    text = text.replace('paths = ["corpus"]', f'paths = ["{corpus_folder}"]\nsplit_bytes = 200000')
    text = text.replace('"../', f'"{ROOT}/').replace('tokenizer = "tokenizer.json"', f'tokenizer = "{ROOT}/examples/tokenizer.json"')
    text = text.replace('[output]', '[output]\nrejected = true')
    path = os.path.join(WORK, "pipeline.toml")
    open(path, "w", encoding="utf-8").write(text)
    return path


def outputs(out):
    """Shards and rejected files by path, with the manifest's tables that must not change."""
    files = {}
    for folder in ["shards", "rejected"]:
        for root, _, names in os.walk(os.path.join(out, folder)):
            for name in names:
                path = os.path.join(root, name)
                files[os.path.relpath(path, out)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    db = sqlite3.connect(os.path.join(out, "manifest.sqlite"))
    for table, order in [("shards", "path"), ("rejections", "task_index, stage, rule, language"), ("stages", "task_index, position")]:
        columns = "*" if table != "stages" else "task_index, position, stage, documents_in, bytes_in, documents_out, bytes_out"
        files["manifest:" + table] = hashlib.sha256(repr(db.execute(f"SELECT {columns} FROM {table} ORDER BY {order}").fetchall()).encode()).hexdigest()
    db.close()
    return files


def leftovers(out):
    stale = []
    for root, dirs, names in os.walk(out):
        for name in names + dirs:
            rel = os.path.relpath(os.path.join(root, name), out)
            if ".tmp-" in name or rel.startswith(os.path.join(".sieve", "spill") + os.sep) or rel.startswith(os.path.join(".sieve", "parts") + os.sep):
                stale.append(rel)
    return stale


def run(cmd, out, kill_after=None):
    p = subprocess.Popen(cmd + ["--output", out, "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    if kill_after is None:
        _, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
        return True
    try:
        p.wait(timeout=kill_after)
        return False  # finished before the kill
    except subprocess.TimeoutExpired:
        tasks = subprocess.run(["pgrep", "-f", "--", "--output " + out], capture_output=True, text=True).stdout.split()
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        # The run's tasks die with it (each is its own process group, killed by the kernel
        # when the run dies), but one inside fsync finishes that first: the rerun starts
        # once every process of the killed run is gone, as an operator's would.
        deadline = time.time() + 60
        while time.time() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in tasks):
            time.sleep(0.05)
        time.sleep(1)  # a task started between the listing and the kill
        return True


def main():
    global SIEVE
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=24)
    ap.add_argument("--tasks", default="1,3")
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--disk-mb", type=int, default=3)
    args = ap.parse_args()
    SIEVE = timing.release_sieve(ROOT)
    os.makedirs(WORK, exist_ok=True)
    pipeline = config(corpus(args.copies))
    failures = 0
    for tasks in [int(t) for t in args.tasks.split(",")]:
        cmd = [SIEVE, "run", pipeline] + (["--tasks", str(tasks)] if tasks > 1 else [])
        reference = os.path.join(WORK, f"ref-{tasks}")
        shutil.rmtree(reference, ignore_errors=True)
        t = time.perf_counter()
        run(cmd, reference)
        duration = time.perf_counter() - t
        expected = outputs(reference)
        print(f"--tasks {tasks}: reference run {duration:.1f} s, {len(expected) - 3} shard and rejected files")
        killed = 0
        for i in range(args.points):
            out = os.path.join(WORK, f"killed-{tasks}-{i}")
            shutil.rmtree(out, ignore_errors=True)
            moment = duration * (i + 0.5) / args.points
            was_killed = run(cmd, out, kill_after=moment)
            killed += was_killed
            run(cmd, out)
            got, stale = outputs(out), leftovers(out)
            same = got == expected
            if not same or stale:
                failures += 1
                differing = sorted(k for k in set(got) | set(expected) if got.get(k) != expected.get(k))
                print(f"  kill at {moment:.2f} s: {'same' if same else 'DIFFERENT: ' + ', '.join(differing[:5])}; stale: {stale[:5]}")
            shutil.rmtree(out, ignore_errors=True)
        print(f"  {args.points} kill points from {duration * 0.5 / args.points:.2f} s to {duration * (args.points - 0.5) / args.points:.2f} s "
              f"({killed} killed, {args.points - killed} finished first): every rerun equal and clean"
              if failures == 0 else f"  {failures} failures")
        failures += full_disk(cmd, reference, expected, args.disk_mb, tasks)
    sys.exit(1 if failures else 0)


def full_disk(cmd, reference, expected, megabytes, tasks):
    mount = os.path.join(WORK, "tiny")
    os.makedirs(mount, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}M", "tmpfs", mount], capture_output=True).returncode != 0:
        print("  full disk: skipped (mounting a tmpfs needs root)")
        return 0
    try:
        out = os.path.join(mount, "out")
        p = subprocess.run(cmd + ["--output", out, "--no-progress"], capture_output=True, text=True)
        said = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
        subprocess.run(["mount", "-o", "remount,size=512M", mount], check=True)
        run(cmd, out)
        same, stale = outputs(out) == expected, leftovers(out)
        ok = p.returncode != 0 and "No space left on device" in p.stderr and same and not stale
        print(f"  full disk ({megabytes} MB, --tasks {tasks}): exit {p.returncode}, \"{said[:160]}\"; after growing it, "
              f"{'equal' if same else 'DIFFERENT'}, stale: {stale[:3]}")
        return 0 if ok else 1
    finally:
        subprocess.run(["umount", mount])


if __name__ == "__main__":
    main()
