"""Pure functions DataFrame -> Altair chart. No Streamlit calls, no SQL."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.labels import STAGE_NAMES, STAGES, TOPIC_NAMES
from store.headline import MIN_MENTIONS

SENTIMENT_COLORS = alt.Scale(
    domain=["negative", "neutral", "positive", "unclassified"],
    range=["#d62728", "#9e9e9e", "#2ca02c", "#dddddd"],
)
STAGE_ORDER = [STAGE_NAMES[s] for s in STAGES]  # charts show display names, never codes
STAGE_COLORS = alt.Scale(
    domain=STAGE_ORDER,
    range=["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b"],
)
DIVERGING = alt.Scale(scheme="redyellowgreen", domain=[-100, 100])


MIN_N = MIN_MENTIONS  # a cell over fewer mentions is greyed, not coloured
GREY = "#e6e6e6"


def named(frame: pd.DataFrame, columns: tuple[str, ...] = ("stage", "topic")) -> pd.DataFrame:
    """Stage and topic codes replaced by their display names (unknown codes kept as given)."""
    out = frame.copy()
    for column in columns:
        if column in out:
            names = STAGE_NAMES if column == "stage" else TOPIC_NAMES
            out[column] = out[column].map(
                lambda c, names=names: names.get(c, c) if isinstance(c, str) else "Unknown"
            )
    return out


def brands(frame: pd.DataFrame) -> list[str]:
    """Brand names in the frame's order (own first, as data.py returns them)."""
    return list(dict.fromkeys(frame["series"])) if "series" in frame else []


def weekly(frame: pd.DataFrame, keys: list[str], values: dict[str, str]) -> pd.DataFrame:
    """Daily rows -> weekly (Monday) rows, summing or averaging ``values`` by name."""
    if frame.empty:
        return frame
    weeks = frame.assign(week=frame["day"].dt.to_period("W-SUN").dt.start_time)
    return weeks.groupby([*keys, "week"], as_index=False).agg(**values)


def volume(daily: pd.DataFrame) -> alt.Chart:
    """Mentions per week, stacked by sentiment; one row per series."""
    data = weekly(daily, ["series", "sentiment"], {"mentions": ("mentions", "sum")})
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("week:T", title="week"),
            y=alt.Y("sum(mentions):Q", title="mentions"),
            color=alt.Color("sentiment:N", scale=SENTIMENT_COLORS),
            row=alt.Row("series:N", title=None, sort=brands(daily)),
            tooltip=["series", "week:T", "sentiment", "mentions"],
        )
        .properties(height=160)
    )


def sentiment_trend(daily: pd.DataFrame) -> alt.LayerChart:
    """Average sentiment score ×100 per week, one line per series.

    A week with fewer than ``MIN_N`` classified mentions swings to ±100 on one or two of them:
    the line skips it, and it shows as a small grey dot whose tooltip gives its n.
    """
    scored = daily[daily["sentiment"] != "unclassified"].assign(
        total=lambda f: f["avg_score"] * f["mentions"]
    )
    data = weekly(scored, ["series"], {"total": ("total", "sum"), "mentions": ("mentions", "sum")})
    if not data.empty:
        data = data.assign(sentiment=100 * data["total"] / data["mentions"])
        data = data.assign(solid=data["sentiment"].where(data["mentions"] >= MIN_N))
    base = alt.Chart(data).encode(
        x=alt.X("week:T", title="week"),
        tooltip=[
            alt.Tooltip("series", title="brand"),
            alt.Tooltip("week:T", title="week"),
            alt.Tooltip("sentiment:Q", format=".1f", title="average sentiment"),
            alt.Tooltip("mentions", title="classified mentions"),
        ],
    )
    scale = alt.Scale(domain=[-100, 100])
    line = base.mark_line(point=True).encode(
        y=alt.Y("solid:Q", title="average sentiment (×100)", scale=scale),
        color=alt.Color("series:N", title="brand", sort=brands(daily)),
    )
    few = (
        base.transform_filter(f"datum.mentions < {MIN_N}")
        .mark_point(color="#bbbbbb", size=25, filled=True)
        .encode(y=alt.Y("sentiment:Q", scale=scale))
    )
    return (line + few).properties(height=220)


def sources(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(
        id_vars=["series", "source"], value_vars=["negative", "neutral", "positive"],
        var_name="sentiment", value_name="count",
    )  # fmt: skip
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("source:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("sum(count):Q", title="classified mentions"),
            color=alt.Color("sentiment:N", scale=SENTIMENT_COLORS),
            row=alt.Row("series:N", title=None, sort=brands(frame)),
            tooltip=["series", "source", "sentiment", "count"],
        )
        .resolve_scale(y="independent")  # each brand lists only its own sources
    )


def stage_volume(frame: pd.DataFrame) -> alt.Chart:
    long = named(frame).melt(
        id_vars=["series", "stage"], value_vars=["negative", "neutral", "positive"],
        var_name="sentiment", value_name="count",
    )  # fmt: skip
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("stage:N", sort=STAGE_ORDER, title="moment of truth"),
            xOffset=alt.XOffset("series:N"),
            y=alt.Y("sum(count):Q", title="mentions"),
            color=alt.Color("sentiment:N", scale=SENTIMENT_COLORS),
            tooltip=[
                alt.Tooltip("series", title="brand"),
                "stage",
                "sentiment",
                alt.Tooltip("count", title="mentions"),
            ],
        )
        .properties(height=260)
    )


def stage_net(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(named(frame))
        .mark_bar()
        .encode(
            x=alt.X("stage:N", sort=STAGE_ORDER, title="moment of truth"),
            xOffset=alt.XOffset("series:N"),
            y=alt.Y("net_sentiment:Q", title="net sentiment (% pos − % neg)"),
            color=alt.Color("series:N", title="brand", sort=brands(frame)),
            tooltip=[
                alt.Tooltip("series", title="brand"),
                "stage",
                alt.Tooltip("net_sentiment:Q", format=".1f", title="net sentiment"),
                alt.Tooltip("classified", title="classified mentions"),
            ],
        )
        .properties(height=260)
    )


def stage_topic_heatmap(frame: pd.DataFrame) -> alt.LayerChart:
    """Net sentiment per (stage, topic); a cell over fewer than 5 mentions is grey, with its n."""
    base = alt.Chart(named(frame)).encode(
        x=alt.X("topic:N", title="topic", axis=alt.Axis(labelLimit=200)),
        y=alt.Y(
            "stage:N", sort=STAGE_ORDER, title="moment of truth", axis=alt.Axis(labelLimit=200)
        ),
    )
    cells = base.mark_rect().encode(
        color=alt.condition(
            f"datum.mentions < {MIN_N}",
            alt.value(GREY),
            alt.Color("net_sentiment:Q", scale=DIVERGING, title="net sentiment"),
        ),
        tooltip=["stage", "topic", "mentions",
                 alt.Tooltip("net_sentiment:Q", format=".1f", title="net sentiment")],
    )  # fmt: skip
    labels = base.mark_text(fontSize=11).encode(text="mentions:Q")
    # A row height per stage, not a chart height: the topic names below took most of a fixed
    # 260 px, and Vega then dropped every other stage's name as overlapping.
    return (cells + labels).properties(height=alt.Step(34))


def exposure_index(frame: pd.DataFrame) -> alt.Chart:
    """The ZMOT exposure index per day, one line per series (axis zoomed to the data)."""
    line = (
        alt.Chart(frame.dropna(subset=["index"]))
        .mark_line()
        .encode(
            x=alt.X("day:T", title="day"),
            # zoomed to the data: the index moves by points, a fixed ±100 axis would flatten it
            y=alt.Y("index:Q", title="exposure index", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title="brand", sort=brands(frame)),
            tooltip=[
                alt.Tooltip("series", title="brand"),
                alt.Tooltip("day:T", title="day"),
                alt.Tooltip("index:Q", format=".1f", title="exposure index"),
                alt.Tooltip("mentions_in_window", title="mentions read"),
            ],
        )
    )
    return line.properties(height=300)


def contributions(frame: pd.DataFrame, *, key_title: str = "stage") -> alt.LayerChart:
    """Weekly contributions (index points) stacked by stage/topic, with the week's total move."""
    frame = named(frame.rename(columns={"key": key_title}), (key_title,)).rename(
        columns={key_title: "key"}
    )
    color = (
        alt.Color("key:N", title=key_title, scale=STAGE_COLORS, sort=STAGE_ORDER)
        if key_title == "stage"
        else alt.Color("key:N", title=key_title)
    )
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(week):O", title="week starting"),
            y=alt.Y("contribution:Q", title="index points moved"),
            color=color,
            tooltip=[
                alt.Tooltip("week:T", title="week"), alt.Tooltip("key", title=key_title),
                alt.Tooltip("contribution:Q", format="+.2f", title="index points"),
                alt.Tooltip("new_mentions", title="new mentions"),
                alt.Tooltip("new_sentiment:Q", format=".0f", title="their sentiment"),
                alt.Tooltip("new_weight_share:Q", format=".1%", title="share of what is read"),
            ],
        )
    )  # fmt: skip
    totals = (
        frame.groupby("week", as_index=False)["contribution"].sum()
        if not frame.empty
        else pd.DataFrame({"week": [], "contribution": []})
    )
    dots = (
        alt.Chart(totals)
        .mark_point(color="black", filled=True)
        .encode(
            x=alt.X("yearmonthdate(week):O"),
            y="contribution:Q",
            tooltip=["week:T", alt.Tooltip("contribution:Q", format="+.2f", title="total move")],
        )
    )
    return (bars + dots).properties(height=300)


def shelf_sentiment(summary: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(summary)
        .mark_bar()
        .encode(
            y=alt.Y("source:N", title=None),
            x=alt.X("shelf_sentiment:Q", title="sentiment on the shelf (×100)",
                    scale=alt.Scale(domain=[-100, 100])),
            color=alt.Color("shelf_sentiment:Q", scale=DIVERGING, legend=None),
            row=alt.Row("series:N", title=None, sort=brands(summary)),
            tooltip=["series", "source", "mentions",
                     alt.Tooltip("shelf_sentiment:Q", format=".1f")],
        )
    )  # fmt: skip
