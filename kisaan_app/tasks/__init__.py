"""Huey tasks, one module per domain; importing this package registers every module's tasks on `jobs.huey` and
every named job services may enqueue (jobs.enqueue_on_commit). The worker's huey target is
`kisaan_app.tasks.huey`, so the consumer always loads them all."""

import importlib
import pkgutil

from kisaan_app import observability
from kisaan_app.jobs import huey

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


@huey.on_startup()
def _observe_the_worker() -> None:
    """In the job worker only (huey runs startup hooks in the consumer): logs, traces, error reports."""
    observability.setup("worker")


__all__ = ["huey"]
