"""The guard against faust-streaming acking messages its streams skipped (stream/faust_compat.py)."""

from __future__ import annotations

from faust.types import TP
from faust.types.tuples import ConsumerMessage

from sitrep.stream.faust_compat import acks_only_what_streams_took


class Consumer:
    def __init__(self) -> None:
        self.acked: list[int] = []

    def ack(self, message: ConsumerMessage) -> bool:
        self.acked.append(message.offset)
        return True


def message(offset: int) -> ConsumerMessage:
    return ConsumerMessage("raw", 0, offset, 0.0, 0, [], b"k", b"v", None, tp=TP("raw", 0))


def test_an_ack_of_a_message_no_stream_took_is_dropped_and_the_rest_go_through() -> None:
    consumer = Consumer()
    acks_only_what_streams_took(consumer)
    skipped, taken = message(19), message(20)
    taken.tracked = True  # what a stream does to each message it takes
    assert skipped.tracked is False  # a consumer message starts untracked
    assert consumer.ack(skipped) is False
    assert consumer.ack(taken) is True
    assert consumer.acked == [20]  # offset 19 stays unacked: no commit can pass it


def test_installing_twice_guards_once() -> None:
    consumer = Consumer()
    acks_only_what_streams_took(consumer)
    guarded = consumer.ack
    acks_only_what_streams_took(consumer)
    assert consumer.ack is guarded
