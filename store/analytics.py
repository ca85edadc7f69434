"""SQL aggregates for the Overview and Journey pages: KPIs, volume and sentiment, stages, topics.

Every function takes a :class:`store.scope.Scope` and returns a small pandas DataFrame whose
``series`` column is the brand name when brands are compared side by side (else "All brands").
Aggregation happens in SQL (GROUP BY on indexed columns); Python only renames and derives ratios.
The loop metrics (exposure index, contributions, shelf) live in :mod:`store.loop`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import and_, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from core.labels import SENTIMENTS, STAGE_ORDER
from store.cube import daily_cube
from store.facts import Facts, facts
from store.models import Mention, MentionTopic, Source
from store.scope import Scope, Weights, conditions, count_if, series_names
from store.topics import NO_TOPIC, expand


def _sentiment_counts() -> list[ColumnElement[Any]]:
    return [
        func.count().label("mentions"),
        func.count(col(Mention.sentiment)).label("classified"),
        count_if(col(Mention.sentiment) == "positive").label("positive"),
        count_if(col(Mention.sentiment) == "neutral").label("neutral"),
        count_if(col(Mention.sentiment) == "negative").label("negative"),
        func.avg(col(Mention.sentiment_score)).label("avg_score"),
    ]


def _derive(frame: pd.DataFrame) -> pd.DataFrame:
    """Net sentiment = (positive − negative) / classified × 100; shares of each sentiment
    (columns added to an empty frame too, so that callers can select them)."""
    if frame.empty:
        derived = ["net_sentiment", *(f"{name}_share" for name in SENTIMENTS)]
        return frame.reindex(columns=[*frame.columns, *derived])
    classified = frame["classified"].where(frame["classified"] > 0)
    frame["net_sentiment"] = (frame["positive"] - frame["negative"]) / classified * 100
    for name in SENTIMENTS:
        frame[f"{name}_share"] = frame[name] / classified
    return frame


def _frame(session: Session, scope: Scope, stmt: Any, columns: list[str]) -> pd.DataFrame:
    rows = session.exec(stmt).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    if "series" in frame:
        names = series_names(session, scope)
        frame["series"] = frame["series"].map(lambda k: names.get(k, "(no brand)"))
    for name in ("mentions", "classified", "positive", "neutral", "negative"):
        if name in frame:
            frame[name] = frame[name].fillna(0).astype(int)
    return frame


_COUNT_COLUMNS = ["mentions", "classified", "positive", "neutral", "negative", "avg_score"]


def _sentiment_frame(cube: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Cube rows summed over ``keys``: mentions, classified, per-sentiment counts, avg score."""
    if cube.empty:
        return pd.DataFrame(columns=[*keys, *_COUNT_COLUMNS])
    frame = cube.assign(
        classified=cube["mentions"].where(cube["sentiment"].notna(), 0),
        **{name: cube["mentions"].where(cube["sentiment"] == name, 0) for name in SENTIMENTS},
    )
    sums = frame.groupby(keys, as_index=False, dropna=False)[
        ["mentions", "classified", *SENTIMENTS, "score_sum", "w", "rating_n", "rating_sum"]
    ].sum()
    sums["avg_score"] = sums["score_sum"] / sums["classified"].where(sums["classified"] > 0)
    return sums


def kpis(session: Session, *, scope: Scope, weights: Weights | None = None) -> pd.DataFrame:
    """One row per series: mentions, classified, sentiment counts and shares, net sentiment,
    average score and rating, summed visibility (source-weighted). From the daily cube."""
    cube = daily_cube(session, scope=scope, weights=weights)
    frame = _sentiment_frame(cube, ["series"])
    if not frame.empty:
        frame["avg_rating"] = frame["rating_sum"] / frame["rating_n"].where(frame["rating_n"] > 0)
        frame["visibility"] = frame["w"]
    if scope.compare:  # a selected brand with no mentions still gets its row of zeros
        names = series_names(session, scope)
        missing = [n for n in names.values() if n not in set(frame["series"])]
        if missing:
            frame = pd.concat([frame, pd.DataFrame({"series": missing})], ignore_index=True)
    for name in ("mentions", "classified", *SENTIMENTS):
        frame[name] = frame[name].fillna(0).astype(int)
    columns = ["series", *_COUNT_COLUMNS, "avg_rating", "visibility"]
    frame = _derive(frame.reindex(columns=columns))
    return frame.sort_values("series", ignore_index=True)


def volume_by_day(session: Session, *, scope: Scope) -> pd.DataFrame:
    """Per series, UTC day and sentiment ("unclassified" when none): mentions and avg score."""
    cube = daily_cube(session, scope=scope)
    columns = ["series", "day", "sentiment", "mentions", "avg_score"]
    if cube.empty:
        return pd.DataFrame(columns=columns)
    cube = cube.assign(sentiment=cube["sentiment"].fillna("unclassified"))
    frame = cube.groupby(["series", "day", "sentiment"], as_index=False)[
        ["mentions", "score_sum"]
    ].sum()
    classified = frame["sentiment"] != "unclassified"
    frame["avg_score"] = (frame["score_sum"] / frame["mentions"]).where(classified)
    frame["day"] = pd.to_datetime(frame["day"])
    return frame[columns].sort_values(["series", "day"], ignore_index=True)


def by_source(session: Session, *, scope: Scope) -> pd.DataFrame:
    """Per series and source: mentions, sentiment counts, net sentiment."""
    f = facts(session)
    keys: list[Any] = [f.source_id, f.sentiment]
    if scope.compare:
        keys.insert(0, f.brand_id)
    stmt = (
        f.select(*keys, f.count(), f.score_sum())
        .where(*f.where(scope))
        .group_by(*keys)
        .having(*f.present())
    )
    rows = [tuple(r) for r in session.connection().execute(stmt).all()]
    if not scope.compare:
        rows = [(0, *r) for r in rows]
    names = series_names(session, scope)
    sources = dict(session.exec(select(Source.id, Source.name)).all())
    cube = pd.DataFrame(rows, columns=["series", "source", "sentiment", "mentions", "score_sum"])
    cube["series"] = cube["series"].map(lambda k: names.get(k, "(no brand)"))
    cube["source"] = cube["source"].map(sources)
    cube["score_sum"] = cube["score_sum"].astype(float).fillna(0.0)
    frame = _derive(_sentiment_frame(cube.assign(w=0.0, rating_n=0, rating_sum=0.0),
                                     ["series", "source"]))  # fmt: skip
    if frame.empty:
        return frame
    return frame[["series", "source", *_COUNT_COLUMNS, "net_sentiment", "negative_share",
                  "neutral_share", "positive_share"]].sort_values(
        ["series", "mentions"], ascending=[True, False], ignore_index=True
    )  # fmt: skip


def by_stage(session: Session, *, scope: Scope) -> pd.DataFrame:
    """Per series and stage (classified mentions): volume, sentiment counts, net sentiment."""
    cube = daily_cube(session, scope=scope)
    cube = cube[cube["stage"].notna()]
    frame = _derive(_sentiment_frame(cube, ["series", "stage"]))
    if frame.empty:
        return frame
    frame["_order"] = frame["stage"].map(lambda s: STAGE_ORDER.get(s, len(STAGE_ORDER)))
    frame = frame.sort_values(["series", "_order"], ignore_index=True)
    return frame[["series", "stage", *_COUNT_COLUMNS, "net_sentiment", "negative_share",
                  "neutral_share", "positive_share"]]  # fmt: skip


def _topic_cube(session: Session, scope: Scope, f: Facts, keys: list[Any]) -> pd.DataFrame:
    """Counts per ``keys`` × topics list × sentiment (stage/series keys as given)."""
    group = [*keys, f.topics, f.sentiment]
    stmt = (
        f.select(*group, f.count(), f.score_sum())
        .where(*f.where(scope), f.sentiment.is_not(None))
        .group_by(*group)
        .having(*f.present())
    )
    return pd.DataFrame([tuple(r) for r in session.connection().execute(stmt).all()])


def by_topic(session: Session, *, scope: Scope) -> pd.DataFrame:
    """Per series and topic (a mention counts once under each of its topics)."""
    f = facts(session, topics=True)
    raw = _topic_cube(session, scope, f, [f.brand_id] if scope.compare else [])
    columns = ["series", "topics", "sentiment", "mentions", "score_sum"]
    if raw.empty:
        return pd.DataFrame(columns=["series", "topic", *_COUNT_COLUMNS])
    if not scope.compare:
        raw.insert(0, "series", 0)
    raw.columns = columns
    names = series_names(session, scope)
    raw["series"] = raw["series"].map(lambda k: names.get(k, "(no brand)"))
    raw["score_sum"] = raw["score_sum"].astype(float).fillna(0.0)
    long = expand(raw, sums=[], split=False, keep_untopical=False)
    frame = _derive(
        _sentiment_frame(long.assign(w=0.0, rating_n=0, rating_sum=0.0), ["series", "topic"])
    )
    return frame.sort_values(["series", "mentions"], ascending=[True, False], ignore_index=True)


def stage_topic(session: Session, *, scope: Scope) -> pd.DataFrame:
    """Stage × topic (all series together): volume, average score, net sentiment per cell.

    Mentions without topics fall in the ``(no topic)`` column, so every classified mention is in
    exactly one row of its stage or more (one per topic).
    """
    f = facts(session, topics=True)
    raw = _topic_cube(session, scope, f, [f.stage])
    if raw.empty:
        return pd.DataFrame(columns=["stage", "topic", *_COUNT_COLUMNS])
    raw.columns = ["stage", "topics", "sentiment", "mentions", "score_sum"]
    raw = raw[raw["stage"].notna()]
    raw["score_sum"] = raw["score_sum"].astype(float).fillna(0.0)
    long = expand(raw, sums=[], split=False)
    frame = _sentiment_frame(long.assign(w=0.0, rating_n=0, rating_sum=0.0), ["stage", "topic"])
    return _derive(frame)[["stage", "topic", *_COUNT_COLUMNS, "net_sentiment",
                           "negative_share", "neutral_share", "positive_share"]]  # fmt: skip


def sample_quotes(
    session: Session,
    *,
    scope: Scope,
    stage: str,
    topic: str,
    sentiment: str | None = None,
    limit: int = 3,
) -> pd.DataFrame:
    """The most visible mentions of one stage × topic cell (text, sentiment, link)."""
    stmt = select(
        col(Mention.id),
        col(Mention.text),
        col(Mention.sentiment),
        col(Mention.sentiment_score),
        col(Mention.url),
        col(Mention.published_at),
        col(Mention.visibility),
    ).where(*conditions(scope, by_day=False), col(Mention.stage) == stage)
    if topic == NO_TOPIC:
        has_topic = select(MentionTopic.mention_id).where(
            col(MentionTopic.mention_id) == col(Mention.id)
        )
        stmt = stmt.where(~has_topic.exists())
    else:
        stmt = stmt.join(
            MentionTopic,
            and_(col(MentionTopic.mention_id) == col(Mention.id), col(MentionTopic.topic) == topic),
        )
    if sentiment is not None:
        stmt = stmt.where(col(Mention.sentiment) == sentiment)
    stmt = stmt.order_by(col(Mention.visibility).desc(), col(Mention.id)).limit(limit)
    columns = ["id", "text", "sentiment", "score", "url", "published_at", "visibility"]
    return pd.DataFrame([tuple(r) for r in session.exec(stmt).all()], columns=columns)
