"""Advocates & complaints: ranked lists, complaint status, downloads equal to `umot export`."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import data, ui
from dashboard.filters import Filters, current

st.title("Advocates & complaints")
if ui.empty_state():
    st.stop()
f = current()
as_of = data.as_of(f)  # one time for the lists and their downloads: they agree to the digit


def downloads(kind: str, filters: Filters, as_of: datetime) -> None:
    """One button per format; the file is built on click, exactly as `umot export` writes it."""
    cols = st.columns(len(data.EXPORT_FORMATS) + 1)
    cols[0].caption(f"Download all {kind} in this selection:")
    for col, fmt in zip(cols[1:], data.EXPORT_FORMATS, strict=True):
        col.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: data.export_file(filters, kind, fmt, as_of),
            file_name=f"{kind}.{fmt}",
            mime=data.MIME[fmt],
            key=f"dl_{kind}_{fmt}",
            on_click="ignore",
        )


ADVOCATE_COLUMNS = [
    "rank", "author", "brand", "profile_url", "followers", "mention_count", "top_quote",
    "top_quote_url", "top_quote_confidence", "summed_visibility", "average_score", "source",
    "last_published_at",
]  # fmt: skip
COMPLAINT_COLUMNS = [
    "rank", "brand", "product", "text", "url", "correct", "owner_team", "status", "confidence",
    "stage_name", "stage_confidence", "topic_names", "priority", "published_at", "source",
]  # fmt: skip

st.subheader("Advocates")
st.caption(
    "People who praise the brand, ranked by how many people likely saw their positive mentions "
    "(summed visibility)."
)
advocates = data.advocates(f, as_of)
if advocates.rows:
    frame = pd.DataFrame(advocates.rows)
    frame["profile_url"] = frame["profile_url"].map(ui.safe_url)
    frame["top_quote_url"] = frame["top_quote_url"].map(ui.safe_url)
    ui.table(
        ui.readable(frame[ADVOCATE_COLUMNS], keep=("profile_url", "top_quote_url")),
        hide_index=True,
        row_height=60,
        column_config={
            "profile_url": st.column_config.LinkColumn("Profile", display_text="profile ↗"),
            "top_quote_url": st.column_config.LinkColumn("Quote link", display_text="open ↗"),
            "Top quote": st.column_config.TextColumn("Top quote", width="large"),
            "Followers": st.column_config.NumberColumn("Followers", format="%d"),
        },
    )
else:
    st.caption("No author has a positive mention in this selection.")
downloads("advocates", f, as_of)

st.subheader("Complaints")
st.caption(
    "Negative mentions by priority = visibility × (1 + |sentiment|) × recency decay, with the team "
    "that owns their moment of truth."
)
statuses = st.multiselect(
    "Status",
    list(data.COMPLAINT_STATUSES),
    default=["new", "acknowledged"],
    format_func=str.capitalize,
    key="c_status",
)
complaints = data.complaints(f, tuple(statuses), as_of)
rows = [
    {
        **r,
        "topic_names": ", ".join(r["topic_names"])
        if isinstance(r["topic_names"], list)
        else r["topic_names"],
        "url": ui.safe_url(r["url"]),
        "correct": f"/mentions?mention={r['id']}",  # one click to correct the model's labels
    }
    for r in complaints.rows
]
if rows:
    ui.table(
        ui.readable(pd.DataFrame(rows)[COMPLAINT_COLUMNS], keep=("url", "correct", "priority")),
        hide_index=True,
        row_height=60,
        column_config={
            "url": ui.LINK,
            "Text": ui.TEXT,
            "correct": st.column_config.LinkColumn(
                "Wrong labels?", display_text="correct ↗", help="Open it on the Mentions page"
            ),
            "priority": st.column_config.NumberColumn("Priority", format="%.2f"),
        },
    )
    st.caption(
        "Confidence: how sure the model is of the label. A wrong label? Follow “correct ↗” on "
        "its row: your correction wins over the model everywhere."
    )
else:
    st.caption("No complaint with these statuses in this selection.")
downloads("complaints", f, as_of)

if rows:
    st.subheader("Set a complaint's status")
    by_id = {r["id"]: r for r in complaints.rows}
    with st.form("complaint_status"):
        picked = st.selectbox(
            "Complaint",
            list(by_id),
            format_func=lambda i: (
                f"#{i} · {by_id[i]['brand']} · {by_id[i]['owner_team']} · "
                f"{(by_id[i]['text'] or '')[:70]}"
            ),
        )
        status = st.radio(
            "Status", list(data.COMPLAINT_STATUSES), horizontal=True, format_func=str.capitalize
        )
        note = st.text_input("Note (optional)")
        submitted = st.form_submit_button("Save status", type="primary")
    if submitted and picked is not None:
        try:
            data.set_complaint_status(mention_id=int(picked), status=status, note=note or None)
        except data.ComplaintError as exc:
            st.error(str(exc))
        else:
            st.success(f"Complaint #{picked} is now {status}.")
            st.rerun()
