"""Review ids: UUID version 7 (RFC 9562), ordered by creation time.

The log's canonical order is (review date, timestamp, id). Time-ordered ids
keep that order equal to the order of creation even when two reviews carry the
same timestamp (a coarse clock, a fast script), in every database a log is
merged into.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_COUNTER_BITS = 12


def uuid7() -> str:
    """A new UUIDv7; later calls in one process always sort after earlier ones."""
    global _last_ms, _counter  # noqa: PLW0603 - the monotonic state of this process
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _counter = ms, int.from_bytes(os.urandom(1))  # start low: room to count up
        else:
            _counter += 1
            if _counter >= 1 << _COUNTER_BITS:
                _last_ms, _counter = _last_ms + 1, 0
        ms, counter = _last_ms, _counter
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
