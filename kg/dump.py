"""Convert rdflib terms to Oxigraph quads and write the deterministic TriG and Turtle dumps from a store."""
import hashlib
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from ontology.namespaces import PREFIXES, RDF

PREFIX_IRIS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
_TYPE = ox.NamedNode(str(RDF.type))


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


def canonical_blank_nodes(triples, scope):
    """Return the triples with blank nodes labelled by content and scope, so dumps are the same on every build.

    rdflib labels blank nodes randomly per parse; the scope (the graph IRI) keeps equal-looking blank nodes of
    two graphs apart, since a label shared across graphs of a dataset would denote one node.
    """
    triples = list(triples)
    if not any(isinstance(term, BNode) for triple in triples for term in triple):
        return triples
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


def _triple_key(quad):
    """Order subjects alphabetically and, within a subject, rdf:type first, so the dumps read well."""
    return str(quad.subject), quad.predicate != _TYPE, str(quad.predicate), str(quad.object)


def _sorted_graphs(store):
    """Yield every quad of the store's named graphs, graphs by IRI and triples by subject, predicate, object."""
    for graph in sorted(store.named_graphs(), key=str):
        yield from sorted(store.quads_for_pattern(None, None, None, graph), key=_triple_key)


def _sorted_union(store):
    """Yield each distinct triple of the union of the named graphs once, sorted like the graphs."""
    subjects = {row[0] for row in store.query("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } }")}
    for subject in sorted(subjects, key=str):
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(subject, None, None)}
        yield from sorted(triples, key=_triple_key)


def write_trig(store, path):
    """Write all named graphs of the store as deterministic TriG."""
    ox.serialize(_sorted_graphs(store), str(path), ox.RdfFormat.TRIG, prefixes=PREFIX_IRIS)


def write_turtle(store, path):
    """Write the union of all named graphs as deterministic Turtle."""
    ox.serialize(_sorted_union(store), str(path), ox.RdfFormat.TURTLE, prefixes=PREFIX_IRIS)
