"""The SPARQL 1.1 endpoint: a Flask app over a pluggable store backend."""
from pathlib import Path

from flask import Flask

from cdkg.endpoint.config import DEFAULTS, load_config
from cdkg.endpoint.kgstate import KGState
from cdkg.ontology.namespaces import PREFIXES, RDF

# Data may hold any IRI: only these become links (a javascript: IRI must not be clickable).
LINKABLE_SCHEMES = ("http://", "https://")


def create_app(config=None):
    """Create the app over the configured KG; raise StoreError when the store cannot be served."""
    # Flask cannot locate the instance folder of a package in a namespace (cdkg) installed in editable mode: name
    # it (the app keeps no instance files; its configuration is endpoint/config.py's).
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent / "instance"))
    app.config.update(load_config() if config is None else {**DEFAULTS, **config})
    if app.config["UPDATE_ENABLED"] and not app.config["UPDATE_TOKEN"]:
        raise ValueError("UPDATE_ENABLED needs UPDATE_TOKEN: writes are only accepted with a bearer token")
    kg_state = app.extensions["cdkg"] = KGState(app.config)

    from cdkg.endpoint import fastpath, limits, memory, metrics, pages, sparql, web

    metrics.init_app(app)
    web.init_app(app)
    limits.init_app(app)
    memory.init_app(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(pages.blueprint)
    app.after_request(web.add_cors)
    app.after_request(web.add_security_headers)
    if app.config["RESPONSE_CACHE_BYTES"]:
        app.wsgi_app = fastpath.FastPath(app, kg_state)
    app.jinja_env.globals.update(local_href=local_href_for(app.config["IRI_BASE"]), curie=curie)
    return app


def local_href_for(base):
    """Return a function mapping KG IRIs to this server's paths (other web IRIs stay as they are)."""

    def local_href(iri):
        """Return the link to follow for an IRI; IRIs of other schemes (javascript:, data:...) link nowhere."""
        if iri.startswith(base):
            return "/" + iri[len(base):]
        return iri if iri.lower().startswith(LINKABLE_SCHEMES) else "#"

    return local_href


def curie(iri):
    """Return an IRI shortened with the project's prefixes (prefix:local), or the IRI itself."""
    for prefix, namespace in {**PREFIXES, "rdf": RDF}.items():
        if iri.startswith(str(namespace)) and len(iri) > len(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)):]}"
    return iri
