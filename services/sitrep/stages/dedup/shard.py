"""One shard of the dedup index as one object: the sequence every caller runs, in one place.

A batch of articles (one, offline) probes the shard (``dedup.probe_many``: candidates found,
the articles filed), then the retention bounds are applied (``dedup.evict_oldest``: older
than the window, or beyond the size cap). The state is passed in as mappings, so the same
object runs over dicts (``sitrep process``, the tests) and over the worker's Faust-backed
entry log. Resolving the candidates into a verdict (``dedup.resolve``) comes after every
shard of the article has answered, which in the worker is another partition's step.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass

from sitrep.stages.dedup.index import Ages, Candidate, Request, ages_of, evict_oldest, probe_many, rebuild


@dataclass
class DedupShard:
    index: MutableMapping[int, bytes]  # derived from the entries: band key -> bucket
    entries: MutableMapping[int, bytes]  # the shard's record, one packed entry an article
    ages: Ages  # the entries by age, oldest first
    min_similarity: float  # from which a candidate is reported (the story threshold)
    window: int | None  # retention, in orders (microseconds)
    max_entries: int | None  # size cap, in articles
    shard: int = 0
    shards: int = 1

    @classmethod
    def rebuilt(cls, entries: MutableMapping[int, bytes], *, min_similarity: float, window: int | None, max_entries: int | None,
                shard: int = 0, shards: int = 1) -> DedupShard:
        """The shard as its entries say (after a start or a rebalance): index and ages derived."""
        index = rebuild(entries, shard=shard, shards=shards)
        return cls(index, entries, ages_of(entries, shard=shard, shards=shards), min_similarity, window, max_entries, shard, shards)

    def probe(self, requests: Sequence[Request], *, filed: Callable[[], None] | None = None) -> list[list[Candidate]]:
        """Each request's candidates; the requests are filed, then the oldest entries evicted.

        ``filed`` runs once the probe has filed what it could, even when it failed half-way:
        the worker stores the shard's entries there, before anything is evicted.
        """
        try:
            found = probe_many(requests, self.index, self.entries, min_similarity=self.min_similarity, window=self.window,
                               shard=self.shard, shards=self.shards, ages=self.ages)
        finally:
            if filed is not None:
                filed()
        now = max(order for _, order, _, _ in requests)
        evict_oldest(self.index, self.entries, self.ages, now_order=now, window=self.window, max_entries=self.max_entries)
        return found
