"""Build the published KG: read sources, extract, gate, dedupe, infer, then write store and dumps aside and switch.

Counting rule: every line read is exactly one of published, quarantined or duplicate
(read = published + quarantined + duplicates). Blank lines are quarantined (reason "blank") so the line numbers
of a file always add up. A statement with no recognised entity is published with a warning (SHACL treats it
as sh:Warning: suspicious but publishable). A duplicate (same normalised text) is merged into the first
statement's graph: its provenance (line, source, date, publisher) is added to the statement node.
"""
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from itertools import islice
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from tqdm import tqdm

from cdkg.kg.dump import (canonical_blank_nodes, has_blank_nodes, named_node, parse_own, to_quads, to_triples,
                          write_by_graph, write_difference, write_distinct_triples, write_in_graph, write_merge,
                          write_trig, write_turtle)
from cdkg.kg.identity import IdentityRules, StatusHistory, claim_triples, resolve
from cdkg.kg.inference import Entailment, Materializer
from cdkg.kg.labels import label_quads
from cdkg.kg.quarantine import Quarantine
from cdkg.kg.readers import Rejection, count_lines, read_source
from cdkg.kg.store import (BUILD_INFO, Staging, build_lock, current_store, merge_into_default_graph, read_build_info,
                           remove_leftovers)
from cdkg.kg.textindex import INDEX_FILE, build_from_sorted_triples
from cdkg.ontology.namespaces import CDO, ONTOLOGY_GRAPH, PROV, RDF, REFERENCE_GRAPH, INFERRED_GRAPH
from cdkg.shapes.terms import rdflib_term

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "kg"
DEFAULT_SOURCES = REPO_ROOT / "kg" / "sources"
TRIG_FILE = "citydiplomacy.trig"
TURTLE_FILE = "citydiplomacy.ttl"
QUARANTINE_DIR = "quarantine"
# What earlier builds kept for `cdkg build --add` (the add now splices the dumps themselves): removed on publication.
DUMP_CACHE = "dump-cache"
# Scratch files in the staging directory, removed once used.
NAMED_QUADS = "named.nq"  # the named graphs' distinct quads in TriG order (see write_by_graph)
LOADED_QUADS = "loaded.nq"  # every quad loaded into the store (repeats included), for the TriG dump
ENTAILED_TRIPLES = "entailed.nt"  # every triple the materializer returned (repeats included)
ASSERTED_TRIPLES = "asserted.nt"  # the distinct triples of the loaded graphs, sorted
INFERRED_TRIPLES = "inferred.nt"  # the entailed triples that no loaded graph asserts, sorted
INFERRED_QUADS = "inferred.nq"  # the same in the inferred graph, for the store and the TriG dump
UNION_TRIPLES = "union.nt"  # the distinct triples of all named graphs, sorted
GATE_BATCH = 1000  # statements validated together: the gate runs each compiled shape query once per batch
PROGRESS_MIN_LINES = 1000
STORE_CHUNK = 100_000  # quads per bulk-load call: bounds the loader's memory (measured: about 0.8 KB a quad)
STORE_CHUNK_BYTES = 16 << 20  # N-Quads collected from the workers before they are loaded (about 80,000 quads)
COUNTS = ("read", "published", "quarantined", "duplicates", "warnings", "triples", "inferred_triples", "graphs")
# A duplicate contributes its provenance only; its verbatim text is the first occurrence's.
NOT_MERGED = frozenset({CDO.originalText, CDO.normalizedText, CDO.contentHash})
UNSEEN = object()  # what StatementStream's earlier() answers for a statement no earlier build read


def software_version():
    """Return the installed package version recorded in provenance and build-info."""
    return metadata.version("citydiplomacy-kg")


@dataclass
class BuildContext:
    """What a build needs besides its sources: the mapping pipeline, the optional SHACL gate and the graphs."""

    pipeline: object
    ontology: object  # rdflib Graph: ontology + concept schemes
    reference: object  # pyoxigraph Store: the whole gazetteer
    gate: object = None  # shapes gate, or None to publish without SHACL validation


@dataclass
class BuildReport:
    """The counts and timings of one build, as printed and as stored in build-info.json."""

    counts: Counter = field(default_factory=lambda: Counter(dict.fromkeys(COUNTS, 0)))
    quarantined_by_reason: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    violations: int = 0
    published: bool = False
    kg_hash: str = ""

    def as_dict(self):
        """Return the report as JSON-ready data."""
        return {
            "counts": dict(sorted(self.counts.items())),
            "quarantined_by_reason": dict(sorted(self.quarantined_by_reason.items())),
            "shacl_violations": self.violations,
            "seconds": {k: round(v, 3) for k, v in sorted(self.seconds.items())},
        }

    def summary(self):
        """Return the human-readable end-of-build summary."""
        c = self.counts
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.quarantined_by_reason.items()))
        return "\n".join([
            f"statements read:   {c['read']}",
            f"published:         {c['published']}",
            f"quarantined:       {c['quarantined']}" + (f" ({reasons})" if reasons else ""),
            f"duplicates:        {c['duplicates']}",
            f"with warnings:     {c['warnings']} (published)",
            f"triples:           {c['triples']} ({c['inferred_triples']} inferred) in {c['graphs']} graphs",
            f"seconds:           {self.seconds['total']:.2f}",
        ])


@contextmanager
def timed(seconds, stage):
    """Add the wall time the block takes to seconds[stage]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] += time.perf_counter() - start


def source_name(path):
    """Return how a source file is named in provenance and messages: repo-relative when inside the repo."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else path.name


class StatementStream:
    """Turn source records into the quads of published statement graphs, quarantining and merging on the way.

    Records are analysed (extracted, renamed to shared nodes, gated, their local entailments found) in batches,
    in worker processes when workers > 1: statement graphs are independent. Everything that depends on
    other statements (duplicates, status claims, the transitive chains, the store) is decided here, in input
    order, so the output does not depend on the number of workers.
    """

    def __init__(self, context, quarantine, report, materializer, reference_subjects, earlier=None, workers=1):
        """Prepare the per-build state: seen content hashes, the entities used, the status claims about shared
        agreements. earlier(content hash) tells the verdict of a statement an earlier build read (None:
        published; (record, details): quarantined; UNSEEN), for an incremental build."""
        self.context = context
        self.earlier = earlier
        self.workers = workers
        self.identity = IdentityRules(context.ontology)
        self.history = StatusHistory(self.identity)
        self.quarantine = quarantine
        self.report = report
        self.time = partial(timed, report.seconds)
        self.materializer = materializer
        self.reference_subjects = reference_subjects
        self.used_entities = set()
        self.verdict = {}  # content hash -> None (published) or the quarantine details of its first occurrence

    def quads(self, items):
        """Yield (N-Quads, N-Triples) bytes: the quads of the published statement graphs and what they entail."""
        for item, analysis in self._analysed(items):
            self.report.counts["read"] += 1
            if isinstance(item, Rejection):
                self.quarantine.reject(item.source_file, item.line, item.reason, item.message, item.text)
            elif isinstance(analysis, str):  # one bad statement must not stop the corpus; its line is kept
                self.quarantine.reject(item.source_file, item.line, "extraction-error", analysis, item.text)
            else:
                self._recall(analysis.content_hash)
                if analysis.content_hash in self.verdict:
                    yield from self._duplicate(item, analysis)
                elif analysis.violation is not None:
                    self._reject_violation(item, analysis)
                else:
                    yield from self._publish(item, analysis)

    def _analysed(self, items):
        """Yield (item, analysis) in input order, analysing a batch at a time here or in the worker processes."""
        batches = _batched(items, GATE_BATCH)
        analyser = Analyser(self.context, self.identity, self.materializer.entailment, self.reference_subjects,
                            self.report.seconds if self.workers <= 1 else Counter())
        if self.workers <= 1:
            for batch in batches:
                yield from zip(batch, analyser.analyse(batch))
            return
        global _WORKER_ANALYSER
        _WORKER_ANALYSER = analyser
        for batch, analyses in _in_workers(_analyse_in_worker, batches, self.workers, self.time):
            yield from zip(batch, analyses)

    def _recall(self, content_hash):
        """Take over an earlier build's verdict on a statement this build has not seen yet."""
        if self.earlier is None or content_hash in self.verdict:
            return
        verdict = self.earlier(content_hash)
        if verdict is not UNSEEN:
            self.verdict[content_hash] = verdict

    def _publish(self, record, analysis):
        """Yield a statement's quads, note its warnings, its status claims and the gazetteer entities it uses."""
        self.verdict[analysis.content_hash] = None
        self.report.counts["published"] += 1
        if analysis.messages:
            self.quarantine.warn(record.source_file, record.line, analysis.messages, analysis.graph)
        self.history.observe(analysis.claims)
        self.used_entities |= analysis.used
        self.materializer.keep(analysis.transitive)
        yield analysis.quads, analysis.entailed

    def _reject_violation(self, record, analysis):
        """Quarantine a statement whose graph violates the shapes, with its validation report."""
        self.verdict[analysis.content_hash] = (record, analysis.violation)
        self.report.violations += 1
        self.quarantine.reject(record.source_file, record.line, "shacl-violation",
                               "the statement's graph violates the shapes (report attached)", record.text,
                               **analysis.violation)

    def _duplicate(self, record, analysis):
        """Merge a repeated statement into its first occurrence (or quarantine it with a violating one)."""
        first = self.verdict[analysis.content_hash]
        if first is not None:  # the first occurrence was quarantined, and so is every copy of it
            first_record, details = first
            self.quarantine.reject(record.source_file, record.line, "shacl-violation",
                                   f"same statement as {first_record.source_file}:{first_record.line}, "
                                   "which violates the shapes", record.text, **details)
            return
        self.report.counts["duplicates"] += 1
        quads, entailed, used, transitive = analysis.provenance
        self.used_entities |= used
        self.materializer.keep(transitive)
        yield quads, entailed


@dataclass
class Analysis:
    """What the build keeps of one extracted statement, whatever other statements say: plain values and
    serialised RDF, so that it crosses from a worker process to the build at little cost."""

    content_hash: str
    graph: str
    quads: bytes  # N-Quads of its graph
    entailed: bytes  # N-Triples of what its graph entails locally
    transitive: set  # its transitive-property triples, for the chains
    claims: list  # its triples about status claims, for StatusHistory.observe
    used: set  # the gazetteer entities it uses
    messages: list  # its notes and SHACL warnings
    violation: dict | None  # the quarantine details when it violates the shapes
    provenance: tuple  # (quads, entailed, used, transitive) of its provenance alone: what a repeat of it adds


class Analyser:
    """What a statement needs that depends on no other statement: its graph, gate verdict and local entailments."""

    def __init__(self, context, identity, entailment, reference_subjects, seconds):
        """Keep the pipeline, gate, rules and the gazetteer's subjects; time the stages into seconds."""
        self.context, self.identity, self.seconds = context, identity, seconds
        self.reference_subjects = reference_subjects
        self.materializer = Materializer(entailment)

    def analyse(self, batch):
        """Return per item of a batch: None for a rejected line, an error message, or its Analysis."""
        extracted = [None if isinstance(item, Rejection) else self._extract(item) for item in batch]
        results = [result for result in extracted if isinstance(result, tuple)]
        verdicts = [None] * len(results)
        if self.context.gate is not None and results:
            with timed(self.seconds, "shacl"):
                verdicts = self.context.gate.check([(result.graph, result.triples) for result, _ in results])
        analyses = iter([self._analysis(result, quads, verdict) for (result, quads), verdict in zip(results, verdicts)])
        return [next(analyses) if isinstance(result, tuple) else result for result in extracted]

    def _extract(self, record):
        """Return (result, quads) for a record, or the message of the error that stopped its mapping."""
        with timed(self.seconds, "extract"):
            try:
                result = self.context.pipeline.extract(record)
                result.triples = resolve(result.triples, self.identity)
                if has_blank_nodes(result.triples):
                    result.triples = canonical_blank_nodes(result.triples, result.graph)
                return result, list(to_quads(result.triples, result.graph))  # bad terms fail here
            except Exception as error:
                return f"{type(error).__name__}: {error}"

    def _analysis(self, result, quads, verdict):
        """Return the Analysis of an extracted statement and its verdict (None: not validated)."""
        violation, messages = None, [str(note) for note in result.notes]
        if verdict is not None and not verdict.conforms:
            violation = {"graph": str(result.graph), "report_text": verdict.report_text,
                         "report_turtle": verdict.report_graph.serialize(format="turtle")
                         if verdict.report_graph is not None else ""}
        elif verdict is not None:
            messages += [_result_message(warning) for warning in verdict.warnings]
        statement = _statement_node(result)
        provenance = [t for t in result.triples if t[0] == statement and t[1] not in NOT_MERGED]
        provenance += _described(result.triples, {t[2] for t in provenance})
        with timed(self.seconds, "inference"):
            entailed, transitive = self.materializer.entail(result.triples)
            provenance_entailed, provenance_transitive = self.materializer.entail(provenance)
            return Analysis(
                result.content_hash, str(result.graph), ox.serialize(quads, format=ox.RdfFormat.N_QUADS),
                _ntriples(entailed), transitive, claim_triples(result.triples), self._used(result.triples), messages,
                violation, (ox.serialize(to_quads(provenance, result.graph), format=ox.RdfFormat.N_QUADS),
                            _ntriples(provenance_entailed), self._used(provenance), provenance_transitive))

    def _used(self, triples):
        """Return the gazetteer entities the triples use."""
        known = self.reference_subjects
        return {term for s, _, o in triples for term in (s, o) if term in known}


def _ntriples(triples):
    """Return rdflib triples as N-Triples bytes."""
    return ox.serialize(to_triples(triples), format=ox.RdfFormat.N_TRIPLES)


_WORKER_ANALYSER = None  # set before the workers fork: they inherit the loaded pipeline and gate, nothing is pickled


def _analyse_in_worker(batch):
    """Analyse one batch in a worker process."""
    return _WORKER_ANALYSER.analyse(batch)


def _in_workers(function, batches, workers, time_stage):
    """Yield (batch, function(batch)) in order from a pool of forked workers, with at most two batches per
    worker in flight (results are not left to pile up in memory); the wait counts as extraction time."""
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending = deque()
        for batch in batches:
            pending.append((batch, pool.apply_async(function, (batch,))))
            if len(pending) >= 2 * workers:
                batch, result = pending.popleft()
                with time_stage("extract"):
                    done = result.get()
                yield batch, done
        while pending:
            batch, result = pending.popleft()
            with time_stage("extract"):
                done = result.get()
            yield batch, done


def write_dumps(quad_files, union, directory):
    """Write the TriG dump (the named graphs only) from the loaded N-Quads files, through their sorted copy (all
    removed once used), and the Turtle dump from the sorted merge."""
    write_by_graph(quad_files, directory / NAMED_QUADS, directory)
    for scratch in quad_files:
        scratch.unlink()
    write_trig(directory / NAMED_QUADS, directory / TRIG_FILE)
    (directory / NAMED_QUADS).unlink()
    write_turtle(union, directory / TURTLE_FILE)


def _alongside(function, args, fork):
    """Start function(*args) in a forked process, the caller going on, and return a call that waits for it and
    raises if it failed; without fork, return a call that runs it."""
    if not fork:
        return partial(function, *args)
    process = multiprocessing.get_context("fork").Process(target=function, args=args)
    process.start()

    def wait():
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"{function.__name__} failed in its process (exit code {process.exitcode})")
    return wait


def _batched(iterable, size):
    """Yield lists of at most size items."""
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _result_message(result):
    """Return the English message of a SHACL validation result, or its constraint component."""
    english = [str(message) for message in result.messages if getattr(message, "language", None) == "en"]
    return f"SHACL: {english[0] if english else result.component}"


def _statement_node(result):
    """Return the statement node of a result: the subject typed cdo:Statement."""
    return next(s for s, p, o in result.triples if p == RDF.type and o == CDO.Statement)


def _described(triples, nodes):
    """Return the triples describing the given nodes (e.g. a source node a duplicate links to)."""
    return [t for t in triples if t[0] in nodes]


def select_reference(reference, used):
    """Return the gazetteer triples describing the used entities and what their descriptions link to.

    reference is the gazetteer in an Oxigraph store (parsing it with rdflib would cost seconds per build).
    """
    selected, seen, pending = [], set(), [named_node(str(entity)) for entity in used]
    while pending:
        entity = pending.pop()
        if entity in seen:
            continue
        seen.add(entity)
        for quad in reference.quads_for_pattern(entity, None, None):
            selected.append((rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)))
            if isinstance(quad.object, ox.NamedNode):
                pending.append(quad.object)
    return selected


def reference_subjects(reference):
    """Return the IRIs the gazetteer describes, as rdflib terms to compare with extracted triples."""
    return {URIRef(row[0].value) for row in reference.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }")
            if isinstance(row[0], ox.NamedNode)}


def activity_description(pipeline):
    """Return the extraction activity's description, written once (in cdg:reference) for every statement.

    No prov:startedAtTime: a timestamp would make the dumps differ on every build; the build time is recorded
    in build-info.json (`built_at`) instead.
    """
    return [*pipeline.activity_triples(), (pipeline.activity, RDF.type, PROV.Activity)]


def load_statements(store, items, copy, entailed, seconds):
    """Load a statement stream's (N-Quads, N-Triples) bytes: the quads into the store, a chunk at a time while the
    workers go on, and to the file copy; what they entail to the file entailed (those some graph asserts are not
    inferred, which is known only once every graph is read). The time spent inside the stream counts as its own
    stages'."""
    pending, size = [], 0
    for quads, triples in items:
        copy.write(quads)
        entailed.write(triples)
        pending.append(quads)
        size += len(quads)
        if size >= STORE_CHUNK_BYTES:
            with timed(seconds, "store_load"):
                bulk_load(store, ox.parse(b"".join(pending), format=ox.RdfFormat.N_QUADS, lenient=True))
            pending, size = [], 0
    with timed(seconds, "store_load"):
        bulk_load(store, ox.parse(b"".join(pending), format=ox.RdfFormat.N_QUADS, lenient=True))


def bulk_load(store, quads, copy=None):
    """Bulk-load quads in chunks, write them as N-Quads to the binary file copy if given; return how many.

    Chunks, because Oxigraph's loader holds a whole call's quads in memory before writing them. The copy feeds
    the dumps, which thus need no pass over the store.
    """
    loaded, quads = 0, iter(quads)
    while chunk := list(islice(quads, STORE_CHUNK)):
        store.bulk_extend(chunk)
        if copy is not None:
            copy.write(ox.serialize(chunk, format=ox.RdfFormat.N_QUADS))
        loaded += len(chunk)
    return loaded


def read_items(files, seconds, progress):
    """Yield the records and rejections of the source files, timing the reading and advancing the progress bar."""
    for path in files:
        items = read_source(path, source_name(path))
        while True:
            with timed(seconds, "read"):
                item = next(items, None)
            if item is None:
                break
            progress.update()
            yield item


def build_graphs(files, store, context, quarantine, report, progress, workdir, workers=1):
    """Load the statement, ontology, reference and inferred graphs into the (new, empty) store.

    Return scratch files in workdir: the N-Quads files of every quad loaded (repeats included), for the TriG
    dump, and the sorted N-Triples of the union of all graphs (each distinct triple once), for the Turtle dump
    and the default graph. The inferred graph holds only entailed triples that no other graph asserts, so inferred
    triples stay distinguishable from asserted ones.
    """
    workdir = Path(workdir)
    loaded, entailed, asserted, inferred, inferred_quads, union = (
        workdir / name for name in (LOADED_QUADS, ENTAILED_TRIPLES, ASSERTED_TRIPLES, INFERRED_TRIPLES,
                                    INFERRED_QUADS, UNION_TRIPLES))
    time_stage = partial(timed, report.seconds)
    materializer = Materializer(Entailment(context.ontology))
    stream = StatementStream(context, quarantine, report, materializer, reference_subjects(context.reference),
                             workers=workers)
    with open(loaded, "wb") as copy, open(entailed, "wb") as entailed_copy:
        load_statements(store, stream.quads(read_items(files, report.seconds, progress)), copy, entailed_copy,
                        report.seconds)
        _load_fixed_graphs(store, context, materializer, stream.used_entities, report, copy, entailed_copy,
                           list(stream.history.graphs()))
        with time_stage("labels"):
            bulk_load(store, list(label_quads(store)), copy)
    with time_stage("inference"):
        write_distinct_triples(loaded, asserted, workdir)
        write_difference(entailed, asserted, inferred, workdir)
    with time_stage("store_load"):
        write_in_graph(inferred, INFERRED_GRAPH, inferred_quads, workdir)
        report.counts["inferred_triples"] = bulk_load(store, parse_own(inferred_quads, ox.RdfFormat.N_QUADS))
    with time_stage("serialize"):
        write_merge([asserted, inferred], union, workdir)
    for scratch in (entailed, asserted, inferred):
        scratch.unlink()
    return [loaded, inferred_quads], union


def _load_fixed_graphs(store, context, materializer, used_entities, report, copy, entailed, current=()):
    """Load the ontology, reference and current-status graphs (see bulk_load); write what is left to entail to
    entailed."""
    time_stage = partial(timed, report.seconds)
    with time_stage("reference"):
        reference = select_reference(context.reference, used_entities)
        reference += activity_description(context.pipeline)
    fixed = [(ONTOLOGY_GRAPH, list(context.ontology)), (REFERENCE_GRAPH, reference), *current]
    fixed = [(graph, canonical_blank_nodes(triples, graph) if has_blank_nodes(triples) else triples)
             for graph, triples in fixed]
    with time_stage("inference"):
        last = set().union(*(materializer.add(triples) for _, triples in fixed)) | materializer.finish()
        entailed.write(ox.serialize(to_triples(last), format=ox.RdfFormat.N_TRIPLES))
    with time_stage("store_load"):
        bulk_load(store, (quad for graph, triples in fixed for quad in to_quads(triples, graph)), copy)


def file_digest(path):
    """Return the SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_fingerprint(files, shacl):
    """Return the hashes of everything a build depends on, and one hash over all of them."""
    watched = sorted(
        p for folder, pattern in (("ontology", "**/*"), ("shapes", "**/*"), ("kg/reference", "**/*"),
                                  ("mappings", "**/*.py"), ("kg", "*.py"))
        for p in (REPO_ROOT / folder).glob(pattern) if p.is_file() and "__pycache__" not in p.parts
    )
    inputs = {
        "sources": {source_name(p): file_digest(p) for p in files},
        "code_and_data": {str(p.relative_to(REPO_ROOT)): file_digest(p) for p in watched},
        "software_version": software_version(),
        "shacl": shacl,
    }
    return inputs, hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def is_stale(files, out_dir, shacl):
    """Return whether the published KG in out_dir was built from other inputs than the current ones."""
    info = read_build_info(out_dir)
    if info is None or current_store(out_dir) is None or not (out_dir / TRIG_FILE).exists():
        return True
    return info.get("input_hash") != input_fingerprint(files, shacl)[1]


def usable_cpus():
    """Return how many CPUs this process may run on (the default number of build workers)."""
    return len(os.sched_getaffinity(0))


def build(files, out_dir, context, strict=False, allow_empty=True, name="", console=sys.stderr, workers=1):
    """Build the KG from the source files into out_dir and publish it atomically; return the BuildReport.

    With strict, any SHACL violation leaves the published KG untouched and report.published False; so does,
    without allow_empty, a build that publishes no statement. The name says in build-info.json what KG this is.
    With workers > 1, statements are extracted and validated in that many processes (the same KG, byte for byte).
    """
    out_dir = Path(out_dir)
    report = BuildReport()
    started = time.perf_counter()
    inputs, input_hash = input_fingerprint(files, context.gate is not None)
    with build_lock(out_dir):
        remove_leftovers(out_dir)
        staging = Staging(out_dir)
        try:
            _build_into(staging, files, context, report, console, workers)
            if (strict and report.violations) or not (allow_empty or report.counts["published"]):
                staging.discard()
                return report
            report.seconds["total"] = time.perf_counter() - started
            publish(staging, report, {"name": name, "input_hash": input_hash, "inputs": inputs,
                                      "extraction_activity": str(context.pipeline.activity)})
        except BaseException:
            staging.discard()
            raise
    report.published = True
    return report


def publish(staging, report, info):
    """Write build-info.json (info, the software and the report's figures) and publish the staging area."""
    info = {**info, "software_version": software_version(),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "kg_hash": report.kg_hash,
            "store": staging.store_path.name, **report.as_dict()}
    (staging.path / BUILD_INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    staging.publish([TRIG_FILE, TURTLE_FILE, INDEX_FILE, QUARANTINE_DIR, BUILD_INFO])
    shutil.rmtree(staging.out_dir / DUMP_CACHE, ignore_errors=True)


def _build_into(staging, files, context, report, console, workers):
    """Fill the staging area: quarantine, store, dumps; set the report's counts and KG hash."""
    quarantine = Quarantine(staging.path / QUARANTINE_DIR, console)
    total = count_lines(files)
    show = console.isatty() or total > PROGRESS_MIN_LINES
    store = ox.Store(str(staging.store_path))
    with tqdm(total=total, disable=not show, file=console, unit=" lines") as progress:
        quad_files, union = build_graphs(files, store, context, quarantine, report, progress, staging.path, workers)
    quarantine.close()
    counts = report.counts
    counts["triples"] = len(store)
    counts["graphs"] = sum(1 for _ in store.named_graphs())
    fork = workers > 1  # the index and the dumps read only files: they are made alongside the default graph
    index = _alongside(build_from_sorted_triples, (union, staging.path / INDEX_FILE), fork)
    with timed(report.seconds, "serialize"):
        dumps = _alongside(write_dumps, (quad_files, union, staging.path), fork)
    with timed(report.seconds, "default_graph"):
        merge_into_default_graph(store, union)
    with timed(report.seconds, "serialize"):  # the waits, when they ran alongside
        dumps()
        report.kg_hash = file_digest(staging.path / TRIG_FILE)
    with timed(report.seconds, "search_index"):
        index()
    union.unlink()
    counts["quarantined"] = quarantine.quarantined
    counts["warnings"] = quarantine.warnings
    report.quarantined_by_reason.update(quarantine.reasons)
    store.flush()
    del store  # close the RocksDB handle before the directory is published

