"""Refuse, when a shapes graph is loaded, SPARQL that could reach the network or that SHACL says is undefined.

Every SPARQL text of a shapes graph (sh:select, sh:ask of constraints, validators and targets; sh:construct and
sh:update are refused outright: the gate runs no rules) is parsed with rdflib's SPARQL grammar and walked:
- SERVICE, and FROM / FROM NAMED, would make a SPARQL engine fetch from another host: a shape can never do that;
- MINUS, VALUES, `AS ?var` for a pre-bound variable, and a sub-SELECT that does not return every pre-bound
  variable the query uses are left undefined by SHACL's pre-binding (SHACL 1.0, section 5.2.1 and 6.4.1), so
  a validator must refuse them rather than guess.
"""
from pyparsing import ParseException, ParseResults
from rdflib import BNode, Literal, Variable
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from cdkg.ontology.namespaces import GATE_SCRATCH, OWL, SH

# Variables SHACL pre-binds in every SPARQL-based constraint; a component's parameters are pre-bound too.
PRE_BOUND = frozenset({"this", "shapesGraph", "currentShape"})
QUERY_PARAMETERS = (SH.select, SH.ask)
REFUSED_PARAMETERS = (SH.construct, SH.update)


class ShapesError(ValueError):
    """A shapes graph the gate refuses to run, with a one-paragraph explanation naming the shape and parameter."""


def check_shapes(shapes):
    """Raise ShapesError for the first SPARQL text of a shapes graph that is refused."""
    for parameter in REFUSED_PARAMETERS:
        for owner in shapes.subjects(parameter, None):
            raise ShapesError(f"{_owner_name(shapes, owner)}: {parameter.n3(shapes.namespace_manager)} is not "
                              f"run by the gate (SHACL rules and updates are not validation); remove it.")
    for parameter in QUERY_PARAMETERS:
        for owner, text in sorted(shapes.subject_objects(parameter), key=lambda pair: str(pair[0])):
            check_query(shapes, owner, parameter, text)


def path_stand_in(text):
    """Return a property shape's SPARQL text with $PATH as an IRI, so that it parses (only its shape says the path)."""
    return str(text).replace("$PATH", f"<{GATE_SCRATCH}path>")


def check_query(shapes, owner, parameter, text):
    """Raise ShapesError if one SPARQL text of a shapes graph is malformed, reaches out, or breaks pre-binding."""
    where = f"{_owner_name(shapes, owner)}: {parameter.n3(shapes.namespace_manager)}"
    if not isinstance(text, Literal):
        raise ShapesError(f"{where} must be a string holding a SPARQL query, not {text.n3()}.")
    query = prefix_declarations(shapes, owner) + path_stand_in(text)
    try:
        parsed = parseQuery(query)
    except ParseException as error:
        raise ShapesError(f"{where} is not valid SPARQL: {error.msg} at line {error.lineno - _lines(query, text)}, "
                          f"column {error.col} of the query.") from None
    body = parsed[1]
    pre_bound = PRE_BOUND | set(parameter_names(shapes, owner))
    if parameter == SH.ask:
        pre_bound |= {"value"}
    used = {str(v) for v in _variables(body)} & pre_bound
    if _field(body, "datasetClause"):
        raise ShapesError(f"{where} uses FROM or FROM NAMED: a shape queries the data graph only, and can never "
                          f"load a graph from elsewhere.")
    _walk(body, where, used, top=True)


def _walk(node, where, pre_bound, top=False):
    """Refuse the forms SHACL excludes anywhere in a parsed query."""
    if isinstance(node, CompValue):
        name = node.name
        if name == "ServiceGraphPattern":
            raise ShapesError(f"{where} uses SERVICE <{_field(node, 'term')}>: shapes can never reach the network "
                              f"(a SHACL-SPARQL query runs on the data graph only).")
        if name == "MinusGraphPattern":
            raise ShapesError(f"{where} uses MINUS, which SHACL does not allow with pre-bound variables "
                              f"(use FILTER NOT EXISTS).")
        if name in ("InlineData", "ValuesClause") and _field(node, "var") is not None:
            raise ShapesError(f"{where} uses VALUES, which SHACL does not allow with pre-bound variables.")
        if name == "Bind" and str(_field(node, "var")) in PRE_BOUND | pre_bound:
            raise ShapesError(f"{where} binds ?{_field(node, 'var')} with AS, but SHACL pre-binds that variable.")
        if name == "SubSelect" or (top and name.endswith("Query")):
            for projected in _field(node, "projection") or ():
                if _field(projected, "evar") is not None and str(projected["evar"]) in PRE_BOUND | pre_bound:
                    raise ShapesError(f"{where} binds ?{projected['evar']} with AS, but SHACL pre-binds that "
                                      f"variable.")
        if name == "SubSelect":
            returned = _returned(node)
            missing = sorted(pre_bound - returned)
            if missing:
                raise ShapesError(f"{where} has a sub-SELECT that does not return the pre-bound "
                                  f"{', '.join('$' + m for m in missing)}; SHACL leaves that undefined, so "
                                  f"project it from the sub-SELECT.")
        for value in node.values():
            _walk(value, where, pre_bound)
    elif isinstance(node, (list, ParseResults)):
        for item in node:
            _walk(item, where, pre_bound)


def _field(node, name):
    """Return a field of a parsed query part, or None (CompValue.get answers a missing field with its name)."""
    return dict.get(node, name)


def _returned(subselect):
    """Return the variables a sub-SELECT returns (for SELECT *: those its patterns bind, not its filters)."""
    projection = _field(subselect, "projection")
    if projection:
        return {str(_field(p, "evar") or _field(p, "var")) for p in projection}
    return {str(v) for v in _variables(_field(subselect, "where"), skip=("Filter",))}


def _variables(node, skip=()):
    """Yield the variables of a parsed query fragment, not looking inside the parts named in skip."""
    if isinstance(node, Variable):
        yield node
    elif isinstance(node, CompValue):
        if node.name in skip:
            return
        if node.name == "SubSelect" and skip:
            yield from (Variable(v) for v in _returned(node))
            return
        for value in node.values():
            yield from _variables(value, skip)
    elif isinstance(node, (list, ParseResults)):
        for item in node:
            yield from _variables(item, skip)


def parameter_names(shapes, owner):
    """Return the parameter names of the constraint component whose validator owner is (pre-bound too)."""
    for component in (*shapes.subjects(SH.validator, owner), *shapes.subjects(SH.nodeValidator, owner),
                      *shapes.subjects(SH.propertyValidator, owner)):
        for declaration in shapes.objects(component, SH.parameter):
            path = shapes.value(declaration, SH.path)
            if path is not None:
                yield _local_name(path)


def prefix_declarations(shapes, owner):
    """Return the PREFIX lines of a SPARQL text's sh:prefixes (sh:declare, also through owl:imports)."""
    lines, seen = set(), set()
    pending = list(shapes.objects(owner, SH.prefixes))
    while pending:
        ontology = pending.pop()
        if ontology in seen:
            continue
        seen.add(ontology)
        for declaration in shapes.objects(ontology, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise ShapesError(f"{_owner_name(shapes, ontology)}: an sh:declare lacks sh:prefix or "
                                  f"sh:namespace.")
            lines.add(f"PREFIX {prefix}: <{namespace}>\n")
        pending += shapes.objects(ontology, OWL.imports)
    return "".join(sorted(lines))


def _owner_name(shapes, node):
    """Return how an error names a node of the shapes graph: its IRI, or the shape a blank node belongs to."""
    seen = set()
    while isinstance(node, BNode) and node not in seen:  # name the shape that holds a blank node
        seen.add(node)
        holder = next(shapes.subjects(None, node), None)
        if holder is None:
            return f"a blank node ({node.n3()})"
        node = holder
    if next((True for _ in shapes.subjects(SH.sparql, node)), False):
        return f"the SPARQL constraint <{node}>"
    return f"shape <{node}>"


def _local_name(iri):
    """Return the local name of an IRI (what a parameter's variable is called)."""
    text = str(iri)
    return text[max(text.rfind("#"), text.rfind("/")) + 1:]


def _lines(query, text):
    """Return how many lines precede the shape's own text in the query that was parsed."""
    return query.count("\n") - str(text).count("\n")



def returned_variables(query):
    """Return (the variables a checked SELECT query returns, those it mentions), as names."""
    body = parseQuery(query)[1]
    return _returned(body), {str(v) for v in _variables(body)}
