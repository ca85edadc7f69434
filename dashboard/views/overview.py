"""Overview: KPIs per brand, spike alerts, volume and sentiment over time, by source."""

from __future__ import annotations

import math

import streamlit as st

from dashboard import charts, data, ui
from dashboard.filters import current

st.title("Overview")
if ui.empty_state():
    st.stop()
f = current()

kpis = data.kpis(f)
index = data.exposure_index(f)
latest = index.dropna(subset=["index"]).groupby("series")["index"].last() if not index.empty else {}


def _fmt(value: float | None, spec: str = ".1f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format(value, spec)


for _, row in kpis.iterrows():
    if len(kpis) > 1 or f.brand_ids:
        st.subheader(str(row["series"]))
    cols = st.columns(5)
    cols[0].metric("Mentions", f"{int(row['mentions']):,}")
    cols[1].metric("Classified", f"{int(row['classified']):,}")
    cols[2].metric("Net sentiment", _fmt(row.get("net_sentiment")), help="% positive − % negative")
    cols[3].metric(
        "ZMOT exposure index",
        _fmt(latest.get(row["series"]) if len(latest) else None),
        help="What a prospect reading about the brand on the last day shown is likely to read "
        "(−100 … 100); see the UMOT → ZMOT loop page.",
    )
    cols[4].metric("Average rating", _fmt(row.get("avg_rating"), ".2f"))

st.subheader("Spike alerts")
spikes = data.spikes(f)
if spikes:
    for spike in spikes:
        st.warning(ui.escape(spike.describe()))
else:
    st.caption("No spike of negative mentions in the last day (or hour, on social sources).")

daily = data.volume_by_day(f)
if daily.empty:
    st.info("No mention was published in the selected range.")
else:
    left, right = st.columns(2)
    with left:
        st.subheader("Volume per week")
        st.altair_chart(charts.volume(daily), width="stretch")
    with right:
        st.subheader("Sentiment per week")
        st.altair_chart(charts.sentiment_trend(daily), width="stretch")

st.subheader("By source")
sources = data.by_source(f)
if not sources.empty:
    st.altair_chart(charts.sources(sources), width="stretch")
    st.dataframe(
        sources[["series", "source", "mentions", "classified", "net_sentiment"]],
        hide_index=True,
        column_config={"net_sentiment": st.column_config.NumberColumn(format="%.1f")},
    )
