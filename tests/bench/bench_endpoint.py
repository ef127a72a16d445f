"""Benchmark the endpoint against a minimal Flask+rdflib app and the Oxigraph server on a ~1M-triple KG.

Run: .venv/bin/python -m tests.bench.bench_endpoint [--statements 61000] [--duration 10] [--kg DIR]
Needs: `wrk` (apt-get install wrk; else a Python load generator is used), the `oxigraph` pip package
(pip install oxigraph) and, for the cached-front row, nginx (apt-get install nginx-light).
Everything listens on 127.0.0.1 only; each load run stops by itself after --duration seconds.
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import requests

from cdkg.kg.textindex import INDEX_FILE, build_from_store
from cdkg.ontology.namespaces import CDC, CDO, CDS, GN, GRAPH, ID, RDF, RDFS, SEARCH_SERVICE, SKOS, OWL, WD

VENV_BIN = Path(sys.executable).parent
ENDPOINT_ONLY = {"text search"}  # queries only this endpoint answers (the others have no search service)
CONCURRENCY = 8
DOMAINS = ("culture", "economy", "tourism", "environment", "education", "sport", "health", "transport")
DOMAIN_FA = ("فرهنگی", "اقتصادی", "گردشگری", "زیست‌محیطی", "آموزشی", "ورزشی", "بهداشتی", "حمل‌ونقل")
STATUSES = (CDO.Signed, CDO.Planned, CDO.Proposed, CDO.Existing)
PROVINCES = 30
COUNTRIES = 40


def nn(iri):
    """Return a pyoxigraph named node."""
    return ox.NamedNode(str(iri))


def city(index):
    """Return the IRI of synthetic city `index`."""
    return ID[f"place/city-{index}"]


def municipality(index):
    """Return the IRI of synthetic city `index`'s municipality."""
    return ID[f"org/city-{index}-municipality"]


def reference_quads(cities):
    """Yield the reference graph: countries, provinces, cities with labels and links, municipalities."""
    graph = nn(GRAPH["reference"])
    for index in range(COUNTRIES):
        country = nn(ID[f"place/country-{index}"])
        yield ox.Quad(country, nn(RDF.type), nn(CDO.Country), graph)
        yield ox.Quad(country, nn(RDFS.label), ox.Literal(f"Country {index}", language="en"), graph)
    for index in range(PROVINCES):
        province = nn(ID[f"place/province-{index}"])
        yield ox.Quad(province, nn(RDF.type), nn(CDO.Province), graph)
        yield ox.Quad(province, nn(RDFS.label), ox.Literal(f"Province {index}", language="en"), graph)
        yield ox.Quad(province, nn(CDO.locatedIn), nn(ID[f"place/country-{index % COUNTRIES}"]), graph)
    for index in range(1, cities + 1):
        place, org = nn(city(index)), nn(municipality(index))
        yield ox.Quad(place, nn(RDF.type), nn(CDO.City), graph)
        yield ox.Quad(place, nn(RDFS.label), ox.Literal(f"City {index}", language="en"), graph)
        yield ox.Quad(place, nn(RDFS.label), ox.Literal(f"شهر {index}", language="fa"), graph)
        yield ox.Quad(place, nn(SKOS.prefLabel), ox.Literal(f"City {index}", language="en"), graph)
        yield ox.Quad(place, nn(CDO.locatedIn), nn(ID[f"place/province-{index % PROVINCES}"]), graph)
        yield ox.Quad(place, nn(CDO.country), nn(ID[f"place/country-{index % COUNTRIES}"]), graph)
        yield ox.Quad(place, nn(OWL.sameAs), nn(WD[f"Q{1000 + index}"]), graph)
        yield ox.Quad(place, nn(SKOS.exactMatch), nn(GN[f"{100000 + index}/"]), graph)
        yield ox.Quad(org, nn(RDF.type), nn(CDO.Municipality), graph)
        yield ox.Quad(org, nn(RDFS.label), ox.Literal(f"City {index} Municipality", language="en"), graph)
        yield ox.Quad(org, nn(RDFS.label), ox.Literal(f"شهرداری شهر {index}", language="fa"), graph)
        yield ox.Quad(org, nn(CDO.governs), place, graph)


def statement_quads(count, cities):
    """Yield one named graph per statement: the statement and the agreement it reports (16 triples each)."""
    for number in range(count):
        digest = f"{number:016x}"
        graph = nn(GRAPH[f"statement/{digest}"])
        statement, agreement = nn(ID[f"statement/{digest}"]), nn(ID[f"statement/{digest}/agreement-1"])
        first, second = number % cities + 1, (number * 7919) % cities + 1
        domain = number % len(DOMAINS)
        text = (f"شهرداری شهر {first} و شهرداری شهر {second} تفاهم‌نامه همکاری {DOMAIN_FA[domain]} امضا کردند.")
        yield ox.Quad(statement, nn(RDF.type), nn(CDO.Statement), graph)
        yield ox.Quad(statement, nn(CDO.originalText), ox.Literal(text, language="fa"), graph)
        yield ox.Quad(statement, nn(CDO.contentHash), ox.Literal(digest), graph)
        yield ox.Quad(statement, nn(CDO.sourceLine), ox.Literal(str(number + 1), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer")), graph)
        yield ox.Quad(statement, nn(CDO.mentions), nn(city(first)), graph)
        yield ox.Quad(statement, nn(CDO.mentions), nn(city(second)), graph)
        yield ox.Quad(statement, nn(CDO.reports), agreement, graph)
        yield ox.Quad(statement, nn(CDO.topic), nn(CDC["city-diplomacy"]), graph)
        yield ox.Quad(statement, nn(CDO.speaker), nn(ID[f"post/mayor/city-{first}-municipality"]), graph)
        yield ox.Quad(agreement, nn(RDF.type), nn(CDO.MemorandumOfUnderstanding), graph)
        yield ox.Quad(agreement, nn(CDO.party), nn(municipality(first)), graph)
        yield ox.Quad(agreement, nn(CDO.party), nn(municipality(second)), graph)
        yield ox.Quad(agreement, nn(CDO.status), nn(STATUSES[number % len(STATUSES)]), graph)
        yield ox.Quad(agreement, nn(CDO.cooperationDomain), nn(CDC[f"domain-{DOMAINS[domain]}"]), graph)
        yield ox.Quad(agreement, nn(CDO.purpose), nn(CDC["city-diplomacy"]), graph)
        yield ox.Quad(agreement, nn(CDO.reportedBy), statement, graph)


def synthesise(kg_dir, statements, cities, index=False):
    """Write a KG directory as `cdkg build` does (store/, N-Quads dump, build-info.json, with `index` the search
    index); return the quad count."""
    kg_dir.mkdir(parents=True, exist_ok=True)
    quads = list(reference_quads(cities)) + list(statement_quads(statements, cities))
    store = ox.Store(str(kg_dir / "store"))
    store.bulk_extend(quads)
    store.flush()
    store.optimize()
    if index:
        build_from_store(store, kg_dir / INDEX_FILE)
    del store
    ox.serialize(quads, str(kg_dir / "citydiplomacy.nq"), format=ox.RdfFormat.N_QUADS)
    (kg_dir / "build-info.json").write_text(json.dumps({"kg_hash": f"bench-{len(quads)}", "quads": len(quads)}))
    return len(quads)


def queries(cities):
    """Return {name: (repeated query, cold template)}; templates use {i} (an entity) and {n} (unique per request)."""
    p = f"PREFIX cdo: <{CDO}> PREFIX rdfs: <{RDFS}> "
    point = "SELECT ?p ?o WHERE { <" + str(ID) + "place/city-{i}> ?p ?o }"
    join = (p + "SELECT ?agreement ?partner WHERE { ?m cdo:governs <" + str(ID) + "place/city-{i}> . "
            "?agreement cdo:party ?m , ?other . ?other cdo:governs ?partner FILTER(?other != ?m) }")
    aggregate = (p + "SELECT ?domain (COUNT(?a) AS ?n) WHERE { ?a a cdo:MemorandumOfUnderstanding ; "
                 "cdo:cooperationDomain ?domain ; cdo:party <" + str(ID) + "org/city-{i}-municipality> } GROUP BY ?domain")
    text = p + 'SELECT ?s WHERE { ?s cdo:originalText ?t FILTER(REGEX(?t, "شهر {i} ")) }'
    path = p + "SELECT ?place WHERE { <" + str(ID) + "place/city-{i}> cdo:locatedIn+ ?place }"
    # the text filter asked of the search service (same answers: tests/test_web_search.py, bench_search.py)
    search = (p + f"PREFIX cds: <{CDS}> SELECT ?s WHERE {{ SERVICE <{SEARCH_SERVICE}> {{ "
              '?s cds:query "شهر {i}" ; cds:property cdo:originalText ; cds:limit 100000 } }')
    fixed = str(cities // 2)
    return {name: (template.replace("{i}", fixed), template + " # {n}") for name, template in (
        ("point lookup", point), ("2-hop join", join), ("aggregation", aggregate), ("text filter", text),
        ("text search", search), ("property path", path))}


def free_port():
    """Return a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url, process, seconds=600):
    """Wait until the URL answers; fail if the process exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if requests.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


def wait_drained(url, seconds=300):
    """Wait until the server answers a trivial query within a second: requests a run left queued are done."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            started = time.monotonic()
            requests.get(url, params={"query": "ASK {}"}, timeout=seconds)
            if time.monotonic() - started < 1:
                return True
        except requests.RequestException:
            pass
    return False


def start(command, url, env=None):
    """Start a server process and wait until its SPARQL URL answers."""
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    wait_ready(url, process)
    return process


def stop(process):
    """Stop a server process group that this script started."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


WRK_SCRIPT = r"""
local template = [==[%s]==]
local cities = %d
local counter = 0
local threads_started = 0
function setup(thread) thread:set("tid", threads_started); threads_started = threads_started + 1 end
local function encode(s)
  return (s:gsub("[^%%w%%-_%%.~]", function(c) return string.format("%%%%%%02X", string.byte(c)) end))
end
function request()
  counter = counter + 1
  local n = counter * 64 + tid
  local text = template:gsub("{i}", tostring(n %% cities + 1)):gsub("{n}", tostring(n))
  return wrk.format("GET", "%s?query=" .. encode(text), {["Accept"] = "application/sparql-results+json"})
end
"""


def run_wrk(url, query, template, cities, duration, workdir):
    """Load the URL with wrk (8 connections); cold runs send a distinct query each time. Return figures."""
    base, path = re.match(r"(http://[^/]+)(/.*)", url).groups()
    command = ["wrk", "-t", "2", "-c", str(CONCURRENCY), "-d", f"{duration}s", "--timeout", "30s", "--latency"]
    if template is None:
        command += ["-H", "Accept: application/sparql-results+json", f"{url}?query={quote(query)}"]
    else:
        script = Path(workdir) / "cold.lua"
        script.write_text(WRK_SCRIPT % (template, cities, path), encoding="utf-8")
        command += ["-s", str(script), base]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120).stdout
    return parse_wrk(output)


def to_ms(text):
    """Convert a wrk duration (e.g. 1.20ms, 3.4s, 512us) to milliseconds."""
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(output):
    """Extract throughput, p50, p99 and errors from wrk's --latency output."""
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
               "p50": to_ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
               "p99": to_ms(re.search(r"\s99%\s+(\S+)", output).group(1))}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    figures["errors"] = (int(errors.group(1)) if errors else 0) + (
        sum(int(x) for x in socket_errors.groups()) if socket_errors else 0)
    return figures


def run_python_load(url, query, template, cities, duration):
    """Load the URL from 8 threads for `duration` seconds (used when wrk is not installed)."""
    latencies, errors, lock = [], [0], threading.Lock()
    stop_at = time.monotonic() + duration

    def worker(thread_id):
        session, counter = requests.Session(), 0
        while time.monotonic() < stop_at:
            counter += 1
            number = counter * 64 + thread_id
            text = query if template is None else template.replace("{i}", str(number % cities + 1)).replace(
                "{n}", str(number))
            started = time.perf_counter()
            response = session.get(url, params={"query": text},
                                   headers={"Accept": "application/sparql-results+json"}, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed * 1000)
                errors[0] += response.status_code >= 400

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {"rps": len(latencies) / duration, "p50": statistics.median(latencies),
            "p99": latencies[int(len(latencies) * 0.99) - 1], "errors": errors[0]}


def rdflib_app(kg_dir, port):
    """Serve the N-Quads dump with a minimal Flask app over an rdflib Dataset (the baseline)."""
    import rdflib
    from flask import Flask, Response, request
    from werkzeug.serving import run_simple

    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(str(Path(kg_dir) / "citydiplomacy.nq"), format="nquads")
    app = Flask(__name__)
    lock = threading.Lock()  # rdflib's query parser is not thread-safe: one query at a time, no errors

    @app.get("/sparql")
    def sparql():
        with lock:
            body = dataset.query(request.args["query"]).serialize(format="json")
        return Response(body, content_type="application/sparql-results+json")

    run_simple("127.0.0.1", port, app, threaded=True)


NGINX_CONF = """
daemon off;
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  proxy_cache_path {dir}/cache levels=1:2 keys_zone=sparql:64m max_size=1g inactive=1h use_temp_path=off;
  upstream endpoint {{ server 127.0.0.1:{upstream}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://endpoint;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_cache sparql;
      proxy_cache_methods GET HEAD;
      proxy_cache_key $scheme$request_method$http_host$request_uri;
      proxy_cache_lock on;
      add_header X-Cache $upstream_cache_status;
    }}
  }}
}}
"""


def start_nginx(upstream_port, workdir):
    """Start nginx as a caching proxy in front of the endpoint; return (process, URL)."""
    port = free_port()
    directory = Path(workdir) / "nginx"
    directory.mkdir(exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=directory, port=port, upstream=upstream_port, user=user))
    url = f"http://127.0.0.1:{port}/sparql"
    return start(["nginx", "-c", str(conf), "-p", str(directory)], url), url


def start_oxigraph(kg_dir, workdir):
    """Start the Oxigraph server on a copy of the store; return (process, query URL)."""
    port = free_port()
    copy = Path(workdir) / "oxigraph-store"
    if not copy.exists():
        shutil.copytree(Path(kg_dir) / "store", copy)
    url = f"http://127.0.0.1:{port}/query"
    command = [str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(copy),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]  # no --timeout-s: it leaks threads
    return start(command, url), url


def servers(kg_dir, workdir, with_nginx):
    """Yield (name, start function) for each server under test."""
    def endpoint():
        port = free_port()
        url = f"http://127.0.0.1:{port}/sparql"
        return [start([str(VENV_BIN / "cdkg"), "serve", "--kg", str(kg_dir), "--port", str(port)], url)], url

    def endpoint_behind_nginx():
        processes, upstream_url = endpoint()
        proxy, url = start_nginx(int(re.search(r":(\d+)/", upstream_url).group(1)), workdir)
        return processes + [proxy], url

    def baseline():
        port = free_port()
        url = f"http://127.0.0.1:{port}/sparql"
        command = [sys.executable, "-m", "tests.bench.bench_endpoint", "--rdflib-app", str(kg_dir), str(port)]
        return [start(command, url)], url

    def oxigraph():
        process, url = start_oxigraph(kg_dir, workdir)
        return [process], url

    yield "endpoint", endpoint
    if with_nginx:
        yield "endpoint+nginx", endpoint_behind_nginx
    yield "oxigraph serve", oxigraph
    yield "rdflib baseline", baseline


def measure(kg_dir, workdir, duration, cities):
    """Run every query, cold and repeated, against every server; return {(server, query, mode): figures}."""
    use_wrk = shutil.which("wrk") is not None
    with_nginx = shutil.which("nginx") is not None
    results = {}
    for server, launch in servers(kg_dir, workdir, with_nginx):
        print(f"# starting {server}", file=sys.stderr, flush=True)
        processes, url = launch()
        try:
            for name, (query, template) in queries(cities).items():
                if name in ENDPOINT_ONLY and not server.startswith("endpoint"):
                    continue
                for mode, cold_template in (("cold", template), ("repeated", None)):
                    # a slow server may still be working on requests the previous run abandoned
                    if not wait_drained(url):
                        print(f"# {server} still busy before {name} {mode}", file=sys.stderr, flush=True)
                    if use_wrk:
                        figures = run_wrk(url, query, cold_template, cities, duration, workdir)
                    else:
                        figures = run_python_load(url, query, cold_template, cities, duration)
                    results[server, name, mode] = figures
                    print(f"{server:16} {name:14} {mode:8} {figures['rps']:9.1f} req/s  p50 {figures['p50']:8.2f} ms"
                          f"  p99 {figures['p99']:8.2f} ms  errors {figures['errors']}", file=sys.stderr, flush=True)
        finally:
            for process in reversed(processes):
                stop(process)
    return results


def cell(figures, duration):
    """Format one server's figures; a run where no request finished says so."""
    if figures is None:
        return "n/a"
    if not figures["rps"]:
        return f"none finished in {duration} s"
    errors = f" [{figures['errors']} errors]" if figures["errors"] else ""
    rate = f"{figures['rps']:.0f}" if figures["rps"] >= 10 else f"{figures['rps']:.1f}"
    return f"{rate} ({figures['p50']:.2f}/{figures['p99']:.1f}){errors}"


def ratio(ours, theirs, duration):
    """Format a throughput ratio; against a server that finished nothing, give the lower bound."""
    if theirs is None:
        return "n/a"
    if not theirs:
        return f"> {ours * duration:.0f}x"
    return f"{ours / theirs:.2f}x"


def report(results, duration):
    """Print the Markdown table of figures and the ratios of the endpoint to the others."""
    names = list(dict.fromkeys(name for _, name, _ in results))
    server_names = list(dict.fromkeys(server for server, _, _ in results))
    print("| query | mode | " + " | ".join(f"{s} req/s (p50/p99 ms)" for s in server_names)
          + " | endpoint / rdflib | endpoint / oxigraph | best endpoint / oxigraph |")
    print("|---|---|" + "---|" * (len(server_names) + 3))
    for name in names:
        for mode in ("cold", "repeated"):
            cells = [cell(results.get((server, name, mode)), duration) for server in server_names]
            ours = results["endpoint", name, mode]["rps"]
            best = max(results[s, name, mode]["rps"] for s in server_names if (s, name, mode) in results
                       and s.startswith("endpoint"))
            baseline = results.get(("rdflib baseline", name, mode), {}).get("rps")
            oxigraph = results.get(("oxigraph serve", name, mode), {}).get("rps")
            print(f"| {name} | {mode} | " + " | ".join(cells) + f" | {ratio(ours, baseline, duration)} | "
                  f"{ratio(ours, oxigraph, duration)} | {ratio(best, oxigraph, duration)} |")
    for mode in ("cold", "repeated"):
        search, regex = (results["endpoint", name, mode]["rps"] for name in ("text search", "text filter"))
        print(f"\ntext search / text filter (REGEX), endpoint, {mode}: {ratio(search, regex, duration)}")


def main(argv=None):
    """Generate (or reuse) the KG, run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=61000, help="statement graphs (16 triples each)")
    parser.add_argument("--cities", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--kg", type=Path, help="reuse a KG directory written by an earlier run")
    parser.add_argument("--rdflib-app", nargs=2, metavar=("KG_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rdflib_app:
        return rdflib_app(args.rdflib_app[0], int(args.rdflib_app[1]))
    with tempfile.TemporaryDirectory(prefix="cdkg-bench-") as workdir:
        kg_dir = args.kg or Path(workdir) / "kg"
        if not (kg_dir / "store").exists():
            started = time.perf_counter()
            count = synthesise(kg_dir, args.statements, args.cities, index=True)
            print(f"# synthesised {count} quads in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        print(f"# load generator: {'wrk' if shutil.which('wrk') else 'python threads'}, concurrency {CONCURRENCY},"
              f" {args.duration} s per run", file=sys.stderr)
        print(f"# load average before: {os.getloadavg()[0]:.1f}", file=sys.stderr)
        results = measure(kg_dir, workdir, args.duration, args.cities)
        print(f"# load average after: {os.getloadavg()[0]:.1f} (2 cores; other processes share them)", file=sys.stderr)
        report(results, args.duration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
