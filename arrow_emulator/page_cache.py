"""A least-recently-used store of encoded answers, bounded by their total size in bytes.

With ``--export-cache-mb`` the emulator keeps rendered billing-export pages here, so reading a large
export again costs a look-up instead of generating and encoding a thousand rows, much as a real
Arrow server serves a prepared export. Callers build keys from everything an answer depends on,
including the data generation of `arrow_emulator.state.EmulatorState`, so changed data never meets
an old entry. A budget of 0 bytes turns the store off.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class PageCache:
    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self.size_bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> bytes | None:
        """The stored answer for ``key`` (now the most recently used), or ``None``."""
        if not self.enabled:
            return None
        body = self._entries.get(key)
        if body is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        """Keep ``body``, evicting the least recently used answers to stay within the budget.

        An answer larger than the whole budget is not kept: it would only evict everything else.
        """
        if not self.enabled or len(body) > self.max_bytes:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.size_bytes -= len(previous)
        self._entries[key] = body
        self.size_bytes += len(body)
        while self.size_bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size_bytes -= len(evicted)

    def clear(self) -> None:
        self._entries.clear()
        self.size_bytes = 0

    def stats(self) -> dict[str, Any]:
        return {"max_bytes": self.max_bytes, "pages": len(self._entries), "bytes": self.size_bytes,
                "hits": self.hits, "misses": self.misses}
