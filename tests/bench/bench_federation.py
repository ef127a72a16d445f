"""Benchmark `cdkg publish` into Virtuoso and the endpoint's remote backend against the embedded store.

Run: .venv/bin/python -m tests.bench.bench_federation [--statements 5000] [--duration 5]
Needs: virtuoso-opensource (Debian) and wrk (else a Python load generator is used). Everything listens on
127.0.0.1 only. Prints the publication rate, then throughput and latency (concurrency 8) of the same queries
through: the endpoint over its embedded store, the endpoint over Virtuoso (remote backend), and Virtuoso
itself; ratios are against the endpoint over the embedded store measured in the same run.
"""
import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from requests.auth import HTTPDigestAuth

from cdkg.kg.publish import publish
from tests.bench.bench_endpoint import CONCURRENCY, queries, run_python_load, run_wrk, synthesise
from tests.federation.endpoint import TRIG_FILE, Endpoint
from tests.federation.virtuoso import Virtuoso

MEASURED = ("point lookup", "aggregation")


def write_trig(kg_dir):
    """Write the TriG dump `cdkg publish` reads, from the synthetic KG's store."""
    store = ox.Store.read_only(str(kg_dir / "store"))
    ox.serialize(store.quads_for_pattern(None, None, None, None), str(kg_dir / TRIG_FILE), ox.RdfFormat.TRIG)


def measure_publish(kg_dir, virtuoso):
    """Publish the KG into Virtuoso; return (graphs, triples, seconds)."""
    start = time.perf_counter()
    outcomes = publish(kg_dir / TRIG_FILE, virtuoso.sparql_url, virtuoso.graph_store_url,
                       auth=HTTPDigestAuth("dba", virtuoso.password), timeout=120)
    seconds = time.perf_counter() - start
    failed = [outcome for outcome in outcomes if outcome.error]
    if failed:
        raise RuntimeError(f"{len(failed)} graphs failed, first: {failed[0].graph}: {failed[0].error}")
    return len(outcomes), sum(outcome.triples for outcome in outcomes), seconds


def load(url, query, template, cities, duration, workdir):
    """Measure one URL and query with wrk, or Python threads without it."""
    if shutil.which("wrk"):
        return run_wrk(url, query, template, cities, duration, workdir)
    return run_python_load(url, query, template, cities, duration)


def main(argv=None):
    """Build a synthetic KG, publish it into Virtuoso, serve it both ways and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--cities", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per measurement")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cdkg-bench-federation-") as work:
        work = Path(work)
        quads = synthesise(work / "kg", args.statements, args.cities)
        write_trig(work / "kg")
        virtuoso = Virtuoso(work / "virtuoso", password="bench")
        servers = []
        try:
            graphs, triples, seconds = measure_publish(work / "kg", virtuoso)
            print(f"# publish: {graphs} graphs, {triples} triples ({quads} quads built) in {seconds:.1f} s: "
                  f"{graphs / seconds:.0f} graphs/s, {triples / seconds:.0f} triples/s (one PUT per graph)")
            embedded = Endpoint(work / "kg", work / "embedded.log")
            servers.append(embedded)
            remote = Endpoint(work / "kg", work / "remote.log", store="remote",
                              extra_args=["--remote-url", virtuoso.sparql_url])
            servers.append(remote)
            targets = (("endpoint, embedded store", embedded.sparql_url),
                       ("endpoint, remote backend (Virtuoso)", remote.sparql_url),
                       ("Virtuoso directly", virtuoso.sparql_url))
            print(f"# load: {'wrk' if shutil.which('wrk') else 'python threads'}, concurrency {CONCURRENCY}, "
                  f"{args.duration} s each; cold = a different query text every request")
            print("| query | mode | server | req/s | p50 ms | p99 ms | errors | vs embedded |")
            print("|---|---|---|---|---|---|---|---|")
            for name in MEASURED:
                repeated, template = queries(args.cities)[name]
                for mode, chosen_template in (("repeated", None), ("cold", template)):
                    baseline = None
                    for label, url in targets:
                        figures = load(url, repeated, chosen_template, args.cities, args.duration, work)
                        baseline = baseline or figures["rps"]
                        print(f"| {name} | {mode} | {label} | {figures['rps']:.0f} | {figures['p50']:.1f} | "
                              f"{figures['p99']:.1f} | {figures['errors']} | {figures['rps'] / baseline:.2f}x |",
                              flush=True)
        finally:
            for server in servers:
                server.stop()
            virtuoso.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
