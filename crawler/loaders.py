"""MentionLoader: declared input/output processors per field of the Mention item.

A value that is present but unreadable (a date in no known format, a rating off its scale) is
not silently dropped: it is recorded in ``item.problems`` and the validate pipeline turns it
into a counted drop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from itemloaders.processors import MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from core.language import detect_language
from crawler.items import Mention
from crawler.processors import (
    clean_text,
    parse_datetime_utc,
    rating_to_5,
    to_int,
)


def _strict(field: str, convert: Callable[[Any], Any]) -> Callable[[Any, dict[str, Any]], Any]:
    """Wrap a converter: a ValueError becomes a recorded problem instead of an exception."""

    def process(value: Any, loader_context: dict[str, Any]) -> Any:
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            loader_context.setdefault("problems", []).append(f"{field}: {exc}")
            return None

    return process


def _rating(value: Any) -> float | None:
    if isinstance(value, tuple):  # (value, best[, worst])
        return rating_to_5(*value)
    return rating_to_5(value)


def _strip(value: Any) -> str | None:
    text = clean_text(value)
    return " ".join(text.split()) if text else None


def _string(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


class MentionLoader(ItemLoader):
    # Values are gathered in a dict (far cheaper per field than a dataclass through
    # ItemAdapter) and become a Mention in load_item.
    default_item_class = dict
    default_output_processor = TakeFirst()

    source_in = MapCompose(_string)
    external_id_in = MapCompose(_string)
    url_in = MapCompose(_string)
    kind_in = MapCompose(_string)
    author_in = MapCompose(_strip)
    title_in = MapCompose(_strip)
    text_in = MapCompose(clean_text)
    language_in = MapCompose(_string, str.lower)
    rating_in = MapCompose(_strict("rating", _rating))
    published_at_in = MapCompose(_strict("published_at", parse_datetime_utc))
    author_followers_in = MapCompose(_strict("author_followers", to_int))
    helpful_votes_in = MapCompose(_strict("helpful_votes", to_int))
    likes_in = MapCompose(_strict("likes", to_int))
    shares_in = MapCompose(_strict("shares", to_int))
    replies_in = MapCompose(_strict("replies", to_int))
    rank_in = MapCompose(_strict("rank", to_int))

    def load_item(self) -> Mention:
        item = Mention(**super().load_item())
        problems = self.context.get("problems")
        if problems:
            item.problems = list(problems)
        if item.language is None:
            item.language = detect_language(item.text)
        elif "-" in item.language or "_" in item.language:
            item.language = item.language.replace("_", "-").split("-")[0]
        return item


def load_mention(**values: Any) -> Mention:
    """Build a Mention from keyword values through the loader's processors (None skipped)."""
    loader = MentionLoader()
    for name, value in values.items():
        if value is None or value == "":
            continue
        # A tuple is one value (a rating with its scale), not several values.
        loader.add_value(name, [value] if isinstance(value, tuple) else value)
    return loader.load_item()
