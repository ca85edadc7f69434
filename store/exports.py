"""Advocates, complaints and corrections: the lists `umot export` writes and the dashboard offers.

Both read through the same functions with the same :class:`store.scope.Scope` and the same
``as_of`` time, so a page's download equals ``umot export … --brand B --since D --as-of T``
to the last digit. ``as_of`` is the one "now" of a list: complaint priorities decay to its
day, nothing published at or after it counts, and every row carries it (column ``as_of``).
Every row names its brand and product; codes (``stage``, ``topics``) stay beside their display
names (``stage_name``, ``topic_names``) for machines. Fractional numbers are rounded to
``DECIMALS`` places here, once, so that every format holds the very value the page shows (XLSX
keeps 16 significant digits, not the 17 a float may need).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import func, literal_column
from sqlmodel import Session, col, or_, select

from core.labels import OWNER_TEAMS, display_name
from store import advocacy, bulk, walks
from store.models import Brand, ComplaintStatus, Correction, Mention, Product, Source
from store.schemas import classification_text
from store.scope import (
    Scope,
    Weights,
    age_days,
    conditions,
    decay_on,
    ensure_sql_math,
    ref_day,
)

ADVOCATE_COLUMNS = [
    "rank", "author", "brand", "source", "profile_url", "followers", "positive_mentions",
    "mention_count", "summed_visibility", "average_score", "top_quote", "top_quote_url",
    "top_quote_confidence", "product", "first_published_at", "last_published_at", "as_of",
]  # fmt: skip
COMPLAINT_COLUMNS = [
    "rank", "id", "priority", "status", "brand", "product", "owner_team", "stage", "stage_name",
    "topics", "topic_names", "sentiment_score", "confidence", "stage_confidence", "visibility",
    "published_at",
    "source", "author", "url", "text", "status_note", "as_of",
]  # fmt: skip
# The first five are what `umot train` reads (id,text,label,stage,topics); the rest ride along.
CORRECTION_COLUMNS = ["id", "text", "label", "stage", "topics", "brand", "product"]

DECIMALS = 6
# A walked complaint list reads this many rows past its limit: the walk weighs rows in Python,
# the list's SQL ranks them, and the two may round a near-tie differently.
_WALK_SLACK = 20
# Above this many advocates the details are read for every positive mention in scope instead
# of the listed authors only (an IN list that long gains nothing).
_MAX_AUTHOR_LIST = 1_000


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    columns: list[str]
    rows: list[dict[str, Any]]


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), DECIMALS)


def owner_team(stage: str | None) -> str:
    return OWNER_TEAMS.get(stage or "", "unassigned")


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def profile_url(spider: str | None, author: str | None, mention_url: str | None) -> str | None:
    """A link to an author's profile where the platform has one at a known address: Reddit,
    Hacker News, Bluesky, Mastodon (``user@host``, or a local ``user`` on the host of their
    mention), YouTube for ``@handle`` names. None elsewhere (review sites, feeds and app stores
    show a display name, not a profile address)."""
    if not author:
        return None
    name = author.strip()
    if spider == "reddit":
        return f"https://www.reddit.com/user/{quote(name, safe='')}"
    if spider == "hackernews":
        return f"https://news.ycombinator.com/user?id={quote(name, safe='')}"
    if spider == "bluesky":
        return f"https://bsky.app/profile/{quote(name.lstrip('@'), safe='')}"
    if spider == "mastodon":
        user, _, host = name.lstrip("@").partition("@")
        if not host and mention_url:
            parts = urlsplit(mention_url)
            if parts.scheme in ("http", "https") and parts.netloc:
                return f"{parts.scheme}://{parts.netloc}/@{quote(user, safe='')}"
        return f"https://{host}/@{quote(user, safe='')}" if host and user else None
    if spider == "youtube" and name.startswith("@") and len(name) > 1:
        return f"https://www.youtube.com/@{quote(name[1:], safe='')}"
    return None


def advocates(
    session: Session,
    *,
    scope: Scope,
    as_of: datetime,
    weights: Weights | None = None,
    limit: int | None = None,
    walk: bool = True,
) -> Export:
    """Authors of positive mentions, ranked by the summed visibility v(m)·w_source of those
    mentions: one row per author, source and brand (the same handle on two platforms is two
    people, and praise of two brands is two rows, each naming its brand).

    Counted: positive mentions published before ``as_of`` (an undated one cannot be placed
    before it, and a page's date range leaves it out too). Each row carries
    the author's followers (the most seen on those mentions), their most visible positive mention
    (``top_quote``, ``top_quote_url``, and ``top_quote_confidence``, the model's confidence that
    it is positive; ties to the newer), the products those mentions name, and a
    ``profile_url``: the author's profile where the platform has one (:func:`profile_url`), else
    the link of that most visible mention. ``mention_count`` repeats ``positive_mentions``.

    With a ``limit`` (and ``walk``), the groups come from a walk down the all-time totals
    (:mod:`store.advocacy`) instead of summing every positive mention in range.
    """
    as_of = utc(as_of)
    weights = weights or Weights()
    total = func.sum(weights.expr()).label("summed_visibility")
    where = [
        *conditions(scope),
        col(Mention.sentiment) == "positive",
        col(Mention.author).is_not(None),
        col(Mention.author) != "",
        col(Mention.published_at) < as_of,
    ]
    # Grouped on mention columns only (no join), so the (sentiment, author, source_id, …)
    # index (0002; positive mentions only on PostgreSQL, 0017) answers it alone; names and
    # details are added afterwards.
    grouped: Any = (
        select(
            col(Mention.author),
            col(Mention.source_id),
            col(Mention.brand_id),
            func.count(),
            total,
            func.avg(col(Mention.sentiment_score)),
            func.min(col(Mention.published_at)),
            func.max(col(Mention.published_at)),
        )
        .where(*where)
        .group_by(col(Mention.author), col(Mention.source_id), col(Mention.brand_id))
    )
    groups = None
    if limit is not None and walk:  # the head of the list: walk the totals (store.advocacy)
        groups = advocacy.top_groups(
            session, grouped, brand_ids=scope.brand_ids, source_ids=scope.source_ids,
            weights=weights, summed=lambda row: float(row[4]), rank=_advocate_rank, limit=limit,
        )  # fmt: skip
    if groups is None:
        stmt = grouped.order_by(
            total.desc(), col(Mention.author), col(Mention.source_id), col(Mention.brand_id)
        )
        groups = session.exec(stmt if limit is None else stmt.limit(limit)).all()
    details = _advocate_details(session, where, {(a, s, b) for a, s, b, *_ in groups})
    names = _names(session)
    rows = []
    for rank, (author, sid, bid, count, summed, average, first, last) in enumerate(groups, 1):
        detail = details.get((author, sid, bid), _AdvocateDetail())
        source_name, spider = names.sources.get(sid, (None, None))
        rows.append(
            {
                "rank": rank,
                "author": author,
                "brand": names.brands.get(bid),
                "source": source_name,
                "profile_url": profile_url(spider, author, detail.top_url) or detail.top_url,
                "followers": detail.followers,
                "positive_mentions": count,
                "mention_count": count,
                "summed_visibility": _round(summed),
                "average_score": _round(average),
                "top_quote": detail.top_text,
                "top_quote_url": detail.top_url,
                "top_quote_confidence": _round(detail.top_confidence),
                "product": sorted(
                    names.products[p] for p in detail.products if p in names.products
                ),
                "first_published_at": first,
                "last_published_at": last,
                "as_of": as_of,
            }
        )
    return Export("advocates", ADVOCATE_COLUMNS, rows)


def _advocate_rank(row: Any) -> tuple[Any, ...]:
    """The list's order: summed visibility, then author, source and brand (no brand last)."""
    author, source, brand, _, summed = row[:5]
    return (-float(summed), author, source, brand is None, brand or 0)


@dataclass(slots=True)
class _AdvocateDetail:
    top_id: int | None = None
    top_text: str | None = None
    top_url: str | None = None
    top_confidence: float | None = None  # the model's P(positive) for the top quote
    followers: int | None = None
    products: set[int] = field(default_factory=set)


def _advocate_details(
    session: Session, where: list[Any], keys: set[tuple[str, int, int | None]]
) -> dict[tuple[str, int, int | None], _AdvocateDetail]:
    """Per (author, source, brand): most visible mention (ties to the newer, then the larger
    id), most followers seen, and products; summed up by SQL, so that an author with thousands
    of mentions costs rows read, not rows fetched."""
    if not keys:
        return {}
    group = [col(Mention.author), col(Mention.source_id), col(Mention.brand_id)]
    authors = sorted({a for a, _, _ in keys})
    in_scope = list(where)
    if len(authors) <= _MAX_AUTHOR_LIST:
        in_scope.append(col(Mention.author).in_(authors))
    order = (
        col(Mention.visibility).desc(),
        col(Mention.published_at).desc(),
        col(Mention.id).desc(),
    )
    ranked = (
        select(
            *group,
            col(Mention.id),
            func.row_number().over(partition_by=group, order_by=order).label("place"),
            func.max(col(Mention.author_followers)).over(partition_by=group).label("followers"),
        )
        .where(*in_scope)
        .subquery()
    )
    found: dict[tuple[str, int, int | None], _AdvocateDetail] = {}
    tops = select(ranked.c.author, ranked.c.source_id, ranked.c.brand_id, ranked.c.id,
                  ranked.c.followers).where(ranked.c.place == 1)  # fmt: skip
    for author, sid, bid, mid, followers in session.exec(tops):  # type: ignore[call-overload]
        if (author, sid, bid) in keys:
            found[(author, sid, bid)] = _AdvocateDetail(top_id=mid, followers=followers)
    products = (
        select(*group, col(Mention.product_id))
        .where(*in_scope, col(Mention.product_id).is_not(None))
        .distinct()
    )
    for author, sid, bid, product in session.exec(products):
        if (author, sid, bid) in found:
            found[(author, sid, bid)].products.add(product)
    top_ids = [d.top_id for d in found.values() if d.top_id is not None]
    texts: dict[int, tuple[str | None, str, str | None, float | None]] = {}
    for chunk in range(0, len(top_ids), 500):
        ids = top_ids[chunk : chunk + 500]
        for mid, title, text, url, confidence in session.exec(
            select(
                col(Mention.id),
                col(Mention.title),
                col(Mention.text),
                col(Mention.url),
                col(Mention.sentiment_confidence),
            ).where(col(Mention.id).in_(ids))
        ):
            texts[mid] = (title, text, url, confidence)
    for detail in found.values():
        if detail.top_id in texts:
            title, text, url, confidence = texts[detail.top_id]
            detail.top_text = classification_text(title, text)
            detail.top_url = url
            detail.top_confidence = confidence
    return found


def complaint_key() -> Any:
    """``v(m)·(1 + |s|)``: a negative mention's priority before its source weight and decay,
    spelled as the complaint index of migration 0015 is (PostgreSQL matches the two)."""
    score = func.abs(col(Mention.sentiment_score))
    return col(Mention.visibility) * (literal_column("1.0") + score)


def complaint_walk(session: Session) -> walks.Walk | None:
    """The walk of the complaint list on the session's database: per source down migration
    0015's index on PostgreSQL; none on SQLite, which has no such index and sorts fast enough."""
    return walks.top_by_source if bulk.is_postgres(session) else None


def complaints(
    session: Session,
    *,
    scope: Scope,
    as_of: datetime,
    half_life_days: float = 90.0,
    weights: Weights | None = None,
    statuses: tuple[str, ...] = (),
    limit: int | None = None,
    walk: walks.Walk | None = None,
) -> Export:
    """Negative mentions by priority ``v(m)·w_source · (1 + |s|) · 0.5^(age_days / H)``.

    The complaint priority of docs/loop.md. ``age_days`` is counted in whole UTC days from the
    mention's day to ``as_of``'s day (the loop's day granularity); H is the configured half-life;
    only mentions published before ``as_of`` count. Each row names its brand and product, the
    team owning its stage, the stage and topics with their display names, the complaint status
    (``new`` until someone sets it; ``statuses`` filters on it) and ``confidence``: the
    probability the model gave the label ``negative`` (1.0 when a person set it; empty for
    mentions labelled before the store kept it). A mention without a score ranks last.

    With a ``limit``, the candidates come from a walk down ``v(m)·(1 + |s|)`` that stops once
    no later mention can enter (the weight and a decay ≤ 1 bound the rest), and SQL ranks only
    those. ``walk``: which walk (default: the database's, :func:`complaint_walk`).
    """
    as_of = utc(as_of)
    weights = weights or Weights()
    ensure_sql_math(session)
    decay = func.power(
        0.5, age_days(col(Mention.published_at), ref_day(as_of.date())) / half_life_days
    )
    priority = (weights.expr() * (1.0 + func.abs(col(Mention.sentiment_score))) * decay).label(
        "priority"
    )
    status = func.coalesce(col(ComplaintStatus.status), "new").label("status")
    where = [
        *conditions(scope),
        col(Mention.sentiment) == "negative",
        col(Mention.published_at).is_not(None),
        col(Mention.published_at) < as_of,
    ]
    stmt: Any = (
        select(
            col(Mention.id),
            priority,
            status,
            col(Mention.brand_id),
            col(Mention.product_id),
            col(Mention.stage),
            col(Mention.topics),
            col(Mention.sentiment_score),
            col(Mention.sentiment_confidence),
            col(Mention.stage_confidence),
            weights.expr().label("visibility"),
            col(Mention.published_at),
            col(Mention.source_id),
            col(Mention.author),
            col(Mention.url),
            col(Mention.text),
            col(ComplaintStatus.note),
        )
        .outerjoin(ComplaintStatus, col(ComplaintStatus.mention_id) == col(Mention.id))
        .where(*where, *([status.in_(statuses)] if statuses else []))
        .order_by(priority.desc().nulls_last(), col(Mention.id))
    )
    walk = walk or complaint_walk(session)
    if limit is not None and walk is not None:
        top = _top_complaints(
            session, where, as_of=as_of, half_life_days=half_life_days, weights=weights,
            sources=scope.source_ids, statuses=statuses, limit=limit + _WALK_SLACK, walk=walk,
        )  # fmt: skip
        if top is not None:
            stmt = stmt.where(col(Mention.id).in_(top))
    if limit is not None:
        stmt = stmt.limit(limit)
    names = _names(session)
    rows = []
    for rank, r in enumerate(session.exec(stmt).all(), start=1):
        (mid, prio, stat, bid, pid, stage, topics, score, confidence, stage_confidence, vis,
         published, sid, author, url, text, note) = r  # fmt: skip
        topic_list = list(topics or [])
        rows.append(
            {
                "rank": rank,
                "id": mid,
                "priority": _round(prio),
                "status": stat,
                "brand": names.brands.get(bid),
                "product": names.products.get(pid),
                "owner_team": owner_team(stage),
                "stage": stage,
                "stage_name": display_name(stage) or None,
                "topics": topic_list,
                "topic_names": [display_name(t) for t in topic_list],
                "sentiment_score": _round(score),
                "confidence": _round(confidence),
                "stage_confidence": _round(stage_confidence),
                "visibility": _round(vis),
                "published_at": published,
                "source": names.sources.get(sid, (None, None))[0],
                "author": author,
                "url": url,
                "text": text,
                "status_note": note,
                "as_of": as_of,
            }
        )
    return Export("complaints", COMPLAINT_COLUMNS, rows)


def _top_complaints(
    session: Session,
    where: list[Any],
    *,
    as_of: datetime,
    half_life_days: float,
    weights: Weights,
    sources: tuple[int, ...],
    statuses: tuple[str, ...],
    limit: int,
    walk: walks.Walk,
) -> list[int] | None:
    """The ids of the ``limit`` complaints of highest priority among those ``where`` selects
    with one of ``statuses`` (empty: any), found by ``walk`` in ``sources`` (empty: all).

    None when the walk would read too much, when it finds fewer than ``limit`` scored ones (the
    mentions without a score, ranked last, may then belong in the list), or when ``statuses``
    leaves out "new": the few complaints someone has set a status on are sorted faster."""
    if statuses and "new" not in statuses:
        return None
    # Filtered here, not in SQL: a join or a subquery per chunk would cost the walk its speed.
    barred = set(
        session.exec(
            select(col(ComplaintStatus.mention_id)).where(
                col(ComplaintStatus.status).not_in(statuses)
            )
        ).all()
        if statuses
        else ()
    )
    known: dict[int, float] = {}

    def priority(row: Any) -> float:
        if row.id not in known:
            decay = decay_on(as_of.date(), row.published_at, half_life_days)
            weight = weights.of(row.source_id) * decay
            known[row.id] = -math.inf if row.id in barred else row.order * weight
        return known[row.id]

    key = complaint_key()
    base = select(
        col(Mention.id), key.label("order"), col(Mention.source_id), col(Mention.published_at)
    ).where(*where, key.is_not(None))
    sources = sources or tuple(session.exec(select(Source.id)).all())
    found = walk(
        session, base, order=key, sources=sources,
        ceiling=lambda order, source: order * weights.of(source), value=priority,
        rank=lambda row: (-priority(row), row.id), limit=limit,
    )  # fmt: skip
    if found is None or len(found) < limit or any(row.id in barred for row in found):
        return None
    return [row.id for row in found]


def corrections(session: Session, *, scope: Scope, as_of: datetime | None = None) -> Export:
    """Corrected mentions as a labelled CSV for `umot train`: id, text (title + text, as the
    classifier reads it), label (effective sentiment), stage, topics (``;``-separated), then the
    mention's brand and product.

    With ``as_of``, the list as it stood then: corrections saved before it, on mentions published
    before it (an undated mention counts: a person placed its labels). A correction changed since
    keeps only its latest version, so it is left out rather than shown with labels it lacked."""
    where = list(conditions(scope))
    if as_of is not None:
        as_of = utc(as_of)
        where += [
            col(Correction.corrected_at) < as_of,
            or_(col(Mention.published_at).is_(None), col(Mention.published_at) < as_of),
        ]
    stmt = (
        select(
            col(Mention.id),
            col(Mention.title),
            col(Mention.text),
            col(Mention.sentiment),
            col(Mention.stage),
            col(Mention.topics),
            col(Mention.brand_id),
            col(Mention.product_id),
        )
        .join(Correction, col(Correction.mention_id) == col(Mention.id))
        .where(*where)
        .order_by(col(Mention.id))
    )
    names = _names(session)
    rows = [
        {
            "id": mid,
            "text": classification_text(title, text),
            "label": sentiment,
            "stage": stage,
            "topics": list(topics or []),
            "brand": names.brands.get(bid),
            "product": names.products.get(pid),
        }
        for mid, title, text, sentiment, stage, topics, bid, pid in session.exec(stmt).all()
    ]
    return Export("corrections", CORRECTION_COLUMNS, rows)


@dataclass(frozen=True, slots=True)
class _Names:
    brands: dict[int, str]
    products: dict[int, str]
    sources: dict[int, tuple[str, str]]  # id -> (name, spider)


def _names(session: Session) -> _Names:
    """The small catalogue tables by id (mapped in Python: no join on a million rows)."""
    return _Names(
        brands=dict(session.exec(select(Brand.id, Brand.name)).all()),  # type: ignore[arg-type]
        products=dict(session.exec(select(Product.id, Product.name)).all()),  # type: ignore[arg-type]
        sources={
            sid: (name, spider)
            for sid, name, spider in session.exec(select(Source.id, Source.name, Source.spider))
            if sid is not None
        },
    )


EXPORT_KINDS = ("advocates", "complaints", "corrections")


def build_export(
    session: Session,
    *,
    kind: str,
    scope: Scope,
    as_of: datetime,
    weights: Weights | None = None,
    half_life_days: float = 90.0,
) -> Export:
    """One of the three exports, full length (what `umot export` writes and pages download)."""
    if kind == "advocates":
        return advocates(session, scope=scope, as_of=as_of, weights=weights)
    if kind == "complaints":
        return complaints(
            session, scope=scope, as_of=as_of, half_life_days=half_life_days, weights=weights
        )
    if kind == "corrections":
        return corrections(session, scope=scope, as_of=as_of)
    raise ValueError(f"unknown export {kind!r}; use one of {', '.join(EXPORT_KINDS)}")
