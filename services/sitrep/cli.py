"""The ``sitrep`` command line: replay, worker, process, tail, topics, schemas."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from sitrep import __version__
from sitrep.errors import ConfigError, SitrepError
from sitrep.models import ROLES, TOPIC_BY_ROLE
from sitrep.settings import Settings, check_server, unknown_variables

EPILOG = "Settings come from SITREP_* environment variables (see docs/configuration.md); -b and --log-format override theirs."
# Settings whose value an error message must never repeat.
SECRET_SETTINGS = {"sasl_password"}


def bootstrap_servers(value: str) -> str:
    """argparse type of -b: every comma-separated server is host:port."""
    try:
        for server in value.split(","):
            check_server(server.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"must be above 0, not {value}")
    return number


def count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return number


class OneLineParser(argparse.ArgumentParser):
    """argparse's errors on one line (``sitrep replay: --rate: must be above 0``), no usage dump."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after the command's name."""
    common = OneLineParser(add_help=False)
    common.add_argument("-b", "--bootstrap-server", type=bootstrap_servers, default=argparse.SUPPRESS, metavar="HOST:PORT[,...]",
                        help="Kafka bootstrap servers (default: SITREP_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)")
    common.add_argument("--log-format", choices=["text", "json"], default=argparse.SUPPRESS,
                        help="text lines, or one JSON object a line with the worker's id (default: SITREP_LOG_FORMAT, else text)")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = OneLineParser(prog="sitrep", description="Conflict-news stream pipeline on Kafka.", epilog=EPILOG, parents=[common])
    parser.add_argument("--version", action="version", version=f"sitrep {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)

    def command(group: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return group.add_parser(name, parents=[common], **kwargs)

    p = command(sub, "replay", help=f"produce article files (txt, html, jsonl, csv) to {TOPIC_BY_ROLE['raw'].default}", epilog=EPILOG)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    p.add_argument("--rate", type=positive_float, default=None, help="articles per second (default: as fast as possible)")
    p.add_argument("--limit", type=count, default=None, help="stop after N articles")
    p.add_argument("--loop", action="store_true", help="start again at the end (repeated ids are handled as duplicates)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = command(sub, "worker", help="run the Faust worker (the pipeline on Kafka)", epilog=EPILOG)
    p.add_argument("--loglevel", default="info", choices=["debug", "info", "warning", "error"])

    p = command(sub, "process", help="run the same stages offline, no Kafka", epilog=EPILOG)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", required=True, type=Path, help="EnrichedArticle JSON lines, one per input article")
    p.add_argument("--deadletter", type=Path, default=None, help="write rejected inputs here as DeadLetter JSON lines")
    p.add_argument("--no-progress", action="store_true")

    p = command(sub, "tail", help="pretty-print records from a topic", epilog=EPILOG)
    p.add_argument("topic", help=f"topic name, or a role: {', '.join(ROLES)}")
    p.add_argument("--from-beginning", action="store_true")
    p.add_argument("--where", action="append", default=[], metavar="FIELD=VALUE",
                   help="keep records whose dotted field equals VALUE, case-insensitively; entity and place names also by alias "
                        "(entities.name=Raqqa finds 'Ar Raqqah'); repeatable")
    p.add_argument("--grep", default=None, help="keep records containing this text")
    p.add_argument("--explain", action="store_true", help="show each credibility signal's contribution")
    p.add_argument("--json", action="store_true", help="one JSON line per message: topic, partition, offset, timestamp, key and the record as value")
    p.add_argument("--limit", type=count, default=None, help="stop after N records")
    p.add_argument("--idle", type=positive_float, default=None, metavar="SECONDS", help="stop after SECONDS without a new record")

    p = command(sub, "topics", help="manage topics")
    tsub = p.add_subparsers(dest="topics_command", required=True, metavar="ACTION")
    command(tsub, "create", help="create the public topics with SITREP_PARTITIONS partitions")

    p = command(sub, "schemas", help="JSON Schemas of the topic records")
    ssub = p.add_subparsers(dest="schemas_command", required=True, metavar="ACTION")
    e = command(ssub, "export", help="write one JSON Schema per topic")
    e.add_argument("-o", "--out-dir", type=Path, default=Path("schemas"))
    return parser


def load_settings(args: argparse.Namespace) -> Settings:
    """The settings from the environment, with the command line's overrides; a bad value is
    one ConfigError line naming the variable (or option) it came from."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    overrides = {"bootstrap_servers": getattr(args, "bootstrap_server", None), "log_format": getattr(args, "log_format", None)}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error["loc"]]
        field = loc[0] if loc else ""
        options = {"bootstrap_servers": "-b/--bootstrap-server", "log_format": "--log-format"}
        source = options[field] if field in overrides else "SITREP_" + "__".join(loc).upper()
        value = "" if field in SECRET_SETTINGS or "input" not in error or isinstance(error["input"], dict) else f"={error['input']!r}"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"bad setting {source}{value}: {message}") from None
    except SettingsError as exc:
        raise ConfigError(f"bad setting: {exc} (nested settings take JSON, or SITREP_GROUP__FIELD variables)") from None


def warn_unknown_variables() -> None:
    for name, close in unknown_variables(os.environ):
        hint = f" (did you mean {close}?)" if close else ""
        print(f"sitrep: warning: {name} is not a Sitrep setting and is ignored{hint}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warn_unknown_variables()
    try:
        settings = load_settings(args)
        level = logging.DEBUG if getattr(args, "loglevel", "info") == "debug" else logging.INFO
        from sitrep import logs

        logs.setup(settings.log_format, settings.app_id, level)
        return run(args, settings)
    except SitrepError as exc:
        print(f"sitrep {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "replay":
        from sitrep.commands.replay import replay

        summary = replay(settings, args.paths, rate=args.rate, limit=args.limit, loop=args.loop, progress=not args.no_progress)
        print(summary.line(), flush=True)
        if summary.interrupted:
            return 130
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
