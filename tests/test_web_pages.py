"""The pages people and Linked Data clients read: labels, provenance, alternates, prefixes, descriptions (HTTP)."""
import json
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import quote, urljoin

import pytest
import requests

from cdkg.ontology import ontology_graph
from cdkg.ontology.namespaces import BASE, CDO, ID, ONTOLOGY_VERSION_IRI, SKOS
from tests.web_support import news_server, seed_kg, seed_server  # noqa: F401 (fixtures)

HTML = {"Accept": "text/html"}
# The seed's Shiraz - Novi Sad agreement, as its first report claims it (the shared node is keyed by its parties).
CLAIM = ID["statement/209e252f25bc5fa0/agreement-1"]
PERSIAN = re.compile("[\u0600-\u06ff]")
LATIN = re.compile("[A-Za-z]")
TERMS = {term.removeprefix(str(CDO)) for term in ontology_graph().subjects() if term in CDO}


def get(base, path, **headers):
    """GET a path with the given headers; return the response."""
    return requests.get(base + path, headers=headers, timeout=30)


def rows(base, query):
    """Return the bindings of a SELECT."""
    response = requests.post(base + "sparql", data={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_every_statement_and_fact_has_a_label_in_both_languages(seed_server):
    unlabelled = rows(seed_server, f"""SELECT DISTINCT ?node ?lang WHERE {{
        {{ ?node a <{CDO.Statement}> }} UNION {{ ?statement <{CDO.reports}> ?node }}
        VALUES ?lang {{ "en" "fa" }}
        FILTER NOT EXISTS {{ ?node <{SKOS.prefLabel}> ?label FILTER(LANG(?label) = ?lang) }} }}""")
    assert unlabelled == []
    counted = rows(seed_server, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{CDO.Statement}> }}")
    assert int(counted[0]["n"]["value"]) == 11


@pytest.fixture(scope="module")
def agreement(seed_server):
    """The IRI of the agreement the claim is about."""
    (row,) = rows(seed_server, f"SELECT ?a WHERE {{ ?a <{CDO.statusHistory}> <{CLAIM}> }}")
    return row["a"]["value"]


def test_an_agreement_is_named_after_its_kind_parties_and_status(seed_server, agreement):
    page = get(seed_server, agreement.removeprefix(BASE), **HTML)
    title = re.search(r"<title>(.*?) · ", page.text).group(1)
    assert title == "Cooperation agreement: Shiraz Municipality – Novi Sad (signed)"
    labels = {row["label"]["value"] for row in rows(seed_server, f"SELECT ?label WHERE {{ <{agreement}> "
                                                                 f"<{SKOS.prefLabel}> ?label }}")}
    assert "توافق‌نامه همکاری: شهرداری شیراز – نووی ساد (امضاشده)" in labels


def test_pages_name_their_alternates_in_html_and_in_a_link_header(seed_server):
    page = get(seed_server, "id/place/shiraz", **HTML)
    assert '<link rel="alternate" type="text/turtle" href="/id/place/shiraz?format=turtle"' in page.text
    assert 'rel="alternate"; type="application/ld+json"' in page.headers["Link"]
    turtle = get(seed_server, "id/place/shiraz", Accept="text/turtle")
    assert "rel=\"alternate\"" in turtle.headers["Link"]
    assert "\\/" not in turtle.text and "<https://w3id.org/citydiplomacy/id/place/shiraz>" in turtle.text


def test_json_ld_is_compacted_with_the_project_context(seed_server):
    document = get(seed_server, "id/place/shiraz", Accept="application/ld+json").json()
    assert document["@context"]["cdo"] == str(CDO) and document["@context"]["schema"] == "https://schema.org/"
    nodes = document.get("@graph", [document])
    shiraz = next(node for node in nodes if node.get("@id") == str(ID["place/shiraz"]))
    assert "skos:prefLabel" in shiraz and not any(key.startswith("http") for key in shiraz)


def test_triples_show_the_graph_that_asserts_them_and_which_are_inferred(seed_server, agreement):
    page = get(seed_server, agreement.removeprefix(BASE), **HTML).text
    assert 'class="graph" href="/graph/statement/209e252f25bc5fa0"' in page
    inferred = re.findall(r'<tr class="inferred">(.*?)</tr>', page, re.S)
    assert inferred and any("CooperationInstrument" in row or "cooperation instrument" in row for row in inferred)
    assert all('class="graph"' not in row for row in inferred)


def test_entity_pages_show_the_report_date_publisher_and_url(news_server):
    page = get(news_server, "id/place/doha", **HTML).text
    assert '<time datetime="2023-08-01">' in page  # ۱۴۰۲/۰۵/۱۰ in the source
    assert "ایرنا" in page and 'href="https://news.example/shiraz-qatar"' in page


def test_the_editor_offers_the_project_prefixes_and_schema_over_https(seed_server):
    offered = get(seed_server, "prefixes.json").json()
    for prefix in ("cdo", "cdc", "cdr", "cdg", "cds"):
        assert offered[prefix].startswith("https://w3id.org/citydiplomacy/")
    assert offered["schema"] == "https://schema.org/"
    page = get(seed_server, "", **HTML).text
    declared = json.loads(re.search(r'<script type="application/json" id="prefixes">(.*?)</script>', page).group(1))
    assert declared == offered


def test_an_undeclared_prefix_is_named_with_its_declaration(seed_server):
    response = requests.post(seed_server + "sparql", data={"query": "SELECT * WHERE { ?s a cdo:City }"}, timeout=30)
    assert response.status_code == 400
    assert response.text.strip() == ("unknown prefix cdo: (declare it with "
                                     "PREFIX cdo: <https://w3id.org/citydiplomacy/ontology#>)")


def test_void_and_the_service_description_read_as_pages_for_people(seed_server):
    void = get(seed_server, ".well-known/void", **HTML)
    assert void.status_code == 200 and void.headers["Content-Type"].startswith("text/html")
    assert "void:triples" in void.text and 'href="?format=turtle"' in void.text
    description = get(seed_server, "sparql?format=html", **HTML)
    assert "sd:endpoint" in description.text and description.headers["Content-Type"].startswith("text/html")
    assert get(seed_server, ".well-known/void", Accept="text/turtle").headers["Content-Type"].startswith("text/turtle")


def test_the_concept_scheme_iri_resolves_and_unknown_ontology_paths_are_404(seed_server):
    assert get(seed_server, "concepts", **HTML).status_code == 200
    assert get(seed_server, "concepts", Accept="text/turtle").status_code == 200
    assert get(seed_server, "ontology/garbage", **HTML).status_code == 404
    assert get(seed_server, ONTOLOGY_VERSION_IRI.removeprefix(BASE), Accept="text/turtle").status_code == 200


class Anchors(HTMLParser):
    """Collect a page's links, ids, the IRI each id documents (the first written after it), headings, unmarked Persian."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.links, self.documents, self.ids, self.unmarked, self.headings = [], {}, [], [], {}
        self.open, self.languages, self.waiting = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("id"):
            self.ids.append(attrs["id"])
            self.waiting.append(attrs["id"])
        if tag not in self.VOID:
            self.open.append(tag)
            self.languages.append(attrs.get("lang", self.languages[-1] if self.languages else ""))

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                self.languages.pop()
            self.languages.pop()

    def handle_data(self, data):
        if "h3" in self.open and data.strip():
            self.headings.setdefault(self.ids[-1], []).append((self.languages[-1], data.strip()))
        if data.strip().startswith("http"):
            for waiting in self.waiting:
                self.documents[waiting] = data.strip()
            self.waiting = []
        # Persian words quoted in an English sentence are English text; a Persian text must carry its language.
        if PERSIAN.search(data) and not LATIN.search(data) and not self.languages[-1].startswith("fa") \
                and self.open[-1] not in ("style", "script"):
            self.unmarked.append(data.strip()[:40])


@pytest.fixture(scope="module")
def ontology_page(seed_server):
    response = get(seed_server, "ontology", **HTML)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    parsed = Anchors()
    parsed.feed(response.text)
    return response.url, parsed


def test_every_ontology_link_to_a_term_lands_on_that_terms_entry(ontology_page):
    url, page = ontology_page
    assert sorted(i for i, n in Counter(page.ids).items() if n > 1) == []
    landing = {}
    for href in page.links:
        target = urljoin(url, href)
        assert not target.startswith(BASE), f"{href} leaves the site"
        if target.startswith(url + "#"):
            fragment = target.removeprefix(url + "#")
            assert fragment in page.ids, f"{href} has no anchor"
            if fragment in TERMS:
                landing[fragment] = page.documents[fragment]
    assert landing and all(iri == str(CDO[name]) for name, iri in landing.items()), \
        sorted((name, iri) for name, iri in landing.items() if iri != str(CDO[name]))[:5]
    assert landing["City"] == str(CDO.City)  # not dbo:City or schema:City


def test_every_term_has_its_entry_under_its_hash_fragment(ontology_page):
    _, page = ontology_page
    assert {name: page.documents.get(name) for name in TERMS if page.documents.get(name) != str(CDO[name])} == {}


def test_ontology_labels_are_not_glued_and_persian_is_marked(ontology_page):
    _, page = ontology_page
    assert page.unmarked == []
    assert page.headings["City"][:2] == [("en", "city"), ("fa", "شهر")]


def test_why_tells_which_bindings_only_inference_gives(seed_server):
    agreement = ID["agreement/4b000bb5cea6f00b"]  # the seed's Shiraz Municipality - Novi Sad agreement
    row = {"agreement": {"type": "uri", "value": str(agreement)},
           "party": {"type": "uri", "value": str(ID["place/novi-sad"])},
           "kind": {"type": "uri", "value": str(CDO.CooperationInstrument)}}  # entailed by its subclass
    page = get(seed_server, "why?row=" + quote(json.dumps(row)), **HTML)
    assert page.status_code == 200
    cells = dict(re.findall(r'<th scope="row">\?(\w+)</th><td>(.*?)</td>', page.text, re.S))
    assert sorted(cells) == ["agreement", "kind", "party"]
    assert {name for name, cell in cells.items() if "from inference" in cell} == {"kind"}, cells
    assert "/graph/statement/" in page.text and 'class="inferred">inferred' in page.text
