"""Mentions page: search, links to originals, and a correction saved from the form."""

from __future__ import annotations

from sqlmodel import Session, select

from core.config import load_config
from store.db import make_engine
from store.models import Mention
from tests.dashboard.conftest import open_page


def test_search_and_links(app_env) -> None:
    at = open_page("mentions")
    at.text_input(key="m_text").input("late again").run()
    assert not at.exception
    found = at.dataframe[0].value
    assert len(found) == 8
    assert found["url"].str.startswith("https://example.test/").all()


def test_correct_a_mention(app_env) -> None:
    at = open_page("mentions")
    at.text_input(key="m_text").input("late again 3").run()
    mention_id = at.selectbox(key="m_pick").value
    form_selects = [s for s in at.selectbox if s.label in ("Sentiment", "Stage") and s.key is None]
    form_selects[0].set_value("positive")
    form_selects[1].set_value("umot")
    next(b for b in at.button if b.label == "Save correction").click().run()
    assert not at.exception
    engine = make_engine(load_config(app_env).database.url)
    with Session(engine) as session:
        mention = session.exec(select(Mention).where(Mention.id == mention_id)).one()
    engine.dispose()
    assert (mention.sentiment, mention.stage, mention.labels_from) == (
        "positive",
        "umot",
        "correction",
    )
