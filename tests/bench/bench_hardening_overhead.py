"""Measure what the query limits cost on the common path: a point lookup run inline vs through the limits.

Run: .venv/bin/python -m tests.bench.bench_hardening_overhead [--kg DIR] [--repeat 5000]
Without --kg, the endpoint test fixture KG is built in a temporary directory.
Both paths evaluate the same query on the same read-only store and serialise SPARQL JSON; the hardened path
hands the work to the per-worker query thread, waits with the time limit and writes through the bounded buffer.
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from cdkg.endpoint.backends import OxigraphBackend
from cdkg.endpoint.config import DEFAULTS
from cdkg.endpoint.limits import QueryRunner, serialize_within
from cdkg.ontology.namespaces import CDO, RDFS
from tests.endpoint_support import build_kg_dir


def point_lookup(backend):
    """Return a query for the labels of one entity of the KG."""
    rows = backend.query(f"SELECT ?s WHERE {{ ?s a <{CDO.City}> }} LIMIT 1").rows()
    return f"SELECT ?label WHERE {{ <{rows[0]['s']['value']}> <{RDFS.label}> ?label }}"


def timings(call, repeat):
    """Return per-call wall times in microseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def main():
    """Time both paths, interleaved in rounds so that drift affects them alike, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kg", type=Path)
    parser.add_argument("--repeat", type=int, default=5000)
    args = parser.parse_args()
    kg_dir = args.kg or build_kg_dir(Path(tempfile.mkdtemp(prefix="cdkg-bench-")) / "kg")
    backend = OxigraphBackend(kg_dir / "store")
    query = point_lookup(backend)
    settings = dict(DEFAULTS)
    runner = QueryRunner(slots=4, slot_wait=1.0, can_retire=False)

    def inline():
        return backend.query(query).serialize("json")

    def hardened():
        deadline = time.monotonic() + settings["QUERY_TIMEOUT"]
        return runner.run(lambda: serialize_within(backend.query(query), "json", settings, deadline),
                          settings["QUERY_TIMEOUT"])

    assert inline() == hardened()
    baseline, limited = [], []
    for _ in range(5):
        baseline += timings(inline, args.repeat // 5)
        limited += timings(hardened, args.repeat // 5)
    base_median, limited_median = statistics.median(baseline), statistics.median(limited)
    print(f"point lookup on {kg_dir} ({len(baseline)} calls each)")
    print(f"  inline:        median {base_median:7.1f} us, p99 {sorted(baseline)[int(0.99 * len(baseline))]:7.1f} us")
    print(f"  with limits:   median {limited_median:7.1f} us, p99 {sorted(limited)[int(0.99 * len(limited))]:7.1f} us")
    print(f"  overhead:      {limited_median - base_median:+.1f} us per query "
          f"(ratio {limited_median / base_median:.2f})")


if __name__ == "__main__":
    main()
