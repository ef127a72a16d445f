"""Read the W3C SHACL test suite (../shared/w3c/shacl-tests) and compare validation reports as the suite says.

A test is a Turtle file holding the data, the shapes and the expected sh:ValidationReport (or sht:Failure: the
validator must refuse). Reports are compared by sh:conforms and the set of results by focus node, path, value,
source shape, constraint component and severity; messages are not compared. Blank nodes (a shape written
inline, a sequence path, a blank focus node) are compared by their description, since each parse names them anew.
"""
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.collection import Collection

from cdkg.ontology.namespaces import RDF, SH
from cdkg.shapes.terms import rdflib_term, read_triples

SUITE = Path(os.environ.get("CDKG_SHACL_TESTS", Path(__file__).resolve().parents[2] / "shared" / "w3c" / "shacl-tests")).resolve()
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
RESULT_FIELDS = (SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
                 SH.resultSeverity)


@dataclass(frozen=True)
class SuiteTest:
    """One test of the suite: its name (e.g. core/property/minCount-001), data and shapes files, expectation."""

    name: str
    data: Path
    shapes: Path
    expected: object  # (conforms, frozenset of canonical results), or None where the validator must refuse


def suite_tests(part):
    """Return the tests of one part of the suite ("core" or "sparql"), in manifest order."""
    tests = []
    for manifest in _manifests(SUITE / part / "manifest.ttl"):
        graph = Graph().parse(manifest, format="turtle")
        for entries in graph.objects(None, MF.entries):
            for entry in Collection(graph, entries):
                action = graph.value(entry, MF.action)
                data = Path(graph.value(action, SHT.dataGraph).removeprefix("file://"))
                shapes = Path(graph.value(action, SHT.shapesGraph).removeprefix("file://"))
                name = manifest.relative_to(SUITE).parent.as_posix() + "/" + str(entry).rsplit("/", 1)[-1]
                tests.append(SuiteTest(name, data, shapes, _expected(entry, graph.value(entry, MF.result), manifest)))
    return tests


def _manifests(path):
    """Yield the manifest files reachable from one through mf:include (the test files are manifests too)."""
    graph = Graph().parse(path, format="turtle")
    included = sorted(graph.objects(None, MF.include), key=str)
    if not included:
        yield path
    for target in included:
        yield from _manifests(Path(str(target).removeprefix("file://")))


def _expected(entry, result, path):
    """Return the expected (conforms, results) of a test, or None for sht:Failure."""
    if result == SHT.Failure:
        return None
    exact = Graph()  # read as `cdkg validate` reads it: literals with their lexical forms as written
    for triple in read_triples(path, normalize=False):
        exact.add(triple)
    return canonical_report(exact, exact.value(entry, MF.result))


def canonical_report(graph, report):
    """Return (conforms, frozenset of results) of an sh:ValidationReport node, blank nodes by description."""
    conforms = graph.value(report, SH.conforms)
    results = frozenset(tuple(describe(graph, graph.value(node, field)) for field in RESULT_FIELDS)
                        for node in graph.objects(report, SH.result))
    return (conforms is not None and conforms.toPython() is True), results


def describe(graph, term, seen=()):
    """Return a term as a comparable value: IRIs and literals as they are, blank nodes by their description."""
    if term is None:
        return None
    if isinstance(term, Literal):
        return ("literal", str(term), str(term.datatype or ""), term.language or "")
    if not isinstance(term, BNode):
        return str(term)
    if term in seen:
        return "cycle"
    if (term, RDF.first, None) in graph:
        return ("list", tuple(describe(graph, item, (*seen, term)) for item in Collection(graph, term)))
    return ("bnode", tuple(sorted((str(p), repr(describe(graph, o, (*seen, term))))
                                  for p, o in graph.predicate_objects(term))))


def report_of(turtle):
    """Return (conforms, results) of a Turtle sh:ValidationReport (literals kept as written)."""
    graph = Graph()
    for quad in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE):
        graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object, normalize=False)))
    report = graph.value(None, RDF.type, SH.ValidationReport, any=False) or next(
        graph.subjects(RDF.type, SH.ValidationReport))
    return canonical_report(graph, report)
