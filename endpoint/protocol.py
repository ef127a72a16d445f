"""Read a SPARQL 1.1 Protocol request into a value: a query, an update, a service-description request or a Problem."""
from dataclasses import dataclass, field

from werkzeug.datastructures import CombinedMultiDict

from cdkg.endpoint.backends import Dataset

QUERY_CONTENT_TYPE = "application/sparql-query"
UPDATE_CONTENT_TYPE = "application/sparql-update"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Problem:
    """A client or server error, turned into an HTTP response in one place."""

    status: int
    message: str
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class QueryRequest:
    """A query operation: text, the protocol dataset (None: the query's own) and an explicit `format=`."""

    text: str
    dataset: Dataset | None
    format_param: str | None


@dataclass(frozen=True)
class UpdateRequest:
    """An update operation with its protocol graph parameters."""

    text: str
    using_graphs: tuple = ()
    using_named_graphs: tuple = ()


@dataclass(frozen=True)
class DescriptionRequest:
    """A GET without a query: the service description (RDF) or the query UI (HTML)."""

    format_param: str | None


def single(params, name):
    """Return the one value of a parameter, None when absent, or a Problem when repeated."""
    values = params.getlist(name)
    if len(values) > 1:
        return Problem(400, f"the parameter '{name}' is given {len(values)} times; give it once")
    return values[0] if values else None


def check_text(text, name):
    """Return a Problem if the operation text is empty or holds characters no SPARQL text may hold."""
    if not text.strip():
        return Problem(400, f"the parameter '{name}' is empty")
    position = text.find("\x00")
    if position >= 0:
        return Problem(400, f"the {name} contains a NUL character at offset {position}")
    if "\ufffd" in text:
        return Problem(400, f"the {name} is not valid UTF-8 (replacement character at offset {text.index(chr(0xFFFD))})")
    return None


def dataset_from(params, default_name, named_name):
    """Return the protocol dataset from repeated graph parameters, or None when neither is given."""
    defaults, named = tuple(params.getlist(default_name)), tuple(params.getlist(named_name))
    return Dataset(defaults, named) if defaults or named else None


def body_text(request):
    """Return the request body decoded as UTF-8, or a Problem naming the first bad byte."""
    raw = request.get_data(cache=True)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Problem(400, f"the request body is not valid UTF-8 (byte {error.start})")


def read_query_request(request):
    """Turn a request to the SPARQL endpoint into QueryRequest, UpdateRequest, DescriptionRequest or Problem."""
    args = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in args:
            return Problem(400, "SPARQL Update cannot be sent with GET; POST it to the update endpoint /update")
        return from_params(args, args, "query")
    content_type = request.mimetype
    if content_type == FORM_CONTENT_TYPE:
        form = request.form
        if "query" in form and "update" in form:
            return Problem(400, "give either 'query' or 'update', not both")
        # graph parameters may come in the form body or, as some clients send them, in the URL
        graph_params = CombinedMultiDict([form, args])
        if "update" in form:
            return update_from(form, graph_params)
        if "query" not in form:
            return Problem(400, "the form has no 'query' parameter")
        return from_params(form, graph_params, "query")
    if content_type == QUERY_CONTENT_TYPE:
        text = body_text(request)
        if isinstance(text, Problem):
            return text
        return checked_query(text, args, args.get("format"))
    if content_type == UPDATE_CONTENT_TYPE:
        text = body_text(request)
        if isinstance(text, Problem):
            return text
        return checked_update(text, args)
    return Problem(
        415,
        f"unsupported Content-Type {content_type or '(none)'!r}: send {FORM_CONTENT_TYPE} "
        f"or {QUERY_CONTENT_TYPE} (updates: {UPDATE_CONTENT_TYPE} to /update)",
    )


def from_params(params, graph_params, name):
    """Read a query given as a parameter (GET query string or POST form)."""
    text = single(params, name)
    if isinstance(text, Problem):
        return text
    format_param = params.get("format")
    if text is None:
        if request_has_graph_params(graph_params):
            return Problem(400, "graph parameters were given without a 'query'")
        return DescriptionRequest(format_param)
    return checked_query(text, graph_params, format_param)


def request_has_graph_params(params):
    """Tell whether any dataset parameter is present."""
    return any(name in params for name in ("default-graph-uri", "named-graph-uri"))


def checked_query(text, graph_params, format_param):
    """Return a QueryRequest for valid text, or a Problem."""
    problem = check_text(text, "query")
    if problem:
        return problem
    return QueryRequest(text, dataset_from(graph_params, "default-graph-uri", "named-graph-uri"), format_param)


def update_from(form, graph_params):
    """Read an update given as a form parameter."""
    text = single(form, "update")
    if isinstance(text, Problem):
        return text
    return checked_update(text, graph_params)


def checked_update(text, graph_params):
    """Return an UpdateRequest for valid text, or a Problem."""
    problem = check_text(text, "update")
    if problem:
        return problem
    return UpdateRequest(
        text, tuple(graph_params.getlist("using-graph-uri")), tuple(graph_params.getlist("using-named-graph-uri"))
    )
