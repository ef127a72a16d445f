"""Benchmark `cdkg build`: statements/s on one core, peak memory and the cost of each stage, on synthetic corpora.

    .venv/bin/python tests/bench/bench_build.py [--sizes 10000 100000] [--shacl] [--workdir DIR]

Each build runs as its own `cdkg build` process pinned to one CPU, so its peak RSS is its own. Targets (issue):
>= 2,000 statements/s without SHACL, < 1 GB peak RSS for 100k statements.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from kg.corpus import write_corpus  # noqa: E402  (after the path set-up, so the script runs from anywhere)

TARGET_RATE = 2000
TARGET_RSS_MB = 1024


def pin_to_one_core():
    """Restrict the child process to a single CPU, as the target is stated for one core."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_build(corpus, out, shacl):
    """Run one build process; return (wall seconds, CPU seconds, peak RSS in MB, build-info dict)."""
    command = [sys.executable, "-m", "kg.cli", "build", str(corpus), "--out", str(out)]
    if not shacl:
        command.append("--no-shacl")
    log = out.with_suffix(".log")  # a file, not a pipe: the progress bar would fill a pipe nobody reads
    start = time.perf_counter()
    with open(log, "wb") as stderr:
        process = subprocess.Popen(command, cwd=REPO_ROOT, preexec_fn=pin_to_one_core,
                                   stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed:\n{log.read_text()[-3000:]}")
    info = json.loads((out / "build-info.json").read_text())
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, info


def report(size, wall, cpu, rss_mb, info):
    """Print one build's figures."""
    seconds = info["seconds"]
    counts = info["counts"]
    build_rate = counts["read"] / seconds["total"]
    print(f"\n{size:,} statements  read={counts['read']:,} published={counts['published']:,} "
          f"duplicates={counts['duplicates']:,} quarantined={counts['quarantined']:,} "
          f"triples={counts['triples']:,} (inferred {counts['inferred_triples']:,})")
    print(f"  build: {seconds['total']:.1f} s = {build_rate:,.0f} statements/s "
          f"({build_rate / TARGET_RATE:.2f}x the {TARGET_RATE:,}/s target); "
          f"process wall incl. start-up and loading {wall:.1f} s = {counts['read'] / wall:,.0f} statements/s")
    print(f"  process CPU time {cpu:.1f} s = {counts['read'] / cpu:,.0f} statements per CPU-second "
          f"(wall/CPU {wall / cpu:.2f}: above 1 means the core was shared or waiting on disk)")
    print(f"  peak RSS: {rss_mb:,.0f} MB ({rss_mb / TARGET_RSS_MB:.2f}x the {TARGET_RSS_MB:,} MB limit)")
    stages = {k: v for k, v in seconds.items() if k != "total"}
    print("  split: " + ", ".join(f"{k} {v:.1f} s ({v / seconds['total']:.0%})" for k, v in sorted(
        stages.items(), key=lambda kv: -kv[1])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--shacl", action="store_true", help="also validate (default: --no-shacl)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="keep corpora and outputs here (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            corpus = workdir / f"synthetic-{size}.txt"
            if not corpus.exists():
                write_corpus(corpus, size, args.seed)
            wall, cpu, rss_mb, info = run_build(corpus, workdir / f"kg-{size}", args.shacl)
            report(size, wall, cpu, rss_mb, info)


if __name__ == "__main__":
    main()
