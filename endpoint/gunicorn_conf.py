"""Gunicorn settings for `cdkg serve`, read from the same configuration as the app (file and CDKG_*)."""
import os
import shutil

from prometheus_client import multiprocess

from cdkg.endpoint.config import load_config

_config = load_config()
_host = _config["HOST"]

bind = f"[{_host}]:{_config['PORT']}" if ":" in _host else f"{_host}:{_config['PORT']}"
workers = _config["WORKERS"]
threads = _config["THREADS"]
# waitress in each worker: a request reaches a thread only once read whole; its wait for a thread is measured
worker_class = "cdkg.endpoint.queueing.Worker"
worker_connections = _config["WORKER_CONNECTIONS"]  # bounds the connections one worker holds, slow ones included
backlog = _config["LISTEN_BACKLOG"]  # bounds the connections queued by the kernel
timeout = _config["WORKER_TIMEOUT"]
# a stopping worker lets its queries run to their time limit (a query stopped there answers 503)
graceful_timeout = int(_config["QUERY_TIMEOUT"]) + 5
errorlog = "-"
loglevel = "info"
proc_name = "cdkg-endpoint"
# Several servers may run on one machine (tests, replicas): do not share gunicorn's default control socket.
control_socket_disable = True


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the shared metrics directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory `cdkg serve` created for this server."""
    if os.environ.get("CDKG_OWNS_METRICS_DIR") and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
