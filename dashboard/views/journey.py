"""Journey: volume, sentiment and net sentiment per moment of truth; stage × topic with quotes."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, ui
from dashboard.filters import current

st.title("Customer journey")
st.caption(
    "Which moment of truth customers write about — zmot (research), fmot (the offer at the point "
    "of purchase), amot (after paying, before using), smot (using it), umot (the verdict they "
    "pass on) — and how they feel about it."
)
if ui.empty_state():
    st.stop()
f = current()

stages = data.by_stage(f)
if stages.empty:
    st.info("No classified mention in this selection yet: run `umot classify`.")
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader("Volume per stage")
    st.altair_chart(charts.stage_volume(stages), width="stretch")
with right:
    st.subheader("Net sentiment per stage")
    st.altair_chart(charts.stage_net(stages), width="stretch")
st.dataframe(
    stages[["series", "stage", "mentions", "positive", "neutral", "negative", "net_sentiment"]],
    hide_index=True,
    column_config={"net_sentiment": st.column_config.NumberColumn(format="%.1f")},
)

st.subheader("Stage × topic")
matrix = data.stage_topic(f)
st.altair_chart(charts.stage_topic_heatmap(matrix), width="stretch")
st.caption("Colour: net sentiment; number: mentions. A mention counts under each of its topics.")

st.subheader("Sample quotes")
cells = matrix.sort_values("mentions", ascending=False)
options = [(r.stage, r.topic) for r in cells.itertuples()]
worst = cells.sort_values("net_sentiment").iloc[0] if not cells.empty else None
default = options.index((worst["stage"], worst["topic"])) if worst is not None else 0
picked = st.selectbox(
    "Cell",
    options=options,
    index=default,
    format_func=lambda c: f"{c[0]} × {c[1]}",
    key="journey_cell",
)
if picked is not None:
    quotes = data.sample_quotes(f, picked[0], picked[1])
    for row in quotes.itertuples():
        st.caption(f"{row.sentiment} · score {row.score:+.2f} · visibility {row.visibility:.2f}")
        ui.quote(row.text, row.url)
