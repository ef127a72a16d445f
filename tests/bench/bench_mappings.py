"""Benchmark the mapping pipeline: load time, and extraction time per statement against normalisation alone.

Run: .venv/bin/python -m tests.bench.bench_mappings [--repeat N]
"""
import argparse
import json
import time
import tracemalloc
from pathlib import Path

from mappings.normalize import normalize
from mappings.pipeline import Pipeline
from mappings.record import SourceRecord

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


def main(argv=None):
    """Print load time, per-statement extraction time and throughput."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
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


if __name__ == "__main__":
    main()
