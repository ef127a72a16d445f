"""Full-text index of the KG's labels and statement texts (SQLite FTS5), Persian-aware, ranked, with a limit.

Texts and queries go through the project's normaliser (mappings.normalize.fold: Arabic letter variants, digits,
diacritics), are lower-cased, and ZWNJ counts as a word break, so "تفاهم‌نامه" and "تفاهم نامه" match alike.
Space-insensitive both ways: each text also indexes every pair of adjacent words written together (the `joined`
column), so "تفاهمنامه" finds "تفاهم‌نامه"; a query of several words also tries them written together, so
"نووی ساد" finds "نوویساد". Words are matched as a phrase; the last word may be a prefix (autocomplete).

Why FTS5 and not Tantivy: measured in docs/endpoint.md (full-text search); FTS5 comes with Python, builds the
index of a 5k-statement KG in a fraction of the time and answers a phrase in well under a millisecond.
"""
import sqlite3
import threading
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from cdkg.mappings.normalize import ZWNJ, fold
from cdkg.ontology.namespaces import CDO, DCTERMS, RDF, RDFS, SKOS

INDEX_FILE = "search.sqlite"
# The literals searched, label-like ones ranked above statement texts (rank: lower is better).
LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, SKOS.altLabel, DCTERMS.title)
TEXT_PROPERTIES = (CDO.originalText,)
PROPERTY_RANK = {str(p): rank for rank, p in enumerate(LABEL_PROPERTIES)} | {str(p): 10 for p in TEXT_PROPERTIES}
SCHEMA = """
CREATE TABLE entry (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, property TEXT NOT NULL, text TEXT NOT NULL,
                    lang TEXT NOT NULL, types TEXT NOT NULL, property_rank INTEGER NOT NULL, folded TEXT NOT NULL);
CREATE VIRTUAL TABLE entry_fts USING fts5(words, joined, content='',
                                          tokenize='unicode61 remove_diacritics 2');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Made once the entries are in (cheaper than keeping it up while inserting): update_index finds entries by IRI.
BY_IRI = "CREATE INDEX entry_iri ON entry(iri)"
BATCH = 5000
EXACT_BONUS = 1000  # the whole text is the query
PROPERTY_BONUS = 10  # per step of PROPERTY_RANK: labels above statement texts


class SearchError(ValueError):
    """A search request that cannot be answered as given (empty words, a bad limit)."""


class Hit(NamedTuple):
    """One search result: the resource, its best-matching literal and the score (higher is better)."""

    iri: str
    text: str
    lang: str
    property: str
    types: tuple
    score: float


def words_of(text):
    """Return the normalised words of a text: folded letters, lower case, ZWNJ and punctuation as breaks."""
    folded = fold(text).replace(ZWNJ, " ").lower()
    return "".join(ch if ch.isalnum() else " " for ch in folded).split()


def joined_pairs(words):
    """Return each pair of adjacent words written together (what a writer may have glued)."""
    return [first + second for first, second in zip(words, words[1:])]


def rows_of(backend_query):
    """Yield (iri, property, text, lang) of the searchable literals, and {iri: types}, from a SELECT runner."""
    properties = " ".join(f"<{p}>" for p in (*LABEL_PROPERTIES, *TEXT_PROPERTIES))
    literals = backend_query(f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {properties} }} ?s ?p ?o "
                             "FILTER(isIRI(?s) && isLiteral(?o)) }")
    types = {}
    for s, c in backend_query(f"SELECT DISTINCT ?s ?c WHERE {{ ?s <{RDF.type}> ?c FILTER(isIRI(?s) && isIRI(?c)) }}"):
        types.setdefault(s.value, []).append(c.value)
    return literals, types


def write_index(path, literals, types):
    """Write the index file at path from (subject, property, literal) terms and {iri: [class IRIs]}."""
    write_entries(path, ((s, p, o, types.get(s.value, ())) for s, p, o in literals))


def write_entries(path, literals):
    """Write the index file at path from (subject, property, literal, the subject's class IRIs) tuples."""
    path = Path(path)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        batch = []
        for number, (subject, predicate, literal, types) in enumerate(literals, start=1):
            row = entry(number, subject, predicate, literal, types)
            if row is not None:
                batch.append(row)
            if len(batch) >= BATCH:
                insert(connection, batch)
                batch = []
        insert(connection, batch)
        connection.execute("INSERT INTO entry_fts(entry_fts) VALUES ('optimize')")
        connection.execute(BY_IRI)
        connection.commit()
    finally:
        connection.close()


def build_from_sorted_triples(union, path):
    """Write the index at path of a sorted N-Triples file of the KG's merge (each subject's triples together), in
    one pass with flat memory: the same entries as build_from_store on a store of those triples."""
    type_iri = str(RDF.type)

    def literals():
        subject, types, found = None, [], []
        for triple in ox.parse(path=str(union), format=ox.RdfFormat.N_TRIPLES, lenient=True):
            if triple.subject != subject:
                yield from ((s, p, o, types) for s, p, o in found)
                subject, types, found = triple.subject, [], []
            if not isinstance(triple.subject, ox.NamedNode):
                continue
            predicate = triple.predicate.value
            if predicate in PROPERTY_RANK and isinstance(triple.object, ox.Literal):
                found.append((triple.subject, triple.predicate, triple.object))
            elif predicate == type_iri and isinstance(triple.object, ox.NamedNode):
                types.append(triple.object.value)
        yield from ((s, p, o, types) for s, p, o in found)

    write_entries(path, literals())


def entry(number, subject, predicate, literal, types):
    """Return the entry row and its index columns for a literal, or None when it has no words."""
    words = words_of(literal.value)
    if not words:
        return None
    return (number, subject.value, predicate.value, literal.value, literal.language or "", " ".join(sorted(types)),
            PROPERTY_RANK[predicate.value], "".join(words), " ".join(words), " ".join(joined_pairs(words)))


def insert(connection, batch):
    """Insert a batch of entries and their index rows."""
    connection.executemany("INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [row[:8] for row in batch])
    connection.executemany("INSERT INTO entry_fts(rowid, words, joined) VALUES (?, ?, ?)",
                           [(row[0], row[8], row[9]) for row in batch])


def update_index(path, gained, lost, types_of):
    """Change the index file at path as the union of graphs gained and lost some triples (Oxigraph triples or
    quads); types_of(iri) returns the class IRIs the subject has now. The index then holds what write_index would
    write for the new union (its row numbers aside)."""
    type_iri = str(RDF.type)

    def searched(triples):
        return [t for t in triples if t.predicate.value in PROPERTY_RANK and isinstance(t.subject, ox.NamedNode)
                and isinstance(t.object, ox.Literal)]

    connection = sqlite3.connect(path)
    try:
        for triple in searched(lost):
            row = entry(0, triple.subject, triple.predicate, triple.object, ())
            if row is not None:
                for (number,) in connection.execute("SELECT id FROM entry WHERE iri = ? AND property = ? AND text = ? "
                                                    "AND lang = ?", row[1:5]).fetchall():
                    connection.execute("INSERT INTO entry_fts(entry_fts, rowid, words, joined) VALUES ('delete', ?, ?, ?)",
                                       (number, row[8], row[9]))
                    connection.execute("DELETE FROM entry WHERE id = ?", (number,))
        retyped = {t.subject.value for t in (*gained, *lost) if t.predicate.value == type_iri
                   and isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode)}
        connection.executemany("UPDATE entry SET types = ? WHERE iri = ?",
                               [(" ".join(sorted(types_of(iri))), iri) for iri in sorted(retyped)])
        (last,) = connection.execute("SELECT COALESCE(MAX(id), 0) FROM entry").fetchone()
        rows = (entry(last + number, t.subject, t.predicate, t.object, types_of(t.subject.value))
                for number, t in enumerate(searched(gained), start=1))
        insert(connection, [row for row in rows if row is not None])
        connection.commit()
    finally:
        connection.close()


def build_from_store(store, path):
    """Write the index of an Oxigraph store (its union of graphs) at path."""
    def select(sparql):
        return [tuple(row) for row in store.query(sparql, use_default_graph_as_union=True)]
    literals, types = rows_of(select)
    write_index(path, literals, types)


def phrase(words, prefix):
    """Return an FTS5 phrase of the words one after the other (each quoted), the last one a prefix when asked."""
    return " + ".join('"' + word.replace('"', '""') + '"' for word in words) + (" *" if prefix else "")


def match_expression(words, prefix):
    """Return the FTS5 query: the words as a phrase, or all of them written together (as one word or a pair).

    Two whole words stand next to each other exactly where their pair is in `joined`, which that form already
    asks for; so the phrase is left out: it would read the whole posting list of a common word such as "شهر".
    """
    together = "".join(words)
    forms = [] if len(words) == 2 and not prefix else [f"words : ({phrase(words, prefix)})"]
    if len(words) > 1:
        forms.append(f"words : ({phrase([together], prefix)})")
    forms.append(f"joined : ({phrase([together], prefix)})")
    return " OR ".join(forms)


class TextIndex:
    """A read-only handle on an index file; one SQLite connection per thread (connections must not cross threads)."""

    def __init__(self, path):
        """Open the index at path (read-only); raise FileNotFoundError when there is none."""
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no search index at {self.path}")
        self.uri = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
        self.local = threading.local()

    def connection(self):
        """Return this thread's read-only connection, opening it on first use."""
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = sqlite3.connect(self.uri, uri=True)
        return connection

    def search(self, text, limit, prefix=False, types=(), properties=(), lang=None):
        """Return at most limit Hits for the words of text, best first, one per resource (its best literal)."""
        words = words_of(text)
        if not words:
            raise SearchError("the search text has no words (letters or digits)")
        if not isinstance(limit, int) or limit < 1:
            raise SearchError(f"the limit must be a positive integer, not {limit!r}")
        conditions, parameters = ["entry_fts MATCH ?"], [match_expression(words, prefix)]
        if properties:
            conditions.append(f"e.property IN ({', '.join('?' * len(properties))})")
            parameters += list(properties)
        if lang:
            conditions.append("(e.lang = ? OR e.lang LIKE ?)")
            parameters += [lang.lower(), lang.lower() + "-%"]
        for kind in types:
            conditions.append("(' ' || e.types || ' ') LIKE ?")
            parameters.append(f"% {kind} %")
        exact = "".join(words)  # the text written without spaces: "تفاهم نامه" is exactly "تفاهم‌نامه"
        # The exact text first, then labels before statement texts, then BM25 (negative: lower is better).
        sql = (f"SELECT e.iri, e.text, e.lang, e.property, e.types, (e.folded = ?) * {EXACT_BONUS}"
               f" + (10 - e.property_rank) * {PROPERTY_BONUS} - bm25(entry_fts) AS score"
               f" FROM entry_fts JOIN entry e ON e.id = entry_fts.rowid WHERE {' AND '.join(conditions)}"
               f" ORDER BY score DESC, e.iri")
        best = {}  # rows come best first: the first row of a resource is its best
        for row in self.connection().execute(sql, [exact, *parameters]):
            if row[0] not in best:
                best[row[0]] = row
                if len(best) == limit:
                    break
        return [Hit(iri, found, lang_tag, prop, tuple(kinds.split()), round(score, 4))
                for iri, found, lang_tag, prop, kinds, score in best.values()]
