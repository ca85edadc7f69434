"""Crawls: run history per source, errors and drop reasons, and when each source runs next."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data

st.title("Crawls")
runs = data.runs()


def _minute(moment: object) -> str:
    """A UTC time to the minute, as the sidebar says all times are UTC (no "+00:00")."""
    return moment.strftime("%Y-%m-%d %H:%M") if pd.notna(moment) else ""  # type: ignore[attr-defined]


for column in ("started_at", "finished_at"):
    if column in runs:
        runs[column] = runs[column].map(_minute)
if "error" in runs:
    runs["error"] = runs["error"].fillna("")
if runs.empty:
    st.info("No crawl has run yet. Run `umot crawl` (or `umot demo`) to harvest your sources.")
else:
    latest = runs.sort_values("run", ascending=False).groupby("source", as_index=False).first()
    st.subheader("Last run per source")
    st.dataframe(
        latest[["source", "status", "started_at", "finished_at", "pages", "new", "updated",
                "dropped", "error"]],
        hide_index=True,
    )  # fmt: skip
    failed = runs[runs["error"] != ""]
    st.subheader("Errors")
    if failed.empty:
        st.caption("No run reported an error.")
    else:
        st.dataframe(failed[["source", "run", "status", "started_at", "error"]], hide_index=True)
    st.subheader("Run history")
    st.dataframe(runs, hide_index=True)

# Each scheduled source's next cron time, by the rule `umot schedule` uses.
st.subheader("Next scheduled runs")
upcoming = data.next_runs()
if upcoming:
    st.dataframe(
        [
            {"source": name, "next run (UTC)": when.strftime("%Y-%m-%d %H:%M") if when else "–"}
            for name, when in sorted(upcoming.items())
        ],
        hide_index=True,
    )
else:
    st.caption("No source has a `schedule` in the config; `umot schedule` runs scheduled ones.")
