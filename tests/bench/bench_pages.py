"""Benchmark the pages for people: server time of entity, fact, statement (sentence view), why, playground and search
pages on a corpus KG, against a point-lookup SPARQL query measured in the same run.

Run: .venv/bin/python -m tests.bench.bench_pages [--kg DIR | --count 5000] [--pages 30]
Without --kg it writes a synthetic corpus of --count statements (`cdkg corpus`) and builds it (`cdkg build`) first.
Requests go through the endpoint's Flask app in process (response cache off, so every page is rendered), each page
kind for --pages distinct subjects; it prints the median, 90th percentile and slowest server time, the ratio to the
point lookup, and whether every page of the kind (the slowest) is under the 300 ms target.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from cdkg.endpoint import create_app
from cdkg.ontology.namespaces import BASE, CDO, RDFS

CDKG = Path(sys.executable).with_name("cdkg")
TARGET_MS = 300
HTML = {"Accept": "text/html"}
SENTENCES = ("شهرداری تبریز و شهرداری قونیه تفاهم‌نامه همکاری گردشگری امضا کردند.",
             "شهردار مشهد در دیدار با سفیر ترکیه بر توسعه همکاری‌های فرهنگی تأکید کرد.",
             "شورای اسلامی شهر شیراز عضویت در شبکه شهرهای خلاق یونسکو را تصویب کرد.")
WORDS = ("شیراز", "مشهد", "تبریز", "تفاهم نامه", "Isfahan", "شهرداری", "سفیر", "خواهرخواندگی")


def build_corpus_kg(workdir, count):
    """Write a synthetic corpus of count statements and build it; return the KG directory."""
    corpus, kg_dir = Path(workdir) / "corpus.jsonl", Path(workdir) / "kg"
    for command in ([str(CDKG), "corpus", "--count", str(count), "--out", str(corpus)],
                    [str(CDKG), "build", "--out", str(kg_dir), str(corpus)]):
        subprocess.run(command, check=True, capture_output=True, timeout=3600)
    return kg_dir


def subjects(client, query):
    """Return the IRIs a SELECT binds to ?x."""
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data[:300]
    return [row["x"]["value"] for row in response.get_json()["results"]["bindings"]]


def page_paths(client, count):
    """Return {page kind: [distinct request paths]} drawn from the served KG."""
    def local(iri):
        return "/" + iri.removeprefix(BASE)

    def pick(query):
        return [local(iri) for iri in subjects(client, query)]

    # the places most mentioned: the heaviest entity pages
    places = pick(f"SELECT ?x (COUNT(?s) AS ?n) WHERE {{ ?s <{CDO.mentions}> ?x . ?x a <{CDO.Place}> }} "
                  f"GROUP BY ?x ORDER BY DESC(?n) LIMIT {count}")
    # the nodes most pointed at (a country, the extraction activity, a concept): the longest pages
    hubs = pick(f"SELECT ?x (COUNT(*) AS ?n) WHERE {{ ?s ?p ?x FILTER(isIRI(?x) && STRSTARTS(STR(?x), \"{BASE}\") "
                f"&& !STRSTARTS(STR(?x), \"{CDO}\")) }} GROUP BY ?x ORDER BY DESC(?n) LIMIT {count}")
    statements = pick(f"SELECT ?x WHERE {{ ?x a <{CDO.Statement}> }} LIMIT {count * 7}")[::7]  # spread out
    facts = pick(f"SELECT ?x WHERE {{ ?x a <{CDO.CooperationInstrument}> }} LIMIT {count}")
    rows = client.post("/sparql", data={"query": f"SELECT ?agreement ?party ?label WHERE {{ ?agreement a "
                                                 f"<{CDO.CooperationInstrument}> ; <{CDO.party}> ?party . ?party "
                                                 f"<{RDFS.label}> ?label }} LIMIT {count}"},
                       headers={"Accept": "application/sparql-results+json"}).get_json()["results"]["bindings"]
    return {
        "entity (most-mentioned places)": places,
        "entity (most-linked nodes)": hubs,
        "fact (cooperation instrument)": facts,
        "statement (sentence view)": statements,
        "why is this row here": ["/why?row=" + quote(json.dumps(row)) for row in rows],
        "search page": [f"/search?q={quote(WORDS[i % len(WORDS)])}" for i in range(count)],
        "search API (autocomplete)": [f"/api/search?q={quote(WORDS[i % len(WORDS)][:3])}&prefix=1"
                                      for i in range(count)],
        "extract playground": [f"/extract?text={quote(SENTENCES[i % len(SENTENCES)])}" for i in range(count)],
    }


def server_times(client, paths, headers):
    """Return the seconds each GET took, checking it answered 200."""
    times = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
    return times


def main(argv=None):
    """Build or open the KG, then time each page kind against a point lookup."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kg", type=Path, help="a KG directory written by `cdkg build` (default: build a corpus)")
    parser.add_argument("--count", type=int, default=5000, help="statements of the synthetic corpus")
    parser.add_argument("--pages", type=int, default=30, help="distinct pages per kind")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cdkg-bench-pages-") as workdir:
        kg_dir = args.kg or build_corpus_kg(workdir, args.count)
        info = json.loads((kg_dir / "build-info.json").read_text(encoding="utf-8"))
        app = create_app({"KG_DIR": str(kg_dir), "RESPONSE_CACHE_BYTES": 0})
        client = app.test_client()
        paths = page_paths(client, args.pages)
        for kind, kind_paths in paths.items():  # warm up: a worker's first page loads templates, the pipeline
            server_times(client, kind_paths[:1], HTML)
        lookups = [f"/sparql?query={quote(f'SELECT ?label WHERE {{ <{BASE}{path[1:]}> <{RDFS.label}> ?label }}')}"
                   for path in paths["entity (most-mentioned places)"]]
        counts = info["counts"]
        print(f"# KG {kg_dir}: {counts['published']} statements published, {counts['triples']} triples "
              f"({counts['inferred_triples']} inferred); load average {os.getloadavg()[0]:.2f} before (2 cores)")
        baseline = statistics.median(server_times(client, lookups, {"Accept": "application/sparql-results+json"}))
        print(f"\npoint lookup (baseline): median {baseline * 1000:.2f} ms\n")
        print("| page | pages | median ms | p90 ms | max ms | median / point lookup | all under 300 ms | slowest page |\n"
              "|---|---|---|---|---|---|---|---|")
        for kind, kind_paths in paths.items():
            timed = sorted(zip(server_times(client, kind_paths, HTML), kind_paths))
            times = [seconds for seconds, _ in timed]
            median, p90 = statistics.median(times), times[int(len(times) * 0.9) - 1]
            print(f"| {kind} | {len(times)} | {median * 1000:.1f} | {p90 * 1000:.1f} | {times[-1] * 1000:.1f} | "
                  f"{median / baseline:.1f}x | "
                  f"{'yes' if times[-1] * 1000 < TARGET_MS else 'NO'} | `{timed[-1][1][:60]}` |")
        print(f"\nload average {os.getloadavg()[0]:.2f} after (2 cores)")


if __name__ == "__main__":
    main()
