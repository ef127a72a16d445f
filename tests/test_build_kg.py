"""Build small fixture corpora with the real pipeline, gate and Oxigraph store, and check the KG by SPARQL."""
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from itertools import chain

from rdflib import Graph, Literal

from cdkg.kg import commands
from cdkg.kg.build import (DEFAULT_SOURCES, REPO_ROOT, TRIG_FILE, TURTLE_FILE, BuildContext, activity_description,
                           build)
from cdkg.kg.cli import main
from cdkg.kg.gazetteer import reference_files
from cdkg.kg.readers import source_files
from cdkg.endpoint.backends import OxigraphBackend
from cdkg.kg.store import build_lock
from cdkg.ontology.namespaces import CDO, PREFIXES, RDF, SH, SHAPES
from cdkg.shapes import shapes_graph
from cdkg.shapes.gate import Gate
from cdkg.shapes.terms import read_triples

FIXTURES = Path(__file__).parent / "fixtures" / "build"
BAD_INPUT = FIXTURES / "bad-input.txt"
NEWS = FIXTURES / "news.jsonl"
# Line -> reason of every line of bad-input.txt and news.jsonl that must be quarantined.
EXPECTED_QUARANTINE = {
    ("bad-input.txt", 2): "blank", ("bad-input.txt", 4): "not-persian", ("bad-input.txt", 5): "control-characters",
    ("bad-input.txt", 6): "invalid-utf8", ("bad-input.txt", 7): "too-long", ("bad-input.txt", 8): "html-markup",
    ("bad-input.txt", 10): "blank", ("news.jsonl", 4): "invalid-json", ("news.jsonl", 5): "missing-text",
    ("news.jsonl", 6): "invalid-date",
}
SPARQL_PREFIXES = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())


@pytest.fixture(scope="module")
def context():
    """The real mapping pipeline, ontology, gazetteer and SHACL gate, loaded once for the module."""
    return commands.load_context(shacl=True)


@pytest.fixture(scope="module")
def built(context, tmp_path_factory):
    """Build the two fixture corpora; return the output directory and the build report."""
    out = tmp_path_factory.mktemp("kg")
    report = build([BAD_INPUT, NEWS], out, context)
    return out, report


@pytest.fixture(scope="module")
def store(built):
    return ox.Store.read_only(str(built[0] / "store"))


def select(store, query):
    """Return the rows of a SPARQL SELECT on the store's default graph (the merge) as tuples of term values."""
    rows = store.query(SPARQL_PREFIXES + query)
    return [tuple(None if term is None else term.value for term in row) for row in rows]


def test_counts_add_up_and_every_rejection_names_its_line_and_reason(built):
    out, report = built
    counts = report.counts
    assert counts["read"] == 19
    assert counts["read"] == counts["published"] + counts["quarantined"] + counts["duplicates"]
    rejected = [json.loads(line) for line in (out / "quarantine" / "rejected.jsonl").read_text().splitlines()]
    found = {(Path(r["file"]).name, r["line"]): r["reason"] for r in rejected}
    assert {key: reason for key, reason in found.items() if key in EXPECTED_QUARANTINE} == EXPECTED_QUARANTINE
    assert counts["quarantined"] == len(rejected)
    assert all(r["message"] and "text" in r for r in rejected)
    assert report.quarantined_by_reason["blank"] == 2


def test_the_summary_and_build_info_report_the_same_counts(built):
    out, report = built
    info = json.loads((out / "build-info.json").read_text())
    assert info["counts"] == dict(sorted(report.counts.items()))
    assert info["kg_hash"] and info["input_hash"] and info["software_version"]
    assert f"statements read:   {report.counts['read']}" in report.summary()


def test_statement_without_entity_is_published_with_a_warning(built, store):
    out, _ = built
    warned = [json.loads(line) for line in (out / "quarantine" / "warnings.jsonl").read_text().splitlines()]
    assert any(w["line"] == 12 and Path(w["file"]).name == "bad-input.txt" for w in warned)
    rows = select(store, """SELECT ?s WHERE { ?s a cdo:Statement ; cdo:originalText ?t .
                            FILTER(CONTAINS(?t, "هوا آفتابی")) }""")
    assert len(rows) == 1


def test_solar_hijri_dates_become_xsd_dates(store):
    rows = select(store, """SELECT ?d WHERE { ?s a cdo:Statement ; dcterms:date ?d .
                            FILTER(DATATYPE(?d) = xsd:date) }""")
    dates = {value for (value,) in rows}
    assert {"2023-08-01", "2023-03-20", "2023-10-01", "2023-08-23"} <= dates


def test_a_repeated_statement_is_merged_with_its_provenance(built, store):
    _, report = built
    assert report.counts["duplicates"] == 2  # bad-input.txt line 11, news.jsonl line 7
    rows = select(store, """SELECT ?s (COUNT(DISTINCT ?line) AS ?n) WHERE {
                                ?s a cdo:Statement ; cdo:sourceLine ?line } GROUP BY ?s HAVING (COUNT(DISTINCT ?line) > 1)""")
    assert len(rows) == 2
    texts = select(store, """SELECT ?s (COUNT(?t) AS ?n) WHERE { ?s a cdo:Statement ; cdo:originalText ?t } GROUP BY ?s
                             HAVING (COUNT(?t) > 1)""")
    assert texts == []


def test_each_statement_has_its_own_named_graph_and_the_fixed_graphs_exist(built, store):
    _, report = built
    graphs = {graph.value for graph in store.named_graphs()}
    fixed = ("ontology", "reference", "inferred", "labels")
    for name in fixed:
        assert str(PREFIXES["cdg"][name]) in graphs
    statements = select(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a cdo:Statement } }")
    assert len(statements) == report.counts["published"]
    assert all(g.startswith(str(PREFIXES["cdg"]["statement/"])) for (g,) in statements)
    current = {g for g in graphs if g.startswith(str(PREFIXES["cdg"]["agreement/"]))}  # shared agreements' status
    assert current and len(graphs) == report.counts["graphs"] == report.counts["published"] + len(fixed) + len(current)


def test_the_default_graph_is_the_merge_of_the_named_graphs(store):
    merged = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    named = {(q.subject, q.predicate, q.object) for q in store if q.graph_name != ox.DefaultGraph()}
    assert merged == named and merged
    (count,) = select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(count[0]) == len(merged)  # each triple once


def test_a_triple_of_two_statement_graphs_matches_once_through_the_endpoint(built, store):
    statement_graph = str(PREFIXES["cdg"]["statement/"])
    shared = next(iter(store.query(f"""SELECT ?s ?p ?o WHERE {{
        GRAPH ?g1 {{ ?s ?p ?o }} GRAPH ?g2 {{ ?s ?p ?o }}
        FILTER(?g1 != ?g2 && STRSTARTS(STR(?g1), "{statement_graph}") && STRSTARTS(STR(?g2), "{statement_graph}"))
    }} LIMIT 1""")))
    s, p, o = (str(term) for term in shared)
    backend = OxigraphBackend(built[0] / "store")
    rows = list(backend.query(f"SELECT * WHERE {{ {s} {p} {o} }}").native)
    assert len(rows) == 1


def test_a_query_for_all_instruments_finds_memoranda_through_the_inferred_graph(store):
    rows = select(store, """SELECT ?x WHERE { GRAPH ?g { ?x a cdo:MemorandumOfUnderstanding }
                                              GRAPH cdg:inferred { ?x a cdo:CooperationInstrument } }""")
    assert rows
    asserted = select(store, """SELECT ?x WHERE { GRAPH ?g { ?x a cdo:CooperationInstrument }
                                                  FILTER(?g != cdg:inferred) }""")
    assert not {x for (x,) in rows} & {x for (x,) in asserted}  # inferred triples are not asserted elsewhere


def test_the_inferred_graph_repeats_no_triple_another_graph_asserts(store):
    entailed_and_asserted = """ASK { GRAPH cdg:ontology { ?class rdfs:subClassOf ?super }
                                     GRAPH ?g { ?x a ?class, ?super } FILTER(?g != cdg:inferred) }"""
    assert bool(store.query(SPARQL_PREFIXES + entailed_and_asserted))  # the materializer entails asserted triples
    repeated = "ASK { GRAPH cdg:inferred { ?s ?p ?o } GRAPH ?g { ?s ?p ?o } FILTER(?g != cdg:inferred) }"
    assert not bool(store.query(SPARQL_PREFIXES + repeated))
    assert bool(store.query(SPARQL_PREFIXES + "ASK { GRAPH cdg:inferred { ?s ?p ?o } }"))


def test_reference_graph_holds_only_the_entities_used(store):
    shiraz = PREFIXES["cdr"]["place/shiraz"]
    used = select(store, f"SELECT ?label WHERE {{ GRAPH cdg:reference {{ <{shiraz}> skos:prefLabel ?label }} }}")
    assert used
    (cities,) = select(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH cdg:reference { ?c a cdo:City } }")
    assert 0 < int(cities[0]) < 50


def test_ontology_graph_holds_the_axioms(store):
    query = "ASK { GRAPH cdg:ontology { cdo:MemorandumOfUnderstanding rdfs:subClassOf cdo:CooperationInstrument } }"
    assert bool(store.query(SPARQL_PREFIXES + query))


def test_rebuilding_the_same_input_gives_byte_identical_dumps(built, context, tmp_path):
    out, report = built
    again = build([BAD_INPUT, NEWS], tmp_path, context)
    for name in (TRIG_FILE, TURTLE_FILE):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
    assert again.kg_hash == report.kg_hash


def test_dumps_hold_the_same_graphs_as_the_store(built, store):
    out, _ = built
    dumped = ox.Dataset(ox.parse(path=str(out / TRIG_FILE)))
    named = [quad for quad in store if quad.graph_name != ox.DefaultGraph()]
    assert len(dumped) == len(named)
    assert all(quad in dumped for quad in named)
    union = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(out / TURTLE_FILE))}
    distinct = {ox.Triple(q.subject, q.predicate, q.object) for q in named}
    assert union == distinct


@pytest.fixture
def cli(context, monkeypatch):
    """Run `cdkg build` in-process with the module's already loaded pipeline, gazetteer and gate."""
    without_gate = BuildContext(context.pipeline, context.ontology, context.reference)
    monkeypatch.setattr(commands, "load_context", lambda shacl: context if shacl else without_gate)
    return main


def speaker_required_gate(context):
    """Return the real gate with one more shape, as an editor might add: every statement names a speaker."""
    shapes = Graph() + shapes_graph()
    node_shape, shape = SHAPES["TestStatement"], SHAPES["TestStatement-speakerRequired"]
    constraint = shape
    for triple in ((node_shape, RDF.type, SH.NodeShape), (node_shape, SH.targetClass, CDO.Statement),
                   (node_shape, SH.property, constraint), (constraint, SH.path, CDO.speaker),
                   (constraint, SH.minCount, Literal(1)),
                   (constraint, SH.message, Literal("A statement names its speaker.", lang="en"))):
        shapes.add(triple)
    reference = chain((t for path in reference_files() for t in read_triples(path)),
                      activity_description(context.pipeline))
    return Gate(shapes, context.ontology, reference), shape


def test_strict_fails_on_a_shape_violation_and_leaves_the_published_kg(cli, context, monkeypatch, tmp_path):
    source = tmp_path / "silk-road.txt"  # seed statement 11: no speaker
    source.write_bytes(DEFAULT_SOURCES.joinpath("seed-statements-fa.txt").read_bytes().splitlines(True)[10])
    out = tmp_path / "kg"
    assert cli(["build", str(source), "--out", str(out), "--strict"]) == 0  # the project's shapes accept it
    published = (out / TRIG_FILE).read_bytes()

    gate, shape = speaker_required_gate(context)
    strict_context = BuildContext(context.pipeline, context.ontology, context.reference, gate)
    monkeypatch.setattr(commands, "load_context", lambda shacl: strict_context)
    assert cli(["build", str(source), "--out", str(out), "--strict"]) == 1
    assert (out / TRIG_FILE).read_bytes() == published

    # not strict: quarantined, the build goes on (publishing an empty KG needs --allow-empty)
    assert cli(["build", str(source), "--out", str(out), "--allow-empty"]) == 0
    rejected = [json.loads(line) for line in (out / "quarantine" / "rejected.jsonl").read_text().splitlines()]
    assert [(r["line"], r["reason"]) for r in rejected] == [(1, "shacl-violation")]
    report = Graph().parse(data=rejected[0]["report_turtle"], format="turtle")
    assert set(report.objects(None, SH.sourceShape)) == {shape}
    assert set(report.objects(None, SH.resultPath)) == {CDO.speaker}
    assert "A statement names its speaker." in rejected[0]["report_text"]
    info = json.loads((out / "build-info.json").read_text())
    assert info["counts"]["published"] == 0 and info["shacl_violations"] == 1


def test_if_stale_skips_an_unchanged_kg_and_rebuilds_after_a_source_changes(cli, tmp_path):
    source = tmp_path / "corpus.txt"
    shutil.copy(BAD_INPUT, source)
    out = tmp_path / "kg"
    command = ["build", str(source), "--out", str(out), "--if-stale", "--no-shacl"]
    assert cli(command) == 0
    first = json.loads((out / "build-info.json").read_text())
    assert cli(command) == 0
    assert json.loads((out / "build-info.json").read_text()) == first  # not rebuilt
    with open(source, "a", encoding="utf-8") as stream:
        stream.write("شهردار تبریز گفت: همکاری با شهرهای ترکیه گسترش می‌یابد.\n")
    assert cli(command) == 0
    second = json.loads((out / "build-info.json").read_text())
    assert second["input_hash"] != first["input_hash"]
    assert second["counts"]["read"] == first["counts"]["read"] + 1
    assert (out / "store").resolve().name == second["store"] != first["store"]
    assert cli(command[:-1]) == 0  # validating with SHACL is another input: rebuilt
    assert json.loads((out / "build-info.json").read_text())["store"] != second["store"]


def test_missing_source_is_a_usage_error(tmp_path, capsys):
    assert main(["build", str(tmp_path / "absent.txt"), "--out", str(tmp_path)]) == 2
    assert "absent.txt" in capsys.readouterr().err


def test_committed_dumps_equal_a_fresh_build_of_the_sources(context, tmp_path):
    committed = REPO_ROOT / "kg" / TRIG_FILE
    assert committed.exists(), "no committed dump: run `cdkg build` and commit kg/citydiplomacy.trig and .ttl"
    build(source_files([DEFAULT_SOURCES]), tmp_path, context)
    for name in (TRIG_FILE, TURTLE_FILE):
        assert (tmp_path / name).read_bytes() == (REPO_ROOT / "kg" / name).read_bytes(), f"kg/{name} is stale"


def test_a_second_concurrent_build_is_refused(cli, tmp_path, capsys):
    out = tmp_path / "kg"
    with build_lock(out):
        assert cli(["build", str(BAD_INPUT), "--out", str(out), "--no-shacl"]) == 1
    assert "another build is running" in capsys.readouterr().err
    assert not (out / TRIG_FILE).exists()
