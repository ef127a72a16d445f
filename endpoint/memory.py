"""Bound each worker's memory: past MAX_WORKER_MEMORY its queries are answered 503 and the worker retires.

The store cannot be asked to stop a query, nor to stay within a budget: a query that builds large strings and
keeps them for ORDER BY grows the process by gigabytes before its time limit. A thread of each worker samples
the worker's private resident memory (/proc/self/statm: resident minus file-backed pages) every few
milliseconds; when it passes the ceiling, every query the worker is running is answered at once with 503
naming MAX_WORKER_MEMORY, and the worker exits as soon as those answers are out (gunicorn starts a fresh one).
The memory goes with the process, the only place it can be freed.
"""
import atexit
import logging
import os
import signal
import threading
import time

from flask import current_app

from cdkg.endpoint import limits

KEY = "MAX_WORKER_MEMORY"
SAMPLE_SECONDS = 0.02
# How long the answers of the stopped queries may take to go out before the worker exits anyway.
EXIT_GRACE_SECONDS = 1.0
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024

log = logging.getLogger(__name__)


def private_bytes():
    """Return this process's private resident memory (resident pages minus file-backed and shared ones)."""
    with open("/proc/self/statm", "rb") as statm:
        fields = statm.read().split()
    return (int(fields[1]) - int(fields[2])) * PAGE_BYTES


def over_limit(limit, used):
    """Return the error the stopped queries are answered with."""
    return limits.LimitExceeded(
        503, KEY, limit,
        f"the query was stopped: the worker running it passed its memory ceiling of {limit // MIB} MiB "
        f"({used // MIB} MiB in use, {KEY}); the worker is being replaced. Make the query keep less "
        "(LIMIT before ORDER BY, shorter strings, fewer solutions)",
        {"Retry-After": str(limits.RETRY_AFTER_SECONDS)})


class MemoryGuard:
    """Watch one worker's memory and stop its queries (and the worker) when it passes the ceiling."""

    def __init__(self, limit, runner):
        """Guard `limit` bytes for the queries of `runner`; nothing runs before start()."""
        self.limit = limit
        self.runner = runner
        self.thread = None
        self.lock = threading.Lock()

    def start(self):
        """Start watching, once per process (gunicorn forks workers after the app is created)."""
        if self.thread is not None and self.thread.is_alive():
            return
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self.watch, name="cdkg-memory", daemon=True)
                self.thread.start()

    def watch(self):
        """Sample the memory until it passes the ceiling, then stop the queries."""
        while True:
            used = private_bytes()
            if used > self.limit:
                self.exceeded(used)
            time.sleep(SAMPLE_SECONDS)

    def exceeded(self, used):
        """Answer the running queries 503 and, under gunicorn, end this worker once the answers are out."""
        log.warning("worker %d: %d MiB in use, over %s=%d MiB; stopping its queries", os.getpid(), used // MIB,
                    KEY, self.limit // MIB)
        self.runner.fail_running(over_limit(self.limit, used))
        if not self.runner.can_retire:
            return
        self.runner.retiring = True
        atexit.register(os._exit, 0)  # do not let interpreter shutdown wait on the query still running
        os.kill(os.getpid(), signal.SIGTERM)  # gunicorn: stop accepting, send the answers out, exit
        time.sleep(EXIT_GRACE_SECONDS)
        os._exit(0)  # the memory is still held by the running query: end it now


def guard():
    """Make sure this worker's memory is watched (the thread starts with the first request after the fork)."""
    current_app.extensions["cdkg-memory"].start()


def init_app(app):
    """Watch the memory of each worker when MAX_WORKER_MEMORY is set (0 disables the ceiling)."""
    if app.config[KEY]:
        app.extensions["cdkg-memory"] = MemoryGuard(app.config[KEY], app.extensions["cdkg-limits"])
        app.before_request(guard)
