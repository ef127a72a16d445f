"""Kill a real `cdkg build` midway: the published KG and store stay intact and servable; the next build completes."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from cdkg.kg.build import TRIG_FILE
from cdkg.kg.corpus import write_corpus
from cdkg.kg.store import STAGING_PREFIX, STORE_PREFIX

FIXTURE = Path(__file__).parent / "fixtures" / "build" / "bad-input.txt"
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def cdkg_build(*args):
    """Return the command line of a `cdkg build` in a fresh interpreter (exactly what a user runs)."""
    return [sys.executable, "-m", "cdkg.kg.cli", "build", "--no-shacl", *map(str, args)]


def triple_count(store_path):
    """Open a store read-only, as the endpoint does, and count its triples."""
    store = ox.Store.read_only(str(store_path))
    return int(next(iter(store.query(COUNT_TRIPLES)))[0].value)


def wait_for_store_writing(out, process, timeout=120):
    """Wait until the build has started writing its new store generation; return True if it did in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        generations = [p for p in out.glob(STORE_PREFIX + "*") if p != (out / "store").resolve()]
        if any(any(p.iterdir()) for p in generations):
            return True
        time.sleep(0.05)
    return False


def test_a_killed_build_leaves_the_published_kg_servable_and_the_next_build_completes(tmp_path):
    out = tmp_path / "kg"
    subprocess.run(cdkg_build(FIXTURE, "--out", out), check=True, capture_output=True)
    info_before = (out / "build-info.json").read_bytes()
    trig_before = (out / TRIG_FILE).read_bytes()
    triples_before = triple_count(out / "store")
    published_generation = (out / "store").resolve().name
    serving = ox.Store.read_only(str(out / "store"))  # a server that has the store open during the build

    large = tmp_path / "large.txt"
    write_corpus(large, 20_000, seed=7)
    process = subprocess.Popen(cdkg_build(large, "--out", out), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert wait_for_store_writing(out, process), "the build finished or stalled before it could be killed"
        time.sleep(0.5)
        assert process.poll() is None, "the build finished before it could be killed midway"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL

    assert (out / "build-info.json").read_bytes() == info_before
    assert (out / TRIG_FILE).read_bytes() == trig_before
    assert triple_count(out / "store") == triples_before
    assert int(next(iter(serving.query(COUNT_TRIPLES)))[0].value) == triples_before
    leftovers = {p.name for p in out.glob(STAGING_PREFIX + "*")} | {p.name for p in out.glob(STORE_PREFIX + "*")}
    leftovers.discard(published_generation)
    assert leftovers  # the killed build's staging area and store, which the next build cleans up

    completed = subprocess.run(cdkg_build(FIXTURE, "--out", out), capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    remaining = {p.name for p in out.glob(STAGING_PREFIX + "*")} | {p.name for p in out.glob(STORE_PREFIX + "*")}
    assert not leftovers & remaining
    assert remaining == {published_generation, (out / "store").resolve().name}  # the previous one serves on
    assert triple_count(out / "store") == triples_before
    assert json.loads((out / "build-info.json").read_text())["kg_hash"] == json.loads(info_before)["kg_hash"]
