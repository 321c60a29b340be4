"""Sitrep's exceptions: one root, one line each, and each names its dead-letter reason."""

from __future__ import annotations


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
