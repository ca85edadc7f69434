"""Overview: the headline (your brand's last full period against the one before and against
its competitors, and what moved it), then volume and sentiment over time and by source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data, ui
from dashboard.filters import current

PERIODS = {"week": "Week", "month": "Month", "quarter": "Quarter"}
MIN_N = data.MIN_MENTIONS  # a figure over fewer mentions is shown with its n

st.title("Overview")
if ui.empty_state():
    st.stop()
f = current()

period = st.radio(
    "Period",
    list(PERIODS),
    format_func=PERIODS.get,
    horizontal=True,
    key="o_period",
    help="The last full calendar week (Monday–Sunday), month or quarter with data, compared "
    "with the one before.",
)
h = data.headline(f, period or "week")
if h is None:
    st.info("No brand in this selection.")
    st.stop()

st.header(f"{h.brand} · {data.headlines.describe_period(h.kind, h.period)}")
st.caption(
    f"Each change (small figure) is against the {h.kind} before: "
    f"{data.headlines.describe_period(h.kind, h.previous)}. All sources and products of the "
    "brand; the same numbers as the weekly report."
)
if note := ui.unlabelled_note(data.state().unlabelled):
    st.caption(note)


def figure(name: str, value: float | int | None, n: int) -> str:
    if value is None:
        return "–"
    digits = data.headlines.METRICS[name][1]
    text = f"{value:,.{digits}f}" if digits else f"{int(value):,}"
    if name in ("share_of_voice", "weighted_share_of_voice"):
        text += " %"
    if name in ui.RESTS_ON_N and n < MIN_N:
        text += f" (n={n})"
    return text


def change(name: str, metric: data.headlines.Metric) -> str | None:
    if metric.change is None:
        return None
    digits = data.headlines.METRICS[name][1]
    unit = " pts" if name not in ("mentions", "average_rating") else ""
    return f"{metric.change:+,.{digits}f}{unit}"


names = list(h.metrics)
cols = [*st.columns(3), *st.columns(3)]  # two rows of three: labels and changes fit
for col, name in zip(cols, names, strict=False):
    metric = h.metrics[name]
    greyed = name in ui.RESTS_ON_N and metric.n < MIN_N
    col.metric(
        ui.METRIC_LABELS.get(name, name),
        figure(name, metric.value, metric.n),
        delta=change(name, metric),
        delta_color="off" if greyed else "normal",
        help=ui.METRIC_HELP.get(name),
    )

if h.competitors:
    st.subheader("Against competitors")
    rows = []
    for brand, metrics in [(h.brand, h.metrics)] + [(c.brand, c.metrics) for c in h.competitors]:
        row: dict[str, str] = {"Brand": brand}
        for name, metric in metrics.items():
            shown = figure(name, metric.value, metric.n)
            delta = change(name, metric)
            row[ui.METRIC_LABELS.get(name, name)] = (
                f"{shown} ({delta.split(' ')[0]})" if delta else shown
            )
        rows.append(row)
    ui.table(pd.DataFrame(rows), hide_index=True)
    st.caption("Each figure with its change against the previous period in brackets.")

st.subheader("What moved it")
if not h.drivers:
    longer = data.headlines.LONGER_PERIOD.get(h.kind)
    st.caption(
        f"No kind of content with at least {MIN_N} mentions moved the exposure index this {h.kind}."
        + (f" Pick {PERIODS[longer]} under Period above for a steadier view." if longer else "")
    )
for driver in h.drivers:
    arrow = "▲" if driver.direction == "up" else "▼"
    with st.container(border=True):
        st.markdown(f"**{arrow} {ui.escape(driver.sentence)}**")
        if driver.quote is not None:
            ui.quote(driver.quote.text, driver.quote.url)

st.subheader("Spike alerts")
spikes = data.spikes(f)
if spikes:
    for spike in spikes:
        st.warning(ui.spike_text(spike))
else:
    st.caption("No spike of negative mentions in the last day (or hour, on social sources).")

daily = data.volume_by_day(f)
if daily.empty:
    st.info("No mention was published in the selected range.")
else:
    st.subheader("Volume per week")  # one under the other: the per-brand rows need the width
    st.altair_chart(charts.volume(daily), width="stretch")
    st.subheader("Sentiment per week")
    st.altair_chart(charts.sentiment_trend(daily), width="stretch")

st.subheader("By source")
sources = data.by_source(f)
if not sources.empty:
    st.altair_chart(charts.sources(sources), width="stretch")
    ui.table(
        ui.readable(sources[["series", "source", "mentions", "classified", "net_sentiment"]]),
        hide_index=True,
    )
