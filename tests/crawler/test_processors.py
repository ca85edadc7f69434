from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.loaders import load_mention
from crawler.processors import (
    clean_text,
    parse_datetime_utc,
    rating_to_5,
    to_int,
)

NOW = datetime(2024, 6, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-06-17T09:37:05.000Z", datetime(2024, 6, 17, 9, 37, 5, tzinfo=UTC)),
        ("2023-02-01T05:06:45-07:00", datetime(2023, 2, 1, 12, 6, 45, tzinfo=UTC)),
        (1595787264, datetime(2020, 7, 26, 18, 14, 24, tzinfo=UTC)),
        (1595787264000, datetime(2020, 7, 26, 18, 14, 24, tzinfo=UTC)),
        ("1595787264", datetime(2020, 7, 26, 18, 14, 24, tzinfo=UTC)),
        ("Tue, 23 Aug 2016 14:00:00 -0400", datetime(2016, 8, 23, 18, 0, tzinfo=UTC)),
        ("2020.09.07", datetime(2020, 9, 7, tzinfo=UTC)),
        ("3 days ago", datetime(2024, 6, 24, 12, 0, tzinfo=UTC)),
        ("vor 2 Stunden", datetime(2024, 6, 27, 10, 0, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_parse_datetime_utc(value: object, expected: datetime | None) -> None:
    parsed = parse_datetime_utc(value, now=NOW)
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None and parsed.tzinfo is not None
        assert abs((parsed - expected).total_seconds()) < 2


def test_unreadable_date_raises() -> None:
    with pytest.raises(ValueError, match="unreadable date"):
        parse_datetime_utc("not a date at all, really")


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("5",), 5.0), (("4", 5), 4.0), (("8", 10), 4.0), ((3, 5, 1), 3.0), (("90", 100), 4.5)],
)
def test_rating_to_5(args: tuple[object, ...], expected: float) -> None:
    assert rating_to_5(*args) == expected


def test_rating_off_scale_raises() -> None:
    with pytest.raises(ValueError):
        rating_to_5("7", 5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12), ("12", 12), ("1,234", 1234), ("1.2k", 1200), ("3M", 3_000_000), (None, None)],
)
def test_to_int(value: object, expected: int | None) -> None:
    assert to_int(value) == expected


def test_clean_text_turns_html_into_text() -> None:
    html = "<p>Great &amp; cheap<br>would <b>buy</b> again</p><script>x()</script><p>Second</p>"
    assert clean_text(html) == "Great & cheap\nwould buy again\nSecond"
    assert clean_text("  plain   text ") == "plain text"
    assert clean_text("   ") is None


def test_loader_records_unreadable_values_instead_of_inventing() -> None:
    item = load_mention(
        external_id="1", text="Fine shirt, arrived on time.", published_at="32.13.2020 xx"
    )
    assert item.published_at is None
    assert item.problems and item.problems[0].startswith("published_at")


def test_loader_normalises_fields() -> None:
    item = load_mention(
        external_id=" 42 ",
        kind="review",
        text="<p>Bonne qualité, je recommande ce produit.</p>",
        rating=("8", "10"),
        published_at="2024-01-01T10:00:00+02:00",
        likes="3",
        language="fr-FR",
    )
    assert item.external_id == "42"
    assert item.text == "Bonne qualité, je recommande ce produit."
    assert item.rating == 4.0
    assert item.published_at == datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    assert item.likes == 3 and item.language == "fr" and item.problems is None


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("I &lt;3 it", "I <3 it"),
        ("Nice&lt;br&gt;second line", "Nice\nsecond line"),
        ("&lt;p&gt;Escaped&lt;/p&gt;&lt;p&gt;twice&lt;/p&gt;", "Escaped\ntwice"),
        ("a < b and c > d", "a < b and c > d"),
    ],
)
def test_clean_text_escaped_markup_and_lookalikes(raw: str, text: str) -> None:
    assert clean_text(raw) == text
