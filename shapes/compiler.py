"""Compile the SHACL Core constraints of a shapes graph into SPARQL queries over a batch of named graphs.

Each query evaluates one constraint component of one shape over every named graph of a batch at once
(`GRAPH ?graph { ... }`), so a statement graph is validated on its own triples only, and returns the
(graph, focus node, value) of each failure. The supported subset is what the project's shapes use; any
other SHACL parameter is refused at load time (UnsupportedShape) rather than silently ignored.
"""
import re
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.collection import Collection

from cdkg.ontology.namespaces import OWL, RDF, RDFS, SH, XSD

# Variables the compiled queries use; unusual names so that a SPARQL constraint's own variables never clash.
GRAPH_VAR, FOCUS_VAR, VALUE_VAR, LANG_VAR = "shapesGraph", "this", "value", "shapesLang"
TARGET_VAR = "shapesTarget"

# Datatypes whose lexical form SPARQL can check by casting (an ill-formed literal fails the cast).
CASTABLE = frozenset({
    XSD.date, XSD.dateTime, XSD.time, XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean,
    XSD.duration, XSD.dayTimeDuration, XSD.yearMonthDuration,
})

# Parameters that describe a shape rather than constrain it, and parameters consumed with another one.
DESCRIPTIVE = frozenset({
    RDF.type, RDFS.label, RDFS.comment, SH.name, SH.description, SH.order, SH.group, SH.message, SH.severity,
    SH.path, SH.targetClass, SH.property, SH.sparql, SH.deactivated, SH.flags, SH.qualifiedMinCount,
    SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint, OWL.imports,
})


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature the compiled gate does not evaluate."""


@dataclass(frozen=True, slots=True)
class Check:
    """One compiled constraint: its query and what a validation result from it reports."""

    query: str  # projects ?shapesGraph ?this and, where there is one, ?value
    shape: object  # sh:sourceShape
    component: URIRef  # sh:sourceConstraintComponent
    path: URIRef | None  # sh:resultPath
    severity: URIRef
    messages: tuple
    constraint: object = None  # sh:sourceConstraint (SPARQL-based constraints)
    has_value: bool = False  # whether the query projects ?value


def sparql_string(text):
    """Return text as a SPARQL string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def sparql_term(term):
    """Return an RDF term in SPARQL syntax."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        if term.language:
            return f"{sparql_string(str(term))}@{term.language}"
        if term.datatype:
            return f"{sparql_string(str(term))}^^<{term.datatype}>"
        return sparql_string(str(term))
    raise UnsupportedShape(f"a blank node cannot be a constant in a shape: {term}")


class Compiler:
    """Turn the targeted node shapes of a shapes graph into Checks."""

    def __init__(self, shapes_graph, subclasses=None, focus_marker=None):
        """Read the shapes graph.

        subclasses maps a class to the classes below it: sh:targetClass and sh:class match their instances
        by asserted type, as SHACL instances. focus_marker, if given, is a predicate whose subjects alone
        are focus nodes (the compiled engine marks a graph's own subjects with it).
        """
        self.shapes = shapes_graph
        self.subclasses = subclasses or {}
        self.focus_marker = focus_marker
        self.fresh = 0

    def compile(self):
        """Return the Checks of every node shape that has a target."""
        checks = []
        for shape in sorted(set(self.shapes.subjects(SH.targetClass, None)), key=str):
            if self._deactivated(shape):
                continue
            classes = self._with_subclasses(self.shapes.objects(shape, SH.targetClass))
            target = f"VALUES ?{TARGET_VAR} {{ {classes} }} ?{FOCUS_VAR} <{RDF.type}> ?{TARGET_VAR} ."
            if self.focus_marker is not None:
                target = f"?{FOCUS_VAR} <{self.focus_marker}> [] . " + target
            checks += self._node_shape(shape, target)
        return checks

    def subject_predicates(self):
        """Return every predicate the shapes look at on a focus node (paths and SPARQL constraints)."""
        found = {RDF.type} | self.value_predicates()
        for path in self.shapes.objects(None, SH.path):
            found.add(self._predicate(path))
        return found

    def value_predicates(self):
        """Return the predicates the shapes look at on a value: types, nested shapes' paths, SPARQL constraints."""
        found = {RDF.type, RDFS.subClassOf}
        nested = set(self.shapes.objects(None, SH.node)) | set(self.shapes.objects(None, SH.qualifiedValueShape))
        for members in (*self.shapes.objects(None, SH["or"]), *self.shapes.objects(None, SH["and"])):
            nested |= set(Collection(self.shapes, members))
        nested |= set(self.shapes.objects(None, SH["not"]))
        for shape in nested:
            for prop in self.shapes.objects(shape, SH.property):
                found.add(self._predicate(self.shapes.value(prop, SH.path)))
        for constraint in self.shapes.objects(None, SH.sparql):
            found |= self._iris_in_query(constraint)
        return found

    def sparql_iris(self):
        """Return the IRIs SPARQL constraints name (the classes among them need their subclass triples)."""
        return set().union(*(self._iris_in_query(c) for c in self.shapes.objects(None, SH.sparql)))

    # ------------------------------------------------------------ shapes

    def _node_shape(self, shape, target):
        """Return the Checks of a targeted node shape: its own constraints, its property shapes, its SPARQL."""
        checks = [self._check(shape, component, target + f" FILTER(!COALESCE({expr}, false))", None, True)
                  for component, expr in self._value_conditions(shape, f"?{FOCUS_VAR}")]
        for constraint in self.shapes.objects(shape, SH.sparql):
            checks.append(self._sparql(shape, constraint, target))
        for prop in sorted(self.shapes.objects(shape, SH.property), key=str):
            if not self._deactivated(prop):
                checks += self._property_shape(prop, target)
        self._refuse_unknown(shape, allowed=_VALUE_PARAMETERS)
        return checks

    def _property_shape(self, prop, target):
        """Return the Checks of a property shape: counts, qualified counts, unique languages, value constraints."""
        self._refuse_unknown(prop, allowed=_VALUE_PARAMETERS | _PROPERTY_PARAMETERS)
        path = self.shapes.value(prop, SH.path)
        predicate = f"<{self._predicate(path)}>"
        this, value = f"?{FOCUS_VAR}", f"?{VALUE_VAR}"
        checks = []
        for bound in self.shapes.objects(prop, SH.minCount):
            checks.append(self._count(prop, path, SH.MinCountConstraintComponent, target, predicate, "true", "<",
                                      int(bound)))
        for bound in self.shapes.objects(prop, SH.maxCount):
            checks.append(self._count(prop, path, SH.MaxCountConstraintComponent, target, predicate, "true", ">",
                                      int(bound)))
        qualified = self.shapes.value(prop, SH.qualifiedValueShape)
        if qualified is not None:
            if self.shapes.value(prop, SH.qualifiedValueShapesDisjoint) == Literal(True):
                raise UnsupportedShape(f"{prop}: sh:qualifiedValueShapesDisjoint is not supported")
            condition = self._conforms(qualified, value)
            for bound in self.shapes.objects(prop, SH.qualifiedMinCount):
                checks.append(self._count(prop, path, SH.QualifiedMinCountConstraintComponent, target, predicate,
                                          condition, "<", int(bound)))
            for bound in self.shapes.objects(prop, SH.qualifiedMaxCount):
                checks.append(self._count(prop, path, SH.QualifiedMaxCountConstraintComponent, target, predicate,
                                          condition, ">", int(bound)))
        if self.shapes.value(prop, SH.uniqueLang) == Literal(True):
            body = (f"{target} {this} {predicate} {value} FILTER(isLiteral({value}) && lang({value}) != \"\") "
                    f"BIND(LCASE(lang({value})) AS ?{LANG_VAR})")
            checks.append(self._check(prop, SH.UniqueLangConstraintComponent, body, path, False,
                                      group=f"?{LANG_VAR}", having=f"COUNT(DISTINCT {value}) > 1"))
        for value_shape in self.shapes.objects(prop, SH.hasValue):
            body = f"{target} FILTER NOT EXISTS {{ {this} {predicate} {sparql_term(value_shape)} }}"
            checks.append(self._check(prop, SH.HasValueConstraintComponent, body, path, False))
        for component, expr in self._value_conditions(prop, value):
            body = f"{target} {this} {predicate} {value} FILTER(!COALESCE({expr}, false))"
            checks.append(self._check(prop, component, body, path, True))
        return checks

    def _count(self, prop, path, component, target, predicate, condition, comparison, bound):
        """Return a Check on the number of (conforming) values of a path."""
        this, value = f"?{FOCUS_VAR}", f"?{VALUE_VAR}"
        pattern = f"{this} {predicate} {value}"
        if condition != "true":
            pattern += f" FILTER(COALESCE({condition}, false))"
        if comparison == "<" and bound == 1:  # the common case, cheaper as a negation than as a count
            return self._check(prop, component, f"{target} FILTER NOT EXISTS {{ {pattern} }}", path, False)
        # Too few values: count with OPTIONAL so that zero is counted; too many: at least one must match.
        body = f"{target} OPTIONAL {{ {pattern} }}" if comparison == "<" else f"{target} {pattern}"
        return self._check(prop, component, body, path, False, group="",
                           having=f"COUNT(DISTINCT {value}) {comparison} {bound}")

    def _sparql(self, shape, constraint, target):
        """Return the Check of a SPARQL-based constraint, its WHERE clause inlined after the target."""
        select = str(self.shapes.value(constraint, SH.select))
        match = re.match(r"\s*SELECT\s+(DISTINCT\s+)?(?P<projection>[^{]*?)\s*WHERE\s*\{", select, re.I | re.S)
        end = select.rstrip()
        if match is None or not end.endswith("}") or re.search(r"\b(GROUP|ORDER|LIMIT|OFFSET|HAVING)\b", select, re.I):
            raise UnsupportedShape(f"{shape}: a SPARQL constraint must be a plain SELECT ... WHERE {{ ... }}")
        body = end[match.end():-1]
        projected = re.findall(r"[?$](\w+)", match.group("projection"))
        value = f" ?{VALUE_VAR}" if VALUE_VAR in projected else ""
        messages = tuple(self.shapes.objects(constraint, SH.message)) or self._messages(shape)
        query = (f"{self._prefixes(constraint)}SELECT DISTINCT ?{GRAPH_VAR} ?{FOCUS_VAR}{value} "
                 f"WHERE {{ GRAPH ?{GRAPH_VAR} {{ {target} {{ {body} }} }} }}")
        return Check(query, shape, SH.SPARQLConstraintComponent, None, self._severity(shape), messages, constraint,
                     bool(value))

    def _check(self, shape, component, body, path, has_value, group=None, having=None):
        """Return a Check whose query wraps a body in the batch's named graphs."""
        value = f" ?{VALUE_VAR}" if has_value else ""
        query = f"SELECT DISTINCT ?{GRAPH_VAR} ?{FOCUS_VAR}{value} WHERE {{ GRAPH ?{GRAPH_VAR} {{ {body} }} }}"
        if having is not None:
            query = (f"SELECT ?{GRAPH_VAR} ?{FOCUS_VAR} WHERE {{ GRAPH ?{GRAPH_VAR} {{ {body} }} }} "
                     f"GROUP BY ?{GRAPH_VAR} ?{FOCUS_VAR} {group} HAVING ({having})")
        if path is not None:
            path = self._predicate(path)
        return Check(query, shape, component, path, self._severity(shape), self._messages(shape),
                     has_value=has_value)

    # ------------------------------------------------------------ value conditions (SPARQL expressions)

    def _value_conditions(self, shape, var):
        """Return (component, expression) for each constraint a single value must meet on its own."""
        conditions = []
        graph = self.shapes
        for cls in graph.objects(shape, SH["class"]):
            self.fresh += 1
            types = f"?shapesClass{self.fresh}"
            conditions.append((SH.ClassConstraintComponent, f"EXISTS {{ VALUES {types} {{ "
                               f"{self._with_subclasses([cls])} }} {var} <{RDF.type}> {types} }}"))
        for datatype in graph.objects(shape, SH.datatype):
            conditions.append((SH.DatatypeConstraintComponent, _datatype(var, datatype)))
        for kind in graph.objects(shape, SH.nodeKind):
            conditions.append((SH.NodeKindConstraintComponent, _node_kind(var, kind)))
        for pattern in graph.objects(shape, SH.pattern):
            flags = graph.value(shape, SH.flags)
            flag_arg = f", {sparql_string(str(flags))}" if flags is not None else ""
            conditions.append((SH.PatternConstraintComponent,
                               f"(!isBlank({var}) && REGEX(STR({var}), {sparql_string(str(pattern))}{flag_arg}))"))
        for languages in graph.objects(shape, SH.languageIn):
            tests = " || ".join(f"langMatches(lang({var}), {sparql_string(str(tag))})"
                                for tag in Collection(graph, languages))
            conditions.append((SH.LanguageInConstraintComponent, f"(isLiteral({var}) && ({tests or 'false'}))"))
        for members in graph.objects(shape, SH["in"]):
            tests = " || ".join(f"sameTerm({var}, {sparql_term(m)})" for m in Collection(graph, members))
            conditions.append((SH.InConstraintComponent, f"({tests or 'false'})"))
        for nested in graph.objects(shape, SH.node):
            conditions.append((SH.NodeConstraintComponent, self._conforms(nested, var)))
        for alternatives in graph.objects(shape, SH["or"]):
            tests = " || ".join(self._conforms(s, var) for s in Collection(graph, alternatives))
            conditions.append((SH.OrConstraintComponent, f"({tests or 'false'})"))
        for conjuncts in graph.objects(shape, SH["and"]):
            tests = " && ".join(self._conforms(s, var) for s in Collection(graph, conjuncts))
            conditions.append((SH.AndConstraintComponent, f"({tests or 'true'})"))
        for negated in graph.objects(shape, SH["not"]):
            conditions.append((SH.NotConstraintComponent, f"(!{self._conforms(negated, var)})"))
        return conditions

    def _conforms(self, shape, var):
        """Return an expression true when the node in var conforms to a nested shape."""
        self._refuse_unknown(shape, allowed=_VALUE_PARAMETERS | {SH.hasValue})
        tests = [f"COALESCE({expr}, false)" for _, expr in self._value_conditions(shape, var)]
        tests += [f"sameTerm({var}, {sparql_term(v)})" for v in self.shapes.objects(shape, SH.hasValue)
                  if self.shapes.value(shape, SH.path) is None]
        for prop in self.shapes.objects(shape, SH.property):
            tests += self._nested_property(prop, var)
        return "(" + (" && ".join(tests) or "true") + ")"

    def _nested_property(self, prop, var):
        """Return the tests of a property shape nested in a value's shape (existence and value conditions)."""
        self._refuse_unknown(prop, allowed=_VALUE_PARAMETERS | {SH.hasValue, SH.minCount})
        predicate = f"<{self._predicate(self.shapes.value(prop, SH.path))}>"
        self.fresh += 1
        inner = f"?shapesNested{self.fresh}"
        tests = [f"EXISTS {{ {var} {predicate} {sparql_term(v)} }}" for v in self.shapes.objects(prop, SH.hasValue)]
        for bound in self.shapes.objects(prop, SH.minCount):
            if int(bound) > 1:
                raise UnsupportedShape(f"{prop}: a nested sh:minCount above 1 is not supported")
            tests.append(f"EXISTS {{ {var} {predicate} {inner} }}")
        for _, expr in self._value_conditions(prop, inner):
            tests.append(f"NOT EXISTS {{ {var} {predicate} {inner} FILTER(!COALESCE({expr}, false)) }}")
        return tests

    # ------------------------------------------------------------ helpers

    def _with_subclasses(self, classes):
        """Return the classes and all their subclasses as SPARQL terms, for a VALUES block."""
        found = set()
        for cls in classes:
            found |= {cls} | set(self.subclasses.get(cls, ()))
        return " ".join(sparql_term(c) for c in sorted(found, key=str))

    def _predicate(self, path):
        """Return the IRI of a predicate path; other SHACL paths are refused."""
        if not isinstance(path, URIRef):
            raise UnsupportedShape(f"only predicate paths are supported, not {path!r}")
        return path

    def _refuse_unknown(self, shape, allowed):
        """Raise UnsupportedShape if a shape uses a SHACL parameter outside the compiled subset."""
        for parameter in set(self.shapes.predicates(shape, None)):
            if parameter not in allowed and parameter not in DESCRIPTIVE:
                raise UnsupportedShape(f"{shape}: {parameter} is not supported by the compiled gate")

    def _deactivated(self, shape):
        """Return whether a shape is switched off with sh:deactivated true."""
        return self.shapes.value(shape, SH.deactivated) == Literal(True)

    def _severity(self, shape):
        """Return a shape's severity, sh:Violation by default."""
        return self.shapes.value(shape, SH.severity) or SH.Violation

    def _messages(self, shape):
        """Return a shape's messages (one per language)."""
        return tuple(sorted(self.shapes.objects(shape, SH.message), key=lambda m: m.language or ""))

    def _iris_in_query(self, constraint):
        """Return the IRIs a SPARQL constraint names, written in full or with its declared prefixes."""
        select = str(self.shapes.value(constraint, SH.select))
        namespaces = dict(re.findall(r"PREFIX (\w*): <([^>]*)>", self._prefixes(constraint)))
        found = {URIRef(iri) for iri in re.findall(r"<([^<>\s]+)>", select)}
        for prefix, local in re.findall(r"(?<![\w?$])(\w+):(\w[\w.-]*)", select):
            if prefix in namespaces:
                found.add(URIRef(namespaces[prefix] + local))
        return found

    def _prefixes(self, constraint):
        """Return PREFIX lines for the sh:declare'd prefixes a SPARQL constraint names through sh:prefixes."""
        lines = []
        for owner in self.shapes.objects(constraint, SH.prefixes):
            for declaration in self.shapes.objects(owner, SH.declare):
                prefix = self.shapes.value(declaration, SH.prefix)
                namespace = self.shapes.value(declaration, SH.namespace)
                lines.append(f"PREFIX {prefix}: <{namespace}>\n")
        return "".join(sorted(lines))


# Constraint parameters evaluated on each value (or on the focus node of a node shape).
_VALUE_PARAMETERS = frozenset({
    SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.languageIn, SH["in"], SH.node, SH["or"], SH["and"],
    SH["not"],
})
# Parameters only property shapes have.
_PROPERTY_PARAMETERS = frozenset({SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.uniqueLang, SH.hasValue})


def _datatype(var, datatype):
    """Return the expression of sh:datatype: the right datatype and, where SPARQL can tell, a valid lexical form."""
    if datatype == RDF.langString:
        return f"(isLiteral({var}) && lang({var}) != \"\")"
    test = f"(isLiteral({var}) && lang({var}) = \"\" && datatype({var}) = {sparql_term(datatype)}"
    if datatype in CASTABLE:
        test += f" && {sparql_term(datatype)}(STR({var})) = {var}"
    return test + ")"


def _node_kind(var, kind):
    """Return the expression of sh:nodeKind."""
    tests = {
        SH.IRI: f"isIRI({var})", SH.BlankNode: f"isBlank({var})", SH.Literal: f"isLiteral({var})",
        SH.BlankNodeOrIRI: f"(isBlank({var}) || isIRI({var}))",
        SH.BlankNodeOrLiteral: f"(isBlank({var}) || isLiteral({var}))",
        SH.IRIOrLiteral: f"(isIRI({var}) || isLiteral({var}))",
    }
    if kind not in tests:
        raise UnsupportedShape(f"unknown sh:nodeKind {kind}")
    return tests[kind]
