"""Measure granian against gunicorn (with the waitress worker `cdkg serve` runs) over the same app, and check granian
against the limits the slow-client test holds gunicorn to.

Run: .venv/bin/python -m tests.bench.bench_wsgi_servers --kg DIR [--duration 4]
Needs `wrk`, the `oxigraph` package (the baseline in the same run) and `granian` (pip install 'granian>=2,<3'; it is
not a dependency of the project). DIR is a KG directory, e.g. one written by tests/bench/bench_endpoint.py.
Prints cold and repeated point lookups per second of each server (2 workers each; granian with 4 blocking threads a
worker, as gunicorn has 4 threads), then what granian answers to the framing errors of
tests/test_hardening_slow_clients.py and how a normal client fares beside 64 slow connections.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

from cdkg.endpoint.cli import server_environment
from cdkg.endpoint.config import load_config
from tests.bench.bench_endpoint import VENV_BIN, free_port, queries, run_wrk, start, start_oxigraph, stop
from tests.hardening_support import raw_request
from tests.slow_clients import SlowClients, summary, timed_lookups

SLOW_CONNECTIONS = 64  # as tests/test_hardening_slow_clients.py
LOOKUPS = 20
LOOKUP_TIMEOUT = 2.0
CHUNKED = b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n"
FRAMING = {  # name: (request head, body, what gunicorn + waitress answer)
    "bad chunk size": (CHUNKED, b"zz\r\nASK {}\r\n0\r\n\r\n", 400),
    "chunk over MAX_REQUEST_BYTES": (CHUNKED, b"ffffffffffffffffffff\r\nASK {}\r\n0\r\n\r\n", 413),
    "headers over MAX_REQUEST_HEADER_BYTES": (
        b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nX-Filler: " + b"y" * 20_000 + b"\r\n", b"", 431),
    "request line over MAX_REQUEST_LINE": (b"GET /sparql?query=" + b"A" * 9000 + b" HTTP/1.1\r\n", b"", 414),
}


def gunicorn(kg_dir, _):
    """Start `cdkg serve` (gunicorn with the waitress worker); return (process, query URL)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    return start([str(VENV_BIN / "cdkg"), "serve", "--kg", str(kg_dir), "--port", str(port)], url), url


def granian(kg_dir, _):
    """Start granian over the same WSGI app and configuration; return (process, query URL)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    config = load_config(None, {"KG_DIR": str(kg_dir), "PORT": port})
    command = [str(VENV_BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(config["WORKERS"]), "--blocking-threads", str(config["THREADS"]), "--no-ws",
               "--http", "1", "--http1-buffer-size", str(config["MAX_REQUEST_HEADER_BYTES"]),
               "--log-level", "warning", "cdkg.endpoint.wsgi:app"]
    return start(command, url, server_environment(config, None)), url


def check_limits(url):
    """Print granian's answers to the framing errors and a normal client's lookups beside 64 slow connections."""
    base = url.removesuffix("sparql")
    for name, (head, body, expected) in FRAMING.items():
        status, answer = raw_request(base, head + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n" + body)
        headers = answer.partition(b"\r\n\r\n")[0].lower()
        print(f"{name}: granian {status} ({'text/plain' if b'content-type: text/plain' in headers else 'no text'}),"
              f" gunicorn + waitress {expected} (text/plain)")
    with SlowClients(base, SLOW_CONNECTIONS):
        latencies, failures = timed_lookups(base, LOOKUPS, timeout=LOOKUP_TIMEOUT)
    figures = summary(latencies) if latencies else {"p50_ms": float("nan"), "p99_ms": float("nan")}
    print(f"{SLOW_CONNECTIONS} slow connections: {len(failures)} of {LOOKUPS} point lookups failed (timeout "
          f"{LOOKUP_TIMEOUT:g} s); p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms of those answered")


def main(argv=None):
    """Load each server with cold and repeated point lookups, print the ratios, then check granian's limits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kg", type=Path, required=True)
    parser.add_argument("--duration", type=int, default=4)
    parser.add_argument("--cities", type=int, default=2000)
    args = parser.parse_args(argv)
    query, template = queries(args.cities)["point lookup"]
    results = {}
    with tempfile.TemporaryDirectory(prefix="cdkg-bench-wsgi-") as workdir:
        print(f"# load average before: {os.getloadavg()[0]:.1f}")
        for name, launch in (("gunicorn", gunicorn), ("granian", granian), ("oxigraph", start_oxigraph)):
            process, url = launch(args.kg, workdir)
            try:
                for mode, cold in (("cold", template), ("repeated", None)):
                    results[name, mode] = run_wrk(url, query, cold, args.cities, args.duration, workdir)["rps"]
                    print(f"{name:9} point lookup {mode:8} {results[name, mode]:8.0f} req/s", flush=True)
                if name == "granian":
                    check_limits(url)
            finally:
                stop(process)
        print(f"# load average after: {os.getloadavg()[0]:.1f} (2 cores; other processes share them)")
    for mode in ("cold", "repeated"):
        gun, gra, oxi = (results[name, mode] for name in ("gunicorn", "granian", "oxigraph"))
        print(f"point lookup {mode}: granian / gunicorn {gra / gun:.2f}x; gunicorn / oxigraph {gun / oxi:.3f}x; "
              f"granian / oxigraph {gra / oxi:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
