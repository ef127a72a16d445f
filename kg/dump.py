"""Convert rdflib terms to Oxigraph quads and write the deterministic TriG and Turtle dumps from a store."""
import hashlib
import os
import subprocess
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from ontology.namespaces import PREFIXES, XSD

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
        if term.datatype and term.datatype != XSD.string:
            return typed_literal(str(term), str(term.datatype))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


@lru_cache(maxsize=1 << 16)
def typed_literal(lexical, datatype):
    """Return a typed literal as the store gives it back: Oxigraph keeps values, not lexical forms
    ("02"^^xsd:int comes back as "2"^^xsd:integer), so quads written while loading then equal the store's dump.

    A fresh in-memory store per call is the cheapest way to ask (reusing one makes each add/remove slower).
    """
    node = named_node(str(XSD.string))
    scratch = ox.Store()
    scratch.add(ox.Quad(node, node, ox.Literal(lexical, datatype=named_node(datatype))))
    (stored,) = scratch
    return stored.object


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


def write_union(quads, workdir):
    """Write the union of the named graphs of an N-Quads file as N-Triples, each distinct triple once, sorted;
    return its path (the N-Quads file is removed).

    The quads, stripped of graph names, are sorted and deduplicated by `sort -u` (external merge sort: memory
    stays flat however large the KG; byte order, so the same on every machine).
    """
    workdir = Path(workdir)
    triples, unique = workdir / "union.nt", workdir / "union-sorted.nt"
    with open(quads, "rb") as lines, open(triples, "wb") as out:
        for line in lines:
            head, _graph, _ = line.rsplit(b" ", 2)  # "<s> <p> <o> <g> .": every quad is in a named graph
            out.write(head + b" .\n")
    subprocess.run(["sort", "-u", "-S", "256M", "-T", str(workdir), "-o", str(unique), str(triples)],
                   check=True, env={**os.environ, "LC_ALL": "C"})
    quads.unlink()
    triples.unlink()
    return unique


def write_turtle(union, path):
    """Write the sorted union N-Triples as Turtle with the project's prefixes (grouped by subject)."""
    ox.serialize(ox.parse(path=str(union), format=ox.RdfFormat.N_TRIPLES), str(path), ox.RdfFormat.TURTLE,
                 prefixes=PREFIX_IRIS)
