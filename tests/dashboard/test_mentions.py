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
    assert found["Link"].str.startswith("https://example.test/").all()
    assert set(found["Brand"]) == {"Acme"}
    assert set(found["Stage"]) == {"Delivery & service (AMOT)"}  # names, not codes
    assert set(found["Topics"]) == {"Delivery"}
    assert set(found["Labels from"]) == {"model"}  # no model hash on screen
    assert "8 mentions found" in " ".join(c.value for c in at.caption)
    assert {"Sentiment confidence", "Stage confidence"} <= set(found.columns)


def test_total_count_over_pages_and_stage_filter_in_words(app_env) -> None:
    at = open_page("mentions")
    assert "70 mentions found" in " ".join(c.value for c in at.caption)
    stage = at.selectbox(key="m_stage")
    assert stage.format_func("amot") == "Delivery & service (AMOT)"
    assert stage.format_func("") == "Any"


def test_a_link_preselects_the_mention_to_correct(app_env) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["mention"] = "3"
    at.run()
    at.switch_page("views/mentions.py")
    at.query_params["mention"] = "3"
    at.run()
    assert not at.exception
    assert at.selectbox(key="m_pick_3").value == 3


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
