"""Real servers with their process ids, /proc readings, and loopback canaries for the hardening tests."""
import http.server
import os
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from tests.endpoint_support import CDKG, FIXTURE_TRIG, build_kg_dir, free_port, stop, wait_until_healthy

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
WORKERS_BOOT_SECONDS = 60  # generous: on a loaded 2-core machine a worker's start-up takes seconds


@dataclass
class Server:
    """A running `cdkg serve`: its base URL, the pid of the gunicorn master and the lines it logged so far."""

    base: str
    master: int
    output: list = field(default_factory=list)

    def workers(self):
        """Return the pids of the gunicorn workers now alive."""
        return children(self.master)

    def cpu_seconds(self):
        """Return the CPU time used so far by the master and its workers."""
        return sum(cpu_seconds(pid) for pid in (self.master, *self.workers()))

    def rss_bytes(self):
        """Return the resident memory of the master and its workers."""
        return sum(rss_bytes(pid) for pid in (self.master, *self.workers()))

    def rss_split(self):
        """Return the resident memory of the master and its workers as (anonymous, file-backed) bytes."""
        parts = [rss_split(pid) for pid in (self.master, *self.workers())]
        return sum(anonymous for anonymous, _ in parts), sum(mapped for _, mapped in parts)


@contextmanager
def serving(kg_dir, *extra_args, workers=2, env=None, prefix=()):
    """Run `cdkg serve` on a free loopback port; yield a Server (cdkg serve execs gunicorn: same pid).

    `prefix` is a command that runs it (and execs it, keeping the pid), such as tests/without_seccomp.py.
    """
    port = free_port()
    command = [*prefix, str(CDKG), "serve", "--kg", str(kg_dir), "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), *extra_args]
    process = subprocess.Popen(command, env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # the log pipe must be drained, or a chatty server blocks on a full pipe
    output = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until_healthy(process, base)
        reader.start()
        # one booted worker already answers health checks; tests reading /proc expect all of them
        if not wait_for(lambda: len(children(process.pid)) >= workers, WORKERS_BOOT_SECONDS):
            raise RuntimeError(f"{workers} workers did not boot within {WORKERS_BOOT_SECONDS} s: {output[-5:]}")
        yield Server(base, process.pid, output)
    finally:
        stop(process)


def children(pid):
    """Return the pids of a process's children."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def stat_fields(pid):
    """Return the fields of /proc/PID/stat after the command name."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # the process ended meanwhile
        return None


def cpu_seconds(pid):
    """Return a process's user + system CPU time in seconds (0 when it is gone)."""
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if fields else 0.0


def rss_bytes(pid):
    """Return a process's resident set size in bytes (0 when it is gone)."""
    fields = stat_fields(pid)
    return int(fields[21]) * PAGE_BYTES if fields else 0


def rss_split(pid):
    """Return a process's resident memory as (anonymous, file-backed and shared) bytes (zeros when it is gone)."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    except FileNotFoundError:
        return 0, 0
    kib = {name: int(fields.get(name, "0 kB").split()[0]) * 1024 for name in ("RssAnon", "RssFile", "RssShmem")}
    return kib["RssAnon"], kib["RssFile"] + kib["RssShmem"]


def wait_for(condition, timeout, interval=0.1):
    """Poll condition() until it is true or the timeout passes; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def idle(server, window=0.5, busy_fraction=0.2):
    """Tell whether the server used less than busy_fraction of one core during a short window."""
    before = server.cpu_seconds()
    time.sleep(window)
    return server.cpu_seconds() - before < busy_fraction * window


def kg_with_extra_quads(directory, quads):
    """Build a KG directory from the endpoint fixture plus extra quads."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    dataset = ox.Dataset(ox.parse(path=str(FIXTURE_TRIG), format=ox.RdfFormat.TRIG))
    for quad in quads:
        dataset.add(quad)
    trig = directory / "source.trig"
    ox.serialize(dataset, str(trig), format=ox.RdfFormat.TRIG)
    return build_kg_dir(directory / "kg", trig=trig)


@contextmanager
def loopback_endpoint(answer):
    """Run a loopback HTTP server on which every GET or POST is answered by answer(handler); yield its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            answer(self)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def redirecting_endpoint(location):
    """Run a loopback HTTP server that answers every request with a redirect to location; yield its URL."""

    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return loopback_endpoint(redirect)


def slow_endpoint(delay):
    """Run a loopback SPARQL endpoint that answers every query with no solutions after delay seconds; yield its URL."""

    def answer_late(handler):
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        time.sleep(delay)
        body = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}'
        handler.send_response(200)
        handler.send_header("Content-Type", "application/sparql-results+json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return loopback_endpoint(answer_late)


def raw_request(base, request_bytes, timeout=10):
    """Send raw bytes to the server; return the status code of its answer (None when it sent none) and the answer."""
    host, port = base.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(request_bytes)
        answer = b""
        while True:  # the request asks for "Connection: close": read until the server closes
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 else None, answer
