"""Benchmark `cdkg build`: the single-process build against the parallel one, and an incremental add, in one run.

    .venv/bin/python tests/bench/bench_build.py [--sizes 10000 100000] [--add 1000] [--shacl] [--workdir DIR]

For each size, three `cdkg build --no-shacl` processes on the same synthetic corpus (seed 1), one after the other:
  1. single: `--workers 1`, pinned to one CPU (the build as it was, the baseline);
  2. parallel: `--workers N` on every usable CPU;
  3. add: `--add` of ADD new statements (another seed) into the parallel build's KG, `--workers N`.
Each prints wall time, CPU time (the process and its workers), peak memory (the main process's RSS from wait4, and
the sampled peak PSS of the process tree: forked workers share pages, PSS counts them once) and the split by
stage. Targets (issue #17/#14): 100k statements in <= 180 s wall, peak < 1 GB; the add < 10% of a full build.
The machine may be shared: the load average is printed before and after each build.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from cdkg.kg.corpus import write_corpus  # noqa: E402  (after the path set-up, so the script runs from anywhere)

TARGET_WALL_100K = 180
TARGET_RSS_MB = 1024
TARGET_ADD_SHARE = 0.10
ADD_SEED = 1_000_003  # another seed: the added statements are new, not repeats of the corpus


def pin_to_one_core():
    """Restrict the child process to a single CPU, as the baseline build ran."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def tree_pss_kb(root):
    """Return the summed proportional set size (kB) of a process and its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total


def run(command, out, pin):
    """Run one build process; return (wall s, CPU s incl. workers, main peak RSS MB, tree peak PSS MB, info)."""
    log = out.with_suffix(".log")  # a file, not a pipe: the progress bar would fill a pipe nobody reads
    peak, done = [0], threading.Event()
    start = time.perf_counter()
    with open(log, "wb") as stderr:
        process = subprocess.Popen(command, cwd=REPO_ROOT, preexec_fn=pin_to_one_core if pin else None,
                                   stdout=subprocess.DEVNULL, stderr=stderr)

        def sample():
            while not done.wait(0.25):
                peak[0] = max(peak[0], tree_pss_kb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        done.set()
        sampler.join()
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed:\n{log.read_text()[-3000:]}")
    info = json.loads((out / "build-info.json").read_text())
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 1024, info


def load():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(label, figures, baseline=None):
    """Print one build's figures, and its ratio to a baseline build's wall time."""
    wall, cpu, rss_mb, pss_mb, info = figures
    counts, seconds = info["counts"], info["seconds"]
    ratio = f" = {wall / baseline[0]:.2f}x the single-process wall" if baseline else ""
    print(f"  {label}: wall {wall:.1f} s{ratio}; CPU {cpu:.1f} s ({cpu / wall:.2f} cores busy); "
          f"main RSS {rss_mb:,.0f} MB, tree PSS {pss_mb:,.0f} MB ({max(rss_mb, pss_mb) / TARGET_RSS_MB:.2f}x "
          f"the {TARGET_RSS_MB:,} MB limit); {load()}")
    print(f"    read={counts['read']:,} published={counts['published']:,} duplicates={counts['duplicates']:,} "
          f"triples={counts['triples']:,} (inferred {counts['inferred_triples']:,}) graphs={counts['graphs']:,}")
    stages = {k: v for k, v in seconds.items() if k != "total"}
    print("    split: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--add", type=int, default=1000, help="statements added incrementally (default 1000)")
    parser.add_argument("--shacl", action="store_true", help="also validate (default: --no-shacl)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="keep corpora and outputs here (default: a temp dir)")
    args = parser.parse_args()
    cpus = len(os.sched_getaffinity(0))
    flags = [] if args.shacl else ["--no-shacl"]
    build = [sys.executable, "-m", "cdkg.kg.cli", "build", *flags]
    with tempfile.TemporaryDirectory(prefix="bench-build-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        extra = workdir / f"added-{args.add}.txt"
        if not extra.exists():
            write_corpus(extra, args.add, ADD_SEED)
        for size in args.sizes:
            corpus = workdir / f"synthetic-{size}.txt"
            if not corpus.exists():
                write_corpus(corpus, size, args.seed)
            print(f"\n{size:,} statements ({cpus} CPUs; {load()})")
            single = run([*build, str(corpus), "--out", str(workdir / f"kg-{size}-1"), "--workers", "1"],
                         workdir / f"kg-{size}-1", pin=True)
            report("single process, 1 CPU", single)
            parallel_out = workdir / f"kg-{size}-{cpus}"
            parallel = run([*build, str(corpus), "--out", str(parallel_out), "--workers", str(cpus)],
                           parallel_out, pin=False)
            report(f"parallel, {cpus} workers", parallel, single)
            same = (parallel_out / "citydiplomacy.trig").read_bytes() == (
                workdir / f"kg-{size}-1" / "citydiplomacy.trig").read_bytes()
            print(f"    same TriG dump as the single-process build: {same}")
            if size >= 100_000:
                print(f"    target: <= {TARGET_WALL_100K} s wall for 100k: "
                      f"{parallel[0] * 100_000 / size / TARGET_WALL_100K:.2f}x the target")
            added = run([*build, "--add", str(extra), "--out", str(parallel_out), "--workers", str(cpus)],
                        parallel_out, pin=False)
            report(f"add {args.add:,} statements", added)
            print(f"    the add took {added[0] / parallel[0]:.1%} of the parallel full build's wall time "
                  f"({added[0] / single[0]:.1%} of the single-process one); target < {TARGET_ADD_SHARE:.0%}")


if __name__ == "__main__":
    main()
