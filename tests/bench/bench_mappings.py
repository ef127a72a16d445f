"""Benchmark the mapping pipeline: load time, and extraction time per statement against normalisation alone.

Run: .venv/bin/python -m tests.bench.bench_mappings [--repeat N] [--baseline REV]

With --baseline, the same statements are also extracted by the pipeline of an earlier commit (exported with
`git archive` into a temporary directory and run in a subprocess), alternating rounds, and the ratio of the
two costs per statement is printed: one run, one machine load.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from cdkg.mappings.normalize import normalize
from cdkg.mappings.pipeline import Pipeline
from cdkg.mappings.record import SourceRecord

ROOT = Path(__file__).resolve().parents[2]


def corpus():
    """Return the seed statements and the development gold set's texts."""
    seed = (ROOT / "kg" / "sources" / "seed-statements-fa.txt").read_text(encoding="utf-8").splitlines()
    gold = [json.loads(line)["text"] for line in (ROOT / "tests" / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [text for text in seed + gold if text.strip()]


def timed(function, records, repeat):
    """Return CPU seconds per call of function over the records, best of a few rounds (CPU time, so that
    other processes on the machine do not inflate it)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(repeat):
            for record in records:
                function(record)
        best = min(best, (time.process_time() - start) / (repeat * len(records)))
    return best


# Run in a subprocess on an exported tree: time that tree's pipeline on the statements read from stdin.
_BASELINE_SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from cdkg.mappings.pipeline import Pipeline
from cdkg.mappings.record import SourceRecord
texts, repeat = json.load(sys.stdin)
pipeline = Pipeline.load()
records = [SourceRecord(text, number, "bench") for number, text in enumerate(texts, 1)]
for record in records:
    pipeline.extract(record)
start = time.process_time()
for _ in range(repeat):
    for record in records:
        pipeline.extract(record)
print(json.dumps((time.process_time() - start) / (repeat * len(records))))
"""


def baseline_cost(revision, texts, repeat):
    """Return CPU seconds per statement of the pipeline at an earlier commit, on the same statements."""
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        done = subprocess.run([sys.executable, "-c", _BASELINE_SCRIPT, tree], input=json.dumps([texts, repeat]),
                              capture_output=True, text=True, check=True)
        return json.loads(done.stdout)


def main(argv=None):
    """Print load time, per-statement extraction time and throughput."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline", metavar="REV", help="also time the pipeline of this commit and print the ratio")
    args = parser.parse_args(argv)
    start, wall = time.process_time(), time.perf_counter()
    pipeline = Pipeline.load()
    load_seconds, load_wall = time.process_time() - start, time.perf_counter() - wall
    tracemalloc.start()  # a second load, traced: tracing slows loading, so it is not the one timed
    Pipeline.load()
    _, lexicon_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    texts = corpus()
    records = [SourceRecord(text, number, "bench") for number, text in enumerate(texts, 1)]
    baseline = timed(lambda record: normalize(record.text), records, args.repeat)
    extraction = timed(pipeline.extract, records, args.repeat)
    triples = sum(len(pipeline.extract(record).triples) for record in records) / len(records)
    print(f"statements: {len(records)} distinct x {args.repeat} rounds, mean {sum(map(len, texts)) / len(texts):.0f} chars")
    print(f"lexicon keys: {len(pipeline.lexicon.senses)}; load: {load_seconds:.2f} s CPU ({load_wall:.2f} s wall); peak memory while loading: {lexicon_peak / 2**20:.0f} MiB")
    print(f"normalize only: {baseline * 1e3:.3f} ms/statement")
    print(f"extract:        {extraction * 1e3:.3f} ms/statement ({1 / extraction:,.0f} statements/s, "
          f"{extraction / baseline:.1f}x normalize), {triples:.1f} triples/statement")
    if args.baseline:
        rounds = []
        for _ in range(3):  # alternate the two versions so that a change of machine load hits both
            rounds.append((baseline_cost(args.baseline, texts, args.repeat), timed(pipeline.extract, records, args.repeat)))
        before, now = min(r[0] for r in rounds), min(r[1] for r in rounds)
        print(f"baseline {args.baseline}: {before * 1e3:.3f} ms/statement; now {now * 1e3:.3f} ms/statement; "
              f"ratio {now / before:.2f}x (best of 3 alternating rounds)")


if __name__ == "__main__":
    main()
