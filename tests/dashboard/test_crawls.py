"""Crawls page: last run per source, errors, history, next scheduled runs."""

from __future__ import annotations

from tests.dashboard.conftest import open_page


def test_crawls_page(app_env) -> None:
    at = open_page("crawls")
    assert [t.value for t in at.title] == ["Crawls"]
    latest = at.dataframe[0].value
    assert set(latest["status"]) == {"ok", "blocked"}
    errors = at.dataframe[1].value
    assert list(errors["error"]) == ["CAPTCHA page"]
    history = at.dataframe[2].value
    # Drop reasons in words, most frequent first; no class names on screen.
    assert set(history["drop_reasons"]) == {"not about a configured brand (2), no text (1)", ""}
    upcoming = at.dataframe[-1].value
    assert list(upcoming["source"]) == ["reviews"]
