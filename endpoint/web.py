"""HTTP plumbing shared by every route: problems, validators and 304, the response cache, gzip, CORS, security."""
import gzip
import hashlib

from flask import Response, current_app, request

from endpoint import fastpath, metrics
from endpoint.protocol import Problem

SAFE_METHODS = {"GET", "HEAD"}
# Cross-origin clients may read these, the limit headers included (a cut result must not look whole to them).
EXPOSED_HEADERS = "ETag, Last-Modified, Content-Length, Content-Type, Retry-After, X-CDKG-Limit, X-CDKG-Truncated"


def state():
    """Return the served KG of this worker."""
    return current_app.extensions["cdkg"]


def problem_response(problem):
    """Turn a Problem into a plain-text HTTP response."""
    return Response(problem.message + "\n", status=problem.status, headers=problem.headers,
                    content_type="text/plain; charset=utf-8")


def accepts_gzip():
    """Tell whether the client accepts a gzip-encoded response."""
    return request.accept_encodings["gzip"] > 0


def entity_tag(key):
    """Return the strong entity tag of a representation key for the served data version."""
    return hashlib.sha256(repr((state().version, key)).encode()).hexdigest()[:40]


def caching_headers(etag):
    """Return the validators and freshness headers of a cacheable representation."""
    kg = state()
    return {
        "ETag": f'"{etag}"',
        "Last-Modified": kg.last_modified,
        "Cache-Control": f"public, max-age={current_app.config['CACHE_MAX_AGE']}",
        "Vary": "Accept, Accept-Encoding",
    }


def is_not_modified(etag):
    """Tell whether a GET's validators say the client's copy is current (If-None-Match wins over the date)."""
    if request.method not in SAFE_METHODS:
        return False
    if request.if_none_match:
        return request.if_none_match.contains(etag) or request.if_none_match.contains(etag + "-gzip")
    since = request.if_modified_since
    return since is not None and state().built <= since


def serve_representation(key, render):
    """Answer with a cacheable representation: 304, a cached copy, or render() -> (bytes, type[, headers]) | Problem."""
    etag = entity_tag(key)
    headers = caching_headers(etag)
    if is_not_modified(etag):
        metrics.NOT_MODIFIED.inc()
        return Response(status=304, headers=headers)
    compress = accepts_gzip()
    cache_key = (state().version, key, compress)
    entry = state().cache.lookup(cache_key)
    if entry is None:
        rendered = render()
        if isinstance(rendered, Problem):
            return problem_response(rendered)
        body, content_type, *extra = rendered
        entry = (*encode(body, content_type, compress), extra[0] if extra else {})
        state().cache.put(cache_key, entry)
    else:
        metrics.CACHE_HITS.inc()
    body, content_type, encoding, own_headers = entry
    headers.update(own_headers)
    request.environ[fastpath.CACHEABLE] = True
    request.environ[fastpath.ROUTE] = request.url_rule.rule if request.url_rule else ""
    if encoding:
        headers["Content-Encoding"] = encoding
        headers["ETag"] = f'"{etag}-gzip"'
    return Response(body, content_type=content_type, headers=headers)


def encode(body, content_type, compress):
    """Return (body, content type, content encoding), gzipped when asked and big enough to gain."""
    if compress and len(body) >= current_app.config["GZIP_MIN_BYTES"]:
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
    config = current_app.config
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"connect-src {config['CONNECT_SRC']}; frame-ancestors {config['FRAME_ANCESTORS']}; "
        "base-uri 'none'; form-action 'self'",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
