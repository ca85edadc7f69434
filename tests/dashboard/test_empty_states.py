"""An empty page names why it is empty and the command that fixes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store.catalog import ensure_source
from store.db import make_engine, session_scope, upgrade
from store.runs import finish_run, start_run
from tests.dashboard.conftest import CONFIG, _clear_caches, open_page
from tests.store.helpers import M, fill

PAGES = ("overview", "journey", "loop", "mentions", "advocates_complaints")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A fresh database; returns its folder and URL and points the dashboard at them."""
    db = tmp_path / "umot.db"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.delenv("UMOT_DATABASE_URL", raising=False)
    _clear_caches()
    yield tmp_path, url
    _clear_caches()


def _use(folder: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = folder / "umot.toml"
    path.write_text(text)
    monkeypatch.setenv("UMOT_CONFIG", str(path))


def _info(name: str) -> str:
    return " ".join(i.value for i in open_page(name).info)


def test_no_source_configured(setup, monkeypatch) -> None:
    folder, _ = setup
    _use(folder, CONFIG.split("[[sources]]")[0].format(db=folder / "umot.db"), monkeypatch)
    for name in PAGES:
        text = _info(name)
        assert "No source is configured yet" in text and "umot init" in text, name


def test_every_source_failed_at_its_last_crawl(setup, monkeypatch) -> None:
    folder, url = setup
    _use(folder, CONFIG.format(db=folder / "umot.db"), monkeypatch)
    engine = make_engine(url)
    with session_scope(engine) as session:
        for name, spider, status, error in (
            ("reviews", "jsonld", "failed", "could not resolve host example.test"),
            ("forum", "reddit", "needs_credentials", None),
        ):
            run = start_run(session, source_id=ensure_source(session, name=name, spider=spider))
            finish_run(session, run_id=run.id, status=status, pages=0, error=error)
    engine.dispose()
    text = _info("overview")
    assert "every source failed at its last crawl" in text
    assert "reviews: could not resolve host example.test" in text
    assert "forum: needs credentials" in text and "umot crawl" in text


def test_one_source_failed_and_one_never_ran_is_the_plain_empty_state(setup, monkeypatch) -> None:
    folder, url = setup
    _use(folder, CONFIG.format(db=folder / "umot.db"), monkeypatch)
    engine = make_engine(url)
    with session_scope(engine) as session:
        run = start_run(session, source_id=ensure_source(session, name="forum", spider="reddit"))
        finish_run(session, run_id=run.id, status="blocked", pages=1, error="CAPTCHA page")
    engine.dispose()
    text = _info("overview")
    assert "No mentions yet. Run `umot crawl`" in text and "every source failed" not in text


def test_mentions_without_labels_ask_for_umot_classify(setup, monkeypatch) -> None:
    folder, url = setup
    _use(folder, CONFIG.format(db=folder / "umot.db"), monkeypatch)
    engine = make_engine(url)
    fill(engine, [M(f"u{i}", "2026-01-02", None, text=f"unlabelled {i}") for i in range(3)])
    engine.dispose()
    for name in PAGES:
        text = _info(name)
        assert "3 mentions are stored, but none is labelled yet" in text, name
        assert "umot classify" in text, name
