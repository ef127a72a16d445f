"""SPARQL 1.1 Protocol conformance of a real `cdkg serve` process over the fixture KG."""
import csv
import gzip
import io
import json

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, N3, TURTLE, XML, SPARQLWrapper, POST, URLENCODED

from tests.endpoint_support import build_kg_dir, running_server
from cdkg.ontology.namespaces import CDO, GRAPH, ID, INFERRED_GRAPH, REFERENCE_GRAPH, SD, VOID, RDF

CITIES = f"SELECT ?city WHERE {{ ?city a <{CDO.City}> }} ORDER BY ?city"
ALL_CITIES = {str(ID["place/shiraz"]), str(ID["place/doha"]), str(ID["place/mashhad"])}
STATEMENT_A = GRAPH["statement/aaaaaaaaaaaaaaaa"]
STATEMENT_B = GRAPH["statement/bbbbbbbbbbbbbbbb"]


@pytest.fixture(scope="module")
def kg_dir(tmp_path_factory):
    """Build the fixture KG once for the module."""
    return build_kg_dir(tmp_path_factory.mktemp("kg"))


@pytest.fixture(scope="module")
def base(kg_dir):
    """Run one real server for the module and yield its base URL."""
    with running_server(kg_dir) as url:
        yield url


@pytest.fixture(scope="module")
def sparql(base):
    """Return the query endpoint URL."""
    return base + "sparql"


def values(response, name):
    """Return the set of values of one variable in a SPARQL JSON response."""
    assert response.status_code == 200, response.text
    return {row[name]["value"] for row in response.json()["results"]["bindings"]}


# --- the three ways to send a query

def test_get_query(sparql):
    assert values(requests.get(sparql, params={"query": CITIES}), "city") == ALL_CITIES


def test_post_form_query(sparql):
    assert values(requests.post(sparql, data={"query": CITIES}), "city") == ALL_CITIES


def test_post_direct_query(sparql):
    response = requests.post(sparql, data=CITIES.encode(), headers={"Content-Type": "application/sparql-query"})
    assert values(response, "city") == ALL_CITIES


def test_sparqlwrapper_select_ask_construct_describe(sparql):
    client = SPARQLWrapper(sparql)
    client.setQuery(CITIES)
    client.setReturnFormat(JSON)
    assert {row["city"]["value"] for row in client.query().convert()["results"]["bindings"]} == ALL_CITIES
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    client.setQuery(f"ASK {{ <{ID['place/shiraz']}> a <{CDO.City}> }}")
    client.setReturnFormat(XML)
    assert client.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"
    client.setQuery(f"CONSTRUCT {{ ?c a <{CDO.City}> }} WHERE {{ ?c a <{CDO.City}> }}")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert set(graph.subjects(RDF.type, rdflib.URIRef(CDO.City))) == {rdflib.URIRef(c) for c in ALL_CITIES}
    client.setQuery(f"DESCRIBE <{ID['place/doha']}>")
    client.setReturnFormat(N3)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert (rdflib.URIRef(ID["place/doha"]), RDF.type, rdflib.URIRef(CDO.City)) in graph


# --- the dataset: union default graph, FROM, protocol parameters overriding FROM

def test_default_graph_is_union_of_named_graphs(sparql):
    query = f"SELECT ?s WHERE {{ ?s <{CDO.locatedIn}> ?o }}"  # only in cdg:inferred
    assert values(requests.get(sparql, params={"query": query}), "s") == {
        str(ID["place/shiraz"]), str(ID["place/mashhad"])}


def test_named_graphs_are_addressable(sparql):
    query = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s a <{CDO.Statement}> }} }}"
    assert values(requests.get(sparql, params={"query": query}), "g") == {str(STATEMENT_A), str(STATEMENT_B)}


def test_from_restricts_default_graph(sparql):
    query = f"SELECT ?s FROM <{STATEMENT_B}> WHERE {{ ?s a <{CDO.Statement}> }}"
    assert values(requests.get(sparql, params={"query": query}), "s") == {str(ID["statement/bbbbbbbbbbbbbbbb"])}


def test_from_named_limits_graph_clause(sparql):
    query = f"SELECT ?g FROM NAMED <{STATEMENT_A}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert values(requests.get(sparql, params={"query": query}), "g") == {str(STATEMENT_A)}


def test_default_graph_uri_parameters_repeat_and_override_from(sparql):
    query = f"SELECT ?s FROM <{REFERENCE_GRAPH}> WHERE {{ ?s ?p ?o }}"
    response = requests.get(sparql, params=[("query", query), ("default-graph-uri", str(STATEMENT_B)),
                                            ("default-graph-uri", str(INFERRED_GRAPH))])
    assert values(response, "s") == {str(ID["statement/bbbbbbbbbbbbbbbb"]), str(ID["place/shiraz"]),
                                     str(ID["place/mashhad"])}


def test_named_graph_uri_without_default_graph_uri_leaves_default_empty(sparql):
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g"
    response = requests.post(sparql, data={"query": query, "named-graph-uri": [str(STATEMENT_B)]})
    assert values(response, "g") == {str(STATEMENT_B)}


def test_dataset_parameters_with_direct_post(sparql):
    response = requests.post(sparql + f"?named-graph-uri={STATEMENT_A}",
                             data=b"SELECT ?g WHERE { GRAPH ?g { } }",
                             headers={"Content-Type": "application/sparql-query"})
    assert values(response, "g") == {str(STATEMENT_A)}


# --- result formats, negotiation

@pytest.mark.parametrize("accept, media_type", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("text/html, application/xhtml+xml, */*;q=0.8", "application/sparql-results+json"),
])
def test_select_negotiation(sparql, accept, media_type):
    response = requests.get(sparql, params={"query": CITIES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type


def test_select_formats_parse(sparql):
    as_json = requests.get(sparql, params={"query": CITIES, "format": "json"}).json()
    assert {row["city"]["value"] for row in as_json["results"]["bindings"]} == ALL_CITIES
    as_xml = rdflib.query.Result.parse(io.BytesIO(
        requests.get(sparql, params={"query": CITIES, "format": "xml"}).content), format="xml")
    assert {str(row.city) for row in as_xml} == ALL_CITIES
    as_csv = requests.get(sparql, params={"query": CITIES, "format": "csv"})
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert {row["city"] for row in csv.DictReader(io.StringIO(as_csv.text))} == ALL_CITIES
    as_tsv = requests.get(sparql, params={"query": CITIES, "format": "tsv"}).text.splitlines()
    assert as_tsv[0] == "?city" and {line.strip("<>") for line in as_tsv[1:]} == ALL_CITIES


def test_ask_formats(sparql):
    ask = f"ASK {{ <{ID['place/doha']}> a <{CDO.City}> }}"
    assert requests.get(sparql, params={"query": ask}).json()["boolean"] is True
    xml = requests.get(sparql, params={"query": ask}, headers={"Accept": "application/sparql-results+xml"})
    assert rdflib.query.Result.parse(io.BytesIO(xml.content), format="xml").askAnswer is True


@pytest.mark.parametrize("format_name, media_type, rdflib_format", [
    ("turtle", "text/turtle", "turtle"),
    ("ntriples", "application/n-triples", "nt"),
    ("rdfxml", "application/rdf+xml", "xml"),
    ("jsonld", "application/ld+json", "json-ld"),
    ("trig", "application/trig", "trig"),
    ("nquads", "application/n-quads", "nquads"),
])
def test_construct_formats_parse_to_the_same_graph(sparql, format_name, media_type, rdflib_format):
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{STATEMENT_A}> {{ ?s ?p ?o }} }}"
    reference = rdflib.Graph().parse(data=requests.get(
        sparql, params={"query": query}, headers={"Accept": "application/n-triples"}).text, format="nt")
    for response in (requests.get(sparql, params={"query": query}, headers={"Accept": media_type}),
                     requests.get(sparql, params={"query": query, "format": format_name})):
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == media_type
        parsed = rdflib.Dataset().parse(data=response.content, format=rdflib_format)
        merged = rdflib.Graph()
        for subject, predicate, obj, _ in parsed.quads((None, None, None, None)):
            merged.add((subject, predicate, obj))
        assert isomorphic(merged, reference)
    assert len(reference) == 13


def test_textual_types_carry_charset(sparql):
    response = requests.get(sparql, params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"},
                            headers={"Accept": "text/turtle"})
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"


def test_not_acceptable_names_the_types(sparql):
    response = requests.get(sparql, params={"query": CITIES}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text and "text/csv" in response.text
    graph_request = requests.get(sparql, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"})
    assert graph_request.status_code == 406 and "text/turtle" in graph_request.text


def test_zero_quality_excludes_a_type(sparql):
    response = requests.get(sparql, params={"query": CITIES},
                            headers={"Accept": "application/sparql-results+json;q=0, text/csv;q=0.1"})
    assert response.headers["Content-Type"].startswith("text/csv")


# --- errors

def test_malformed_query_is_400_with_position(sparql):
    response = requests.get(sparql, params={"query": "SELECT ?s WHERE { ?s ?p "})
    assert response.status_code == 400
    assert "1:" in response.text and "malformed query" in response.text


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/x>",
    "CLEAR ALL",
])
def test_update_sent_to_query_endpoint_is_400(sparql, update):
    for response in (requests.get(sparql, params={"query": update}),
                     requests.post(sparql, data={"query": update})):
        assert response.status_code == 400
        assert "/update" in response.text


def test_update_is_forbidden_when_read_only(base, sparql):
    update = "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"
    assert requests.post(base + "update", data={"update": update}).status_code == 403
    assert requests.post(base + "update", data=update.encode(),
                         headers={"Content-Type": "application/sparql-update"}).status_code == 403
    assert requests.post(sparql, data={"update": update}).status_code == 403
    assert requests.get(sparql, params={"update": update}).status_code == 400
    ask = requests.get(sparql, params={"query": "ASK { <http://e/a> ?p ?o }"}).json()
    assert ask["boolean"] is False


def test_graph_store_reads_and_refuses_writes(base):
    read = requests.get(base + "rdf-graph-store", params={"graph": str(INFERRED_GRAPH)},
                        headers={"Accept": "application/n-triples"})
    assert read.status_code == 200
    assert len(rdflib.Graph().parse(data=read.text, format="nt")) == 3
    missing = requests.get(base + "rdf-graph-store", params={"graph": "http://example.org/none"})
    assert missing.status_code == 404
    for method in ("PUT", "POST", "DELETE"):
        response = requests.request(method, base + "rdf-graph-store", params={"graph": str(INFERRED_GRAPH)},
                                    data=b"<http://e/a> <http://e/b> <http://e/c> .",
                                    headers={"Content-Type": "application/n-triples"})
        assert response.status_code == 403


def test_unsupported_method_is_405_with_allow(sparql):
    response = requests.put(sparql, data=b"x")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}


@pytest.mark.parametrize("kwargs", [
    {"data": b"SELECT * WHERE { ?s ?p \xff\xfe }", "headers": {"Content-Type": "application/sparql-query"}},
    {"data": b"query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%00", "headers": {
        "Content-Type": "application/x-www-form-urlencoded"}},
    {"data": b"query=%FF%FE", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    {"data": b"SELECT * WHERE { ?s ?p ?o }", "headers": {"Content-Type": "text/plain"}},
    {"data": b"SELECT * WHERE { ?s ?p ?o }", "headers": {}},
    {"data": b"", "headers": {"Content-Type": "application/sparql-query"}},
    {"data": {"query": ["ASK {}", "ASK {}"]}},
    {"data": {"nothing": "here"}},
])
def test_bad_client_input_is_a_4xx_never_500(sparql, kwargs):
    response = requests.post(sparql, **kwargs)
    assert 400 <= response.status_code < 500, response.text


def test_bad_graph_iri_parameter_is_400(sparql):
    response = requests.get(sparql, params={"query": CITIES, "default-graph-uri": "not an iri"})
    assert response.status_code == 400


def test_service_outside_allowlist_is_refused(sparql):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = requests.get(sparql, params={"query": query})
    assert response.status_code == 400 and "SERVICE_ALLOWLIST" in response.text


# --- service description and VoID

def parsed(response, rdflib_format="turtle"):
    """Parse an RDF response body into an rdflib graph."""
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.content, format=rdflib_format)


def test_service_description(sparql):
    graph = parsed(requests.get(sparql, headers={"Accept": "text/turtle"}))
    service = rdflib.URIRef(sparql)
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    names = set(graph.query("SELECT ?n WHERE { ?s sd:defaultDataset/sd:namedGraph/sd:name ?n }",
                            initNs={"sd": SD}).bindings)
    assert {row["n"] for row in names} >= {rdflib.URIRef(STATEMENT_A), rdflib.URIRef(REFERENCE_GRAPH)}
    triples = graph.value(graph.value(graph.value(service, SD.defaultDataset), SD.defaultGraph), VOID.triples)
    assert int(triples) == 70
    jsonld = parsed(requests.get(sparql, headers={"Accept": "application/ld+json"}), "json-ld")
    assert isomorphic(jsonld, graph)


def test_void_description(base):
    graph = parsed(requests.get(base + ".well-known/void"))
    dataset = graph.value(predicate=RDF.type, object=VOID.Dataset)
    assert int(graph.value(dataset, VOID.triples)) == 70
    assert int(graph.value(dataset, VOID.classes)) == 9
    assert rdflib.URIRef(ID["place/shiraz"]) in set(graph.objects(dataset, VOID.exampleResource))
    assert graph.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(base + "sparql")
    city_partition = graph.value(predicate=VOID["class"], object=rdflib.URIRef(CDO.City))
    assert int(graph.value(city_partition, VOID.entities)) == 3
    links = {str(graph.value(linkset, VOID.objectsTarget)): int(graph.value(linkset, VOID.triples))
             for linkset in graph.subjects(RDF.type, VOID.Linkset)}
    assert links == {"http://www.wikidata.org/entity/": 3, "https://sws.geonames.org/": 2}
    assert requests.get(base + "dumps/citydiplomacy.trig").status_code == 200
    assert requests.get(base + "dumps/..%2Fbuild-info.json").status_code == 404


def test_browser_gets_the_ui(base, sparql):
    for url in (base, sparql):
        response = requests.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
        assert "yasgui.min.js" in response.text
    assert requests.get(base + "static/vendor/yasgui.min.js").status_code == 200


# --- HTTP: CORS, compression, validators, security headers

def test_cors_simple_and_preflight(sparql):
    simple = requests.get(sparql, params={"query": CITIES}, headers={"Origin": "http://example.org"})
    assert simple.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(sparql, headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_gzip_for_large_responses(sparql):
    query = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    raw = requests.get(sparql, params={"query": query}, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(raw.raw.read())
    assert len(json.loads(body)["results"]["bindings"]) == 70
    plain = requests.get(sparql, params={"query": query}, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and len(plain.json()["results"]["bindings"]) == 70
    small = requests.get(sparql, params={"query": "ASK {}"}, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def test_etag_and_last_modified_give_304(sparql):
    first = requests.get(sparql, params={"query": CITIES})
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
    again = requests.get(sparql, params={"query": CITIES}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    since = requests.get(sparql, params={"query": CITIES}, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other = requests.get(sparql, params={"query": CITIES}, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    other_format = requests.get(sparql, params={"query": CITIES, "format": "csv"})
    assert other_format.headers["ETag"] != etag


def test_repeated_query_is_served_identically(sparql):
    responses = [requests.get(sparql, params={"query": CITIES, "format": "xml"}) for _ in range(3)]
    assert len({response.content for response in responses}) == 1
    assert len({response.headers["ETag"] for response in responses}) == 1


def test_security_headers(base):
    response = requests.get(base)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy


# --- operations

def test_healthz(base):
    response = requests.get(base + "healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_metrics_count_requests_by_status(base, sparql):
    requests.get(sparql, params={"query": "SELECT * WHERE { ?s ?p "})
    text = requests.get(base + "metrics").text
    assert 'cdkg_http_requests_total{method="GET",route="/sparql",status="400"}' in text
    assert "cdkg_http_request_duration_seconds_bucket" in text
    assert "cdkg_query_result_bytes_bucket" in text
    assert "cdkg_query_timeouts_total" in text
