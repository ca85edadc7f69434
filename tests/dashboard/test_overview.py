"""Overview page: KPIs, spike alerts, brands side by side, and the empty state."""

from __future__ import annotations

from tests.dashboard.conftest import open_page


def _metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def test_overview_kpis_and_spikes(app_env) -> None:
    at = open_page("overview")
    assert [t.value for t in at.title] == ["Overview"]
    metrics = _metrics(at)
    assert metrics["Mentions"] == "70"
    assert metrics["Classified"] == "69"
    assert float(metrics["ZMOT exposure index"]) != 0
    warnings = " ".join(w.value for w in at.warning)
    assert "Acme" in warnings and "negative mentions" in warnings
    assert len(at.get("vega_lite_chart")) >= 3


def test_brands_side_by_side(app_env) -> None:
    at = open_page("overview")
    at.multiselect(key="f_brands").set_value([1, 2]).run()
    assert not at.exception
    assert [s.value for s in at.subheader][:2] == ["Acme", "Globex"]
    mentions = [m.value for m in at.metric if m.label == "Mentions"]
    assert mentions == ["50", "20"]


def test_empty_database_says_what_to_do(empty_env) -> None:
    for name in ("overview", "journey", "loop", "mentions", "advocates_complaints"):
        at = open_page(name)
        assert any("umot crawl" in i.value and "umot demo" in i.value for i in at.info), name
    crawls = open_page("crawls")
    assert any("umot crawl" in i.value for i in crawls.info)
