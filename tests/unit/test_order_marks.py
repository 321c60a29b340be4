"""``sitrep replay``'s order marks: what it sends, in which order (a recording producer; the
workers' side on a real broker is tests/integration/test_dedup_on_kafka.py)."""

from __future__ import annotations

import orjson

from sitrep.commands.replay import Clock, OrderMarks
from sitrep.stream.hold import order_mark


class Recording:
    """The calls a kafka-python producer would get: (partition, order of the article or mark)."""

    def __init__(self, partitions: int) -> None:
        self.partitions, self.sent = partitions, []

    def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.partitions))

    def send(self, topic: str, key: bytes | None = None, value: bytes = b"", partition: int | None = None, headers: list | None = None) -> None:
        mark = order_mark(headers)
        self.sent.append(("mark", partition, mark) if mark is not None else ("article", partition, orjson.loads(value)["replayed_at"]))


def article(producer: Recording, clock: Clock, marks: OrderMarks, partition: int) -> None:
    producer.send("raw", value=orjson.dumps({"replayed_at": clock.tick()}), partition=partition)
    marks.stamped()


def test_every_partition_gets_a_mark_after_what_was_stamped_before_it() -> None:
    producer, clock = Recording(3), Clock()
    marks = OrderMarks(producer, "raw", clock, every=3600)
    article(producer, clock, marks, 1)
    article(producer, clock, marks, 2)
    assert [kind for kind, _, _ in producer.sent] == ["article", "article"]  # not due yet
    marks.close()
    sent_marks = producer.sent[2:]
    assert sorted(p for _, p, _ in sent_marks) == [0, 1, 2]
    assert all(order > producer.sent[1][2] for _, _, order in sent_marks)
    article(producer, clock, marks, 0)
    assert producer.sent[-1][2] > sent_marks[0][2]  # what is stamped later is ordered after the mark


def test_marks_go_out_when_due_and_only_for_something_stamped() -> None:
    producer, clock = Recording(2), Clock()
    marks = OrderMarks(producer, "raw", clock, every=0.0)
    article(producer, clock, marks, 0)
    assert [kind for kind, _, _ in producer.sent] == ["article", "mark", "mark"]
    marks.close()  # nothing stamped since
    marks.sleep(0.01)
    assert len(producer.sent) == 3


def test_a_paced_replay_marks_its_last_article_while_it_waits_for_the_next() -> None:
    producer, clock = Recording(1), Clock()
    marks = OrderMarks(producer, "raw", clock, every=0.02)
    article(producer, clock, marks, 0)  # too soon after the start for a mark
    assert [kind for kind, _, _ in producer.sent] == ["article"]
    marks.sleep(0.1)  # the pause before the next article
    assert [kind for kind, _, _ in producer.sent] == ["article", "mark"]
