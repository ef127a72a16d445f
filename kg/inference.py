"""Materialise the entailments users query for, from the ontology's own axioms (no reasoner, no hard-coded lists)."""
from collections import defaultdict

from rdflib import Literal, URIRef

from cdkg.ontology.namespaces import OWL, RDF, RDFS

TYPE = RDF.type  # looked up once: attribute access on an rdflib namespace costs microseconds


def reachable(direct):
    """Return, for each node, every node reachable through the direct edges (excluding itself)."""
    closed = {}
    for start in direct:
        seen, stack = set(), list(direct[start])
        while stack:
            node = stack.pop()
            if node not in seen and node != start:
                seen.add(node)
                stack.extend(direct.get(node, ()))
        closed[start] = frozenset(seen)
    return closed


def _edges(ontology, predicate, symmetric=False):
    """Return the IRI-to-IRI edges of one axiom predicate as an adjacency dict (blank-node restrictions skipped)."""
    direct = defaultdict(set)
    for sub, sup in ontology.subject_objects(predicate):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct[sub].add(sup)
            if symmetric:
                direct[sup].add(sub)
    return direct


class Entailment:
    """The RDFS/OWL rules the published KG materialises, compiled from an ontology graph."""

    def __init__(self, ontology):
        """Compile subclass, subproperty, inverse, symmetric and transitive axioms into lookup tables."""
        subclass = _edges(ontology, RDFS.subClassOf)
        for a, b in _edges(ontology, OWL.equivalentClass, symmetric=True).items():
            subclass[a] |= b
        subproperty = _edges(ontology, RDFS.subPropertyOf)
        for a, b in _edges(ontology, OWL.equivalentProperty, symmetric=True).items():
            subproperty[a] |= b
        self.superclasses = {c: s for c, s in reachable(subclass).items() if s}
        self.superproperties = {p: s for p, s in reachable(subproperty).items() if s}
        self.inverses = {p: frozenset(q) for p, q in _edges(ontology, OWL.inverseOf, symmetric=True).items()}
        self.symmetric = frozenset(ontology.subjects(RDF.type, OWL.SymmetricProperty))
        self.transitive = frozenset(ontology.subjects(RDF.type, OWL.TransitiveProperty))
        self.predicates = frozenset(self.superproperties) | frozenset(self.inverses) | self.symmetric
        self.entailing = self.predicates | {TYPE}  # the predicates of triples that entail anything on their own

    def local(self, triple):
        """Return the triples one asserted triple entails on its own (types, super-, inverse, symmetric properties)."""
        s, p, o = triple
        if p == TYPE:
            return {(s, p, c) for c in self.superclasses.get(o, ())}
        if p not in self.predicates:
            return set()
        entailed, pending = set(), [triple]
        while pending:
            s, p, o = pending.pop()
            derived = [(s, q, o) for q in self.superproperties.get(p, ())]
            if not isinstance(o, Literal):  # a literal cannot be the subject of an inverse or symmetric triple
                derived += [(o, q, s) for q in self.inverses.get(p, ())]
                if p in self.symmetric:
                    derived.append((o, p, s))
            for new in derived:
                if new not in entailed and new != triple:
                    entailed.add(new)
                    pending.append(new)
        return entailed

    def transitivereachable(self, triples):
        """Return the triples entailed by chaining the transitive properties among the given triples."""
        by_property = defaultdict(lambda: defaultdict(set))
        for s, p, o in triples:
            if p in self.transitive:
                by_property[p][s].add(o)
        entailed = set()
        for p, edges in by_property.items():
            for s, targets in reachable(edges).items():
                entailed.update((s, p, o) for o in targets if o not in edges[s])
        return entailed


class Materializer:
    """Return the entailments of asserted triples as they stream past; chain transitive properties at the end.

    Nothing but the (few) transitive-property triples is kept: the caller writes entailments out as they come
    (the build to a file it sorts, which drops repeats), so memory does not grow with the corpus.
    """

    def __init__(self, entailment):
        """Start with no transitive-property triples collected."""
        self.entailment = entailment
        self.transitive = set()

    def add(self, triples):
        """Return the set of triples a batch of asserted triples entails locally."""
        entailed, transitive = self.entail(triples)
        self.keep(transitive)
        return entailed

    def entail(self, triples):
        """Return what a batch of asserted triples entails locally, and its transitive-property triples (asserted
        or entailed), keeping nothing: the batch may yet be dropped (a worker does not know)."""
        rules = self.entailment
        entailed = set()
        for triple in triples:
            if triple[1] in rules.entailing:
                entailed |= rules.local(triple)
        transitive = {t for t in triples if t[1] in rules.transitive}
        transitive.update(t for t in entailed if t[1] in rules.transitive)
        return entailed, transitive

    def keep(self, transitive):
        """Keep transitive-property triples for the chains finish() computes."""
        self.transitive.update(transitive)

    def finish(self):
        """Return the triples entailed by chaining the transitive properties, with their own local entailments."""
        rules = self.entailment
        entailed = set()
        for triple in rules.transitivereachable(self.transitive):
            entailed.add(triple)
            entailed |= rules.local(triple)
        return entailed
