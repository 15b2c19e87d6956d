"""The import contracts in .importlinter (layers, services never import tasks, kisaan_app never imports the
sandbox) run with the tests too, so `make test` alone catches a break, not only `make lint`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='.importlinter', no_cache=True, no_logo=True))"
)


def test_the_import_contracts_hold():
    done = subprocess.run([sys.executable, "-c", RUN], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_python_folder_is_a_package_the_contracts_can_see():
    """grimp skips a folder without __init__.py, and a contract about a module it cannot see holds vacuously."""
    folders = {path.parent for top in ("kisaan_app", "sandbox") for path in (ROOT / top).rglob("*.py")}
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists())
    assert missing == []
