"""A whole process timed the same way in every benchmark that imports it."""
import os, subprocess, sys, time


def measured(cmd, env=None):
    """(seconds, peak resident MB, stdout, stderr) of `cmd`, a whole process; exits with
    its error when it fails. The peak is GNU time's (`/usr/bin/time`, Debian's `time`): a
    child's ru_maxrss seen from Python would start at this script's own size (fork)."""
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, env=env)
    elapsed = time.perf_counter() - t
    err = r.stderr.decode(errors="replace")
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err[-3000:]}")
    lines = err.strip().splitlines()
    return elapsed, int(lines[-1]) / 1024, r.stdout.decode(errors="replace"), "\n".join(lines[:-1])


def release_build(root, *products, scratch=None):
    """Builds `products` in release in the checkout at `root` (in its `.build`, or in
    `scratch`) and returns the folder that holds them. The build's errors go to stderr."""
    for product in products:
        scratch_path = ["--scratch-path", scratch] if scratch else []
        subprocess.run(["swift", "build", "-c", "release", "--product", product] + scratch_path, cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    return os.path.join(scratch or os.path.join(root, ".build"), "release")


def release_sieve(root, scratch=None):
    """Builds `sieve` in release in the checkout at `root` and returns its path."""
    return os.path.join(release_build(root, "sieve", scratch=scratch), "sieve")
