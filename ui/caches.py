"""A server-wide cache bounded in bytes, for tensors shared by every session."""
import collections
import threading


class ByteBudgetCache:
    """Least recently used entries go first once the entries' total size passes `budget` bytes;
    an entry larger than the whole budget is handed back but not kept."""

    def __init__(self, budget: int, size_of):
        self.budget = budget
        self.size_of = size_of
        self.entries = collections.OrderedDict()   # key -> (value, size)
        self.lock = threading.Lock()
        self.building = {}                          # key -> the lock its one builder holds

    @property
    def total(self):
        return sum(size for _, size in self.entries.values())

    def get_or_build(self, key, build):
        """The value for key; when many sessions want a missing key at once (a class pressing Start
        together), one builds it and the others wait for it, while other keys are built alongside."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key][0]
            key_lock = self.building.setdefault(key, threading.Lock())
        with key_lock:                # outside the cache's lock: one slow build does not block other keys
            with self.lock:
                if key in self.entries:   # built by the session this one waited for
                    self.entries.move_to_end(key)
                    return self.entries[key][0]
            try:
                value = build()
                self._keep(key, value)
            finally:
                with self.lock:
                    self.building.pop(key, None)
        return value

    def _keep(self, key, value):
        size = self.size_of(value)
        with self.lock:
            if size <= self.budget:
                self.entries[key] = (value, size)
                self.entries.move_to_end(key)
                while self.total > self.budget:
                    self.entries.popitem(last=False)
