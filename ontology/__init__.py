"""The city diplomacy ontology: OWL + SKOS sources, their namespace constants and loaders."""
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from ontology.namespaces import bind_prefixes

ONTOLOGY_DIR = Path(__file__).resolve().parent
CDO_TTL = ONTOLOGY_DIR / "cdo.ttl"  # the edited OWL source
CONCEPTS_TTL = ONTOLOGY_DIR / "concepts.ttl"  # the edited SKOS source (imports cdo)
SOURCES = (CDO_TTL, CONCEPTS_TTL)
CATALOG = ONTOLOGY_DIR / "catalog-v001.xml"
CDO_OWL = ONTOLOGY_DIR / "cdo.owl"  # generated RDF/XML forms of the sources
CONCEPTS_OWL = ONTOLOGY_DIR / "concepts.owl"
DOCS_DIR = ONTOLOGY_DIR / "docs"
DOCS_INDEX = DOCS_DIR / "index.html"  # generated pyLODE documentation
QUERIES_DIR = ONTOLOGY_DIR / "queries"


@lru_cache(maxsize=1)
def ontology_graph():
    """Return the ontology and both concept schemes as one rdflib Graph (parsed once; do not mutate)."""
    graph = bind_prefixes(Graph())
    for source in SOURCES:
        graph.parse(source, format="turtle")
    return graph
