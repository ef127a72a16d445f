"""The gunicorn worker: waitress reads each request whole before a handler thread takes it, and each request's
wait for a thread is measured so the app can refuse stale ones (MAX_QUEUE_WAIT).

gunicorn's gthread worker hands a connection to a thread as soon as it is readable; the thread then reads the
headers and the body itself, so clients that drip bytes hold every thread and nobody else is served. waitress
buffers the request line, the headers and the body (spilling large bodies to a temporary file) in its event loop
and queues the request for a thread only when it is complete: a slow client costs a connection, never a thread.
gunicorn stays the process manager (workers, replacement of dead ones, the silent-worker timeout).

A request is stamped when waitress queues it; the thread that picks it up records how long it waited. A request
that waited too long is answered 503 + Retry-After at once, so a burst drains quickly instead of every queued
client waiting for work done too late.
"""
import os
import socket
import threading
import time

from gunicorn.workers.base import Worker as BaseWorker
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ThreadedTaskDispatcher
from waitress.utilities import BadRequest, RequestEntityTooLarge, RequestHeaderFieldsTooLarge

LOOP_SECONDS = 1.0  # the event loop wakes at least this often to tell the arbiter the worker is alive
STOP_POLL_SECONDS = 0.1
STOP_LINGER_SECONDS = 1.0
LINGER_SECONDS = 2.0  # how long a connection the server ends is drained so the client can read the answer

_current = threading.local()


def waited():
    """Return the seconds the request on this thread waited for a handler thread (0 outside the server)."""
    return getattr(_current, "waited", 0.0)


class RequestLineTooLong(BadRequest):
    """A request line longer than MAX_REQUEST_LINE (waitress bounds only the whole header section)."""

    code = 414
    reason = "URI Too Long"


class LimitParser(HTTPRequestParser):
    """waitress's request parser, bounding the request line and naming the configuration key of each size limit."""

    max_request_line = 8190
    max_body_bytes = 0

    def received(self, data):
        """Parse more of the request; refuse a request line over MAX_REQUEST_LINE before the header limit."""
        if self.body_rcv is None and not self.completed:
            head = self.header_plus + data
            end = head.find(b"\n")
            if (end < 0 and len(head) > self.max_request_line) or end > self.max_request_line:
                self.parse_header(b"GET / HTTP/1.0\r\n")
                self.error = RequestLineTooLong(
                    f"the request line exceeds {self.max_request_line} bytes (MAX_REQUEST_LINE): "
                    "send long queries by POST")
                self.completed = True
                return len(data)
        consumed = super().received(data)
        announced = getattr(self.body_rcv, "chunk_remainder", 0)  # a chunk's size is known before its bytes come
        if not self.completed and self.body_bytes_received + announced > self.max_body_bytes:
            self.error, self.completed = RequestEntityTooLarge(""), True
        if isinstance(self.error, RequestHeaderFieldsTooLarge):
            self.error = RequestHeaderFieldsTooLarge(
                f"the request headers exceed {self.adj.max_request_header_size} bytes (MAX_REQUEST_HEADER_BYTES)")
        elif isinstance(self.error, RequestEntityTooLarge):
            self.error = RequestEntityTooLarge(f"the request body exceeds {self.max_body_bytes} bytes "
                                               "(MAX_REQUEST_BYTES)")
        return consumed


class TimedChannel(HTTPChannel):
    """waitress's connection, telling the thread that serves a request how long the request waited for it."""

    parser_class = LimitParser

    lingering_until = None

    def service(self):
        """Note the request's wait for a thread, then run it."""
        _current.waited = time.monotonic() - getattr(self, "queued_at", time.monotonic())
        super().service()

    def handle_close(self):
        """Close; when the server ends the connection, first read and drop what the client still sends.

        A refused request (413, 414, 431, 400) is often not read to its end: closing with unread bytes makes the
        kernel send a reset, which destroys the answer at the client. Half-closing and draining for a moment
        lets the client read why it was refused.
        """
        if self.lingering_until is None and self.will_close and self.connected:
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                return super().handle_close()
            self.lingering_until = time.monotonic() + LINGER_SECONDS
            return None
        return super().handle_close()

    def readable(self):
        """Read requests; while lingering, read only to drop."""
        return True if self.lingering_until is not None else super().readable()

    def writable(self):
        """Write answers; while lingering there is nothing left to write."""
        return False if self.lingering_until is not None else super().writable()

    def handle_read(self):
        """Read a request; while lingering, drop what comes and close at the client's end of data."""
        if self.lingering_until is None:
            return super().handle_read()
        try:
            data = self.socket.recv(self.adj.recv_bytes)
        except OSError:
            data = b""
        if not data:
            super().handle_close()
        return None

    def close_if_lingered(self, now):
        """Close the connection when its lingering time is over."""
        if self.lingering_until is not None and now > self.lingering_until:
            super().handle_close()


class TimedDispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, stamping each complete request when it is queued for a thread."""

    def add_task(self, task):
        """Stamp the request as queued, then queue it."""
        task.queued_at = time.monotonic()
        super().add_task(task)

    def busy(self):
        """Tell whether a request is queued or being served."""
        return bool(self.queue) or self.active_count > 0


class Worker(BaseWorker):
    """A gunicorn worker serving its share of the listening sockets through waitress."""

    def run(self):
        """Serve until gunicorn stops this worker, then let the requests in progress finish."""
        from cdkg.endpoint.config import load_config  # not at import: the configuration imports the limits, which import this

        config = load_config()
        LimitParser.max_request_line = config["MAX_REQUEST_LINE"]
        LimitParser.max_body_bytes = config["MAX_REQUEST_BYTES"]
        dispatcher = TimedDispatcher()
        dispatcher.set_thread_count(self.cfg.threads)
        socket_map = {}
        create_server(
            self.wsgi, map=socket_map, _dispatcher=dispatcher, sockets=[listener.sock for listener in self.sockets],
            threads=self.cfg.threads, backlog=self.cfg.backlog, connection_limit=self.cfg.worker_connections,
            max_request_header_size=config["MAX_REQUEST_HEADER_BYTES"],
            # waitress refuses a body of max_request_body_size bytes or more; MAX_REQUEST_BYTES itself is allowed
            max_request_body_size=config["MAX_REQUEST_BYTES"] + 1,
            channel_timeout=config["IDLE_CONNECTION_TIMEOUT"], asyncore_use_poll=True, ident="cdkg",
            expose_tracebacks=False, clear_untrusted_proxy_headers=False,
        )
        listeners = [listener for listener in socket_map.values() if isinstance(listener, BaseWSGIServer)]
        for listener in listeners:
            listener.channel_class = TimedChannel
        while self.alive:
            self.notify()
            wasyncore.loop(timeout=LOOP_SECONDS, map=socket_map, use_poll=True, count=1)
            close_lingered(socket_map)
            if self.ppid != os.getppid():
                self.log.info("Parent changed, shutting down: %s", self)
                break
        self.finish(listeners, socket_map, dispatcher)

    def finish(self, listeners, socket_map, dispatcher):
        """Stop accepting; serve and send out the requests already taken, within the graceful timeout."""
        for listener in listeners:
            listener.accepting = False
            listener.del_channel()
        stopped = time.monotonic()
        deadline = stopped + self.cfg.graceful_timeout
        # a connection accepted just before the stop may not have been read yet: give it a moment to be
        while time.monotonic() < deadline and (time.monotonic() < stopped + STOP_LINGER_SECONDS or dispatcher.busy()
                                               or any(in_progress(channel) for channel in socket_map.values())):
            self.notify()
            wasyncore.loop(timeout=STOP_POLL_SECONDS, map=socket_map, use_poll=True, count=1)
            close_lingered(socket_map)
        dispatcher.shutdown(cancel_pending=True, timeout=STOP_POLL_SECONDS)


def close_lingered(socket_map):
    """Close the connections whose lingering time is over."""
    now = time.monotonic()
    for channel in list(socket_map.values()):
        if isinstance(channel, TimedChannel):
            channel.close_if_lingered(now)


def in_progress(channel):
    """Tell whether a connection holds a request being read, queued, served or sent."""
    return bool(getattr(channel, "request", None) or getattr(channel, "requests", None)
                or getattr(channel, "total_outbufs_len", 0))
