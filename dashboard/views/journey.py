"""Journey: volume, sentiment and net sentiment per moment of truth; stage × topic with quotes."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dashboard import charts, data, ui
from dashboard.filters import current

MIN_N = data.MIN_MENTIONS  # a cell over fewer mentions never ranks as the worst

st.title("Customer journey")
st.caption(
    "Which moment of the customer journey people write about — Research (before buying), "
    "Purchase (the offer at the point of sale), Delivery & service (after paying, before "
    "using), Use (living with it), Verdict (the opinion they pass on) — and how they feel."
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
ui.table(
    ui.readable(
        stages[["series", "stage", "mentions", "positive", "neutral", "negative", "net_sentiment"]]
    ),
    hide_index=True,
)

st.subheader("Stage × topic")
c = data.choices()
shown_brands = list(f.brand_ids)
if len(shown_brands) > 1:  # one brand at a time: never two brands silently summed in one cell
    brand = st.selectbox("Brand", shown_brands, format_func=c.label, key="journey_brand")
    cell_filters = replace(f, brand_ids=(brand,))
else:
    cell_filters = f
matrix = data.stage_topic(cell_filters)
st.altair_chart(charts.stage_topic_heatmap(matrix), width="stretch")
st.caption(
    "Colour: net sentiment (% positive − % negative); number: mentions. Grey: fewer than "
    f"{MIN_N} mentions, too few to judge. A mention counts under each of its topics."
)

st.subheader("Sample quotes")
cells = matrix.sort_values("mentions", ascending=False)
options = [(r.stage, r.topic) for r in cells.itertuples()]
# The default cell is the one hurting most by effect size (mentions × net sentiment), among
# cells with enough mentions to judge.
judged = cells[cells["mentions"] >= MIN_N]
worst = (
    judged.assign(effect=judged["mentions"] * judged["net_sentiment"]).sort_values("effect").iloc[0]
    if not judged.empty
    else None
)
default = options.index((worst["stage"], worst["topic"])) if worst is not None else 0
picked = st.selectbox(
    "Cell",
    options=options,
    index=default,
    format_func=lambda cell: f"{ui.stage_name(cell[0])} · {ui.topic_name(cell[1])}",
    key="journey_cell",
)
if picked is not None:
    quotes = data.sample_quotes(cell_filters, picked[0], picked[1])
    for row in quotes.itertuples():
        st.caption(
            f"{str(row.sentiment).capitalize()} · score {row.score:+.2f} · "
            f"visibility {row.visibility:.2f}"
        )
        ui.quote(row.text, row.url)
