"""Dedup: exact and near copies, and stories, from MinHash signatures of the clean text.

``sketch`` signs a text (shingles, MinHash, LSH bands); ``entries`` packs what a shard keeps
of each article; ``index`` probes, files, evicts and resolves a verdict. The state is passed
in as mappings, so a Faust table runs it in the worker and a ``dict`` in ``sitrep process``.
"""

from sitrep.stages.dedup.index import *  # noqa: F403  (the family's API is index's ``__all__``)
from sitrep.stages.dedup.index import __all__  # noqa: F401
from sitrep.stages.dedup.shard import DedupShard  # noqa: E402  (after index, which it uses)

__all__ = [*__all__, "DedupShard"]
