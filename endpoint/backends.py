"""Store backends behind one small interface: run a SPARQL query over a dataset, report counts.

A backend has `query(text, dataset, base) -> QueryResult`, `update(text, base)`, `named_graphs()` and
`triple_count()`. `dataset` is None (the query's own FROM/FROM NAMED, else the union default graph) or a `Dataset`
given by the protocol's default-graph-uri/named-graph-uri parameters, which then replaces the query's dataset
clause. `base` is the base IRI relative IRIs of the text resolve against (the text's own BASE comes after it).
A remote SPARQL store fits the same interface: it forwards the text and the parameters.
"""
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
import rdflib.plugins.sparql
from rdflib.plugins.sparql import prepareQuery, prepareUpdate
from pyparsing import ParseException
from rdflib.plugins.sparql.parserutils import CompValue

from cdkg.endpoint.sparqltext import has_dataset_clause, with_using
from cdkg.kg.store import has_default_graph, merge_into_default_graph

# Never fetch a FROM graph from the web: FROM only selects graphs already in the store.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

SOLUTION_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}
# Files given with --data: the parser is chosen by extension.
PARSE_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML, ".jsonld": ox.RdfFormat.JSON_LD, ".n3": ox.RdfFormat.N3,
}


class StoreError(Exception):
    """The store cannot be opened or read; the server must not start on it."""


class QuerySyntaxError(Exception):
    """The query or update text does not parse; the message names the position."""


class ReadOnlyError(Exception):
    """The backend does not accept updates."""


@dataclass(frozen=True)
class Dataset:
    """An RDF dataset chosen by the protocol: default graph IRIs and named graph IRIs."""

    default_graphs: tuple = ()
    named_graphs: tuple = ()


@dataclass
class QueryResult:
    """A query's result: `kind` is solutions, boolean or graph; `serialize(format_name)` renders it once."""

    kind: str
    native: object
    prefixes: dict = field(default_factory=dict)

    def serialize(self, format_name):
        """Return the result as bytes in the named format (see SOLUTION_FORMATS and GRAPH_FORMATS)."""
        if self.kind == "graph":
            return ox.serialize(self.native, format=GRAPH_FORMATS[format_name], prefixes=self.prefixes or None)
        return self.native.serialize(format=SOLUTION_FORMATS[format_name])

    def rows(self):
        """Return SELECT solutions as SPARQL JSON binding dicts (for HTML pages)."""
        return json.loads(self.serialize("json"))["results"]["bindings"]

    def triples(self):
        """Return CONSTRUCT/DESCRIBE triples as a list (for HTML pages)."""
        return list(self.native)


def result_kind(native):
    """Name the kind of a pyoxigraph query result."""
    if isinstance(native, ox.QuerySolutions):
        return "solutions"
    if isinstance(native, ox.QueryBoolean):
        return "boolean"
    return "graph"


def open_oxigraph_store(store_dir):
    """Open the store written by `cdkg build` read-only, or raise StoreError saying why it cannot be served."""
    path = Path(store_dir)
    if not path.is_dir():
        raise StoreError(f"no store at {path}: run `cdkg build` first")
    try:
        store = ox.Store.read_only(str(path))
        store.query("ASK { GRAPH ?g { ?s ?p ?o } }")
    except (OSError, RuntimeError) as error:  # RocksDB reports corruption as RuntimeError
        raise StoreError(f"the store at {path} cannot be opened: {error}") from error
    if len(store) == 0:
        raise StoreError(f"the store at {path} is empty: run `cdkg build` to fill it")
    return store


def data_graph_iri(path, graph_iris):
    """Return the named graph IRI for an extra data file: the configured one (keyed by any spelling of its path,
    through links too), else the file's URI."""
    resolved = Path(path).resolve()
    return next((iri for named, iri in graph_iris.items() if Path(named).resolve() == resolved), resolved.as_uri())


def load_data_file(store, path, graph_iris):
    """Load one extra RDF file into the store as its own named graph (quad formats keep their graphs)."""
    path = Path(path)
    rdf_format = PARSE_FORMATS.get(path.suffix.lower())
    if rdf_format is None:
        raise StoreError(f"{path}: unknown RDF file extension (use one of {', '.join(sorted(PARSE_FORMATS))})")
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    graph = None if rdf_format.supports_datasets else ox.NamedNode(data_graph_iri(path, graph_iris))
    try:
        store.bulk_load(path=str(path), format=rdf_format, to_graph=graph)
    except (SyntaxError, ValueError, OSError) as error:
        raise StoreError(f"{path}: {error}") from error


class OxigraphBackend:
    """The embedded pyoxigraph store: read-only on disk, or in memory when extra data files are added.

    The default graph is the RDF merge of the named graphs, a set. pyoxigraph's union mode is a bag (a triple
    asserted in two graphs matches twice), so when the build wrote the merge into the store's default graph,
    queries run there; otherwise the union mode is used and such triples repeat.
    """

    name = "oxigraph"

    def __init__(self, store_dir, data_files=(), data_graph_iris=None, writable=False):
        """Open the built store; with data files (or writes enabled), copy it into memory and add them."""
        disk_store = open_oxigraph_store(store_dir)
        if data_files or writable:
            # A read-only store cannot take more graphs: serve an in-memory copy with the extra files added.
            self.store = ox.Store()
            self.store.bulk_extend(disk_store.quads_for_pattern(None, None, None, None))
            for path in data_files:
                load_data_file(self.store, path, data_graph_iris or {})
            self.store.clear_graph(ox.DefaultGraph())
            if not writable:  # a merge would go stale after a write to a named graph
                merge_into_default_graph(self.store)
        else:
            self.store = disk_store
        self.merged_default = has_default_graph(self.store)
        self.writable = writable

    def query(self, text, dataset=None, base=None):
        """Evaluate a query; the default graph is the union of the named graphs unless a dataset is given."""
        if dataset is not None:
            options = {
                "default_graph": [ox.NamedNode(iri) for iri in dataset.default_graphs],
                "named_graphs": [ox.NamedNode(iri) for iri in dataset.named_graphs],
            }
        else:
            # pyoxigraph ignores FROM when asked for the union default graph, so ask only without FROM.
            options = {"use_default_graph_as_union": not (self.merged_default or has_dataset_clause(text))}
        try:
            native = self.store.query(text, base_iri=base, **options)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from error
        return QueryResult(result_kind(native), native)

    def update(self, text, base=None):
        """Apply a SPARQL Update to the in-memory copy, or refuse on the read-only store."""
        if not self.writable:
            raise ReadOnlyError("the store is opened read-only")
        if not self.merged_default:  # a WHERE reads the union of the named graphs, as queries do
            text = with_using(text, self.named_graphs())
        try:
            self.store.update(text, base_iri=base)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from error

    def named_graphs(self):
        """Return the IRIs of the named graphs."""
        return [graph.value for graph in self.store.named_graphs() if isinstance(graph, ox.NamedNode)]

    def triple_count(self):
        """Return the number of quads in the named graphs."""
        rows = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(next(iter(rows))["n"].value)


def to_rdflib_quads(nquads_bytes):
    """Parse N-Quads into an rdflib Dataset."""
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=nquads_bytes.decode("utf-8"), format="nquads")
    return dataset


class RdflibBackend:
    """An rdflib Dataset in memory holding the same quads: the reference engine for differential tests."""

    name = "rdflib"

    def __init__(self, store_dir, data_files=(), data_graph_iris=None, writable=False):
        """Load the built store's quads (and extra files) into an rdflib Dataset with a union default graph."""
        source = OxigraphBackend(store_dir, data_files, data_graph_iris)
        named = source.store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        quads = (ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in named)
        dump = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        self.dataset = to_rdflib_quads(dump)
        self.writable = writable

    def query(self, text, dataset=None, base=None):
        """Evaluate a query with rdflib; protocol dataset parameters replace the query's FROM clauses."""
        try:
            prepared = prepareQuery(text, base=base)
        except ParseException as error:
            raise QuerySyntaxError(f"error at {error.lineno}:{error.col}: {error.msg}") from error
        if dataset is not None:
            prepared.algebra["datasetClause"] = [
                CompValue("DatasetClause", default=rdflib.URIRef(iri)) for iri in dataset.default_graphs
            ] + [CompValue("DatasetClause", named=rdflib.URIRef(iri)) for iri in dataset.named_graphs]
        result = self.dataset.query(prepared)
        return self.to_oxigraph(result)

    @staticmethod
    def to_oxigraph(result):
        """Convert an rdflib result to the pyoxigraph form so both backends serialise identically."""
        if result.type == "ASK":
            payload = json.dumps({"head": {}, "boolean": bool(result.askAnswer)}).encode()
            return QueryResult("boolean", ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON))
        if result.type == "SELECT":
            payload = result.serialize(format="json")
            return QueryResult("solutions", ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON))
        payload = result.graph.serialize(format="nt", encoding="utf-8")
        return QueryResult("graph", list(ox.parse(io.BytesIO(payload), format=ox.RdfFormat.N_TRIPLES)))

    def update(self, text, base=None):
        """Apply a SPARQL Update to the in-memory dataset, or refuse when writes are disabled."""
        if not self.writable:
            raise ReadOnlyError("the store is read-only")
        try:
            self.dataset.update(prepareUpdate(text, base=base))
        except ParseException as error:
            raise QuerySyntaxError(f"error at {error.lineno}:{error.col}: {error.msg}") from error

    def named_graphs(self):
        """Return the IRIs of the named graphs."""
        return [str(graph.identifier) for graph in self.dataset.graphs()
                if isinstance(graph.identifier, rdflib.URIRef) and graph.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID]

    def triple_count(self):
        """Return the number of quads in the named graphs."""
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))


BACKENDS = {"oxigraph": OxigraphBackend, "rdflib": RdflibBackend}
# A remote SPARQL store (endpoint/remote.py) builds on this module, so it is imported only when chosen.
REMOTE = "remote"
STORE_NAMES = (*BACKENDS, REMOTE)


def open_backend(config):
    """Open the configured backend over the KG directory (or the remote store), or raise StoreError."""
    if config["STORE"] == REMOTE:
        from cdkg.endpoint.remote import RemoteBackend

        return RemoteBackend.from_config(config)
    backend_class = BACKENDS.get(config["STORE"])
    if backend_class is None:
        raise StoreError(f"unknown store backend {config['STORE']!r} (choose {', '.join(STORE_NAMES)})")
    return backend_class(
        Path(config["KG_DIR"]) / "store",
        data_files=config["DATA_FILES"],
        data_graph_iris=config["DATA_GRAPH_IRIS"],
        writable=config["UPDATE_ENABLED"],
    )
