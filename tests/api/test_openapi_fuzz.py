"""Schemathesis against /api/openapi.json: every operation, a bounded number of generated requests each (valid and
invalid), as each role. No answer may be a 5xx, and every 4xx must be the one error shape (api/errors.py).

Select it with `-m fuzz`; `KISAAN_FUZZ_EXAMPLES` sets the examples per operation and role (default 8). The figures
(operations, requests) are printed in pytest's terminal summary.
"""

import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.services import accounts
from tests.factories import META, make_org, make_user
from tests.payments_support import make_order

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("KISAAN_FUZZ_EXAMPLES", "8"))
# The same examples every run (a red run can be repeated); KISAAN_FUZZ_RANDOM=1 explores new ones.
DERANDOMIZE = os.environ.get("KISAAN_FUZZ_RANDOM", "") != "1"
ROLES = ("anonymous", "farmer", "buyer", "org_admin", "admin")
# An open stream never ends by itself (it waits for events, with a keepalive every 15 s), so with a valid token
# each example would hang; its token, ticket and topic checks still run anonymously, and tests/api/test_sse.py
# covers an authenticated stream.
ENDLESS = {("GET", "/api/events/stream")}
ERROR_KEYS = {"code", "message", "field", "details"}
# The health probe answers 503 by design while a part is down (here: no job worker runs), with its own report as
# the body; that is its answer, not a failure. Any other 5xx from it still counts.
HEALTH = "/api/health"


def _degraded_health(case, response) -> bool:
    if case.operation.path != HEALTH or response.status_code != 503:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return body.get("status") == "degraded" and isinstance(body.get("checks"), dict)


class World:
    """The people the fuzzer acts as, put back after every operation: a generated request may log them out,
    deactivate them or change their role (ids are small integers, so it does hit them)."""

    def __init__(self) -> None:
        org = make_org("Fuzz FPO")
        self.users = {
            "farmer": make_user("farmer", org_id=org, district="Nashik"),
            "buyer": make_user("buyer"),
            "org_admin": make_user("org_admin", org_id=org),
            "admin": make_user("admin"),
        }
        # A listing and an unpaid order between them, so generated small ids also reach real rows (a payment for
        # it calls the Razorpay stand-in).
        make_order(self.users["buyer"].id, self.users["farmer"].id)
        self.shape = {role: (u.role, u.organization_id, u.password_hash) for role, u in self.users.items()}
        self.tokens: dict[str, str] = {}

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        user = self.users[role]
        with session_scope() as session:
            row = session.exec(select(User).where(User.id == user.id)).one()
            wanted_role, org_id, password_hash = self.shape[role]
            row.role, row.organization_id, row.password_hash, row.is_active = wanted_role, org_id, password_hash, True
            session.add(row)
            session.flush()
            token = self.tokens.get(role)
            if token is None or accounts.principal_for_token(session, token) is None:
                token, _ = accounts.open_session(session, row, "api", META)  # no password check: cheap
                self.tokens[role] = token
        return {"Authorization": f"Bearer {token}"}


def _shape_problem(response) -> str | None:
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:300]}"
    if 400 <= response.status_code < 500:
        try:
            error = response.json()["error"]
        except Exception:  # noqa: BLE001 - any non-conforming body is the finding
            return f"{response.status_code} not in the error shape: {response.text[:300]}"
        if not isinstance(error, dict) or set(error) != ERROR_KEYS or not isinstance(error["code"], str):
            return f"{response.status_code} not in the error shape: {response.text[:300]}"
        if response.status_code == 429 and "retry-after" not in {k.lower() for k in response.headers}:
            return "429 without Retry-After"
    return None


def _fuzz_operation(operation, headers: dict[str, str], statuses: Counter, findings: list[str]) -> int:
    ran = 0
    strategy = st.one_of(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        nonlocal ran
        ran += 1
        where = f"{case.method} {case.formatted_path} {case.path_parameters} {case.query}"
        try:  # the in-process client re-raises what the app did not handle: that would have been a 500
            response = case.call(headers=headers)
        except Exception as err:  # noqa: BLE001 - any escape is the finding
            statuses[500] += 1
            findings.append(f"{where}: unhandled {type(err).__name__}: {str(err)[:200]}")
            return
        if _degraded_health(case, response):
            statuses["health 503"] += 1  # not a finding (see HEALTH); counted apart so the figures say so
            return
        statuses[response.status_code // 100 * 100] += 1
        problem = _shape_problem(response)
        if problem:
            findings.append(f"{where}: {problem}")

    run()
    return ran


@pytest.fixture
def fuzz_world(db, provider_sandbox):
    """Payments and password-reset SMS call the provider stand-ins: the sandbox runs, settings point at it."""
    from tests.conftest import _use_database

    _use_database(db)
    return World()


@pytest.mark.parametrize("role", ROLES)
def test_no_server_errors_and_one_error_shape(fuzz_world, role, record_property):
    from kisaan_app.api import create_api

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_api())
    operations, examples, statuses, findings = 0, 0, Counter(), []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if role != "anonymous" and (operation.method.upper(), operation.path) in ENDLESS:
            continue
        operations += 1
        examples += _fuzz_operation(operation, fuzz_world.headers(role), statuses, findings)
    seconds = time.monotonic() - started
    answers = dict(sorted(statuses.items(), key=str))
    figures = f"{role}: {operations} operations, {examples} requests, {answers}, {seconds:.0f} s"
    record_property("fuzz", figures)
    print("fuzz", figures)
    assert not findings, "\n".join(findings[:40])
