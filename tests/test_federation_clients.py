"""Independent SPARQL clients against our endpoint: SPARQLWrapper, rdflib's SPARQLStore, Jena ARQ and Comunica.

Two real `cdkg serve` processes run on loopback: the KG fixture, and a second instance serving a different
graph (a Wikidata-shaped fixture). Expected answers come from rdflib evaluating the same query over the fixture
files, an engine independent of the one behind the endpoint.
"""
import csv
import io

import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, URLENCODED, XML
from SPARQLWrapper import SPARQLWrapper

from cdkg.ontology.namespaces import CDO, ID, OWL, SKOS, WDT
from tests.federation import comunica
from tests.federation.data import KG_FIXTURE, WIKIDATA_FIXTURE, expected_rows, fixture_dataset, json_rows
from tests.federation.endpoint import Endpoint, make_kg_dir
from tests.federation.jena import Arq

PREFIXES = f"""PREFIX cdo: <{CDO}>
PREFIX skos: <{SKOS}>
PREFIX owl: <{OWL}>
PREFIX wdt: <{WDT}>
"""
CITY_LABELS = PREFIXES + "SELECT ?city ?label WHERE { ?city a cdo:City ; skos:prefLabel ?label }"
SHIRAZ = ID["place/shiraz"]
CONSTRUCT_CITIES = PREFIXES + "CONSTRUCT { ?city skos:prefLabel ?label } WHERE { ?city a cdo:City ; skos:prefLabel ?label }"
DESCRIBE_SHIRAZ = f"DESCRIBE <{SHIRAZ}>"
ASK_SHIRAZ = PREFIXES + f"ASK {{ <{SHIRAZ}> a cdo:City }}"
ASK_NOTHING = PREFIXES + f"ASK {{ <{SHIRAZ}> a cdo:Country }}"
# The partners of Shiraz (directly, or through the municipality that governs it) joined with their
# countries' population and coordinates on the Wikidata side.
PARTNER_COUNTRIES_LOCAL = f"""
  ?fact cdo:party ?shirazSide, ?partner .
  {{ ?shirazSide cdo:governs <{SHIRAZ}> }} UNION {{ VALUES ?shirazSide {{ <{SHIRAZ}> }} }}
  ?partner a cdo:City ; cdo:country ?country .
  FILTER(?partner != <{SHIRAZ}>)
  ?country owl:sameAs ?item .
"""
PARTNER_COUNTRIES_REMOTE = "?item wdt:P1082 ?population ; wdt:P625 ?coordinates ."


def partner_query(remote_pattern):
    """Return the partner-countries query with the Wikidata-side pattern as given (plain or in SERVICE)."""
    return (PREFIXES + "SELECT ?partner ?item ?population ?coordinates WHERE {" + PARTNER_COUNTRIES_LOCAL
            + remote_pattern + "}")


@pytest.fixture(scope="module")
def kg_endpoint(tmp_path_factory):
    """Serve the KG fixture with `cdkg serve`."""
    work = tmp_path_factory.mktemp("kg-endpoint")
    endpoint = Endpoint(make_kg_dir(work / "kg", [KG_FIXTURE]), work / "server.log")
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def wikidata_endpoint(tmp_path_factory):
    """Serve the Wikidata-shaped fixture with a second instance of our endpoint."""
    work = tmp_path_factory.mktemp("wikidata-endpoint")
    kg_dir = make_kg_dir(work / "kg", [WIKIDATA_FIXTURE], graph_iri=WIKIDATA_FIXTURE.resolve().as_uri())
    endpoint = Endpoint(kg_dir, work / "server.log")
    yield endpoint
    endpoint.stop()


def wrapper(endpoint, query, return_format, method="GET", request_method=URLENCODED):
    """Return a SPARQLWrapper set up for a query."""
    client = SPARQLWrapper(endpoint.sparql_url)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    return client


REQUEST_SHAPES = [("GET", URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


@pytest.mark.parametrize("method,request_method", REQUEST_SHAPES)
def test_sparqlwrapper_select_json(kg_endpoint, method, request_method):
    """SELECT as JSON, sent as GET, form POST and direct POST, gives rdflib's solutions."""
    result = wrapper(kg_endpoint, CITY_LABELS, JSON, method, request_method).queryAndConvert()
    assert json_rows(result["results"]["bindings"], ["city", "label"]) == expected_rows(CITY_LABELS, KG_FIXTURE)


def test_sparqlwrapper_select_xml(kg_endpoint):
    """SELECT as SPARQL XML parses into rdflib's solutions."""
    document = wrapper(kg_endpoint, CITY_LABELS, XML).query().response.read()
    result = rdflib.query.Result.parse(io.BytesIO(document), format="xml")
    assert sorted(tuple(row) for row in result) == expected_rows(CITY_LABELS, KG_FIXTURE)


@pytest.mark.parametrize("return_format,delimiter", [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_select_csv_tsv(kg_endpoint, return_format, delimiter):
    """SELECT as CSV and TSV carries the same values (CSV as plain strings, TSV in N-Triples syntax)."""
    text = wrapper(kg_endpoint, CITY_LABELS, return_format).queryAndConvert().decode("utf-8")
    # TSV cells are Turtle terms whose quotes belong to the value, so only CSV has quoting.
    quoting = csv.QUOTE_MINIMAL if return_format == CSV else csv.QUOTE_NONE
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting))
    assert rows[0] == (["city", "label"] if return_format == CSV else ["?city", "?label"])
    expected = expected_rows(CITY_LABELS, KG_FIXTURE)
    if return_format == CSV:
        assert sorted(tuple(row) for row in rows[1:]) == sorted((str(c), str(l)) for c, l in expected)
    else:
        assert sorted(tuple(row) for row in rows[1:]) == sorted((c.n3(), l.n3()) for c, l in expected)


@pytest.mark.parametrize("return_format", [JSON, XML])
@pytest.mark.parametrize("query,answer", [(ASK_SHIRAZ, True), (ASK_NOTHING, False)])
def test_sparqlwrapper_ask(kg_endpoint, return_format, query, answer):
    """ASK answers true and false in JSON and XML."""
    result = wrapper(kg_endpoint, query, return_format).query()
    document = result.response.read()
    parsed = rdflib.query.Result.parse(io.BytesIO(document), format="json" if return_format == JSON else "xml")
    assert parsed.askAnswer is answer


def expected_graph(query):
    """Return the graph rdflib constructs for the query over the KG fixture."""
    return fixture_dataset(KG_FIXTURE).query(query).graph


def graph_from(body, rdflib_format):
    """Parse a response body into an rdflib Graph."""
    return rdflib.Graph().parse(data=body, format=rdflib_format)


GRAPH_FORMATS = [(TURTLE, None, "turtle"), (RDFXML, None, "xml"), (N3, "application/n-triples", "nt"),
                 (JSONLD, None, "json-ld")]
GRAPH_MEDIA_TYPES = {"turtle": "text/turtle", "xml": "application/rdf+xml", "nt": "application/n-triples",
                     "json-ld": "application/ld+json"}


def graph_wrapper(endpoint, query, return_format, accept):
    """Return a SPARQLWrapper for a graph query; with `accept`, it negotiates by that Accept header alone."""
    client = wrapper(endpoint, query, return_format)
    if accept:
        # SPARQLWrapper has no N-Triples format: ask by Accept only, without its format=n3 parameters.
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
    return client


@pytest.mark.parametrize("return_format,accept,rdflib_format", GRAPH_FORMATS)
def test_sparqlwrapper_construct(kg_endpoint, return_format, accept, rdflib_format):
    """CONSTRUCT in Turtle, RDF/XML, N-Triples and JSON-LD gives the graph rdflib constructs."""
    response = graph_wrapper(kg_endpoint, CONSTRUCT_CITIES, return_format, accept).query().response
    assert response.headers["Content-Type"].split(";")[0] == GRAPH_MEDIA_TYPES[rdflib_format]
    assert isomorphic(graph_from(response.read(), rdflib_format), expected_graph(CONSTRUCT_CITIES))


@pytest.mark.parametrize("return_format,accept,rdflib_format", GRAPH_FORMATS)
def test_sparqlwrapper_describe(kg_endpoint, return_format, accept, rdflib_format):
    """DESCRIBE returns at least every statement about the resource, and nothing about other IRIs."""
    client = graph_wrapper(kg_endpoint, DESCRIBE_SHIRAZ, return_format, accept)
    described = graph_from(client.query().response.read(), rdflib_format)
    about = set(fixture_dataset(KG_FIXTURE).triples((SHIRAZ, None, None)))
    assert about and about <= set(described)
    assert {subject for subject in described.subjects() if isinstance(subject, rdflib.URIRef)} == {SHIRAZ}


@pytest.mark.parametrize("return_format", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_sparqlstore_select(kg_endpoint, return_format, method):
    """rdflib's SPARQLStore reads SELECT results in each format it asks for, by each request method."""
    store = SPARQLStore(kg_endpoint.sparql_url, returnFormat=return_format, method=method)
    rows = sorted(tuple(row) for row in store.query(CITY_LABELS))
    expected = expected_rows(CITY_LABELS, KG_FIXTURE)
    if return_format == "csv":  # CSV carries no types: compare lexical forms
        rows, expected = [tuple(map(str, row)) for row in rows], [tuple(map(str, row)) for row in expected]
    assert rows == expected


def test_sparqlstore_graph_api(kg_endpoint):
    """rdflib's graph API over SPARQLStore: pattern lookups, the COUNT probe of len(), contexts, ASK, CONSTRUCT."""
    fixture = fixture_dataset(KG_FIXTURE)
    graph = rdflib.Graph(store=SPARQLStore(kg_endpoint.sparql_url))
    assert set(graph.triples((SHIRAZ, None, None))) == set(fixture.triples((SHIRAZ, None, None)))
    assert len(graph) == len(set(fixture.triples((None, None, None))))
    contexts = {str(context.identifier) if hasattr(context, "identifier") else str(context)
                for context in graph.store.contexts()}
    assert contexts == {str(context.identifier) for context in fixture.graphs()
                        if context.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID}
    assert graph.query(ASK_SHIRAZ).askAnswer is True
    assert isomorphic(graph.query(CONSTRUCT_CITIES).graph, expected_graph(CONSTRUCT_CITIES))


@pytest.fixture(scope="module")
def arq(tmp_path_factory):
    """Prepare Jena ARQ's classpath."""
    return Arq(tmp_path_factory.mktemp("jena"))


def test_jena_service_joins_our_endpoint_with_local_data(kg_endpoint, arq, tmp_path):
    """Jena ARQ evaluates SERVICE <our endpoint> and joins it with data it holds locally."""
    query = partner_query_for_jena(kg_endpoint.sparql_url)
    query_file = tmp_path / "partners.rq"
    query_file.write_text(query, encoding="utf-8")
    variables = ["partner", "item", "population", "coordinates"]
    rows = json_rows(arq.select(query_file, [WIKIDATA_FIXTURE]), variables)
    expected = expected_rows(partner_query(PARTNER_COUNTRIES_REMOTE), KG_FIXTURE, WIKIDATA_FIXTURE)
    assert rows == expected and len(rows) == 2


def partner_query_for_jena(kg_url):
    """Return the partner query with the KG side behind SERVICE and the Wikidata side local to Jena."""
    return (PREFIXES + "SELECT ?partner ?item ?population ?coordinates WHERE {"
            f"SERVICE <{kg_url}> {{ {PARTNER_COUNTRIES_LOCAL} }}" + PARTNER_COUNTRIES_REMOTE + "}")


def test_jena_service_to_two_instances_of_our_endpoint(kg_endpoint, wikidata_endpoint, arq, tmp_path):
    """Jena federates two instances of our endpoint, each serving a different graph."""
    query = (PREFIXES + "SELECT ?partner ?item ?population ?coordinates WHERE {"
             f"SERVICE <{kg_endpoint.sparql_url}> {{ {PARTNER_COUNTRIES_LOCAL} }}"
             f"SERVICE <{wikidata_endpoint.sparql_url}> {{ {PARTNER_COUNTRIES_REMOTE} }} }}")
    query_file = tmp_path / "two-services.rq"
    query_file.write_text(query, encoding="utf-8")
    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    rows = json_rows(arq.select(query_file, [empty]), ["partner", "item", "population", "coordinates"])
    assert rows == expected_rows(partner_query(PARTNER_COUNTRIES_REMOTE), KG_FIXTURE, WIKIDATA_FIXTURE)


@pytest.fixture(scope="module")
def comunica_installed():
    """Install the locked Comunica release (npm ci) when it is not there yet."""
    comunica.install()


def test_comunica_queries_our_endpoint(kg_endpoint, comunica_installed):
    """Comunica uses our endpoint as a SPARQL source (its COUNT probes and POSTs included)."""
    rows = comunica.select([comunica.sparql_source(kg_endpoint.sparql_url)], CITY_LABELS)
    assert json_rows(rows, ["city", "label"]) == expected_rows(CITY_LABELS, KG_FIXTURE)


def test_comunica_federates_our_endpoint_with_a_second_source(kg_endpoint, wikidata_endpoint, comunica_installed):
    """Comunica joins our KG with a second source (another instance of our endpoint) in one query."""
    query = partner_query(PARTNER_COUNTRIES_REMOTE)
    sources = [comunica.sparql_source(kg_endpoint.sparql_url), comunica.sparql_source(wikidata_endpoint.sparql_url)]
    rows = json_rows(comunica.select(sources, query), ["partner", "item", "population", "coordinates"])
    expected = expected_rows(query, KG_FIXTURE, WIKIDATA_FIXTURE)
    assert rows == expected and len(rows) == 2
