"""Hold what a worker serves: the backend, the build's identity (for validators) and the response cache."""
import functools
import hashlib
import threading
from datetime import datetime, timezone
from pathlib import Path

from cdkg.endpoint.backends import open_backend
from cdkg.endpoint.cache import ResponseCache
from cdkg.kg.store import read_build_info

BUILD_TIME_KEYS = ("built_at", "build_time", "generated_at", "created")


@functools.lru_cache(maxsize=8)
def http_date(moment):
    """Return a UTC time as an HTTP date."""
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def file_fingerprint(paths):
    """Return a hash of the names, sizes and modification times of files (when the build wrote no kg_hash)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def parse_time(value):
    """Parse an ISO 8601 time (naive means UTC), or return None."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def build_identity(kg_dir, data_files):
    """Return (kg_hash, build time) of the served data: build-info.json, else the store's files; data files count."""
    kg_dir = Path(kg_dir)
    info = read_build_info(kg_dir) or {}
    store_files = [path for path in (kg_dir / "store").glob("*") if path.is_file()]
    extra = [Path(path) for path in data_files]
    kg_hash = info.get("kg_hash") or file_fingerprint(store_files)
    if extra:
        kg_hash = hashlib.sha256((kg_hash + file_fingerprint(extra)).encode()).hexdigest()
    times = [parse_time(info[key]) for key in BUILD_TIME_KEYS if key in info]
    built = next((moment for moment in times if moment), None)
    if built is None:
        newest = max((path.stat().st_mtime for path in store_files + extra), default=0)
        built = datetime.fromtimestamp(newest, tz=timezone.utc)
    return kg_hash, built.replace(microsecond=0)


def served_kg(kg_dir, data_files):
    """Return how the pages name the served KG: the build's name and statement count, and any extra data files."""
    info = read_build_info(kg_dir) or {}
    parts = [info.get("name") or Path(kg_dir).resolve().name]
    statements = (info.get("counts") or {}).get("published")
    if isinstance(statements, int):
        parts.append(f"{statements} statements")
    if data_files:
        parts.append(f"{len(data_files)} data files")
    return " · ".join(parts)


class KGState:
    """The served KG of one worker: backend, validators' identity, generation (bumped by writes), caches."""

    def __init__(self, config):
        """Open the backend and read the build identity; raise StoreError when the store cannot be served."""
        self.config = config
        self.backend = open_backend(config)
        self.kg_hash, self.built = build_identity(config["KG_DIR"], config["DATA_FILES"])
        self.served = served_kg(config["KG_DIR"], config["DATA_FILES"])
        self.generation = 0
        self.cache = ResponseCache(config["RESPONSE_CACHE_BYTES"], config["RESPONSE_CACHE_MAX_ENTRY_BYTES"])
        self.descriptions = {}
        self.lock = threading.Lock()

    @property
    def last_modified(self):
        """Return the build time as an HTTP date (formatted once per build time: every response sends it)."""
        return http_date(self.built)

    @property
    def version(self):
        """Return the identity of the data as now served (changes on every write)."""
        return f"{self.kg_hash}:{self.generation}"

    def after_write(self):
        """Invalidate what depended on the data after an update."""
        with self.lock:
            self.generation += 1
            self.built = datetime.now(timezone.utc).replace(microsecond=0)
            self.descriptions.clear()
        self.cache.clear()

    def memo(self, name, compute):
        """Return a computed description for this data version, computing it once."""
        with self.lock:
            key = (name, self.version)
            if key not in self.descriptions:
                self.descriptions[key] = compute()
            return self.descriptions[key]
