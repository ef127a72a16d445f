"""The city diplomacy ontology: OWL + SKOS sources, their namespace constants and loaders."""
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from cdkg.ontology.namespaces import bind_prefixes

ONTOLOGY_DIR = Path(__file__).resolve().parent
CDO_TTL = ONTOLOGY_DIR / "cdo.ttl"  # the edited OWL source (Turtle, or RDF/XML if Protégé saved it so)
CONCEPTS_TTL = ONTOLOGY_DIR / "concepts.ttl"  # the edited SKOS source (imports cdo)
SOURCES = (CDO_TTL, CONCEPTS_TTL)
CATALOG = ONTOLOGY_DIR / "catalog-v001.xml"
CDO_OWL = ONTOLOGY_DIR / "cdo.owl"  # generated RDF/XML forms of the sources
CONCEPTS_OWL = ONTOLOGY_DIR / "concepts.owl"
DOCS_DIR = ONTOLOGY_DIR / "docs"
DOCS_INDEX = DOCS_DIR / "index.html"  # generated pyLODE documentation
QUERIES_DIR = ONTOLOGY_DIR / "queries"


def load_sources(paths=SOURCES):
    """Parse ontology documents (Turtle or RDF/XML, detected from the content) into one rdflib Graph.

    Raise ontology.catalog.DocumentError, naming the file and line, for an unreadable document."""
    from cdkg.ontology.catalog import parse_document  # imported here: the catalog module imports this package

    graph = bind_prefixes(Graph())
    for path in paths:
        graph += parse_document(path)
    return graph


@lru_cache(maxsize=1)
def ontology_graph():
    """Return the ontology and both concept schemes as one rdflib Graph (parsed once; do not mutate)."""
    return load_sources()
