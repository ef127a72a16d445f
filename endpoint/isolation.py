"""Keep the store off the network: the threads that evaluate SPARQL cannot open a socket, by a kernel filter.

Oxigraph evaluates SERVICE and LOAD with its own HTTP client, rdflib with urllib: whatever the text, a store
could connect somewhere. So no thread that evaluates SPARQL may create a network socket: `deny_network` puts a
seccomp filter on the calling thread (inherited by the threads it starts) under which socket() for any family
but AF_UNIX, and io_uring (which could open sockets past the filter), fail with EACCES. The filter cannot be
lifted. The endpoint's own outbound calls (allowlisted SERVICE and LOAD, the remote store) run on a small pool
started beforehand, whose threads keep the network: `outbound(call)` runs a call there.

In a gunicorn worker the whole process is filtered at start (its main thread, before any other thread exists,
so every later thread inherits the filter), except that pool; elsewhere (tests, an app made in-process) only
the query threads are. Where the filter cannot be installed (no libseccomp, a kernel without seccomp filters, a
sandbox forbidding them), `filter_problem` says why, and the server refuses to start unless told otherwise.
"""
import ctypes
import errno
import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

log = logging.getLogger(__name__)
DENIED = errno.EACCES
DEFAULT_OUTBOUND_THREADS = 4
OUTBOUND_NAME = b"cdkg-outbound"
PR_SET_NAME = 15
LIBC = ctypes.CDLL(None, use_errno=True)

_pool = None  # the process's OutboundPool
_pool_lock = threading.Lock()


class FilterUnavailable(RuntimeError):
    """The network filter cannot be installed in this process."""


def network_denied():
    """Tell whether the calling thread is refused network sockets (by our filter, or anything stricter)."""
    # tried, not read from /proc: another seccomp filter (a container's, a sandbox's) may let sockets through
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
    except PermissionError:
        return True
    return False


def deny_network():
    """Forbid the calling thread (and the threads it starts from now on) to create network sockets.

    Raise FilterUnavailable when the filter cannot be loaded.
    """
    if network_denied():
        return
    try:
        import pyseccomp as seccomp  # here: without libseccomp the import itself fails (RuntimeError)

        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        rules.add_rule(seccomp.ERRNO(DENIED), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        for call in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
            rules.add_rule(seccomp.ERRNO(DENIED), call)
        rules.load()  # no TSYNC: only this thread; with no_new_privs set, as an unprivileged filter needs
    except (ImportError, RuntimeError, OSError, ValueError) as error:
        raise FilterUnavailable(f"the network filter (seccomp-bpf through libseccomp) cannot be installed: "
                                f"{error}") from error


def filter_problem():
    """Return why the network filter cannot be installed here, tried on a throwaway thread; None when it can."""
    outcome = []

    def attempt():
        try:
            deny_network()
        except FilterUnavailable as error:
            outcome.append(str(error))
            return
        outcome.append(None if network_denied() else "the network filter loaded but did not refuse a socket")

    trial = threading.Thread(target=attempt, name="cdkg-filter-trial")  # the filter dies with this thread
    trial.start()
    trial.join()
    return outcome[0]


def require_filter(required):
    """Return whether the network filter can be installed here; raise FilterUnavailable if it cannot and is required."""
    problem = filter_problem()
    if problem is None:
        return True
    if required:
        raise FilterUnavailable(f"{problem}; without it the store could reach the network (set "
                                "REQUIRE_NETWORK_FILTER = false to serve unfiltered)")
    log.warning("%s; serving without it (REQUIRE_NETWORK_FILTER = false): only the text checks keep the store off "
                "the network", problem)
    return False


@dataclass(frozen=True)
class OutboundPool:
    """The threads that keep the network: the process they belong to, their executor and their thread ids."""

    pid: int
    executor: ThreadPoolExecutor
    thread_ids: frozenset


def start_outbound(threads):
    """Start this process's pool of outbound threads (all at once, so none is created after a filter)."""
    global _pool
    with _pool_lock:
        if _pool is not None and _pool.pid == os.getpid():
            return
        if network_denied():
            raise RuntimeError("the outbound threads must be started before the network is denied")
        executor = ThreadPoolExecutor(threads, thread_name_prefix="cdkg-outbound")
        started, thread_ids = threading.Barrier(threads + 1), set()

        def arrive():
            thread_ids.add(threading.get_native_id())
            LIBC.prctl(PR_SET_NAME, OUTBOUND_NAME, 0, 0, 0)  # the kernel's name: /proc/PID/task/TID/comm
            started.wait()

        for _ in range(threads):  # each job waits at the barrier, so the executor has to start every thread now
            executor.submit(arrive)
        started.wait()
        _pool = OutboundPool(os.getpid(), executor, frozenset(thread_ids))


def outbound(call):
    """Run call() on an outbound thread (which may connect) and return its value or raise its error.

    A process that never started the pool (a command, a test) gets one here, unless this thread is already
    off the network: then no thread it starts could connect either.
    """
    if _pool is None or _pool.pid != os.getpid():
        start_outbound(DEFAULT_OUTBOUND_THREADS)
    return _pool.executor.submit(call).result()


def deny_process_network():
    """Deny the network to this process from its main thread when no other Python thread but the pool runs.

    Return whether it did; otherwise threads already running would keep the network, and only the query
    threads (which deny it themselves) are isolated.
    """
    # Native threads (the store's own background threads) never evaluate SPARQL: only Python threads count.
    running = {thread.native_id for thread in threading.enumerate()}
    if threading.current_thread() is not threading.main_thread() or running - _pool.thread_ids != {
            threading.main_thread().native_id}:
        log.warning("worker %d: other threads are running; only the query threads are kept off the network",
                    os.getpid())
        return False
    deny_network()
    return True
