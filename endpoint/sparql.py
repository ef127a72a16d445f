"""The SPARQL 1.1 Protocol routes: query (/sparql), update (/update) and the Graph Store (/rdf-graph-store)."""
import hmac
import io
import time
import uuid
from pathlib import PurePath

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from cdkg.endpoint import describe, federation, hints, limits, metrics, search
from cdkg.endpoint.backends import PARSE_FORMATS, QuerySyntaxError, ReadOnlyError
from cdkg.endpoint.conneg import NotAcceptable, negotiate
from cdkg.endpoint.remote import RemoteStoreError
from cdkg.endpoint.protocol import (
    DescriptionRequest, Problem, UpdateRequest, body_text, checked_update, read_query_request,
    update_from, FORM_CONTENT_TYPE, UPDATE_CONTENT_TYPE,
)
from cdkg.endpoint.sparqltext import (
    first_keyword, is_update, names_update_dataset, with_using, writes_relative_iri,
)
from cdkg.endpoint.web import SAFE_METHODS, problem_response, serve_representation, state
from cdkg.ontology.namespaces import UPLOADED_GRAPHS

blueprint = Blueprint("sparql", __name__)

GRAPH_FORMS = {"CONSTRUCT", "DESCRIBE"}
MULTIPART_CONTENT_TYPE = "multipart/form-data"


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql():
    """Answer a query, an update sent to the shared URL, or a GET without a query (description or UI)."""
    operation = read_query_request(request)
    if isinstance(operation, Problem):
        return problem_response(operation)
    if isinstance(operation, DescriptionRequest):
        return describe.service_description(operation.format_param)
    if isinstance(operation, UpdateRequest):
        return run_update(operation)
    return run_query(operation)


def refused_service(text):
    """Return a Problem for SERVICE targets outside the allowlist, checked before any connection."""
    # the search service is answered here from the text index (endpoint/search.py), never called over HTTP
    refused = federation.refusal(text, [*current_app.config["SERVICE_ALLOWLIST"], search.SEARCH_SERVICE])
    return Problem(400, refused.message) if refused else None


def run_query(operation):
    """Negotiate the format, then answer from the validators, the response cache or the store."""
    chosen = query_format(operation, request.headers.get("Accept"))
    if isinstance(chosen, Problem):
        return problem_response(chosen)
    text = operation.text
    # a relative IRI resolves against this URL: the answer then depends on the Host unless PUBLIC_URL is set
    base = base_iri() if writes_relative_iri(text) else None
    return serve_representation(query_key(operation, chosen, base), lambda: execute(operation, chosen, base),
                                shared=base is None or bool(current_app.config["PUBLIC_URL"]))


def query_format(operation, accept):
    """Return the Format a query is answered in, or the Problem refusing it (an update, a refused SERVICE, 406)."""
    text = operation.text
    if is_update(text):
        return Problem(400, "this is a SPARQL Update; the query endpoint only answers queries: POST updates to "
                            f"/update as {UPDATE_CONTENT_TYPE} or as the form parameter 'update'")
    refused = refused_service(text)
    if refused:
        return refused
    kind = "graph" if first_keyword(text) in GRAPH_FORMS else "solutions"
    chosen = negotiate(kind, accept, operation.format_param)
    return Problem(406, chosen.message) if isinstance(chosen, NotAcceptable) else chosen


def query_key(operation, chosen, base):
    """Return the response-cache key of a query's answer: everything the answer depends on."""
    return "query", operation.text, operation.dataset, chosen.name, base


def base_iri():
    """Return the base IRI of a query's or update's relative IRIs: this endpoint's URL (SPARQL 1.1 Protocol 2.1.4)."""
    return describe.site_root() + request.path.lstrip("/")


def outbound_evaluation(backend):
    """Return prepare(text, deadline) evaluating the allowed SERVICE clauses and LOADs of a text ourselves.

    It runs on the query thread, within the request's deadline; the store then gets text without them, and
    could not connect anywhere anyway (endpoint/isolation.py).
    """
    config = current_app.config
    return lambda text, deadline: federation.evaluate_configured(text, config, backend, deadline)


def blocked_connection(error):
    """Tell whether an error is the store (or rdflib's urllib) refused a socket by the network filter."""
    return isinstance(error, PermissionError) or isinstance(getattr(error, "reason", None), PermissionError)


def store_connection_problem(name, error):
    """Return the Problem for a request that made the store try to connect, logged: the text checks missed it."""
    current_app.logger.warning("the store tried to open a connection for a %s the checks let through: %s", name, error)
    return Problem(400, f"this {name} makes the store connect to another server (SERVICE or LOAD in a form this "
                        "endpoint does not read as one), which it never does: write SERVICE <iri> { ... } with an "
                        "allowlisted endpoint")


def execute(operation, chosen, base):
    """Run the query on the backend and serialise it: (bytes, content type), or a Problem."""
    backend = state().backend
    # allowed SERVICE clauses and LOADs are evaluated on the query thread within the deadline (outbound_evaluation),
    # so the store never connects anywhere; a text that reaches no other server skips reading it again
    outbound = federation.reaches_out(operation.text, (search.SEARCH_SERVICE,))
    try:
        # a search SERVICE becomes its hits here
        kind, body = limits.run_query(backend, search.evaluate(operation.text), operation.dataset, chosen.name,
                                      prepare=outbound_evaluation(backend) if outbound else None, base=base)
    except limits.LimitExceeded as error:
        return Problem(error.status, str(error), error.headers)
    except federation.FederationError as error:
        return Problem(error.status, str(error))
    except RemoteStoreError as error:
        return Problem(502, str(error))
    except QuerySyntaxError as error:
        return Problem(400, hints.syntax_message(operation.text, error))
    except ValueError as error:  # an invalid IRI in default-graph-uri / named-graph-uri
        return Problem(400, f"invalid dataset parameter: {error}")
    except OSError as error:
        if blocked_connection(error):
            return store_connection_problem("query", error)
        raise
    metrics.RESULT_BYTES.labels(kind).observe(len(body))
    return body, chosen.content_type


def authorised():
    """Tell whether the request carries the configured bearer token."""
    token = current_app.config["UPDATE_TOKEN"]
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    # header values are Latin-1 strings (WSGI): compare their bytes, which also holds for non-ASCII input
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("latin-1", "replace"), token.encode("utf-8"))


def write_refusal():
    """Return a Problem when writes are disabled or the caller lacks the token, else None."""
    if not current_app.config["UPDATE_ENABLED"]:
        return Problem(403, "this endpoint is read-only: SPARQL Update and Graph Store writes are disabled "
                            "(enable them with UPDATE_ENABLED and UPDATE_TOKEN)")
    if not authorised():
        return Problem(401, "writes need 'Authorization: Bearer <token>'",
                       {"WWW-Authenticate": 'Bearer realm="cdkg"'})
    return None


def run_update(operation):
    """Apply an update when writes are enabled and authorised; answer 204."""
    refusal = write_refusal()
    if refusal:
        return problem_response(refusal)
    text = operation.text
    if operation.using_graphs or operation.using_named_graphs:  # the protocol's dataset (SPARQL 1.1 Protocol 2.2.3)
        if names_update_dataset(text):
            return problem_response(Problem(400, "using-graph-uri/using-named-graph-uri and a USING, USING NAMED "
                                                 "or WITH in the update: give the dataset one way only"))
        text = with_using(text, operation.using_graphs, operation.using_named_graphs)
    refused = refused_service(text)
    if refused:
        return problem_response(refused)
    kg = state()
    try:
        limits.run_update(kg.backend, text, outbound_evaluation(kg.backend), kg.after_write, base_iri())
    except limits.LimitExceeded as error:
        return problem_response(Problem(error.status, str(error), error.headers))
    except federation.FederationError as error:
        return problem_response(Problem(error.status, str(error)))
    except QuerySyntaxError as error:
        return problem_response(Problem(400, f"malformed update: {error}"))
    except ReadOnlyError as error:
        return problem_response(Problem(403, str(error)))
    except OSError as error:
        if blocked_connection(error):
            return problem_response(store_connection_problem("update", error))
        raise
    return Response(status=204)


@blueprint.post("/update")
def update():
    """Answer the update operation (form parameter 'update' or an application/sparql-update body)."""
    if request.mimetype == FORM_CONTENT_TYPE:
        if "query" in request.form:
            return problem_response(Problem(400, "this is the update endpoint; send queries to /sparql"))
        if "update" not in request.form:
            return problem_response(Problem(400, "the form has no 'update' parameter"))
        operation = update_from(request.form, request.form)
    elif request.mimetype == UPDATE_CONTENT_TYPE:
        text = body_text(request)
        operation = text if isinstance(text, Problem) else checked_update(text, request.args)
    else:
        operation = Problem(415, f"unsupported Content-Type {request.mimetype or '(none)'!r}: send "
                                 f"{UPDATE_CONTENT_TYPE} or {FORM_CONTENT_TYPE}")
    if isinstance(operation, Problem):
        return problem_response(operation)
    return run_update(operation)


def target_graph():
    """Return the Graph Store target: an IRI, None for the default graph, or a Problem."""
    graph, default = request.args.getlist("graph"), "default" in request.args
    if len(graph) + int(default) != 1:
        return Problem(400, "give exactly one of ?graph=IRI or ?default")
    if not graph:
        return None
    try:
        return ox.NamedNode(graph[0]).value
    except ValueError as error:
        return Problem(400, f"invalid graph IRI {graph[0]!r}: {error}")


@blueprint.route("/rdf-graph-store", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store():
    """SPARQL 1.1 Graph Store HTTP Protocol: read a graph; writes only when enabled and authorised.

    A POST to the store itself (neither ?graph nor ?default) creates a graph with a fresh IRI (Graph Store
    Protocol 5.5): 201 with the IRI in Location.
    """
    creating = request.method == "POST" and "graph" not in request.args and "default" not in request.args
    target = UPLOADED_GRAPHS[str(uuid.uuid4())] if creating else target_graph()
    if isinstance(target, Problem):
        return problem_response(target)
    if request.method in SAFE_METHODS:
        return read_graph(target)
    refusal = write_refusal()
    if refusal:
        return problem_response(refusal)
    response = write_graph(target)
    if creating and response.status_code == 201:
        response.headers["Location"] = target
    return response


def graph_pattern(target):
    """Return the SPARQL graph pattern selecting the target graph's triples."""
    return f"GRAPH <{target}> {{ ?s ?p ?o }}" if target else "?s ?p ?o"


def read_graph(target):
    """Return a graph's triples in the negotiated RDF format, or 404 when it holds none."""
    chosen = negotiate("graph", request.headers.get("Accept"), request.args.get("format"))
    if isinstance(chosen, NotAcceptable):
        return problem_response(Problem(406, chosen.message))

    def render():
        backend, settings = state().backend, current_app.config
        deadline = time.monotonic() + settings["QUERY_TIMEOUT"]
        if not backend.query(f"ASK {{ {graph_pattern(target)} }}").native:
            return Problem(404, f"no graph {target or '(default)'} in this dataset")
        result = backend.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {graph_pattern(target)} }}")
        return limits.serialize_within(result, chosen.name, settings, deadline), chosen.content_type

    return serve_representation(("graph-store", target, chosen.name), limits.bounded(render))


def graph_exists(target):
    """Tell whether the target graph holds a triple (the default graph: whether the store holds any)."""
    return bool(state().backend.query(f"ASK {{ {graph_pattern(target)} }}").native)


def write_graph(target):
    """Replace (PUT), add to (POST) or drop (DELETE) a graph through SPARQL Update.

    As the Graph Store Protocol says: a PUT or POST that creates the graph answers 201, a DELETE of a graph
    that does not exist 404.
    """
    graph_clause = f"GRAPH <{target}>" if target else "DEFAULT"
    existed = graph_exists(target)
    if request.method == "DELETE":
        if not existed:
            return problem_response(Problem(404, f"no graph {target or '(default)'} in this dataset"))
        statements = [f"DROP {graph_clause}"]
    else:
        triples = parse_body_triples()
        if isinstance(triples, Problem):
            return problem_response(triples)
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        insert = f"INSERT DATA {{ GRAPH <{target}> {{ {data} }} }}" if target else f"INSERT DATA {{ {data} }}"
        statements = ([f"DROP SILENT {graph_clause}"] if request.method == "PUT" else []) + [insert]
    kg = state()
    try:
        limits.run_update(kg.backend, " ;\n".join(statements), after=kg.after_write)
    except limits.LimitExceeded as error:
        return problem_response(Problem(error.status, str(error), error.headers))
    except QuerySyntaxError as error:
        return problem_response(Problem(400, f"invalid graph IRI or data: {error}"))
    return Response(status=201 if request.method != "DELETE" and not existed else 204)


def graph_format(media_type, filename=None):
    """Return the RDF graph format a media type names or, failing that, a file name's extension; None for neither."""
    rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
    if rdf_format is None and filename:
        rdf_format = PARSE_FORMATS.get(PurePath(filename).suffix.lower())
    return None if rdf_format is None or rdf_format.supports_datasets else rdf_format


def parse_body_triples():
    """Parse the request body into triples: one graph by its Content-Type, or every file of a multipart form."""
    if request.mimetype == MULTIPART_CONTENT_TYPE:
        return parse_form_files()
    rdf_format = graph_format(request.mimetype)
    if rdf_format is None:
        return Problem(415, f"send a graph as Turtle, N-Triples, RDF/XML or JSON-LD, or files as "
                            f"{MULTIPART_CONTENT_TYPE}, not {request.mimetype!r}")
    try:
        return list(ox.parse(io.BytesIO(request.get_data()), format=rdf_format))
    except SyntaxError as error:
        return Problem(400, f"the body does not parse as {request.mimetype}: {error}")


def parse_form_files():
    """Parse every file part of a multipart/form-data body, each by its Content-Type or file extension."""
    # werkzeug reads the form within MAX_REQUEST_BYTES (the body) and its part limit; parts without a file name
    # are plain fields, whose Content-Type it does not keep
    fields, files = request.form, request.files
    if fields:
        return Problem(400, f"the multipart part {next(iter(fields))!r} is not a file: send each graph as a file "
                            "part (with a filename and a Content-Type)")
    if not files:
        return Problem(400, f"the {MULTIPART_CONTENT_TYPE} body holds no file part")
    triples = []
    for name, part in files.items(multi=True):
        rdf_format = graph_format(part.mimetype, part.filename)
        if rdf_format is None:
            return Problem(400, f"the multipart part {name!r} (file {part.filename!r}, {part.mimetype or 'no type'}) "
                                "is not a graph: give it a Turtle, N-Triples, RDF/XML or JSON-LD Content-Type "
                                "or file extension")
        try:
            triples += ox.parse(part.stream, format=rdf_format)
        except SyntaxError as error:
            return Problem(400, f"the multipart part {name!r} does not parse as {rdf_format.media_type}: {error}")
    return triples
