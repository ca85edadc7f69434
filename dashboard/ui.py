"""Small rendering helpers shared by the views: the empty state, escaped text, safe links."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboard import data

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
EMPTY_MESSAGE = (
    "No mentions yet. Run `umot crawl` to harvest the sources in your config, then "
    "`umot classify`, or run `umot demo` to see the dashboard on demo data."
)


def empty_state() -> bool:
    """Show what to do on an empty database; True when the page should stop."""
    if data.is_empty():
        st.info(EMPTY_MESSAGE)
        return True
    return False


def escape(text: str | None) -> str:
    """User text made inert for st.markdown (no markup, no links, no HTML, no LaTeX)."""
    if not text:
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are shown; anything else (javascript:, data:) is dropped."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def quote(text: str | None, url: str | None = None, *, limit: int = 400) -> None:
    """A mention's text as an escaped block quote with a link to the original."""
    body = (text or "").strip()
    if len(body) > limit:
        body = body[:limit].rstrip() + "…"
    link = safe_url(url)
    suffix = f" [original]({link.replace(')', '%29').replace(' ', '%20')})" if link else ""
    st.markdown(f"> {escape(body)}{suffix}")


def with_links(frame: pd.DataFrame, column: str = "url") -> pd.DataFrame:
    if column in frame:
        frame = frame.assign(**{column: frame[column].map(safe_url)})
    return frame


def topics_text(frame: pd.DataFrame, column: str = "topics") -> pd.DataFrame:
    if column in frame:
        frame = frame.assign(
            **{column: frame[column].map(lambda t: ", ".join(t) if isinstance(t, list) else "")}
        )
    return frame


LINK = st.column_config.LinkColumn("original", display_text="open ↗")
TEXT = st.column_config.TextColumn("text", width="large")
