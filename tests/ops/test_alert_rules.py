"""The alert rules as code: promtool checks them and runs their unit tests (deploy/prometheus/alerts.test.yml),
and every figure a rule reads is one the app exports."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.services import unavailable

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        unavailable("promtool (Debian's prometheus package; `make test` installs it)", FileNotFoundError("promtool"))
    return found


def _run(*args: str) -> str:
    done = subprocess.run(args, cwd=PROMETHEUS, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_rules_and_the_scrape_config_are_valid(promtool):
    assert "SUCCESS" in _run(promtool, "check", "rules", "alerts.yml")
    # check config also reads rule_files; the token file it names exists only on a real server.
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["scrape_configs"][0]["metrics_path"] == "/metrics"


def test_the_alert_rules_pass_their_unit_tests(promtool):
    out = _run(promtool, "test", "rules", "alerts.test.yml")
    assert "SUCCESS" in out


def test_every_alert_is_tested_and_reads_figures_the_app_exports():
    from kisaan_app.api.metrics import FiguresCollector
    from kisaan_app.observability import metrics
    from kisaan_app.services.ops_figures import Figures

    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    alerts = {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"]}
    tested = {
        case["alertname"]
        for test in yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert set(alerts) == tested, f"alerts never seen firing in a test: {set(alerts) - tested}"

    exported = {family.name for family in FiguresCollector(Figures()).collect()}
    for value in vars(metrics).values():
        if hasattr(value, "_name") and hasattr(value, "_type"):
            exported.add(value._name)
    used = {name for expr in alerts.values() for name in re.findall(r"\b(kisaan_[a-z_]+)", expr)}
    suffixes = ("_bucket", "_count", "_sum", "_total")
    unknown = {n for n in used if n not in exported and not any(n.removesuffix(s) in exported for s in suffixes)}
    assert not unknown, f"rules read figures the app does not export: {unknown}"
