"""The KG, as `cdkg build` publishes it, is consistent with the ontology (HermiT over both) and OWL 2 DL."""
import subprocess
import sys

import pytest
from rdflib import Graph

from cdkg.ontology import ontology_graph
from cdkg.ontology.check import profile_problems, reasoner_problems
from cdkg.ontology.namespaces import CDO, DCTERMS, RDF


def build(tmp_path, *sources):
    """Run `cdkg build` on the sources into tmp_path/kg and return the published graph with the ontology."""
    subprocess.run([sys.executable, "-m", "cdkg.kg.cli", "build", *map(str, sources), "--out", str(tmp_path / "kg")],
                   check=True, capture_output=True, timeout=300)
    data = Graph().parse(tmp_path / "kg" / "citydiplomacy.ttl")
    assert (None, RDF.type, CDO.Statement) in data  # the build produced statements to reason over
    everything = Graph()
    everything += ontology_graph()
    everything += data
    return everything


def test_seed_kg_is_consistent_with_the_ontology(tmp_path):
    assert reasoner_problems(build(tmp_path)) == []


@pytest.fixture(scope="module")
def kg_with_publishers(tmp_path_factory):
    """A KG built from .jsonl records that carry a publisher, a date and a URL."""
    tmp_path = tmp_path_factory.mktemp("jsonl")
    corpus = tmp_path / "corpus.jsonl"
    subprocess.run([sys.executable, "-m", "cdkg.kg.cli", "corpus", "--count", "30", "--out", str(corpus)],
                   check=True, capture_output=True, timeout=300)
    everything = build(tmp_path, corpus)
    assert any(True for _ in everything.subject_objects(DCTERMS.publisher))
    return everything, tmp_path / "kg-and-ontology.nt"


def test_kg_with_publishers_is_owl2_dl(kg_with_publishers):
    everything, document = kg_with_publishers
    assert profile_problems([document], {document.resolve(): everything}) == []


def test_kg_with_publishers_is_consistent_with_the_ontology(kg_with_publishers):
    everything, _ = kg_with_publishers
    assert reasoner_problems(everything) == []
