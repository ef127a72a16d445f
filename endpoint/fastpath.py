"""Answer the common GET requests of the read-only graph before Flask runs (the WSGI fast path).

A response Flask marked cacheable (a 200 representation of the current data version) is kept with its final
headers, keyed by everything in the request it depends on: path, query string, Accept, Accept-Encoding,
Origin (CORS headers) and Host (descriptions name the service URL). Conditional requests go to Flask, which
answers 304 from the validators without running anything either.

A plain query (`GET /sparql?query=...` without dataset parameters, Origin or relative IRIs) that passes every
check is also answered here when it is not kept yet, by the same checks and the same execution as in Flask but
without Flask's request, routing and response machinery (two thirds of the endpoint's own time per query, measured
by tests/bench/bench_request_path.py). Any request a check refuses goes to Flask, which refuses it in its words;
a query stopped while it runs (a limit, a syntax error) is answered by Flask's error and header hooks.
"""
import time

from werkzeug.wrappers import Request

from cdkg.endpoint import metrics

CACHEABLE = "cdkg.cacheable"
KEPT = "cdkg.kept"  # this middleware keeps the request's answer when it is cacheable
ROUTE = "cdkg.route"
KEY_HEADERS = ("PATH_INFO", "QUERY_STRING", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ORIGIN", "HTTP_HOST")
QUERY_ROUTE = "/sparql"
QUERY_PARAMS = {"query", "format"}  # a query string naming only these may take the direct path


def request_key(environ):
    """Return the cache key of a plain GET, or None when the request must go through Flask."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        return None
    return tuple(environ.get(name, "") for name in KEY_HEADERS)


class FastPath:
    """WSGI middleware answering cached GETs and plain queries directly, and storing the cacheable responses."""

    def __init__(self, app, kg_state):
        """Wrap the Flask app's WSGI callable; responses are stored in the KG state's bounded cache."""
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.kg = kg_state

    def __call__(self, environ, start_response):
        """Answer from the cache, or directly, or run Flask and keep its answer when it is cacheable."""
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
        if environ.get("PATH_INFO") == QUERY_ROUTE and "HTTP_ORIGIN" not in environ:
            answered = self.answer_query(environ, start_response, started)
            if answered is not None:
                chunks, kept = answered
                if kept:
                    self.kg.cache.put(cache_key, (QUERY_ROUTE, *kept))
                return chunks
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

    def answer_query(self, environ, start_response, started):
        """Answer a plain query that passes every check: return (body chunks, (headers, body) to keep or None),
        or None to leave the request to Flask."""
        from cdkg.endpoint import limits, protocol, sparql, web  # here: they import this module
        from cdkg.endpoint.sparqltext import writes_relative_iri

        http_request = Request(environ)
        if not QUERY_PARAMS.issuperset(http_request.args):
            return None
        app, settings = self.app, self.app.config
        with app.app_context():
            if (web.percent_encoding_problem(http_request) or limits.queue_wait_problem(settings)
                    or limits.query_text_problem(http_request, settings)):
                return None
            operation = protocol.read_query_request(http_request)
            if not isinstance(operation, protocol.QueryRequest) or writes_relative_iri(operation.text):
                return None
            chosen = sparql.query_format(operation, http_request.headers.get("Accept"))
            if isinstance(chosen, protocol.Problem):
                return None
            guard = app.extensions.get("cdkg-memory")
            if guard:
                guard.start()
            key = sparql.query_key(operation, chosen, None)
            try:
                entry = web.representation(self.kg, key, lambda: sparql.execute(operation, chosen, None),
                                           web.accepts_gzip(http_request), keep=False)
            except Exception as error:  # a bug: logged and answered 500, as Flask's error handler does
                return self.answer_in_flask(environ, start_response, started, web.unexpected_error, error), None
            if isinstance(entry, protocol.Problem):
                return self.answer_in_flask(environ, start_response, started, web.problem_response, entry), None
            body, content_type, encoding, own_headers = entry
            headers = [*web.representation_headers(self.kg, web.entity_tag(key), True, encoding, own_headers).items(),
                       ("Content-Type", content_type), ("Content-Length", str(len(body))),
                       *web.security_headers(app)]
        start_response("200 OK", headers)
        metrics.observe(QUERY_ROUTE, "GET", "200", started)
        return [body], (headers, body)

    def answer_in_flask(self, environ, start_response, started, respond, argument):
        """Answer with respond(argument)'s response through Flask's response hooks (headers, CORS, metrics)."""
        from flask import g

        with self.app.request_context(environ):
            g.started = started  # the metrics hook observes the latency from here
            response = self.app.process_response(self.app.make_response(respond(argument)))
            return response(environ, start_response)
