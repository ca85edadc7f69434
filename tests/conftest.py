"""Shared fixtures: database engines on a SQLite file and on a real PostgreSQL server.

`UMOT_REQUIRE_POSTGRES=1` (CI) turns "PostgreSQL unavailable" from a skip into a failure.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from store.db import make_engine, upgrade
from tests.support.postgres import PostgresUnavailable, create_database, temporary_postgres

pytest_plugins = ["tests.support.exit_watch", "tests.support.worker_watch"]

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
_db_counter = itertools.count()


def _require(var: str) -> bool:
    return os.environ.get(var, "") not in ("", "0")


@pytest.fixture(autouse=True)
def _worker_processes_not_yet_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts as a plain program would: the `umot` command's callback allows split
    worker processes for the rest of its process, and a test that ran it must not change what
    model.split_workers = "auto" means for the tests after it."""
    from sentiment import preparation

    monkeypatch.setattr(preparation, "_workers_allowed", False)


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Put back ``sys.modules["__main__"]`` after each test. Streamlit's AppTest runs the
    dashboard as ``__main__`` and leaves it there; every worker process started afterwards
    (forkserver and spawn re-import the main module) then ran the whole dashboard script and
    could die with it: the "child process terminated abruptly" behind stop 13's failed CI."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server for this test session (started here, or from the env)."""
    url = os.environ.get("UMOT_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    try:
        with temporary_postgres() as started:
            yield started
    except PostgresUnavailable as exc:
        if _require("UMOT_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (UMOT_REQUIRE_POSTGRES=1): {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    return create_database(postgres_server, f"umot_test_{os.getpid()}_{next(_db_counter)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'umot.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'umot.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on each backend."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repository; skipped (failed in CI) when absent."""
    if not SHARED.is_dir():
        if _require("UMOT_REQUIRE_SHARED"):
            pytest.fail(f"{SHARED} is required (UMOT_REQUIRE_SHARED=1) but missing")
        pytest.skip(f"{SHARED} is absent: team-only fixtures and datasets are not available")
    return SHARED
