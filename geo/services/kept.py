"""Results kept in memory between calls, keyed by the data version they were read at.

A key names everything a result depends on: the database, its data version
(:func:`geo.store.audit.data_version`, which grows with every audited change) and the
arguments. A change to the data makes new keys, so nothing kept is ever stale; the oldest
keys are dropped beyond ``most``. Kept results are shared by every user of the process:
keep only what the service has already checked and disclosed for the key's own scope.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class Kept(Generic[Value]):
    """The ``most`` results last asked for (least recently used dropped first).

    >>> kept: Kept[int] = Kept(most=1)
    >>> kept.get_or_make(("db", 1), lambda: 41 + 1), kept.get_or_make(("db", 1), lambda: 0)
    (42, 42)
    >>> kept.get_or_make(("db", 2), lambda: 7), kept.get(("db", 1)) is None
    (7, True)
    """

    def __init__(self, *, most: int) -> None:
        if most < 1:
            raise ValueError("most must be at least 1")
        self.most = most
        self._values: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Value | None:
        """The value kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            if key not in self._values:
                return None
            self._values.move_to_end(key)
            return self._values[key]

    def put(self, key: Hashable, value: Value) -> Value:
        """Keep ``value`` under ``key``, dropping the oldest beyond ``most``; return it."""
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.most:
                self._values.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value kept under ``key``, else ``make()`` kept. Two threads asking for one new
        key at once may both make it; the later one is kept."""
        found = self.get(key)
        return found if found is not None else self.put(key, make())

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
