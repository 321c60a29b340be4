"""The ``sitrep`` command line: replay, worker, process, tail, topics, schemas."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sitrep import __version__
from sitrep.errors import SitrepError
from sitrep.models import ROLES, TOPIC_BY_ROLE
from sitrep.settings import get_settings

EPILOG = "Settings come from SITREP_* environment variables (see docs/configuration.md)."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitrep", description="Conflict-news stream pipeline on Kafka.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"sitrep {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("replay", help=f"produce article files (txt, html, jsonl, csv) to {TOPIC_BY_ROLE['raw'].default}", epilog=EPILOG)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    p.add_argument("--rate", type=float, default=None, help="articles per second (default: as fast as possible)")
    p.add_argument("--limit", type=int, default=None, help="stop after N articles")
    p.add_argument("--loop", action="store_true", help="start again at the end (repeated ids are handled as duplicates)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("worker", help="run the Faust worker (the pipeline on Kafka)", epilog=EPILOG)
    p.add_argument("--loglevel", default="info", choices=["debug", "info", "warning", "error"])

    p = sub.add_parser("process", help="run the same stages offline, no Kafka", epilog=EPILOG)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", required=True, type=Path, help="EnrichedArticle JSON lines, one per input article")
    p.add_argument("--deadletter", type=Path, default=None, help="write rejected inputs here as DeadLetter JSON lines")
    p.add_argument("--no-progress", action="store_true")

    p = sub.add_parser("tail", help="pretty-print records from a topic", epilog=EPILOG)
    p.add_argument("topic", help=f"topic name, or a role: {', '.join(ROLES)}")
    p.add_argument("--from-beginning", action="store_true")
    p.add_argument("--where", action="append", default=[], metavar="FIELD=VALUE", help="keep records whose dotted field equals VALUE (repeatable)")
    p.add_argument("--grep", default=None, help="keep records containing this text")
    p.add_argument("--explain", action="store_true", help="show each credibility signal's contribution")
    p.add_argument("--json", action="store_true", help="one JSON record per line instead of the pretty form")
    p.add_argument("--limit", type=int, default=None, help="stop after N records")
    p.add_argument("--idle", type=float, default=None, metavar="SECONDS", help="stop after SECONDS without a new record")

    p = sub.add_parser("topics", help="manage topics")
    tsub = p.add_subparsers(dest="topics_command", required=True, metavar="ACTION")
    tsub.add_parser("create", help="create the public topics with SITREP_PARTITIONS partitions")

    p = sub.add_parser("schemas", help="JSON Schemas of the topic records")
    ssub = p.add_subparsers(dest="schemas_command", required=True, metavar="ACTION")
    e = ssub.add_parser("export", help="write one JSON Schema per topic")
    e.add_argument("-o", "--out-dir", type=Path, default=Path("schemas"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The Kafka clients narrate every connection at INFO; their warnings are what matters.
    for noisy in ("kafka", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return run(args)
    except SitrepError as exc:
        print(f"sitrep {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.command == "replay":
        from sitrep.commands.replay import replay

        summary = replay(settings, args.paths, rate=args.rate, limit=args.limit, loop=args.loop, progress=not args.no_progress)
        print(summary.line())
        return 1 if summary.failed else 0
    if args.command == "worker":
        from sitrep.commands.work import work

        return work(settings, loglevel=args.loglevel)
    if args.command == "process":
        from sitrep.commands.process import process

        summary = process(settings, args.paths, args.output, args.deadletter, progress=not args.no_progress)
        print(summary.line())
        return 0
    if args.command == "tail":
        from sitrep.commands.tail import tail

        topic = settings.topics.name(args.topic) if args.topic in ROLES else args.topic
        return tail(
            settings,
            topic,
            from_beginning=args.from_beginning,
            where=args.where,
            grep=args.grep,
            explain=args.explain,
            as_json=args.json,
            limit=args.limit,
            idle_seconds=args.idle,
        )
    if args.command == "topics":
        from sitrep.commands.topics import create

        return create(settings)
    if args.command == "schemas":
        from sitrep.commands.schemas import export

        for path in export(args.out_dir):
            print(f"wrote {path}")
        return 0
    raise AssertionError(args.command)
