"""The layer contracts in pyproject.toml hold, and they catch an upward import or a cycle.

`lint-imports` (import-linter) reads every import statement, including those inside functions,
so a function-level import written to dodge a cycle still counts as one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "store", "crawler", "sentiment", "dashboard", "demo", "umot")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_layer_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert result.stdout.count("KEPT") >= 4


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    """The project's Python sources and pyproject.toml, copied so that a test may break them."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            target = tmp_path / source.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/labels.py", "from store.models import Mention", "Layers"),
        ("store/db.py", "import umot.cli", "Layers"),
        ("crawler/items.py", "from dashboard import charts", "Layers"),
        ("sentiment/classifier.py", "from store import models", "never touches the database"),
        ("sentiment/heads.py", "import sentiment.training", "Inference never imports training"),
        ("store/types.py", "def later():\n    from store import analytics", "No import cycle"),
    ],
)
def test_the_contracts_catch_a_broken_rule(
    copy_of_the_code: Path, module: str, line: str, contract: str
) -> None:
    path = copy_of_the_code / module
    path.write_text(path.read_text() + f"\n\n{line}\n")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
