"""A build with worker processes gives the single-process build's KG byte for byte (store, dumps, quarantine)."""
import json
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.kg import commands
from cdkg.kg.build import BUILD_INFO, QUARANTINE_DIR, TRIG_FILE, TURTLE_FILE, build
from cdkg.kg.corpus import write_corpus
from cdkg.kg.textindex import INDEX_FILE, build_from_store

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = [FIXTURES / "build" / "bad-input.txt", FIXTURES / "build" / "news.jsonl",
           FIXTURES / "identity" / "reports.jsonl"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Build the fixtures and a synthetic corpus larger than one batch with 1 and with 3 workers."""
    context = commands.load_context(shacl=True)
    corpus = tmp_path_factory.mktemp("corpus") / "synthetic.jsonl"
    write_corpus(corpus, 2500, 7)
    outs = {}
    for workers in (1, 3):
        outs[workers] = tmp_path_factory.mktemp(f"workers-{workers}")
        build([*SOURCES, corpus], outs[workers], context, workers=workers)
    return outs


def sorted_quads(out):
    store = ox.Store.read_only(str(out / "store"))
    return sorted(store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines())


def test_the_store_holds_the_same_quads(builds):
    serial = sorted_quads(builds[1])
    assert len(serial) > 100_000
    assert sorted_quads(builds[3]) == serial


@pytest.mark.parametrize("name", [TRIG_FILE, TURTLE_FILE, f"{QUARANTINE_DIR}/rejected.jsonl",
                                  f"{QUARANTINE_DIR}/warnings.jsonl"])
def test_the_files_are_the_same_bytes(builds, name):
    assert (builds[3] / name).read_bytes() == (builds[1] / name).read_bytes()


def test_the_counts_are_the_same(builds):
    serial, parallel = (json.loads((builds[n] / BUILD_INFO).read_text(encoding="utf-8")) for n in (1, 3))
    assert serial["counts"]["published"] > 2000 and serial["counts"]["duplicates"] > 0
    assert parallel["counts"] == serial["counts"] and parallel["kg_hash"] == serial["kg_hash"]


def index_entries(path):
    connection = sqlite3.connect(path)
    try:
        return sorted(connection.execute("SELECT iri, property, text, lang, types, property_rank, folded FROM entry"))
    finally:
        connection.close()


def test_the_search_index_is_the_same_and_holds_what_the_store_holds(builds, tmp_path):
    serial = index_entries(builds[1] / INDEX_FILE)
    assert len(serial) > 10_000
    assert index_entries(builds[3] / INDEX_FILE) == serial
    build_from_store(ox.Store.read_only(str(builds[1] / "store")), tmp_path / INDEX_FILE)
    assert index_entries(tmp_path / INDEX_FILE) == serial
