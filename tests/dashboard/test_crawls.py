"""Crawls page: last run per source, errors, history, next scheduled runs."""

from __future__ import annotations

from tests.dashboard.conftest import open_page


def test_crawls_page(app_env) -> None:
    at = open_page("crawls")
    assert [t.value for t in at.title] == ["Crawls"]
    latest = at.dataframe[0].value
    assert set(latest["Status"]) == {"ok", "blocked"}
    # Headers in words, the error right after the status.
    assert list(latest.columns[:3]) == ["Source", "Status", "What went wrong"]
    assert latest["Status"].iloc[0] == "blocked"  # what needs doing comes first
    errors = at.dataframe[1].value
    assert list(errors["What went wrong"]) == ["CAPTCHA page"]
    history = at.dataframe[2].value
    # Drop reasons in words, most frequent first; no class names on screen.
    assert set(history["Why dropped"]) == {"not about a configured brand (2), no text (1)", ""}
    assert not [c for c in history.columns if "_" in c]
    upcoming = at.dataframe[-1].value
    assert list(upcoming["Source"]) == ["reviews"]
