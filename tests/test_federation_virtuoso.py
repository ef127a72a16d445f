"""Publish the seed KG into a real OpenLink Virtuoso and serve it through our endpoint's `remote` store backend.

One private Virtuoso (loopback ports, generated configuration, random DBA password) runs for the module. The
seed KG is built from kg/sources with `cdkg build`, loaded with `cdkg publish`, and then served twice by
`cdkg serve`: over the embedded store and over Virtuoso. The two must give the same answers.
"""
import io
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from requests.auth import HTTPDigestAuth

from cdkg.ontology.namespaces import BASE, ID, REFERENCE_GRAPH, SD, SKOS, VOID, XSD
from tests.federation.endpoint import TRIG_FILE, Endpoint
from tests.federation.processes import LOOPBACK, free_port
from tests.federation.virtuoso import Virtuoso

REPO = Path(__file__).resolve().parent.parent
CDKG = Path(sys.executable).parent / "cdkg"
QUERIES = sorted((REPO / "ontology" / "queries").glob("*.rq"))
SPARQL_JSON = "application/sparql-results+json"
SHIRAZ = ID["place/shiraz"]
STALE = "<urn:cdkg:test:stale> <urn:cdkg:test:marker> \"left from an earlier load\" ."


def cdkg(*args, env=None):
    """Run the cdkg command line and return the finished process."""
    return subprocess.run([str(CDKG), *args], capture_output=True, text=True, timeout=300, env=env,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def seed_kg(tmp_path_factory):
    """Build the seed KG from kg/sources into a temporary directory."""
    out = tmp_path_factory.mktemp("seed") / "kg"
    built = cdkg("build", "--out", str(out))
    assert built.returncode == 0, built.stderr
    return out


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """Run Virtuoso on loopback with a random DBA password."""
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"), password=secrets.token_hex(12))
    yield server
    server.stop()


def publish(virtuoso, kg_dir, password=None, graph_store=None):
    """Run `cdkg publish` into Virtuoso with the credentials in the environment."""
    env = dict(os.environ, CDKG_PUBLISH_USER="dba",
               CDKG_PUBLISH_PASSWORD=virtuoso.password if password is None else password)
    return cdkg("publish", "--to", virtuoso.sparql_url, "--graph-store", graph_store or virtuoso.graph_store_url,
                "--kg", str(kg_dir), "--auth", "digest", env=env)


def kg_dataset(kg_dir):
    """Return the built KG's TriG dump as an rdflib Dataset."""
    dataset = rdflib.Dataset()
    dataset.parse(kg_dir / TRIG_FILE, format="trig")
    return dataset


@pytest.fixture(scope="module")
def published(virtuoso, seed_kg):
    """Leave a stale triple in the reference graph, then publish the seed KG over it."""
    stale = requests.put(virtuoso.graph_store_url, params={"graph": str(REFERENCE_GRAPH)}, data=STALE.encode(),
                         headers={"Content-Type": "text/turtle"}, auth=HTTPDigestAuth("dba", virtuoso.password))
    assert stale.status_code in (200, 201, 204)
    result = publish(virtuoso, seed_kg)
    assert result.returncode == 0, result.stderr
    return result


def virtuoso_graph(virtuoso, graph_iri):
    """Return one named graph as Virtuoso holds it (CONSTRUCT, N-Triples)."""
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    response = requests.get(virtuoso.sparql_url, params={"query": query}, headers={"Accept": "application/n-triples"})
    response.raise_for_status()
    return rdflib.Graph().parse(data=response.text, format="nt")


def test_publish_preserves_every_named_graph(virtuoso, seed_kg, published):
    """Each named graph of the KG is in Virtuoso under its own IRI, with exactly its triples."""
    dataset = kg_dataset(seed_kg)
    graphs = [graph for graph in dataset.graphs() if len(graph) and isinstance(graph.identifier, rdflib.URIRef)
              and graph.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID]
    assert graphs
    for graph in graphs:
        assert isomorphic(virtuoso_graph(virtuoso, graph.identifier), graph), graph.identifier
    assert f"published {len(graphs)} of {len(graphs)} graphs" in published.stdout


def test_publish_replaces_what_a_graph_held(virtuoso, published):
    """A PUT replaces the graph: the triple left from an earlier load is gone."""
    ask = f"ASK {{ GRAPH <{REFERENCE_GRAPH}> {{ <urn:cdkg:test:stale> ?p ?o }} }}"
    response = requests.get(virtuoso.sparql_url, params={"query": ask}, headers={"Accept": SPARQL_JSON})
    assert response.json()["boolean"] is False


def test_publish_with_a_wrong_password_says_so(virtuoso, seed_kg, published):
    """Wrong credentials stop the publication with a message naming the variables to set."""
    result = publish(virtuoso, seed_kg, password="not-" + virtuoso.password)
    assert result.returncode == 2
    assert "refused the credentials" in result.stderr and "CDKG_PUBLISH_PASSWORD" in result.stderr


def test_publish_to_an_unreachable_store_says_so(virtuoso, seed_kg):
    """Nobody listening: a clear error naming the URL, no traceback."""
    nowhere = f"http://{LOOPBACK}:{free_port()}/sparql"
    result = publish(virtuoso, seed_kg, graph_store=nowhere)
    assert result.returncode == 2
    assert f"cannot reach {nowhere}" in result.stderr and "Traceback" not in result.stderr


def test_publish_without_a_built_kg_says_so(virtuoso, tmp_path):
    """A directory without the TriG dump is named in the error."""
    result = publish(virtuoso, tmp_path)
    assert result.returncode == 2 and str(tmp_path / TRIG_FILE) in result.stderr


@pytest.fixture(scope="module")
def remote_endpoint(tmp_path_factory, virtuoso, seed_kg, published):
    """Serve the published KG from Virtuoso through our endpoint's remote backend."""
    work = tmp_path_factory.mktemp("remote-endpoint")
    endpoint = Endpoint(seed_kg, work / "server.log", store="remote", extra_args=["--remote-url", virtuoso.sparql_url])
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def local_endpoint(tmp_path_factory, seed_kg):
    """Serve the same KG from the embedded store."""
    work = tmp_path_factory.mktemp("local-endpoint")
    endpoint = Endpoint(seed_kg, work / "server.log")
    yield endpoint
    endpoint.stop()


# `(GROUP_CONCAT(... ; separator="S") AS ?v)`: the order of the parts is left to the engine by SPARQL.
GROUP_CONCAT = re.compile(r'GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?separator\s*=\s*"([^"]*)"\s*\)\s*AS\s+[?$](\w+)',
                          re.IGNORECASE | re.DOTALL)


def solutions(endpoint, query, **params):
    """Return a SELECT's solutions from an endpoint as a sorted list of JSON-encoded rows."""
    response = requests.post(endpoint.sparql_url, data={"query": query, **params}, headers={"Accept": SPARQL_JSON})
    assert response.status_code == 200, response.text
    concatenated = {name: separator for separator, name in GROUP_CONCAT.findall(query)}
    return sorted(json.dumps(normalised(row, concatenated), sort_keys=True, ensure_ascii=False)
                  for row in response.json()["results"]["bindings"])


def normalised(row, concatenated):
    """Drop what engines may spell differently: typed-literal vs literal, xsd:string, GROUP_CONCAT order and tag."""
    cells = {}
    for name, cell in row.items():
        cell = dict(cell, type="literal" if cell["type"] == "typed-literal" else cell["type"])
        if cell.get("datatype") == str(XSD.string):
            del cell["datatype"]
        if name in concatenated:
            separator = concatenated[name]
            cell = {"type": "literal", "value": separator.join(sorted(cell["value"].split(separator)))}
        cells[name] = cell
    return cells


# Where Virtuoso 7.2 itself departs from SPARQL 1.1 (the embedded store and rdflib agree with each other): it
# keeps solutions the query rules out, so there it must find at least the embedded store's solutions.
VIRTUOSO_DEVIATIONS = {
    "04-shiraz-municipality-agreements": "Virtuoso 7.2 ignores a FILTER inside OPTIONAL that refers to a "
                                         "variable bound outside the OPTIONAL (here by VALUES)",
}


@pytest.mark.parametrize("query_file", QUERIES, ids=[path.stem for path in QUERIES])
def test_competency_query_through_the_remote_backend(query_file, remote_endpoint, local_endpoint):
    """Each competency query finds the same solutions from Virtuoso (remote backend) as from the embedded store.

    Compared as sets: Virtuoso's default graph keeps a triple once per named graph holding it (a statement
    graph and cdg:inferred, say), where the embedded store's union default graph holds it once.
    """
    query = query_file.read_text(encoding="utf-8")
    remote, local = set(solutions(remote_endpoint, query)), set(solutions(local_endpoint, query))
    if query_file.stem in VIRTUOSO_DEVIATIONS:
        assert remote >= local, VIRTUOSO_DEVIATIONS[query_file.stem]
    else:
        assert remote == local


def test_competency_queries_have_answers_on_the_seed_kg(local_endpoint):
    """The comparison above is not vacuous: most competency queries find solutions on the seed KG."""
    answered = [path.stem for path in QUERIES if solutions(local_endpoint, path.read_text(encoding="utf-8"))]
    assert len(answered) >= len(QUERIES) // 2, answered


CITY_LABELS = f"SELECT ?label WHERE {{ <{SHIRAZ}> <{SKOS.prefLabel}> ?label }}"


@pytest.mark.parametrize("accept,parse", [
    (SPARQL_JSON, lambda body: rdflib.query.Result.parse(body, format="json")),
    ("application/sparql-results+xml", lambda body: rdflib.query.Result.parse(body, format="xml")),
])
def test_remote_select_negotiated_like_the_embedded_store(remote_endpoint, local_endpoint, accept, parse):
    """SELECT results over the remote backend are negotiated and typed as over the embedded store."""
    answers = []
    for endpoint in (remote_endpoint, local_endpoint):
        response = requests.get(endpoint.sparql_url, params={"query": CITY_LABELS}, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
        answers.append(sorted(tuple(row) for row in parse(io.BytesIO(response.content))))
    assert answers[0] == answers[1] and rdflib.Literal("شیراز", lang="fa") in {row[0] for row in answers[0]}


@pytest.mark.parametrize("accept,rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
])
@pytest.mark.parametrize("query", [f"CONSTRUCT {{ <{SHIRAZ}> ?p ?o }} WHERE {{ <{SHIRAZ}> ?p ?o }}",
                                   f"DESCRIBE <{SHIRAZ}>"], ids=["construct", "describe"])
def test_remote_graph_queries_in_each_rdf_format(remote_endpoint, local_endpoint, accept, rdflib_format, query):
    """CONSTRUCT and DESCRIBE over the remote backend give the same graph in Turtle, N-Triples, RDF/XML, JSON-LD."""
    graphs = []
    for endpoint in (remote_endpoint, local_endpoint):
        response = requests.get(endpoint.sparql_url, params={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
        graphs.append(rdflib.Graph().parse(data=response.content, format=rdflib_format))
    assert len(graphs[0]) > 0 and isomorphic(graphs[0], graphs[1])


def test_remote_ask(remote_endpoint):
    """ASK answers true and false through the remote backend."""
    for pattern, answer in ((f"<{SHIRAZ}> ?p ?o", True), ("<urn:cdkg:test:nothing> ?p ?o", False)):
        response = requests.get(remote_endpoint.sparql_url, params={"query": f"ASK {{ {pattern} }}"},
                                headers={"Accept": SPARQL_JSON})
        assert response.json()["boolean"] is answer


def test_remote_dataset_parameters(remote_endpoint, local_endpoint):
    """default-graph-uri and named-graph-uri reach the remote store and select the same dataset."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    named = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    params = {"default-graph-uri": str(REFERENCE_GRAPH)}
    assert solutions(remote_endpoint, count, **params) == solutions(local_endpoint, count, **params)
    params = {"named-graph-uri": str(REFERENCE_GRAPH)}
    assert solutions(remote_endpoint, named, **params) == solutions(local_endpoint, named, **params)


def test_remote_malformed_query_is_a_400(remote_endpoint):
    """A query the remote store rejects is the client's error (400) with the store's message, not a 500."""
    response = requests.get(remote_endpoint.sparql_url, params={"query": "SELECT ?x WHERE { ?x"})
    assert response.status_code == 400 and "remote store refused the query" in response.text


def test_remote_backend_keeps_our_service_description(remote_endpoint):
    """The service description is still ours, naming our endpoint, whatever store answers the queries."""
    response = requests.get(remote_endpoint.sparql_url, headers={"Accept": "text/turtle"})
    description = rdflib.Graph().parse(data=response.text, format="turtle")
    endpoints = set(description.objects(None, SD.endpoint))
    assert rdflib.URIRef(remote_endpoint.sparql_url) in endpoints


def test_serve_refuses_an_unreachable_remote_store(seed_kg):
    """`cdkg serve --store remote` does not start over a store that does not answer, and says why."""
    nowhere = f"http://{LOOPBACK}:{free_port()}/sparql"
    result = cdkg("serve", "--kg", str(seed_kg), "--store", "remote", "--remote-url", nowhere,
                  "--port", str(free_port()))
    assert result.returncode == 2 and f"the remote store {nowhere} cannot be reached" in result.stderr


def test_remote_backend_serves_entity_pages_and_void(remote_endpoint, local_endpoint):
    """Linked Data pages (built on DESCRIBE) and VoID come from the remote store's answers, pages as locally."""
    pages = []
    for endpoint in (remote_endpoint, local_endpoint):
        page = requests.get(endpoint.base_url + "/" + SHIRAZ[len(str(BASE)):], headers={"Accept": "text/turtle"})
        assert page.status_code == 200, page.text
        pages.append(rdflib.Graph().parse(data=page.text, format="turtle"))
    assert (SHIRAZ, SKOS.prefLabel, rdflib.Literal("شیراز", lang="fa")) in pages[0]
    assert isomorphic(pages[0], pages[1])
    void = requests.get(remote_endpoint.base_url + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert void.status_code == 200
    triples = set(rdflib.Graph().parse(data=void.text, format="turtle").objects(None, VOID.triples))
    assert triples and all(int(count) > 0 for count in triples)
