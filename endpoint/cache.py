"""Keep rendered responses of the read-only graph in memory, least recently used first out, bounded in bytes."""
import sys
import threading
from collections import OrderedDict

from cdkg.endpoint import metrics


def footprint(value):
    """Return about how many bytes a key or value holds: its strings and bytes, and each container's own size.

    Keys count: a query's key holds its text, and many small answers to long queries would otherwise fill
    memory far beyond the bound while their bodies add up to little.
    """
    # a loop over a stack, not recursion: every stored answer is measured (its headers are some 30 strings)
    total, pending = 0, [value]
    while pending:
        item = pending.pop()
        total += sys.getsizeof(item)
        if isinstance(item, (tuple, list)):
            pending += item
        elif isinstance(item, dict):
            pending += item.keys()
            pending += item.values()
    return total


class ResponseCache:
    """An LRU map from a request key to a rendered response, holding at most `max_bytes` (keys and values)."""

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

    def put(self, key, value):
        """Store a value, evicting the least recently used entries to stay in bounds."""
        if not self.max_bytes:  # disabled: not even worth measuring the value
            return
        size = footprint(key) + footprint(value)
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
