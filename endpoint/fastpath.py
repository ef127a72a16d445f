"""Serve repeated GET requests of the read-only graph from memory before Flask runs (the WSGI fast path).

A response Flask marked cacheable (a 200 representation of the current data version) is kept with its final
headers, keyed by everything in the request it depends on: path, query string, Accept, Accept-Encoding,
Origin (CORS headers) and Host (descriptions name the service URL). Conditional requests go to Flask, which
answers 304 from the validators without running anything either.
"""
import time

from cdkg.endpoint import metrics

CACHEABLE = "cdkg.cacheable"
KEPT = "cdkg.kept"  # this middleware keeps the request's answer when it is cacheable
ROUTE = "cdkg.route"
KEY_HEADERS = ("PATH_INFO", "QUERY_STRING", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ORIGIN", "HTTP_HOST")


def request_key(environ):
    """Return the cache key of a plain GET, or None when the request must go through Flask."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        return None
    return tuple(environ.get(name, "") for name in KEY_HEADERS)


class FastPath:
    """WSGI middleware answering cached GETs directly and storing the cacheable responses Flask produces."""

    def __init__(self, wsgi_app, kg_state):
        """Wrap the Flask WSGI app; responses are stored in the KG state's bounded cache."""
        self.wsgi_app = wsgi_app
        self.kg = kg_state

    def __call__(self, environ, start_response):
        """Answer from the cache, or run Flask and keep its answer when it is cacheable."""
        started = time.perf_counter()
        key = request_key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        cache_key = ("wsgi", self.kg.version, key)
        entry = self.kg.cache.lookup(cache_key)
        if entry is not None:
            route, headers, body = entry
            start_response("200 OK", headers)
            metrics.CACHE_HITS.inc()
            metrics.observe(route, "GET", "200", started)
            return [body]
        environ[KEPT] = True
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        chunks = self.wsgi_app(environ, capture)
        if not environ.get(CACHEABLE) or not captured.get("status", "").startswith("200"):
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        self.kg.cache.put(cache_key, (environ.get(ROUTE, ""), list(captured["headers"]), body))
        return [body]
