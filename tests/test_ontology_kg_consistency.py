"""The seed KG, as `cdkg build` publishes it, is consistent with the ontology (HermiT over both)."""
import subprocess
import sys

from rdflib import Graph

from ontology import ontology_graph
from ontology.check import reasoner_problems
from ontology.namespaces import CDO, RDF


def test_seed_kg_is_consistent_with_the_ontology(tmp_path):
    subprocess.run([sys.executable, "-m", "kg.cli", "build", "--out", str(tmp_path / "kg")],
                   check=True, capture_output=True, timeout=300)
    data = Graph().parse(tmp_path / "kg" / "citydiplomacy.ttl")
    assert (None, RDF.type, CDO.Statement) in data  # the build produced statements to reason over
    everything = Graph()
    everything += ontology_graph()
    everything += data
    assert reasoner_problems(everything) == []
