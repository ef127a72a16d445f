"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol (indirect identification) suites, read from their
manifests in ../shared/w3c/ and run request by request against a real server with writes enabled.

Each manifest entry becomes one test, named by the manifest's test name; every request the manifest lists is
sent (the path prefix rewritten to this server's routes, the write token added) and its expected status class
or code, boolean, result format, Location and body (graph isomorphism) are checked. Every entry must pass; an
entry of the manifest with no test here cannot exist, since the tests are the entries. The direct-identification
manifest is not run: graphs are named by ?graph=IRI or ?default only.
"""
import re
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from tests.endpoint_support import build_kg_dir
from tests.hardening_support import serving

W3C = Path(__file__).resolve().parents[2] / "shared" / "w3c"
PROTOCOL = W3C / "sparql11-protocol" / "manifest.ttl"
GRAPH_STORE = W3C / "sparql11-graph-store-protocol" / "manifest-indirect.ttl"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
TOKEN = "w3c-token"
TIMEOUT = 30
NAMED_STATUSES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
ROUTES = (("/sparql/", "sparql"), ("/gsp", "rdf-graph-store"))


def entries(manifest):
    """Return (test name, test node, graph) for every entry of a manifest, in manifest order."""
    graph = rdflib.Graph().parse(manifest, format="turtle")
    listed = next(graph.objects(None, MF.entries))
    return [(str(node).rsplit("#", 1)[1], node, graph) for node in Collection(graph, listed)]


def requests_of(graph, test):
    """Return the test's HTTP requests, in order, as the manifest describes them."""
    action = graph.value(test, MF.action)
    return list(Collection(graph, graph.value(action, HT.requests)))


def headers_of(graph, node):
    """Return a request's or response's headers as a dict (names lower-case)."""
    listed = graph.value(node, HT.headers)
    if listed is None:
        return {}
    return {str(graph.value(item, HT.fieldName)).lower(): str(graph.value(item, HT.fieldValue))
            for item in Collection(graph, listed)}


def body_of(graph, node):
    """Return a request's or response's body as bytes in its declared encoding, or None."""
    body = graph.value(node, HT.body)
    if body is None:
        return None
    encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
    return str(graph.value(body, CNT.chars)).encode(encoding.lower().replace("utf-16", "utf-16-le"))


def status_matches(graph, response_node, status):
    """Tell whether a status is one the manifest expects (a class such as StatusCode2xx, or a named code)."""
    expected = [str(value).rsplit("#", 1)[1] for value in graph.objects(response_node, MF.expectedStatus)]
    for name in expected:
        klass = re.fullmatch(r"StatusCode(\d)xx", name)
        if klass and status // 100 == int(klass.group(1)):
            return True
        if not klass and NAMED_STATUSES[name] == status:
            return True
    return not expected


def data_files(tmp_path):
    """Return the protocol suite's data files and the graph IRIs the manifest loads them as."""
    graph = rdflib.Graph().parse(PROTOCOL, format="turtle")
    iris = {}
    for _, data in graph.subject_objects(UT.graphData):
        path = Path(str(graph.value(data, UT.graph)).replace("file://", ""))
        iris[str(path)] = str(graph.value(data, rdflib.RDFS.label))
    return iris


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Serve the fixture KG plus the suite's data graphs, with writes enabled behind a token."""
    iris = data_files(tmp_path_factory)
    env = {"CDKG_UPDATE_ENABLED": "true", "CDKG_UPDATE_TOKEN": TOKEN, "CDKG_DATA_FILES": repr(sorted(iris)),
           "CDKG_DATA_GRAPH_IRIS": repr(iris)}
    with serving(build_kg_dir(tmp_path_factory.mktemp("w3c") / "kg"), workers=1, env=env) as running:
        yield running


def run_entry(base, graph, test):
    """Send every request of a manifest entry and check each answer; fail naming the first mismatch."""
    templates = {}
    for number, request_node in enumerate(requests_of(graph, test), start=1):
        path = str(graph.value(request_node, HT.absolutePath))
        body = body_of(graph, request_node)
        for variable, value in templates.items():
            path = path.replace(variable, value)
            body = body.replace(variable.encode(), value.encode()) if body is not None else None
        for prefix, route in ROUTES:
            if path.startswith(prefix):
                path = route + path[len(prefix):]
        headers = {**headers_of(graph, request_node), "Authorization": f"Bearer {TOKEN}"}
        method = str(graph.value(request_node, HT.methodName))
        response = requests.request(method, base + path.lstrip("/"), data=body, headers=headers,
                                    timeout=TIMEOUT, allow_redirects=False)
        expected = graph.value(request_node, HT.resp)
        where = f"request {number} ({method} {path})"
        assert status_matches(graph, expected, response.status_code), (where, response.status_code,
                                                                       response.text[:300])
        check_answer(graph, expected, response, where, templates)


def check_answer(graph, expected, response, where, templates):
    """Check the boolean, format, Location and body the manifest expects of one answer."""
    content_type = response.headers.get("Content-Type", "")
    result_format = graph.value(expected, MF.expectedFormat)
    if result_format is not None:
        kinds = {"boolean": ("sparql-results",), "tabular": ("sparql-results", "csv", "tab-separated"),
                 "RDF": ("turtle", "n-triples", "rdf+xml", "ld+json", "trig", "n-quads")}
        assert any(kind in content_type for kind in kinds[str(result_format)]), (where, content_type)
    boolean = graph.value(expected, MF.expectedBoolean)
    if boolean is not None:
        assert ("true" in response.text.lower()) is boolean.toPython(), (where, response.text[:300])
    location = graph.value(expected, MF.expectedLocation)
    if location is not None:
        assert response.headers.get("Location"), (where, "no Location header")
        templates[str(location)] = response.headers["Location"]
    body = body_of(graph, expected)
    if body is not None:
        media_type = headers_of(graph, expected).get("content-type", "text/turtle").split(";")[0]
        assert content_type.split(";")[0] == media_type, (where, content_type)
        wanted = rdflib.Graph().parse(data=body, format=media_type)
        got = rdflib.Graph().parse(data=response.content, format=media_type)
        assert isomorphic(wanted, got), (where, response.text[:500])


def cases(manifest):
    """Return one pytest parameter per manifest entry, named by the entry."""
    return [pytest.param(test, graph, id=name) for name, test, graph in entries(manifest)]


@pytest.mark.parametrize("test, graph", cases(PROTOCOL))
def test_sparql_protocol(server, test, graph):
    run_entry(server.base, graph, test)


@pytest.mark.parametrize("test, graph", cases(GRAPH_STORE))
def test_graph_store_protocol(server, test, graph):
    # each entry assumes a store without the graphs earlier entries wrote
    emptied = requests.post(server.base + "update", data={"update": "DROP ALL"}, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {TOKEN}"})
    assert emptied.status_code == 204
    run_entry(server.base, graph, test)


def test_every_manifest_entry_is_run():
    assert len(entries(PROTOCOL)) == 34 and len(entries(GRAPH_STORE)) == 9
