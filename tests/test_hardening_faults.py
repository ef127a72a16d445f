"""Runaway queries, full servers, killed workers and damaged stores, against real `cdkg serve` processes."""
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from cdkg.endpoint.limits import slots_per_worker, syntax_depth
from tests.endpoint_support import CDKG, build_kg_dir, free_port
from tests.hardening_support import cpu_seconds, idle, serving, slow_endpoint, wait_for

QUERY_TIMEOUT = 2
# A join of five unbounded patterns: trillions of combinations, and COUNT must see them all before answering.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
# Every node reaches every node along any property, three times over.
UNBOUNDED_PATH = ("SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:x:p>|!<urn:x:p>)* ?b . ?c (<urn:x:p>|!<urn:x:p>)* ?d . "
                  "?e (<urn:x:p>|!<urn:x:p>)* ?f . ?g ?h ?i }")
# Streams solutions as fast as the store finds them: serialisation, not the join, meets the limits.
STREAMING = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SETTLE_SECONDS = 30  # bound on waiting for a retired worker to go and its replacement to come


def fresh_query():
    """Return a quick query no cache has seen (each text is unique)."""
    return f"ASK {{ ?s ?p ?o }} # {uuid.uuid4()}"


def ask(base, query, timeout=30):
    """POST a query and return the response."""
    return requests.post(base + "sparql", data={"query": query}, timeout=timeout,
                         headers={"Accept": "application/sparql-results+json"})


class Background:
    """Send one request on a thread and keep its response (or the error it raised)."""

    def __init__(self, base, query):
        """Start sending the query."""
        self.response = self.error = None
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self.send, args=(base, query), daemon=True)
        self.thread.start()

    def send(self, base, query):
        try:
            self.response = ask(base, query)
        except requests.RequestException as error:
            self.error = error
        self.elapsed = time.monotonic() - self.started

    def result(self, timeout=30):
        """Wait for the answer and return the response."""
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the request hung"
        return self.response


@pytest.fixture(scope="module")
def kg_dir(tmp_path_factory):
    """Build the fixture KG once for the module."""
    return build_kg_dir(tmp_path_factory.mktemp("faults") / "kg")


@pytest.fixture(scope="module")
def server(kg_dir):
    """Serve the fixture KG with a short query time limit and two workers."""
    with serving(kg_dir, "--query-timeout", str(QUERY_TIMEOUT), workers=2) as running:
        yield running


def settled(server):
    """Wait until two workers run and the server is idle; return the worker pids (None if it never settles)."""
    return wait_for(lambda: len(server.workers()) == 2 and idle(server) and server.workers(), SETTLE_SECONDS)


@pytest.mark.parametrize("runaway", [CARTESIAN, UNBOUNDED_PATH], ids=["cartesian", "unbounded-path"])
def test_a_runaway_query_is_stopped_at_the_limit(server, runaway):
    before = server.workers()
    slow = Background(server.base, runaway)
    # other clients are served while it runs
    served = [ask(server.base, fresh_query(), timeout=QUERY_TIMEOUT * 2) for _ in range(5)]
    assert [response.status_code for response in served] == [200] * 5
    response = slow.result()
    assert response.status_code == 503, response.text
    assert "QUERY_TIMEOUT" in response.text and f"{QUERY_TIMEOUT:g} s" in response.text
    assert response.headers["X-CDKG-Limit"] == f"QUERY_TIMEOUT={float(QUERY_TIMEOUT)}"
    assert QUERY_TIMEOUT <= slow.elapsed < QUERY_TIMEOUT + 5
    # its CPU work really ends: the worker that ran it retires and gunicorn replaces it
    after = settled(server)
    assert after and set(after) != set(before), "the CPU work did not stop"
    assert requests.get(server.base + "healthz", timeout=10).status_code == 200
    assert [ask(server.base, fresh_query()).status_code for _ in range(4)] == [200] * 4


def test_a_streaming_query_stops_itself_without_retiring_the_worker(server):
    before = settled(server)
    response = ask(server.base, STREAMING)
    assert response.status_code in (422, 503), response.text  # the byte cap or the deadline, whichever first
    assert response.headers["X-CDKG-Limit"].split("=")[0] in ("MAX_RESPONSE_BYTES", "QUERY_TIMEOUT")
    assert wait_for(lambda: idle(server), 10)
    assert sorted(server.workers()) == sorted(before)


def busiest_worker(server, window=0.3):
    """Return the pid of the worker that used the most CPU during a short window."""
    workers = server.workers()
    before = {pid: cpu_seconds(pid) for pid in workers}
    time.sleep(window)
    return max(workers, key=lambda pid: cpu_seconds(pid) - before[pid])


def test_killing_a_worker_mid_query_is_recovered(server):
    before = settled(server)
    slow = Background(server.base, CARTESIAN)
    assert wait_for(lambda: not idle(server), 3), "the slow query did not start"
    victim = busiest_worker(server)
    os.kill(victim, signal.SIGKILL)
    slow.result()
    assert slow.response is None or slow.response.status_code >= 500 or slow.error  # that query is lost
    after = wait_for(lambda: len(server.workers()) == 2 and victim not in server.workers() and server.workers(),
                     SETTLE_SECONDS)
    assert after and victim not in after and set(after) != set(before)
    responses = [ask(server.base, fresh_query()) for _ in range(6)]
    assert [response.status_code for response in responses] == [200] * 6
    assert requests.get(server.base + "healthz", timeout=10).status_code == 200


def busy_workers(server, window=0.3, busy_seconds=0.05):
    """Return the pids of the workers that used CPU during a short window."""
    workers = server.workers()
    before = {pid: cpu_seconds(pid) for pid in workers}
    time.sleep(window)
    return {pid for pid in workers if cpu_seconds(pid) - before[pid] > busy_seconds}


def test_a_crashed_worker_loses_only_its_own_requests(server):
    assert settled(server)
    slow = []
    # gunicorn hands each connection to whichever worker accepts it first, and on a loaded machine one worker
    # may accept several in a row: send until both run one
    while len(slow) < 12 and len(busy_workers(server)) < 2:
        slow.append(Background(server.base, f"{CARTESIAN} # {uuid.uuid4()}"))
        time.sleep(0.2)
    busy = busy_workers(server)
    assert len(busy) == 2, "the slow queries did not reach both workers"
    victim = min(busy)
    os.kill(victim, signal.SIGSEGV)
    for request in slow:
        request.result()
    answered = [request.response for request in slow if request.response is not None]
    assert len(answered) < len(slow), "no request was lost with the crashed worker"
    # the other worker's queries run to the time limit and say so
    assert answered and all(r.status_code == 503 and b"QUERY_TIMEOUT" in r.content for r in answered), \
        [(r.status_code, r.content[:200]) for r in answered]


def test_a_full_worker_answers_503_with_retry_after(kg_dir):
    with serving(kg_dir, "--query-timeout", "3", "--max-queries-per-worker", "1", workers=1,
                 env={"CDKG_QUERY_SLOT_WAIT": "0"}) as running:
        slow = Background(running.base, CARTESIAN)
        assert wait_for(lambda: not idle(running), 3), "the slow query did not start"  # it holds the only slot
        refused = ask(running.base, fresh_query())
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.headers["X-CDKG-Limit"] == "MAX_QUERIES_PER_WORKER=1"
        assert "MAX_QUERIES_PER_WORKER" in refused.text
        assert slow.result().status_code == 503
        # cached answers and health checks do not take a query slot; after the retirement queries run again
        assert wait_for(lambda: ask(running.base, fresh_query()).status_code == 200, SETTLE_SECONDS)


def test_a_request_that_waited_too_long_for_a_thread_is_refused_at_once(kg_dir):
    # both handler threads wait on a slow federated endpoint; a request queued behind them waits past the bound
    with slow_endpoint(delay=2.0) as remote:
        env = {"CDKG_THREADS": "2", "CDKG_MAX_QUEUE_WAIT": "0.5", "CDKG_SERVICE_ALLOWLIST": repr([remote])}
        with serving(kg_dir, workers=1, env=env) as running:
            busy = [Background(running.base, f"SELECT * WHERE {{ SERVICE <{remote}> {{ ?x ?y ?z }} }} # {n}")
                    for n in range(2)]
            time.sleep(0.3)  # both have reached a handler thread
            queued = Background(running.base, fresh_query())
            refused = queued.result()
            assert refused.status_code == 503, refused.text
            assert refused.headers["X-CDKG-Limit"] == "MAX_QUEUE_WAIT=0.5"
            assert int(refused.headers["Retry-After"]) > 0
            assert "MAX_QUEUE_WAIT" in refused.text
            assert queued.elapsed < 2.0 + 1.0  # answered as soon as a thread took it, without running the query
            assert [request.result().status_code for request in busy] == [200, 200]
            assert ask(running.base, fresh_query()).status_code == 200


def test_workers_run_with_few_malloc_arenas(server):
    expected = os.environ.get("MALLOC_ARENA_MAX", "2").encode()  # cdkg serve keeps a value the caller set
    for pid in server.workers():
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"MALLOC_ARENA_MAX=" + expected in environment


@pytest.mark.parametrize("per_worker, total, workers, expected", [(4, 8, 2, 4), (4, 4, 2, 2), (4, 1, 2, 1), (2, 100, 1, 2)])
def test_slots_are_bounded_per_worker_and_in_total(per_worker, total, workers, expected):
    config = {"MAX_QUERIES_PER_WORKER": per_worker, "MAX_QUERIES_TOTAL": total, "WORKERS": workers}
    assert slots_per_worker(config) == expected


def test_syntax_depth_counts_nesting_and_chains_not_lists():
    flat_list = "ASK { FILTER(1 IN (" + ", ".join(map(str, range(1000))) + ")) }"
    assert syntax_depth(flat_list) < 10
    assert syntax_depth("SELECT * WHERE { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }") > 300
    assert syntax_depth("ASK { FILTER(" + " && ".join(["true"] * 300) + ") }") > 300
    assert syntax_depth('ASK { ?s ?p "((((((((((((" } # ((((((((((((((((((((') < 5  # strings and comments are not syntax
    flat_bgp = "SELECT * { " + " ".join(f'?s <urn:p> "{n}"^^<urn:t> ; <urn:q> ?a, ?b .' for n in range(1000)) + " }"
    assert syntax_depth(flat_bgp) < 5
    assert syntax_depth("SELECT * { ?s " + "/".join(["<urn:p>"] * 300) + " ?o }") > 300  # a path is a chain


# --- stores the server must refuse to serve (CURRENT/MANIFEST garbage, a missing or empty store:
# tests/test_endpoint_serve.py); here the data files themselves are damaged.

def damage_flip_bytes(store):
    for table in store.glob("*.sst"):
        data = bytearray(table.read_bytes())
        for index in range(100, len(data) - 100, 7):
            data[index] ^= 0xFF
        table.write_bytes(bytes(data))


def damage_truncate(store):
    for table in store.glob("*.sst"):
        table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])


def damage_remove_a_table(store):
    sorted(store.glob("*.sst"))[-1].unlink()


def damage_empty_directory(store):
    shutil.rmtree(store)
    store.mkdir()


@pytest.mark.parametrize("damage", [damage_flip_bytes, damage_truncate, damage_remove_a_table, damage_empty_directory])
def test_a_damaged_store_is_refused_at_startup(tmp_path, damage):
    kg = build_kg_dir(tmp_path / "kg")
    damage(kg / "store")
    result = subprocess.run([str(CDKG), "serve", "--kg", str(kg), "--port", str(free_port())],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "refusing to start" in result.stderr and "cannot be opened" in result.stderr
