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
        return report_graph(self.results, self.conforms)

    @cached_property
    def report_text(self):
        """Return the results as readable text, grouped by focus node."""
        return report_text(self.results, self.graph)


def report_graph(results, conforms):
    """Build an sh:ValidationReport graph from results."""
    graph = bind_prefixes(Graph())
    graph.bind("shapes", SHAPES)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(conforms)))
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
    return graph


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
