"""Linked Data pages of a real `cdkg serve` process: HTML for browsers, descriptions in RDF by Accept."""
import html.parser

import pytest
import rdflib
import requests

from tests.endpoint_support import build_kg_dir, running_server
from cdkg.ontology.namespaces import CDO, GRAPH, ID, ONTOLOGY_IRI, OWL, RDF, RDFS

HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Run one real server over the fixture KG for the module."""
    with running_server(build_kg_dir(tmp_path_factory.mktemp("kg"))) as url:
        yield url


class PageText(html.parser.HTMLParser):
    """Collect the text, the links and the elements with lang/dir of an HTML page."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self.directed, self.scripts = [], [], [], []
        self.open_attrs = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.open_attrs.append(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        if tag == "script":
            self.scripts.append(attrs)

    def handle_endtag(self, tag):
        if self.open_attrs:
            self.open_attrs.pop()

    def handle_data(self, data):
        self.text.append(data)
        if data.strip() and self.open_attrs:
            self.directed.append((data.strip(), self.open_attrs[-1].get("lang"), self.open_attrs[-1].get("dir")))


def page(base, path):
    """Fetch a page as a browser would and return its parsed content."""
    response = requests.get(base + path, headers={"Accept": HTML_ACCEPT})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    parser = PageText()
    parser.feed(response.text)
    return parser


def test_entity_page_html(base):
    parsed = page(base, "id/place/shiraz")
    text = " ".join(parsed.text)
    assert "Shiraz" in text and "شیراز" in text
    assert ("شیراز", "fa", "rtl") in parsed.directed
    assert "/id/place/iran" in parsed.links  # a link out, kept on this server
    assert "/id/org/shiraz-municipality" in parsed.links  # a link in
    assert "http://www.wikidata.org/entity/Q6095" in parsed.links
    statement = "شهرداری شیراز و شهرداری دوحه تفاهم‌نامه همکاری فرهنگی امضا کردند."
    assert any(data.startswith(statement[:20]) and lang == "fa" and direction == "rtl"
               for data, lang, direction in parsed.directed)
    query_links = [link for link in parsed.links if link and link.startswith("/?query=")]
    assert query_links, "the page links to the UI with a query about the entity"


@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"), ("application/n-triples", "nt"),
])
def test_entity_description_by_accept(base, accept, rdflib_format):
    response = requests.get(base + "id/place/shiraz", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    shiraz = rdflib.URIRef(ID["place/shiraz"])
    assert (shiraz, RDF.type, rdflib.URIRef(CDO.City)) in graph
    assert (shiraz, RDFS.label, rdflib.Literal("شیراز", lang="fa")) in graph
    assert (rdflib.URIRef(ID["org/shiraz-municipality"]), rdflib.URIRef(CDO.governs), shiraz) in graph
    assert (rdflib.URIRef(ID["place/doha"]), None, None) not in graph  # only Shiraz's description


def test_statement_cbd_includes_blank_nodes(base):
    response = requests.get(base + "id/statement/aaaaaaaaaaaaaaaa", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    activity = graph.value(rdflib.URIRef(ID["statement/aaaaaaaaaaaaaaaa"]),
                           rdflib.URIRef("http://www.w3.org/ns/prov#wasGeneratedBy"))
    assert isinstance(activity, rdflib.BNode)
    assert len(list(graph.predicate_objects(activity))) == 2


def test_graph_iri_serves_its_triples(base):
    response = requests.get(base + "graph/statement/bbbbbbbbbbbbbbbb", headers={"Accept": "application/n-triples"})
    graph = rdflib.Graph().parse(data=response.text, format="nt")
    assert (rdflib.URIRef(ID["statement/bbbbbbbbbbbbbbbb"]), RDF.type, rdflib.URIRef(CDO.Statement)) in graph
    assert len(graph) == 4
    assert "مشهد" in " ".join(page(base, "graph/statement/bbbbbbbbbbbbbbbb").text)


def test_concept_page(base):
    assert "دیپلماسی شهری" in " ".join(page(base, "concept/city-diplomacy").text)


def test_ontology_iri_serves_rdf(base):
    response = requests.get(base + "ontology", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert (rdflib.URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    assert (rdflib.URIRef(CDO.City), RDFS.label, rdflib.Literal("شهر", lang="fa")) in graph
    xml = requests.get(base + "ontology", headers={"Accept": "application/rdf+xml"})
    assert len(rdflib.Graph().parse(data=xml.content, format="xml")) == len(graph)
    assert requests.get(base + "ontology", headers={"Accept": HTML_ACCEPT}).status_code == 200


def test_literal_markup_is_escaped(base):
    response = requests.get(base + "id/place/doha", headers={"Accept": HTML_ACCEPT})
    assert "&lt;script&gt;alert(" in response.text
    parser = PageText()
    parser.feed(response.text)
    # the literal's <script> did not become an element (the page's own scripts all come from /static/)
    assert [script for script in parser.scripts if not (script.get("src") or "").startswith("/static/")] == []
    assert any("<script>alert('xss')</script>" in data for data in parser.text)


def test_unknown_entity_is_404(base):
    for accept in (HTML_ACCEPT, "text/turtle"):
        assert requests.get(base + "id/place/atlantis", headers={"Accept": accept}).status_code == 404


def test_path_traversal_is_not_served(base):
    for path in ("id/..%2f..%2fetc%2fpasswd", "static/..%2f..%2fpyproject.toml", "dumps/..%2fstore"):
        response = requests.get(base + path)
        assert response.status_code == 404
        assert "root:" not in response.text


def test_page_not_acceptable(base):
    response = requests.get(base + "id/place/shiraz", headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/turtle" in response.text


def test_named_graph_pages_link_back(base):
    parsed = page(base, "id/place/mashhad")
    assert "/graph/statement/bbbbbbbbbbbbbbbb" in parsed.links
    assert str(GRAPH["inferred"]).replace("https://w3id.org/citydiplomacy", "") in parsed.links


def test_a_triple_in_several_graphs_is_listed_once(base):
    parsed = page(base, "id/place/shiraz")
    city_links = [link for link in parsed.links if link == "/ontology#City"]
    assert len(city_links) == 2  # once among the types, once in the links out, though asserted in two graphs
