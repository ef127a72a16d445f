"""Entity pages, descriptions, VoID and the Graph Store obey the same limits as queries: a hub entity's links
are cut at PAGE_ROW_LIMIT and the cut is said (header and page), and every one of them stops at QUERY_TIMEOUT."""
import html.parser
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import rdflib
import requests

from cdkg.ontology.namespaces import BASE, CDO, GRAPH, ID, RDF
from tests.hardening_support import kg_with_extra_quads, serving

PAGE_ROW_LIMIT = 10
HUB_LINKS = 3 * PAGE_ROW_LIMIT
MAX_RESULT_ROWS = 2 * HUB_LINKS  # a section query for all passes; the whole default graph does not
HUB = ID["place/hub-city"]
HUB_GRAPH = GRAPH["statement/hub"]
TIMEOUT = 20  # seconds a client waits: a hang fails the test instead of blocking the run
LIMIT_HEADER = "X-CDKG-Limit"
TRUNCATED_HEADER = "X-CDKG-Truncated"


def hub_quads(links=HUB_LINKS):
    """Return a city that `links` statements mention: more links in than a page may list."""
    graph, hub = ox.NamedNode(str(HUB_GRAPH)), ox.NamedNode(str(HUB))
    quads = [ox.Quad(hub, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(CDO.City)), graph)]
    for number in range(links):
        statement = ox.NamedNode(str(ID[f"statement/hub-{number:03d}"]))
        quads.append(ox.Quad(statement, ox.NamedNode(str(CDO.mentions)), hub, graph))
        quads.append(ox.Quad(statement, ox.NamedNode(str(CDO.originalText)),
                             ox.Literal(f"بیانیه {number}", language="fa"), graph))
    return quads


@pytest.fixture(scope="module")
def kg_dir(tmp_path_factory):
    """The endpoint fixture KG plus the hub city."""
    return kg_with_extra_quads(tmp_path_factory.mktemp("pages"), hub_quads())


@pytest.fixture(scope="module")
def server(kg_dir):
    """Serve the KG with a small page row limit and result row limit."""
    with serving(kg_dir, "--page-row-limit", str(PAGE_ROW_LIMIT), "--max-result-rows", str(MAX_RESULT_ROWS),
                 workers=1) as running:
        yield running


def path_of(iri):
    """Return the server path that dereferences a KG IRI."""
    return "/" + str(iri)[len(BASE):]


def hub_path():
    """Return the server path of the hub city's IRI."""
    return path_of(HUB)


class CutNotes(html.parser.HTMLParser):
    """Collect the 'query for all' links of the cut sections of a page, and count table rows."""

    def __init__(self):
        super().__init__()
        self.in_note = False
        self.links = []
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "p" and "cut" in (attrs.get("class") or "").split():
            self.in_note = True
        elif tag == "a" and self.in_note:
            self.links.append(attrs["href"])
        elif tag == "tr":
            self.rows += 1

    def handle_endtag(self, tag):
        if tag == "p":
            self.in_note = False


def count_rows(server, select):
    """Return how many solutions a SELECT has on the server."""
    response = requests.post(server.base + "sparql", data={"query": select}, timeout=TIMEOUT,
                             headers={"Accept": "application/sparql-results+json"})
    response.raise_for_status()
    return len(response.json()["results"]["bindings"])


def test_a_hub_page_lists_the_limit_and_says_it_was_cut(server):
    response = requests.get(server.base + hub_path().lstrip("/"), headers={"Accept": "text/html"}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers[LIMIT_HEADER] == f"PAGE_ROW_LIMIT={PAGE_ROW_LIMIT}"
    cut = {part.strip() for part in response.headers[TRUNCATED_HEADER].split(",")}
    assert {"incoming", "statements"} <= cut and "outgoing" not in cut
    notes = CutNotes()
    notes.feed(response.text)
    assert len(notes.links) == len(cut)
    # each note links to the query for the whole section, and that query finds every link
    queries = [parse_qs(urlsplit(link).query)["query"][0] for link in notes.links]
    assert sorted(count_rows(server, query) for query in queries)[-1] == HUB_LINKS


def test_a_hub_description_in_rdf_is_cut_and_says_so(server):
    response = requests.get(server.base + hub_path().lstrip("/"), headers={"Accept": "text/turtle"}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers[TRUNCATED_HEADER] == "links in"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert len(set(graph.subjects(None, rdflib.URIRef(str(HUB))))) == PAGE_ROW_LIMIT
    assert (rdflib.URIRef(str(HUB)), RDF.type, CDO.City) in graph


def test_a_small_description_is_whole_and_carries_no_cut_header(server):
    first_statement = ID["statement/hub-000"]
    response = requests.get(server.base + path_of(first_statement).lstrip("/"), timeout=TIMEOUT,
                            headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert TRUNCATED_HEADER not in response.headers
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert (first_statement, CDO.mentions, rdflib.URIRef(str(HUB))) in graph


def test_cross_origin_clients_can_read_the_cut_headers(server):
    response = requests.get(server.base + hub_path().lstrip("/"), timeout=TIMEOUT,
                            headers={"Accept": "text/turtle", "Origin": "https://example.org"})
    exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {LIMIT_HEADER, TRUNCATED_HEADER} <= exposed


def test_the_graph_store_refuses_a_graph_over_the_row_limit(server):
    response = requests.get(server.base + "rdf-graph-store", params={"default": ""}, timeout=TIMEOUT,
                            headers={"Accept": "application/n-triples"})
    assert response.status_code == 422
    assert response.headers[LIMIT_HEADER] == f"MAX_RESULT_ROWS={MAX_RESULT_ROWS}"
    small = requests.get(server.base + "rdf-graph-store", params={"graph": str(GRAPH["statement/nowhere"])},
                         timeout=TIMEOUT)
    assert small.status_code == 404


def test_pages_descriptions_and_void_stop_at_the_time_limit(tmp_path):
    # a limit no page can meet: a hub of 20,000 links takes the store tens of milliseconds to sort and count
    busy_kg = kg_with_extra_quads(tmp_path, hub_quads(links=20_000))
    with serving(busy_kg, "--query-timeout", "0.0005", workers=1) as running:
        for path, accept in ((hub_path(), "text/html"), (hub_path(), "text/turtle"),
                             ("/.well-known/void", "text/turtle"), ("/rdf-graph-store?default", "text/turtle")):
            response = requests.get(running.base + path.lstrip("/"), headers={"Accept": accept}, timeout=TIMEOUT)
            assert response.status_code == 503, path
            assert response.headers[LIMIT_HEADER] == "QUERY_TIMEOUT=0.0005", path
        assert requests.get(running.base + "healthz", timeout=TIMEOUT).status_code == 200
