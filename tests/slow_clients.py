"""Slow hostile clients (dripped headers, half-sent bodies, unfinished chunked bodies) and a normal client timed
against them, for the slow-client test and benchmark."""
import socket
import statistics
import threading
import time
import uuid

import requests

DRIP_SECONDS = 1.0  # one byte per connection this often: never idle long enough to be dropped as idle
SHIRAZ = "https://w3id.org/citydiplomacy/id/place/shiraz"


def dripped_headers(host):
    """Return the start of a request whose header section never ends, and the byte it drips."""
    return f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode(), b"a"


def half_sent_body(host):
    """Return a POST announcing a 4 kB body of which only the start is sent, and the byte it drips."""
    head = (f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
            f"Content-Length: 4096\r\n\r\nASK {{ # ")
    return head.encode(), b"x"


def unfinished_chunked_body(host):
    """Return a chunked POST whose last chunk never comes, and the byte it drips (inside an endless chunk)."""
    head = (f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n1000\r\nASK {{ # ")
    return head.encode(), b"x"


KINDS = (dripped_headers, half_sent_body, unfinished_chunked_body)


class SlowClients:
    """Hold `count` slow connections open (the kinds in turn), dripping a byte on each every DRIP_SECONDS."""

    def __init__(self, base, count):
        """Remember where to connect; nothing is opened before start()."""
        self.host, port = base.split("//")[1].rstrip("/").split(":")
        self.port = int(port)
        self.count = count
        self.sockets = []
        self.dropped = 0  # connections the server closed (a server may drop a slow client: that is allowed)
        self.running = threading.Event()
        self.thread = threading.Thread(target=self.drip, daemon=True)

    def start(self):
        """Open every connection, send each its request start, and begin dripping."""
        for index in range(self.count):
            connection = socket.create_connection((self.host, self.port), timeout=5)
            start, drip = KINDS[index % len(KINDS)](f"{self.host}:{self.port}")
            connection.sendall(start)
            self.sockets.append((connection, drip))
        self.running.set()
        self.thread.start()
        return self

    def drip(self):
        """Send one more byte on every open connection, forever, until stopped."""
        while self.running.is_set():
            for connection, drip in list(self.sockets):
                try:
                    connection.sendall(drip)
                except OSError:
                    self.sockets.remove((connection, drip))
                    self.dropped += 1
            time.sleep(DRIP_SECONDS)

    def stop(self):
        """Stop dripping and close every connection."""
        self.running.clear()
        self.thread.join(DRIP_SECONDS * 2)
        for connection, _ in self.sockets:
            connection.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def point_lookup():
    """Return a point lookup no cache has seen (the comment makes each text unique)."""
    return f"SELECT ?p ?o WHERE {{ <{SHIRAZ}> ?p ?o }} # {uuid.uuid4()}"


def timed_lookups(base, count, timeout=10.0):
    """Send `count` point lookups one after another, each on a new connection; return (latencies, failures).

    A lookup that fails or times out counts with the full timeout as its latency, so it weighs on the p99.
    """
    latencies, failures = [], []
    for _ in range(count):
        started = time.perf_counter()
        try:
            response = requests.get(base + "sparql", params={"query": point_lookup()}, timeout=timeout,
                                    headers={"Accept": "application/sparql-results+json", "Connection": "close"})
            ok = response.status_code == 200 and response.json()["results"]["bindings"]
        except requests.RequestException as error:
            ok, response = False, error
        latencies.append(time.perf_counter() - started if ok else timeout)
        if not ok:
            failures.append(getattr(response, "status_code", repr(response)))
    return latencies, failures


def percentile(values, fraction):
    """Return the value below which `fraction` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def summary(latencies):
    """Return p50 and p99 of latencies in milliseconds."""
    return {"p50_ms": statistics.median(latencies) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000}
