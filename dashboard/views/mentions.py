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
sentiment = c2.selectbox(
    "Sentiment", ["", *data.SENTIMENTS], format_func=lambda c: ui.display(c, "Any"),
    key="m_sentiment",
)  # fmt: skip
stage = c3.selectbox(
    "Stage", ["", *data.STAGES], format_func=lambda c: ui.display(c, "Any"), key="m_stage"
)
topic = c4.selectbox(
    "Topic", ["", *data.topics()], format_func=lambda c: ui.display(c, "Any"), key="m_topic"
)
corrected = st.checkbox("Only mentions you corrected", key="m_corrected")
search = data.MentionSearch(
    text or None, sentiment or None, stage or None, topic or None, corrected
)
total = data.count(f, search)
pages = max(1, -(-total // PAGE_SIZE))
page = st.number_input("Page", min_value=1, max_value=pages, value=1, step=1, key="m_page") - 1

found = data.search(f, search, int(page), PAGE_SIZE)
st.caption(
    f"{total:,} mentions found · page {int(page) + 1} of {pages:,} (newest first, "
    f"{PAGE_SIZE} per page)."
)
shown = ui.readable(
    ui.with_links(found)[
        ["id", "published_at", "brand", "text", "sentiment", "score", "confidence", "stage",
         "stage_confidence", "topics", "source", "author", "labels_from", "unlabelled",
         "visibility", "url"]
    ]
)  # fmt: skip
ui.table(
    shown,
    hide_index=True,
    row_height=70,
    column_config={"Link": ui.LINK, "Text": ui.TEXT},
)

st.subheader("Correct a mention")
if found.empty:
    st.caption("No mention matches: nothing to correct here.")
    st.stop()
labels = {int(r.id): f"#{r.id} · {r.brand} · {(r.text or '')[:80]}" for r in found.itertuples()}
wanted = st.query_params.get("mention")  # "correct labels" links from other pages
options = list(labels)
if wanted and wanted.isdigit() and int(wanted) not in labels and data.mention(int(wanted)):
    options.insert(0, int(wanted))
    labels[int(wanted)] = f"#{wanted} (from the link you followed)"
index = options.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in labels else 0
mention_id = st.selectbox(
    "Mention",
    options,
    index=index,
    format_func=labels.get,
    key="m_pick" + (f"_{wanted}" if wanted else ""),
)
detail = data.mention(int(mention_id)) if mention_id is not None else None
if detail is None:
    st.stop()

ui.quote(detail["text"], detail["url"], limit=2000)
score = f" ({detail['score']:+.2f})" if detail["score"] is not None else ""
st.caption(
    f"Now: {ui.display(detail['sentiment'], '–')}{score}"
    f" · {ui.display(detail['stage'], 'no stage')}"
    f" · topics: {', '.join(ui.topic_name(t) for t in detail['topics']) or '–'}"
    f" · labels from the {ui.labels_from(detail['labels_from'])}"
)
existing = detail["correction"] or {}
with st.form(f"correct_{mention_id}"):
    new_sentiment = st.selectbox(
        "Sentiment",
        [KEEP, *data.SENTIMENTS],
        format_func=ui.display,
        index=([KEEP, *data.SENTIMENTS].index(existing.get("sentiment") or KEEP)),
    )
    new_stage = st.selectbox(
        "Stage",
        [KEEP, *data.STAGES],
        format_func=ui.display,
        index=([KEEP, *data.STAGES].index(existing.get("stage") or KEEP)),
    )
    fix_topics = st.checkbox("Correct the topics", value=existing.get("topics") is not None)
    known = sorted(set(data.topics()) | set(detail["topics"]) | set(existing.get("topics") or []))
    new_topics = st.multiselect(
        "Topics",
        known,
        default=existing.get("topics") or detail["topics"],
        format_func=ui.topic_name,
    )
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
