"""Full-text search: the Persian-aware index, SERVICE <…/search> through a real server, the JSON API and page."""
import pyoxigraph as ox
import pytest
import requests

from cdkg.kg.textindex import TextIndex, build_from_store
from cdkg.ontology.namespaces import CDO, CDS, ID, RDF, RDFS, SEARCH_SERVICE, SKOS
from tests.bench.bench_endpoint import synthesise
from tests.endpoint_support import running_server
from tests.web_support import seed_kg, seed_server  # noqa: F401 (fixtures)

JSON = {"Accept": "application/sparql-results+json"}
PREFIXES = f"PREFIX cdo: <{CDO}>\nPREFIX cds: <{CDS}>\nPREFIX rdfs: <{RDFS}>\n"


def nn(iri):
    """Return a pyoxigraph named node."""
    return ox.NamedNode(str(iri))


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    """Index a store holding labels written in the ways Persian text arrives (Arabic letters, ZWNJ, glued)."""
    directory = tmp_path_factory.mktemp("index")
    store = ox.Store(str(directory / "store"))
    graph = nn(ID["graph-test"])
    entries = {
        "place/shiraz": ("شيراز", "Shiraz", CDO.City),  # Arabic yeh
        "place/novi-sad": ("نوویساد", "Novi Sad", CDO.City),  # written together
        "org/mou": ("تفاهم‌نامه همکاری", "Memorandum of cooperation", CDO.MemorandumOfUnderstanding),  # ZWNJ
        "org/shiraz-municipality": ("شهرداری شیراز", "Shiraz Municipality", CDO.Municipality),
    }
    for local, (persian, english, kind) in entries.items():
        subject = nn(ID[local])
        store.add(ox.Quad(subject, nn(RDF.type), nn(kind), graph))
        store.add(ox.Quad(subject, nn(SKOS.prefLabel), ox.Literal(persian, language="fa"), graph))
        store.add(ox.Quad(subject, nn(RDFS.label), ox.Literal(english, language="en"), graph))
    build_from_store(store, directory / "search.sqlite")
    return TextIndex(directory / "search.sqlite")


@pytest.mark.parametrize("words, expected", [
    ("شیراز", "place/shiraz"),  # Persian yeh finds the Arabic one
    ("نووی ساد", "place/novi-sad"),  # a space where the text has none
    ("تفاهمنامه", "org/mou"),  # no ZWNJ where the text has one
    ("تفاهم نامه همکاری", "org/mou"),  # a space where the text has a ZWNJ
    ("SHIRAZ", "place/shiraz"),  # English, any case
    ("novi", "place/novi-sad"),
])
def test_index_is_insensitive_to_letters_zwnj_and_spaces(small_index, words, expected):
    hits = small_index.search(words, 5)
    assert hits and hits[0].iri == str(ID[expected])


def test_index_ranks_exact_names_first_and_filters_by_type(small_index):
    hits = small_index.search("شیراز", 5)
    assert [hit.iri for hit in hits] == [str(ID["place/shiraz"]), str(ID["org/shiraz-municipality"])]
    only = small_index.search("شیراز", 5, types=[str(CDO.Municipality)])
    assert [hit.iri for hit in only] == [str(ID["org/shiraz-municipality"])]
    assert [hit.iri for hit in small_index.search("شیر", 5, prefix=True)][:1] == [str(ID["place/shiraz"])]
    assert small_index.search("شیر", 5) == []  # without prefix, words match whole
    assert len(small_index.search("شیراز", 1)) == 1


@pytest.fixture(scope="module")
def bench_server(tmp_path_factory):
    """Serve the benchmark's synthetic KG (2,000 statements) with no index file: the server builds its own."""
    kg_dir = tmp_path_factory.mktemp("bench") / "kg"
    synthesise(kg_dir, 2000, 200)
    with running_server(kg_dir) as base:
        yield base


def select(base, query):
    """Return the sorted ?s values of a SELECT, failing on an error status."""
    response = requests.post(base + "sparql", data={"query": query}, headers=JSON, timeout=60)
    assert response.status_code == 200, response.text
    return sorted(row["s"]["value"] for row in response.json()["results"]["bindings"])


@pytest.mark.parametrize("city", [1, 7, 150])
def test_search_service_gives_the_text_filter_answers(bench_server, city):
    regex = PREFIXES + f'SELECT ?s WHERE {{ ?s cdo:originalText ?t FILTER(CONTAINS(?t, "شهر {city} ")) }}'
    search = PREFIXES + (f'SELECT ?s WHERE {{ SERVICE <{SEARCH_SERVICE}> {{ ?s cds:query "شهر {city}" ; '
                         "cds:property cdo:originalText ; cds:limit 10000 } }")
    expected = select(bench_server, regex)
    assert expected and select(bench_server, search) == expected


def test_search_service_binds_score_and_text_and_joins(bench_server):
    query = PREFIXES + (f'SELECT ?s ?score ?text ?label WHERE {{ SERVICE <{SEARCH_SERVICE}> {{ ?s cds:query "city 12" ;'
                        " cds:limit 3 ; cds:score ?score ; cds:text ?text . } ?s rdfs:label ?label "
                        'FILTER(LANG(?label) = "fa") } ORDER BY DESC(?score)')
    response = requests.post(bench_server + "sparql", data={"query": query}, headers=JSON, timeout=60)
    rows = response.json()["results"]["bindings"]
    assert [row["s"]["value"] for row in rows][0] == str(ID["place/city-12"])
    assert rows[0]["text"]["value"] == "City 12" and rows[0]["label"]["value"] == "شهر 12"
    scores = [float(row["score"]["value"]) for row in rows]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("pattern, message", [
    ("?s cds:limit 3", "needs the words"),
    ('?s cds:query "x" ; foo:bar 1', "unknown prefix foo:"),
    ('"x" cds:query "x"', "must start with the variable"),
    ('?s cds:query "x" ; cds:limit 0', "cds:limit must be between 1"),
    ('?s cds:query "!!"', "no words"),
    ('?s cds:query "x" ; cds:score ?s', "bound twice"),
    ('?s cds:query "x" ; rdfs:label ?l', "is not a search property"),
    ('?s cds:query "x" cds:limit 2', "expected ';' or '.'"),
    ('?s cds:query "x" ; cds:limit 2.5', "takes an integer, not 2.5"),
    ('?s cds:query "x" ; cds:limit [ ]', "cannot read the search pattern at '[' (offset"),
])
def test_bad_search_patterns_are_refused_with_a_reason(bench_server, pattern, message):
    query = PREFIXES + f"SELECT * WHERE {{ SERVICE <{SEARCH_SERVICE}> {{ {pattern} }} }}"
    response = requests.post(bench_server + "sparql", data={"query": query}, timeout=60)
    assert response.status_code == 400 and message in response.text, response.text


def test_search_pattern_is_read_by_the_sparql_grammar(bench_server):
    # a long string with an escape (a tab between the words), a comment, an IRIREF, a second prefix for cds:
    query = PREFIXES + ("PREFIX sch: <https://w3id.org/citydiplomacy/search#>\n"
                        f'SELECT ?s WHERE {{ SERVICE <{SEARCH_SERVICE}> {{ ?s cds:query """شهر\\t12""" ; # words\n'
                        f"cds:property <{RDFS.label}> ; sch:limit 1 }} }}")
    response = requests.post(bench_server + "sparql", data={"query": query}, headers=JSON, timeout=60)
    assert response.status_code == 200, response.text
    assert [row["s"]["value"] for row in response.json()["results"]["bindings"]] == [str(ID["place/city-12"])]


def test_search_api_answers_json_with_labels_and_local_links(seed_server):
    answer = requests.get(seed_server + "api/search", params={"q": "شيراز", "limit": 3}, timeout=30).json()
    first = answer["hits"][0]
    assert first["iri"] == str(ID["place/shiraz"]) and first["href"] == "/id/place/shiraz"
    assert first["labels"] == {"en": "Shiraz", "fa": "شیراز"}
    assert len(answer["hits"]) == 3
    typed = requests.get(seed_server + "api/search", params={"q": "shiraz", "type": "cdo:Municipality"},
                         timeout=30).json()
    assert [hit["iri"] for hit in typed["hits"]] == [str(ID["org/shiraz-municipality"])]
    suggested = requests.get(seed_server + "api/search", params={"q": "نووی سا", "prefix": "1"}, timeout=30).json()
    assert suggested["hits"][0]["iri"] == str(ID["place/novi-sad"])


@pytest.mark.parametrize("params, message", [
    ({}, "parameter q"), ({"q": "x", "limit": "0"}, "parameter limit"), ({"q": "x", "limit": "lots"}, "parameter limit"),
    ({"q": "x", "type": "zz:Thing"}, "parameter type"), ({"q": "؟!"}, "parameter q"),
])
def test_search_api_names_the_bad_parameter(seed_server, params, message):
    response = requests.get(seed_server + "api/search", params=params, timeout=30)
    assert response.status_code == 400 and message in response.text


def test_search_page_lists_hits_and_unknown_pages_offer_search(seed_server):
    page = requests.get(seed_server + "search", params={"q": "novi sad"}, headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and 'href="/id/place/novi-sad"' in page.text
    missing = requests.get(seed_server + "id/place/atlantis-city", headers={"Accept": "text/html"}, timeout=30)
    assert missing.status_code == 404 and "text/html" in missing.headers["Content-Type"]
    assert 'role="search"' in missing.text and 'value="atlantis city"' in missing.text
    machine = requests.get(seed_server + "id/place/atlantis-city", headers={"Accept": "text/turtle"}, timeout=30)
    assert machine.status_code == 404 and machine.headers["Content-Type"].startswith("text/plain")
