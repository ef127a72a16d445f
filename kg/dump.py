"""Convert rdflib terms to Oxigraph quads and write the deterministic TriG and Turtle dumps from a store."""
import hashlib
import shutil
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from ontology.namespaces import PREFIXES

PREFIX_IRIS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


@lru_cache(maxsize=1 << 16)
def named_node(iri):
    """Return the Oxigraph IRI term, cached because classes, predicates and gazetteer IRIs recur constantly."""
    return ox.NamedNode(iri)


def to_ox(term):
    """Return the Oxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return named_node(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=named_node(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term):
    """Return the rdflib term for an Oxigraph term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def has_blank_nodes(triples):
    """Return whether any of the triples has a blank node."""
    return any(isinstance(term, BNode) for triple in triples for term in triple)


def canonical_blank_nodes(triples, scope):
    """Return the triples with blank nodes labelled by content and scope, so dumps are the same on every build.

    rdflib labels blank nodes randomly per parse; the scope (the graph IRI) keeps equal-looking blank nodes of
    two graphs apart, since a label shared across graphs of a dataset would denote one node.
    """
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    tag = hashlib.sha256(str(scope).encode()).hexdigest()[:8]
    return [tuple(BNode(f"{term}x{tag}") if isinstance(term, BNode) else term for term in triple)
            for triple in to_canonical_graph(graph)]


def to_quads(triples, graph):
    """Yield Oxigraph quads for rdflib triples in one named graph."""
    graph_name = to_ox(graph)
    for s, p, o in triples:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_name)


def write_trig(store, path):
    """Write all named graphs of the store as TriG, in the store's own (deterministic) index order.

    Oxigraph orders quads by its term encoding, which depends on the terms only: the same content gives the
    same bytes with the same pyoxigraph version. Quads are grouped by graph, then by subject.
    """
    store.dump(str(path), ox.RdfFormat.TRIG, prefixes=PREFIX_IRIS)


def write_turtle(store, path, workdir, with_blank_nodes):
    """Write the union of all named graphs as Turtle: each distinct triple once, grouped by subject.

    The union is merged in a scratch on-disk store in workdir, so memory stays flat however large the KG.
    Triples go there as N-Triples (the store's N-Quads dump without the graph names) through Oxigraph's bulk
    loader, except those of the graphs with blank nodes (such as the ontology's class expressions): the loader
    would relabel their blank nodes at random, so they are copied term by term to keep the dump the same on
    every build.
    """
    workdir = Path(workdir)
    skipped = {f"<{graph}>".encode() for graph in with_blank_nodes}
    store.dump(str(workdir / "all.nq"), ox.RdfFormat.N_QUADS)
    with open(workdir / "all.nq", "rb") as quads, open(workdir / "union.nt", "wb") as triples:
        for line in quads:
            head, graph, _ = line.rsplit(b" ", 2)  # "<s> <p> <o> <g> .": all quads are in named graphs, whose names have no space
            if graph not in skipped:
                triples.write(head + b" .\n")
    union = ox.Store(str(workdir / "union-store"))
    union.bulk_load(path=str(workdir / "union.nt"), format=ox.RdfFormat.N_TRIPLES)
    union.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for graph in sorted(with_blank_nodes, key=str)
                      for q in store.quads_for_pattern(None, None, None, named_node(str(graph))))
    union.dump(str(path), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=PREFIX_IRIS)
    del union
    shutil.rmtree(workdir / "union-store")
    (workdir / "all.nq").unlink()
    (workdir / "union.nt").unlink()
