"""Hostile query and update text against real servers: the store connects nowhere, no text crashes a worker, and
one deadline covers all the work of a request (federation calls, their local pre-queries, updates).

Each server is a real `cdkg serve` on loopback; the trap is a listening socket named by every hostile request:
a single connection to it fails the module.
"""
import json
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

from cdkg.endpoint.limits import QueryRunner
from tests.endpoint_support import CDKG, STARTUP_SECONDS, build_kg_dir, free_port
from tests.federation.trap import SilentListener
from tests.hardening_support import loopback_endpoint, serving, wait_for

TIMEOUT = 30  # seconds a client waits: a hang fails the test instead of blocking the run
TOKEN = "query-text-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SPARQL_JSON = "application/sparql-results+json"
WITHOUT_SECCOMP = Path(__file__).with_name("without_seccomp.py")
DOCUMENT = b"<urn:cdkg:test:a> <urn:cdkg:test:p> \"one\" .\n<urn:cdkg:test:a> <urn:cdkg:test:p> \"two\" .\n"
# Six unconstrained patterns: far more rows than a query thread gets through in the time limits used here.
SLOW_LOCAL = "?a1 ?b1 ?c1 . ?a2 ?b2 ?c2 . ?a3 ?b3 ?c3 . ?a4 ?b4 ?c4 . ?a5 ?b5 ?c5 . ?s ?p ?o ."


@pytest.fixture(scope="module")
def trap():
    """A loopback listener that no request may ever make the server connect to."""
    listener = SilentListener()
    yield listener
    listener.close()
    assert listener.connections == [], "the server connected to the trap"


@pytest.fixture(scope="module")
def kg_dir(tmp_path_factory):
    """Build the endpoint fixture KG once."""
    return build_kg_dir(tmp_path_factory.mktemp("query-text") / "kg")


@pytest.fixture(scope="module")
def reader(kg_dir):
    """A read-only server with the defaults: an empty SERVICE allowlist, two workers."""
    with serving(kg_dir, workers=2) as server:
        yield server


@pytest.fixture(scope="module")
def document():
    """A loopback web server answering every GET with a small N-Triples document."""

    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/n-triples")
        handler.send_header("Content-Length", str(len(DOCUMENT)))
        handler.end_headers()
        handler.wfile.write(DOCUMENT)

    with loopback_endpoint(answer) as url:
        yield url


@pytest.fixture(scope="module")
def writer(kg_dir, document):
    """A server with writes enabled (bearer token) whose allowlist holds only the document server."""
    env = {"CDKG_UPDATE_ENABLED": "true", "CDKG_UPDATE_TOKEN": TOKEN, "CDKG_SERVICE_ALLOWLIST": json.dumps([document])}
    with serving(kg_dir, workers=1, env=env) as server:
        yield server


def query(server, text):
    """POST a query form asking for SPARQL JSON; return the response."""
    return requests.post(server.base + "sparql", data={"query": text}, headers={"Accept": SPARQL_JSON},
                         timeout=TIMEOUT)


def update(server, text):
    """POST an authorised update form; return the response."""
    return requests.post(server.base + "update", data={"update": text}, headers=AUTH, timeout=TIMEOUT)


def assert_refused_without_connecting(response, trap):
    """The request was refused as a client error, and nothing reached the trap."""
    assert response.status_code == 400, (response.status_code, response.text[:300])
    time.sleep(0.05)  # a connection the store opened would have been accepted by now
    assert trap.connections == []


# --- the store cannot connect, whatever the text

def seccomp_mode(task):
    """Return the seccomp mode of a thread from /proc (0: none, 2: filter)."""
    line = next(line for line in (task / "status").read_text().splitlines() if line.startswith("Seccomp:"))
    return int(line.split()[1])


def test_worker_threads_cannot_open_network_sockets(reader):
    """In each worker every thread is under the network filter except the outbound pool and the store's own."""
    def filtered_threads(pid):
        return [task for task in Path(f"/proc/{pid}/task").iterdir() if seccomp_mode(task)]

    workers = reader.workers()
    assert len(workers) == 2 and wait_for(lambda: all(filtered_threads(pid) for pid in workers), 30)
    for pid in workers:
        for task in Path(f"/proc/{pid}/task").iterdir():
            name = (task / "comm").read_text().strip()
            if not seccomp_mode(task):
                assert name == "cdkg-outbound" or name.startswith("rocksdb:"), (pid, task.name, name)


def test_a_query_thread_cannot_connect_even_when_the_text_asks_it(trap):
    """On a query thread the real store fails SERVICE and LOAD with PermissionError, and the trap gets nothing."""
    store, runner = ox.Store(), QueryRunner(1, 1.0, can_retire=False)
    target = f"<http://127.0.0.1:{trap.port}/sparql>"
    attempts = [lambda: list(store.query(f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}")),
                lambda: store.update(f"LOAD {target}")]
    for attempt in attempts:
        with pytest.raises(PermissionError):
            runner.run(attempt, TIMEOUT)
    time.sleep(0.1)
    assert trap.connections == []


def test_the_server_refuses_to_start_where_the_filter_cannot_be_installed(kg_dir):
    """Under a sandbox forbidding seccomp filters `cdkg serve` exits 2 with one line naming the opt-out key."""
    command = [sys.executable, str(WITHOUT_SECCOMP), str(CDKG), "serve", "--kg", str(kg_dir), "--host", "127.0.0.1",
               "--port", str(free_port())]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=STARTUP_SECONDS)
    assert finished.returncode == 2 and finished.stdout == "", finished
    lines = finished.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cdkg serve: refusing to start: the network filter"), lines
    assert "REQUIRE_NETWORK_FILTER = false" in lines[0]


def test_the_opt_out_serves_unfiltered_with_a_warning(kg_dir):
    """With REQUIRE_NETWORK_FILTER = false the same sandbox serves queries and logs that it runs unfiltered."""
    env = {"CDKG_REQUIRE_NETWORK_FILTER": "false"}
    with serving(kg_dir, workers=1, env=env, prefix=(sys.executable, str(WITHOUT_SECCOMP))) as server:
        answered = query(server, "ASK { ?s ?p ?o }")
        assert answered.status_code == 200 and answered.json()["boolean"] is True
        assert wait_for(lambda: any("serving without it (REQUIRE_NETWORK_FILTER = false)" in line
                                    for line in server.output), 10), server.output
        assert not any("Traceback" in line for line in server.output)


def test_the_reported_escape_trick_is_refused(reader, trap):
    """The review's query (a PN_LOCAL_ESC `\\#` read as a comment by the old check) is a 400, no connection."""
    target = f"http://127.0.0.1:{trap.port}/x"
    for escape in ("\\#", "\\'"):
        text = (f"PREFIX ex: <http://e/> SELECT * WHERE {{ OPTIONAL {{ ?s ex:a{escape} ?o }} "
                f"SERVICE <{target}> {{ ?x ?y ?z }} }}")
        response = query(reader, text)
        assert_refused_without_connecting(response, trap)
        assert target in response.text and "SERVICE_ALLOWLIST" in response.text


# Elements a hostile query puts before its SERVICE to make a reader lose its place.
DECOYS = [
    "", "?s ex:a\\# ?o .", "?s ex:a\\' ?o .", "?s ex:a\\\" ?o .", "?s ex:\\.b\\~ ?o .", "?s ex:a%23 ?o .",
    '?s ?p "a\\"b # }" .', "?s ?p 'a\\'b' .", "?s ?p '''x'y''z''' .", '?s ?p """a""b"c""" .', "# } comment\n",
    "FILTER(?a<?b)", "FILTER(1<2&&3>1)", "?s <http://e/a#b> ?o .", "?s ?p ?o FILTER(?o != '''}''')",
]
WRAPPERS = ["{0}", "OPTIONAL {{ {0} }}", "{{ }} UNION {{ {0} }}", "{{ SELECT * WHERE {{ {0} }} }}",
            "FILTER EXISTS {{ {0} }}", "GRAPH ?g {{ {0} }}", "MINUS {{ {0} }}"]
GAPS = [" ", "\n", "\t", " # note\n", "\r\n"]


def service_keyword():
    """Draw SERVICE in any letter case."""
    return st.lists(st.booleans(), min_size=7, max_size=7).map(
        lambda upper: "".join(c.upper() if up else c.lower() for c, up in zip("service", upper)))


@st.composite
def hostile_service(draw, port):
    """Draw (prologue, a SERVICE clause to the trap in one of its spellings, preceded by a decoy, wrapped)."""
    host = draw(st.sampled_from(["127.0.0.1", "2130706433", "127.1", "0x7f000001", "localhost",
                                 "[::ffff:127.0.0.1]", "0177.0.0.1"]))
    prologue = "PREFIX ex: <http://e/> "
    spelling = draw(st.sampled_from(["iri", "prefixed", "escaped", "relative", "empty-prefix"]))
    if spelling == "iri":
        target = f"<http://{host}:{port}/x>"
    elif spelling == "relative":
        prologue += f"BASE <http://{host}:{port}/> "
        target = "<x>"
    elif spelling == "empty-prefix":
        prologue += f"PREFIX : <http://{host}:{port}/> "
        target = ":x"
    else:
        prologue += f"PREFIX t: <http://{host}:{port}/> "
        target = "t:x" if spelling == "prefixed" else "t:x\\/y\\?q\\=1"
    gap = draw(st.sampled_from(GAPS + [""]))
    silent = draw(st.sampled_from(["", "SILENT ", "silent\n"]))
    clause = f"{draw(service_keyword())}{draw(st.sampled_from(GAPS))}{silent}{target}{gap}{{ ?x ?y ?z }}"
    pattern = f"{draw(st.sampled_from(DECOYS))}{draw(st.sampled_from(GAPS))}{clause}"
    return prologue, draw(st.sampled_from(WRAPPERS)).format(pattern)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_service_spellings_in_queries_never_connect(reader, trap, data):
    """However SERVICE and its target are spelled, a query naming the trap is refused and nothing connects."""
    prologue, pattern = data.draw(hostile_service(trap.port))
    assert_refused_without_connecting(query(reader, f"{prologue}SELECT * WHERE {{ {pattern} }}"), trap)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_service_spellings_in_updates_never_connect(writer, trap, data):
    """The same in authorised updates: the WHERE of an INSERT, or a LOAD of the trap, is refused."""
    prologue, pattern = data.draw(hostile_service(trap.port))
    load = data.draw(st.sampled_from([f"LOAD <http://127.0.0.1:{trap.port}/d>",
                                      f"load silent <http://2130706433:{trap.port}/d> INTO GRAPH <urn:g>",
                                      f"LOAD\t<http://127.1:{trap.port}/d>"]))
    text = data.draw(st.sampled_from([f"{prologue}INSERT {{ GRAPH <urn:cdkg:test:x> {{ ?x ?y ?z }} }} "
                                      f"WHERE {{ {pattern} }}", f"{prologue}{load}",
                                      f"INSERT DATA {{ <urn:a> <urn:b> <urn:c> }} ;\n{load}"]))
    assert_refused_without_connecting(update(writer, text), trap)


def test_load_obeys_the_allowlist(writer, trap, document):
    """LOAD of an allowlisted document is fetched by the endpoint and lands in the graph; any other is refused."""
    response = update(writer, f"LOAD <{document}> INTO GRAPH <urn:cdkg:test:loaded>")
    assert response.status_code == 204, response.text
    loaded = query(writer, "SELECT ?o WHERE { GRAPH <urn:cdkg:test:loaded> { <urn:cdkg:test:a> ?p ?o } }")
    assert sorted(row["o"]["value"] for row in loaded.json()["results"]["bindings"]) == ["one", "two"]
    refused = update(writer, f"LOAD <http://127.0.0.1:{trap.port}/d> INTO GRAPH <urn:cdkg:test:other>")
    assert_refused_without_connecting(refused, trap)
    assert f"LOAD <http://127.0.0.1:{trap.port}/d> is not allowed" in refused.text


def test_an_update_reads_the_same_default_graph_as_queries(writer):
    """An update's WHERE without USING sees the union of the named graphs, as a query does."""
    def typed(pattern):
        rows = query(writer, f"SELECT DISTINCT ?s ?type WHERE {{ {pattern} }}").json()["results"]["bindings"]
        return {(row["s"]["value"], row["type"]["value"]) for row in rows}

    expected = typed("?s a ?type")
    response = update(writer, "INSERT { GRAPH <urn:cdkg:test:copy> { ?s a ?type } } WHERE { ?s a ?type }")
    assert response.status_code == 204, response.text
    assert expected and typed("GRAPH <urn:cdkg:test:copy> { ?s a ?type }") == expected


# --- no text crashes a worker

def test_deep_brackets_after_a_comparison_are_refused_not_a_crash(reader):
    """The review's 88 kB `FILTER(1<((((…))))&&2>1)`: 400 naming MAX_QUERY_DEPTH, the same workers, /metrics 200."""
    depth = 44_000
    text = f"SELECT * WHERE {{ ?s ?p ?o FILTER(1<{'(' * depth}1{')' * depth}&&2>1) }}"
    workers = sorted(reader.workers())
    for _ in range(3):
        response = query(reader, text)
        assert response.status_code == 400 and "MAX_QUERY_DEPTH" in response.text, response.text[:200]
    assert sorted(reader.workers()) == workers
    assert requests.get(reader.base + "metrics", timeout=TIMEOUT).status_code == 200
    assert query(reader, "ASK { FILTER(0<(((1)))&&2>1) }").json()["boolean"] is True


# --- one deadline for all the work of a request

def drip(handler):
    """Answer 200 with SPARQL JSON headers, then one byte of the body every second for a minute."""
    handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    handler.send_response(200)
    handler.send_header("Content-Type", SPARQL_JSON)
    handler.send_header("Content-Length", "60")
    handler.end_headers()
    try:
        for _ in range(60):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(1)
    except OSError:  # the endpoint hung up: that is what the test wants
        pass


UNREADABLE = {  # path -> (content type, body) of an allowlisted endpoint that answers nonsense
    "/garbage": (SPARQL_JSON, b"this is not JSON"),
    "/bad-iri": (SPARQL_JSON, b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"uri","value":"a b"}}]}}'),
    "/truncated": (SPARQL_JSON, b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","val'),
    "/bad-utf8": (SPARQL_JSON, b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"\xff\xfe"}}]}}'),
    "/xml": ("application/sparql-results+xml", b"<sparql xmlns='http://www.w3.org/2005/sparql-results#'><head>"
             b"<variable name='x'/></head><results><result><binding name='x'><uri>a b</uri></binding></result>"),
    "/not-xml": ("application/sparql-results+xml", b"not xml <<<&"),
}


def nonsense(handler):
    """Answer with the unreadable body its path names."""
    handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    content_type, body = UNREADABLE[handler.path]
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture(scope="module")
def remotes():
    """Allowlisted loopback endpoints: one dripping its answer, one answering nonsense, one never answering."""
    hanging = SilentListener()
    with loopback_endpoint(drip) as dripping, loopback_endpoint(nonsense) as broken:
        yield {"drip": dripping, "broken": broken.removesuffix("/sparql"), "hanging": hanging.url}
    hanging.close()


SERVICE_TIMEOUT = 2
QUERY_TIMEOUT = 4


@pytest.fixture(scope="module")
def federating(kg_dir, remotes):
    """A writable server allowlisting the remotes, with short SERVICE_TIMEOUT and QUERY_TIMEOUT."""
    allowlist = [remotes["drip"], remotes["hanging"], *(remotes["broken"] + path for path in UNREADABLE)]
    env = {"CDKG_SERVICE_ALLOWLIST": json.dumps(allowlist), "CDKG_SERVICE_TIMEOUT": str(SERVICE_TIMEOUT),
           "CDKG_QUERY_TIMEOUT": str(QUERY_TIMEOUT), "CDKG_UPDATE_ENABLED": "true", "CDKG_UPDATE_TOKEN": TOKEN}
    with serving(kg_dir, workers=1, env=env) as server:  # a writable server runs one worker whatever is asked
        yield server


@pytest.mark.parametrize("path", sorted(UNREADABLE))
def test_unreadable_service_results_are_a_clear_502(federating, remotes, path):
    """An allowlisted endpoint answering nonsense fails the query with 502 naming it, never a 500."""
    target = remotes["broken"] + path
    response = query(federating, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?x ?y ?z }} }}")
    assert response.status_code == 502 and target in response.text, (response.status_code, response.text[:300])


def timed(send):
    """Return (response, seconds) of a request."""
    start = time.monotonic()
    response = send()
    return response, time.monotonic() - start


def wait_for_the_stuck_worker_replaced(server, before):
    """Wait until the worker left running the stopped work has retired and a fresh one answers."""
    replaced = wait_for(lambda: set(before) - set(server.workers()) and server.workers(), 60)
    assert replaced and requests.get(server.base + "healthz", timeout=TIMEOUT).status_code == 200


def test_a_dripping_service_is_cut_at_its_total_time(federating, remotes):
    """An endpoint sending a byte a second is cut at SERVICE_TIMEOUT in total, not per read: 504 on time."""
    response, seconds = timed(lambda: query(federating, f"SELECT * WHERE {{ SERVICE <{remotes['drip']}> {{ ?x ?y ?z }} }}"))
    assert response.status_code == 504 and "SERVICE_TIMEOUT" in response.text, response.text[:300]
    assert SERVICE_TIMEOUT - 0.5 < seconds < SERVICE_TIMEOUT + 1.5


def test_the_local_pre_query_of_a_bind_join_is_under_the_deadline(federating, remotes):
    """A slow local part before a SERVICE (the bind join asks the store first) is stopped at QUERY_TIMEOUT."""
    text = f"SELECT * WHERE {{ {SLOW_LOCAL} SERVICE <{remotes['hanging']}> {{ ?s ?q ?r }} }}"
    workers = federating.workers()
    response, seconds = timed(lambda: query(federating, text))
    assert response.status_code == 503 and "QUERY_TIMEOUT" in response.text, response.text[:300]
    assert seconds < QUERY_TIMEOUT + 1.5
    wait_for_the_stuck_worker_replaced(federating, workers)


def test_an_update_is_under_the_deadline(federating):
    """An update whose WHERE runs long answers 503 at QUERY_TIMEOUT instead of holding the request."""
    # The filter, false on every solution and reading every variable, keeps the solutions an update gathers
    # before it writes from filling the worker's memory first (that stop, MAX_WORKER_MEMORY, is tested apart).
    never = 'FILTER (STR(?c1) = CONCAT(STR(?c2), STR(?c3), STR(?c4), STR(?c5), STR(?o), "!"))'
    text = f"INSERT {{ GRAPH <urn:cdkg:test:slow> {{ ?s ?p ?o }} }} WHERE {{ {SLOW_LOCAL} {never} }}"
    workers = federating.workers()
    response, seconds = timed(lambda: update(federating, text))
    assert response.status_code == 503 and "QUERY_TIMEOUT" in response.text, response.text[:300]
    assert seconds < QUERY_TIMEOUT + 1.5
    wait_for_the_stuck_worker_replaced(federating, workers)
