"""HTTP plumbing shared by every route: problems, validators and 304, the response cache, gzip, CORS, security."""
import gzip
import hashlib
import json
import logging
from http import HTTPStatus
from urllib.parse import unquote_to_bytes

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from cdkg.endpoint import fastpath, metrics
from cdkg.endpoint.protocol import Problem

SAFE_METHODS = {"GET", "HEAD"}
# Cross-origin clients may read these, the limit headers included (a cut result must not look whole to them).
EXPOSED_HEADERS = "ETag, Last-Modified, Content-Length, Content-Type, Retry-After, X-CDKG-Limit, X-CDKG-Truncated"


def state():
    """Return the served KG of this worker."""
    return current_app.extensions["cdkg"]


PROBLEM_JSON = "application/problem+json"
PLAIN_TEXT = "text/plain"
# Headers of werkzeug's own errors that still hold for the plain-text answer (405 says what is allowed).
KEPT_ERROR_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

log = logging.getLogger(__name__)


def problem_response(problem):
    """Turn a Problem into an HTTP response: plain text, or application/problem+json when the client prefers it."""
    accept = request.accept_mimetypes
    if accept.quality(PROBLEM_JSON) > accept.quality(PLAIN_TEXT) and accept.quality(PROBLEM_JSON) > 0:
        body = {"type": "about:blank", "title": reason(problem.status), "status": problem.status,
                "detail": problem.message}
        return Response(json.dumps(body, ensure_ascii=False) + "\n", status=problem.status,
                        headers=problem.headers, content_type=PROBLEM_JSON)
    return Response(problem.message + "\n", status=problem.status, headers=problem.headers,
                    content_type="text/plain; charset=utf-8")


def reason(status):
    """Return the standard reason phrase of an HTTP status."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def http_error(error):
    """Answer werkzeug's HTTP errors (404, 405, 400...) as a problem instead of Flask's HTML page."""
    headers = {name: value for name, value in error.get_headers() if name in KEPT_ERROR_HEADERS}
    return problem_response(Problem(error.code or 500, error.description or error.name, headers))


def unexpected_error(error):
    """Log a bug with its traceback and answer a plain 500 (never a traceback or an HTML page)."""
    if isinstance(error, HTTPException):
        return http_error(error)
    log.exception("unexpected error answering %s %s", request.method, request.path, exc_info=error)
    return problem_response(Problem(500, "internal error: the server failed to answer this request; "
                                         "it was logged"))


def check_percent_encoding():
    """Refuse with 400 a query string or form body whose percent-encoded bytes are not UTF-8, naming the field."""
    problem = percent_encoding_problem(request)
    return problem_response(problem) if problem else None


def percent_encoding_problem(http_request):
    """Return the 400 Problem of a query string or form body whose percent-encoded bytes are not UTF-8, else None."""
    sources = [("query string", http_request.query_string)]
    if http_request.mimetype == FORM_CONTENT_TYPE:
        sources.append(("form body", http_request.get_data(cache=True)))
    for where, raw in sources:
        # the separators are ASCII, so the whole decodes exactly when every field does: look closer only then
        if decodes(raw):
            continue
        for field in raw.split(b"&"):
            name, _, value = field.partition(b"=")
            for part in (name, value):
                try:
                    unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
                except UnicodeDecodeError as error:
                    label = unquote_to_bytes(name).decode("utf-8", "replace")
                    return Problem(400, f"the {where} field {label!r} is not valid percent-encoded UTF-8 "
                                        f"(byte {error.start} of the decoded {'name' if part is name else 'value'})")
    return None


def decodes(raw):
    """Tell whether percent-encoded bytes decode to UTF-8."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def init_app(app):
    """Answer every error in plain text (or problem+json) and refuse undecodable parameters."""
    app.extensions["cdkg-csp"] = content_security_policy(app.config)  # the same on every response
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    app.before_request(check_percent_encoding)


def accepts_gzip(http_request):
    """Tell whether the client accepts a gzip-encoded response."""
    return http_request.accept_encodings["gzip"] > 0


def entity_tag(key):
    """Return the strong entity tag of a representation key for the served data version."""
    return hashlib.sha256(repr((state().version, key)).encode()).hexdigest()[:40]


def caching_headers(kg, etag, shared=True):
    """Return the validators and freshness headers of a cacheable representation of the served KG.

    A representation built from the request's Host (a description naming the service URL when PUBLIC_URL is
    not configured) must not be kept by shared caches: a forged Host would be served to everybody.
    """
    max_age = kg.config["CACHE_MAX_AGE"]
    return {
        "ETag": f'"{etag}"',
        "Last-Modified": kg.last_modified,
        "Cache-Control": f"public, max-age={max_age}" if shared else f"private, max-age={max_age}",
        "Vary": "Accept, Accept-Encoding" if shared else "Accept, Accept-Encoding, Host",
    }


def is_not_modified(kg, etag):
    """Tell whether a GET's validators say the client's copy is current (If-None-Match wins over the date)."""
    environ = request.environ
    if request.method not in SAFE_METHODS or not (
            "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ):
        return False
    if request.if_none_match:
        return request.if_none_match.contains(etag) or request.if_none_match.contains(etag + "-gzip")
    since = request.if_modified_since
    return since is not None and kg.built <= since


def serve_representation(key, render, shared=True):
    """Answer with a cacheable representation: 304, a cached copy, or render() -> (bytes, type[, headers]) | Problem.

    shared=False: the representation depends on the request's Host, and shared caches must not keep it.
    """
    kg = state()
    etag = entity_tag(key)
    if is_not_modified(kg, etag):
        metrics.NOT_MODIFIED.inc()
        return Response(status=304, headers=caching_headers(kg, etag, shared))
    # the fast path keeps this answer itself: hold it once
    entry = representation(kg, key, render, accepts_gzip(request), keep=not request.environ.get(fastpath.KEPT))
    if isinstance(entry, Problem):
        return problem_response(entry)
    body, content_type, encoding, own_headers = entry
    request.environ[fastpath.CACHEABLE] = True
    request.environ[fastpath.ROUTE] = request.url_rule.rule if request.url_rule else ""
    return Response(body, content_type=content_type,
                    headers=representation_headers(kg, etag, shared, encoding, own_headers))


def representation(kg, key, render, compress, keep):
    """Return (body, content type, content encoding, own headers) from the response cache or render(), or a Problem.

    `keep`: store a rendered representation in the cache (the fast path keeps the whole answer instead).
    """
    cache_key = (kg.version, key, compress)
    entry = kg.cache.lookup(cache_key)
    if entry is not None:
        metrics.CACHE_HITS.inc()
        return entry
    rendered = render()
    if isinstance(rendered, Problem):
        return rendered
    body, content_type, *extra = rendered
    entry = (*encode(body, content_type, compress, kg.config["GZIP_MIN_BYTES"]), extra[0] if extra else {})
    if keep:
        kg.cache.put(cache_key, entry)
    return entry


def representation_headers(kg, etag, shared, encoding, own_headers):
    """Return the headers of a representation besides its Content-Type: validators, freshness, its own, encoding."""
    headers = caching_headers(kg, etag, shared)
    headers.update(own_headers)
    if encoding:
        headers["Content-Encoding"] = encoding
        headers["ETag"] = f'"{etag}-gzip"'
    return headers


def encode(body, content_type, compress, min_bytes):
    """Return (body, content type, content encoding), gzipped when asked and at least min_bytes long."""
    if compress and len(body) >= min_bytes:
        return gzip.compress(body, compresslevel=5), content_type, "gzip"
    return body, content_type, None


def add_cors(response):
    """Allow cross-origin reads as configured, and answer preflight requests."""
    allowed = current_app.config["CORS_ORIGINS"]
    origin = request.headers.get("Origin")
    if not allowed or not origin:
        return response
    if allowed == "*":
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    else:
        return response
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = (
            request.headers.get("Access-Control-Request-Headers") or "Accept, Content-Type, Authorization"
        )
        response.headers["Access-Control-Max-Age"] = str(current_app.config["CORS_MAX_AGE"])
    return response


def add_security_headers(response):
    """Forbid sniffing and framing and restrict where pages load code and data from."""
    headers = response.headers
    for name, value in security_headers(current_app):
        if name != "Content-Security-Policy" or name not in headers:  # a page may set its own policy
            headers[name] = value
    return response


def security_headers(app):
    """Return the security headers every response carries: (name, value) pairs."""
    return (("Content-Security-Policy", app.extensions["cdkg-csp"]), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"))


def content_security_policy(config):
    """Return the Content-Security-Policy of the pages: own origin only, as configured for data and framing."""
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"connect-src {config['CONNECT_SRC']}; frame-ancestors {config['FRAME_ANCESTORS']}; "
            "base-uri 'none'; form-action 'self'")
