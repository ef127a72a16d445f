"""`cdkg serve` as a command: refuses stores it cannot serve, adds --data graphs, accepts writes only with a token."""
import subprocess

import pytest
import requests

from tests.endpoint_support import CDKG, build_kg_dir, free_port, running_server
from cdkg.ontology.namespaces import CDO, ID

EXTRA_TTL = """@prefix ex: <http://example.org/> .
ex:tehran ex:twinnedWith <https://w3id.org/citydiplomacy/id/place/shiraz> .
"""


def refused(kg_dir):
    """Run `cdkg serve` on a KG directory expected to be refused; return (exit code, stderr)."""
    port = free_port()
    result = subprocess.run([str(CDKG), "serve", "--kg", str(kg_dir), "--port", str(port)],
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stderr


def test_missing_store_refuses_to_start(tmp_path):
    code, message = refused(tmp_path / "nothing")
    assert code == 2 and "no store" in message and "cdkg build" in message


def test_corrupt_store_refuses_to_start(tmp_path):
    kg_dir = build_kg_dir(tmp_path / "kg")
    for path in (kg_dir / "store").iterdir():
        if path.name.startswith(("CURRENT", "MANIFEST")):
            path.write_bytes(b"garbage")
    code, message = refused(kg_dir)
    assert code == 2 and "cannot be opened" in message


def test_empty_store_refuses_to_start(tmp_path):
    empty = tmp_path / "empty.trig"
    empty.write_text("", encoding="utf-8")
    code, message = refused(build_kg_dir(tmp_path / "kg", trig=empty))
    assert code == 2 and "empty" in message


def test_missing_data_file_refuses_to_start(tmp_path):
    kg_dir = build_kg_dir(tmp_path / "kg")
    result = subprocess.run([str(CDKG), "serve", "--kg", str(kg_dir), "--data", str(tmp_path / "none.ttl")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "none.ttl" in result.stderr


@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    """Run a server with an extra data file and writes enabled by a TOML configuration file."""
    directory = tmp_path_factory.mktemp("serve")
    kg_dir = build_kg_dir(directory / "kg")
    extra = directory / "extra.ttl"
    extra.write_text(EXTRA_TTL, encoding="utf-8")
    config = directory / "endpoint.toml"
    config.write_text('update_enabled = true\nupdate_token = "s3cret"\ncache_max_age = 7\n', encoding="utf-8")
    with running_server(kg_dir, "--data", str(extra), "--config", str(config)) as base:
        yield base, extra


def test_data_file_is_its_own_named_graph(writable):
    base, extra = writable
    query = "SELECT ?g WHERE { GRAPH ?g { ?s <http://example.org/twinnedWith> ?o } }"
    rows = requests.get(base + "sparql", params={"query": query}).json()["results"]["bindings"]
    assert [row["g"]["value"] for row in rows] == [extra.resolve().as_uri()]
    joined = f"ASK {{ ?x <http://example.org/twinnedWith> ?city . ?city a <{CDO.City}> }}"
    assert requests.get(base + "sparql", params={"query": joined}).json()["boolean"] is True


def test_config_file_sets_keys(writable):
    base, _ = writable
    response = requests.get(base + "sparql", params={"query": "ASK {}"})
    assert response.headers["Cache-Control"] == "public, max-age=7"


def test_update_needs_the_bearer_token(writable):
    base, _ = writable
    update = f"INSERT DATA {{ GRAPH <http://example.org/g> {{ <{ID['place/tabriz']}> a <{CDO.City}> }} }}"
    ask = f"ASK {{ <{ID['place/tabriz']}> a <{CDO.City}> }}"
    before = requests.get(base + "sparql", params={"query": ask})
    assert before.json()["boolean"] is False
    assert requests.post(base + "update", data={"update": update}).status_code == 401
    assert requests.post(base + "update", data={"update": update},
                         headers={"Authorization": "Bearer wrong"}).status_code == 401
    done = requests.post(base + "update", data=update.encode(), headers={
        "Authorization": "Bearer s3cret", "Content-Type": "application/sparql-update"})
    assert done.status_code == 204
    after = requests.get(base + "sparql", params={"query": ask}, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.json()["boolean"] is True  # the write changed the validators


def test_graph_store_put_and_delete_with_token(writable):
    base, _ = writable
    target = {"graph": "http://example.org/gsp"}
    auth = {"Authorization": "Bearer s3cret"}
    put = requests.put(base + "rdf-graph-store", params=target, data=b"<http://e/a> <http://e/b> \"c\" .",
                       headers={**auth, "Content-Type": "application/n-triples"})
    assert put.status_code == 201  # a new graph: Created (Graph Store Protocol 5.3)
    again = requests.put(base + "rdf-graph-store", params=target, data=b"<http://e/a> <http://e/b> \"c\" .",
                         headers={**auth, "Content-Type": "application/n-triples"})
    assert again.status_code == 204  # the graph existed: replaced, no content
    read = requests.get(base + "rdf-graph-store", params=target, headers={"Accept": "application/n-triples"})
    assert read.text.strip() == '<http://e/a> <http://e/b> "c" .'
    assert requests.delete(base + "rdf-graph-store", params=target, headers=auth).status_code == 204
    assert requests.get(base + "rdf-graph-store", params=target).status_code == 404


def test_the_protocol_dataset_of_an_update_is_read_and_never_doubles_the_updates_own(writable):
    base, _ = writable
    auth = {"Authorization": "Bearer s3cret"}
    source, target = "http://example.org/using-source", "http://example.org/using-target"
    put = requests.put(base + "rdf-graph-store", params={"graph": source}, headers={**auth,
                       "Content-Type": "application/n-triples"}, data=b"<http://e/x> <http://e/p> \"from source\" .")
    assert put.status_code in (201, 204)
    copy = f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ ?s <http://e/p> ?o BIND(<http://e/p> AS ?p) }}"
    done = requests.post(base + "update", data={"update": copy, "using-graph-uri": source}, headers=auth)
    assert done.status_code == 204, done.text
    read = requests.get(base + "rdf-graph-store", params={"graph": target}, headers={"Accept": "application/n-triples"})
    assert read.text.strip() == '<http://e/x> <http://e/p> "from source" .'
    both = requests.post(base + "update", headers=auth, data={
        "update": f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} USING <{source}> WHERE {{ ?s ?p ?o }}",
        "using-graph-uri": source})
    assert both.status_code == 400 and "one way only" in both.text
