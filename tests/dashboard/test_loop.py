"""UMOT → ZMOT loop page: index, contributions by stage and topic, shelf, influencers."""

from __future__ import annotations

from tests.dashboard.conftest import open_page


def test_loop_page(app_env) -> None:
    at = open_page("loop")
    assert [t.value for t in at.title] == ["Word-of-mouth loop"]
    index, competitor = [m for m in at.metric if m.label.startswith("Exposure index")]
    assert index.label.endswith("Acme") and competitor.label.endswith("Globex")  # own first
    assert -100 <= float(index.value) <= 100
    headers = [s.value for s in at.subheader]
    expected = [
        "Exposure index over time",
        "Loop contributions per week",
        "What a shopper reads first (the shelf)",
        "Most influential mentions",
    ]
    assert [h for h in headers if h in expected] == expected
    assert len(at.get("vega_lite_chart")) == 3
    assert any("reviews" in e.label for e in at.expander)
    influential = at.dataframe[-1].value
    assert len(influential) == 20
    assert influential["Reading weight"].is_monotonic_decreasing
    # every list row says how sure the model is of its labels
    first_shelf = at.dataframe[-2].value
    for table in (influential, first_shelf):
        assert {"Sentiment confidence", "Stage confidence"} <= set(table.columns)
        shown = table["Sentiment confidence"].dropna()
        assert len(shown) and shown.str.endswith(" %").all()


def test_contributions_by_topic_and_per_brand(app_env) -> None:
    at = open_page("loop")
    at.radio(key="loop_by").set_value("topic").run()
    assert not at.exception
    at.multiselect(key="f_brands").set_value([1, 2]).run()
    assert not at.exception
    at.selectbox(key="loop_series").set_value("Globex").run()
    assert not at.exception
    assert len([m for m in at.metric if m.label.startswith("Exposure index")]) == 2
