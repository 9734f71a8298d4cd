"""A bounded, least-recently-used store shared by a worker's threads: the cohort snapshots, the kept fragments
and the public page cache each keep one."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class LockedLRU(Generic[Value]):
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def discard(self, key: Hashable, value: Value) -> None:
        """Forget the key if it still holds this value (another thread may have put a newer one meanwhile)."""
        with self._lock:
            if self._entries.get(key) is value:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
