"""One DropItem subclass per reason: Scrapy counts drops by class name in its stats."""

from __future__ import annotations

from scrapy.exceptions import DropItem

DROP_STATS_PREFIX = "item_dropped_reasons_count/"


class MissingText(DropItem):
    """The mention has no text."""


class MissingId(DropItem):
    """No stable external id: re-crawls could not recognise it."""


class BadKind(DropItem):
    """Kind is not review, post or comment."""


class BadTimestamp(DropItem):
    """A publication date was present but unreadable, or lies in the future."""


class BadRating(DropItem):
    """A rating was present but unreadable or outside its scale."""


class BadCounter(DropItem):
    """An engagement counter was present but not a number."""


class Duplicate(DropItem):
    """The same (source, external_id) was already seen in this run."""


class OffTopic(DropItem):
    """No configured brand keyword occurs in a mention from an unscoped source."""


def drop_reasons(stats: dict[str, object]) -> dict[str, int]:
    """{reason class name: count} from a crawler's stats."""
    return {
        key.removeprefix(DROP_STATS_PREFIX): int(value)  # type: ignore[call-overload]
        for key, value in stats.items()
        if key.startswith(DROP_STATS_PREFIX)
    }
