"""The SHACL gate: validate statement graphs against the shapes, with the ontology and reference data as context.

    gate = Gate.load(extra_context=pipeline.activity_triples())
    for verdict in gate.check((graph_iri, triples) for ...):
        verdict.conforms, verdict.violations, verdict.warnings, verdict.report_graph, verdict.report_text

Three engines give the same results (the tests compare them on every fixture and on the seed statements):
- "core" (default): SHACL Core constraints compiled to Python functions over an index of each graph, and
  SPARQL-based constraints run once per batch of named graphs in an in-memory Oxigraph store;
- "sparql": every constraint compiled to a SPARQL query run once per batch in Oxigraph;
- "pyshacl": pyshacl on each graph, the reference implementation.
Each graph is validated on its own triples and their context (shapes.context); only its own subjects are
focus nodes.
"""
import multiprocessing
from itertools import chain, islice

import pyoxigraph as ox
from pyshacl import validate
from rdflib import Graph

from cdkg.ontology.namespaces import RDF, RDFS, SH, SHAPES
from cdkg.shapes import shapes_graph
from cdkg.shapes.compiler import FOCUS_VAR, GRAPH_VAR, VALUE_VAR, Compiler
from cdkg.shapes.context import Context, subclass_closure
from cdkg.shapes.core import CoreEvaluator, index_triples
from cdkg.shapes.report import Result, Verdict
from cdkg.shapes.terms import oxigraph_term, rdflib_term, read_triples

ENGINES = ("core", "sparql", "pyshacl")
# Statement graphs per Oxigraph batch: large enough that per-query overhead vanishes, small enough to stay in cache.
BATCH_SIZE = 1000
# Converted terms kept between batches (entities, labels and classes recur across statements).
TERM_CACHE_LIMIT = 500_000
# Marks a graph's own subjects in the batch store, the only nodes judged (context nodes inform, not judged).
FOCUS_MARKER = SHAPES.focusNodeOf
TYPE = RDF.type  # bound once: namespace attribute access builds a new term on every use


class Gate:
    """Shapes, context and compiled engines, loaded once and applied to many graphs."""

    def __init__(self, shapes, ontology, reference, engine="core", batch_size=BATCH_SIZE):
        """Index the context (ontology and reference triples) and compile the shapes."""
        if engine not in ENGINES:
            raise ValueError(f"unknown validation engine {engine!r}: choose one of {', '.join(ENGINES)}")
        probe = Compiler(shapes)
        self.context = Context(ontology, [reference], probe.subject_predicates(), probe.value_predicates())
        subclasses = subclass_closure(self.context.superclasses)
        compiler = Compiler(shapes, subclasses, focus_marker=FOCUS_MARKER)
        self.shapes = shapes
        self.checks = compiler.compile()
        self.sparql_checks = [c for c in self.checks if c.component == SH.SPARQLConstraintComponent]
        self.core = CoreEvaluator(shapes, subclasses)
        self.sparql_classes = compiler.sparql_iris()
        # What SPARQL-based constraints can match: the predicates they name, types and the class hierarchy.
        self.sparql_predicates = {str(p) for p in self.sparql_classes | {RDF.type, RDFS.subClassOf}}
        self.sparql_targets = set()
        for check_shape in {c.shape for c in self.sparql_checks}:
            for target in shapes.objects(check_shape, SH.targetClass):
                self.sparql_targets |= {target} | set(subclasses.get(target, ()))
        self.engine = engine
        self.batch_size = batch_size
        self._terms = {}

    @classmethod
    def load(cls, engine="core", batch_size=BATCH_SIZE, extra_context=()):
        """Load the project's shapes, ontology (with concept schemes) and reference gazetteer.

        extra_context: further triples the graphs may rely on without repeating them, such as the build's
        description of its extraction activity, which each statement refers to.
        """
        from cdkg.kg.gazetteer import reference_files  # imported here: kg imports the gate for the build
        from cdkg.ontology import ontology_graph

        shapes = shapes_graph()
        predicates = Compiler(shapes).subject_predicates()
        reference = chain((triple for path in reference_files() for triple in read_triples(path, predicates)),
                          extra_context)
        return cls(shapes, ontology_graph(), reference, engine, batch_size)

    def check(self, items, workers=1):
        """Return one Verdict per (graph_iri, triples) item, in input order."""
        batches = _batched(((graph, list(triples)) for graph, triples in items), self.batch_size)
        if workers <= 1:
            return [verdict for batch in batches for verdict in self.check_batch(batch)]
        global _WORKER_GATE
        _WORKER_GATE = self  # inherited by the forked workers: the gate is loaded once, not pickled
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return [verdict for verdicts in pool.imap(_check_in_worker, batches) for verdict in verdicts]

    def check_batch(self, batch):
        """Return the verdicts of one batch of (graph_iri, triples) items."""
        if self.engine == "pyshacl":
            return [self._check_pyshacl(graph, triples) for graph, triples in batch]
        described = [triples + self.context.extend(triples) for _, triples in batch]
        if self.engine == "sparql":
            results = self._run_sparql(self.checks, batch, described, self.sparql_targets | self._all_types())
        else:
            results = self._run_sparql(self.sparql_checks, batch, described, self.sparql_targets,
                                       self.sparql_predicates)
            for found, (_, triples), graph_triples in zip(results, batch, described):
                focus_nodes = {s for s, _, _ in triples}
                found += [Result(focus, check.path, value, check.shape, check.component, check.severity,
                                 check.messages)
                          for focus, check, value in self.core.check(index_triples(graph_triples), focus_nodes)]
        if len(self._terms) > TERM_CACHE_LIMIT:
            self._terms.clear()
        return [Verdict(graph, sorted(set(found), key=_key)) for (graph, _), found in zip(batch, results)]

    def data_graph(self, triples):
        """Return the rdflib graph pyshacl validates a graph as: its triples, their context and class hierarchy."""
        data = Graph()
        described = triples + self.context.extend(triples)
        for triple in described + self.context.hierarchy(described):
            data.add(triple)
        return data

    # ------------------------------------------------------------ SPARQL over a batch of named graphs

    def _run_sparql(self, checks, batch, described, targets, predicates=None):
        """Run checks over the batch loaded as named graphs; return each graph's results.

        Only graphs with a node typed by one of the target classes are loaded, and, when predicates is
        given, only the triples with those predicates: a query cannot match the others.
        """
        results = [[] for _ in batch]
        quads = []
        for index, ((_, triples), graph_triples) in enumerate(zip(batch, described)):
            subjects = {s for s, _, _ in triples}
            focus = {s for s, p, o in graph_triples if str.__eq__(p, TYPE) and o in targets and s in subjects}
            if not focus:
                continue
            if predicates is not None:
                graph_triples = [t for t in graph_triples if str(t[1]) in predicates]  # plain str: C-fast
            graph_triples = graph_triples + self.context.hierarchy(graph_triples, only=self.sparql_classes)
            graph_triples += [(s, FOCUS_MARKER, s) for s in focus]
            name = ox.NamedNode(f"urn:shapes:graph:{index}")  # not the graph IRI: a batch may repeat a graph
            quads += [ox.Quad(self._ox(s), self._ox(p), self._ox(o), name) for s, p, o in graph_triples]
        if not quads:
            return results
        store = ox.Store()
        store.bulk_extend(quads)
        for check in checks:
            for row in store.query(check.query):
                index = int(row[GRAPH_VAR].value.rsplit(":", 1)[1])
                focus = rdflib_term(row[FOCUS_VAR])
                value = rdflib_term(row[VALUE_VAR]) if check.has_value and row[VALUE_VAR] is not None else None
                if value is None and check.component == SH.SPARQLConstraintComponent:
                    value = focus  # SHACL: a SPARQL-based result without ?value reports the focus node
                results[index].append(Result(focus, check.path, value, check.shape, check.component,
                                             check.severity, check.messages, check.constraint))
        return results

    def _all_types(self):
        """Return every class some shape targets, with its subclasses (the full SPARQL engine loads those graphs)."""
        return set(self.core.by_type)

    def _ox(self, term):
        """Return the Oxigraph term of an rdflib term (cached: entities, labels and classes recur)."""
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = oxigraph_term(term)
        return found

    # ------------------------------------------------------------ pyshacl reference

    def _check_pyshacl(self, graph, triples):
        """Validate one graph with pyshacl on the same data the compiled engines see."""
        _, report, _ = validate(self.data_graph(triples), shacl_graph=self.shapes, inference="none")
        focus_nodes = {s for s, _, _ in triples}
        return Verdict(graph, sorted({r for r in pyshacl_results(report) if r.focus in focus_nodes}, key=_key))


def pyshacl_results(report):
    """Read the validation results of a pyshacl report graph (predicate paths only)."""
    results = []
    for node in report.objects(None, SH.result):
        results.append(Result(
            report.value(node, SH.focusNode), report.value(node, SH.resultPath), report.value(node, SH.value),
            report.value(node, SH.sourceShape), report.value(node, SH.sourceConstraintComponent),
            report.value(node, SH.resultSeverity),
            tuple(sorted(report.objects(node, SH.resultMessage), key=lambda m: m.language or "")),
            report.value(node, SH.sourceConstraint)))
    return results


_WORKER_GATE = None


def _check_in_worker(batch):
    """Check one batch in a worker process with the gate inherited from the parent."""
    return _WORKER_GATE.check_batch(batch)


def _batched(iterable, size):
    """Yield lists of at most size items."""
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _key(result):
    """Order results deterministically."""
    return tuple(str(part) for part in (result.focus, result.shape, result.path, result.value, result.component))
