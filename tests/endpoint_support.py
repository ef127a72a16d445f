"""Build a fixture KG directory and run real `cdkg serve` processes on free loopback ports for the endpoint tests."""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import rdflib
import requests

from cdkg.endpoint.backends import merge_into_default_graph

FIXTURES = Path(__file__).parent / "fixtures" / "endpoint"
FIXTURE_TRIG = FIXTURES / "kg.trig"
CDKG = Path(sys.executable).with_name("cdkg")
STARTUP_SECONDS = 60


def build_kg_dir(directory, trig=FIXTURE_TRIG, merged_default=False):
    """Write what `cdkg build` writes (store/, dump, build-info.json) from a TriG file; return the directory.

    With merged_default, the store's default graph also holds the RDF merge of the named graphs.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(directory / "store"))
    store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
    if merged_default:
        merge_into_default_graph(store)
    store.flush()
    del store  # release the RocksDB lock so servers can open it read-only
    shutil.copy(trig, directory / "citydiplomacy.trig")
    kg_hash = hashlib.sha256(Path(trig).read_bytes()).hexdigest()
    (directory / "build-info.json").write_text(
        json.dumps({"kg_hash": kg_hash, "built_at": "2026-01-02T03:04:05Z"}), encoding="utf-8")
    return directory


def free_port():
    """Return a TCP port free on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(kg_dir, *extra_args, env=None, workers=1, cwd=None, cdkg=CDKG):
    """Run `cdkg serve` (from cwd) on a free loopback port until the block ends; yield its base URL."""
    port = free_port()
    command = [str(cdkg), "serve", "--kg", str(kg_dir), "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), *extra_args]
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until_healthy(process, base)
        yield base
    finally:
        stop(process)


def stop(process):
    """Terminate a server process, killing it if it does not exit within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_healthy(process, base):
    """Poll /healthz until it answers 200; fail with the server's output if it exits or stays down."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{process.stdout.read()}")
        try:
            if requests.get(base + "healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not become healthy:\n{process.stdout.read()}")


def cell_key(cell):
    """Return a comparable key of a SPARQL JSON term: blank nodes all alike, typed literals by value."""
    kind = "literal" if cell["type"] == "typed-literal" else cell["type"]
    if kind == "bnode":
        return kind, "_:b", "", ""
    value = cell["value"]
    datatype = cell.get("datatype", "")
    if datatype:  # rdflib rewrites some lexical forms ("Z" -> "+00:00"); the value is what must agree
        value = repr(rdflib.Literal(value, datatype=datatype).toPython())
    return kind, value, cell.get("xml:lang", "").lower(), datatype


def normalise_bnodes(bindings):
    """Return SPARQL JSON bindings as a sorted list, bnode-insensitive, typed literals compared by value."""
    return sorted(tuple((name, *cell_key(cell)) for name, cell in sorted(row.items())) for row in bindings)
