"""``sitrep worker``: create the topics, serve metrics, run the Faust worker until stopped."""

from __future__ import annotations

import faust

from sitrep import metrics
from sitrep.kafka import create_topics
from sitrep.settings import Settings
from sitrep.worker import create_app


def work(settings: Settings, *, loglevel: str = "info") -> int:
    # Public topics first, with our partition count: Faust would otherwise create the
    # output topics on first send with the broker default.
    create_topics(settings)
    (settings.state_dir / settings.app_id).mkdir(parents=True, exist_ok=True)
    metrics.serve(settings.metrics_port)
    app = create_app(settings)
    worker = faust.Worker(app, loglevel=loglevel, quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
    return 0
