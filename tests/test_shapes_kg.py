"""What the project publishes conforms: the committed KG dump, the ontology and concepts, the gazetteer, and
the mappings' output for the seed statements (on which every engine gives the same results)."""
import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.kg.corpus import Vocabulary, statements
from cdkg.kg.gazetteer import load_reference_store, reference_files
from cdkg.mappings.pipeline import Pipeline
from cdkg.mappings.record import SourceRecord
from cdkg.ontology import ontology_graph
from cdkg.ontology.namespaces import GRAPH, REFERENCE_GRAPH
from cdkg.shapes.gate import Gate
from cdkg.shapes.terms import read_triples, rdflib_term

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = REPO / "kg" / "citydiplomacy.trig"
SEED = REPO / "kg" / "sources" / "seed-statements-fa.txt"


def named_graphs(path):
    """Return {graph name: triples} of a TriG file, as rdflib terms."""
    graphs = {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
        triple = (rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object))
        graphs.setdefault(rdflib_term(quad.graph_name), []).append(triple)
    return graphs


@pytest.fixture(scope="module")
def published():
    return named_graphs(PUBLISHED)


def test_published_kg_conforms_as_a_whole(published):
    union = sorted({triple for triples in published.values() for triple in triples})
    [verdict] = Gate.load().check([(None, union)])
    assert verdict.conforms, verdict.report_text


def test_each_published_statement_graph_passes_the_build_gate(published):
    statements = {name: triples for name, triples in published.items() if str(name).startswith(GRAPH["statement/"])}
    assert statements, "the dump has no statement graph"
    gate = Gate.load(extra_context=published[REFERENCE_GRAPH])  # as the build: the shared activity lives there
    failing = [v.report_text for v in gate.check(statements.items()) if not v.conforms]
    assert not failing, "\n".join(failing)


def test_ontology_and_gazetteer_conform():
    gate = Gate.load()
    items = [(None, list(ontology_graph()))]
    items += [(None, list(read_triples(path))) for path in reference_files()]
    for verdict in gate.check(items):
        assert verdict.conforms, verdict.report_text


@pytest.fixture(scope="module")
def seed_items():
    pipeline = Pipeline.load()
    lines = SEED.read_text(encoding="utf-8").splitlines()
    results = [pipeline.extract(SourceRecord(text=text, line=number, source_file=SEED.name))
               for number, text in enumerate(lines, start=1)]
    return pipeline, [(result.graph, result.triples) for result in results]


def test_seed_statements_conform(seed_items):
    pipeline, items = seed_items
    verdicts = Gate.load(extra_context=pipeline.activity_triples()).check(items)
    assert len(verdicts) == 11
    assert all(v.conforms for v in verdicts), "\n".join(v.report_text for v in verdicts if not v.conforms)


def test_engines_agree_on_the_seed_output(seed_items):
    pipeline, items = seed_items
    # Without the activity in the context every graph has a result to compare, not only an empty report.
    results = {engine: [{r.key() for r in v.results} for v in Gate.load(engine=engine).check(items)]
               for engine in ("core", "pyshacl")}
    assert all(results["core"]), "each seed graph should fail the activity rule without its context"
    assert results["core"] == results["pyshacl"]


def test_engines_agree_on_damaged_synthetic_statements(seed_items):
    # Synthetic statements with a triple or two dropped from each graph, so that most break some rule: the
    # compiled engine (Python checks and batched SPARQL over a trimmed store) reports what pySHACL reports.
    pipeline, _ = seed_items
    vocabulary = Vocabulary.from_graphs(load_reference_store(), ontology_graph())
    rng, items = random.Random(11), []
    for line, text in enumerate(statements(vocabulary, 200, 5), start=1):
        result = pipeline.extract(SourceRecord(text=text, line=line, source_file="synthetic.txt"))
        triples = list(result.triples)
        for _ in range(rng.randint(1, 3)):
            s, p, _ = triples.pop(rng.randrange(len(triples)))
            if rng.random() < 0.7:  # not only dropped: given the object of another triple of the graph
                triples.append((s, p, rng.choice(triples)[2]))
        items.append((result.graph, triples))
    results = {engine: [{r.key() for r in v.results} for v in
                        Gate.load(engine=engine, extra_context=pipeline.activity_triples()).check(items)]
               for engine in ("core", "pyshacl")}
    assert sum(map(bool, results["core"])) > 100, "most damaged graphs should break a rule"
    assert results["core"] == results["pyshacl"]
