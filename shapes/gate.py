"""The SHACL gate: validate statement graphs against the shapes, with the ontology and reference data as context.

    gate = Gate.load()
    for verdict in gate.check((graph_iri, triples) for ...):
        verdict.conforms, verdict.violations, verdict.warnings, verdict.report_graph, verdict.report_text

Two engines give the same results. "sparql" (the default) compiles the shapes into SPARQL queries and runs
each over a whole batch of named graphs in an in-memory Oxigraph store; "pyshacl" runs pyshacl per graph
and is the reference the tests compare against.
"""
import multiprocessing
from itertools import chain, islice

import pyoxigraph as ox
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef

from ontology.namespaces import SH
from shapes import shapes_graph
from shapes.compiler import FOCUS_VAR, GRAPH_VAR, VALUE_VAR, Compiler
from shapes.context import Context
from shapes.report import Result, Verdict
from shapes.terms import rdflib_term, read_triples

# Statement graphs per Oxigraph batch: large enough that per-query overhead vanishes, small enough to stay in cache.
BATCH_SIZE = 1000


class Gate:
    """Shapes, context and a compiled engine, loaded once and applied to many graphs."""

    def __init__(self, shapes, ontology, reference, engine="sparql", batch_size=BATCH_SIZE):
        """Compile the shapes and index the context."""
        compiler = Compiler(shapes)
        self.shapes = shapes
        self.checks = compiler.compile()
        self.context = Context(ontology, reference, compiler.predicates())
        self.engine = engine
        self.batch_size = batch_size
        self._terms = {}

    @classmethod
    def load(cls, engine="sparql", batch_size=BATCH_SIZE, extra_context=()):
        """Load the project's shapes, ontology (with concept schemes) and reference gazetteer.

        extra_context: further triples the graphs may rely on without repeating them, such as the build's
        description of its extraction activity, which each statement refers to.
        """
        from kg.gazetteer import reference_files  # imported here: kg imports the gate for the build
        from ontology import ontology_graph

        shapes = shapes_graph()
        predicates = Compiler(shapes).predicates()
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
        return self._check_sparql(batch)

    def data_graph(self, triples):
        """Return the rdflib graph a graph is validated as: its triples and their context."""
        data = Graph()
        for triple in triples:
            data.add(triple)
        for triple in self.context.extend(triples):
            data.add(triple)
        return data

    # ------------------------------------------------------------ compiled SPARQL over a batch

    def _check_sparql(self, batch):
        """Validate a batch at once: load every graph with its context as a named graph, run each Check."""
        store = ox.Store()
        names, focus_nodes = {}, {}
        quads = []
        for index, (graph, triples) in enumerate(batch):
            name = ox.NamedNode(str(graph)) if graph is not None else ox.NamedNode(f"urn:shapes:graph:{index}")
            names[name] = index
            focus_nodes[index] = {s for s, _, _ in triples}
            quads += [ox.Quad(self._ox(s), self._ox(p), self._ox(o), name)
                      for s, p, o in triples + self.context.extend(triples)]
        store.bulk_extend(quads)
        results = [[] for _ in batch]
        for check in self.checks:
            for row in store.query(check.query):
                index = names[row[GRAPH_VAR]]
                focus = rdflib_term(row[FOCUS_VAR])
                if focus not in focus_nodes[index]:
                    continue
                value = rdflib_term(row[VALUE_VAR]) if check.has_value and row[VALUE_VAR] is not None else None
                if value is None and check.component == SH.SPARQLConstraintComponent:
                    value = focus  # SHACL: a SPARQL-based result without ?value reports the focus node
                results[index].append(Result(focus, check.path, value, check.shape, check.component,
                                             check.severity, check.messages, check.constraint))
        return [Verdict(graph, sorted(set(found), key=_key)) for (graph, _), found in zip(batch, results)]

    def _ox(self, term):
        """Return the Oxigraph term of an rdflib term (IRIs cached: they recur across statements)."""
        found = self._terms.get(term)
        if found is not None:
            return found
        if isinstance(term, URIRef):
            found = self._terms[term] = ox.NamedNode(str(term))
        elif isinstance(term, BNode):
            found = ox.BlankNode(str(term))
        elif term.language:
            found = ox.Literal(str(term), language=term.language)
        elif term.datatype is not None:
            found = ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        else:
            found = ox.Literal(str(term))
        return found

    # ------------------------------------------------------------ pyshacl reference

    def _check_pyshacl(self, graph, triples):
        """Validate one graph with pyshacl on the same data graph the compiled engine sees."""
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
