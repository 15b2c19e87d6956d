"""The benchmarks still run (tiny settings, all three at once): a bench that rots is found by the suite, not by
the next person who needs its figures. Figures are printed, never asserted (timings here are noisy)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE = {
    "bulk_notify": ["--recipients", "5", "--workers", "2", "--timeout", "240"],
    "market": ["--listings", "200"],
    "payments": ["--payments", "3", "--concurrency", "2"],
    "reports": ["--rows", "2000", "--repeat", "2", "--baseline-repeat", "1"],
}


@pytest.mark.bench
def test_the_benchmarks_run_with_tiny_settings():
    runs = {
        name: subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, args in SMOKE.items()
    }
    failed = {}
    for name, proc in runs.items():
        try:
            out, _ = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        print(f"--- bench/{name}.py {' '.join(SMOKE[name])}\n{out[-1500:]}")
        if proc.returncode != 0:
            failed[name] = out[-3000:]
    assert not failed, failed
    # (fanout.py is left out: it builds and serves the Reflex frontend, which the e2e journeys already do.)
