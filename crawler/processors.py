"""Pure converters used by the loader: timestamps, ratings, counters, text.

A mention's language comes from :mod:`core.language`, the rule the classifier uses too.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import dateparser
from w3lib.html import remove_comments, replace_entities

_BLOCK_TAGS = re.compile(r"<\s*/?\s*(br|p|div|li|h[1-6]|blockquote|tr)\b[^>]*>", re.I)
_SCRIPTS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_COUNT = re.compile(r"^\s*([\d.,]+)\s*([kKmM]?)\s*$")
_ISO_DOTTED = re.compile(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})$")
_DATEPARSER_SETTINGS = {
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "PREFER_DAY_OF_MONTH": "first",
}


def parse_datetime_utc(value: Any, *, now: datetime | None = None) -> datetime | None:
    """An aware UTC datetime from epoch numbers, ISO 8601, RFC 2822 or "3 days ago".

    Empty input gives None; input that is present but unreadable raises ValueError.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return parse_datetime_utc(int(text))
    for parse in (_iso, _dotted, _rfc2822):
        parsed = parse(text)
        if parsed is not None:
            return parsed
    settings: dict[str, Any] = dict(_DATEPARSER_SETTINGS)
    if now is not None:
        settings["RELATIVE_BASE"] = now.astimezone(UTC).replace(tzinfo=None)
    parsed = dateparser.parse(text, settings=settings)
    if parsed is None:
        raise ValueError(f"unreadable date {text[:60]!r}")
    return _utc(parsed)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(text: str) -> datetime | None:
    candidate = text.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        return _utc(datetime.fromisoformat(candidate))
    except ValueError:
        return None


def _dotted(text: str) -> datetime | None:
    match = _ISO_DOTTED.match(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    try:
        return _utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _NUMBER.search(str(value))
    if not match:
        raise ValueError(f"not a number: {str(value)[:40]!r}")
    return float(match.group().replace(",", "."))


def rating_to_5(value: Any, best: Any = 5, worst: Any = None) -> float | None:
    """A rating on the scale [worst, best] mapped to 0–5 (a 1–5 or 0–5 scale is kept as is)."""
    rating = to_float(value)
    if rating is None:
        return None
    top = to_float(best) or 5.0
    bottom = to_float(worst) if worst not in (None, "") else None
    if bottom is None or bottom in (0.0, 1.0) and top == 5.0:
        scaled = rating * 5.0 / top
    else:
        scaled = (rating - bottom) * 5.0 / (top - bottom)
    if not 0.0 <= scaled <= 5.0:
        raise ValueError(f"rating {rating} outside [{bottom or 0}, {top}]")
    return round(scaled, 3)


def to_int(value: Any) -> int | None:
    """Counters as ints: 12, "12", "1,234", "1.2k", "3M"; None stays None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = _COUNT.match(str(value))
    if not match:
        raise ValueError(f"not a count: {str(value)[:40]!r}")
    number, suffix = match.groups()
    multiplier = {"": 1, "k": 1_000, "m": 1_000_000}[suffix.lower()]
    if suffix:
        return int(float(number.replace(",", ".")) * multiplier)
    return int(number.replace(",", "").replace(".", ""))


def clean_text(value: Any) -> str | None:
    """HTML or plain text -> readable text: tags gone, entities decoded, whitespace tidied.

    Double-escaped markup (``&lt;br&gt;`` inside JSON-LD) is decoded and stripped as well.
    """
    if value is None:
        return None
    text = _strip_tags(str(value))
    text = html.unescape(replace_entities(text))
    if _TAG.search(text):  # it was escaped markup
        text = _strip_tags(text)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text).strip()
    return text or None


def _strip_tags(text: str) -> str:
    if "<" not in text or ">" not in text:
        return text
    text = _SCRIPTS.sub(" ", remove_comments(text))
    text = _BLOCK_TAGS.sub("\n", text)
    return _TAG.sub("", text)
