"""Crawls: run history per source, errors and drop reasons, and when each source runs next."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, ui

st.title("Crawls")
runs = data.runs()


def _minute(moment: object) -> str:
    """A UTC time to the minute, as the sidebar says all times are UTC (no "+00:00")."""
    return moment.strftime("%Y-%m-%d %H:%M") if pd.notna(moment) else ""  # type: ignore[attr-defined]


# Column headers in words, in the order a reader scans: what, how it went, why, then counts.
HEADERS = {
    "source": "Source", "status": "Status", "error": "What went wrong",
    "started_at": "Started (UTC)", "finished_at": "Finished (UTC)", "pages": "Pages",
    "new": "New mentions", "updated": "Updated", "dropped": "Dropped",
    "drop_reasons": "Why dropped", "run": "Run",
}  # fmt: skip


def _table(frame: pd.DataFrame, columns: list[str]) -> None:
    ui.table(
        frame[columns].rename(columns=HEADERS),
        hide_index=True,
        column_config={HEADERS["error"]: st.column_config.TextColumn(width="large")},
    )


for column in ("started_at", "finished_at"):
    if column in runs:
        runs[column] = runs[column].map(_minute)
if "error" in runs:
    runs["error"] = runs["error"].fillna("")
    runs["status"] = runs["status"].str.replace("_", " ")
if runs.empty:
    st.info("No crawl has run yet. Run `umot crawl` (or `umot demo`) to harvest your sources.")
else:
    latest = runs.sort_values("run", ascending=False).groupby("source", as_index=False).first()
    # Sources whose last run went wrong first: they are what needs doing.
    latest = latest.sort_values(
        ["error", "source"], key=lambda c: c.eq("") if c.name == "error" else c
    )
    st.subheader("Last run per source")
    _table(latest, ["source", "status", "error", "started_at", "pages", "new", "updated",
                    "dropped"])  # fmt: skip
    failed = runs[runs["error"] != ""]
    st.subheader("Errors")
    if failed.empty:
        st.caption("No run reported an error.")
    else:
        _table(failed, ["source", "status", "error", "started_at", "run"])
    st.subheader("Run history")
    _table(runs, ["source", "status", "error", "started_at", "finished_at", "pages", "new",
                  "updated", "dropped", "drop_reasons", "run"])  # fmt: skip

# Each scheduled source's next cron time, by the rule `umot schedule` uses.
st.subheader("Next scheduled runs")
upcoming = data.next_runs()
if upcoming:
    ui.table(
        [
            {"Source": name, "Next run (UTC)": when.strftime("%Y-%m-%d %H:%M") if when else "–"}
            for name, when in sorted(upcoming.items())
        ],
        hide_index=True,
    )
else:
    st.caption("No source has a `schedule` in the config; `umot schedule` runs scheduled ones.")
