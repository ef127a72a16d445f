"""Validation results and per-graph verdicts, as a SHACL report graph and as text grouped by focus node."""
from dataclasses import dataclass, field
from functools import cached_property

from rdflib import BNode, Graph, Literal

from cdkg.ontology.namespaces import RDF, SH, SHAPES, bind_prefixes


@dataclass(frozen=True, slots=True)
class Result:
    """One validation result (the fields of an sh:ValidationResult)."""

    focus: object
    path: object
    value: object
    shape: object
    component: object
    severity: object
    messages: tuple = ()
    constraint: object = None

    def key(self):
        """Return what identifies a result across engines: focus node, path, shape, component and severity."""
        return (self.focus, self.path, self.shape, self.component, self.severity)


@dataclass
class Verdict:
    """What the shapes say about one graph."""

    graph: object  # the named graph's IRI (None for a file validated as a whole)
    results: list = field(default_factory=list)
    sources: tuple = ()  # the shapes graph and the data triples, which describe the results' blank nodes

    @property
    def violations(self):
        """Return the results of severity sh:Violation."""
        return [r for r in self.results if r.severity == SH.Violation]

    @property
    def warnings(self):
        """Return the results of any other severity (sh:Warning, sh:Info)."""
        return [r for r in self.results if r.severity != SH.Violation]

    @property
    def conforms(self):
        """Return True when no result is a violation (warnings are publishable)."""
        return not self.violations

    @cached_property
    def report_graph(self):
        """Return the SHACL validation report as an rdflib Graph."""
        return report_graph(self.results, self.sources)

    @cached_property
    def report_text(self):
        """Return the results as readable text, grouped by focus node."""
        return report_text(self.results, self.graph)


def report_graph(results, sources=()):
    """Build an sh:ValidationReport graph from results.

    Its sh:conforms is SHACL's: true only without any result, warnings included (the gate itself publishes
    a graph with warnings: Verdict.conforms).
    A blank node in a result (a shape written inline, a sequence path, a blank focus node) is copied with its
    description from sources (graphs or lists of triples), so that the report says what it is.
    """
    graph = bind_prefixes(Graph())
    graph.bind("shapes", SHAPES)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(not results)))
    for result in sorted(results, key=_order):
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, result.focus))
        graph.add((node, SH.resultSeverity, result.severity))
        graph.add((node, SH.sourceShape, result.shape))
        graph.add((node, SH.sourceConstraintComponent, result.component))
        for predicate, term in ((SH.resultPath, result.path), (SH.value, result.value),
                                (SH.sourceConstraint, result.constraint)):
            if term is not None:
                graph.add((node, predicate, term))
        for message in result.messages:
            graph.add((node, SH.resultMessage, message))
    blanks = {term for result in results for term in (result.focus, result.path, result.value, result.shape,
                                                      result.constraint) if isinstance(term, BNode)}
    if blanks:
        _describe(graph, blanks, sources)
    return graph


def _describe(graph, blanks, sources):
    """Add to graph the triples of each blank node (and of the blank nodes they lead to) found in sources."""
    by_subject = {}
    for source in sources:
        for s, p, o in source:
            if isinstance(s, BNode):
                by_subject.setdefault(s, []).append((s, p, o))
    pending, seen = list(blanks), set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in by_subject.get(node, ()):
            graph.add(triple)
            if isinstance(triple[2], BNode):
                pending.append(triple[2])


def report_text(results, graph_name=None):
    """Render results grouped by focus node: severity, path, offending value and the messages."""
    names = bind_prefixes(Graph()).namespace_manager
    names.bind("shapes", SHAPES)

    def show(term):
        return term.n3(names) if term is not None else "-"

    lines = []
    if graph_name is not None:
        lines.append(f"graph {show(graph_name)}")
    by_focus = {}
    for result in sorted(results, key=_order):
        by_focus.setdefault(result.focus, []).append(result)
    for focus, group in by_focus.items():
        lines.append(f"{show(focus)}")
        for result in group:
            severity = result.severity.split("#")[-1]
            rule = result.component.split("#")[-1].removesuffix("ConstraintComponent")
            lines.append(f"  {severity} ({rule}): path {show(result.path)}, value {show(result.value)}, "
                         f"shape {show(result.shape)}")
            lines += [f"    {message}" for message in result.messages]
    return "\n".join(lines) + ("\n" if lines else "")


def _order(result):
    """Sort results by focus node, then severity (violations first), shape and value."""
    return (str(result.focus), result.severity != SH.Violation, str(result.shape), str(result.path or ""),
            str(result.value or ""))
