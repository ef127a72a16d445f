"""Merge new source files into a built KG (`cdkg build --add FILE`): the KG a full build of all the sources
(the earlier ones first) gives, in time proportional to what the new reports change, plus one merge pass over
the sorted dump files.

The published store is copied by a RocksDB checkpoint (hard links) and changed in place: the new statement
graphs, the current-status graphs of the shared agreements they report on (recomputed from every claim),
the gazetteer descriptions of entities first used now, the inferred graph (see InferredDelta) and the default
graph (the merge) follow. The dumps come from the sorted files of the last build with the changes merged in.
"""
import hashlib
import json
import shutil
import sys
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from tqdm import tqdm

from cdkg.kg.build import (PROGRESS_MIN_LINES, QUARANTINE_DIR, TRIG_FILE, TURTLE_FILE,
                           UNSEEN, BuildReport, StatementStream, file_digest, input_fingerprint,
                           publish, read_build_info, read_items, reference_subjects, select_reference, timed)
from cdkg.kg.dump import dump_keys, named_node, splice_dump, to_ox, to_quads
from cdkg.kg.identity import current_graph
from cdkg.kg.inference import TYPE, Entailment, Materializer
from cdkg.kg.labels import label_quads, statement_graph
from cdkg.kg.quarantine import REJECTED_FILE, Quarantine
from cdkg.kg.readers import count_lines
from cdkg.kg.store import Staging, build_lock, current_store, remove_leftovers
from cdkg.kg.textindex import INDEX_FILE, update_index
from cdkg.mappings.pipeline import content_hash, normalize
from cdkg.mappings.rdfmap import statement_iri
from cdkg.mappings.record import SourceRecord
from cdkg.ontology.namespaces import (CDO, INFERRED_GRAPH, LABELS_GRAPH, ONTOLOGY_GRAPH, RDF, RDFS, REFERENCE_GRAPH,
                                      SKOS)
from cdkg.shapes.terms import rdflib_term

DEFAULT = ox.DefaultGraph()
TYPE_NODE = named_node(str(RDF.type))


class NotIncremental(RuntimeError):
    """The published KG cannot take these files incrementally; the message says why (a full build can)."""


def add(files, out_dir, context, console=sys.stderr, workers=1):
    """Merge the statements of new source files into the KG published in out_dir; return the BuildReport."""
    out_dir = Path(out_dir)
    report = BuildReport()
    started = time.perf_counter()
    with build_lock(out_dir):
        info, published = read_build_info(out_dir), current_store(out_dir)
        inputs = _combined_inputs(info, published, out_dir, files, context)
        remove_leftovers(out_dir)
        staging = Staging(out_dir)
        try:
            _merge_into(staging, published, out_dir, files, context, report, console, info, workers)
            report.seconds["total"] = time.perf_counter() - started
            publish(staging, report, {
                **info, "input_hash": hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest(),
                "inputs": inputs})
        except BaseException:
            staging.discard()
            raise
    report.published = True
    return report


def _combined_inputs(info, published, out_dir, files, context):
    """Return the inputs record of the KG with the new files, or raise NotIncremental saying why there is none."""
    if info is None or published is None or not all(
            (out_dir / path).exists() for path in (TRIG_FILE, TURTLE_FILE, INDEX_FILE)):
        raise NotIncremental(f"there is no built KG in {out_dir} to add to: run a full `cdkg build` first")
    inputs, _ = input_fingerprint(files, context.gate is not None)
    earlier = info["inputs"]
    for what in ("code_and_data", "software_version", "shacl"):
        if inputs[what] != earlier.get(what):
            raise NotIncremental(f"the KG in {out_dir} was built from other code, ontology, shapes, gazetteer or "
                                 "SHACL setting: run a full `cdkg build`")
    again = sorted(set(inputs["sources"]) & set(earlier["sources"]))
    if again:
        raise NotIncremental(f"already in the KG: {', '.join(again)} (a changed source needs a full build)")
    return {**inputs, "sources": {**earlier["sources"], **inputs["sources"]}}


def _earlier_verdicts(store, quarantine_dir):
    """Return earlier(content hash) for StatementStream: None for a published statement, the first quarantine
    record of one that violated the shapes, else UNSEEN."""
    violations = {}
    with open(quarantine_dir / REJECTED_FILE, encoding="utf-8") as rejected:
        for line in rejected:
            row = json.loads(line)
            if row["reason"] == "shacl-violation":
                details = {key: row[key] for key in ("graph", "report_text", "report_turtle")}
                violations.setdefault(content_hash(normalize(row["text"])),
                                      (SourceRecord(row["text"], row["line"], row["file"]), details))
    statement_type = (named_node(str(RDF.type)), named_node(str(CDO.Statement)))

    def earlier(digest):
        node = named_node(str(statement_iri(digest)))
        if next(store.quads_for_pattern(node, *statement_type, None), None) is not None:
            return None
        return violations.get(digest, UNSEEN)

    return earlier


def _merge_into(staging, published, out_dir, files, context, report, console, info, workers):
    """Fill the staging area with the updated store, quarantine and dumps; set the report's counts."""
    ox.Store.read_only(str(published)).backup(str(staging.store_path))
    store = ox.Store(str(staging.store_path))
    shutil.copytree(out_dir / QUARANTINE_DIR, staging.path / QUARANTINE_DIR)
    quarantine = Quarantine(staging.path / QUARANTINE_DIR, console, append=True)
    rules = Entailment(context.ontology)
    stream = StatementStream(context, quarantine, report, Materializer(rules), reference_subjects(context.reference),
                             earlier=_earlier_verdicts(store, out_dir / QUARANTINE_DIR), workers=workers)
    total = count_lines(files)
    with tqdm(total=total, disable=not (console.isatty() or total > PROGRESS_MIN_LINES), file=console,
              unit=" lines") as progress:  # what the new statements entail, the delta below works out
        quads = b"".join(quads for quads, _ in stream.quads(read_items(files, report.seconds, progress)))
    added = set(ox.parse(quads, format=ox.RdfFormat.N_QUADS, lenient=True))
    quarantine.close()
    time_stage = partial(timed, report.seconds)
    with time_stage("reference"):
        removed = _current_status_changes(store, stream.history, added)
        added |= _new_reference(store, context, stream.used_entities)
    with time_stage("store_load"):
        added = {quad for quad in added if quad not in store}
        graphs_before = {quad.graph_name for quad in added if _graph_is_empty(store, quad.graph_name)}
        delta = InferredDelta(store, rules)
        fresh = delta.fresh(added)
        store.bulk_extend(added)
        for quad in removed:
            store.remove(quad)
    with time_stage("labels"):
        labels_added, labels_removed = _relabel(store, added, removed)
        fresh += delta.fresh(labels_added)
        added |= labels_added
        removed |= labels_removed
    with time_stage("inference"):
        inferred_added, inferred_removed = delta.changes(fresh, removed)
        store.bulk_extend(inferred_added)
        for quad in inferred_removed:
            store.remove(quad)
    with time_stage("default_graph"):
        union_added, union_removed = _update_default_graph(store, added | inferred_added, removed | inferred_removed)
    with time_stage("serialize"):
        _update_dumps(staging.path, out_dir, store, added | inferred_added, removed | inferred_removed,
                      union_added, union_removed)
        report.kg_hash = file_digest(staging.path / TRIG_FILE)
    with time_stage("search_index"):
        shutil.copyfile(out_dir / INDEX_FILE, staging.path / INDEX_FILE)
        update_index(staging.path / INDEX_FILE, union_added, union_removed, partial(_types, store))
    earlier = info["counts"]
    counts = report.counts
    for name in ("read", "published", "duplicates"):
        counts[name] += earlier[name]
    counts["quarantined"] = quarantine.quarantined + earlier["quarantined"]
    counts["warnings"] = quarantine.warnings + earlier["warnings"]
    counts["inferred_triples"] = earlier["inferred_triples"] + len(inferred_added) - len(inferred_removed)
    counts["graphs"] = earlier["graphs"] + len(graphs_before)
    counts["triples"] = (earlier["triples"] + len(added) - len(removed)  # the named graphs' quads, as a full build counts
                         + len(inferred_added) - len(inferred_removed))
    report.quarantined_by_reason.update(info["quarantined_by_reason"])
    report.quarantined_by_reason.update(quarantine.reasons)
    report.violations += info["shacl_violations"]
    store.flush()
    del store


def _relabel(store, added, removed):
    """Regenerate the cdg:labels quads of the nodes the asserted quads that came and went name, as a full build
    makes them (from the asserted named graphs alone); change them in the store and return the quads gained and
    lost.

    A node's label reads its own labels, types, status and text, and the labels of what it links to: so the nodes
    to rename are those the change is about, and the nodes linking to one whose own labels changed. They are named
    by label_quads over a small in-memory store of just what their labels read, each triple once (an entity
    repeats its labels in every report that names it).
    """
    changed = added | removed
    asserted = _AssertedTriples(store, added)
    touched = {term for quad in changed for term in (quad.subject, quad.object) if isinstance(term, ox.NamedNode)}
    for node in {quad.subject for quad in changed if quad.predicate in _LABELLING}:
        now = asserted.of(node, _LABELLING)
        new = any(all(q in added for q in _asserted(store, *triple)) for triple in now)
        gone = any((q.subject, q.predicate, q.object) not in now for q in removed
                   if q.subject == node and q.predicate in _LABELLING)
        if new or gone:
            touched.update(q.subject for q in _asserted(store, None, None, node))
    read = set(store.quads_for_pattern(None, None, None, named_node(str(ONTOLOGY_GRAPH))))
    named = set(touched)
    for node in touched:
        reporting = {(q.subject, q.predicate, q.object) for q in _asserted(store, None, _REPORTS, node)}
        if reporting:  # a fact: named after what it links to
            triples = asserted.of(node) | reporting
            for party in {o for _, _, o in triples if isinstance(o, ox.NamedNode)}:
                triples |= asserted.of(party, _LABELLING)
        else:  # only its own labels and text count
            triples = asserted.of(node, (*_LABELLING, _TEXT))
            if any(p == _TEXT for _, p, _ in triples):
                named.add(named_node(statement_graph(node.value)))
        read.update(ox.Quad(*triple, DEFAULT) for triple in triples)
    scratch = ox.Store()  # in memory
    scratch.bulk_extend(read)
    graph = named_node(str(LABELS_GRAPH))
    before = {q for node in named for q in store.quads_for_pattern(node, None, None, graph)}
    after = {q for q in label_quads(scratch) if q.subject in named}
    for quad in before - after:
        store.remove(quad)
    store.bulk_extend(after - before)
    return after - before, before - after


_LABELLING = (named_node(str(SKOS.prefLabel)), named_node(str(RDFS.label)))
_REPORTS, _TEXT = named_node(str(CDO.reports)), named_node(str(CDO.originalText))


class _AssertedTriples:
    """The triples the asserted named graphs hold about a node, each once: read from the merge (the default
    graph, not yet updated) and the added quads, and kept if some asserted graph holds them now."""

    def __init__(self, store, added):
        """Index the added quads by subject."""
        self.store, self.added = store, {}
        for quad in added:
            self.added.setdefault(quad.subject, []).append(quad)

    def of(self, node, predicates=(None,)):
        """Return the asserted (subject, predicate, object) triples of a node with one of the predicates (None:
        any)."""
        candidates = {(q.subject, q.predicate, q.object) for predicate in predicates
                      for q in self.store.quads_for_pattern(node, predicate, None, DEFAULT)}
        candidates.update((q.subject, q.predicate, q.object) for q in self.added.get(node, ())
                          if None in predicates or q.predicate in predicates)
        return {t for t in candidates if next(_asserted(self.store, *t), None) is not None}


def _asserted(store, s, p, o):
    """Yield the quads of the asserted named graphs (not the merge, the inferred or the labels graph) matching."""
    derived = (DEFAULT, named_node(str(INFERRED_GRAPH)), named_node(str(LABELS_GRAPH)))
    return (q for q in store.quads_for_pattern(s, p, o, None) if q.graph_name not in derived)


def _graph_is_empty(store, graph):
    return next(store.quads_for_pattern(None, None, None, graph), None) is None


def _current_status_changes(store, history, added):
    """Recompute the current-status graphs of the shared agreements new claims are about, from all their claims;
    add the new quads to added and return the quads to remove."""
    touched = list(history.claims)
    history.observe_store(store, touched)
    removed = set()
    for node in touched:
        graph = current_graph(node)
        old = set(store.quads_for_pattern(None, None, None, named_node(str(graph))))
        new = set(to_quads(history.current(node, history.claims[node]), graph))
        removed |= old - new
        added |= new - old
    return removed


def _new_reference(store, context, used):
    """Return the reference-graph quads describing the entities no earlier statement used."""
    graph = named_node(str(REFERENCE_GRAPH))
    new = [entity for entity in used
           if next(store.quads_for_pattern(named_node(str(entity)), None, None, graph), None) is None]
    return set(to_quads(select_reference(context.reference, new), REFERENCE_GRAPH))


class InferredDelta:
    """Change the inferred graph as a full build would have it after some asserted quads came and went.

    The inferred graph is what the asserted triples entail and no graph asserts. Each local rule (types,
    super-, inverse and symmetric properties) derives triples about the same one or two nodes as the triple it
    starts from, so the triples whose standing can change are those entailed by the added or removed triples, and
    those triples themselves; whether one is still entailed is asked of the asserted triples between its two
    nodes. The transitive chains are recomputed whole (they live in the small gazetteer graph) and compared.
    """

    def __init__(self, store, rules):
        """Note the transitive entailments before the change."""
        self.store, self.rules = store, rules
        self.inferred = named_node(str(INFERRED_GRAPH))
        a, b = URIRef("urn:a"), URIRef("urn:b")  # what a triple of a predicate entails does not depend on its nodes
        self.chain_predicates = set(rules.transitive) | {
            p for p in rules.predicates if any(t[1] in rules.transitive for t in rules.local((a, p, b)))}
        self.chains_before = self._chains()

    def fresh(self, quads):
        """Return, before they are added, the asserted quads that can change the inferred graph: their triple is
        not yet asserted by another graph (it is new to the merge, or only inferred so far); each triple is looked
        up once, however many graphs repeat it."""
        triples = {(q.subject, q.predicate, q.object) for q in quads}
        standing = {triple for triple in triples if self._changes_standing(triple)}
        return [q for q in quads if (q.subject, q.predicate, q.object) in standing]

    def _changes_standing(self, triple):
        return ox.Quad(*triple, DEFAULT) not in self.store or ox.Quad(*triple, self.inferred) in self.store

    def changes(self, added, removed):
        """Return the quads to add to and remove from the inferred graph, the store holding the change already;
        added need only hold the quads fresh kept."""
        chains = self._chains()
        gained = [self._triple(q) for q in added if q.graph_name != self.inferred]
        lost = [t for t in (self._triple(q) for q in removed) if not self._asserted(t)]
        candidates = self._local(gained) | (chains - self.chains_before) | set(lost)
        doubtful = self._local(lost) | (self.chains_before - chains)
        add, remove = set(), set()
        for triple in candidates | doubtful:
            entailed = triple in chains or self._entailed(triple)
            should = entailed and not self._asserted(triple)
            present = self._quad(triple) in self.store
            if should and not present:
                add.add(self._quad(triple))
            elif present and not should:
                remove.add(self._quad(triple))
        for triple in gained:  # newly asserted: no longer inferred
            if self._quad(triple) in self.store:
                remove.add(self._quad(triple))
        return add, remove

    def _triple(self, quad):
        return rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)

    def _quad(self, triple):
        return ox.Quad(to_ox(triple[0]), to_ox(triple[1]), to_ox(triple[2]), self.inferred)

    def _local(self, triples):
        rules, entailed = self.rules, set()
        for triple in triples:
            if triple[1] in rules.entailing:
                entailed |= rules.local(triple)
        return entailed

    def _asserted_quads(self, s, p, o):
        """Yield the triples of the asserted named graphs matching a pattern of Oxigraph terms (None: any)."""
        for quad in self.store.quads_for_pattern(s, p, o, None):
            if quad.graph_name != self.inferred and quad.graph_name != DEFAULT:
                yield quad

    def _asserted(self, triple):
        return next(self._asserted_quads(*map(to_ox, triple)), None) is not None

    def _entailed(self, triple):
        """Tell whether an asserted triple about the same nodes entails this one by a local rule."""
        s, p, o = triple
        if p == TYPE:
            sources = self._asserted_quads(to_ox(s), named_node(str(TYPE)), None)
        else:
            sources = [*self._asserted_quads(to_ox(s), None, to_ox(o))]
            if not isinstance(o, Literal):  # a literal is no subject: no inverse or symmetric source
                sources += self._asserted_quads(to_ox(o), None, to_ox(s))
        return any(triple in self.rules.local(self._triple(quad)) for quad in sources)

    def _chains(self):
        """Return the transitive chains of the asserted triples, with their local entailments."""
        materializer = Materializer(self.rules)
        for predicate in self.chain_predicates:
            materializer.add([self._triple(q) for q in self._asserted_quads(None, named_node(str(predicate)), None)])
        return materializer.finish()


def _update_default_graph(store, added, removed):
    """Keep the default graph the merge of the named graphs; return the triples it gained and lost."""
    gained = {ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT) for quad in added}
    gained = {triple for triple in gained if triple not in store}
    lost = set()
    for quad in removed:
        if next((q for q in store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
                 if q.graph_name != DEFAULT), None) is None:
            triple = ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT)
            store.remove(triple)
            lost.add(triple)
    store.bulk_extend(gained)
    return gained, lost


def _types(store, iri):
    """Return the class IRIs a node has in the merge of the graphs."""
    return [q.object.value for q in store.quads_for_pattern(named_node(iri), TYPE_NODE, None, DEFAULT)
            if isinstance(q.object, ox.NamedNode)]


def _update_dumps(staging, published, store, added, removed, union_added, union_removed):
    """Write the TriG and Turtle dumps into staging: the published ones with the changed blocks spliced in."""
    changed = defaultdict(set)  # graph -> its subjects with a quad added or removed
    for quad in added | removed:
        changed[quad.graph_name].add(quad.subject)
    # A graph the last dump has is spliced subject by subject (the shared graphs hold millions of quads); a new
    # one is written whole.
    earlier = dump_keys(published / TRIG_FILE)
    keys = {str(graph).encode(): graph for graph in changed}
    by_subject = {key: ({str(s).encode() for s in changed[graph]},
                        [q for s in changed[graph] for q in store.quads_for_pattern(s, None, None, graph)])
                  for key, graph in keys.items() if key in earlier}
    splice_dump(published / TRIG_FILE, set(keys),
                [quad for key, graph in keys.items() if key not in earlier
                 for quad in store.quads_for_pattern(None, None, None, graph)],
                ox.RdfFormat.TRIG, staging / TRIG_FILE, by_subject)
    subjects = {quad.subject for quad in union_added | union_removed}
    splice_dump(published / TURTLE_FILE, {str(subject).encode() for subject in subjects},
                [quad for subject in subjects for quad in store.quads_for_pattern(subject, None, None, DEFAULT)],
                ox.RdfFormat.TURTLE, staging / TURTLE_FILE)
