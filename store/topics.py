"""Per-topic sums without a join: group by the mention's topics list (as text), then expand.

A mention's ``topics`` JSON list sits in the covering indexes of migration 0002, so grouping by
it reads no table rows; the few distinct lists that come back are parsed once and spread over
their topics in Python — counted once under each topic (``split=False``) or with the weight
split evenly over them (``split=True``, so per-topic sums add up to the total).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pandas as pd
from sqlalchemy import Text, cast
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from store.models import Mention

NO_TOPIC = "(no topic)"


def topics_text() -> ColumnElement[Any]:
    """The topics list as text (PostgreSQL cannot group by a json value)."""
    return cast(col(Mention.topics), Text)


@lru_cache(maxsize=4096)
def parse_topics(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    try:
        parsed = json.loads(value)
    except ValueError:
        return ()
    if not isinstance(parsed, list):
        return ()
    return tuple(dict.fromkeys(str(t) for t in parsed))


def expand(
    frame: pd.DataFrame,
    *,
    sums: list[str],
    split: bool,
    keep_untopical: bool = True,
    column: str = "topics",
) -> pd.DataFrame:
    """One row per (input row, topic): ``column`` replaced by ``topic``.

    With ``split`` the ``sums`` columns are divided by the number of topics of the row. Rows
    without topics become ``(no topic)`` rows, or are dropped when not ``keep_untopical``.
    """
    if frame.empty:
        return frame.drop(columns=[column]).assign(topic=pd.Series(dtype=object))
    lists = frame[column].map(parse_topics)
    if keep_untopical:
        lists = lists.map(lambda t: t or (NO_TOPIC,))
    out = frame.drop(columns=[column]).assign(topic=lists.map(list))
    if split:
        n = lists.map(len).clip(lower=1).to_numpy()
        for name in sums:
            out[name] = out[name].to_numpy(dtype=float) / n
    out = out.explode("topic")
    return out[out["topic"].notna()].reset_index(drop=True)
