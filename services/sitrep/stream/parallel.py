"""Run the stateless ``analyze`` stage in worker processes, so a worker uses every core.

Decoding, cleaning and extraction are pure Python and CPU-bound: in the Faust process they
would hold the event loop (and its one core) while Kafka I/O waits. The pool takes a batch
of message values (bytes, as they came off ``articles.raw``) and hands back, per message,
what the agent needs to route it (id, order, signature) and the article prepared for
finishing (``render.prepare``: its output records rendered but for the verdict's fields),
or why it was rejected: nothing is parsed twice and nothing heavy crosses the process
boundary twice. With ``processes=0`` the same function runs inline (tests, one core).

No article can hold a partition up or outlive the worker (docs/processing.md, 'Dead
letters'): in the pool's processes each article has a budget of CPU time (a SIGPROF
timer: CPU, not wall-clock, so a busy host does not dead-letter what an idle one would
process; an article over it is ``too_costly``), a batch that kills a process is run again article by
article so that only the article that did it is dead-lettered, and each process asks the
kernel for SIGKILL when the worker dies (``PR_SET_PDEATHSIG``), with a watchdog thread
for the moment before it asked.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable
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
_budget = 0.0  # seconds an article may take; 0 (inline, in the worker's process): no timer
_PR_SET_PDEATHSIG = 1


class TooCostly(BaseException):
    """Raised by the timer in an article's analysis. A BaseException, so the stages'
    ``except Exception`` fallbacks (extract retries with names only) let it through."""


def _alarm(signum: int, frame: object) -> None:
    raise TooCostly


def _die_with(parent: int) -> None:
    """End this process when ``parent`` (the worker) dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            log.warning("prctl(PR_SET_PDEATHSIG) unavailable; the watchdog alone ends orphans")
    if os.getppid() != parent:  # died before the request was made
        os._exit(1)

    def watch() -> None:  # other systems, or a kernel that ignores the request
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="sitrep-parent-watchdog", daemon=True).start()


def _init(priors_path: str | None, budget: float = 0.0, parent: int | None = None) -> None:
    global _priors, _budget
    if parent is not None:
        _die_with(parent)
    if budget > 0:
        _budget = budget
        signal.signal(signal.SIGPROF, _alarm)
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
            if _budget:
                signal.setitimer(signal.ITIMER_PROF, _budget)
            try:
                a = analyze(raw, order_of(raw, fallback), timings, _priors, max_body_bytes)
                prepared = prepare(a).encode()
            finally:
                if _budget:
                    signal.setitimer(signal.ITIMER_PROF, 0)
        except TooCostly:
            detail = f"analysis took more than its budget of {_budget:g} CPU seconds (SITREP_ANALYZE_BUDGET_SECONDS)"
            results.append(Failure("analyze", "too_costly", detail, raw.id))
            continue
        except Exception as exc:  # a stage bug must not lose the rest of the batch
            results.append(Failure.of(exc, "analyze", raw.id))
            continue
        results.append(Analyzed(raw.id, a.order, a.signature, a.event_key, prepared, timings))
    _trimmer.maybe()
    return results


class AnalyzePool:
    """``analyze_batch`` spread over ``processes`` processes (0: inline in this process)."""

    def __init__(self, processes: int, priors_path: Path | None, max_body_bytes: int, budget: float = 0.0) -> None:
        self.processes = processes
        self.max_body_bytes = max_body_bytes
        self.budget = budget
        self.priors_path = str(priors_path) if priors_path else None
        self.executor: ProcessPoolExecutor | None = None
        if processes > 0:
            self.executor = self._new_executor()
        # The inline path (processes=0, or a broken pool's batch) needs the data here too.
        _init(self.priors_path)

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the worker forks nothing once Kafka client threads run.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.processes, mp_context=context, initializer=_init, initargs=(self.priors_path, self.budget, os.getpid()))

    def start(self) -> None:
        """Start and warm up every process now, so the first batch does not wait for them."""
        if self.executor is not None:
            list(self.executor.map(_pid, range(self.processes)))

    async def run(self, batch: list[Message]) -> list[Analyzed | Failed]:
        return await self.submit(batch)

    def submit(self, batch: list[Message]) -> Awaitable[list[Analyzed | Failed]]:
        """Hand a batch to the processes now (they start on it before the caller next awaits)
        and return what awaits its results."""
        if not batch or self.executor is None:
            return self._inline(batch)
        # One chunk per process keeps every core busy without many small pickles.
        size = -(-len(batch) // self.processes)
        chunks = [batch[i : i + size] for i in range(0, len(batch), size)]
        try:
            futures = [self._hand(chunk) for chunk in chunks]
        except BrokenProcessPool:
            return self._again(batch)
        return self._collect(batch, futures)

    async def _inline(self, batch: list[Message]) -> list[Analyzed | Failed]:
        return analyze_batch(batch, self.max_body_bytes) if batch else []

    async def _collect(self, batch: list[Message], futures: list[asyncio.Future]) -> list[Analyzed | Failed]:
        try:
            parts = await asyncio.gather(*futures)
        except BrokenProcessPool:
            return await self._again(batch)
        return [result for part in parts for result in part]

    async def _again(self, batch: list[Message]) -> list[Analyzed | Failed]:
        # A process died (killed, out of memory, or an article that crashes the
        # interpreter): run the batch again one article at a time in a new pool, so
        # the one that breaks it again is dead-lettered and no other is lost. Never
        # in this process: what killed a process would kill the worker.
        log.error("analyze pool broke; restarting it and retrying the batch article by article")
        self._restart()
        return [await self._alone(message) for message in batch]

    async def _alone(self, message: Message) -> Analyzed | Failed:
        try:
            return (await self._hand([message]))[0]
        except BrokenProcessPool:
            self._restart()
            return Failure("analyze", "too_costly", "analysing this message killed an analyze process (memory, or a crash)")

    def _restart(self) -> None:
        self.close()
        self.executor = self._new_executor()

    def _hand(self, chunk: list[Message]) -> asyncio.Future:
        """A chunk handed to a process now; raises BrokenProcessPool if the pool is broken."""
        return asyncio.get_running_loop().run_in_executor(self.executor, analyze_batch, chunk, self.max_body_bytes)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)


def _pid(_: int) -> int:
    return os.getpid()
