"""Convert between Oxigraph and rdflib terms, and read RDF files fast with Oxigraph's parsers."""
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from cdkg.ontology.namespaces import XSD


def rdflib_term(term, normalize=True):
    """Return the rdflib term of an Oxigraph term (normalize=False keeps a literal's lexical form as written)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=normalize)


def oxigraph_term(term):
    """Return the Oxigraph term of an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def read_triples(path, predicates=None, normalize=True, rdf_format=None, prefixes=None):
    """Yield the triples of an RDF file (only those with the given predicates) as rdflib terms, parsed by Oxigraph.

    A file with named graphs gives the triples of all of them; relative IRIs are resolved against the file's.
    prefixes, if given, is a dict filled with the file's prefix declarations once it is read.
    """
    wanted = None if predicates is None else {ox.NamedNode(str(p)) for p in predicates}
    parser = ox.parse(path=str(path), format=rdf_format, base_iri=Path(path).resolve().as_uri())
    for quad in parser:
        if wanted is None or quad.predicate in wanted:
            yield (rdflib_term(quad.subject), rdflib_term(quad.predicate),
                   rdflib_term(quad.object, normalize=normalize))
    if prefixes is not None:
        prefixes.update(getattr(parser, "prefixes", None) or {})
