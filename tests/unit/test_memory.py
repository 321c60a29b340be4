"""Returning freed heap to the OS: the resident size falls once a large heap is freed."""

import sys

import pytest

from sitrep.stream import memory


@pytest.mark.skipif(not sys.platform.startswith("linux") or memory._TRIM is None, reason="glibc's malloc_trim is Linux-only")
def test_trim_returns_freed_heap_pages() -> None:
    # Many small blocks (below glibc's mmap threshold) come from the heap; freed, they stay
    # in the arenas until trimmed. A block kept at the end pins the top of the heap, so
    # only malloc_trim's walk inside the arena can give the pages back.
    blocks = [bytearray(4096) for _ in range(50_000)]
    pin = bytearray(4096)
    before = memory.rss_bytes()
    del blocks
    assert memory.rss_bytes() > before - (50 << 20)  # free() alone gave little back
    released = memory.trim()
    assert released > 100 << 20, released
    del pin


def test_trimmer_waits_its_interval() -> None:
    trimmer = memory.Trimmer(every=3600)
    last = trimmer.last
    trimmer.maybe()
    assert trimmer.last == last
    trimmer.every = 0
    trimmer.maybe()
    assert trimmer.last > last
