"""Advocates & complaints: ranked lists, complaint status, downloads equal to `umot export`."""

from __future__ import annotations

from datetime import datetime

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


st.subheader("Advocates")
st.caption("Authors of positive mentions, ranked by the summed visibility of those mentions.")
advocates = data.advocates(f, as_of)
if advocates.rows:
    st.dataframe(advocates.rows, column_order=advocates.columns, hide_index=True)
else:
    st.caption("No author has a positive mention in this selection.")
downloads("advocates", f, as_of)

st.subheader("Complaints")
st.caption(
    "Negative mentions by priority = visibility × (1 + |sentiment|) × recency decay, with the team "
    "that owns their moment of truth."
)
statuses = st.multiselect(
    "Status", list(data.COMPLAINT_STATUSES), default=["new", "acknowledged"], key="c_status"
)
complaints = data.complaints(f, tuple(statuses), as_of)
rows = [
    {**r, "topics": ", ".join(r["topics"]), "url": ui.safe_url(r["url"])} for r in complaints.rows
]
if rows:
    st.dataframe(
        rows,
        column_order=[c for c in complaints.columns if c != "status_note"],
        hide_index=True,
        column_config={
            "url": ui.LINK,
            "text": ui.TEXT,
            "priority": st.column_config.NumberColumn(format="%.3f"),
            "visibility": st.column_config.NumberColumn(format="%.2f"),
        },
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
                f"#{i} · {by_id[i]['owner_team']} · {(by_id[i]['text'] or '')[:70]}"
            ),
        )
        status = st.radio("Status", list(data.COMPLAINT_STATUSES), horizontal=True)
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
