"""Give a statement graph the context its shapes need: reference descriptions and the class hierarchy.

A graph is validated on its own triples plus
- the descriptions (from the ontology's concept schemes and the reference gazetteer) of its subjects, trimmed
  to the predicates the shapes look at: a city's country comes from the gazetteer;
- the value-level facts (types, schemes, the predicates SPARQL constraints follow) of the nodes its subjects
  point to, directly or through those descriptions: the type of that country;
- rdfs:subClassOf triples from each class it uses to its superclasses, so that sh:class and sh:targetClass
  see a cdo:Mayor as a cdo:Post without a reasoner (the compiled engine expands subclasses itself and
  needs only those that SPARQL constraints ask about).
Only the graph's own subjects are focus nodes: the context informs, it is not itself judged here.
"""
from collections import defaultdict

from rdflib import URIRef

from cdkg.kg.inference import reachable
from cdkg.ontology.namespaces import OWL, RDF, RDFS


_TYPE = RDF.type
_NOTHING = frozenset()


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
    return {node: above for node, above in reachable(direct).items() if above}


def subclass_closure(superclasses):
    """Return, for each class, itself and every class below it."""
    below = defaultdict(set)
    for cls, supers in superclasses.items():
        for sup in supers:
            below[sup].add(cls)
    return defaultdict(frozenset, {cls: frozenset(subs) for cls, subs in below.items()})


class Context:
    """The ontology and reference knowledge a graph is validated with, indexed for fast lookup."""

    def __init__(self, ontology, sources, subject_predicates, value_predicates):
        """Index the class hierarchy and the descriptions of every IRI in the ontology and the sources.

        subject_predicates, value_predicates: what the descriptions of a graph's subjects and of its values
        are trimmed to (None: nothing is trimmed).
        """
        self.superclasses = superclass_closure(ontology)
        subject, value = defaultdict(set), defaultdict(set)
        for source in (ontology, *sources):
            for s, p, o in source:
                if isinstance(s, URIRef):
                    if subject_predicates is None or p in subject_predicates:
                        subject[s].add((s, p, o))
                    if value_predicates is None or p in value_predicates:
                        value[s].add((s, p, o))
        self.subject_descriptions = {node: frozenset(triples) for node, triples in subject.items()}
        self.value_descriptions = {node: frozenset(triples) for node, triples in value.items()}

    def extend(self, triples):
        """Return the description triples a graph's subjects and values need (never one of its own triples)."""
        subjects = {s for s, _, _ in triples}
        extra = set()
        for node in subjects:
            extra |= self.subject_descriptions.get(node, _NOTHING)
        values = {o for triples_ in (triples, extra) for _, p, o in triples_
                  if type(o) is URIRef and not str.__eq__(p, _TYPE)} - subjects  # str.__eq__: C speed
        for node in values:
            extra |= self.value_descriptions.get(node, _NOTHING)
        if not extra:
            return []
        # Only a triple of a described subject can repeat one of the descriptions: hash those alone (a literal's
        # hash is rdflib's Python code).
        described = {s for s, _, _ in extra}
        return list(extra.difference(t for t in triples if t[0] in described))

    def hierarchy(self, classes, only=None):
        """Return rdfs:subClassOf triples from each of these classes to its superclasses (those in only)."""
        return [(cls, RDFS.subClassOf, sup) for cls in classes for sup in self.superclasses.get(cls, ())
                if only is None or sup in only]
