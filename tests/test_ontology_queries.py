"""The competency questions: headed files that parse, run on both query engines, and answer on a KG slice."""
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from cdkg.ontology import ontology_graph
from cdkg.ontology.namespaces import CDC, CDO, ID, RDF, RDFS
from cdkg.ontology.queries import QueryFileError, load_queries, parse_query_file

QUERIES = {query.name: query for query in load_queries()}
MINI_KG = Path(__file__).parent / "fixtures" / "ontology" / "mini-kg.ttl"


def test_at_least_twelve_questions_each_in_english_and_persian():
    assert len(QUERIES) >= 12
    for query in QUERIES.values():
        assert query.title and query.question_en.endswith("?")
        assert any("\u0600" <= char <= "\u06ff" for char in query.question_fa)
        assert not query.sparql.startswith("# title")


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_parses_and_runs_on_the_ontology(name):
    sparql = QUERIES[name].sparql
    prepareQuery(sparql)
    list(ontology_graph().query(sparql))
    store = pyoxigraph.Store()
    store.bulk_load(ontology_graph().serialize(format="nt", encoding="utf-8"), pyoxigraph.RdfFormat.N_TRIPLES)
    list(store.query(sparql))


def test_header_errors_name_the_file_and_line(tmp_path):
    broken = tmp_path / "broken.rq"
    broken.write_text("# title: T\n# question-fa: ؟\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match=r"broken\.rq:2: expected '# question-en: \.\.\.'"):
        parse_query_file(broken)


@pytest.fixture(scope="module")
def kg():
    """Return the ontology plus the KG slice, with superclass types materialised as the published KG has them."""
    graph = Graph()
    graph += ontology_graph()
    graph.parse(MINI_KG)
    for resource, kind in list(graph.subject_objects(RDF.type)):
        for superclass in graph.transitive_objects(kind, RDFS.subClassOf):
            if isinstance(superclass, URIRef):
                graph.add((resource, RDF.type, superclass))
    return graph


def run(graph, name):
    return list(graph.query(QUERIES[name].sparql))


def test_municipal_agreements_with_foreign_cities(kg):
    rows = run(kg, "01-municipal-agreements-with-foreign-cities")
    assert [(row.municipalityLabel, row.partnerLabel) for row in rows] == [
        (Literal("Shiraz Municipality", lang="en"), Literal("Novi Sad", lang="en"))]
    assert set(str(rows[0].domains).split(", ")) == {"culture", "investment", "tourism"}


def test_officials_on_city_diplomacy_follow_narrower_concepts(kg):
    rows = run(kg, "02-officials-on-city-diplomacy")
    assert {(row.post, row.topic) for row in rows} == {
        (ID["post/mayor/shiraz-municipality"], CDC["comprehensive-city-diplomacy"])}


def test_narrower_than_second_track_reaches_every_depth(kg):
    concepts = {row.concept for row in run(kg, "03-narrower-than-second-track")}
    assert {CDC["city-diplomacy"], CDC["comprehensive-city-diplomacy"], CDC["sister-city-relations"]} <= concepts
    assert CDC["official-diplomacy"] not in concepts


def test_agreements_of_shiraz_municipality(kg):
    rows = run(kg, "04-shiraz-municipality-agreements")
    assert {(str(row.kind), row.partner, row.status) for row in rows} == {
        ("cooperation agreement", ID["place/novi-sad"], CDO.Signed)}


def test_statement_without_facts(kg):
    rows = run(kg, "08-statements-without-diplomatic-facts")
    assert [row.statement for row in rows] == [ID["statement/cccc"]]


def test_agreements_per_domain_counts(kg):
    counts = {row.domain: int(row.instruments) for row in run(kg, "10-agreements-per-domain")}
    assert counts[CDC["domain-culture"]] == 1 and counts[CDC["domain-sport"]] == 0


def test_statements_mentioning_shiraz_through_its_municipality(kg):
    rows = run(kg, "12-statements-mentioning-a-city")
    assert {row.statement for row in rows} == {ID["statement/aaaa"], ID["statement/bbbb"]}
