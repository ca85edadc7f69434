"""Mentions: search and filter, links to the originals, and corrections of a mention's labels."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.filters import current

PAGE_SIZE = 50
KEEP = "(model's label)"

st.title("Mentions")
if ui.empty_state():
    st.stop()
f = current()

c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
text = c1.text_input("Search text", key="m_text", placeholder="words in the title or text")
sentiment = c2.selectbox("Sentiment", ["", *data.SENTIMENTS], key="m_sentiment")
stage = c3.selectbox("Stage", ["", *data.STAGES], key="m_stage")
topic = c4.selectbox("Topic", ["", *data.topics()], key="m_topic")
corrected = st.checkbox("Only corrected mentions", key="m_corrected")
page = st.number_input("Page", min_value=1, value=1, step=1, key="m_page") - 1

found = data.search(f, text, sentiment, stage, topic, corrected, int(page), PAGE_SIZE)
st.caption(f"{len(found)} mentions on this page (newest first, {PAGE_SIZE} per page).")
st.dataframe(
    ui.topics_text(ui.with_links(found)),
    hide_index=True,
    column_config={
        "url": ui.LINK,
        "text": ui.TEXT,
        "score": st.column_config.NumberColumn(format="%+.2f"),
        "visibility": st.column_config.NumberColumn(format="%.2f"),
    },
)

st.subheader("Correct a mention")
if found.empty:
    st.caption("No mention matches: nothing to correct here.")
    st.stop()
labels = {int(r.id): f"#{r.id} · {(r.text or '')[:80]}" for r in found.itertuples()}
mention_id = st.selectbox("Mention", list(labels), format_func=labels.get, key="m_pick")
detail = data.mention(int(mention_id)) if mention_id is not None else None
if detail is None:
    st.stop()

ui.quote(detail["text"], detail["url"], limit=2000)
st.caption(
    f"Now: {detail['sentiment'] or '–'} ({detail['score'] if detail['score'] is not None else '–'})"
    f" · {detail['stage'] or '–'} · topics: {', '.join(detail['topics']) or '–'}"
    f" · labels from {detail['labels_from'] or 'nobody yet'}"
)
existing = detail["correction"] or {}
with st.form(f"correct_{mention_id}"):
    new_sentiment = st.selectbox(
        "Sentiment",
        [KEEP, *data.SENTIMENTS],
        index=([KEEP, *data.SENTIMENTS].index(existing.get("sentiment") or KEEP)),
    )
    new_stage = st.selectbox(
        "Stage",
        [KEEP, *data.STAGES],
        index=([KEEP, *data.STAGES].index(existing.get("stage") or KEEP)),
    )
    fix_topics = st.checkbox("Correct the topics", value=existing.get("topics") is not None)
    known = sorted(set(data.topics()) | set(detail["topics"]) | set(existing.get("topics") or []))
    new_topics = st.multiselect("Topics", known, default=existing.get("topics") or detail["topics"])
    note = st.text_input("Note (optional)", value=existing.get("note") or "")
    saved = st.form_submit_button("Save correction", type="primary")
if saved:
    try:
        data.save_correction(
            mention_id=int(mention_id),
            sentiment=None if new_sentiment == KEEP else new_sentiment,
            stage=None if new_stage == KEEP else new_stage,
            topics=new_topics if fix_topics else None,
            note=note or None,
        )
    except data.CorrectionError as exc:
        st.error(str(exc))
    else:
        st.success(f"Correction of #{mention_id} saved; it wins over the model everywhere.")
        st.rerun()
if existing and st.button("Remove the correction", key=f"clear_{mention_id}"):
    data.clear_correction(int(mention_id))
    st.rerun()
