"""Serve RDF files with our own endpoint (`cdkg serve`) as a real server process on a free loopback port."""
import os
import sys
from pathlib import Path

import pyoxigraph as ox

from tests.federation.processes import LOOPBACK, ServerProcess, free_port

CDKG = Path(sys.executable).parent / "cdkg"
TRIG_FILE = "citydiplomacy.trig"
FORMATS = {".trig": ox.RdfFormat.TRIG, ".ttl": ox.RdfFormat.TURTLE, ".nq": ox.RdfFormat.N_QUADS}


def make_kg_dir(target, rdf_files, graph_iri=None):
    """Write a KG directory like `cdkg build` does (store/ and the TriG dump) from RDF files; return it.

    Triples of Turtle files go into `graph_iri` (default: the file's URI), since the endpoint's default graph is
    the union of the named graphs.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(target / "store"))
    for path in map(Path, rdf_files):
        rdf_format = FORMATS[path.suffix]
        to_graph = None if rdf_format.supports_datasets else ox.NamedNode(graph_iri or path.resolve().as_uri())
        store.bulk_load(path=str(path), format=rdf_format, to_graph=to_graph)
    store.flush()
    ox.serialize(store.quads_for_pattern(None, None, None, None), str(target / TRIG_FILE), ox.RdfFormat.TRIG)
    del store  # release the store's lock before a server opens it
    return target


class Endpoint:
    """`cdkg serve` over a KG directory; `settings` become CDKG_* environment variables."""

    def __init__(self, kg_dir, log_path, store="oxigraph", extra_args=(), settings=None):
        """Start the server and wait until its /sparql answers."""
        self.port = free_port()
        env = dict(os.environ)
        env.update({f"CDKG_{key}": value if isinstance(value, str) else repr(value)
                    for key, value in (settings or {}).items()})
        command = [str(CDKG), "serve", "--kg", str(kg_dir), "--host", LOOPBACK, "--port", str(self.port),
                   "--store", store, *extra_args]
        self.server = ServerProcess(command, log_path, env=env)
        try:
            self.server.wait_until_answering(self.sparql_url + "?query=ASK%7B%7D", timeout=60,
                                             ok=lambda response: response.status_code == 200)
        except Exception:
            self.stop()
            raise

    @property
    def base_url(self):
        """Return the server's root URL."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def sparql_url(self):
        """Return the SPARQL endpoint's URL."""
        return self.base_url + "/sparql"

    def stop(self):
        """Stop the server."""
        self.server.stop()
