"""`umot init`, `db upgrade`, `status` through Typer's runner and a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core import __version__
from core.config import load_config
from umot.cli import app

runner = CliRunner()


def _umot(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "umot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
    )


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"umot {__version__}"


def test_init_writes_a_valid_commented_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--path", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "proj" / "umot.toml"
    assert "#" in written.read_text()
    config = load_config(written)
    assert config.brands and config.sources
    again = runner.invoke(app, ["init", "--path", str(tmp_path / "proj")])
    assert again.exit_code == 2 and "already exists" in again.output


def test_init_upgrade_status_in_an_empty_directory(tmp_path: Path) -> None:
    assert _umot("init", cwd=tmp_path).returncode == 0
    upgrade = _umot("db", "upgrade", cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "upgraded from empty" in upgrade.stdout
    status = _umot("status", "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["mentions"]["total"] == 0
    assert data["classified"] == 0 and data["runs"] == []
    assert data["mentions"]["by_brand"] == {"Northwind Outfitters": 0}
    assert set(data["mentions"]["by_source"]) == {
        "northwind-shop",
        "northwind-trustpilot",
        "northwind-hn",
    }
    assert (tmp_path / "umot.db").is_file()


def test_status_without_any_config_uses_embedded_defaults(tmp_path: Path) -> None:
    status = _umot("status", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "0 mentions" in status.stdout
    assert (tmp_path / "umot.db").is_file()


@pytest.mark.postgres
def test_init_upgrade_status_against_postgres(tmp_path: Path, postgres_url: str) -> None:
    env = {"UMOT_DATABASE_URL": postgres_url}
    assert _umot("init", cwd=tmp_path).returncode == 0
    before = _umot("status", "--json", cwd=tmp_path, env=env)
    assert before.returncode == 2 and "umot db upgrade" in before.stderr
    upgrade = _umot("db", "upgrade", cwd=tmp_path, env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    status = _umot("status", "--json", cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["mentions"]["total"] == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///{tmp}/afile/x.db", "cannot use the database: [Errno 17] File exists"),
        ("sqlite:///{tmp}/junk.db", "cannot use the database: file is not a database"),
        ("postgresql://u@h:notaport/db", "database URL does not parse"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(tmp_path: Path, url: str, message: str) -> None:
    """A file where the SQLite folder should be, a file that is not a database, a port that is
    not a number: one line, exit 2, and the file left as it was."""
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "junk.db").write_text("hello")
    result = _umot("status", cwd=tmp_path, env={"UMOT_DATABASE_URL": url.format(tmp=tmp_path)})
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (tmp_path / "junk.db").read_text() == "hello"


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {"UMOT_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = _umot("status", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "cannot use the database" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("sources", "runs", "expected"),
    [
        ([], [], "No sources configured"),
        (["a", "b"], [("a", "failed"), ("b", "blocked")], "Every source failed at its last run"),
        (["a", "b"], [("a", "failed"), ("b", "ok")], "The database is empty"),
    ],
)
def test_status_names_why_nothing_is_there(
    sources: list[str], runs: list[tuple[str, str]], expected: str
) -> None:
    from store.status import FAILED_STATUSES, DataState, empty_cause
    from umot.cli import NEXT_STEPS

    def advice(mentions: int, classified: int) -> str | None:
        failed = {name: status for name, status in runs if status in FAILED_STATUSES}
        state = DataState(mentions, classified, failed, frozenset(n for n, _ in runs))
        return NEXT_STEPS.get(empty_cause(state, sources))  # type: ignore[arg-type]

    assert (advice(0, 0) or "").startswith(expected)
    assert advice(3, 0) == "Nothing is labelled yet: run `umot classify`."
    assert advice(3, 3) is None
