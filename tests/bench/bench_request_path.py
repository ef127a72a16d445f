"""Measure what the endpoint adds to a cold point lookup: the WSGI app called directly against the bare store.

Run: .venv/bin/python -m tests.bench.bench_request_path [--kg DIR] [--repeat 5000] [--profile N]
Without --kg, the endpoint test fixture KG is built in a temporary directory (tests/bench/bench_endpoint.py writes
a 1M-quad one). Every request is a distinct query (another comment), as bench_endpoint's cold runs send, so no cache
answers; both sides evaluate the same texts on the same read-only store and serialise SPARQL JSON. The rounds
alternate so that a change in the machine's load affects both alike. --profile N prints the N costliest functions
(cProfile, cumulative) of the request path.
"""
import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from cdkg.endpoint import create_app
from cdkg.endpoint.backends import OxigraphBackend
from cdkg.ontology.namespaces import CDO
from tests.endpoint_support import build_kg_dir

ROUNDS = 5
ACCEPT = "application/sparql-results+json"


def lookup_texts(backend, count):
    """Return `count` distinct point lookups of one city (as bench_endpoint's cold template writes them)."""
    subject = backend.query(f"SELECT ?s WHERE {{ ?s a <{CDO.City}> }} LIMIT 1").rows()[0]["s"]["value"]
    return [f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }} # {number}" for number in range(count)]


def environ_of(text, port):
    """Return the WSGI environ of a GET of the query, with the headers wrk sends."""
    return {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/sparql", "QUERY_STRING": "query=" + quote(text),
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(port), "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": f"127.0.0.1:{port}", "HTTP_ACCEPT": ACCEPT, "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.version": (1, 0), "REMOTE_ADDR": "127.0.0.1",
    }


def through_app(app):
    """Return call(text) answering a GET through the WSGI app, failing unless it is a 200."""
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def call(text):
        body = b"".join(app(environ_of(text, 8000), start_response))
        status = statuses.pop()
        if not status.startswith("200"):
            raise RuntimeError(f"{status}: {body[:300]!r}")
        return body

    return call


def timed(call, texts):
    """Return the wall time of each call in microseconds."""
    samples = []
    for text in texts:
        started = time.perf_counter()
        call(text)
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def summary(samples):
    """Return 'median, p99' of microsecond samples."""
    return f"median {statistics.median(samples):8.1f} us, p99 {sorted(samples)[int(0.99 * len(samples))]:8.1f} us"


def main():
    """Time both sides in alternating rounds and print per-request figures and the endpoint's share."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kg", type=Path)
    parser.add_argument("--repeat", type=int, default=5000)
    parser.add_argument("--profile", type=int, metavar="N", default=0)
    args = parser.parse_args()
    kg_dir = args.kg or build_kg_dir(Path(tempfile.mkdtemp(prefix="cdkg-bench-")) / "kg")
    app = create_app({"KG_DIR": str(kg_dir), "REQUIRE_NETWORK_FILTER": False})
    backend = app.extensions["cdkg"].backend
    bare_store = OxigraphBackend(kg_dir / "store")
    texts = lookup_texts(bare_store, args.repeat * 2 + 100)
    served, bare = through_app(app), lambda text: bare_store.query(text).serialize("json")
    if served(texts[-1]) != bare(texts[-1]) or backend.name != bare_store.name:
        raise RuntimeError("the endpoint and the bare store answer differently")
    per_round = args.repeat // ROUNDS
    app_samples, bare_samples, app_cpu = [], [], 0.0
    for number in range(ROUNDS):  # each side reads its own texts: the store caches nothing between them
        cpu_started = time.process_time()
        app_samples += timed(served, texts[number * per_round:(number + 1) * per_round])
        app_cpu += time.process_time() - cpu_started
        bare_samples += timed(bare, texts[args.repeat + number * per_round:args.repeat + (number + 1) * per_round])
    app_cpu = app_cpu / len(app_samples) * 1e6
    print(f"cold point lookups on {kg_dir} ({len(app_samples)} each), load average {os.getloadavg()[0]:.2f}")
    print(f"  bare store (query + JSON): {summary(bare_samples)}")
    print(f"  through the WSGI app:      {summary(app_samples)} (CPU {app_cpu:.1f} us per request)")
    print(f"  added by the endpoint:     {statistics.median(app_samples) - statistics.median(bare_samples):+.1f} us "
          f"(ratio {statistics.median(app_samples) / statistics.median(bare_samples):.2f})")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for text in texts[-100 - per_round:-100]:
            served(text)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
