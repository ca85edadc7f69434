"""Small rendering helpers shared by the views: the empty state, escaped text, safe links."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from core import unlabelled
from core.labels import SENTIMENT_NAMES, STAGE_NAMES, TOPIC_NAMES, display_name
from dashboard import data

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
EMPTY_MESSAGE = (
    "No mentions yet. Run `umot crawl` to harvest the sources in your config, then "
    "`umot classify`, or run `umot demo` to see the dashboard on demo data."
)
NO_SOURCES = (
    "No source is configured yet. Add a `[[sources]]` table to your umot.toml (`umot init` "
    "writes a commented example), then run `umot crawl`; or run `umot demo` to see the "
    "dashboard on demo data."
)


def empty_message(state: data.DataState, configured: list[str]) -> str | None:
    """Why a page has nothing to show, and the command that fixes it; None when it has data."""
    cause = data.empty_cause(state, configured)
    if cause == "no_sources":
        return NO_SOURCES
    if cause == "all_failed":
        failed = {name: why for name, why in state.failed_sources.items() if name in configured}
        reasons = "; ".join(f"{name}: {why}" for name, why in sorted(failed.items()))
        return (
            f"No mentions yet: every source failed at its last crawl ({reasons}). "
            "The Crawls page shows each run; fix what it says, then run `umot crawl` again "
            "(or `umot demo` to see the dashboard on demo data)."
        )
    if cause == "no_mentions":
        return EMPTY_MESSAGE
    if cause == "unlabelled":
        return (
            f"{state.mentions:,} mentions are stored, but none is labelled yet. Run "
            "`umot classify` to label them (or `umot demo` to see the dashboard on demo data)."
        )
    return None


def unlabelled_note(counts: dict[str, int]) -> str | None:
    """The mentions the model left unlabelled for their language, in a brand manager's words
    ("3 mentions in other languages (German 2, French 1) are not scored…"); None when none."""
    groups = unlabelled.by_kind(counts)
    sentences = []
    for kind, what in (
        (
            unlabelled.UNSUPPORTED,
            "in other languages ({}) are not scored: they count as mentions, but not in "
            "sentiment, journey or topic figures.",
        ),
        (
            unlabelled.SENTIMENT_ONLY,
            "in other languages ({}) have a sentiment from their language's model but no "
            "journey stage or topics.",
        ),
    ):
        languages = groups.get(kind)
        if languages:
            n = sum(languages.values())
            named = ", ".join(f"{unlabelled.language_name(c)} {k:,}" for c, k in languages.items())
            sentences.append(f"{n:,} mention{'s' if n != 1 else ''} {what.format(named)}")
    return " ".join(sentences) or None


def empty_state() -> bool:
    """Show why a page is empty and what to do; True when the page should stop."""
    message = empty_message(data.state(), data.config().source_names)
    if message is not None:
        st.info(message)
        return True
    return False


def escape(text: str | None) -> str:
    """User text made inert for st.markdown (no markup, no links, no HTML, no LaTeX)."""
    if not text:
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are shown; anything else (javascript:, data:) is dropped."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def quote(text: str | None, url: str | None = None, *, limit: int = 400) -> None:
    """A mention's text as an escaped block quote with a link to the original."""
    body = (text or "").strip()
    if len(body) > limit:
        body = body[:limit].rstrip() + "…"
    link = safe_url(url)
    suffix = f" [original]({link.replace(')', '%29').replace(' ', '%20')})" if link else ""
    st.markdown(f"> {escape(body)}{suffix}")


def with_links(frame: pd.DataFrame, column: str = "url") -> pd.DataFrame:
    if column in frame:
        frame = frame.assign(**{column: frame[column].map(safe_url)})
    return frame


def topics_text(frame: pd.DataFrame, column: str = "topics") -> pd.DataFrame:
    if column in frame:
        frame = frame.assign(
            **{column: frame[column].map(lambda t: ", ".join(t) if isinstance(t, list) else "")}
        )
    return frame


LINK = st.column_config.LinkColumn("Link", display_text="open ↗")
TEXT = st.column_config.TextColumn("Text", width="large")


# The headline's metrics in words, and which of them rest on a count shown when under 5.
METRIC_LABELS = {
    "mentions": "Mentions",
    "net_sentiment": "Net sentiment",
    "exposure_index": "Exposure index",
    "average_rating": "Average rating",
    "share_of_voice": "Share of voice",
    "weighted_share_of_voice": "Share of voice, weighted by visibility",
}
METRIC_HELP = {
    "mentions": "Mentions of the brand published in the period.",
    "net_sentiment": "% positive − % negative mentions (−100 … 100), like an NPS.",
    "exposure_index": "How positive what a shopper researching the brand reads is likely to "
    "be on the period's last day (−100 … 100); see the Word-of-mouth loop page.",
    "average_rating": "Mean star rating (0–5) of the period's rated mentions.",
    "share_of_voice": "The brand's share of the mentions of every brand compared here.",
    "weighted_share_of_voice": "The same, each mention counted by how many people likely saw it.",
}
RESTS_ON_N = ("net_sentiment", "exposure_index", "average_rating")

# Column names in words (what a table header shows).
COLUMN_NAMES = {
    "series": "Brand",
    "brand": "Brand",
    "product": "Product",
    "source": "Source",
    "stage": "Stage",
    "stage_name": "Stage",
    "topic": "Topic",
    "topics": "Topics",
    "topic_names": "Topics",
    "sentiment": "Sentiment",
    "score": "Score",
    "sentiment_score": "Score",
    "confidence": "Sentiment confidence",
    "stage_confidence": "Stage confidence",
    "visibility": "Visibility",
    "summed_visibility": "Summed visibility",
    "average_score": "Average score",
    "mentions": "Mentions",
    "classified": "Classified",
    "positive": "Positive",
    "neutral": "Neutral",
    "negative": "Negative",
    "net_sentiment": "Net sentiment",
    "published_at": "Published",
    "first_published_at": "First mention",
    "last_published_at": "Last mention",
    "labels_from": "Labels from",
    "text": "Text",
    "title": "Title",
    "url": "Link",
    "author": "Author",
    "profile_url": "Profile",
    "followers": "Followers",
    "positive_mentions": "Positive mentions",
    "mention_count": "Mentions",
    "top_quote": "Top quote",
    "top_quote_url": "Quote link",
    "top_quote_confidence": "Quote confidence",
    "rank": "Rank",
    "priority": "Priority",
    "status": "Status",
    "owner_team": "Owner team",
    "rating": "Rating",
    "likes": "Likes",
    "weight": "Reading weight",
    "id": "#",
}
_CODES = {"stage": STAGE_NAMES, "topic": TOPIC_NAMES, "sentiment": SENTIMENT_NAMES}


def display(code: str | None, empty: str = "") -> str:
    """A stage, topic or sentiment code as its screen name ("" or None: ``empty``)."""
    return display_name(code) if code else empty


def stage_name(code: str | None) -> str:
    return STAGE_NAMES.get(code or "", code or "Unknown stage")


def topic_name(code: str | None) -> str:
    return TOPIC_NAMES.get(code or "", (code or "no topic").replace("_", " ").capitalize())


def not_scored(reason: object) -> str | None:
    """What a list shows for a mention left unlabelled for its language ("not scored:
    German"); None for a labelled one."""
    if not isinstance(reason, str) or not reason:
        return None
    kind, language = unlabelled.parse(reason)
    return f"not scored: {unlabelled.language_name(language)}" if language else "not scored"


def labels_from(value: str | None) -> str:
    """Where a mention's labels come from, without a model hash."""
    if not isinstance(value, str) or not value:
        return "not labelled yet"
    return "your correction" if "correct" in value else "model"


def _when(value: object) -> object:
    if isinstance(value, pd.Timestamp | datetime):
        return pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tzinfo else value
    return value


def percent(confidence: float | None) -> str | None:
    """A confidence as a brand manager reads it: "83 %". Only a person's label (1.0) shows
    100 %: the model's, however sure, shows at most 99 %."""
    if confidence is None or pd.isna(confidence):
        return None
    value = float(confidence)
    return "100 %" if value >= 1.0 else f"{min(round(100 * value), 99)} %"


def readable(frame: pd.DataFrame, *, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """A frame as a brand manager reads it: codes as display names, scores rounded to two
    decimals, dates without time zone, confidence as a percentage, column headers in words
    (columns named in ``keep`` keep their name, e.g. for a column_config)."""
    out = frame.copy()
    for column, names in _CODES.items():
        if column in out:
            out[column] = out[column].map(
                lambda c, names=names: names.get(c, c) if isinstance(c, str) else c
            )
    if "topics" in out:
        out["topics"] = out["topics"].map(
            lambda t: ", ".join(topic_name(x) for x in t) if isinstance(t, list | tuple) else t
        )
    if "unlabelled" in out:
        # A mention the model did not read says so where its sentiment would be.
        why = out.pop("unlabelled").map(not_scored)
        if "sentiment" in out:
            out["sentiment"] = out["sentiment"].where(why.isna() | out["sentiment"].notna(), why)
    if "labels_from" in out:
        out["labels_from"] = out["labels_from"].map(labels_from)
    for column in ("confidence", "stage_confidence", "top_quote_confidence"):
        if column in out:
            out[column] = out[column].map(percent)
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            if getattr(series.dt, "tz", None) is not None:
                out[column] = series.dt.tz_localize(None)
        elif pd.api.types.is_float_dtype(series):
            out[column] = series.round(2)
        elif (
            series.dtype == object
            and len(series)
            and isinstance(
                series.dropna().iloc[0] if series.notna().any() else None, datetime | date
            )
        ):
            out[column] = series.map(_when)
    return out.rename(columns={c: COLUMN_NAMES.get(c, c) for c in out.columns if c not in keep})


MISSING = "—"  # what a table shows for a missing value (no product, no followers)


def table(data: object, **kwargs: Any) -> Any:
    """``st.dataframe`` showing a missing value as a dash: Streamlit's own placeholder is the
    word "None", which a brand manager would read as a product or a count called None."""
    return st.dataframe(data, placeholder=MISSING, **kwargs)


def spike_text(spike: object) -> str:
    """A spike alert in words (the stage by its display name), escaped for st.markdown."""
    stage = getattr(spike, "stage", None)
    where = f" at {stage_name(stage)}" if stage else ""
    span = "24 hours" if getattr(spike, "period", "day") == "day" else "hour"
    text = (
        f"{getattr(spike, 'brand', '')}: {getattr(spike, 'observed', 0)} negative mentions{where} "
        f"in the last {span} (usual: {getattr(spike, 'baseline', 0.0):.1f})"
    )
    return escape(text)
