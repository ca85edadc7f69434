"""Journey page: stage charts, the stage × topic heat map, escaped sample quotes."""

from __future__ import annotations

from tests.dashboard.conftest import open_page


def test_journey_stages_and_quotes(app_env) -> None:
    at = open_page("journey")
    assert [t.value for t in at.title] == ["Customer journey"]
    stages = at.dataframe[0].value
    assert set(stages["Stage"]) == {
        "Research (ZMOT)", "Purchase (FMOT)", "Delivery & service (AMOT)", "Use (SMOT)",
        "Verdict (UMOT)",
    }  # fmt: skip
    assert list(dict.fromkeys(stages["Brand"])) == ["Acme", "Globex"]
    assert int(stages["Mentions"].sum()) == 69
    assert len(at.get("vega_lite_chart")) == 3
    at.selectbox(key="journey_cell").set_value(("amot", "delivery")).run()
    assert not at.exception
    quotes = [m.value for m in at.markdown if m.value.startswith("> ")]
    assert len(quotes) == 3
    assert all("[original](https://example.test/" in q for q in quotes)


def test_quotes_are_escaped(app_env) -> None:
    at = open_page("journey")
    at.selectbox(key="journey_cell").set_value(("fmot", "(no topic)")).run()
    assert not at.exception
    quotes = [m.value for m in at.markdown if m.value.startswith("> ")]
    formula = next(q for q in quotes if "HYPERLINK" in q)
    assert r'HYPERLINK\("http\://x","y"\)' in formula  # text: no link, no markup


def test_default_cell_has_enough_mentions_and_reads_in_words(app_env) -> None:
    at = open_page("journey")
    cell = at.selectbox(key="journey_cell")
    assert at.selectbox(key="journey_brand").value == 1  # the own brand's cells, not summed
    assert cell.value == ("amot", "delivery")  # the biggest harm by mentions × net sentiment
    assert cell.format_func(cell.value) == "Delivery & service (AMOT) · Delivery"
