"""One node per real agreement across reports: build a small news corpus with the real pipeline, gate and store,
and ask the KG (and the competency questions) by SPARQL."""
import json
from datetime import date
from itertools import permutations
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal

from cdkg.kg import commands
from cdkg.kg.build import build
from cdkg.kg.identity import IdentityRules, StatusHistory, resolve
from cdkg.mappings.record import SourceRecord
from cdkg.ontology import ontology_graph
import cdkg.ontology.namespaces as ns
from cdkg.ontology.namespaces import CDO, ID, PREFIXES, PROV, SH, SHAPES
from cdkg.ontology.queries import load_queries

FIXTURES = Path(__file__).parent / "fixtures" / "identity"
REPORTS = FIXTURES / "reports.jsonl"
QUERIES = {query.name: query.sparql for query in load_queries()}
SPARQL_PREFIXES = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())
SHIRAZ, NOVI_SAD = ID["place/shiraz"], ID["place/novi-sad"]
TABRIZ, KONYA, KAZAN = ID["place/tabriz"], ID["place/konya"], ID["place/kazan"]


@pytest.fixture(scope="module")
def context():
    return commands.load_context(shacl=True)


@pytest.fixture(scope="module")
def store(context, tmp_path_factory):
    out = tmp_path_factory.mktemp("kg")
    report = build([REPORTS], out, context)
    assert report.counts["published"] == 6 and report.violations == 0
    return ox.Store.read_only(str(out / "store"))


def select(store, query):
    """Return the rows of a SELECT on the default graph as tuples of term values (None when unbound)."""
    return [tuple(None if term is None else term.value for term in row)
            for row in store.query(SPARQL_PREFIXES + query)]


def agreements_between(store, first, second):
    """Return (agreement, kind) of the agreements whose parties are these two places or their municipalities."""
    return sorted(select(store, f"""
        SELECT DISTINCT ?agreement ?kind WHERE {{
          ?agreement cdo:party ?a , ?b ; a ?kind . ?kind rdfs:subClassOf cdo:CooperationInstrument .
          FILTER (?kind != cdo:CooperationInstrument)
          FILTER (?a = <{first}> || EXISTS {{ ?a cdo:governs <{first}> }})
          FILTER (?b = <{second}> || EXISTS {{ ?b cdo:governs <{second}> }})
        }}"""))


def history(store, agreement):
    """Return (status date, claimed status, report, source) of an agreement's claims, in date order."""
    return select(store, f"""
        SELECT ?date ?status ?report ?source WHERE {{
          <{agreement}> cdo:statusHistory ?claim .
          ?claim cdo:claimedStatus ?status ; cdo:statusDate ?date ; prov:wasDerivedFrom ?report .
          ?report dcterms:source ?source .
        }} ORDER BY ?date""")


def test_three_reports_of_one_agreement_make_one_node_renewed_with_its_history(store):
    ((agreement, kind),) = agreements_between(store, SHIRAZ, NOVI_SAD)
    assert kind == str(CDO.MemorandumOfUnderstanding)
    reports = select(store, f"SELECT DISTINCT ?s WHERE {{ <{agreement}> cdo:reportedBy ?s }}")
    assert len(reports) == 3
    assert select(store, f"SELECT ?s WHERE {{ <{agreement}> cdo:status ?s }}") == [(str(CDO.Renewed),)]
    steps = history(store, agreement)
    assert [(d, s) for d, s, _, _ in steps] == [
        ("2021-03-01", str(CDO.Planned)), ("2021-09-15", str(CDO.Signed)), ("2024-05-20", str(CDO.Renewed))]
    assert len({report for _, _, report, _ in steps}) == 3 and len({source for *_, source in steps}) == 3
    assert select(store, f"SELECT ?d WHERE {{ <{agreement}> schema:startDate ?d }}") == [("2021-09-15",)]


def test_each_claim_stays_in_its_own_reports_graph(store):
    ((agreement, _),) = agreements_between(store, SHIRAZ, NOVI_SAD)
    rows = select(store, f"""
        SELECT ?graph ?report WHERE {{
          GRAPH ?graph {{ <{agreement}> cdo:statusHistory ?claim . ?claim prov:wasDerivedFrom ?report }}
        }}""")
    assert len(rows) == 3
    assert all(graph.replace("/graph/statement/", "/id/statement/") == report for graph, report in rows)
    current = select(store, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{agreement}> cdo:status ?s }} }}")
    assert current == [(agreement.replace("/id/agreement/", "/graph/agreement/"),)]


def test_a_denial_after_the_signing_ends_the_tie_and_shows_as_a_conflict(store):
    ((agreement, kind),) = agreements_between(store, TABRIZ, KONYA)
    assert kind == str(CDO.SisterCityAgreement)
    assert select(store, f"SELECT ?s ?end WHERE {{ <{agreement}> cdo:status ?s ; schema:endDate ?end }}") == [
        (str(CDO.Denied), "2020-03-01")]
    conflicts = {(row[0], row[2], row[5]) for row in select(store, QUERIES["19-conflicting-reports"])}
    assert conflicts == {(agreement, str(CDO.Signed), str(CDO.Denied))}
    active = {row[0] for row in select(store, QUERIES["17-ties-still-active"])}
    assert agreement not in active


def test_two_agreements_between_the_same_two_cities_stay_two(store):
    found = agreements_between(store, TABRIZ, KAZAN)
    assert sorted(kind for _, kind in found) == sorted([str(CDO.MemorandumOfUnderstanding),
                                                        str(CDO.SisterCityAgreement)])
    tie = next(agreement for agreement, kind in found if kind == str(CDO.SisterCityAgreement))
    assert [row[0] for row in select(store, QUERIES["17-ties-still-active"])] == [tie]


def test_agreements_per_year_and_status_count_agreements_not_reports(store):
    rows = {(int(year), status): int(count) for year, status, _, count in
            select(store, QUERIES["16-agreements-per-year-and-status"])}
    assert rows == {(2020, str(CDO.Signed)): 1, (2020, str(CDO.Denied)): 1, (2021, str(CDO.Planned)): 1,
                    (2021, str(CDO.Signed)): 1, (2022, str(CDO.Signed)): 2, (2024, str(CDO.Renewed)): 1}


def test_what_the_mayor_said_over_time(store):
    rows = select(store, QUERIES["18-what-a-speaker-said-over-time"])
    assert [(row[0], row[4]) for row in rows] == [("2021-03-01", str(CDO.Planned)), ("2024-05-20", str(CDO.Renewed))]


# ---- the status rule on its own

RULES = IdentityRules(ontology_graph())
NODE = ID["agreement/0000000000000000"]


def claim(n, day, status, text_date=None):
    return ID[f"statement/{n:016x}/agreement-1"], (Literal(day) if day else None, status, text_date)


def current(claims):
    return StatusHistory(RULES).current(NODE, dict(claims))


def test_the_rule_does_not_depend_on_reading_order():
    claims = [claim(1, date(2020, 1, 1), CDO.Planned), claim(2, date(2021, 1, 1), CDO.Signed),
              claim(3, date(2021, 6, 1), CDO.Cancelled), claim(4, date(2021, 6, 1), CDO.Signed)]
    results = {tuple(current(order)) for order in permutations(claims)}
    assert results == {((NODE, CDO.status, CDO.Cancelled), (NODE, ns.SDO.startDate, Literal(date(2021, 1, 1))),
                        (NODE, ns.SDO.endDate, Literal(date(2021, 6, 1))))}


def test_a_later_plan_does_not_undo_a_signing_but_a_later_signing_revives_a_cancelled_one():
    assert current([claim(1, date(2021, 1, 1), CDO.Signed), claim(2, date(2022, 1, 1), CDO.Proposed)])[0] == (
        NODE, CDO.status, CDO.Signed)
    revived = current([claim(1, date(2020, 1, 1), CDO.Signed), claim(2, date(2021, 1, 1), CDO.Cancelled),
                       claim(3, date(2022, 1, 1), CDO.Signed)])
    assert (NODE, CDO.status, CDO.Signed) in revived and not any(p == ns.SDO.endDate for _, p, _ in revived)


def test_an_undated_claim_never_overrides_a_dated_one():
    assert current([claim(1, date(2021, 1, 1), CDO.Signed), claim(2, None, CDO.Cancelled)])[0] == (
        NODE, CDO.status, CDO.Signed)


# ---- the gate checks the claims

def test_the_gate_rejects_a_claim_without_its_report(context):
    result = context.pipeline.extract(SourceRecord(
        "تفاهم‌نامه همکاری میان شهرداری شیراز و شهرداری نووی ساد امضا شد.", 1, "x", date=date(2021, 1, 1)))
    triples = resolve(result.triples, RULES)
    (ok,) = context.gate.check([(result.graph, triples)])
    assert ok.conforms
    broken = [t for t in triples if t[1] != PROV.wasDerivedFrom]
    (verdict,) = context.gate.check([(result.graph, broken)])
    assert not verdict.conforms
    assert SHAPES["StatusClaim-report"] in set(verdict.report_graph.objects(None, SH.sourceShape))


# ---- persons: the same normalised name in the same post is one node across reports

PERSON_REPORTS = [  # the name spelt with Arabic yeh and a ZWNJ in the second report
    "علیرضا زاکانی، شهردار تهران، با سفیر ترکیه دیدار کرد.",
    "علي‌رضا زاکانی، شهردار تهران، از توسعه همکاری با استانبول خبر داد.",
    "علیرضا زاکانی، رئیس شورای شهر تهران، با سفیر ترکیه دیدار کرد.",
    "شهردار تهران با سفیر روسیه دیدار کرد.",
]


@pytest.fixture(scope="module")
def person_store(context, tmp_path_factory):
    out = tmp_path_factory.mktemp("persons")
    source = out / "persons.jsonl"
    source.write_text("".join(json.dumps({"id": f"p{n}", "text": text}, ensure_ascii=False) + "\n"
                              for n, text in enumerate(PERSON_REPORTS)), encoding="utf-8")
    assert build([source], out / "kg", context).counts["published"] == len(PERSON_REPORTS)
    return ox.Store.read_only(str(out / "kg" / "store"))


def holders(store, post):
    """Return (person, statements mentioning them) of the persons holding a post."""
    return select(store, f"""
        SELECT ?person (COUNT(DISTINCT ?statement) AS ?reports) WHERE {{
          <{post}> org:heldBy ?person . ?statement cdo:mentions ?person
        }} GROUP BY ?person""")


def test_a_person_named_in_two_reports_in_the_same_post_is_one_node(person_store):
    ((person, reports),) = holders(person_store, ID["post/mayor/tehran-municipality"])
    assert reports == "2"
    assert (str(ns.FOAF.Person),) in select(person_store, f"SELECT ?t WHERE {{ <{person}> a ?t }}")


def test_the_same_name_in_another_post_or_a_post_without_a_name_stays_apart(person_store):
    ((mayor, _),) = holders(person_store, ID["post/mayor/tehran-municipality"])
    ((chair, reports),) = holders(person_store, ID["post/council-chair/tehran-city-council"])
    assert chair != mayor and reports == "1"
    unnamed = select(person_store, """
        SELECT ?statement WHERE { ?statement cdo:originalText ?text FILTER(CONTAINS(?text, "روسیه"))
                                  FILTER NOT EXISTS { ?statement cdo:mentions ?person . ?person a foaf:Person } }""")
    assert len(unnamed) == 1
