"""Load-test a real `cdkg serve`: competency queries and entity pages at high concurrency, three runs in a row.

Run (a KG of about 1M triples; builds take a few minutes):
    .venv/bin/cdkg corpus --count 16000 --out /tmp/load/corpus.txt --seed 5
    .venv/bin/cdkg build /tmp/load/corpus.txt --no-shacl --out /tmp/load/kg
    .venv/bin/python -m tests.bench.load_test --kg /tmp/load/kg [--concurrency 32] [--duration 60] [--runs 3]
        [--warmup SECONDS] [--cache-bytes N]

The server and the clients use 127.0.0.1 only; every run stops by itself after --duration seconds.
Prints per run: throughput, p50/p99 latency, answers by status (timeouts apart), connection errors, and the
server's peak resident memory (gunicorn master + workers, from /proc) and what its response caches hold (from
/metrics), then whether memory stayed flat. A warm-up run first fills the caches towards their bound.
Targets: 0 errors other than query timeouts, 0 5xx other than those timeouts (503 QUERY_TIMEOUT), flat memory.
"""
import argparse
import random
import statistics
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from cdkg.ontology.namespaces import BASE
from tests.hardening_support import serving

QUERIES_DIR = Path(__file__).resolve().parents[2] / "ontology" / "queries"
MAX_CONCURRENCY = 256
MAX_DURATION = 600
ENTITY_SAMPLE = 2000
SPARQL_JSON = "application/sparql-results+json"
PAGE_ACCEPTS = ("text/html", "text/turtle", "application/ld+json")
RSS_SAMPLE_SECONDS = 0.2


def competency_queries():
    """Return the competency queries by file name."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(QUERIES_DIR.glob("*.rq"))}


def profile(base, queries, timeout):
    """Run each competency query once, alone, and print its status and time (503 = stopped at QUERY_TIMEOUT)."""
    for name, query in queries.items():
        started = time.perf_counter()
        response = requests.get(base + "sparql", params={"query": query + f"\n# {uuid.uuid4()}"},
                                headers={"Accept": SPARQL_JSON}, timeout=timeout)
        print(f"  {name:60s} {response.status_code} {time.perf_counter() - started:7.2f} s", flush=True)


def entity_paths(base, limit=ENTITY_SAMPLE):
    """Return local paths of entities the KG describes, found through the endpoint itself."""
    query = (f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a ?type }} FILTER(STRSTARTS(STR(?s), \"{BASE}id/\")) }} "
             f"LIMIT {limit}")
    response = requests.post(base + "sparql", data={"query": query}, headers={"Accept": SPARQL_JSON}, timeout=120)
    response.raise_for_status()
    return [row["s"]["value"][len(BASE):] for row in response.json()["results"]["bindings"]]


class Workload:
    """Choose requests: a competency query (some made unique to bypass caches) or an entity page."""

    def __init__(self, queries, paths, page_share, unique_share, seed):
        """Keep the request material and the mix."""
        self.queries, self.paths = queries, paths
        self.page_share, self.unique_share = page_share, unique_share
        self.random = random.Random(seed)

    def next_request(self):
        """Return (kind, method, path, keyword arguments) for one request."""
        if self.paths and self.random.random() < self.page_share:
            accept = self.random.choice(PAGE_ACCEPTS)
            return "page", "GET", self.random.choice(self.paths), {"headers": {"Accept": accept}}
        query = self.random.choice(self.queries)
        if self.random.random() < self.unique_share:  # evaluated for real, not answered from a cache
            query += f"\n# {uuid.uuid4()}"
        return "query", "GET", "sparql", {"params": {"query": query}, "headers": {"Accept": SPARQL_JSON}}


class RssSampler:
    """Sample the server's resident memory in the background and keep the peak."""

    def __init__(self, server):
        """Start sampling."""
        self.server, self.peak, self.peak_anonymous, self.running = server, 0, 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            self.peak = max(self.peak, self.server.rss_bytes())
            self.peak_anonymous = max(self.peak_anonymous, self.server.rss_split()[0])
            time.sleep(RSS_SAMPLE_SECONDS)

    def stop(self):
        """Stop sampling and return the peak in bytes."""
        self.running = False
        self.thread.join()
        return self.peak


def client(base, workload_seed, args, material, stop_at, records, lock):
    """Send requests one after another until the deadline, recording each answer."""
    workload = Workload(*material, args.page_share, args.unique_share, workload_seed)
    session = requests.Session()
    mine = []  # (kind, status, seconds, stopped at the time limit, the limit a 503 names)
    while time.monotonic() < stop_at:
        kind, method, path, options = workload.next_request()
        started = time.perf_counter()
        try:
            response = session.request(method, base + path, timeout=args.request_timeout, **options)
            status = response.status_code
            timed_out = status == 503 and response.headers.get("X-CDKG-Limit", "").startswith("QUERY_TIMEOUT")
            limit = response.headers.get("X-CDKG-Limit", "").split("=")[0] if status == 503 else ""
        except requests.RequestException as error:
            status, timed_out, limit = type(error).__name__, False, ""
        mine.append((kind, status, time.perf_counter() - started, timed_out, limit))
    with lock:
        records.extend(mine)


def run_once(server, args, material, run_number, duration):
    """Run the load for duration seconds; return the figures of the run."""
    records, lock = [], threading.Lock()
    sampler = RssSampler(server)
    stop_at = time.monotonic() + duration
    threads = [threading.Thread(target=client, args=(server.base, run_number * 1000 + index, args, material,
                                                     stop_at, records, lock))
               for index in range(args.concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = sorted(seconds for _, _, seconds, _, _ in records)
    statuses = Counter(status for _, status, _, timed_out, _ in records if not timed_out)
    shed_by = Counter(limit for _, status, _, timed_out, limit in records if status == 503 and not timed_out)
    shed = sum(shed_by.values())
    return {
        "requests": len(records),
        "throughput": len(records) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "statuses": dict(sorted(statuses.items(), key=str)),
        "timeouts": sum(1 for *_, timed_out, _ in records if timed_out),
        "shed": shed,  # 503 + Retry-After: every query slot was busy, or the request waited too long for a thread
        "shed_by": dict(shed_by),
        "errors": sum(n for status, n in statuses.items() if not isinstance(status, int) or status >= 500) - shed,
        "by_kind": dict(Counter(kind for kind, *_ in records)),
        "peak_rss_mib": sampler.stop() / 2**20,
        "peak_anonymous_mib": sampler.peak_anonymous / 2**20,  # the heap; the rest maps files (store, libraries)
    }


def cache_mib(base):
    """Return the bytes the server's response caches hold (summed over its workers), in MiB, from /metrics."""
    text = requests.get(base + "metrics", timeout=30).text
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith("cdkg_response_cache_bytes")) / 2**20


def report(number, figures):
    """Print one run's figures."""
    label = "warm-up" if number == 0 else f"run {number}"
    print(f"{label}: {figures['requests']} requests ({figures['by_kind']}), "
          f"{figures['throughput']:.0f} req/s, p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
          f"statuses {figures['statuses']}, timeouts {figures['timeouts']}, shed (503 busy) {figures['shed']} "
          f"{figures['shed_by'] or ''}, "
          f"other errors (5xx/connection) {figures['errors']}, server peak RSS {figures['peak_rss_mib']:.0f} MiB "
          f"(anonymous {figures['peak_anonymous_mib']:.0f} MiB), "
          f"response caches {figures['cache_mib']:.1f} MiB", flush=True)


def parse_args():
    """Read the options, bounding concurrency and duration."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kg", type=Path, required=True, help="KG directory written by `cdkg build`")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the server")
    parser.add_argument("--page-share", type=float, default=0.5, help="fraction of requests for entity pages")
    parser.add_argument("--unique-share", type=float, default=0.25,
                        help="fraction of queries made unique so that they are evaluated, not served from cache")
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--query-timeout", type=float, help="the server's QUERY_TIMEOUT (default: its own, 30 s)")
    parser.add_argument("--profile", action="store_true", help="first time each competency query alone")
    parser.add_argument("--warmup", type=float, default=0.0,
                        help="seconds of load before the measured runs (fills the response caches)")
    parser.add_argument("--cache-bytes", type=int, help="the server's RESPONSE_CACHE_BYTES per worker")
    args = parser.parse_args()
    if (not 1 <= args.concurrency <= MAX_CONCURRENCY or not 0 < args.duration <= MAX_DURATION
            or not 0 <= args.warmup <= MAX_DURATION):
        parser.error(f"concurrency must be 1..{MAX_CONCURRENCY}, duration and warm-up 0..{MAX_DURATION} s")
    return args


def main():
    """Serve the KG on loopback, run the load args.runs times, print the figures."""
    args = parse_args()
    options = ["--query-timeout", str(args.query_timeout)] if args.query_timeout else []
    env = {"CDKG_RESPONSE_CACHE_BYTES": str(args.cache_bytes)} if args.cache_bytes is not None else {}
    with serving(args.kg, *options, workers=args.workers, env=env) as server:
        queries = competency_queries()
        if args.profile:
            print("each competency query alone:")
            profile(server.base, queries, args.request_timeout)
        material = (list(queries.values()), entity_paths(server.base))
        print(f"server {server.base} ({args.workers} workers) over {args.kg}; {len(material[0])} competency "
              f"queries, {len(material[1])} entity pages; concurrency {args.concurrency}, {args.duration:g} s a run",
              flush=True)
        if args.warmup:
            warmup = run_once(server, args, material, 0, args.warmup)
            report(0, {**warmup, "cache_mib": cache_mib(server.base)})
        runs = []
        for number in range(1, args.runs + 1):
            runs.append(run_once(server, args, material, number, args.duration))
            runs[-1]["cache_mib"] = cache_mib(server.base)
            report(number, runs[-1])
    for name, key in (("peak RSS", "peak_rss_mib"), ("peak anonymous RSS", "peak_anonymous_mib")):
        peaks = [figures[key] for figures in runs]
        print(f"{name} by run (MiB): {', '.join(f'{peak:.0f}' for peak in peaks)}; "
              f"last/first = {peaks[-1] / peaks[0]:.3f}")
    print(f"errors other than query timeouts and shed load: {sum(figures['errors'] for figures in runs)}; "
          f"query timeouts: {sum(figures['timeouts'] for figures in runs)}; "
          f"shed: {sum(figures['shed'] for figures in runs)}")


if __name__ == "__main__":
    main()
