"""The `remote` store backend: answer queries from any SPARQL 1.1 endpoint (Virtuoso, Fuseki, QLever, GraphDB...).

The endpoint keeps its own protocol features (negotiation, service description, VoID, pages, limits, metrics)
and forwards only the query text and the protocol's dataset parameters. Results are fetched in one canonical
format (SPARQL JSON, N-Triples) and parsed into the same pyoxigraph objects the embedded store returns, so
every output format is serialised by us. Queries go as GET, or as a form POST when long: Virtuoso never
answers a POST with `Content-Type: application/sparql-query`.
"""
import threading
from urllib.parse import urlencode

import pyoxigraph as ox
import requests

from cdkg.endpoint import isolation
from cdkg.endpoint.backends import QueryResult, QuerySyntaxError, ReadOnlyError, StoreError
from cdkg.endpoint.sparqltext import first_keyword, prologue_end, tokens, writes_relative_iri

GRAPH_FORMS = {"CONSTRUCT", "DESCRIBE"}
ACCEPT_SOLUTIONS = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
# Longer GET URLs are refused by some servers and proxies (8 KiB is a common limit): send a form instead.
MAX_GET_URL = 4000
DEFAULT_TIMEOUT = 30.0


def describe_as_construct(text):
    """Return a CONSTRUCT for the concise bounded description of `DESCRIBE <iri>...`, or None for other queries.

    DESCRIBE's answer is left to each engine (Virtuoso's holds fewer triples than the embedded store's), so
    the plain form the pages and clients use is asked as the same description everywhere: the resource's
    triples and those of the blank nodes it points to.
    """
    found = tokens(text)
    found = found[prologue_end(found):]
    if len(found) < 2 or not found[0].is_word("DESCRIBE") or any(token.kind != "iri" for token in found[1:]):
        return None
    resources = " ".join(token.text for token in found[1:])
    return (f"CONSTRUCT {{ ?r ?p ?o . ?b ?bp ?bo }} WHERE {{ VALUES ?r {{ {resources} }} "
            "{ ?r ?p ?o } UNION { ?r ?q ?b FILTER(isBlank(?b)) ?b ?bp ?bo } }")


class RemoteStoreError(OSError):
    """The remote store could not answer (unreachable, timed out, failed, or sent something unreadable)."""


def error_text(response):
    """Return the start of an error response's body on one line."""
    return " ".join(response.text.split())[:500]


class RemoteBackend:
    """A read-only backend over a remote SPARQL 1.1 query endpoint."""

    name = "remote"

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, auth=None):
        """Remember the endpoint; each thread gets its own HTTP session (connection reuse)."""
        if not url:
            raise StoreError("the remote store needs REMOTE_URL (cdkg serve --store remote --remote-url URL)")
        self.url = url
        self.timeout = timeout
        self.auth = auth
        self._local = threading.local()

    @classmethod
    def from_config(cls, config):
        """Create the backend from REMOTE_URL and REMOTE_TIMEOUT; extra data files cannot be added remotely."""
        if config.get("DATA_FILES"):
            raise StoreError("--data cannot be used with the remote store: publish the files into it instead "
                             "(cdkg publish)")
        return cls(config.get("REMOTE_URL"), float(config.get("REMOTE_TIMEOUT") or DEFAULT_TIMEOUT))

    def session(self):
        """Return this thread's HTTP session."""
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            self._local.session.auth = self.auth
        return self._local.session

    def send(self, text, dataset, accept):
        """Send a query with the protocol's dataset parameters; return the successful response."""
        params = [("query", text)]
        if dataset is not None:
            params += [("default-graph-uri", iri) for iri in dataset.default_graphs]
            params += [("named-graph-uri", iri) for iri in dataset.named_graphs]
        headers = {"Accept": accept}
        method = "GET" if len(self.url) + len(urlencode(params)) < MAX_GET_URL else "POST"
        arguments = {"params" if method == "GET" else "data": params}
        try:  # query threads cannot connect (endpoint/isolation.py): the call runs on an outbound thread
            response = isolation.outbound(lambda: self.session().request(
                method, self.url, headers=headers, timeout=self.timeout, **arguments))
        except requests.Timeout as error:
            raise RemoteStoreError(f"the remote store {self.url} did not answer within {self.timeout} s") from error
        except requests.RequestException as error:
            raise RemoteStoreError(f"the remote store {self.url} cannot be reached: {error}") from error
        if response.status_code == 400:
            raise QuerySyntaxError(f"the remote store refused the query: {error_text(response)}")
        if not response.ok:
            raise RemoteStoreError(f"the remote store {self.url} answered HTTP {response.status_code}: "
                                   f"{error_text(response)}")
        return response

    def query(self, text, dataset=None, base=None):
        """Evaluate a query remotely and return the parsed result (a base IRI goes as a BASE before the text's)."""
        if base and writes_relative_iri(text):
            text = f"BASE <{base}>\n{text}"
        if first_keyword(text) in GRAPH_FORMS:
            response = self.send(describe_as_construct(text) or text, dataset, ACCEPT_GRAPH)
            return QueryResult("graph", self.parse_graph(response))
        response = self.send(text, dataset, ACCEPT_SOLUTIONS)
        native = self.parse_results(response)
        return QueryResult("boolean" if isinstance(native, ox.QueryBoolean) else "solutions", native)

    def parse_results(self, response):
        """Parse SELECT/ASK results by the response's media type."""
        results_format = ox.QueryResultsFormat.from_media_type(response.headers.get("Content-Type", ""))
        if results_format is None:
            raise RemoteStoreError(f"the remote store sent {response.headers.get('Content-Type')!r} for a "
                                   "SELECT/ASK query, not SPARQL results")
        try:
            return ox.parse_query_results(response.content, format=results_format)
        except SyntaxError as error:
            raise RemoteStoreError(f"unreadable results from the remote store: {error}") from error

    def parse_graph(self, response):
        """Parse CONSTRUCT/DESCRIBE triples by the response's media type."""
        rdf_format = ox.RdfFormat.from_media_type(response.headers.get("Content-Type", ""))
        if rdf_format is None:
            raise RemoteStoreError(f"the remote store sent {response.headers.get('Content-Type')!r} for a "
                                   "CONSTRUCT/DESCRIBE query, not RDF")
        try:
            return list(ox.parse(response.content, format=rdf_format))
        except SyntaxError as error:
            raise RemoteStoreError(f"unreadable RDF from the remote store: {error}") from error

    def update(self, text, base=None):
        """Refuse: the remote store is loaded with `cdkg publish`, not through this endpoint."""
        raise ReadOnlyError("the remote store is read-only through this endpoint (load it with cdkg publish)")

    def named_graphs(self):
        """Return the IRIs of the remote store's named graphs."""
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").native
        return [row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode)]

    def triple_count(self):
        """Return the number of triples in the named graphs of the remote store."""
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").native)
        return int(rows[0]["n"].value) if rows else 0


def remote_problem(config):
    """Return why the configured remote store cannot be served (bad settings, no answer to ASK), else None."""
    try:
        RemoteBackend.from_config(config).query("ASK {}")
    except (StoreError, OSError, QuerySyntaxError) as error:
        return str(error)
    return None
