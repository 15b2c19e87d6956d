"""Optional error reports to a Sentry-protocol server (Sentry, GlitchTip, Bugsink): KISAAN_SENTRY_DSN.

No personal data leaves: sentry-sdk (3.x) collects no user identity, HTTP bodies, SQL parameters or stack-frame
variables (`data_collection`), request data is dropped, and every message, breadcrumb and exception text goes
through the same scrubber as the logs.
"""

from typing import Any

from kisaan_app.observability.logs import scrub


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


def before_send(event: dict, _hint: dict) -> dict:
    request = event.get("request") or {}
    for key in ("data", "cookies", "headers", "query_string"):
        request.pop(key, None)
    event.pop("user", None)
    return _scrubbed(event)


def enable(dsn: str, environment: str, process: str) -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        server_name=process,  # which kind of process, never the host name
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        traces_sample_rate=0,  # traces go to OpenTelemetry
        before_send=before_send,
        before_breadcrumb=lambda crumb, _hint: _scrubbed(crumb),
    )
