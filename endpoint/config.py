"""Define the endpoint's configuration keys, their defaults, and how a file and the environment override them."""
import ast
import os
import runpy
import tomllib
from pathlib import Path

from cdkg.endpoint.limits import LIMIT_DEFAULTS
from cdkg.ontology.namespaces import BASE

# Every key is documented in docs/endpoint.md; environment variables are `CDKG_` + the key.
DEFAULTS = {
    # --- data
    "KG_DIR": "kg",  # directory written by `cdkg build` (store/, dumps, build-info.json)
    "DATA_FILES": [],  # extra RDF files, each loaded as its own named graph
    "DATA_GRAPH_IRIS": {},  # file path -> graph IRI for DATA_FILES (default: the file's URI)
    "STORE": "oxigraph",  # store backend: oxigraph | rdflib | remote
    "REMOTE_URL": "",  # the remote backend's SPARQL 1.1 query endpoint, e.g. http://127.0.0.1:8890/sparql
    "REMOTE_TIMEOUT": 30,  # seconds the remote backend waits for the remote store's answer
    "IRI_BASE": BASE,  # entity IRIs under this base dereference on this server
    "PUBLIC_URL": "",  # external URL of this server, used in the service description (default: request URL)
    # --- HTTP caching and compression
    "CACHE_MAX_AGE": 300,  # Cache-Control: public, max-age for query results and pages (seconds)
    "RESPONSE_CACHE_BYTES": 64 * 1024 * 1024,  # per-worker LRU cache of rendered responses, keys included (0 disables)
    "RESPONSE_CACHE_MAX_ENTRY_BYTES": 4 * 1024 * 1024,  # larger responses are not cached
    "GZIP_MIN_BYTES": 1024,  # compress responses at least this big when the client accepts gzip
    # --- cross-origin and browser security
    "CORS_ORIGINS": "*",  # Access-Control-Allow-Origin: "*", or a list of allowed origins ("" disables CORS)
    "CORS_MAX_AGE": 86400,  # how long browsers may cache a preflight answer (seconds)
    "FRAME_ANCESTORS": "'none'",  # CSP frame-ancestors: who may embed the pages
    "CONNECT_SRC": "'self'",  # CSP connect-src: endpoints the query UI may call
    # --- writes (read-only unless both are set)
    "UPDATE_ENABLED": False,  # accept SPARQL Update and Graph Store writes
    "UPDATE_TOKEN": "",  # bearer token required for writes
    # --- outbound federation
    "SERVICE_ALLOWLIST": [],  # endpoint IRIs a query may reach with SERVICE (default: none)
    "SERVICE_TIMEOUT": 10,  # seconds one SERVICE or LOAD call may take in total (connect, headers, body)
    "SERVICE_MAX_ROWS": 10000,  # solutions one SERVICE call may return before the query fails
    "SERVICE_MIRRORS": {},  # allowlisted endpoint IRI -> URL queried instead (a mirror or a local copy)
    # --- full-text search (SERVICE <https://w3id.org/citydiplomacy/search>, /search)
    "SEARCH_DEFAULT_LIMIT": 100,  # hits a search returns without cds:limit (at most MAX_RESULT_ROWS)
    # --- descriptions
    "VOID_EXAMPLE_RESOURCES": 5,  # example resources listed in the VoID description
    "VOID_MAX_GRAPH_SUBSETS": 200,  # named graphs described one by one in VoID (beyond: counted only)
    "LICENSE": "https://creativecommons.org/licenses/by/4.0/",  # dcterms:license of the dataset
    "TITLE": "City Diplomacy Knowledge Graph",
    # --- server (read by `cdkg serve` and the gunicorn configuration)
    "HOST": "127.0.0.1",
    "PORT": 8000,
    "WORKERS": 2,  # gunicorn worker processes (each opens the store read-only)
    "THREADS": 4,  # handler threads per worker (they take only requests waitress has read whole)
    "MAX_REQUEST_HEADER_BYTES": 16384,  # bytes of request line and headers together (431 beyond)
    "MAX_WORKER_MEMORY": 1024 * 1024 * 1024,  # private bytes a worker may hold; past it its queries get 503 and
    # the worker is replaced (0: no ceiling)
    "IDLE_CONNECTION_TIMEOUT": 30,  # seconds a connection may send nothing before it is closed
    "WORKER_TIMEOUT": 60,  # gunicorn kills a worker silent for this long (seconds)
    "REQUIRE_NETWORK_FILTER": True,  # refuse to start when the seccomp filter keeping the store off the network
    # cannot be installed (false: serve without it, with a warning; docs/security.md)
    # --- limits: query time, sizes, simultaneous queries (documented in docs/security.md)
    **LIMIT_DEFAULTS,
}

ENV_PREFIX = "CDKG_"


def load_file(path):
    """Return the upper-case keys of a TOML or Python configuration file."""
    path = Path(path)
    if path.suffix == ".toml":
        with path.open("rb") as handle:
            values = tomllib.load(handle)
        return {key.upper(): value for key, value in values.items()}
    values = runpy.run_path(str(path))
    return {key: value for key, value in values.items() if key.isupper()}


def parse_env_value(raw, default):
    """Convert an environment string to the type of the key's default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, (list, dict)):
        # lists and tables are written as Python/JSON literals, e.g. CDKG_DATA_FILES='["a.ttl"]'
        return ast.literal_eval(raw)
    return raw


def from_env(environ=None):
    """Return the keys set as CDKG_* environment variables."""
    environ = os.environ if environ is None else environ
    values = {}
    for key, default in DEFAULTS.items():
        raw = environ.get(ENV_PREFIX + key)
        if raw is not None:
            values[key] = parse_env_value(raw, default)
    return values


def load_config(path=None, overrides=None, environ=None):
    """Return the configuration: defaults, then the file, then the environment, then explicit overrides."""
    config = dict(DEFAULTS)
    file_path = path or (environ or os.environ).get(ENV_PREFIX + "CONFIG")
    if file_path:
        config.update(load_file(file_path))
    config.update(from_env(environ))
    config.update({key: value for key, value in (overrides or {}).items() if value is not None})
    unknown = sorted(set(config) - set(DEFAULTS) - {"TESTING", "SECRET_KEY"})
    if unknown:
        raise ValueError(f"unknown configuration key(s): {', '.join(unknown)}")
    return config
