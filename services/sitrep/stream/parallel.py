"""Run the stateless ``analyze`` stage in worker processes, so a worker uses every core.

Decoding, cleaning and extraction are pure Python and CPU-bound: in the Faust process they
would hold the event loop (and its one core) while Kafka I/O waits. The pool takes a batch
of message values (bytes, as they came off ``articles.raw``) and hands back, per message,
what the agent needs to route it (id, order, signature) and the article prepared for
finishing (``render.prepare``: its output records rendered but for the verdict's fields),
or why it was rejected: nothing is parsed twice and nothing heavy crosses the process
boundary twice. With ``processes=0`` the same function runs inline (tests, one core).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from sitrep.codec import decode_raw
from sitrep.errors import Failure, RejectedMessage
from sitrep.pipeline import analyze, order_of, warm_up
from sitrep.render import prepare
from sitrep.stages.credibility.sources import SourcePriors, load_priors
from sitrep.stages.dedup import Signature
from sitrep.stream.memory import Trimmer


@dataclass(frozen=True, slots=True)
class Analyzed:
    """One article through ``analyze``: routing fields plus the encoded ``Prepared``."""

    id: str
    order: int
    signature: Signature
    event_key: str | None
    prepared: bytes
    timings: dict[str, float]


# A message that could not be decoded (stage ``decode``), or an article a stage raised on
# (stage ``analyze``): it goes to the dead-letter topic with the reason, and the batch goes on.
Failed = Failure


log = logging.getLogger("sitrep.parallel")
_priors: SourcePriors | None = None
_trimmer = Trimmer()


def _init(priors_path: str | None) -> None:
    global _priors
    _priors = load_priors(Path(priors_path) if priors_path else None)
    warm_up()
    # The stages' data (automata, gazetteers, rules) lives as long as the process: frozen,
    # the collector stops walking it, and a larger first generation collects less often
    # what one article makes (about 8 % of analyze time on the bench corpus).
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


Message = tuple[bytes | None, int]  # a message value, and its order if it carries no replay time


def analyze_batch(batch: list[Message], max_body_bytes: int) -> list[Analyzed | Failed]:
    """Decode and ``analyze`` each message; a failure is returned, never raised."""
    results: list[Analyzed | Failed] = []
    for value, fallback in batch:
        timings: dict[str, float] = {}
        try:
            raw = decode_raw(value, max_body_bytes=max_body_bytes)
        except RejectedMessage as exc:
            results.append(Failure.of(exc, "decode"))
            continue
        try:
            a = analyze(raw, order_of(raw, fallback), timings, _priors)
        except Exception as exc:  # a stage bug must not lose the rest of the batch
            results.append(Failure.of(exc, "analyze", raw.id))
            continue
        results.append(Analyzed(raw.id, a.order, a.signature, a.event_key, prepare(a).encode(), timings))
    _trimmer.maybe()
    return results


class AnalyzePool:
    """``analyze_batch`` spread over ``processes`` processes (0: inline in this process)."""

    def __init__(self, processes: int, priors_path: Path | None, max_body_bytes: int) -> None:
        self.processes = processes
        self.max_body_bytes = max_body_bytes
        self.priors_path = str(priors_path) if priors_path else None
        self.executor: ProcessPoolExecutor | None = None
        if processes > 0:
            self.executor = self._new_executor()
        # The inline path (processes=0, or a broken pool's batch) needs the data here too.
        _init(self.priors_path)

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the worker forks nothing once Kafka client threads run.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.processes, mp_context=context, initializer=_init, initargs=(self.priors_path,))

    def start(self) -> None:
        """Start and warm up every process now, so the first batch does not wait for them."""
        if self.executor is not None:
            list(self.executor.map(_pid, range(self.processes)))

    async def run(self, batch: list[Message]) -> list[Analyzed | Failed]:
        if not batch:
            return []
        if self.executor is None:
            return analyze_batch(batch, self.max_body_bytes)
        # One chunk per process keeps every core busy without many small pickles.
        size = -(-len(batch) // self.processes)
        chunks = [batch[i : i + size] for i in range(0, len(batch), size)]
        try:
            parts = await asyncio.gather(*(self._submit(chunk) for chunk in chunks))
        except BrokenProcessPool:
            # A process died (killed, out of memory): start a new pool, and do this batch
            # here, so no article of it is lost.
            log.exception("analyze pool broke; restarting it")
            self.close()
            self.executor = self._new_executor()
            return analyze_batch(batch, self.max_body_bytes)
        return [result for part in parts for result in part]

    async def _submit(self, chunk: list[Message]) -> list[Analyzed | Failed]:
        return await asyncio.get_running_loop().run_in_executor(self.executor, analyze_batch, chunk, self.max_body_bytes)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)


def _pid(_: int) -> int:
    return os.getpid()
