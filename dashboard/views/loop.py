"""UMOT → ZMOT loop: exposure index, weekly stage/topic contributions, shelf, influencers."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard import charts, data, ui
from dashboard.filters import current

st.title("Word-of-mouth loop")
st.caption(
    "What customers publish after buying (their verdict) is what the next shoppers read while "
    "researching. The **exposure index** is the sentiment a prospect is likely to read on a "
    "day: every mention of the look-back window, weighted by its visibility and halved every "
    "half-life (−100 … 100)."
)
if ui.empty_state():
    st.stop()
f = current()
p = data.params()

# Until the look-back window holds a few mentions, the index swings to ±100 on one of them and
# the first week's "move" dwarfs the year: those days and weeks are left off the charts.
index = data.exposure_index(f)
shown = index.dropna(subset=["index"])
shown = shown[shown["mentions_in_window"] >= data.MIN_MENTIONS]
if shown.empty:
    st.info("No classified mention in this selection yet: run `umot classify`.")
    st.stop()

cols = st.columns(max(1, shown["series"].nunique()))
for col, (series, part) in zip(cols, shown.groupby("series", sort=False), strict=False):
    last = part.iloc[-1]
    month_ago = part[part["day"] <= last["day"] - pd.Timedelta(days=30)]
    delta = None if month_ago.empty else last["index"] - month_ago.iloc[-1]["index"]
    col.metric(
        f"Exposure index · {series}",
        f"{last['index']:.1f}",
        delta=None if delta is None or math.isnan(delta) else f"{delta:+.1f} in 30 days",
    )
st.subheader("Exposure index over time")
st.altair_chart(charts.exposure_index(shown), width="stretch")
st.caption(
    f"Half-life {p.half_life_days:g} days, look-back {p.lookback_days} days; "
    f"ages in whole UTC days. Days when the look-back window held fewer than "
    f"{data.MIN_MENTIONS} mentions are left out: one mention would swing the index to ±100."
)

st.subheader("Loop contributions per week")
by = st.radio(
    "Split by", ["stage", "topic"], horizontal=True, format_func=str.capitalize, key="loop_by"
)
contrib = data.contributions(f, by)
if not contrib.empty:  # weeks before the index rests on enough mentions (see above) are left out
    first_day = contrib["series"].map(shown.groupby("series")["day"].min())
    contrib = contrib[contrib["week"] >= first_day]
series_names = list(dict.fromkeys(contrib["series"])) if not contrib.empty else []
if len(series_names) > 1:
    chosen = st.selectbox("Brand", series_names, key="loop_series")  # own brand first
    contrib = contrib[contrib["series"] == chosen]
if contrib.empty:
    st.info("No week in the range published classified mentions.")
else:
    st.altair_chart(charts.contributions(contrib, key_title=by), width="stretch")
    st.caption(
        "Each bar: how many index points the content published that week, at that "
        f"{by}, moved the index by the week's end — its share of what prospects read × (its "
        "sentiment − the sentiment of what was there before). Dots: the week's total move."
    )
    recent = contrib[contrib["week"] >= contrib["week"].max() - pd.Timedelta(weeks=4)]
    recent = recent.assign(key=recent["key"].map(ui.stage_name if by == "stage" else ui.topic_name))
    table = recent.pivot_table(index="key", columns="week", values="contribution", aggfunc="sum")
    table.columns = [f"week of {c:%d %b %Y}" for c in table.columns]
    table.index.name = by.capitalize()
    ui.table(table.fillna(0.0).round(2))

st.subheader("What a shopper reads first (the shelf)")
last_day = shown["day"].max().date()
on = st.date_input("Shelf on day", value=last_day, key="shelf_day")
shelf = data.shelf(f, on)
if shelf.empty:
    st.info("Nothing published in the look-back window before that day.")
else:
    summary = data.shelf_summary(f, on)
    st.altair_chart(charts.shelf_sentiment(summary), width="stretch")
    st.caption(
        f"Per source, the {p.shelf_size} most visible mentions a prospect sees first on {on}."
    )
    for (series, source), part in shelf.groupby(["series", "source"]):
        with st.expander(f"{series} · {source} ({len(part)} on the shelf)"):
            ui.table(
                ui.readable(
                    ui.with_links(part)[
                        [
                            "rank",
                            "text",
                            "sentiment",
                            "confidence",
                            "stage",
                            "stage_confidence",
                            "topics",
                            "visibility",
                            "url",
                        ]
                    ]
                ),
                hide_index=True,
                column_config={"Link": ui.LINK, "Text": ui.TEXT},
            )

st.subheader("Most influential mentions")
top = data.influential(f, on)
ui.table(
    ui.readable(
        ui.with_links(top)[
            ["series", "weight", "source", "text", "sentiment", "confidence", "stage",
             "stage_confidence", "topics", "published_at", "url"]
        ]
    ),
    hide_index=True,
    column_config={"Link": ui.LINK, "Text": ui.TEXT},
)  # fmt: skip
