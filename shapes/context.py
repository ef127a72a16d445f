"""Give a statement graph the context its shapes need: superclass types and reference descriptions.

A graph is validated on its own triples plus
- the rdf:type closure of its typed nodes (every superclass, from the ontology's rdfs:subClassOf), so that
  sh:class and sh:targetClass see a cdo:Mayor as a cdo:Post without running a reasoner;
- rdfs:subClassOf triples from each class it uses to every superclass, for SPARQL constraints that ask
  whether a type is a kind of something (a role of cdo:Post);
- the descriptions (from the ontology/concept schemes and the reference gazetteer) of the nodes it uses,
  and of the nodes those descriptions point to, trimmed to the predicates the shapes look at.
Only the graph's own subjects are focus nodes: the context informs, it is not itself judged here.
"""
from collections import defaultdict

from rdflib import URIRef

from ontology.namespaces import OWL, RDF, RDFS

# How far from the graph's nodes descriptions are followed: a city's country, and that country's type.
DESCRIPTION_HOPS = 2


def superclass_closure(ontology):
    """Return, for each named class, every named class it is a subclass of (not itself)."""
    direct = defaultdict(set)
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct[sub].add(sup)
    for a, b in ontology.subject_objects(OWL.equivalentClass):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            direct[a].add(b)
            direct[b].add(a)
    closed = {}
    for start in direct:
        seen, stack = set(), list(direct[start])
        while stack:
            node = stack.pop()
            if node not in seen and node != start:
                seen.add(node)
                stack.extend(direct.get(node, ()))
        if seen:
            closed[start] = tuple(sorted(seen))
    return closed


class Context:
    """The ontology and reference knowledge a graph is validated with, indexed for fast lookup."""

    def __init__(self, ontology, reference, predicates):
        """Index superclasses and the descriptions of every described IRI, trimmed to the given predicates."""
        self.superclasses = superclass_closure(ontology)
        descriptions = defaultdict(set)
        for source in (ontology, reference):
            for s, p, o in source:
                if isinstance(s, URIRef) and p in predicates:
                    descriptions[s].add((p, o))
                    if p == RDF.type:
                        descriptions[s].update((RDF.type, c) for c in self.superclasses.get(o, ()))
        self.descriptions = {node: tuple(sorted(pairs)) for node, pairs in descriptions.items()}

    def extend(self, triples):
        """Return the context triples of a graph (never one of its own triples)."""
        own = set(triples)
        nodes = {s for s, _, _ in own} | {o for _, p, o in own if p != RDF.type and isinstance(o, URIRef)}
        extra = set()
        seen, frontier = set(nodes), nodes
        for _ in range(DESCRIPTION_HOPS):
            following = set()
            for node in frontier:
                for p, o in self.descriptions.get(node, ()):
                    extra.add((node, p, o))
                    if p != RDF.type and isinstance(o, URIRef) and o not in seen:
                        following.add(o)
            seen |= following
            frontier = following
        for s, p, o in own:
            if p == RDF.type:
                extra.update((s, RDF.type, c) for c in self.superclasses.get(o, ()))
        classes = {o for _, p, o in own | extra if p == RDF.type}
        for cls in classes:
            extra.update((cls, RDFS.subClassOf, sup) for sup in self.superclasses.get(cls, ()))
        return list(extra - own)
