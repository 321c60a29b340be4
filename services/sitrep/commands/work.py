"""``sitrep worker``: create the topics, serve metrics, run the Faust worker until stopped."""

from __future__ import annotations

import faust

from sitrep.settings import Settings
from sitrep.stream import liveness, metrics
from sitrep.stream.app import create_app
from sitrep.stream.faust_compat import Worker
from sitrep.stream.kafka import create_topics, preflight, ssl_context


def internal_topics(settings: Settings, app: faust.App) -> list[str]:
    """The topics the worker creates itself: its agents' internal topics, the tables'
    changelogs and Faust's leader topic (named as in faust/assignor/leader_assignor.py)."""
    names = {name for agent in app.agents.values() for name in agent.channel.topics} - set(settings.topics.public())
    names |= {table.changelog_topic.get_topic_name() for table in app.tables.values()}
    names.add(f"{app.conf.id}-__assignor-__leader")
    return sorted(names)


def work(settings: Settings, *, loglevel: str = "info") -> int:
    app = create_app(settings)
    # Faust's client retries a refused login or a missing ACL for ever, so check them
    # here first: a clear error and exit 2 instead of a worker that never gets ready.
    topics, internal = settings.topics, internal_topics(settings, app)
    needs = {topics.raw: "Read", **{name: "Write" for name in topics.outputs().values()}, **{name: "Read and Write" for name in internal}}
    preflight(settings, needs, group=settings.app_id, create=internal)
    # Public topics and the agents' own topics first, with our partition count: Faust would
    # create outputs on first send with the broker default, and a topic it creates while
    # joining the group can miss the assignment (then nothing reads it for minutes).
    create_topics(settings)
    create_topics(settings, names=sorted({n for agent in app.agents.values() for n in agent.channel.topics} - set(topics.public())))
    # And the tables' changelogs, configured as Faust would (compacted, with each table's
    # own settings): one Faust creates while the worker joins can be missing from the
    # metadata at the first assignment, and the first write to it stops the worker.
    changelogs = {t.changelog_topic.get_topic_name(): {"cleanup.policy": "compact", **(t.changelog_topic.config or {})} for t in app.tables.values()}
    create_topics(settings, names=sorted(changelogs), configs=changelogs)
    (settings.state_dir / settings.app_id).mkdir(parents=True, exist_ok=True)
    metrics.serve(settings.metrics_port, settings.metrics_host)
    liveness.BROKER.start(settings.bootstrap_servers, ssl_context(settings))
    app.sitrep_pool.start()  # analyze processes up and warm before the first batch
    # JSON logs: Faust keeps the handler sitrep.logs set up instead of installing its own.
    worker = Worker(app, stop_timeout=settings.stop_timeout, loglevel=loglevel, quiet=True, redirect_stdouts=False,
                    override_logging=settings.log_format != "json")
    if settings.log_format == "json":
        worker.spinner = None  # its progress line is not a log event; "Ready" then is one
    worker.execute_from_commandline()
    return 0
