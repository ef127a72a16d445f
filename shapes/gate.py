"""The SHACL gate: validate graphs against shapes, with the ontology and reference data as context.

    gate = Gate.load(extra_context=pipeline.activity_triples())
    for verdict in gate.check((graph_iri, triples) for ...):
        verdict.conforms, verdict.violations, verdict.warnings, verdict.report_graph, verdict.report_text

Two engines, each complete on its own:
- "core" (default): the shapes the compiled engine (shapes.core) handles in full run as Python functions over
  an index of each graph, SPARQL-based ones in Oxigraph per batch; every other shape is validated by pySHACL
  on the same data (a shape is never skipped);
- "pyshacl": pySHACL for every shape.
With context, each graph is validated on its own triples and their context (shapes.context), and only its
own subjects are focus nodes; without context (`cdkg validate --no-context`) the graph is validated alone.
The shapes are checked when the gate loads (shapes.safety): SPARQL that could reach the network, or that
SHACL leaves undefined, is refused with a ShapesError, whatever the engine.
"""
import gc
import multiprocessing
from collections import defaultdict
from contextlib import contextmanager
from itertools import chain, islice

import pyoxigraph as ox
from pyshacl import validate
from rdflib import Graph

from cdkg.ontology.namespaces import GATE_SCRATCH, OWL, RDF, RDFS, SH
from cdkg.shapes import shapes_graph
from cdkg.shapes.context import Context, subclass_closure
from cdkg.shapes.core import (FOCUS_OF, SUBCLASS, TARGETS, TYPE, CoreEvaluator, NeedsPySHACL, View, index_triples,
                              looked_at_predicates, run_deferred, sparql_patterns)
from cdkg.shapes.report import Result, Verdict
from cdkg.shapes.safety import ShapesError, check_shapes
from cdkg.shapes.terms import oxigraph_term, read_triples

ENGINES = ("core", "pyshacl")
# Statement graphs per batch: one Oxigraph store serves the SPARQL-based constraints of a batch.
BATCH_SIZE = 1000
# Converted terms kept between batches (entities, labels and classes recur across statements), until there are
# this many: most terms are one statement's own IRIs, and a cache of 20,000 (cleared every batch or two) cost
# about 8% less of the gate's CPU than one of 500,000 over 40,000 synthetic statements.
TERM_CACHE_LIMIT = 20_000
# Parameters pySHACL reads by value, not as the term true that SHACL asks for (W3C core/property/uniqueLang-002).
BOOLEAN_PARAMETERS = (SH.uniqueLang,)
_FOCUS_OF = ox.NamedNode(FOCUS_OF)


class Gate:
    """Shapes, context and compiled engine, loaded once and applied to many graphs."""

    def __init__(self, shapes, ontology=None, reference=(), engine="core", batch_size=BATCH_SIZE,
                 judge_context=False):
        """Check and compile the shapes; index the context (ontology and reference triples).

        judge_context=False judges only each graph's own subjects (context nodes inform, they are not
        judged); True judges every focus node the targets reach, as a validator of a whole file does.
        """
        if engine not in ENGINES:
            raise ValueError(f"unknown validation engine {engine!r}: choose one of {', '.join(ENGINES)}")
        check_shapes(shapes)
        predicates = looked_at_predicates(shapes)
        self.context = Context(ontology if ontology is not None else Graph(), [reference], *predicates)
        subclasses = subclass_closure(self.context.superclasses)
        self.shapes = shapes
        self.engine = engine
        self.batch_size = batch_size
        self.judge_context = judge_context
        self.core = CoreEvaluator(shapes, subclasses, only=() if engine == "pyshacl" else None)
        self.fallback = self._fallback_shapes() if engine == "pyshacl" or self.core.refused else None
        self._terms = {}
        self._store = None
        patterns = sparql_patterns(shapes)  # what a SPARQL constraint can match: all a store needs
        self._store_predicates = None if patterns.predicates is None else frozenset(map(str, patterns.predicates))
        self._store_superclasses = patterns.superclasses
        self._focus_only = frozenset(map(str, patterns.focus_only))
        self._predicate_nodes = {}

    @classmethod
    def load(cls, engine="core", batch_size=BATCH_SIZE, extra_context=(), shapes=None):
        """Load the shapes (default: the project's), ontology (with concept schemes) and reference gazetteer.

        extra_context: further triples the graphs may rely on without repeating them, such as the build's
        description of its extraction activity, which each statement refers to.
        """
        from cdkg.kg.gazetteer import reference_files  # imported here: kg imports the gate for the build
        from cdkg.ontology import ontology_graph

        shapes = shapes_graph() if shapes is None else shapes
        subject_predicates, _ = looked_at_predicates(shapes)
        reference = chain((triple for path in reference_files() for triple in read_triples(path, subject_predicates)),
                          extra_context)
        return cls(shapes, ontology_graph(), reference, engine, batch_size)

    @property
    def refused(self):
        """Return {shape: reason} for the shapes the compiled engine leaves to pySHACL (all, for that engine)."""
        return self.core.refused

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
        with _old_objects_frozen():
            return self._check_batch(batch)

    def _check_batch(self, batch):
        """Return the verdicts of one batch, the garbage collector not walking the objects made before it."""
        self._store = None  # the batch's SPARQL store, made when a SPARQL-based constraint first needs it
        described_graphs, found, deferred, position = [], [], defaultdict(list), {}
        for graph, triples in batch:
            described = triples + self.context.extend(triples)
            judged = None if self.judge_context else {s for s, _, _ in triples}
            view = View(index_triples(described), described, stores=self)
            position[id(view)] = len(found)
            try:
                own = self.core.check(view, judged, deferred)
                if self.fallback is not None:
                    own += self._check_pyshacl(described, judged, self.fallback)
            except NeedsPySHACL:
                own = self._check_pyshacl(described, judged, self.shapes)
            described_graphs.append((graph, described))
            found.append(own)
        for view, result in run_deferred(deferred):  # the batch's SPARQL constraints, one query each
            found[position[id(view)]].append(result)
        if len(self._terms) > TERM_CACHE_LIMIT:
            self._terms.clear()
        return [Verdict(graph, sorted(set(own), key=_key), sources=(self.shapes, described) if own else ())
                for (graph, described), own in zip(described_graphs, found)]

    def data_graph(self, triples):
        """Return the rdflib graph pySHACL validates a graph as: its triples, their context and class hierarchy."""
        data = Graph()
        for triple in chain(triples, self.context.hierarchy({o for _, p, o in triples if p == RDF.type})):
            data.add(triple)
        for prefix, namespace in self.shapes.namespaces():  # pySHACL's SPARQL reads prefixes from the data graph
            data.bind(prefix, namespace, override=True)
        return data

    # ------------------------------------------------------------ SPARQL store of a batch

    def load_views(self, views, focus=None, marks=()):
        """Load graphs (each with its class hierarchy) into the batch's Oxigraph store, each as its own named graph,
        and each list of (view, focus node) pairs in marks as a graph of its own; return those graphs' IRIs.

        Only the triples a SPARQL constraint can match are loaded (those of its predicates; of a focus-only
        predicate, those of the focus nodes of the constraints that read it, as focus gives them), in one bulk
        write: the store is the batch's own, read only after the write.
        """
        store = self._batch_store()
        terms, wanted, predicates = self._ox, self._store_predicates, self._predicate_nodes
        focus_only = self._focus_only if focus is not None else frozenset()
        hierarchy = wanted is None or SUBCLASS in wanted
        quads = []
        for view in views:
            name = self._graph_name("graph")
            nodes = focus.get(id(view), {}) if focus is not None else None
            classes = set()
            for s, description in view.index.items():
                subject, reads = None, nodes.get(s, ()) if nodes is not None else ()
                if hierarchy:
                    classes.update(description.get(TYPE, ()))
                for p, objects in description.items():  # from the index: predicates are plain str
                    if (wanted is not None and p not in wanted) or (p in focus_only and p not in reads):
                        continue
                    predicate = predicates.get(p) or predicates.setdefault(p, ox.NamedNode(p))
                    if subject is None:
                        subject = terms(s)
                    quads += [ox.Quad(subject, predicate, terms(o), name) for o in objects]
            if classes:
                quads += [ox.Quad(terms(s), terms(p), terms(o), name)
                          for s, p, o in self.context.hierarchy(classes, self._store_superclasses)]
            view.store = (store, name)
        marked = []
        for pairs in marks:
            name = self._graph_name("focus")
            quads += [ox.Quad(view.store[1], _FOCUS_OF, terms(node), name) for view, node in pairs]
            marked.append(name.value)
        store.bulk_extend(quads)
        return marked

    def _batch_store(self):
        """Return the batch's Oxigraph store, made on first use."""
        if self._store is None:
            self._store = [ox.Store(), 0]
        return self._store[0]

    def _graph_name(self, kind):
        """Return a fresh name for a graph of the batch's store."""
        self._store[1] += 1
        return ox.NamedNode(f"{GATE_SCRATCH}{kind}:{self._store[1]}")

    def _ox(self, term):
        """Return the Oxigraph term of an rdflib term (cached: entities, labels and classes recur)."""
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = oxigraph_term(term)
        return found

    # ------------------------------------------------------------ pySHACL

    def _fallback_shapes(self):
        """Return the shapes graph pySHACL runs: the targets of the compiled shapes taken out (they are done)."""
        shapes = Graph()
        compiled = set(self.core.compiled)
        for s, p, o in self.shapes:
            if s in compiled and (p in TARGETS or (p == RDF.type and o in (RDFS.Class, OWL.Class))):
                continue
            shapes.add((s, p, o))
        for prefix, namespace in self.shapes.namespaces():
            shapes.bind(prefix, namespace, override=True)
        for parameter in BOOLEAN_PARAMETERS:  # pySHACL reads "1"^^xsd:boolean as true; SHACL counts only true
            for shape, flag in shapes.subject_objects(parameter):
                if shape not in compiled and str(flag) not in ("true", "false"):
                    raise ShapesError(f"shape {shape.n3()}: {parameter.n3(shapes.namespace_manager)} is "
                                      f"{flag.n3()}; write true or false (pySHACL, which runs this shape, "
                                      f"would read it differently from SHACL).")
        self._run_pyshacl(Graph(), shapes)  # pySHACL reads the shapes now, so that its refusals come at load
        return shapes

    def _check_pyshacl(self, triples, judged, shapes):
        """Validate one graph with pySHACL (on the shapes the compiled engine does not handle, or on all)."""
        report = self._run_pyshacl(self.data_graph(triples), shapes)
        results = pyshacl_results(report)
        if judged is not None:
            results = [r for r in results if r.focus in judged]
        return results

    def _run_pyshacl(self, data, shapes):
        """Run pySHACL without inference or network access; return its report graph (refusals as ShapesError)."""
        try:
            _, report, _ = validate(data, shacl_graph=shapes, inference="none", do_owl_imports=False,
                                    advanced=False, allow_warnings=False)
        except Exception as error:  # pySHACL raises its own errors, rdflib's and plain ones: each is a refusal
            message = " ".join(str(getattr(error, "message", error)).split())
            raise ShapesError(f"pySHACL cannot run these shapes: {message}") from None
        return report


def pyshacl_results(report):
    """Read the validation results of a pySHACL report graph."""
    results = []
    for node in report.objects(None, SH.result):
        results.append(Result(
            report.value(node, SH.focusNode), report.value(node, SH.resultPath), report.value(node, SH.value),
            report.value(node, SH.sourceShape), report.value(node, SH.sourceConstraintComponent),
            report.value(node, SH.resultSeverity),
            tuple(sorted(report.objects(node, SH.resultMessage), key=lambda m: (m.language or "", str(m)))),
            report.value(node, SH.sourceConstraint)))
    return results


_WORKER_GATE = None


def _check_in_worker(batch):
    """Check one batch in a worker process with the gate inherited from the parent."""
    return _WORKER_GATE.check_batch(batch)


_loaded_objects_frozen = False  # set by freeze_loaded_objects: then they stay frozen for the process's life


def freeze_loaded_objects():
    """Keep every object made so far out of the cyclic garbage collector for good (a server's lexicon and shapes).

    A full collection otherwise walks them all: the endpoint's pages paused for 0.3 s once the playground had
    loaded the pipeline. Checks then leave them frozen (gc.get_freeze_count would walk them all to tell).
    """
    global _loaded_objects_frozen
    gc.freeze()
    _loaded_objects_frozen = True


@contextmanager
def _old_objects_frozen():
    """Keep the cyclic garbage collector to the objects made in the block.

    A batch makes hundreds of thousands of terms and results, so the collector runs often, and each full run
    would walk the whole loaded context and pipeline too, which never become garbage while a batch runs.
    """
    if _loaded_objects_frozen:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _batched(iterable, size):
    """Yield lists of at most size items."""
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _key(result):
    """Order results deterministically."""
    return tuple(str(part) for part in (result.focus, result.shape, result.path, result.value, result.component))

