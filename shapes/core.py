"""The gate's compiled engine: SHACL shapes turned once into Python functions over an index of one graph.

A graph of a few dozen triples is checked with dictionary lookups, much faster than a general validator.
Each constraint component is written once, here; SPARQL-based constraints run in Oxigraph with SHACL's
pre-binding: for a batch of graphs at once, joined in each group of the query with a graph of every focus
node (batch_template), or, for a query with an aggregate or a slice, per focus node by SEP-0007 substitution
(pre_bind), which equals pre-binding for the queries shapes.safety lets through.

A shape is compiled only when every part of it is: its targets, its paths, every parameter, every shape it
refers to. Anything else raises UnsupportedShape, and the gate (shapes.gate) hands that shape to pySHACL:
a shape is never skipped. What is compiled is listed in docs/shapes.md.
"""
import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef, Variable

from cdkg.endpoint.sparqltext import tokens
from cdkg.ontology.namespaces import GATE_SCRATCH, OWL, RDF, RDFS, SH, XSD
from cdkg.shapes.report import Result
from cdkg.shapes.safety import ShapesError, path_stand_in, prefix_declarations, returned_variables
from cdkg.shapes.terms import rdflib_term

# The index is keyed by predicates as plain strings: hashing and comparing them is C-fast, unlike rdflib terms.
TYPE, SUBCLASS = str(RDF.type), str(RDFS.subClassOf)
_EMPTY = {}
_NONE = ()
_SHAPE_TYPES = frozenset({SH.NodeShape, SH.PropertyShape})
_CLASS_TYPES = frozenset({RDFS.Class, OWL.Class})
TARGETS = frozenset({SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf})
# Parameters that describe a shape rather than constrain it.
DESCRIPTIVE = frozenset({
    RDF.type, RDFS.label, RDFS.comment, RDFS.subClassOf, RDFS.seeAlso, RDFS.isDefinedBy, SH.name,
    SH.description, SH.order, SH.group, SH.message, SH.severity, SH.deactivated, SH.defaultValue, OWL.imports,
    SH.declare, *TARGETS,
})
# Parameters read together with another one (sh:flags with sh:pattern, the qualified counts with their shape).
COMPANIONS = frozenset({SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint,
                        SH.ignoredProperties, SH.path})


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature the compiled engine does not evaluate (pySHACL then validates it)."""


class NeedsPySHACL(Exception):
    """A graph the compiled engine cannot judge (the gate then validates that whole graph with pySHACL)."""


@dataclass
class View:
    """One graph as the compiled engine reads it: the triple index, and an Oxigraph graph for SPARQL (lazy)."""

    index: dict
    triples: list = field(default_factory=list)
    store: object = None  # (pyoxigraph.Store, graph name), loaded on the first SPARQL-based constraint
    # the batch's stores (the gate): stores.load_views(views, focus=None, marks=()) loads these views' stores at
    # once, focus {id(view): {focus node: the predicates deferred SPARQL constraints read of it}} (None: all of
    # any node), and writes each list of (view, focus node) pairs in marks as a graph, their IRIs in return
    stores: object = None


@dataclass(frozen=True, slots=True, eq=False)
class Constraint:
    """One constraint component of one shape: failing(focus, values, view) -> failing values (None: no sh:value)."""

    shape: object
    component: URIRef
    path: object
    severity: URIRef
    messages: tuple
    failing: object
    conforms: object = None  # conforms(value, view) -> bool, for a component that tests each value on its own

    def results(self, focus, values, view):
        """Return the validation results of this constraint for a focus node and its value nodes."""
        failing = self.failing(focus, values, view)
        if not failing:  # the common case: no list of results to build
            return _NONE
        return [Result(focus, self.path, value, self.shape, self.component, self.severity, self.messages)
                for value in failing]


@dataclass(frozen=True, slots=True, eq=False)
class SparqlConstraint:
    """An sh:sparql constraint: a SELECT run with $this (and $currentShape) pre-bound."""

    shape: object
    path: object
    severity: URIRef
    messages: tuple
    node: object  # the sh:SPARQLConstraint, reported as sh:sourceConstraint
    query: str
    node_shape: bool
    returned: frozenset  # the variables the query returns
    batch: tuple = None  # the query as pieces around focus-pattern slots (batch_template), None: one per node
    reads_of_this: frozenset = frozenset()  # the predicates (str) it reads only as `$this <p> ...`

    def results(self, focus, values, view):
        """Return one result per solution: focus ?this, path ?path or the shape's, value ?value or (node shape) $this."""
        _refuse_blank(self.shape, focus)
        query = pre_bind(self.query, {"this": sparql_term(focus), "currentShape": sparql_term(self.shape)})
        return self._solutions(query, self.returned, focus, view)

    def results_for(self, pairs, marked):
        """Return (view, result) for (view, focus node) pairs, in one query (only when self.batch is set).

        Each view is a named graph of one store (the views of a batch share one), the pairs the further graph
        marked of it (stores.load_views' marks), and the query runs in GRAPH ?shapesFocusGraph joined with that
        graph in each of its groups, so each graph is still validated on its own. A pattern, unlike VALUES,
        costs no query text to parse.
        """
        views = {view.store[1].value: view for view, _ in pairs}
        pattern = f"GRAPH <{marked}> {{ ?{FOCUS_GRAPH} <{FOCUS_OF}> ?this }} "
        returned = self.returned | {"this"}
        return [(views[row[FOCUS_GRAPH].value], self._result(row, returned, None))
                for row in pairs[0][0].store[0].query(pattern.join(self.batch))]

    def _solutions(self, query, returned, focus, view):
        """Run a query on a graph's store; return one result per solution."""
        if view.store is None:
            view.stores.load_views([view])
        store, graph = view.store
        return [self._result(row, returned, focus) for row in store.query(query, default_graph=graph)]

    def _result(self, row, returned, focus):
        """Return the result of one solution: focus ?this or the given one, value ?value or (node shape) $this."""
        value, path, this = (row[name] if name in returned else None for name in ("value", "path", "this"))
        this = rdflib_term(this) if this is not None else focus
        return Result(this, rdflib_term(path) if path is not None else self.path,
                      rdflib_term(value) if value is not None else (this if self.node_shape else None),
                      self.shape, SH.SPARQLConstraintComponent, self.severity, self.messages, self.node)


def _refuse_blank(shape, focus):
    """Raise NeedsPySHACL for a blank focus node, which no SPARQL text can name."""
    if isinstance(focus, BNode):
        raise NeedsPySHACL(f"{_name(shape)}: a blank focus node cannot be pre-bound in SPARQL text")


class CompiledShape:
    """A node or property shape: its constraints and the property shapes its value nodes are checked against."""

    __slots__ = ("node", "key", "counts", "constraints", "value_tests", "batched", "properties", "deactivated")

    def __init__(self, node):
        self.node = node
        self.key = None  # the path's index key (a property shape), or None (a node shape: its value is the focus)
        # (lowest, highest, constraint): sh:minCount and sh:maxCount, compared inline (the commonest constraints,
        # checked on most focus nodes of every graph: a call each would cost more than the comparison)
        self.counts = []
        self.constraints = []  # evaluated per focus node
        self.value_tests = []  # evaluated per value node (Constraint.conforms): nothing to do without values
        self.batched = []  # SPARQL constraints that can also run for many focus nodes at once (batch_template)
        self.properties = []
        self.deactivated = False

    def results(self, focus, view, deferred=None):
        """Return the results of validating one focus node against this shape.

        deferred, if given, collects {constraint: [(view, focus node)]} for the SPARQL constraints that run once
        for many focus nodes (CoreEvaluator.run_deferred); a conformance test never defers.
        """
        if self.deactivated:
            return []
        values = (focus,) if self.key is None else view.index.get(focus, _EMPTY).get(self.key, _NONE)
        found = []
        for lowest, highest, constraint in self.counts:
            if not lowest <= len(values) <= highest:
                found.append(Result(focus, constraint.path, None, constraint.shape, constraint.component,
                                    constraint.severity, constraint.messages))
        for constraint in self.constraints:
            found += constraint.results(focus, values, view)
        if values:
            for constraint in self.value_tests:
                conforms = constraint.conforms
                for value in values:
                    if not conforms(value, view):
                        found.append(Result(focus, constraint.path, value, constraint.shape, constraint.component,
                                            constraint.severity, constraint.messages))
        if self.batched:
            if deferred is None:
                for constraint in self.batched:
                    found += constraint.results(focus, values, view)
            else:
                _refuse_blank(self.node, focus)
                for constraint in self.batched:
                    deferred[constraint].append((view, focus))
        for prop in self.properties:
            for value in values:
                found += prop.results(value, view, deferred)
        return found

    def conforms(self, node, view):
        """Return whether a node conforms to this shape (no result of any severity), stopping at the first result."""
        if self.deactivated:
            return True
        values = (node,) if self.key is None else view.index.get(node, _EMPTY).get(self.key, _NONE)
        for lowest, highest, _ in self.counts:
            if not lowest <= len(values) <= highest:
                return False
        for constraint in self.value_tests:
            conforms = constraint.conforms
            for value in values:
                if not conforms(value, view):
                    return False
        for constraint in self.constraints:
            if constraint.results(node, values, view):
                return False
        for constraint in self.batched:
            if constraint.results(node, values, view):
                return False
        return all(prop.conforms(value, view) for prop in self.properties for value in values)


class CoreEvaluator:
    """Compile the targeted shapes of a shapes graph; validate indexed graphs against them."""

    def __init__(self, shapes, subclasses, only=None):
        """Compile every targeted shape (only those in `only`, if given); record the ones that cannot be.

        subclasses maps a class to the classes below it, from the context (the ontology); a graph's own
        rdfs:subClassOf triples are followed too. self.refused maps each shape left to pySHACL to the reason.
        """
        self.shapes = shapes
        self.subclasses = subclasses
        self.compiled = {}
        self.refused = {}
        self.by_class = defaultdict(list)  # a class -> the shapes targeting it (or, through subclasses, a superclass)
        self.by_node, self.by_subject_of, self.by_object_of = defaultdict(list), defaultdict(list), defaultdict(list)
        self._combinations = {}
        for shape in targeted_shapes(shapes):
            if only is not None and shape not in only:
                continue
            try:
                compiled = self._shape(shape, ())
            except UnsupportedShape as reason:
                self.refused[shape] = str(reason)
                continue
            self.compiled[shape] = compiled
            self._index_targets(shape, compiled)

    def check(self, view, judged=None, deferred=None):
        """Return the results of every compiled shape on the focus nodes of a graph (only those in judged).

        deferred, if given, receives {constraint: [(view, focus node)]} for the SPARQL constraints that run
        for many graphs at once (run_deferred), whose results are then not in the list; otherwise they run now.
        """
        found, local = [], defaultdict(list)
        for focus, shapes in self._focus_nodes(view, judged).items():
            for shape in shapes:
                found += shape.results(focus, view, local)
        if deferred is None:
            return found + [result for _, result in run_deferred(local)]
        for constraint, pairs in local.items():
            deferred[constraint] += pairs
        return found

    # ------------------------------------------------------------ targets

    def _index_targets(self, shape, compiled):
        """Record which nodes a compiled shape targets."""
        graph = self.shapes
        classes = set(graph.objects(shape, SH.targetClass))
        if _CLASS_TYPES & set(graph.objects(shape, RDF.type)):
            classes.add(shape)  # an implicit class target: the shape is also a class
        for cls in classes:
            for sub in {cls} | set(self.subclasses.get(cls, ())):
                self.by_class[sub].append(compiled)
        for node in graph.objects(shape, SH.targetNode):
            self.by_node[node].append(compiled)
        for predicate in graph.objects(shape, SH.targetSubjectsOf):
            self.by_subject_of[str(predicate)].append(compiled)
        for predicate in graph.objects(shape, SH.targetObjectsOf):
            self.by_object_of[str(predicate)].append(compiled)

    def _focus_nodes(self, view, judged):
        """Return {focus node: [shapes]} for a graph, each shape once per node."""
        index = view.index
        nodes = index if judged is None else [node for node in judged if node in index]
        local = index if any(SUBCLASS in d for d in index.values()) else _EMPTY  # rarely: a graph's own classes
        by_class = {}
        for node in nodes:
            types = index[node].get(TYPE)
            if types:
                by_class[node] = self._shapes_for(tuple(types), local)
        if not (self.by_node or self.by_subject_of or self.by_object_of):
            return by_class  # class targets alone (the commonest shapes): each node's shapes are unique already
        targets = defaultdict(dict)  # node -> {id: shape}, keeping the order shapes were found in
        for node, shapes in by_class.items():
            targets[node].update((id(shape), shape) for shape in shapes)
        for node in nodes:
            description = index[node]
            for predicate in description.keys() & self.by_subject_of.keys():
                for shape in self.by_subject_of[predicate]:
                    targets[node][id(shape)] = shape
            for predicate in description.keys() & self.by_object_of.keys():
                for value in description[predicate]:
                    if judged is None or value in judged:
                        for shape in self.by_object_of[predicate]:
                            targets[value][id(shape)] = shape
        for node, shapes in self.by_node.items():
            if judged is None or node in judged:
                for shape in shapes:
                    targets[node][id(shape)] = shape
        return {node: list(shapes.values()) for node, shapes in targets.items()}

    def _shapes_for(self, types, index):
        """Return the shapes whose class targets a node of these types reaches (memoised: few combinations recur)."""
        key = types + tuple(_local_superclasses(types, index)) if index else types
        found = self._combinations.get(key)
        if found is None:
            unique = {id(shape): shape for cls in key for shape in self.by_class.get(cls, ())}
            found = self._combinations[key] = tuple(unique.values())
        return found

    # ------------------------------------------------------------ compilation

    def _shape(self, node, stack):
        """Compile a node or property shape (stack: the shapes being compiled around it, to refuse recursion)."""
        if node in stack:
            raise UnsupportedShape(f"{_name(node)} refers to itself (recursive shapes are left to pySHACL)")
        stack = (*stack, node)
        graph = self.shapes
        compiled = CompiledShape(node)
        compiled.deactivated = graph.value(node, SH.deactivated) == Literal(True)
        path = graph.value(node, SH.path)
        if path is not None:
            if not isinstance(path, URIRef):
                raise UnsupportedShape(f"{_name(node)}: sh:path {_name(path)} is not a predicate path")
            compiled.key = str(path)
        severity = graph.value(node, SH.severity) or SH.Violation
        messages = tuple(sorted(graph.objects(node, SH.message), key=lambda m: (m.language or "", str(m))))

        def add(component, failing, test=None, counts=None):
            constraint = Constraint(node, component, path, severity, messages, failing, test)
            if counts is not None:
                compiled.counts.append((*counts, constraint))
            else:
                (compiled.constraints if test is None else compiled.value_tests).append(constraint)

        for parameter in set(graph.predicates(node, None)):
            if parameter in DESCRIPTIVE or parameter in COMPANIONS:
                continue
            handler = _HANDLERS.get(parameter)
            if handler is None:
                raise UnsupportedShape(f"{_name(node)}: {_name(parameter)} is not compiled")
            if parameter in _PROPERTY_ONLY and path is None:
                raise UnsupportedShape(f"{_name(node)}: {_name(parameter)} on a node shape is left to pySHACL")
            for value in sorted(graph.objects(node, parameter), key=str):
                handler(self, node, value, add, compiled, stack, path)
        if graph.value(node, SH.flags) is not None and graph.value(node, SH.pattern) is None:
            raise UnsupportedShape(f"{_name(node)}: sh:flags without sh:pattern")
        return compiled

    def _nested(self, value, stack):
        """Compile a shape a parameter refers to."""
        return self._shape(value, stack)

    def _list(self, head):
        """Return the members of an RDF list of the shapes graph."""
        members, node, seen = [], head, set()
        while node != RDF.nil:
            first = self.shapes.value(node, RDF.first)
            if first is None or node in seen:
                raise ShapesError(f"the RDF list {head.n3()} of the shapes graph is malformed at {node.n3()}")
            seen.add(node)
            members.append(first)
            node = self.shapes.value(node, RDF.rest)
            if node is None:
                raise ShapesError(f"the RDF list {head.n3()} of the shapes graph has no rdf:nil end")
        return members

    # Each handler compiles one parameter value: handler(self, shape, value, add, compiled, stack, path).

    def _class(self, shape, cls, add, compiled, stack, path):
        test = self.instance_test(cls)
        _add_value_test(add, SH.ClassConstraintComponent, lambda v, view: test(v, view.index))

    def _datatype(self, shape, datatype, add, compiled, stack, path):
        test = _has_datatype(datatype)
        _add_value_test(add, SH.DatatypeConstraintComponent, lambda v, view: test(v))

    def _node_kind(self, shape, kind, add, compiled, stack, path):
        kinds = _NODE_KINDS.get(kind)
        if kinds is None:
            raise ShapesError(f"{_name(shape)}: sh:nodeKind {_name(kind)} is not a SHACL node kind")
        _add_value_test(add, SH.NodeKindConstraintComponent, lambda v, view: isinstance(v, kinds))

    def _pattern(self, shape, pattern, add, compiled, stack, path):
        regex = _regex(shape, pattern, self.shapes.value(shape, SH.flags))
        _add_value_test(add, SH.PatternConstraintComponent,
                        lambda v, view: not isinstance(v, BNode) and regex.search(str(v)) is not None)

    def _language_in(self, shape, languages, add, compiled, stack, path):
        test = _language_test([str(tag).lower() for tag in self._list(languages)])
        _add_value_test(add, SH.LanguageInConstraintComponent, lambda v, view: test(v))

    def _in(self, shape, members, add, compiled, stack, path):
        allowed = frozenset(self._list(members))
        _add_value_test(add, SH.InConstraintComponent, lambda v, view: v in allowed)

    def _has_value(self, shape, required, add, compiled, stack, path):
        add(SH.HasValueConstraintComponent, lambda focus, values, view: [] if required in values else [None])

    def _length(self, shape, bound, add, compiled, stack, path, component=None):
        limit = _integer(shape, bound)
        if component == SH.MaxLengthConstraintComponent:
            _add_value_test(add, component, lambda v, view: not isinstance(v, BNode) and len(str(v)) <= limit)
        else:
            _add_value_test(add, SH.MinLengthConstraintComponent,
                            lambda v, view: not isinstance(v, BNode) and len(str(v)) >= limit)

    def _max_length(self, shape, bound, add, compiled, stack, path):
        self._length(shape, bound, add, compiled, stack, path, SH.MaxLengthConstraintComponent)

    def _min_count(self, shape, bound, add, compiled, stack, path):
        add(SH.MinCountConstraintComponent, None, counts=(_integer(shape, bound), math.inf))

    def _max_count(self, shape, bound, add, compiled, stack, path):
        add(SH.MaxCountConstraintComponent, None, counts=(0, _integer(shape, bound)))

    def _unique_lang(self, shape, flag, add, compiled, stack, path):
        if flag != Literal(True):
            return

        def failing(focus, values, view):
            seen = defaultdict(int)
            for value in values:
                if isinstance(value, Literal) and value.language:
                    seen[value.language.lower()] += 1
            return [None for count in seen.values() if count > 1]
        add(SH.UniqueLangConstraintComponent, failing)

    def _qualified(self, shape, nested, add, compiled, stack, path):
        graph = self.shapes
        if graph.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise UnsupportedShape(f"{_name(shape)}: sh:qualifiedValueShapesDisjoint is left to pySHACL")
        inner = self._nested(nested, stack)

        def counted(focus, values, view):
            return sum(1 for v in values if inner.conforms(v, view))
        for bound in graph.objects(shape, SH.qualifiedMinCount):
            low = _integer(shape, bound)
            add(SH.QualifiedMinCountConstraintComponent,
                lambda focus, values, view: [None] if counted(focus, values, view) < low else [])
        for bound in graph.objects(shape, SH.qualifiedMaxCount):
            high = _integer(shape, bound)
            add(SH.QualifiedMaxCountConstraintComponent,
                lambda focus, values, view: [None] if counted(focus, values, view) > high else [])

    def _node(self, shape, nested, add, compiled, stack, path):
        _add_value_test(add, SH.NodeConstraintComponent, self._nested(nested, stack).conforms)

    def _property(self, shape, nested, add, compiled, stack, path):
        inner = self._nested(nested, stack)
        if inner.key is None:
            raise ShapesError(f"{_name(shape)}: the sh:property {_name(nested)} has no sh:path")
        compiled.properties.append(inner)

    def _not(self, shape, nested, add, compiled, stack, path):
        inner = self._nested(nested, stack).conforms
        _add_value_test(add, SH.NotConstraintComponent, lambda v, view: not inner(v, view))

    def _or(self, shape, members, add, compiled, stack, path):
        options = [self._nested(m, stack).conforms for m in self._list(members)]
        _add_value_test(add, SH.OrConstraintComponent, lambda v, view: any(o(v, view) for o in options))

    def _and(self, shape, members, add, compiled, stack, path):
        parts = [self._nested(m, stack).conforms for m in self._list(members)]
        _add_value_test(add, SH.AndConstraintComponent, lambda v, view: all(p(v, view) for p in parts))

    def _xone(self, shape, members, add, compiled, stack, path):
        options = [self._nested(m, stack).conforms for m in self._list(members)]
        _add_value_test(add, SH.XoneConstraintComponent,
                        lambda v, view: sum(1 for o in options if o(v, view)) == 1)

    def _equals(self, shape, predicate, add, compiled, stack, path):
        key = _predicate_key(shape, predicate)

        def failing(focus, values, view):
            other = view.index.get(focus, _EMPTY).get(key, _NONE)
            return [v for v in values if v not in other] + [v for v in other if v not in values]
        add(SH.EqualsConstraintComponent, failing)

    def _disjoint(self, shape, predicate, add, compiled, stack, path):
        key = _predicate_key(shape, predicate)
        add(SH.DisjointConstraintComponent, lambda focus, values, view: [
            v for v in values if v in view.index.get(focus, _EMPTY).get(key, _NONE)])

    def _closed(self, shape, flag, add, compiled, stack, path):
        if flag != Literal(True):
            return
        if path is not None:
            raise UnsupportedShape(f"{_name(shape)}: sh:closed on a property shape is left to pySHACL")
        graph = self.shapes
        allowed = {str(graph.value(p, SH.path)) for p in graph.objects(shape, SH.property)}
        for ignored in graph.objects(shape, SH.ignoredProperties):
            allowed |= {str(p) for p in self._list(ignored)}
        severity = graph.value(shape, SH.severity) or SH.Violation
        messages = tuple(sorted(graph.objects(shape, SH.message), key=lambda m: (m.language or "", str(m))))

        def results(focus, values, view):
            return [Result(focus, URIRef(p), o, shape, SH.ClosedConstraintComponent, severity, messages)
                    for p, objects in view.index.get(focus, _EMPTY).items() if p not in allowed for o in objects]
        compiled.constraints.append(_Closed(results))

    def _sparql(self, shape, constraint, add, compiled, stack, path):
        graph = self.shapes
        if graph.value(constraint, SH.deactivated) == Literal(True):
            return
        select = graph.value(constraint, SH.select)
        if select is None:
            raise ShapesError(f"{_name(shape)}: the SPARQL constraint {_name(constraint)} has no sh:select")
        text = str(select)
        if "$shapesGraph" in text or "?shapesGraph" in text:
            raise UnsupportedShape(f"{_name(shape)}: $shapesGraph is left to pySHACL")
        if re.search(r"[?$]failure\b", text):
            raise UnsupportedShape(f"{_name(shape)}: ?failure is left to pySHACL")
        if path is not None:
            text = text.replace("$PATH", f"<{path}>")
        messages = tuple(sorted(graph.objects(constraint, SH.message), key=lambda m: (m.language or "", str(m))))
        messages = messages or tuple(sorted(graph.objects(shape, SH.message), key=lambda m: (m.language or "", str(m))))
        query = prefix_declarations(graph, constraint) + text
        returned, mentioned = returned_variables(query)
        if "currentShape" in mentioned and isinstance(shape, BNode):
            raise UnsupportedShape(f"{_name(shape)}: $currentShape of a blank-node shape is left to pySHACL")
        severity = graph.value(shape, SH.severity) or SH.Violation
        batch = None if isinstance(shape, BNode) else batch_template(pre_bind(query, {"currentShape": sparql_term(shape)}))
        reads_of_this = frozenset(map(str, _query_patterns(graph, constraint, text)[2]))
        sparql = SparqlConstraint(shape, path, severity, messages, constraint, query, path is None,
                                  frozenset(returned), batch, reads_of_this)
        (compiled.constraints if batch is None else compiled.batched).append(sparql)

    def instance_test(self, cls):
        """Return a test that a node is a SHACL instance of a class (rdf:type, then rdfs:subClassOf*)."""
        accepted = frozenset({cls} | set(self.subclasses.get(cls, ())))

        def test(node, index):
            types = index.get(node, _EMPTY).get(TYPE, _NONE)
            for t in types:
                if t in accepted:
                    return True
            return any(t in accepted for t in _local_superclasses(types, index))
        return test


@dataclass(frozen=True, slots=True, eq=False)
class _Closed:
    """sh:closed: one result per triple of the focus node whose predicate no property shape names."""

    results_of: object

    def results(self, focus, values, view):
        return self.results_of(focus, values, view)


_HANDLERS = {
    SH["class"]: CoreEvaluator._class, SH.datatype: CoreEvaluator._datatype, SH.nodeKind: CoreEvaluator._node_kind,
    SH.pattern: CoreEvaluator._pattern, SH.languageIn: CoreEvaluator._language_in, SH["in"]: CoreEvaluator._in,
    SH.hasValue: CoreEvaluator._has_value, SH.minLength: CoreEvaluator._length,
    SH.maxLength: CoreEvaluator._max_length, SH.minCount: CoreEvaluator._min_count,
    SH.maxCount: CoreEvaluator._max_count, SH.uniqueLang: CoreEvaluator._unique_lang,
    SH.qualifiedValueShape: CoreEvaluator._qualified, SH.node: CoreEvaluator._node,
    SH.property: CoreEvaluator._property, SH["not"]: CoreEvaluator._not, SH["or"]: CoreEvaluator._or,
    SH["and"]: CoreEvaluator._and, SH.xone: CoreEvaluator._xone, SH.equals: CoreEvaluator._equals,
    SH.disjoint: CoreEvaluator._disjoint, SH.closed: CoreEvaluator._closed, SH.sparql: CoreEvaluator._sparql,
}
# Parameters SHACL defines for property shapes only (a node shape with one is left to pySHACL).
_PROPERTY_ONLY = frozenset({SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape, SH.equals,
                            SH.disjoint})
_NODE_KINDS = {
    SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,), SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal), SH.IRIOrLiteral: (URIRef, Literal),
}


def run_deferred(deferred):
    """Return (view, result) for deferred SPARQL constraints: one query per constraint, for all its nodes.

    The graphs not yet in a store are loaded first, all at once, each with the focus nodes of every deferred
    constraint on it and what each constraint reads of them (a store needs a predicate read only as
    `$this <p> ...` for the focus nodes of the constraints that read it, alone), and in the same write each
    constraint's (view, focus node) pairs as a graph of their own.
    """
    if not deferred:
        return []
    unloaded, focus, marks = {}, defaultdict(dict), []
    for constraint, pairs in deferred.items():
        reads = constraint.reads_of_this
        for view, node in pairs:
            if view.store is None:
                unloaded[id(view)] = view
                nodes = focus[id(view)]
                known = nodes.get(node)
                nodes[node] = reads if known is None else known | reads
        marks.append(list({(id(view), node): (view, node) for view, node in pairs}.values()))
    stores = marks[0][0][0].stores
    marked = stores.load_views(list(unloaded.values()), focus, marks)
    return [found for constraint, pairs, name in zip(deferred, marks, marked)
            for found in constraint.results_for(pairs, name)]


def targeted_shapes(shapes):
    """Return the shapes of a shapes graph that have a target (explicit, or implicit: a shape that is a class)."""
    found = {s for target in TARGETS for s in shapes.subjects(target, None)}
    for cls in _CLASS_TYPES:
        for node in shapes.subjects(RDF.type, cls):
            if _SHAPE_TYPES & set(shapes.objects(node, RDF.type)):
                found.add(node)
    return sorted(found, key=lambda node: (isinstance(node, BNode), str(node)))


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


def _local_superclasses(types, index):
    """Return the superclasses of these types that the graph's own rdfs:subClassOf triples add."""
    found, pending = [], list(types)
    seen = set(pending)
    while pending:
        for sup in index.get(pending.pop(), _EMPTY).get(SUBCLASS, _NONE):
            if sup not in seen:
                seen.add(sup)
                found.append(sup)
                pending.append(sup)
    return found


def _has_datatype(datatype):
    """Return a test of sh:datatype: the datatype and a well-formed lexical form."""
    if datatype == RDF.langString:
        return lambda v: isinstance(v, Literal) and bool(v.language)

    def test(v):
        if not isinstance(v, Literal) or v.language:
            return False
        actual = v.datatype if v.datatype is not None else XSD.string
        return actual == datatype and not v.ill_typed
    return test


_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}


def _regex(shape, pattern, flags):
    """Compile sh:pattern with its sh:flags (SPARQL REGEX flags i, s, m, x, q)."""
    options, text = 0, str(pattern)
    for flag in str(flags or ""):
        if flag == "q":
            text = re.escape(text)
        elif flag in _FLAGS:
            options |= _FLAGS[flag]
        else:
            raise ShapesError(f"{_name(shape)}: sh:flags {str(flags)!r} has {flag!r}, not a SPARQL regex flag")
    try:
        return re.compile(text, options)
    except re.error as error:
        raise ShapesError(f"{_name(shape)}: sh:pattern {str(pattern)!r} is not a valid regular expression "
                          f"({error})") from None


def _add_value_test(add, component, conforms):
    """Add a constraint that judges each value node on its own: conforms(value, view) -> bool."""
    add(component, lambda focus, values, view: [v for v in values if not conforms(v, view)], conforms)


def _language_test(ranges):
    """Return a test that a literal's language tag matches one of the ranges (SPARQL langMatches)."""
    exact, prefixes, anything = frozenset(ranges), tuple(r + "-" for r in ranges), "*" in ranges

    def test(value):
        language = value.language if isinstance(value, Literal) else None
        if not language:
            return False
        tag = language.lower()
        return anything or tag in exact or tag.startswith(prefixes)
    return test


def _integer(shape, bound):
    """Return the integer value of a count or length parameter."""
    if not isinstance(bound, Literal) or not isinstance(bound.toPython(), int):
        raise ShapesError(f"{_name(shape)}: {bound.n3()} is not an integer")
    return bound.toPython()


def _predicate_key(shape, predicate):
    """Return the index key of an IRI parameter such as sh:equals."""
    if not isinstance(predicate, URIRef):
        raise ShapesError(f"{_name(shape)}: {predicate.n3()} is not a property IRI")
    return str(predicate)


def pre_bind(query, values):
    """Return a query with pre-bound variables replaced by the SPARQL text of their values (SHACL pre-binding).

    Each $var / ?var becomes the value, except: projected by the query, it becomes (value AS ?var), so the
    solutions still carry it (in a sub-SELECT, under a fresh name); bound($var) becomes sameTerm(value, value),
    true. Strings, IRIs and comments are left alone (endpoint.sparqltext's tokens).
    """
    return "".join(piece if isinstance(piece, str) else piece[1].format(values[piece[0]])
                   for piece in _pre_binding_template(query, frozenset(values)))


@functools.lru_cache(maxsize=1024)  # a shape's query is bound once per focus node: split it once
def _pre_binding_template(query, names):
    """Return the query as text pieces and (variable, format) holes for pre_bind, on the grammar's tokens."""
    # clause: "projection" (a SELECT's), "conditions" (GROUP BY, ORDER BY: a bare IRI there is no condition) or None
    out, position, clause, depth, selects = [], 0, None, 0, 0
    found = tokens(query)
    for index, token in enumerate(found):
        out.append(query[position:token.start])
        piece = token.text
        if token.is_word("SELECT"):
            clause, depth, selects = "projection", 0, selects + 1
        elif token.is_word("GROUP", "ORDER"):
            clause, depth = "conditions", 0
        elif token.is_word("WHERE", "HAVING", "LIMIT", "OFFSET", "VALUES") or token.text in ("{", "}"):
            clause = None
        elif clause and token.text in ("(", ")"):
            depth += 1 if token.text == "(" else -1
        elif token.kind == "var" and token.text[1:] in names:
            name = token.text[1:]
            if clause == "projection" and depth == 0:
                piece = (name, f"({{0}} AS ?{name if selects == 1 else f'shapesPreBound{selects}'})")
            elif index >= 2 and found[index - 1].text == "(" and found[index - 2].is_word("BOUND"):
                out[-4] = "sameTerm"  # bound($this) is true: sameTerm(value, value)
                piece = (name, "{0}, {0}")
            elif clause == "conditions" and depth == 0:
                piece = (name, "({0})")  # GROUP BY <iri> would read as a function call: a bracketed expression
            else:
                piece = (name, "{0}")
        out.append(piece)
        position = token.end
    out.append(query[position:])
    return tuple(out)


# The variable naming, in a batched query, the graph of a focus node (a query using it runs per node).
FOCUS_GRAPH = "shapesFocusGraph"
# The predicate of the graph of (view graph, focus node) pairs a batched query joins with (load_views' marks).
FOCUS_OF = GATE_SCRATCH + "focusNode"
# Words after which a query's solutions for several focus nodes are not those for each node (aggregates, slices).
_PER_NODE_WORDS = ("SELECT", "GROUP", "HAVING", "LIMIT", "OFFSET", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE",
                   "GROUP_CONCAT", "VALUES", "MINUS", "SERVICE", "GRAPH")


def batch_template(query):
    """Return a SELECT query as pieces to join with a pattern binding (?shapesFocusGraph ?this) (None: run per node).

    The pattern opens every group of the query, so every group, OPTIONAL, UNION branch and EXISTS sees
    $this bound, as SHACL's pre-binding has it; the query's pattern runs in GRAPH ?shapesFocusGraph, each
    focus node in its own graph; both are projected, so that each solution names its focus node and graph.
    That gives the per-node solutions, for all nodes at once, for a query with one SELECT and no aggregate,
    slice, VALUES, MINUS or GRAPH (those run per node).
    """
    found = tokens(query)
    if (sum(1 for token in found if token.is_word(*_PER_NODE_WORDS)) != 1
            or any(token.kind == "var" and token.text[1:] == FOCUS_GRAPH for token in found)):
        return None
    select = next(i for i, token in enumerate(found) if token.is_word("SELECT"))
    head = select + 2 if select + 1 < len(found) and found[select + 1].is_word("DISTINCT", "REDUCED") else select + 1
    projection, depth = [], 0
    for token in found[head:]:
        if token.is_word("WHERE") or token.text == "{":
            break
        depth += (token.text == "(") - (token.text == ")")
        if depth == 0 and token.kind == "var":
            projection.append(token.text[1:])
    start = found[head].start
    added = f"?{FOCUS_GRAPH} " if found[head].text == "*" or "this" in projection else f"?{FOCUS_GRAPH} ?this "
    pieces, piece, position, depth = [], query[:start] + added, start, 0
    for token in found[head:]:
        if token.kind != "punct" or token.text not in "{}":
            continue
        if token.text == "}":
            depth -= 1
            if depth == 0:  # the end of the WHERE group: close the GRAPH block opened with it
                piece, position = piece + query[position:token.start] + "} ", token.start
            continue
        depth += 1
        pieces.append(piece + query[position:token.end] + (f" GRAPH ?{FOCUS_GRAPH} {{ " if depth == 1 else " "))
        piece, position = "", token.end
    pieces.append(piece + query[position:])
    return tuple(pieces)


def sparql_term(term):
    """Return an IRI or literal in SPARQL syntax."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    escaped = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{escaped}"@{term.language}'
    return f'"{escaped}"^^<{term.datatype or XSD.string}>'


def _name(node):
    """Return a shapes-graph node as an error message names it."""
    return node.n3() if isinstance(node, (URIRef, BNode, Literal)) else str(node)


def looked_at_predicates(shapes):
    """Return (on focus nodes, on value nodes): the predicates the shapes can look at, None where any may matter.

    The context a graph is given is trimmed to these predicates (a city's country, not its population).
    """
    on_values = sparql_predicates(shapes)
    if on_values is None or any(shapes.subjects(SH.closed, Literal(True))) or any(
            not isinstance(path, URIRef) for path in shapes.objects(None, SH.path)):
        return None, None
    targeted = set(targeted_shapes(shapes))
    direct = targeted | {p for shape in targeted for p in shapes.objects(shape, SH.property)}
    on_focus = set(on_values)
    for shape, path in shapes.subject_objects(SH.path):
        on_focus.add(path)
        if shape not in direct:
            on_values.add(path)
    for parameter in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH.targetSubjectsOf,
                      SH.targetObjectsOf):
        on_focus |= set(shapes.objects(None, parameter))
    return on_focus, on_values


def sparql_predicates(shapes):
    """Return the predicates the shapes' SPARQL constraints can match (None: any), with rdf:type, rdfs:subClassOf.

    A property shape's path counts when its query says $PATH.
    """
    found = sparql_patterns(shapes).predicates
    return None if found is None else set(found)


@dataclass(frozen=True)
class SparqlPatterns:
    """What the shapes' SPARQL constraints can match triples with: all a store of their data graph needs."""

    predicates: frozenset  # the predicates of their triple patterns and paths (None: any)
    superclasses: frozenset  # the objects of their rdfs:subClassOf patterns (None: any class)
    focus_only: frozenset  # the predicates they read only as `$this <p> ...`: of focus nodes alone


def sparql_patterns(shapes):
    """Return the SparqlPatterns of a shapes graph.

    superclasses is set when every rdfs:subClassOf pattern has an IRI object and rdfs:subClassOf is in no
    property path: a store then needs only the hierarchy triples up to those. A predicate is focus-only when
    each pattern with it is a plain triple pattern whose subject is $this (pre-bound to the focus node).
    """
    found, superclasses, focus_only, anywhere = {RDF.type, RDFS.subClassOf}, set(), set(), set()
    for shape, constraint in shapes.subject_objects(SH.sparql):
        select = shapes.value(constraint, SH.select)
        predicates, above, on_this = _query_patterns(shapes, constraint, select)
        path = shapes.value(shape, SH.path)
        if predicates is None or ("$PATH" in str(select) and not isinstance(path, URIRef)):
            return SparqlPatterns(None, None, frozenset())
        if "$PATH" in str(select):
            predicates.add(path)
            anywhere.add(path)
            if path == RDFS.subClassOf:
                above = None
        found |= predicates
        focus_only |= on_this
        anywhere |= predicates - on_this
        superclasses = None if superclasses is None or above is None else superclasses | above
    return SparqlPatterns(frozenset(found), None if superclasses is None else frozenset(superclasses),
                          frozenset(focus_only - anywhere))


def _query_patterns(shapes, owner, text):
    """Return (IRIs a query matches triples with, objects of its rdfs:subClassOf patterns, predicates it reads
    only of $this), the first two None for any."""
    from rdflib.paths import Path
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    if text is None:
        return None, None, set()
    algebra = translateQuery(parseQuery(prefix_declarations(shapes, owner) + path_stand_in(text))).algebra
    found, superclasses, on_this, elsewhere = set(), set(), set(), set()

    def path_iris(path):
        if isinstance(path, URIRef):
            return {path}
        if not isinstance(path, Path) or type(path).__name__ == "NegatedPath":
            return None
        parts = getattr(path, "args", None) or [getattr(path, "arg", None) or getattr(path, "path", None)]
        collected = set()
        for part in parts:
            iris = path_iris(part)
            if iris is None:
                return None
            collected |= iris
        return collected

    def walk(node):
        nonlocal superclasses
        if isinstance(node, CompValue):
            if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):  # rdflib keeps the translated pattern apart
                return walk(vars(node)["graph"])
            if node.name == "BGP":
                for subject, predicate, value in node.triples:
                    iris = path_iris(predicate)
                    if iris is None:
                        return False
                    found.update(iris)
                    plain_on_this = isinstance(predicate, URIRef) and subject == Variable("this")
                    (on_this if plain_on_this else elsewhere).update(iris)
                    if RDFS.subClassOf in iris and superclasses is not None:
                        plain = predicate == RDFS.subClassOf and isinstance(value, URIRef)
                        superclasses = superclasses | {value} if plain else None
            return all(walk(value) for value in node.values())
        if isinstance(node, (list, tuple)):
            return all(walk(item) for item in node)
        return True
    return (found, superclasses, on_this - elsewhere) if walk(algebra) else (None, None, set())
