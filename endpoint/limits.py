"""Limits that hold: query time, query and request size, result size, and simultaneous queries.

pyoxigraph cannot cancel a query, so each query runs on a thread of a small per-worker pool while the request
thread waits at most QUERY_TIMEOUT (pyoxigraph releases the GIL while it evaluates, so the wait is honoured).
Serialisation writes through a buffer that checks the deadline and the size caps on every write, so work
spent producing output stops at the limit by itself. Work stuck inside the store (a join or a path that
produces nothing yet) cannot be stopped from Python: the client still gets its 503 at the limit, and under
gunicorn the worker then retires (SIGTERM: it stops accepting, finishes its other requests, and exits, which
ends the CPU work; gunicorn starts a fresh worker). The common path pays only a thread hand-off.
"""
import atexit
import contextlib
import contextvars
import csv
import io
import logging
import os
import queue
import signal
import threading
import time
from concurrent.futures import Future, InvalidStateError, TimeoutError as FutureTimeout

import pyoxigraph as ox
from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from cdkg.endpoint import isolation, metrics, queueing
from cdkg.endpoint.backends import GRAPH_FORMATS, SOLUTION_FORMATS
from cdkg.endpoint.protocol import Problem
from cdkg.endpoint.sparqltext import tokens
from cdkg.endpoint.web import problem_response

# Every key is documented in docs/security.md; `cdkg serve` flags are listed in LIMIT_FLAGS.
LIMIT_DEFAULTS = {
    "QUERY_TIMEOUT": 30.0,  # seconds a query (evaluation and serialisation) may run; then 503
    "MAX_QUERIES_PER_WORKER": 4,  # queries evaluated at once by one gunicorn worker
    "MAX_QUERIES_TOTAL": 8,  # queries evaluated at once by all workers together (split evenly)
    "QUERY_SLOT_WAIT": 1.0,  # seconds a query may wait for a free slot before 503 + Retry-After
    "MAX_QUEUE_WAIT": 30.0,  # seconds a request may wait for a handler thread; longer is 503 + Retry-After
    "WORKER_CONNECTIONS": 256,  # connections one worker holds, slow and idle ones included (beyond: the backlog)
    "LISTEN_BACKLOG": 64,  # connections the kernel queues for the server (beyond: refused)
    "MAX_QUERY_LENGTH": 100_000,  # characters of query or update text (414 by GET, 413 by POST)
    "MAX_QUERY_DEPTH": 256,  # estimated depth of the query's syntax tree (nesting and chains); more is 400
    "MAX_REQUEST_BYTES": 2 * 1024 * 1024,  # request body bytes (413)
    "MAX_REQUEST_LINE": 8190,  # bytes of the HTTP request line, URL included (gunicorn answers 414)
    "MAX_RESULT_ROWS": 100_000,  # solutions or triples a result may have; more is refused with 422
    "MAX_RESPONSE_BYTES": 64 * 1024 * 1024,  # bytes a serialised result may have; more is refused with 422
    "PAGE_ROW_LIMIT": 200,  # rows per section of an entity page, triples per direction of a description; a cut
    # section says so (X-CDKG-Truncated header, a note on the page linking the query for all of it). 200 keeps a
    # hub's page readable and under 300 ms (the most-mentioned hub of a 5k corpus KG: 0.09-0.13 s; with 1,000
    # rows, 1.4 MB of HTML in 0.27-0.55 s)
}
# `cdkg serve` option -> (configuration key, type, help)
LIMIT_FLAGS = {
    "--query-timeout": ("QUERY_TIMEOUT", float, "seconds a query may run before 503 (default 30)"),
    "--max-queries-per-worker": ("MAX_QUERIES_PER_WORKER", int, "queries one worker runs at once (default 4)"),
    "--max-queries-total": ("MAX_QUERIES_TOTAL", int, "queries all workers run at once (default 8)"),
    "--max-result-rows": ("MAX_RESULT_ROWS", int, "solutions or triples a result may have (default 100000)"),
    "--max-response-bytes": ("MAX_RESPONSE_BYTES", int, "bytes a serialised result may have (default 64 MiB)"),
    "--page-row-limit": ("PAGE_ROW_LIMIT", int, "rows per entity-page section or description part (default 200)"),
}
LIMIT_HEADER = "X-CDKG-Limit"
TRUNCATED_HEADER = "X-CDKG-Truncated"  # the parts of a page or description cut at PAGE_ROW_LIMIT
RETRY_AFTER_SECONDS = 2
# After a timeout, how long the stuck work may take to notice its deadline before the worker retires.
STOP_GRACE_SECONDS = 1.0
# A retiring worker's other queries end within their own time limit; past it and this margin it exits anyway.
RETIRE_MARGIN_SECONDS = 5.0
QUERY_ROUTES = {"sparql.sparql", "sparql.update"}
# The store parses and evaluates recursively: a deep syntax tree overflows a thread's stack and kills the
# process. Query threads get a large stack, and MAX_QUERY_DEPTH keeps trees far below what it holds.
QUERY_STACK_BYTES = 64 * 1024 * 1024
OUTBOUND_SPARE_THREADS = 2

# Keywords that add a level to the syntax tree where they stand (each joins, filters or extends a pattern).
TREE_KEYWORDS = {"UNION", "MINUS", "OPTIONAL", "FILTER", "BIND", "VALUES", "GRAPH", "SERVICE", "IN", "NOT"}
# Punctuation that lists (triple patterns, predicates and objects, arguments, update operations) or types a
# literal: the store keeps a basic graph pattern as one flat list (4,000 patterns measured, no deeper stack).
LISTING = {".", ";", ",", "^^"}

log = logging.getLogger(__name__)


class LimitExceeded(Exception):
    """A limit stopped a request: the HTTP status, a message naming the limit, and headers to send."""

    def __init__(self, status, key, limit, message, headers=None):
        """Keep what the client is told: the status, the message and the limit header."""
        super().__init__(message)
        self.status = status
        self.headers = {LIMIT_HEADER: f"{key}={limit}", **(headers or {})}


def timed_out(limit, what="query"):
    """Return the error for a query (or an update, which may still complete) stopped at the time limit."""
    if what == "update":
        return LimitExceeded(503, "QUERY_TIMEOUT", limit,
                             f"the update did not finish within the time limit of {limit:g} s (QUERY_TIMEOUT); "
                             "it is not confirmed: check the data before sending it again, or split it")
    return LimitExceeded(503, "QUERY_TIMEOUT", limit,
                         f"the query was stopped at the time limit of {limit:g} s (QUERY_TIMEOUT): "
                         "make it more selective (bound variables, LIMIT, fewer joins)")


def too_large(key, limit, unit):
    """Return the error for a result refused because it exceeds a size limit."""
    return LimitExceeded(422, key, limit,
                         f"the result exceeds the limit of {limit} {unit} ({key}); nothing was truncated: "
                         "add LIMIT/OFFSET to page through it, or download the dumps")


def syntax_depth(text):
    """Estimate the depth of a query's syntax tree on its tokens: open brackets plus the operators and pattern
    keywords chained at each level (lists of triple patterns, objects or arguments stay flat).

    An IRIREF holding brackets is also measured as if it were operators and brackets: where a parser may read
    `<(((…)))>` either way, the deeper reading counts.
    """
    openers = [("", 0)]  # (bracket, operators and pattern separators counted at this level)
    chained = deepest = 0
    for token in tokens(text):
        value = token.text
        if token.kind == "iri" and "(" in value:
            deepest = max(deepest, len(openers) + chained + syntax_depth(value[1:-1]))
            continue
        if value in ("(", "[", "{") and token.kind == "punct":
            openers.append((value, 0))
        elif value in (")", "]", "}") and token.kind == "punct":
            if len(openers) > 1:
                chained -= openers.pop()[1]
            continue
        elif token.kind not in ("punct", "invalid") and not token.is_word(*TREE_KEYWORDS) or value in LISTING:
            continue
        else:
            openers[-1] = (openers[-1][0], openers[-1][1] + 1)
            chained += 1
        deepest = max(deepest, len(openers) + chained)
    return deepest


def check_depth(text, name, limit):
    """Return a 400 Problem when the text's syntax tree is deeper than `limit` (MAX_QUERY_DEPTH), else None."""
    depth = syntax_depth(text)
    if depth <= limit:
        return None
    return Problem(400, f"the {name} is nested or chained too deeply (estimated depth {depth} > {limit}, "
                        "MAX_QUERY_DEPTH): split it, or use VALUES or IN lists instead of long chains",
                   {LIMIT_HEADER: f"MAX_QUERY_DEPTH={limit}"})


class BoundedBuffer(io.RawIOBase):
    """A writable buffer that stops the writer at the byte limit or the deadline."""

    def __init__(self, max_bytes, deadline, timeout):
        """Create an empty buffer for at most max_bytes, written before the monotonic deadline."""
        super().__init__()
        self.chunks = []
        self.size = 0
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.timeout = timeout

    def writable(self):
        """Accept writes."""
        return True

    def write(self, data):
        """Keep a chunk, or raise LimitExceeded when it crosses a limit."""
        self.size += len(data)
        if self.size > self.max_bytes:
            raise too_large("MAX_RESPONSE_BYTES", self.max_bytes, "bytes")
        if time.monotonic() > self.deadline:
            raise timed_out(self.timeout)
        self.chunks.append(bytes(data))
        return len(data)

    def getvalue(self):
        """Return everything written."""
        return b"".join(self.chunks)


def bounded_items(items, max_rows, deadline, timeout):
    """Yield items, raising LimitExceeded past max_rows or the deadline."""
    for count, item in enumerate(items, start=1):
        if count > max_rows:
            raise too_large("MAX_RESULT_ROWS", max_rows, "triples")
        if time.monotonic() > deadline:
            raise timed_out(timeout)
        yield item


def solution_count(body, format_name):
    """Count the solutions in a serialised SELECT result."""
    if format_name == "csv":  # pyoxigraph does not parse CSV results (the format is lossy)
        return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1, 0)
    return sum(1 for _ in ox.parse_query_results(body, format=SOLUTION_FORMATS[format_name]))


def serialize_within(result, format_name, settings, deadline):
    """Serialise a QueryResult within the response size, row and time limits; return the bytes."""
    buffer = BoundedBuffer(settings["MAX_RESPONSE_BYTES"], deadline, settings["QUERY_TIMEOUT"])
    max_rows = settings["MAX_RESULT_ROWS"]
    if result.kind == "graph":
        triples = bounded_items(result.native, max_rows, deadline, settings["QUERY_TIMEOUT"])
        ox.serialize(triples, buffer, format=GRAPH_FORMATS[format_name], prefixes=result.prefixes or None)
        return buffer.getvalue()
    result.native.serialize(buffer, format=SOLUTION_FORMATS[format_name])
    body = buffer.getvalue()
    # every format spends at least one byte per solution: only a body this long can hold too many
    if result.kind == "solutions" and len(body) > max_rows and solution_count(body, format_name) > max_rows:
        raise too_large("MAX_RESULT_ROWS", max_rows, "solutions")
    return body


class QueryRunner:
    """Run queries of one worker on a bounded pool of threads, each waited for at most the time limit."""

    def __init__(self, slots, slot_wait, can_retire, filtered=True):
        """Allow `slots` queries at once; wait `slot_wait` s for a slot; retire the worker on stuck work if allowed.

        `filtered=False` (the filter cannot be installed and is not required) leaves the query threads unfiltered.
        """
        self.slots = slots
        self.slot_wait = slot_wait
        self.can_retire = can_retire
        self.filtered = filtered
        self.free = threading.BoundedSemaphore(slots)
        self.jobs = queue.SimpleQueue()
        self.threads = []
        self.start_lock = threading.Lock()
        self.retiring = False
        self.waiting = set()  # futures of the requests waiting for their query

    def start_threads(self):
        """Start the pool's daemon threads on first use (after gunicorn forked this worker)."""
        with self.start_lock:
            previous = threading.stack_size(QUERY_STACK_BYTES)
            try:
                while len(self.threads) < self.slots:
                    thread = threading.Thread(target=self.serve_jobs, name="cdkg-query", daemon=True)
                    thread.start()
                    self.threads.append(thread)
            finally:
                threading.stack_size(previous)

    def serve_jobs(self):
        """Run queued work forever, off the network; a slot is freed only when its work has really ended."""
        if self.filtered:
            isolation.deny_network()
        while True:
            work, future = self.jobs.get()
            try:
                if future.set_running_or_notify_cancel():
                    outcome = work()
                    with contextlib.suppress(InvalidStateError):  # already answered (fail_running)
                        future.set_result(outcome)
            except BaseException as error:  # handed to the waiting request, which turns it into a response
                with contextlib.suppress(InvalidStateError):
                    future.set_exception(error)
            finally:
                self.free.release()

    def run(self, work, timeout, deadline=None, what="query"):
        """Return work()'s value, or raise LimitExceeded when no slot frees up or the time limit passes.

        The wait ends at the monotonic `deadline` (the request's, shared by all its work), else `timeout` from now.
        """
        deadline = time.monotonic() + timeout if deadline is None else deadline
        if not self.free.acquire(timeout=max(min(self.slot_wait, deadline - time.monotonic()), 0)):
            raise LimitExceeded(503, "MAX_QUERIES_PER_WORKER", self.slots,
                                f"the server is running its maximum of {self.slots} queries per worker "
                                "(MAX_QUERIES_PER_WORKER/MAX_QUERIES_TOTAL): retry shortly",
                                {"Retry-After": str(RETRY_AFTER_SECONDS)})
        if len(self.threads) < self.slots:
            self.start_threads()
        future = Future()
        self.waiting.add(future)
        self.jobs.put((work, future))
        try:
            return future.result(timeout=max(deadline - time.monotonic(), 0))
        except FutureTimeout:
            metrics.TIMEOUTS.inc()
            self.stop_stuck_work(future, timeout)
            raise timed_out(timeout, what) from None
        finally:
            self.waiting.discard(future)

    def fail_running(self, error):
        """Answer every query this worker is running or has queued with error (the work itself goes on)."""
        for future in list(self.waiting):
            with contextlib.suppress(InvalidStateError):
                future.set_exception(error)

    def stop_stuck_work(self, future, timeout):
        """Retire this worker in the background when the timed-out work does not stop by itself."""
        if self.can_retire and not self.retiring:
            threading.Thread(target=self.retire_if_stuck, args=(future, timeout), name="cdkg-retire",
                             daemon=True).start()

    def retire_if_stuck(self, future, timeout):
        """Give the work a moment to hit its deadline; if it is still running, make gunicorn replace this worker."""
        try:
            future.exception(timeout=STOP_GRACE_SECONDS)
            return
        except FutureTimeout:
            pass
        if self.retiring:
            return
        self.retiring = True
        log.warning("worker %d: a query ran past its time limit and cannot be interrupted; retiring the worker "
                    "(gunicorn starts a fresh one)", os.getpid())
        atexit.register(os._exit, 0)  # do not let interpreter shutdown wait on the stuck thread
        os.kill(os.getpid(), signal.SIGTERM)  # gunicorn: stop accepting, finish other requests, exit
        time.sleep(timeout + RETIRE_MARGIN_SECONDS)
        os._exit(0)  # the graceful exit did not complete in time: end the CPU work anyway


def runner():
    """Return this worker's QueryRunner."""
    return current_app.extensions["cdkg-limits"]


def run_query(backend, text, dataset, format_name, prepare=None, base=None):
    """Evaluate and serialise a query within every limit: return (result kind, body) or raise LimitExceeded.

    `prepare(text, deadline) -> text` runs first on the query thread, under the same deadline (the federation
    calls and their local pre-queries); `base` is the base IRI of the text's relative IRIs.
    """
    settings = current_app.config
    timeout = settings["QUERY_TIMEOUT"]
    deadline = time.monotonic() + timeout

    def work():
        result = backend.query(prepare(text, deadline) if prepare else text, dataset, base)
        return result.kind, serialize_within(result, format_name, settings, deadline)

    return runner().run(work, timeout, deadline)


def run_update(backend, text, prepare=None, after=None, base=None):
    """Apply an update on a query thread within QUERY_TIMEOUT, preparing it first (federation) under that deadline.

    `after()` runs once the update is applied, even when that happens after the client got its 503 (the store
    cannot stop an update midway), so caches never outlive the data they were made from. `base` is the base IRI
    of the update's relative IRIs.
    """
    timeout = current_app.config["QUERY_TIMEOUT"]
    deadline = time.monotonic() + timeout

    def work():
        backend.update(prepare(text, deadline) if prepare else text, base)
        if after:
            after()

    return runner().run(work, timeout, deadline, what="update")


def bounded(render):
    """Return render made to run like a query: on a query thread, within QUERY_TIMEOUT and the query slots.

    Pages and descriptions query the store too (an entity with a million links in, VoID statistics), so they
    obey the same limits; a limit that stops them becomes the Problem the caller turns into a response.
    """

    def run():
        context = contextvars.copy_context()  # the app and request contexts, for the query thread
        try:
            return runner().run(lambda: context.run(render), current_app.config["QUERY_TIMEOUT"])
        except LimitExceeded as error:
            return Problem(error.status, str(error), error.headers)

    return run


def cut_header(cut, limit):
    """Return the headers of a representation whose listed parts were cut at PAGE_ROW_LIMIT."""
    return {LIMIT_HEADER: f"PAGE_ROW_LIMIT={limit}", TRUNCATED_HEADER: ", ".join(cut)} if cut else {}


def slots_per_worker(config):
    """Return the queries one worker may run at once: its own bound, and its share of the total."""
    share = max(1, config["MAX_QUERIES_TOTAL"] // max(1, config["WORKERS"]))
    return max(1, min(config["MAX_QUERIES_PER_WORKER"], share))


def under_gunicorn():
    """Tell whether this process is a gunicorn worker (which gunicorn replaces when it exits)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn")  # set by gunicorn's arbiter


def operation_texts(http_request):
    """Return the query and update texts of a request to a SPARQL route, however they were sent."""
    if http_request.method in ("GET", "HEAD"):
        return [value for name in ("query", "update") for value in http_request.args.getlist(name)]
    if http_request.mimetype == "application/x-www-form-urlencoded":
        return [value for name in ("query", "update") for value in http_request.form.getlist(name)]
    if http_request.mimetype in ("application/sparql-query", "application/sparql-update"):
        # the route reports bad UTF-8
        return [http_request.get_data(cache=True).decode("utf-8", errors="replace")]
    return []


def check_query_text():
    """Refuse query or update text that is too long (414 in a URL, 413 in a body) or too deeply nested (400)."""
    if request.endpoint not in QUERY_ROUTES:
        return None
    problem = query_text_problem(request, current_app.config)
    return problem_response(problem) if problem else None


def query_text_problem(http_request, settings):
    """Return the Problem of a request to a SPARQL route whose text is too long or too deeply nested, else None."""
    limit = settings["MAX_QUERY_LENGTH"]
    for text in operation_texts(http_request):
        if len(text) > limit:
            return too_long(414 if http_request.method == "GET" else 413, "MAX_QUERY_LENGTH", limit,
                            f"the query text has {len(text)} characters, more than {limit}")
        problem = check_depth(text, "query", settings["MAX_QUERY_DEPTH"])
        if problem:
            return problem
    return None


def too_long(status, key, limit, message):
    """Return the Problem refusing an oversized request."""
    return Problem(status, f"{message} ({key}); send a shorter request", {LIMIT_HEADER: f"{key}={limit}"})


def body_too_large(error):
    """Answer 413 naming MAX_REQUEST_BYTES when a request body is over the limit."""
    limit = current_app.config["MAX_REQUEST_BYTES"]
    return problem_response(too_long(413, "MAX_REQUEST_BYTES", limit, f"the request body exceeds {limit} bytes"))


def check_queue_wait():
    """Refuse with 503 + Retry-After a request that waited longer than MAX_QUEUE_WAIT for a handler thread."""
    problem = queue_wait_problem(current_app.config)
    if problem is None:
        return None
    metrics.QUEUE_REFUSALS.inc()
    return problem_response(problem)


def queue_wait_problem(settings):
    """Return the 503 Problem of a request that waited longer than MAX_QUEUE_WAIT for a handler thread, else None."""
    limit = settings["MAX_QUEUE_WAIT"]
    waited = queueing.waited()
    if waited <= limit:
        return None
    return Problem(
        503, f"the server is overloaded: this request waited {waited:.1f} s for a handler, more than {limit:g} s "
             "(MAX_QUEUE_WAIT): retry shortly",
        {LIMIT_HEADER: f"MAX_QUEUE_WAIT={limit:g}", "Retry-After": str(RETRY_AFTER_SECONDS)})


def init_app(app):
    """Apply the request size limits and give this worker its query runner."""
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_REQUEST_BYTES"]
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_REQUEST_BYTES"]
    slots = slots_per_worker(app.config)
    filtered = isolation.require_filter(app.config["REQUIRE_NETWORK_FILTER"])
    app.extensions["cdkg-limits"] = QueryRunner(slots, app.config["QUERY_SLOT_WAIT"], under_gunicorn(), filtered)
    # each query thread waits on at most one outbound call; the rest serve /healthz on a remote store
    isolation.start_outbound(slots + OUTBOUND_SPARE_THREADS)
    if under_gunicorn() and filtered:
        isolation.deny_process_network()
    app.before_request(check_queue_wait)
    app.before_request(check_query_text)
    app.register_error_handler(RequestEntityTooLarge, body_too_large)
