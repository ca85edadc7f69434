"""Every label code has the display name a brand manager reads; every stage has an owner team."""

from __future__ import annotations

from core.labels import (
    OWNER_TEAMS,
    SENTIMENTS,
    STAGE_NAMES,
    STAGE_ORDER,
    STAGES,
    TOPIC_NAMES,
    TOPICS,
    display_name,
)


def test_stages_run_in_journey_order() -> None:
    assert STAGES == ("zmot", "fmot", "amot", "smot", "umot")
    assert [STAGE_ORDER[s] for s in STAGES] == [0, 1, 2, 3, 4]


def test_every_code_has_a_display_name_and_every_stage_an_owner() -> None:
    assert set(STAGE_NAMES) == set(STAGES)
    assert set(TOPIC_NAMES) == set(TOPICS)
    assert set(OWNER_TEAMS) == set(STAGES)
    for code in (*STAGES, *TOPICS, *SENTIMENTS):
        name = display_name(code)
        assert name and name != code and "_" not in name


def test_display_names_read_as_words() -> None:
    assert display_name("amot") == "Delivery & service (AMOT)"
    assert display_name("size_fit") == "Size & fit"
    assert display_name("negative") == "Negative"
    assert OWNER_TEAMS["smot"] == "product & quality"


def test_an_unknown_code_is_shown_as_given_and_none_as_nothing() -> None:
    assert display_name("sustainability") == "sustainability"
    assert display_name(None) == ""
