"""Operations' view of the running app: traces (tracing.py), Prometheus figures (metrics.py), JSON logs
(logs.py) and error reports (errors.py). Infrastructure below the services: it reads settings and nothing else
of the app, so the engine (db), the queue (jobs) and every face may use it.

`setup(process)` is what a composition root calls once: the web app, the API on its own, the job worker.
"""

from kisaan_app.observability import errors, logs, tracing
from kisaan_app.settings import get_settings

_done: set[str] = set()


def setup(process: str) -> None:
    """Logs, tracing and error reporting as the settings ask, once per process. `process` names the service in
    traces and reports: "web", "api" or "worker"."""
    if process in _done:
        return
    _done.add(process)
    settings = get_settings()
    if settings.log_format or settings.is_prod:  # else logging stays as the server (or the test runner) set it
        logs.configure(settings.log_format_in_use, settings.log_level)
    if settings.otlp_endpoint:
        tracing.enable(tracing.otlp_exporter(settings.otlp_endpoint), service=f"kisaansay-{process}", set_global=True)
    if settings.sentry_dsn:
        errors.enable(settings.sentry_dsn, environment=settings.env, process=process)
