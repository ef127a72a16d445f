"""The SHACL gate between the mappings and the published KG: the shapes files and the loader."""
from pathlib import Path

from rdflib import Graph

SHAPES_DIR = Path(__file__).parent


def shapes_files():
    """Return the shapes files (every Turtle file of this folder), in a stable order."""
    return sorted(SHAPES_DIR.glob("*.ttl"))


def shapes_graph():
    """Return the union of the shapes files as one rdflib graph."""
    graph = Graph()
    for path in shapes_files():
        graph.parse(path, format="turtle")
    return graph
