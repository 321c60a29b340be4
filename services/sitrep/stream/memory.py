"""Give the heap pages a long-running process has freed back to the operating system.

A worker allocates and frees large short-lived buffers all day (16 KB analyses, Kafka
batches, compressed requests). glibc keeps freed pages in its arenas for reuse, so the
resident size creeps up with the articles seen although the live data is bounded by the
retention settings; ``malloc_trim(0)`` returns the free pages at the top and inside the
arenas. Elsewhere than glibc (musl, macOS) there is no such call and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import resource
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("sitrep.memory")
TRIM_EVERY_SECONDS = 30.0


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM = _malloc_trim()
_PAGE = resource.getpagesize()


def rss_bytes() -> int:
    """Resident set size of this process now (0 where /proc is not there)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def trim() -> int:
    """Return freed heap pages to the OS; the bytes the resident size fell by."""
    if _TRIM is None:
        return 0
    before = rss_bytes()
    _TRIM(0)
    return max(0, before - rss_bytes())


class Trimmer:
    """``trim`` at most every ``every`` seconds, for a loop that calls ``maybe`` often."""

    def __init__(self, every: float = TRIM_EVERY_SECONDS) -> None:
        self.every = every
        self.last = time.monotonic()

    def maybe(self) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            released = trim()
            if released >= 8 << 20:
                log.info("returned %.0f MB of freed heap to the OS", released / (1 << 20))
