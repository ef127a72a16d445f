"""Count requests, latencies, result sizes and timeouts for Prometheus, across gunicorn workers."""
import functools
import glob
import os
import time

from flask import Blueprint, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess,
)

REQUESTS = Counter("cdkg_http_requests_total", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "cdkg_http_request_duration_seconds", "Time to answer a request", ["route"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RESULT_BYTES = Histogram(
    "cdkg_query_result_bytes", "Size of serialised query results", ["kind"],
    buckets=(256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216),
)
CACHE_HITS = Counter("cdkg_response_cache_hits_total", "Responses served from the response cache")
NOT_MODIFIED = Counter("cdkg_not_modified_total", "Conditional requests answered 304")
# Incremented where a query is stopped at the configured time limit.
TIMEOUTS = Counter("cdkg_query_timeouts_total", "Queries stopped at the time limit")
# Summed over the live workers: shows the caches filling towards their bound (RESPONSE_CACHE_BYTES each).
CACHE_BYTES = Gauge("cdkg_response_cache_bytes", "Bytes of responses held in the response caches",
                    multiprocess_mode="livesum")
QUEUE_REFUSALS = Counter("cdkg_queue_refusals_total", "Requests refused after waiting too long for a handler thread")

# A client may send any method string: only these become label values, so the series stay bounded.
METHOD_LABELS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}

# prometheus_client's files start with the 8-byte count of bytes used; a shorter file holds nothing yet.
FILE_HEADER_BYTES = 8

blueprint = Blueprint("metrics", __name__)


def start_timer():
    """Note when the request started."""
    g.started = time.perf_counter()


class WrittenFilesCollector(multiprocess.MultiProcessCollector):
    """Merge the workers' metric files, skipping files a worker created but died before writing (0 bytes)."""

    def collect(self):
        """Return the merged metrics of every file that holds at least its header."""
        return self.merge([path for path in glob.glob(os.path.join(self._path, "*.db")) if written(path)],
                          accumulate=True)


def written(path):
    """Tell whether a metrics file holds at least its header (a dead worker's gauge file may vanish meanwhile)."""
    try:
        return os.path.getsize(path) >= FILE_HEADER_BYTES
    except OSError:
        return False


def method_label(method):
    """Return the metrics label of an HTTP method: the standard ones by name, any other string as "other"."""
    return method if method in METHOD_LABELS else "other"


@functools.lru_cache(maxsize=1024)  # bounded: routes, METHOD_LABELS and statuses are few
def requests_counter(route, method, status):
    """Return the request counter of a route, method label and status (looking a child up costs a lock)."""
    return REQUESTS.labels(route, method, status)


@functools.lru_cache(maxsize=256)
def latency_histogram(route):
    """Return the latency histogram of a route."""
    return LATENCY.labels(route)


def observe(route, method, status, started):
    """Count an answered request and observe its latency."""
    requests_counter(route, method_label(method), status).inc()
    latency_histogram(route).observe(time.perf_counter() - started)


def record(response):
    """Count the answered request by route and status and observe its latency."""
    route = request.url_rule.rule if request.url_rule else "(unmatched)"
    if "started" in g:
        observe(route, request.method, str(response.status_code), g.started)
    else:
        requests_counter(route, method_label(request.method), str(response.status_code)).inc()
    return response


@blueprint.get("/metrics")
def metrics():
    """Expose the metrics in the Prometheus text format (merged over workers under gunicorn)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        WrittenFilesCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def init_app(app):
    """Register the timing hooks and the /metrics route."""
    app.before_request(start_timer)
    app.after_request(record)
    app.register_blueprint(blueprint)
