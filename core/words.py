"""Words a brand manager reads instead of machine codes: counted nouns and drop reasons.

Drop reasons are stored by code (the crawler's DropItem class names, `crawler/drops.py`); the
crawl summary and the dashboard's Crawls page both show them through this one table.
"""

from __future__ import annotations

from collections.abc import Mapping

DROP_REASON_NAMES: dict[str, str] = {
    "MissingText": "no text",
    "MissingId": "no stable id",
    "BadKind": "not a review, post or comment",
    "BadTimestamp": "unreadable or future date",
    "BadRating": "unreadable rating",
    "BadCounter": "unreadable like or reply count",
    "Duplicate": "duplicate in this run",
    "OffTopic": "not about a configured brand",
}


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``count`` and the noun in the right number: "1 page", "3 pages", "2 batches"."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def drop_reason_name(code: str) -> str:
    """The words for one drop reason code; an unknown code is shown as given."""
    return DROP_REASON_NAMES.get(code, code)


def describe_drops(reasons: Mapping[str, int] | None) -> str:
    """Like "no text (2), duplicate in this run (1)", most frequent first; empty if none."""
    ordered = sorted((reasons or {}).items(), key=lambda pair: (-pair[1], pair[0]))
    return ", ".join(f"{drop_reason_name(code)} ({count})" for code, count in ordered if count)
