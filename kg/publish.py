"""Register `cdkg publish`: load the built KG into a SPARQL 1.1 store over the Graph Store HTTP Protocol.

One PUT per named graph replaces that graph in the store, so publishing again is idempotent and the named
graphs (one per statement, plus ontology, reference and inferred) keep their IRIs. Each graph is sent as
N-Triples with the Turtle media type: N-Triples is Turtle, and stores whose Graph Store endpoint takes only
Turtle (Virtuoso) read it without tripping over prefixed-name escapes.
"""
import os
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from cdkg.kg.build import DEFAULT_OUT, TRIG_FILE

USER_VARIABLE = "CDKG_PUBLISH_USER"
PASSWORD_VARIABLE = "CDKG_PUBLISH_PASSWORD"
AUTH_SCHEMES = {"basic": HTTPBasicAuth, "digest": HTTPDigestAuth}
TURTLE = "text/turtle; charset=utf-8"
SPARQL_JSON = "application/sparql-results+json"
# Graphs counted per verification query: keeps the form body small for stores with request size limits.
COUNT_BATCH = 100
ATTEMPTS = 3  # tries per graph when the store answers 5xx or times out
RETRY_PAUSE = 0.2  # seconds, times the attempt number


@dataclass
class GraphOutcome:
    """What happened to one graph: its IRI (None for the default graph), triples sent, and an error if any."""

    graph: str | None
    triples: int
    error: str | None = None


class PublishError(Exception):
    """The whole publication cannot go on (unreadable KG, unreachable store)."""


def read_graphs(trig_path):
    """Return {graph IRI or None: {triples}} from the KG's TriG dump, or raise PublishError naming the line."""
    graphs = defaultdict(set)  # a set: a triple written twice is one triple, as the store will count it
    try:
        for quad in ox.parse(path=str(trig_path), format=ox.RdfFormat.TRIG):
            key = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
            graphs[key].add(quad.triple)
    except FileNotFoundError as error:
        raise PublishError(f"{trig_path}: no such file (run `cdkg build` first)") from error
    except SyntaxError as error:
        raise PublishError(f"{trig_path}: {error}") from error
    if any(isinstance(graph, ox.BlankNode) for graph in graphs):
        raise PublishError(f"{trig_path}: a graph is named by a blank node; the Graph Store Protocol needs IRIs")
    return graphs


def graph_parameters(graph):
    """Return the query parameters that address a graph in the Graph Store Protocol."""
    return {"graph": graph} if graph is not None else {"default": ""}


def describe_failure(response):
    """Return a one-line account of a failed HTTP response: status, reason and the start of its body."""
    body = " ".join(response.text.split())[:300]
    return f"HTTP {response.status_code} {response.reason}" + (f": {body}" if body else "")


def put_graph(session, graph_store_url, graph, triples, timeout):
    """Replace one graph in the store; return its outcome (errors are values, not exceptions).

    A PUT is idempotent, so a server error (e.g. Virtuoso's "Transaction deadlocked" under concurrent loads)
    or a timeout is retried a few times before the graph is reported as failed.
    """
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    response = None
    for attempt in range(ATTEMPTS):
        time.sleep(RETRY_PAUSE * attempt)
        try:
            response = session.put(graph_store_url, params=graph_parameters(graph), data=body,
                                   headers={"Content-Type": TURTLE}, timeout=timeout)
        except requests.ConnectionError as error:
            raise PublishError(f"cannot reach {graph_store_url}: {error}") from error
        except requests.Timeout:
            response = None
            continue
        if response.status_code < 500:
            break
    if response is None:
        return GraphOutcome(graph, len(triples), f"no answer within {timeout} s ({ATTEMPTS} attempts)")
    if response.status_code in (401, 403):
        raise PublishError(f"{graph_store_url} refused the credentials: {describe_failure(response)} "
                           f"(set {USER_VARIABLE} and {PASSWORD_VARIABLE}, and --auth to the store's scheme)")
    if not response.ok:
        return GraphOutcome(graph, len(triples), describe_failure(response))
    return GraphOutcome(graph, len(triples))


def count_query(graphs):
    """Return a SELECT counting the triples of each named graph in `graphs`."""
    values = " ".join(f"<{graph}>" for graph in graphs)
    return f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"


def stored_counts(session, sparql_url, graphs, timeout):
    """Return {graph IRI: triples the store holds} for the named graphs, asked in batches by form POST."""
    counts = {}
    for start in range(0, len(graphs), COUNT_BATCH):
        batch = graphs[start:start + COUNT_BATCH]
        try:
            response = session.post(sparql_url, data={"query": count_query(batch)},
                                    headers={"Accept": SPARQL_JSON}, timeout=timeout)
        except requests.RequestException as error:
            raise PublishError(f"cannot verify at {sparql_url}: {error}") from error
        if not response.ok:
            raise PublishError(f"cannot verify at {sparql_url}: {describe_failure(response)}")
        for row in response.json()["results"]["bindings"]:
            counts[row["g"]["value"]] = int(row["n"]["value"])
    return counts


def verify(session, sparql_url, outcomes, timeout):
    """Mark each published named graph whose triple count in the store differs from what was sent."""
    published = [outcome for outcome in outcomes if outcome.error is None and outcome.graph is not None]
    counts = stored_counts(session, sparql_url, [outcome.graph for outcome in published], timeout)
    for outcome in published:
        held = counts.get(outcome.graph, 0)
        if held != outcome.triples:
            outcome.error = f"sent {outcome.triples} triples but the store holds {held}"


def credentials(user, auth_scheme):
    """Return the requests auth object from the user and CDKG_PUBLISH_PASSWORD, or None without a user."""
    if not user:
        return None
    return AUTH_SCHEMES[auth_scheme](user, os.environ.get(PASSWORD_VARIABLE, ""))


class Sessions:
    """One HTTP session per thread (connection reuse; digest auth keeps its nonce count per session)."""

    def __init__(self, auth):
        """Remember the credentials every session uses."""
        self.auth = auth
        self.local = threading.local()
        self.opened = []

    def get(self):
        """Return this thread's session."""
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.auth = self.auth
            self.opened.append(self.local.session)
        return self.local.session

    def close(self):
        """Close every session."""
        for session in self.opened:
            session.close()


def publish(trig_path, sparql_url, graph_store_url, auth=None, timeout=60.0, check=True, jobs=4):
    """Put every graph of the TriG dump into the store, `jobs` requests at a time; return one outcome per graph."""
    graphs = sorted(read_graphs(trig_path).items(), key=lambda item: item[0] or "")
    sessions = Sessions(auth)
    try:
        def send(graph, triples):
            return put_graph(sessions.get(), graph_store_url, graph, triples, timeout)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(send, graph, triples) for graph, triples in graphs]
            try:
                outcomes = [future.result() for future in futures]
            except PublishError:
                pool.shutdown(cancel_futures=True)  # the store is unreachable or refuses us: stop sending
                raise
        if check:
            verify(sessions.get(), sparql_url, outcomes, timeout)
    finally:
        sessions.close()
    return outcomes


def report(outcomes, seconds, out=sys.stdout, err=sys.stderr):
    """Print each failed graph and a summary; return the exit status (0 when every graph is in the store)."""
    failed = [outcome for outcome in outcomes if outcome.error]
    for outcome in failed:
        print(f"cdkg publish: graph {outcome.graph or '(default)'}: {outcome.error}", file=err)
    sent = sum(outcome.triples for outcome in outcomes if not outcome.error)
    print(f"published {len(outcomes) - len(failed)} of {len(outcomes)} graphs ({sent} triples) "
          f"in {seconds:.1f} s" + (f"; {len(failed)} failed" if failed else ""), file=out)
    return 1 if failed else 0


def run_publish(args):
    """Run `cdkg publish`; return 0 on success, 1 if some graph failed, 2 if nothing could be published."""
    trig_path = Path(args.kg) / TRIG_FILE
    start = time.perf_counter()
    try:
        outcomes = publish(trig_path, args.to, args.graph_store or args.to,
                           auth=credentials(args.user, args.auth), timeout=args.timeout, check=not args.no_verify,
                           jobs=args.jobs)
    except PublishError as error:
        print(f"cdkg publish: {error}", file=sys.stderr)
        return 2
    return report(outcomes, time.perf_counter() - start)


def register(subparsers):
    """Add the publish subcommand."""
    parser = subparsers.add_parser(
        "publish", help="load the built KG into a SPARQL store over the Graph Store HTTP Protocol",
        description="Put each named graph of DIR/citydiplomacy.trig into a SPARQL 1.1 store (Virtuoso, Fuseki, "
                    "GraphDB, Oxigraph...) with one Graph Store Protocol PUT per graph, then check the triple "
                    f"counts with a query. Credentials come from ${USER_VARIABLE} and ${PASSWORD_VARIABLE}.",
    )
    parser.add_argument("--to", required=True, metavar="URL",
                        help="the store's SPARQL query endpoint, e.g. http://127.0.0.1:8890/sparql")
    parser.add_argument("--graph-store", metavar="URL",
                        help="the store's Graph Store Protocol endpoint (default: the --to URL), "
                             "e.g. http://127.0.0.1:8890/sparql-graph-crud-auth for Virtuoso")
    parser.add_argument("--kg", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help="directory written by `cdkg build` (default: kg/)")
    parser.add_argument("--user", default=os.environ.get(USER_VARIABLE), metavar="NAME",
                        help=f"user name (default: ${USER_VARIABLE}); the password is read from ${PASSWORD_VARIABLE}")
    parser.add_argument("--auth", choices=sorted(AUTH_SCHEMES), default="basic",
                        help="HTTP authentication scheme (Virtuoso: digest; default: basic)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="timeout of each HTTP request (default: 60)")
    parser.add_argument("--jobs", type=int, default=4, metavar="N",
                        help="graphs sent at the same time (default: 4)")
    parser.add_argument("--no-verify", action="store_true", help="skip the triple-count check after loading")
    parser.set_defaults(func=run_publish)
