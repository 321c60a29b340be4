"""A worker that holds every partition goes in memory only once its lsh topic is drained (stream/solo.py)."""

from __future__ import annotations

import asyncio
import weakref
from types import SimpleNamespace

from sitrep.stream.publish import Origin
from sitrep.stream.solo import KAFKA, LocalEvent, LocalMessage, Route, sent_offset


def test_nothing_is_in_memory_until_every_lsh_partition_was_read_to_its_end() -> None:
    route = Route(enabled=True)
    ends = {0: 7, 1: 3}
    route.took(0, 6)  # offsets 0-6 read
    assert not route.drained(ends, {0: 5, 1: 2})  # partition 1: offset 2 neither read nor committed
    assert route.drained(ends, {0: 5, 1: 3})  # committed past it (read before, or by another worker)
    route.took(1, 2)
    assert route.drained(ends, {0: None, 1: None})
    assert route.drained({}, {})  # no lsh partition held: nothing to wait for


def test_lsh_ends_come_from_the_last_fetches_and_from_own_acknowledged_sends() -> None:
    route = Route(enabled=True)
    assert route.ends({0: None, 1: 3}, {}) is None  # partition 0 not fetched since the assignment
    assert route.ends({0: 7, 1: 3}, {}) == {0: 7, 1: 3}
    assert route.ends({0: 7, 1: 3}, {1: None}) is None  # a send not acknowledged yet
    assert route.ends({0: 7, 1: 3}, {0: 2, 1: 8}) == {0: 7, 1: 9}  # a send the fetch did not see yet
    assert route.ends({}, {}) == {}


def test_a_send_s_offset_once_acknowledged() -> None:
    loop = asyncio.new_event_loop()
    try:
        pending, landed, failed = loop.create_future(), loop.create_future(), loop.create_future()
        landed.set_result(SimpleNamespace(offset=41))
        failed.set_exception(RuntimeError("broker gone"))
        assert (sent_offset(pending), sent_offset(landed), sent_offset(failed)) == (None, 41, -1)
    finally:
        loop.close()


def test_reads_only_move_forward() -> None:
    route = Route(enabled=True)
    route.took(0, 9)
    route.took(0, 4)  # a redelivery of an older message
    assert route.read == {0: 10}


def test_a_local_event_stands_for_a_partition_and_names_the_article_s_origin() -> None:
    origin = Origin("articles.raw", 2, 41, b"id")
    event = LocalEvent(LocalMessage("app.events", 3), b"x", origin)
    assert weakref.ref(event)() is event  # faust_compat.within keeps a weak reference
    assert (event.message.topic, event.message.partition, event.origin) == ("app.events", 3, origin)
    assert Route(enabled=False).state == KAFKA
