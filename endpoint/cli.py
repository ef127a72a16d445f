"""The `cdkg serve` command: check the store, then run the endpoint under gunicorn."""
import os
import sys
import tempfile
from pathlib import Path

from cdkg.endpoint import isolation
from cdkg.endpoint.backends import PARSE_FORMATS, REMOTE, STORE_NAMES, StoreError, open_oxigraph_store
from cdkg.endpoint.config import ENV_PREFIX, load_config
from cdkg.endpoint.limits import LIMIT_FLAGS

PACKAGES_ROOT = Path(__file__).resolve().parent.parent  # holds endpoint/, kg/, ...: the cdkg namespace's folders


def register(subparsers):
    """Add the `serve` subcommand."""
    parser = subparsers.add_parser("serve", help="serve the KG over SPARQL 1.1 with the query UI (gunicorn)")
    parser.add_argument("--kg", dest="KG_DIR", metavar="DIR", help="directory written by `cdkg build` (default kg/)")
    parser.add_argument("--data", dest="DATA_FILES", metavar="FILE", nargs="+",
                        help="more RDF files to serve, each as its own named graph")
    parser.add_argument("--host", dest="HOST", metavar="H", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", dest="PORT", metavar="P", type=int, help="port to listen on (default 8000)")
    parser.add_argument("--store", dest="STORE", choices=sorted(STORE_NAMES), help="store backend (default oxigraph)")
    parser.add_argument("--remote-url", dest="REMOTE_URL", metavar="URL",
                        help="SPARQL endpoint the remote store backend answers from (with --store remote)")
    parser.add_argument("--config", metavar="FILE", help="configuration file (TOML or Python)")
    parser.add_argument("--workers", dest="WORKERS", metavar="N", type=int, help="gunicorn worker processes")
    for flag, (key, value_type, help_text) in LIMIT_FLAGS.items():
        parser.add_argument(flag, dest=key, metavar="N", type=value_type, help=help_text)
    parser.set_defaults(func=serve)


def overrides_from(args):
    """Return the configuration keys given on the command line."""
    keys = ("KG_DIR", "DATA_FILES", "HOST", "PORT", "STORE", "REMOTE_URL", "WORKERS",
            *(key for key, _, _ in LIMIT_FLAGS.values()))
    return {key: getattr(args, key) for key in keys if getattr(args, key) is not None}


def check_servable(config):
    """Return an error message when the store or a data file cannot be served, else None."""
    if config["STORE"] == REMOTE:
        from cdkg.endpoint.remote import remote_problem

        return remote_problem(config)
    try:
        open_oxigraph_store(Path(config["KG_DIR"]) / "store")
    except StoreError as error:
        return str(error)
    for path in config["DATA_FILES"]:
        if not Path(path).is_file():
            return f"{path}: no such data file"
        if Path(path).suffix.lower() not in PARSE_FORMATS:
            return f"{path}: unknown RDF file extension (use one of {', '.join(sorted(PARSE_FORMATS))})"
    if config["UPDATE_ENABLED"] and not config["UPDATE_TOKEN"]:
        return "UPDATE_ENABLED needs UPDATE_TOKEN"
    try:
        isolation.require_filter(config["REQUIRE_NETWORK_FILTER"])
    except isolation.FilterUnavailable as error:
        return str(error)
    return None


def server_environment(config, config_file):
    """Return the environment gunicorn and its workers read their configuration from."""
    env = dict(os.environ)
    if config_file:
        env[ENV_PREFIX + "CONFIG"] = str(Path(config_file).resolve())
    for key, value in config.items():
        env[ENV_PREFIX + key] = repr(value) if isinstance(value, (list, dict)) else str(value)
    env[ENV_PREFIX + "KG_DIR"] = str(Path(config["KG_DIR"]).resolve())
    env[ENV_PREFIX + "DATA_FILES"] = repr([str(Path(path).resolve()) for path in config["DATA_FILES"]])
    if config["UPDATE_ENABLED"]:
        env[ENV_PREFIX + "WORKERS"] = "1"  # writes go to one in-memory copy: one worker keeps it consistent
    # glibc gives each thread its own malloc arena (up to 8 per core); with a handler and a query pool per worker
    # they fragment and memory creeps up under load. Two arenas: measured flat memory and ~40 MiB less, same speed.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        # workers share counters through files in this directory; gunicorn's on_exit removes it
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cdkg-metrics-")
        env["CDKG_OWNS_METRICS_DIR"] = "1"
    return env


def serve(args):
    """Check that the KG can be served, then replace this process with gunicorn."""
    try:
        config = load_config(args.config, overrides_from(args))
    except (OSError, ValueError, SyntaxError) as error:
        print(f"cdkg serve: configuration error: {error}", file=sys.stderr)
        return 2
    problem = check_servable(config)
    if problem:
        print(f"cdkg serve: refusing to start: {problem}", file=sys.stderr)
        return 2
    env = server_environment(config, args.config)
    conf = Path(__file__).with_name("gunicorn_conf.py")
    command = [sys.executable, "-m", "gunicorn", "--config", str(conf), "cdkg.endpoint.wsgi:app"]
    print(f"cdkg serve: http://{config['HOST']}:{config['PORT']}/ ({config['STORE']}, {config['KG_DIR']})",
          file=sys.stderr, flush=True)
    # The packages are cdkg.kg, cdkg.endpoint, ... so a ./kg (a built KG) or ./shapes cannot shadow them; gunicorn
    # puts its working directory first on sys.path, so run it from the folder that holds them, where no ./cdkg is.
    os.chdir(PACKAGES_ROOT)
    os.execve(sys.executable, command, env)
