"""The oxigraph and rdflib backends, each behind a real server, give the same solutions to the same requests."""
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from tests.endpoint_support import build_kg_dir, normalise_bnodes, running_server
from cdkg.ontology.namespaces import CDO, GRAPH, INFERRED_GRAPH, REFERENCE_GRAPH, ID, OWL, RDFS, SKOS

# Full IRIs for entities: rdflib's parser does not read the `\/` escape in prefixed names (cdr:place\/shiraz).
P = f"PREFIX cdo: <{CDO}> PREFIX rdfs: <{RDFS}> PREFIX skos: <{SKOS}> PREFIX owl: <{OWL}> "
STATEMENT_A = GRAPH["statement/aaaaaaaaaaaaaaaa"]

SELECTS = {
    "bgp": P + "SELECT ?city ?label WHERE { ?city a cdo:City ; rdfs:label ?label }",
    "optional": P + "SELECT ?place ?country WHERE { ?place rdfs:label ?l OPTIONAL { ?place cdo:country ?country } }",
    "lang filter": P + 'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(langMatches(lang(?l), "fa")) }',
    "aggregate": P + "SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type",
    "having": P + "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(?o) > 5)",
    "path": P + "SELECT ?party ?place WHERE { ?party cdo:governs/cdo:locatedIn* ?place }",
    "inverse path": P + f"SELECT ?x WHERE {{ <{ID['place/shiraz']}> ^cdo:mentions ?x }}",
    "union": P + "SELECT ?x WHERE { { ?x owl:sameAs ?w } UNION { ?x skos:exactMatch ?g } }",
    "minus": P + "SELECT ?city WHERE { ?city a cdo:City MINUS { ?city cdo:locatedIn ?c } }",
    "graph var": P + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "from": P + f"SELECT ?s ?p ?o FROM <{INFERRED_GRAPH}> WHERE {{ ?s ?p ?o }}",
    "from named": P + f"SELECT ?g ?s FROM NAMED <{STATEMENT_A}> WHERE {{ GRAPH ?g {{ ?s a cdo:Statement }} }}",
    "from and from named": P + f"SELECT ?g ?s FROM <{REFERENCE_GRAPH}> FROM NAMED <{STATEMENT_A}> "
                               "WHERE { { ?s a cdo:Municipality } UNION { GRAPH ?g { ?s a cdo:Statement } } }",
    "values bind": P + f"SELECT ?city ?upper WHERE {{ VALUES ?city {{ <{ID['place/shiraz']}> <{ID['place/doha']}> }} "
                       '?city rdfs:label ?l FILTER(lang(?l) = "en") BIND(UCASE(?l) AS ?upper) }',
    "text filter": P + 'SELECT ?st WHERE { ?st cdo:originalText ?t FILTER(CONTAINS(?t, "شیراز")) }',
    "regex": P + 'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(REGEX(STR(?l), "^sh", "i")) }',
    "blank nodes": "SELECT ?s ?a ?t WHERE { ?s <http://www.w3.org/ns/prov#wasGeneratedBy> ?a . "
                   "?a <http://www.w3.org/ns/prov#startedAtTime> ?t }",
    "order limit": P + "SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?l LIMIT 5",
    "subquery": P + "SELECT ?s ?n WHERE { { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s } "
                    "FILTER(?n >= 4) }",
    "numbers": P + "SELECT ?st ?line WHERE { ?st cdo:sourceLine ?line FILTER(?line > 1) }",
    "distinct": P + "SELECT DISTINCT ?p WHERE { ?s ?p ?o }",
}
ASKS = {
    "ask true": P + f"ASK {{ <{ID['place/shiraz']}> a cdo:City }}",
    "ask false": P + f"ASK {{ <{ID['place/shiraz']}> a cdo:Municipality }}",
}
CONSTRUCTS = {
    "construct": P + "CONSTRUCT { ?a cdo:party ?b } WHERE { ?a cdo:party ?b }",
    "construct bnodes": "CONSTRUCT WHERE { ?s <http://www.w3.org/ns/prov#wasGeneratedBy> ?a . ?a ?p ?o }",
    "describe": f"DESCRIBE <{ID['place/doha']}>",
}
DATASETS = {
    "default-graph-uri": [("default-graph-uri", str(INFERRED_GRAPH)), ("default-graph-uri", str(STATEMENT_A))],
    "named-graph-uri": [("named-graph-uri", str(STATEMENT_A))],
    "both": [("default-graph-uri", str(REFERENCE_GRAPH)), ("named-graph-uri", str(INFERRED_GRAPH))],
}
DATASET_QUERY = "SELECT ?g ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory):
    """Run an oxigraph server and an rdflib server over the same fixture KG (default graph = merged union)."""
    kg_dir = build_kg_dir(tmp_path_factory.mktemp("kg"), merged_default=True)
    with running_server(kg_dir) as oxigraph, running_server(kg_dir, "--store", "rdflib") as reference:
        yield oxigraph + "sparql", reference + "sparql"


def solutions(url, query, params=()):
    """Return the bnode-normalised multiset of solutions of a SELECT."""
    response = requests.get(url, params=[("query", query), *params])
    assert response.status_code == 200, response.text
    return normalise_bnodes(response.json()["results"]["bindings"])


@pytest.mark.parametrize("name", sorted(SELECTS))
def test_select_solutions_agree(endpoints, name):
    oxigraph, reference = endpoints
    expected = solutions(reference, SELECTS[name])
    assert expected, "each query has solutions on the fixture"
    assert solutions(oxigraph, SELECTS[name]) == expected


@pytest.mark.parametrize("name", sorted(ASKS))
def test_ask_agrees(endpoints, name):
    answers = [requests.get(url, params={"query": ASKS[name]}).json()["boolean"] for url in endpoints]
    assert answers[0] == answers[1] == (name == "ask true")


@pytest.mark.parametrize("name", sorted(CONSTRUCTS))
def test_graphs_agree(endpoints, name):
    graphs = [rdflib.Graph().parse(data=requests.get(url, params={"query": CONSTRUCTS[name]},
                                                     headers={"Accept": "application/n-triples"}).text, format="nt")
              for url in endpoints]
    assert len(graphs[0]) > 0 and isomorphic(graphs[0], graphs[1])


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_protocol_datasets_agree(endpoints, name):
    oxigraph, reference = endpoints
    expected = solutions(reference, DATASET_QUERY, DATASETS[name])
    assert expected
    assert solutions(oxigraph, DATASET_QUERY, DATASETS[name]) == expected
