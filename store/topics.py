"""Per-topic sums without a join: group by the mention's topics list (as text), then expand.

A mention's ``topics`` JSON list sits in the covering indexes of migrations 0002 and 0003, so
grouping by it reads no table rows (and, led by the day, needs no sort: 0003); the few distinct
lists that come back are parsed once and spread over their topics in Python — counted once
under each topic (``split=False``) or with the weight split evenly over them (``split=True``, so
per-topic sums add up to the total).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col

from store.models import Mention

NO_TOPIC = "(no topic)"


class _topics_text(FunctionElement[Any]):  # noqa: N801 - SQL construct naming
    type = Text()
    inherit_cache = True


@compiles(_topics_text)
def _topics_text_sqlite(element: _topics_text, compiler: Any, **kw: Any) -> str:
    # SQLite stores the JSON as text already: the bare column, so that GROUP BY matches the
    # index column (a CAST would not, and SQLite would sort instead of streaming the groups).
    return str(compiler.process(element.clauses, **kw))


@compiles(_topics_text, "postgresql")
def _topics_text_pg(element: _topics_text, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


def topics_text() -> ColumnElement[Any]:
    """The topics list as text, read as a string (PostgreSQL cannot group by a json value)."""
    return _topics_text(col(Mention.topics))


@lru_cache(maxsize=4096)
def parse_topics(value: str | None) -> tuple[str, ...]:
    if not value or not isinstance(value, str):  # None, or NaN once pandas has read it
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
    # Parse each distinct list once (a few dozen lists against tens of thousands of rows).
    codes, uniques = pd.factorize(frame[column])  # a missing list gets code -1: the last entry
    lists = [parse_topics(value) for value in uniques] + [()]
    if keep_untopical:
        lists = [t or (NO_TOPIC,) for t in lists]
    lengths = np.array([len(t) for t in lists])
    flat = np.array([topic for t in lists for topic in t], dtype=object)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    per_row = lengths[codes]
    rows = np.repeat(np.arange(len(frame)), per_row)
    first_of_row = np.repeat(np.cumsum(per_row) - per_row, per_row)
    position = np.arange(len(rows)) - first_of_row  # 0, 1, … within each row's topics
    out = frame.drop(columns=[column]).iloc[rows].reset_index(drop=True)
    out["topic"] = flat[starts[codes[rows]] + position] if len(rows) else flat[:0]
    if split:
        n = np.maximum(per_row[rows], 1)
        for name in sums:
            out[name] = out[name].to_numpy(dtype=float) / n
    return out
