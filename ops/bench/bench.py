"""The performance harness: every figure measured in one run on the local real broker.

    ops/bench/run [--articles N] [--rss 100000,1000000] [--skip f]

(a) ceiling: raw aiokafka consume -> produce passthrough of the same messages
(b) the full pipeline, one worker, and its ratio to (a)
(c) end-to-end latency p50/p95/p99 at half of (b)'s rate (its first 5 s, the worker's start, apart)
(d) offline `sitrep process` articles/s and per-stage microseconds per article
(e) dedup stage against datasketch MinHashLSH on the same items
(f) worker RSS after 100k and after 1M articles, retention bounds on
(g) 2 workers over 4 partitions against 1 worker, and the cores they had
(h) the whole analysis against spaCy NER + trafilatura + datasketch, CPU per article

Figures are printed, never asserted: tests never assert on time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SITREP = str(Path(sys.executable).with_name("sitrep"))
PORT = int(os.environ.get("SITREP_BENCH_KAFKA_PORT", "23092"))
BROKER = f"127.0.0.1:{PORT}"
OUTPUT_ROLES = ("enriched", "duplicates")
PROFILE_DIR: Path | None = None  # --profile: where py-spy writes the workers' profiles
WORKER_ENV: dict[str, str] = {}  # --set: settings for the workers (SITREP_...=...)


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def broker_pid() -> int | None:
    """The bench broker's process id, from the pid file ops/kafka/kafka.sh keeps (in its
    instance dir, found as kafka.sh finds it)."""
    cache = Path(os.environ.get("SITREP_KAFKA_CACHE", Path.home() / ".cache/sitrep/kafka"))
    instance = Path(os.environ.get("SITREP_KAFKA_DIR", cache / f"instance-{PORT}"))
    with contextlib.suppress(OSError, ValueError):
        return int((instance / "kafka.pid").read_text())
    return None


CpuSample = tuple[float, dict[str, float]]  # a time, and the CPU seconds each process had used by then


def cores_between(a: CpuSample, b: CpuSample) -> dict[str, float]:
    """The cores each process used from sample ``a`` to sample ``b``."""
    (t0, before), (t1, after) = a, b
    cores = {name: (after[name] - before[name]) / (t1 - t0) for name in after}
    if "busy" in cores:  # the machine's: what the bench's processes did not use went to others
        busy = cores.pop("busy")
        steal = cores.pop("steal")
        cores["other processes"] = max(0.0, busy - sum(cores.values()))
        cores["steal"] = steal
    return cores


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds the processes have used so far (one gone counts 0)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def others_seconds() -> dict[str, float]:
    """The machine's busy CPU seconds so far, and those the hypervisor stole (a virtual
    machine's cores given to other guests): ``cores_between`` tells from them what other
    processes and the steal took from the bench."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        tick = os.sysconf("SC_CLK_TCK")
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
        return {"busy": (user + nice + system + irq + softirq) / tick, "steal": steal / tick}
    return {}


def broker_up() -> None:
    env = {**os.environ, "SITREP_KAFKA_PORT": str(PORT)}
    subprocess.run(["bash", str(ROOT / "ops/kafka/kafka.sh"), "up"], env=env, check=True, stdout=subprocess.DEVNULL)


def create(topics: list[str], partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=BROKER)
    admin.create_topics([NewTopic(t, num_partitions=partitions, replication_factor=1) for t in topics])
    admin.close()


def drop(prefix: str) -> None:
    """Delete the topics a measurement made: a broker left holding hundreds of them from
    earlier measurements (and runs) answers later ones measurably slower."""
    admin = KafkaAdminClient(bootstrap_servers=BROKER)
    names = [name for name in admin.list_topics() if name.startswith(prefix)]
    if names:
        admin.delete_topics(names)
    admin.close()


def end_offsets(topics: list[str], broker: str = BROKER, consumer: KafkaConsumer | None = None) -> int:
    """Messages in ``topics`` so far: the sum of their partitions' end offsets (asked through
    ``consumer`` when given: a client made for every poll would cost the workers CPU)."""
    client = consumer or KafkaConsumer(bootstrap_servers=broker)
    total = 0
    for name in topics:
        parts = client.partitions_for_topic(name) or set()
        total += sum(client.end_offsets([TopicPartition(name, p) for p in parts]).values())
    if consumer is None:
        client.close()
    return total


def payloads(path: Path) -> list[tuple[bytes, bytes]]:
    return [(orjson.loads(line)["id"].encode(), line) for line in path.read_bytes().splitlines()]


def preload(topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=BROKER, acks="all", linger_ms=10, batch_size=1_048_576, compression_type="zstd", max_request_size=10_000_000)
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


# --- (a) the ceiling ----------------------------------------------------------------------------


async def _passthrough(source: str, sink: str, count: int) -> float:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=BROKER,
        auto_offset_reset="earliest",
        group_id=f"pass-{uuid.uuid4().hex[:6]}",
        max_partition_fetch_bytes=10_000_000,
        fetch_max_bytes=50_000_000,
    )
    producer = AIOKafkaProducer(bootstrap_servers=BROKER, linger_ms=5, max_batch_size=1_048_576, compression_type="zstd", max_request_size=10_000_000)
    await consumer.start()
    await producer.start()
    moved, started = 0, None
    try:
        while moved < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=2000)
            futures = []
            for records in batches.values():
                started = started or time.perf_counter()
                for record in records:
                    futures.append(await producer.send(sink, key=record.key, value=record.value))
            if futures:
                await asyncio.gather(*futures)
                moved += len(futures)
        return moved / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await producer.stop()


def ceiling(messages: list[tuple[bytes, bytes]], partitions: int) -> float:
    tag = uuid.uuid4().hex[:6]
    source, sink = f"bench-{tag}.in", f"bench-{tag}.out"
    create([source, sink], partitions)
    try:
        preload(source, messages)
        return asyncio.run(_passthrough(source, sink, len(messages)))
    finally:
        drop(f"bench-{tag}.")


# --- the pipeline on Kafka ----------------------------------------------------------------------


class Run:
    """One isolated pipeline: its own app id, topics and workers."""

    def __init__(self, workdir: Path, partitions: int, **extra: str) -> None:
        self.tag = f"b{uuid.uuid4().hex[:6]}"
        self.workdir = workdir / self.tag
        self.workdir.mkdir(parents=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_")}
        self.env.update(SITREP_BOOTSTRAP_SERVERS=BROKER, SITREP_APP_ID=self.tag, SITREP_PARTITIONS=str(partitions), SITREP_METRICS_PORT="0")
        self.env.update(**WORKER_ENV, **extra)
        for role in ("raw", "enriched", "duplicates", "casualties", "credibility", "deadletter"):
            self.env[f"SITREP_TOPICS__{role.upper()}"] = f"{self.tag}.{role}"
        self.workers: list[subprocess.Popen] = []
        self.profilers: list[subprocess.Popen] = []
        self.watcher: KafkaConsumer | None = None
        subprocess.run([SITREP, "topics", "create"], env=self.env, check=True, stdout=subprocess.DEVNULL)

    def topic(self, role: str) -> str:
        return self.env[f"SITREP_TOPICS__{role.upper()}"]

    def start_workers(self, count: int) -> None:
        logs = []
        for n in range(count):
            env = {**self.env, "SITREP_STATE_DIR": str(self.workdir / f"state{n}")}
            log_path = self.workdir / f"worker{n}.log"
            self.workers.append(subprocess.Popen([SITREP, "worker"], env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT))
            logs.append(log_path)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all(b"[^Worker]: Ready" in p.read_bytes() for p in logs):
                if PROFILE_DIR:
                    self.profile()
                return
            time.sleep(0.2)
        raise TimeoutError(f"workers not ready after 120 s: see {', '.join(map(str, logs))}")

    def outputs(self) -> int:
        self.watcher = self.watcher or KafkaConsumer(bootstrap_servers=BROKER)
        return end_offsets([self.topic(r) for r in OUTPUT_ROLES], consumer=self.watcher)

    def wait_for(self, count: int, timeout: float) -> float:
        """Seconds until ``count`` output records exist (polling end offsets)."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.outputs() >= count:
                return time.perf_counter() - started
            time.sleep(0.25)
        raise TimeoutError(f"only {self.outputs()} of {count} outputs after {timeout} s")

    def rss_mb(self) -> float:
        """Resident MB of the workers and their analyze processes."""
        total = 0
        for pid in [proc.pid for proc in self.workers] + self.children():
            with contextlib.suppress(OSError):
                total += int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0])
        return total / 1024

    def children(self) -> list[int]:
        """The workers' child processes (their analyze processes) and theirs."""
        found, pids = [], [proc.pid for proc in self.workers]
        while pids:
            pid = pids.pop()
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    kids = [int(child) for child in (task / "children").read_text().split()]
                    found += kids
                    pids += kids
        return found

    def profile(self) -> None:
        """Sample every worker (and its analyze processes) with py-spy until ``stop``."""
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
        spy = str(Path(sys.executable).with_name("py-spy"))
        for n, proc in enumerate(self.workers):
            out = PROFILE_DIR / f"{self.tag}-worker{n}.speedscope.json"
            self.profilers.append(
                subprocess.Popen(
                    [spy, "record", "--pid", str(proc.pid), "--subprocesses", "--rate", "50", "--format", "speedscope", "-o", str(out)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            log(f"profiling worker {n} into {out}")

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
        for spy in self.profilers:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            spy.wait(60)
        for proc in self.workers:
            proc.terminate()
        for proc in self.workers:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop(self.tag)


def throughput(workdir: Path, messages: list[tuple[bytes, bytes]], *, partitions: int, workers: int) -> float:
    """Articles/s of the pipeline draining a pre-loaded articles.raw."""
    run = Run(workdir, partitions)
    try:
        preload(run.topic("raw"), messages)
        run.start_workers(workers)
        # Start the clock at the first output, so worker start-up is not counted.
        run.wait_for(1, 120)
        first = time.perf_counter()
        run.wait_for(len(messages), 1800)
        return (len(messages) - 1) / (time.perf_counter() - first)
    finally:
        run.stop()


WARM_UP_SECONDS = 5.0  # (c): the first seconds of the replay are reported apart


class Latency(NamedTuple):
    warm_up: tuple[float, float, float]  # p50, p95, p99 seconds over the replay's first WARM_UP_SECONDS
    steady: tuple[float, float, float]  # and over the rest
    hops: dict[str, tuple[float, float, float]]  # by hop, over the rest
    cores: dict[str, float]  # CPU of each process, in cores, over the rest
    timeline: list[str]  # second by second: latency of the articles replayed in it, CPU of each process


def latency(workdir: Path, path: Path, rate: float, seconds: float) -> Latency:
    """Seconds from replay to the output record being readable: over the replay's first
    WARM_UP_SECONDS (the worker just started: its first batches, first sends to every
    topic) and over the ``seconds`` after them, when also each hop and the CPU each
    process takes are measured; and second by second."""
    run = Run(workdir, 4)
    try:
        run.start_workers(1)
        consumer = KafkaConsumer(*(run.topic(r) for r in OUTPUT_ROLES), bootstrap_servers=BROKER, auto_offset_reset="earliest", group_id=None)
        consumer.poll(timeout_ms=100)
        count = int(rate * (WARM_UP_SECONDS + seconds))
        replay = subprocess.Popen(
            [SITREP, "replay", "--no-progress", "--rate", str(rate), "--limit", str(count), str(path)], env=run.env, stdout=subprocess.DEVNULL
        )
        processes = {"worker": [p.pid for p in run.workers], "analyze processes": run.children(), "broker": [broker_pid()], "replay": [replay.pid]}
        processes = {name: pids for name, pids in processes.items() if None not in pids}
        # CPU used by each process so far, sampled every second while the replay runs.
        samples: list[CpuSample] = []
        seen: list[tuple[float, float]] = []  # (replayed at, seconds to readable)
        reads: list[tuple[float, float]] = []  # (replayed at, seconds from the record's send to readable here)
        idle_since = time.monotonic()
        # Until the replay is done and nothing new arrived for 3 s. Duplicate links carry no
        # replay time, so latency is measured on the enriched records (nine in ten).
        while replay.poll() is None or time.monotonic() - idle_since < 3:
            if replay.poll() is None and (not samples or time.time() - samples[-1][0] >= 1.0):
                samples.append((time.time(), {name: cpu_seconds(pids) for name, pids in processes.items()} | others_seconds()))
            for records in consumer.poll(timeout_ms=200).values():
                now = time.time()
                idle_since = time.monotonic()
                for record in records:
                    stamp = orjson.loads(record.value).get("replayed_at")
                    if stamp:
                        sent = datetime.fromisoformat(stamp).timestamp()
                        seen.append((sent, now - sent))
                        reads.append((sent, now - record.timestamp / 1000))
        replay.wait()
        consumer.close()
        first = min(sent for sent, _ in seen)
        cut = first + WARM_UP_SECONDS
        steady = [(t, cpu) for t, cpu in samples if t >= cut]
        cores = cores_between(steady[0], steady[-1]) if len(steady) > 1 else {}  # else the replay ended early (a short corpus)
        return Latency(
            quantiles([wait for sent, wait in seen if sent < cut]),
            quantiles([wait for sent, wait in seen if sent >= cut]),
            {**hops(run, since_ms=int(cut * 1000)), "read (record sent -> read here)": quantiles([wait for sent, wait in reads if sent >= cut])},
            cores,
            timeline(first, seen, samples),
        )
    finally:
        run.stop()


def timeline(first: float, seen: list[tuple[float, float]], samples: list[CpuSample]) -> list[str]:
    """A line a second of the replay: how many articles, their median and longest wait,
    and the cores each process used in that second."""
    waits: dict[int, list[float]] = {}
    for sent, wait in seen:
        waits.setdefault(int(sent - first), []).append(wait)
    usage = {int(b[0] - first): cores_between(a, b) for a, b in zip(samples, samples[1:])}
    lines = []
    for second, values in sorted(waits.items()):
        cpu = ", ".join(f"{name} {cores:.2f}" for name, cores in usage.get(second, {}).items())
        lines.append(f"{second:4d} s  {len(values):5d} articles  median {statistics.median(values) * 1000:5.0f} ms  max {max(values) * 1000:5.0f} ms  {cpu}")
    return lines


def ms(figures: tuple[float, float, float]) -> str:
    p50, p95, p99 = (f * 1000 for f in figures)
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"


def quantiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[94], cuts[98]


def hops(run: Run, since_ms: int = 0) -> dict[str, tuple[float, float, float]]:
    """Where the latency goes: each hop's p50/p95/p99 seconds, from the timestamps the
    producers gave the messages (replay, then the worker's agents) on every topic an
    article crosses, for the articles replayed from ``since_ms`` on."""
    from sitrep.stream.hold import order_mark
    from sitrep.stream.wire import decode_parts, decode_probes

    stamps: dict[str, dict[str, int]] = {}

    def read(role: str) -> Iterator[Any]:
        name = run.topic(role) if role in ("raw", "enriched") else f"{run.tag}.{role}"
        reader = KafkaConsumer(bootstrap_servers=BROKER, enable_auto_commit=False)
        parts = [TopicPartition(name, p) for p in reader.partitions_for_topic(name) or ()]
        reader.assign(parts)
        reader.seek_to_beginning(*parts)
        end = reader.end_offsets(parts)
        while any(reader.position(tp) < end[tp] for tp in parts):
            for records in reader.poll(timeout_ms=500).values():
                yield from records
        reader.close()

    for record in read("raw"):
        if order_mark(record.headers) is None:
            times = stamps.setdefault(record.key.decode(), {})
            times["raw"] = record.timestamp
            stamp = orjson.loads(record.value).get("replayed_at")
            if stamp:
                times["replay"] = int(datetime.fromisoformat(stamp).timestamp() * 1000)
    for record in read("lsh"):
        for probe in decode_probes(record.value):
            stamps.setdefault(probe.id, {}).setdefault("probe", record.timestamp)
    for record in read("events"):
        for part in decode_parts(record.value):
            times = stamps.setdefault(part.id, {})
            if part.analysis is None:
                times["answer"] = max(times.get("answer", 0), record.timestamp)
    for record in read("enriched"):
        stamps.setdefault(record.key.decode(), {})["out"] = record.timestamp
    # One worker in memory sends no internal messages: then its hops are one.
    steps = {
        "replay (stamped -> raw sent)": ("replay", "raw"),
        "analyze (raw -> probes sent)": ("raw", "probe"),
        "dedup shards (-> last answer sent)": ("probe", "answer"),
        "gather, corroborate (-> record sent)": ("answer", "out"),
        "worker (raw -> record sent)": ("raw", "out"),
    }
    found = {}
    for name, (a, b) in steps.items():
        rows = [(t[b] - t[a]) / 1000 for t in stamps.values() if a in t and b in t and t["raw"] >= since_ms]
        if len(rows) > 100:
            found[name] = quantiles(rows)
    return found


def rss(workdir: Path, checkpoints: list[int], backlog: int = 10_000) -> list[tuple[int, float, float, str]]:
    """Worker RSS (MB: median and peak) and state sizes at each checkpoint count of
    distinct articles.

    Every article is new (generated on the fly, one in ten a copy of a recent one), so the
    dedup index fills to its cap and then evicts, as on a long live feed; a looped replay
    of the same file would only repeat what the index already holds. The feeder keeps at
    most ``backlog`` articles ahead of the worker's output, so the topic is never flooded
    and the feeder takes little of the worker's CPU. The resident size moves by tens of MB
    from second to second (batches, buffers, heap returned every 30 s), so it is sampled
    every second and a checkpoint reports the samples of its last tenth of articles.
    """
    with socket.socket() as probe:  # a free port for the worker's metrics
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = Run(workdir, 4, SITREP_THRESHOLDS__MAX_INDEX_ARTICLES="50000", SITREP_THRESHOLDS__RETENTION_DAYS="1", SITREP_METRICS_PORT=str(port))
    producer = KafkaProducer(bootstrap_servers=BROKER, linger_ms=5, batch_size=262_144, compression_type="lz4")
    total = checkpoints[-1]
    feed = corpus.articles(total, seed=11)
    figures: list[tuple[int, float, float, str]] = []
    samples: list[float] = []
    try:
        run.start_workers(1)
        sent = done = 0
        moved = last_log = time.monotonic()
        while len(figures) < len(checkpoints):
            for record in islice(feed, max(0, min(total, done + backlog) - sent)):
                record["replayed_at"] = datetime.now(UTC).isoformat()
                producer.send(run.topic("raw"), key=record["id"].encode(), value=orjson.dumps(record))
                sent += 1
            producer.flush()
            time.sleep(1)
            now_done = run.outputs()
            if now_done > done:
                done, moved = now_done, time.monotonic()
            elif time.monotonic() - moved > 300:
                raise TimeoutError(f"no output for 300 s after {done} articles: see {run.workdir}")
            target = checkpoints[len(figures)]
            if done >= target * 0.9:
                samples.append(run.rss_mb())
            if done >= target:
                state = state_entries(port)
                figures.append((target, statistics.median(samples), max(samples), state))
                log(f"after {target:,}: RSS median {figures[-1][1]:.0f} MB, peak {figures[-1][2]:.0f} MB over {len(samples)} samples; state entries {state}")
                samples = []
            elif time.monotonic() - last_log > 60:
                log(f"{done:,} articles out, RSS {run.rss_mb():.0f} MB, state entries {state_entries(port)}")
                last_log = time.monotonic()
        # Idle, the pending table should empty: a finished article's parts go 10 s after it,
        # at the next tick of the worker's 5 s state timer, which also samples the gauges.
        time.sleep(20)
        log(f"idle 20 s after the last article: RSS {run.rss_mb():.0f} MB, state entries {state_entries(port)}")
        return figures
    finally:
        producer.close()
        run.stop()


def state_entries(port: int) -> str:
    """The worker's ``sitrep_state_entries`` gauges, as table=count."""
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError as exc:
        return f"unavailable ({exc})"
    found = re.findall(r'^sitrep_state_entries\{table="([^"]+)"\} (\S+)$', text, re.M)
    return ", ".join(f"{table}={float(value):,.0f}" for table, value in found)


# --- offline --------------------------------------------------------------------------------------


def offline(path: Path) -> tuple[float, dict[str, float]]:
    """`sitrep process` articles/s, and per-stage microseconds per article."""
    from sitrep.codec import decode_raw
    from sitrep.pipeline import Pipeline, analyze
    from sitrep.stages import dedup

    lines = path.read_bytes().splitlines()
    raws = [decode_raw(line, max_body_bytes=1_000_000) for line in lines]
    started = time.perf_counter()
    pipeline = Pipeline()
    for n, raw in enumerate(raws):
        pipeline.run(raw, n)
    rate = len(raws) / (time.perf_counter() - started)
    totals: dict[str, float] = {}
    index: dict = {}
    entries: dict = {}
    for n, raw in enumerate(raws[:2000]):
        timings: dict[str, float] = {}
        analysis = analyze(raw, n, timings)
        t0 = time.perf_counter()
        found = dedup.probe(raw.id, n, analysis.signature, dedup.keys(analysis.signature), index, entries, min_similarity=0.2)
        dedup.resolve(raw.id, found, near=0.5)
        timings["dedup"] = time.perf_counter() - t0
        for stage, seconds in timings.items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    count = min(len(raws), 2000)
    return rate, {stage: seconds / count * 1e6 for stage, seconds in totals.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20_000, help="articles for (a), (b), (g)")
    parser.add_argument("--rss", default="100000,1000000", help="checkpoints for (f), comma-separated")
    parser.add_argument("--skip", action="append", default=[], choices=list("abcdefgh"), help="skip a part (repeatable)")
    parser.add_argument("--profile", type=Path, help="sample the workers with py-spy and write speedscope profiles here")
    parser.add_argument("--latency-rate", type=float, help="articles/s for (c) (default: half of (b))")
    parser.add_argument("--timeline", action="store_true", help="(c) second by second: latency and the CPU of each process")
    parser.add_argument("--set", action="append", default=[], metavar="SITREP_X=VALUE", help="a setting for the workers (repeatable)")
    args = parser.parse_args()
    global PROFILE_DIR
    PROFILE_DIR = args.profile
    WORKER_ENV.update(item.split("=", 1) for item in args.set)

    workdir = Path(tempfile.mkdtemp(prefix="sitrep-bench-"))
    path = corpus.write(workdir / "articles.jsonl", args.articles)
    messages = payloads(path)
    sizes = [len(v) for _, v in messages]
    log(f"{len(messages)} articles, {min(sizes)}-{max(sizes)} bytes (median {int(statistics.median(sizes))}); broker {BROKER}")
    broker_up()
    rows: list[tuple[str, str]] = []

    ceiling_rate = pipeline_rate = None
    if "a" not in args.skip:
        ceiling_rate = ceiling(messages, 4)
        rows.append(("(a) passthrough ceiling, aiokafka consume -> produce", f"{ceiling_rate:,.0f} msg/s"))
        log(rows[-1][1])
    if "b" not in args.skip:
        pipeline_rate = throughput(workdir, messages, partitions=4, workers=1)
        ratio = f" = {pipeline_rate / ceiling_rate:.0%} of (a)" if ceiling_rate else ""
        rows.append(("(b) full pipeline, 1 worker, 4 partitions", f"{pipeline_rate:,.0f} articles/s{ratio}"))
        log(rows[-1][1])
    if "c" not in args.skip:
        rate = args.latency_rate or (pipeline_rate or 200) / 2
        measured = latency(workdir, path, rate, seconds=max(5.0, min(30.0, len(messages) / rate - WARM_UP_SECONDS)))
        rows.append((f"(c) end-to-end latency at {rate:,.0f} articles/s", ms(measured.steady)))
        log(rows[-1][1])
        for step, figures in measured.hops.items():
            rows.append((f"    {step}", ms(figures)))
        if measured.cores:
            rows.append(("    CPU, cores", ", ".join(f"{name} {cores:.2f}" for name, cores in measured.cores.items())))
        rows.append((f"    the first {WARM_UP_SECONDS:.0f} s after the worker's start", ms(measured.warm_up)))
        if args.timeline:
            print("\n(c) second by second of the replay (cores: of the second ending there)", *measured.timeline, sep="\n  ")
    if "d" not in args.skip:
        rate, stages = offline(path)
        rows.append(("(d) offline sitrep process", f"{rate:,.0f} articles/s"))
        rows.append(("    per stage, µs/article", ", ".join(f"{k} {v:.0f}" for k, v in stages.items())))
    if "e" not in args.skip:
        result = subprocess.run([sys.executable, str(ROOT / "ops/bench/bench_dedup.py"), "--summary"], capture_output=True, text=True)
        rows.append(
            (
                "(e) dedup vs datasketch MinHashLSH",
                result.stdout.strip().splitlines()[-1]
                if result.returncode == 0 and result.stdout.strip()
                else f"bench_dedup failed: {result.stderr.strip()[-200:]}",
            )
        )
    if "h" not in args.skip:
        result = subprocess.run([sys.executable, str(ROOT / "ops/bench/bench_peer.py"), "--summary"], capture_output=True, text=True)
        rows.append(
            (
                "(h) whole analysis vs spaCy NER + trafilatura + datasketch",
                result.stdout.strip().splitlines()[-1]
                if result.returncode == 0 and result.stdout.strip()
                else f"bench_peer failed: {result.stderr.strip()[-200:]}",
            )
        )
        log(rows[-1][1])
    if "g" not in args.skip:
        two = throughput(workdir, messages, partitions=4, workers=2)
        one = pipeline_rate or throughput(workdir, messages, partitions=4, workers=1)
        rows.append(
            (
                "(g) 2 workers over 4 partitions vs 1 worker",
                f"{two:,.0f} vs {one:,.0f} articles/s = {two / one:.2f}x on {os.cpu_count()} cores"
                + (" (bounded by the cores: each worker runs an analyze process beside it)" if (os.cpu_count() or 1) < 4 else ""),
            )
        )
    if "f" not in args.skip:
        figures = rss(workdir, [int(x) for x in args.rss.split(",")])
        text = ", ".join(f"{median:.0f} MB after {n:,} (peak {peak:.0f})" for n, median, peak, _ in figures)
        if len(figures) > 1:
            text += f": {figures[-1][1] / figures[0][1] - 1:+.1%}"
        rows.append(("(f) worker RSS (median of the last tenth), retention on, distinct articles", text))
        rows.extend((f"    state entries after {n:,}", state) for n, _, _, state in figures)
    width = max(len(k) for k, _ in rows)
    print(f"\nSitrep benchmark, {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, {len(messages)} articles")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
