"""Measure how long each request waited for a handler thread, so the app can refuse stale ones (MAX_QUEUE_WAIT).

gunicorn's gthread worker accepts connections up to worker_connections and queues them for its threads; under
overload that queue grows while clients wait. This worker stamps each request when it is queued and tells the
thread that picks it up how long it waited. A request that waited too long is answered 503 + Retry-After at
once, so a burst drains quickly instead of every queued client waiting for work done too late.
"""
import threading
import time

from gunicorn.workers.gthread import ThreadWorker

_current = threading.local()


def waited():
    """Return the seconds the request on this thread waited in the worker's queue (0 outside gunicorn)."""
    return getattr(_current, "waited", 0.0)


class Worker(ThreadWorker):
    """gunicorn's gthread worker, with the queue wait of each request measured."""

    def enqueue_req(self, conn):
        """Stamp the connection as queued, then queue it for a thread."""
        conn.queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        """Note the request's queue wait for the app, then handle it."""
        _current.waited = time.monotonic() - getattr(conn, "queued_at", time.monotonic())
        return super().handle(conn)
