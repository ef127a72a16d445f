"""Convert rdflib terms to Oxigraph terms, and sort N-Quads files into the deterministic TriG and Turtle dumps."""
import hashlib
import mmap
import os
import re
import subprocess
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from cdkg.ontology.namespaces import PREFIXES, XSD

PREFIX_IRIS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
XSD_STRING = XSD.string  # looked up once: attribute access on an rdflib namespace costs microseconds
TERM_TYPES = (URIRef, Literal, BNode)


@lru_cache(maxsize=1 << 16)
def named_node(iri):
    """Return the Oxigraph IRI term, cached because classes, predicates and gazetteer IRIs recur constantly."""
    return ox.NamedNode(iri)


def term_type(term):
    """Return which of URIRef, Literal and BNode the term is, or None.

    The exact type is checked first: isinstance against rdflib's abstract base classes is several times slower,
    and this runs for every term of the KG.
    """
    kind = type(term)
    return kind if kind in TERM_TYPES else next((base for base in TERM_TYPES if isinstance(term, base)), None)


def to_ox(term):
    """Return the Oxigraph term for an rdflib term."""
    kind = type(term)
    if kind not in TERM_TYPES:  # a subclass, or not a term: only then the slow isinstance checks
        kind = term_type(term)
    if kind is URIRef:
        return named_node(str(term))
    if kind is Literal:
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype and term.datatype != XSD_STRING:
            return typed_literal(str(term), str(term.datatype))
        return ox.Literal(str(term))
    if kind is BNode:
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


@lru_cache(maxsize=1 << 16)
def typed_literal(lexical, datatype):
    """Return a typed literal as the store gives it back: Oxigraph keeps values, not lexical forms
    ("02"^^xsd:int comes back as "2"^^xsd:integer), so quads written while loading then equal the store's dump.

    A fresh in-memory store per call is the cheapest way to ask (reusing one makes each add/remove slower).
    """
    node = named_node(str(XSD_STRING))
    scratch = ox.Store()
    scratch.add(ox.Quad(node, node, ox.Literal(lexical, datatype=named_node(datatype))))
    (stored,) = scratch
    return stored.object


def has_blank_nodes(triples):
    """Return whether any of the triples has a blank node."""
    return any(term_type(term) is BNode for triple in triples for term in triple)


def canonical_blank_nodes(triples, scope):
    """Return the triples with blank nodes labelled by content and scope, so dumps are the same on every build.

    rdflib labels blank nodes randomly per parse; the scope (the graph IRI) keeps equal-looking blank nodes of
    two graphs apart, since a label shared across graphs of a dataset would denote one node.
    """
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    tag = hashlib.sha256(str(scope).encode()).hexdigest()[:8]
    return [tuple(BNode(f"{term}x{tag}") if isinstance(term, BNode) else term for term in triple)
            for triple in to_canonical_graph(graph)]


def to_quads(triples, graph):
    """Yield Oxigraph quads for rdflib triples in one named graph."""
    graph_name = to_ox(graph)
    for s, p, o in triples:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_name)


def to_triples(triples):
    """Yield Oxigraph triples for rdflib triples."""
    for s, p, o in triples:
        yield ox.Triple(to_ox(s), to_ox(p), to_ox(o))


def parse_own(path, rdf_format):
    """Parse a file the build wrote with ox.serialize, keeping its blank node labels.

    Lenient: its terms were validated when they were made, and checking them again would double the parsing time.
    """
    return ox.parse(path=str(path), format=rdf_format, lenient=True)


# The files below are sorted by `sort` in byte order (LC_ALL=C): the same on every machine, and an external merge
# sort, so memory stays flat however large the KG. A line of N-Quads ends with its graph IRI and " .": an IRI holds
# no space, so awk finds the graph in the last field but one, whatever spaces the literals before it hold.
SORT = "sort -S 256M -T \"$TMPDIR\""


def _shell(script, workdir, *paths):
    """Run a bash pipeline over the files given as $1, $2...; its sorts spill to workdir; any failing step fails."""
    env = {**os.environ, "LC_ALL": "C", "TMPDIR": str(workdir)}
    subprocess.run(["bash", "-c", f"set -eo pipefail; {script}", "bash", *map(str, paths)], check=True, env=env)


def write_distinct_triples(quads, out, workdir):
    """Write the distinct triples of an N-Quads file (graph names dropped) as sorted N-Triples."""
    drop_graph = "{ print substr($0, 1, length($0) - length($(NF - 1)) - 3) \" .\" }"
    _shell(f"awk '{drop_graph}' \"$1\" | {SORT} -u -o \"$2\"", workdir, quads, out)


def write_difference(triples, known, out, workdir):
    """Write the distinct triples of an N-Triples file that the sorted N-Triples file known lacks, sorted."""
    _shell(f"{SORT} -u \"$1\" | comm -23 - \"$2\" > \"$3\"", workdir, triples, known, out)


def write_merge(sorted_files, out, workdir):
    """Write the union of sorted N-Triples files, each distinct line once, sorted."""
    _shell(f"out=$1; shift; {SORT} -m -u -o \"$out\" \"$@\"", workdir, out, *sorted_files)


def write_in_graph(triples, graph, out, workdir):
    """Write an N-Triples file as N-Quads in one named graph."""
    _shell("awk -v tail=\" <$3> .\" '{ print substr($0, 1, length($0) - 2) tail }' \"$1\" > \"$2\"",
           workdir, triples, out, graph)


GRAPH_FIRST = "{ print $(NF - 1) \"\\t\" $0 }"  # awk: prefix an N-Quads line with its graph IRI and a tab


def write_by_graph(quad_files, out, workdir):
    """Write the distinct quads of N-Quads files sorted by graph, subject, predicate and object (the TriG order).

    Each line is prefixed with its graph IRI and a tab (the serializer escapes tabs in literals) for sorting, then
    the prefix is cut.
    """
    _shell(f"out=$1; shift; awk '{GRAPH_FIRST}' \"$@\" | {SORT} -u | cut -f2- > \"$out\"", workdir, out, *quad_files)


def write_trig(by_graph, path):
    """Write the quads of a file written by write_by_graph as TriG: the serializer groups consecutive quads of a
    graph, and of a subject, into one block."""
    ox.serialize(parse_own(by_graph, ox.RdfFormat.N_QUADS), str(path), ox.RdfFormat.TRIG, prefixes=PREFIX_IRIS)


def write_turtle(union, path):
    """Write the sorted union N-Triples as Turtle with the project's prefixes (grouped by subject)."""
    ox.serialize(parse_own(union, ox.RdfFormat.N_TRIPLES), str(path), ox.RdfFormat.TURTLE, prefixes=PREFIX_IRIS)


# A line opening a block of a dump the serializer wrote: a graph of the TriG ("name {"), a subject of the Turtle;
# every other line but the prefixes and a graph's closing brace starts with a tab (literals' newlines are escaped).
BLOCK_START = re.compile(rb"^(?!@prefix )([^\t}\n][^ \n]*)", re.M)
# A subject's block inside a graph's block of the TriG: one tab, then the subject (its other lines have two).
SUBJECT_START = re.compile(rb"^\t([^\t\n][^ \n]*)", re.M)
LOCAL_ESCAPE = re.compile(rb"\\(.)")
GRAPH_END = b"}\n"


def _block_key(token, prefix_iris):
    """Return the N-Quads spelling of a block's first term (what `sort` ordered the blocks by)."""
    if token.startswith((b"<", b"_:")):
        return token
    prefix, local = token.split(b":", 1)
    return b"<" + prefix_iris[prefix] + LOCAL_ESCAPE.sub(rb"\1", local) + b">"


def _blocks(data, prefix_iris, pattern=BLOCK_START):
    """Yield the blocks of a dump as (key, start, end) offsets (the header is what comes before the first)."""
    previous = None
    for match in pattern.finditer(data):
        if previous is not None:
            yield (*previous, match.start())
        previous = (_block_key(match.group(1), prefix_iris), match.start())
    if previous is not None:
        yield (*previous, len(data))


def _prefix_iris():
    """Return the dumps' prefixes as bytes."""
    return {prefix.encode(): iri.encode() for prefix, iri in PREFIX_IRIS.items()}


def _serialized(quads, rdf_format):
    """Return quads serialized as a dump writes them: N-Quads lines in `sort` order, the TriG's by graph first."""
    lines = set(ox.serialize(quads, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True))
    # the TriG's order: by graph (the last field but one of a quad line), then by line; the union's: by line
    lines = sorted(lines, key=lambda line: (line.rsplit(b" ", 2)[-2], line) if rdf_format is ox.RdfFormat.TRIG else line)
    return ox.serialize(ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS, lenient=True), format=rdf_format,
                        prefixes=PREFIX_IRIS) if lines else b""


@contextmanager
def _mapped(path):
    """Map a file for reading (an empty one as b"")."""
    with open(path, "rb") as source:
        if not os.fstat(source.fileno()).st_size:
            yield b""
            return
        with mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


def dump_keys(path):
    """Return the keys (graph or subject IRIs in N-Quads spelling) of a dump's blocks."""
    with _mapped(path) as data:
        return {key for key, _, _ in _blocks(data, _prefix_iris())}


def _splice(data, pattern, prefix_iris, pending, replace, write):
    """Write data with the blocks of the pending keys (sorted, last first) written by replace(key, old block or
    None) in the blocks' order, and its unchanged runs of blocks copied whole (a view: written, not copied)."""
    with memoryview(data) as view:
        copied = 0  # data is written up to here (its header first)
        for key, start, end in _blocks(data, prefix_iris, pattern):
            if not pending or pending[-1] > key:
                continue  # an unchanged block: copied with its run
            write(view[copied:start])
            while pending and pending[-1] < key:
                write(replace(pending.pop(), None))
            copied = start
            if pending and pending[-1] == key:
                write(replace(pending.pop(), view[start:end]))
                copied = end
        write(view[copied:])
    for key in reversed(pending):
        write(replace(key, None))


def splice_dump(old, keys, quads, rdf_format, out, by_subject=None):
    """Write the dump old with the blocks of keys (graph or subject IRIs in N-Quads spelling) replaced by those
    the quads make (all of those keys' quads, sorted by N-Quads line as `sort` orders them): the bytes a whole
    serialization gives, since a block depends on its own quads only, for the cost of the change.

    by_subject maps the key of a graph block of the TriG old has to (subject keys, all those subjects' quads in
    the graph): that block is spliced subject by subject (a shared graph of a million quads, a few subjects
    changed). The old dump is mapped, not read, and unchanged runs are copied whole: memory holds the changes."""
    prefix_iris, by_subject = _prefix_iris(), by_subject or {}
    fresh = _serialized(quads, rdf_format)
    new_blocks = {key: fresh[start:end] for key, start, end in _blocks(fresh, prefix_iris)}
    fresh_header = fresh[:next(_blocks(fresh, prefix_iris), (None, len(fresh)))[1]]  # its prefixes

    def replace(key, block):
        if block is None or key not in by_subject:
            return new_blocks.get(key, b"")
        subjects, subject_quads = by_subject[key]
        inner = _serialized(subject_quads, rdf_format)
        inner = inner[inner.index(b"{\n") + 2:-len(GRAPH_END)] if inner else b""
        new_subjects = {k: inner[start:end] for k, start, end in _blocks(inner, prefix_iris, SUBJECT_START)}
        head = bytes(block[:bytes(block[:4096]).index(b"\n") + 1])  # "name {"
        spliced = []
        _splice(block[len(head):-len(GRAPH_END)], SUBJECT_START, prefix_iris,
                sorted(set(subjects) | set(new_subjects), reverse=True),
                lambda k, _: new_subjects.get(k, b""), spliced.append)
        body = b"".join(spliced)
        return head + body + GRAPH_END if body else b""  # a graph left with no triple has no block

    with _mapped(old) as data, open(out, "wb") as output:
        if not data:
            output.write(fresh_header)  # an empty dump has no prefixes yet
        _splice(data, BLOCK_START, prefix_iris, sorted(set(keys) | set(new_blocks), reverse=True), replace,
                output.write)
