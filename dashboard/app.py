"""UMOT Harvester dashboard: routes the pages (st.navigation) and owns the sidebar filters.

Run with ``umot dashboard`` (or ``streamlit run dashboard/app.py`` with UMOT_CONFIG set).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from core.config import ConfigError  # noqa: E402
from dashboard import data, filters  # noqa: E402

VIEWS = Path(__file__).parent / "views"
TITLE = "UMOT Harvester"

st.set_page_config(page_title=TITLE, layout="wide")

pages = [
    st.Page(VIEWS / "overview.py", title="Overview", url_path="home", default=True),
    st.Page(VIEWS / "journey.py", title="Journey", url_path="journey"),
    st.Page(VIEWS / "loop.py", title="Word-of-mouth loop", url_path="loop"),
    st.Page(VIEWS / "mentions.py", title="Mentions", url_path="mentions"),
    st.Page(
        VIEWS / "advocates_complaints.py",
        title="Advocates & complaints",
        url_path="advocates-complaints",
    ),
    st.Page(VIEWS / "crawls.py", title="Crawls", url_path="crawls"),
]
# The default page lives at "/"; Streamlit answers its own url_path with "Page not found", so
# /overview is a second page on the same view, reachable by URL and not listed. The sidebar's
# page list is drawn here (st.navigation cannot hide one page of several).
alias = st.Page(VIEWS / "overview.py", title="Overview", url_path="overview")
page = st.navigation([*pages, alias], position="hidden")
with st.sidebar:
    for listed in pages:
        st.page_link(listed)

try:
    data.engine()
    choices = data.choices()
except (ConfigError, data.SchemaOutdated) as exc:
    st.error(f"Cannot open the database: {exc}")
    st.stop()
except OperationalError as exc:
    st.error(f"Cannot use the database: {str(exc.orig or exc).splitlines()[0]}")
    st.stop()

filters.remember(filters.sidebar(choices))
st.sidebar.caption(f"{TITLE} · times in UTC")
page.run()
