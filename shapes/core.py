"""Evaluate the SHACL Core constraints of the shapes in Python, over an index of one graph's triples.

The shapes are compiled once into small functions; a graph is then checked with dictionary lookups, which
is much faster than a query engine for graphs of a few dozen triples. The supported subset is the one
shapes.compiler compiles to SPARQL (the same UnsupportedShape check guards both); SPARQL-based constraints
are left to that compiler.
"""
import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection

from cdkg.ontology.namespaces import RDF, SH, XSD
from cdkg.shapes.compiler import Compiler, UnsupportedShape

# The index is keyed by predicates as plain strings: hashing and comparing them is C-fast, unlike rdflib terms.
TYPE = str(RDF.type)
_EMPTY = {}


@dataclass(frozen=True, slots=True)
class PropertyCheck:
    """One constraint component of one property shape, as a function of a focus node's values."""

    shape: object
    path: URIRef
    key: str  # the path as the index's key
    component: URIRef
    severity: URIRef
    messages: tuple
    failures: object  # (values, index) -> list of failing values (None where SHACL reports no sh:value)


class CoreEvaluator:
    """The Core constraints of the targeted shapes, compiled to Python functions."""

    def __init__(self, shapes, subclasses):
        """Compile every targeted node shape's property shapes; index the shapes by target class."""
        self.shapes = shapes
        self.subclasses = subclasses
        self.sparql = Compiler(shapes)  # shares the parameter checks and messages with the SPARQL compiler
        self.by_type = defaultdict(list)  # a class -> the checks of the shapes targeting it or a superclass
        self._combinations = {}
        for shape in sorted(set(shapes.subjects(SH.targetClass, None)), key=str):
            if self.sparql._deactivated(shape):
                continue
            checks = self._node_shape(shape)
            for target in shapes.objects(shape, SH.targetClass):
                for cls in {target} | set(subclasses.get(target, ())):
                    self.by_type[cls].extend(checks)

    def check(self, index, focus_nodes):
        """Return (focus, PropertyCheck, value) for every failure among the focus nodes of an indexed graph."""
        failures = []
        for focus in focus_nodes:
            description = index.get(focus, _EMPTY)
            for check in self._checks_for(tuple(description.get(TYPE, ()))):
                values = description.get(check.key, ())
                failures += [(focus, check, value) for value in check.failures(values, index)]
        return failures

    def _checks_for(self, types):
        """Return the checks that apply to a node of these types, each once (memoised: few combinations recur)."""
        found = self._combinations.get(types)
        if found is None:
            unique = {id(check): check for cls in types for check in self.by_type.get(cls, ())}
            found = self._combinations[types] = tuple(unique.values())
        return found

    # ------------------------------------------------------------ compilation

    def _node_shape(self, shape):
        """Return the PropertyChecks of a node shape (its own value constraints are not used by the project)."""
        if self.sparql._value_conditions(shape, "?this"):
            raise UnsupportedShape(f"{shape}: value constraints on a node shape's focus are not supported")
        checks = []
        for prop in sorted(self.shapes.objects(shape, SH.property), key=str):
            if not self.sparql._deactivated(prop):
                checks += self._property_shape(prop)
        return checks

    def _property_shape(self, prop):
        """Return the PropertyChecks of a property shape, one per constraint component."""
        graph = self.shapes
        path = self.sparql._predicate(graph.value(prop, SH.path))
        severity, messages = self.sparql._severity(prop), self.sparql._messages(prop)
        checks = []

        def add(component, failures):
            checks.append(PropertyCheck(prop, path, str(path), component, severity, messages, failures))

        for bound in graph.objects(prop, SH.minCount):
            add(SH.MinCountConstraintComponent, _count_below(int(bound)))
        for bound in graph.objects(prop, SH.maxCount):
            add(SH.MaxCountConstraintComponent, _count_above(int(bound)))
        qualified = graph.value(prop, SH.qualifiedValueShape)
        if qualified is not None:
            conforms = self._conforms(qualified)
            for bound in graph.objects(prop, SH.qualifiedMinCount):
                add(SH.QualifiedMinCountConstraintComponent, _count_below(int(bound), conforms))
            for bound in graph.objects(prop, SH.qualifiedMaxCount):
                add(SH.QualifiedMaxCountConstraintComponent, _count_above(int(bound), conforms))
        if graph.value(prop, SH.uniqueLang) == Literal(True):
            add(SH.UniqueLangConstraintComponent, _unique_languages)
        for required in graph.objects(prop, SH.hasValue):
            add(SH.HasValueConstraintComponent,
                lambda values, index, required=required: [] if required in values else [None])
        for component, condition in self._value_conditions(prop):
            add(component, lambda values, index, condition=condition: [v for v in values
                                                                       if not condition(v, index)])
        return checks

    def _value_conditions(self, shape):
        """Return (component, condition(value, index)) for each constraint a value must meet on its own."""
        graph, conditions = self.shapes, []
        for cls in graph.objects(shape, SH["class"]):
            conditions.append((SH.ClassConstraintComponent, self._instance_of(cls)))
        for datatype in graph.objects(shape, SH.datatype):
            conditions.append((SH.DatatypeConstraintComponent, _has_datatype(datatype)))
        for kind in graph.objects(shape, SH.nodeKind):
            conditions.append((SH.NodeKindConstraintComponent, _node_kind(kind)))
        for pattern in graph.objects(shape, SH.pattern):
            conditions.append((SH.PatternConstraintComponent, _matches(pattern, graph.value(shape, SH.flags))))
        for languages in graph.objects(shape, SH.languageIn):
            ranges = [str(tag).lower() for tag in Collection(graph, languages)]
            conditions.append((SH.LanguageInConstraintComponent,
                               lambda v, index, ranges=ranges: _language_in(v, ranges)))
        for members in graph.objects(shape, SH["in"]):
            allowed = frozenset(Collection(graph, members))
            conditions.append((SH.InConstraintComponent, lambda v, index, allowed=allowed: v in allowed))
        for nested in graph.objects(shape, SH.node):
            conditions.append((SH.NodeConstraintComponent, self._conforms(nested)))
        for alternatives in graph.objects(shape, SH["or"]):
            options = [self._conforms(s) for s in Collection(graph, alternatives)]
            conditions.append((SH.OrConstraintComponent,
                               lambda v, index, options=options: any(o(v, index) for o in options)))
        for conjuncts in graph.objects(shape, SH["and"]):
            parts = [self._conforms(s) for s in Collection(graph, conjuncts)]
            conditions.append((SH.AndConstraintComponent,
                               lambda v, index, parts=parts: all(p(v, index) for p in parts)))
        for negated in graph.objects(shape, SH["not"]):
            inner = self._conforms(negated)
            conditions.append((SH.NotConstraintComponent, lambda v, index, inner=inner: not inner(v, index)))
        return conditions

    def _conforms(self, shape):
        """Return a function telling whether a node conforms to a nested shape."""
        self.sparql._refuse_unknown(shape, allowed=_NESTED_PARAMETERS)
        tests = [condition for _, condition in self._value_conditions(shape)]
        if self.shapes.value(shape, SH.path) is None:
            tests += [lambda v, index, x=x: v == x for x in self.shapes.objects(shape, SH.hasValue)]
        for prop in self.shapes.objects(shape, SH.property):
            tests.append(self._nested_property(prop))
        return lambda v, index: all(test(v, index) for test in tests)

    def _nested_property(self, prop):
        """Return a test of a property shape nested in a value's shape (existence and value conditions)."""
        self.sparql._refuse_unknown(prop, allowed=_NESTED_PARAMETERS | {SH.minCount})
        path = str(self.sparql._predicate(self.shapes.value(prop, SH.path)))
        required = list(self.shapes.objects(prop, SH.hasValue))
        minimum = max([int(b) for b in self.shapes.objects(prop, SH.minCount)] or [0])
        if minimum > 1:
            raise UnsupportedShape(f"{prop}: a nested sh:minCount above 1 is not supported")
        conditions = [condition for _, condition in self._value_conditions(prop)]

        def test(v, index):
            values = index.get(v, {}).get(path, ())
            return (all(x in values for x in required) and len(values) >= minimum
                    and all(c(w, index) for c in conditions for w in values))
        return test

    def _instance_of(self, cls):
        """Return a test that a node is a SHACL instance of a class (asserted type or a subclass of it)."""
        accepted = frozenset({cls} | set(self.subclasses.get(cls, ())))
        return lambda v, index: any(t in accepted for t in index.get(v, {}).get(TYPE, ()))


_NESTED_PARAMETERS = frozenset({
    SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.languageIn, SH["in"], SH.node, SH["or"], SH["and"],
    SH["not"], SH.hasValue, SH.property,
})


def index_triples(triples):
    """Return {subject: {predicate string: [objects]}} for a graph's triples (given without repetition)."""
    index = {}
    for s, p, o in triples:
        p = str(p)
        by_predicate = index.get(s)
        if by_predicate is None:
            by_predicate = index[s] = {}
        objects = by_predicate.get(p)
        if objects is None:
            by_predicate[p] = [o]
        else:
            objects.append(o)
    return index


def _count_below(bound, conforms=None):
    """Return a failure function for too few (conforming) values."""
    def failures(values, index):
        count = len(values) if conforms is None else sum(1 for v in values if conforms(v, index))
        return [None] if count < bound else []
    return failures


def _count_above(bound, conforms=None):
    """Return a failure function for too many (conforming) values."""
    def failures(values, index):
        count = len(values) if conforms is None else sum(1 for v in values if conforms(v, index))
        return [None] if count > bound else []
    return failures


def _unique_languages(values, index):
    """Return one failure per language tag used by more than one value."""
    seen = defaultdict(int)
    for value in values:
        if isinstance(value, Literal) and value.language:
            seen[value.language.lower()] += 1
    return [None for count in seen.values() if count > 1]


def _has_datatype(datatype):
    """Return a test of sh:datatype: the datatype and a well-formed lexical form."""
    if datatype == RDF.langString:
        return lambda v, index: isinstance(v, Literal) and bool(v.language)

    def test(v, index):
        if not isinstance(v, Literal) or v.language:
            return False
        actual = v.datatype if v.datatype is not None else XSD.string
        return actual == datatype and not v.ill_typed
    return test


def _node_kind(kind):
    """Return a test of sh:nodeKind."""
    kinds = {
        SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,), SH.BlankNodeOrIRI: (BNode, URIRef),
        SH.BlankNodeOrLiteral: (BNode, Literal), SH.IRIOrLiteral: (URIRef, Literal),
    }
    if kind not in kinds:
        raise UnsupportedShape(f"unknown sh:nodeKind {kind}")
    return lambda v, index: isinstance(v, kinds[kind])


def _matches(pattern, flags):
    """Return a test of sh:pattern (blank nodes never match)."""
    options = re.IGNORECASE if flags is not None and "i" in str(flags) else 0
    regex = re.compile(str(pattern), options)
    return lambda v, index: not isinstance(v, BNode) and regex.search(str(v)) is not None


def _language_in(value, ranges):
    """Return whether a literal's language tag matches one of the ranges (SPARQL langMatches)."""
    if not isinstance(value, Literal) or not value.language:
        return False
    tag = value.language.lower()
    return any(tag == r or tag.startswith(r + "-") or r == "*" for r in ranges)
