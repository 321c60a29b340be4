"""Sitrep's exceptions: one root, one line each, and each names its dead-letter reason."""

from __future__ import annotations

from dataclasses import dataclass


class SitrepError(Exception):
    """Root of every error Sitrep raises on purpose."""

    reason = "stage_error"


class RejectedMessage(SitrepError):
    """A message that cannot become a record; ``reason`` is a DeadLetter reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class SourceError(SitrepError):
    """An input file that cannot be read as articles."""


class ConfigError(SitrepError):
    """Settings that cannot work, e.g. SASL without a username."""


class BrokerError(SitrepError):
    """The broker cannot be reached, or refused us (bad credentials, missing ACL)."""


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a message goes to the dead-letter topic: the stage that gave up, a reason code
    (a ``models.DeadLetterReason``) and a one-line detail. Every path that rejects a
    message (the analyze pool, the agents, ``sitrep process``) describes it with this."""

    stage: str
    reason: str
    detail: str
    id: str | None = None  # the article's id, when it got as far as having one

    @classmethod
    def of(cls, exc: BaseException, stage: str, id: str | None = None) -> Failure:
        """A rejection names its own reason; any other exception is a stage error."""
        if isinstance(exc, RejectedMessage):
            return cls(stage, exc.reason, exc.detail, id)
        return cls(stage, "stage_error", f"{type(exc).__name__}: {exc}", id)
