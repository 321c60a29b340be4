"""Extract: who, where and what happened in a clean article.

``article`` runs the steps over ``sentences``: ``gazetteer`` finds names (actors, places,
titles) in one pass with ``translit`` spellings, ``geo`` resolves places, ``entities``
builds the entity list, ``casualties``, ``claims`` and ``numbers`` read casualty claims.
"""

from sitrep.stages.extract.article import extract

__all__ = ["extract"]
