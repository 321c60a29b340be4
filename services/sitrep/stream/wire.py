"""The messages on the worker's internal topics, and their bytes.

Internal messages are JSON encoded with orjson (no pydantic on the hot path). Probes and
shard answers are small, and Faust's cost is per message, not per byte: they travel in
batches, one message per destination partition per batch (``encode_probes``,
``encode_answers``). An article's analysis, the one large payload, travels alone and once,
as the JSON ``analyze`` made, after a newline that ends the message's JSON head: it is
stored and passed on as bytes and parsed only when the article is finished.

Everything about one article meets on the ``<app>.events`` partition of its route key
(``partition_of``), chosen here rather than by the producer's partitioner, so a batch of
answers for many articles can be sent to one partition.

Every ``<app>.lsh`` message also carries its sender's marks (``Probes``), from which a shard
knows when every article ordered before a probe has reached it (``stream/hold.py``).
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from sitrep.stages.dedup import Signature

CandidateRow = tuple  # dedup.Candidate's fields: id, order, similarity, exact, distinct, conflict, story, shared, ratio


@dataclass(frozen=True, slots=True)
class Probe:
    """One band shard's share of an article's index keys (on ``<app>.lsh``)."""

    id: str
    order: int
    signature: Signature  # without its bands: this shard's keys travel instead
    keys: list[int]
    route: str  # the key the shard's answer is sent under: where the article is gathered

    def row(self) -> list:
        sig = self.signature
        return [self.id, self.order, sig.exact, base64.b64encode(sig.minhash).decode(), sig.size, self.keys, self.route,
                base64.b64encode(sig.facts).decode(), list(sig.terms)]

    @classmethod
    def from_row(cls, row: list) -> Probe:
        article_id, order, exact, minhash, size, keys, route, *rest = row
        facts = base64.b64decode(rest[0]) if rest else b""
        terms = tuple(int(t) for t in rest[1]) if len(rest) > 1 else ()
        sig = Signature(int(exact), base64.b64decode(minhash), int(size), facts=facts, terms=terms)
        return cls(str(article_id), int(order), sig, [int(k) for k in keys], str(route))


@dataclass(frozen=True, slots=True)
class Probes:
    """An ``<app>.lsh`` message: a batch's probes for one shard, and what its sender vouches for.

    ``marks`` (input partition -> order): every article of that ``articles.raw`` partition
    up to that order has had its probes sent (``stream/hold.py``). ``top``: the latest order
    the sending batch analyzed, so every shard's worker learns that articles are in flight;
    None for a message of marks alone.
    """

    probes: list[Probe]
    marks: dict[int, int] = field(default_factory=dict)
    top: int | None = None


def encode_probes(probes: Iterable[Probe], marks: dict[int, int] | None = None, top: int | None = None) -> bytes:
    head: dict = {"probes": [p.row() for p in probes]}
    if marks:
        head["marks"] = [[partition, order] for partition, order in sorted(marks.items())]
    if top is not None:
        head["top"] = top
    return orjson.dumps(head)


def decode_lsh(data: bytes) -> Probes:
    o = orjson.loads(data)
    top = o.get("top")
    marks = {int(partition): int(order) for partition, order in o.get("marks", ())}
    return Probes([Probe.from_row(row) for row in o["probes"]], marks, None if top is None else int(top))


def decode_probes(data: bytes) -> list[Probe]:
    return decode_lsh(data).probes


def partition_of(route: str, partitions: int) -> int:
    """The ``<app>.events`` partition where an article with this route key is gathered."""
    return zlib.crc32(route.encode()) % partitions


@dataclass(frozen=True, slots=True)
class Part:
    """A part of an article on ``<app>.events``: its analysis, or one shard's candidates.

    The analysis names the shards that will answer; the article is finished when it and
    every one of their answers are in.
    """

    id: str
    order: int
    shard: int | None = None  # the shard that answered; None for the analysis
    shards: list[int] = field(default_factory=list)  # with the analysis
    candidates: list[CandidateRow] = field(default_factory=list)  # with an answer
    event_key: str | None = None  # with the analysis
    analysis: bytes | None = None  # the Analysis as JSON, unparsed

    @property
    def slot(self) -> str:
        """The article this part belongs to: two messages with one id are two articles."""
        return f"{self.id}@{self.order}"

    def encode(self) -> bytes:
        """An analysis as a message of its own; an answer as a message of one (``encode_answers``)."""
        if self.analysis is None:
            return encode_answers([self])
        head = orjson.dumps({"id": self.id, "order": self.order, "shards": self.shards, "event_key": self.event_key})
        return head + b"\n" + self.analysis


def encode_answers(answers: Iterable[Part]) -> bytes:
    return orjson.dumps({"answers": [[a.id, a.order, a.shard, a.candidates] for a in answers]})


def decode_parts(data: bytes) -> list[Part]:
    """The parts in an ``<app>.events`` message: one analysis, or a batch of answers."""
    head, newline, analysis = data.partition(b"\n")  # orjson never writes a raw newline
    o = orjson.loads(head)
    if newline:
        return [Part(str(o["id"]), int(o["order"]), shards=[int(s) for s in o["shards"]], event_key=o["event_key"], analysis=analysis)]
    parts = []
    for article_id, order, shard, candidates in o["answers"]:
        rows = [(str(i), int(at), float(sim), bool(exact), *(int(x) for x in rest[:1]), *(bool(x) for x in rest[1:2]))
                for i, at, sim, exact, *rest in candidates]
        parts.append(Part(str(article_id), int(order), shard=int(shard), candidates=rows))
    return parts
