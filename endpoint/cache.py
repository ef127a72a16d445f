"""Keep rendered responses of the read-only graph in memory, least recently used first out, bounded in bytes."""
import threading
from collections import OrderedDict

from endpoint import metrics


class ResponseCache:
    """An LRU map from a request key to a rendered response, holding at most `max_bytes` of bodies."""

    def __init__(self, max_bytes, max_entry_bytes):
        """Create an empty cache; `max_bytes` 0 disables it."""
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.entries = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def lookup(self, key):
        """Return the value stored under key (marking it recently used), or None."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key, value, size):
        """Store a value of `size` bytes, evicting the least recently used entries to stay in bounds."""
        if size > self.max_entry_bytes:
            return
        with self.lock:
            before = self.size
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.size -= previous[0]
            self.entries[key] = (size, value)
            self.size += size
            while self.size > self.max_bytes:
                _, (evicted_size, _) = self.entries.popitem(last=False)
                self.size -= evicted_size
            metrics.CACHE_BYTES.inc(self.size - before)

    def clear(self):
        """Forget every entry (after a write to the store)."""
        with self.lock:
            metrics.CACHE_BYTES.dec(self.size)
            self.entries.clear()
            self.size = 0
