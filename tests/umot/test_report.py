"""`umot report`: JSON and HTML of the headline, the format rules, and e-mail delivery to a real
local SMTP server (aiosmtpd). The database holds the hand case of tests/store/test_headline.py,
so the figures are the hand-computed ones."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from core.config import load_config
from store.db import make_engine, upgrade
from store.models import Brand
from tests.store.helpers import fill
from tests.store.test_headline import _acme, _globex
from tests.support.postgres import free_port
from umot.cli import app
from umot.schedule import REPORT_JOB, SourceJobs, build_scheduler

SMTP_ENV = "UMOT_TEST_REPORT_SMTP"
CONFIG = """
[database]
url = "sqlite:///{db}"

[analytics]
half_life_days = 7
lookback_days = 28
source_weights = {{ forum = 2.0 }}

[notify]
smtp_url_env = "{env}"
from = "reports@acme.example"
to = ["brand.manager@acme.example", "analyst@acme.example"]

[[brands]]
name = "Acme"
role = "own"
[[brands.products]]
name = "Widget"

[[brands]]
name = "Globex"
role = "competitor"

[[sources]]
name = "reviews"
spider = "jsonld"

[[sources]]
name = "forum"
spider = "reddit"
"""
WEEK = ["--period", "week", "--until", "2026-01-18"]
QUOTE_URL = "https://shop.example/r?id=5&amp;x=&quot;y&quot;"  # d5's link, escaped


@pytest.fixture
def config(tmp_path: Path) -> Path:
    db = tmp_path / "umot.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    fill(engine, [*_acme(), *_globex()])
    engine.dispose()
    path = tmp_path / "umot.toml"
    path.write_text(CONFIG.format(db=db, env=SMTP_ENV), encoding="utf-8")
    return path


def _report(config: Path, *args: str, env: dict[str, str | None] | None = None):  # type: ignore[no-untyped-def]
    environment: dict[str, str | None] = {"UMOT_DATABASE_URL": None, SMTP_ENV: None}
    environment.update(env or {})
    return CliRunner().invoke(app, ["--config", str(config), "report", *args], env=environment)


def test_json_on_standard_output_by_default(config: Path) -> None:
    result = _report(config, *WEEK)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["brand"] == "Acme"  # the config's own brand
    assert [c["brand"] for c in data["competitors"]] == ["Globex"]
    assert data["metrics"]["exposure_index"] == {"value": -11.8, "previous": 20.0, "change": -31.8}
    assert [d["points"] for d in data["drivers"]] == [-27.5, 17.2, -4.3]


def test_a_named_brand_is_compared_with_every_other(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "globex.json"
    result = _report(config, *WEEK, "--brand", "Globex", "--output", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["brand"] == "Globex"
    assert [c["brand"] for c in data["competitors"]] == ["Acme"]
    assert data["metrics"]["mentions"] == {"value": 3, "previous": 1, "change": 2}
    assert data["drivers"] == []  # no cell of Globex has 5 mentions


def _html(config: Path, tmp_path: Path) -> str:
    out = tmp_path / "report.html"
    result = _report(config, *WEEK, "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "(html)" in result.stdout
    return out.read_text(encoding="utf-8")


def test_html_is_one_self_contained_file_with_escaped_text(config: Path, tmp_path: Path) -> None:
    html = _html(config, tmp_path)
    lowered = html.lower()
    for remote in ("<script", "src=", "<link", "@import", "url(", "<iframe", "<img"):
        assert remote not in lowered, remote
    # The only web addresses are the quotes' links; the javascript: "link" of g5's quote is none.
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {QUOTE_URL, "https://example.test/z3"}
    assert "javascript:" not in lowered
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp; Jerry&#x27;s "
        "&lt;b&gt;box&lt;/b&gt;"
    ) in html
    assert "<svg" in html and "<table" in html


def _visible_text(html: str) -> str:
    body = html.split("<body", 1)[1]
    return re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", body, flags=re.S))


def test_html_speaks_plain_language(config: Path, tmp_path: Path) -> None:
    text = _visible_text(_html(config, tmp_path))
    assert "Delivery &amp; service (AMOT) · Delivery pulled the exposure index down 27.5" in text
    assert "Use (SMOT) · Product quality pushed the exposure index up 17.2" in text
    assert "Acme: week of 12 Jan 2026 – 18 Jan 2026" in text
    assert "Share of voice, weighted by visibility" in text
    codes = r"\b(zmot|fmot|amot|smot|umot|product_quality|website_app|net_sentiment|None|nan)\b"
    assert re.search(codes, text) is None


def _number(cell: str) -> float | None:
    text = re.sub(r"<[^>]+>.*", "", cell).strip()  # drop the "(n=…)" note
    if text == "–":
        return None
    text = text.replace("\u2212", "-").replace(",", "").replace("+", "")
    return float(text.replace("%", "").replace("pts", "").strip())


def test_html_shows_the_jsons_numbers(config: Path, tmp_path: Path) -> None:
    html = _html(config, tmp_path)
    data = json.loads(_report(config, *WEEK).stdout)
    cells = re.findall(
        r'data-brand="([^"]+)" data-metric="(\w+)" data-field="(\w+)">(.*?)</td>', html
    )
    shown = {(brand, metric, field): _number(text) for brand, metric, field, text in cells}
    expected = {
        ("Acme", name, field): value
        for name, metric in data["metrics"].items()
        for field, value in metric.items()
    }
    expected |= {
        (comp["brand"], name, "value"): metric["value"]
        for comp in data["competitors"]
        for name, metric in comp["metrics"].items()
    }
    assert shown == expected
    points = [float(p) for p in re.findall(r'data-driver-points="([^"]+)"', html)]
    assert points == [d["points"] for d in data["drivers"]]


def test_few_mentions_are_greyed_with_their_n(config: Path, tmp_path: Path) -> None:
    html = _html(config, tmp_path)
    # Globex's net sentiment rests on 3 classified mentions.
    cell = re.search(r'data-brand="Globex" data-metric="net_sentiment" data-field="value">'
                     r"(.*?)</td>", html)  # fmt: skip
    assert cell is not None and "(n=3)" in cell.group(1)
    acme = re.search(r'data-brand="Acme" data-metric="net_sentiment" data-field="value">'
                     r"(.*?)</td>", html)  # fmt: skip
    assert acme is not None and "n=" not in acme.group(1)


def _html_for(config: Path, tmp_path: Path, *args: str) -> str:
    out = tmp_path / "report.html"
    result = _report(config, *args, "--output", str(out))
    assert result.exit_code == 0, result.output
    return _visible_text(out.read_text(encoding="utf-8"))


def test_a_week_after_the_latest_mention_says_when_that_was(config: Path, tmp_path: Path) -> None:
    """A report run after the crawls stopped names the latest mention's day instead of
    showing a table of zeros as if the brand had gone quiet."""
    text = _html_for(config, tmp_path, "--period", "week", "--until", "2026-03-01")
    assert (
        "No mention of Acme was published in the week of 23 Feb 2026 – 1 Mar 2026. The latest "
        "one collected is from 18 Jan 2026" in " ".join(text.split())
    )
    assert "Crawls page" in text


def test_a_quiet_week_before_the_data_says_only_that(config: Path, tmp_path: Path) -> None:
    text = " ".join(_html_for(config, tmp_path, "--until", "2025-12-07").split())
    assert "No mention of Acme was published in the week of 1 Dec 2025 – 7 Dec 2025." in text
    assert "latest one collected" not in text


def test_a_full_week_has_no_empty_notice(config: Path, tmp_path: Path) -> None:
    html = _html(config, tmp_path)
    assert "data-empty-period" not in html and "No mention of" not in html


def test_nothing_collected_yet_and_the_plain_text_says_so_too(config: Path) -> None:
    """Without any mention of the brand the report says nothing was collected; the e-mail's
    plain-text part carries the same notice."""
    from dataclasses import replace

    from store.db import session_scope
    from store.headline import headline
    from umot.report import render_text

    engine = make_engine(load_config(config).database.url)
    with session_scope(engine) as session:
        ids = dict(session.exec(select(Brand.name, Brand.id)).all())
        quiet = headline(session, brand_ids=[ids["Acme"]], until=date(2025, 12, 7))
    engine.dispose()
    assert quiet.latest_day == date(2026, 1, 18)  # whenever it is, not within the period
    never = replace(quiet, latest_day=None)
    assert "No mention of Acme has been collected yet" in render_text(never)
    assert "No mention of Acme was published in the week of" in render_text(quiet)


def test_when_nothing_moved_the_index_the_report_says_what_to_read(
    config: Path, tmp_path: Path
) -> None:
    text = " ".join(_html_for(config, tmp_path, *WEEK, "--brand", "Globex").split())
    assert "No stage and topic moved the exposure index" in text
    assert "the monthly report reads steadier (umot report --period month)" in text


def test_the_footer_sends_no_reader_to_a_file_they_cannot_open(
    config: Path, tmp_path: Path
) -> None:
    assert "docs/" not in _html(config, tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "json", "--output", "r.html"], "--format json contradicts"),
        (["--format", "html", "--output", "r.json"], "--format html contradicts"),
        (["--output", "r.txt"], "cannot tell the format"),
        (["--until", "18/01/2026"], "is not a date"),
        (["--until", "0001-01-05"], "--until '0001-01-05' is out of range"),
        (["--until", "9999-12-31", "--period", "quarter"], "is out of range (1970-01-01 to"),
        (["--brand", "Initech"], "unknown brand 'Initech'"),
        (["--period", "year"], "year"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    config: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a if not a.startswith("r.") else str(tmp_path / a) for a in args]
    result = _report(config, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    if "contradicts" in message or "cannot tell" in message:
        assert len(result.stderr.strip().splitlines()) == 1
        assert not list(tmp_path.glob("r.*"))


def test_format_wins_over_a_missing_suffix(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = _report(config, *WEEK, "--format", "html", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_email_reaches_a_real_smtp_server(config: Path, tmp_path: Path, smtp_server) -> None:
    inbox, port = smtp_server
    url = f"smtp://reporter:s3cret%2F%3A%40@127.0.0.1:{port}"
    out = tmp_path / "report.html"
    result = _report(config, *WEEK, "--email", "--output", str(out), env={SMTP_ENV: url})
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert "brand.manager@acme.example, analyst@acme.example" in result.stdout
    assert inbox.logins == [(b"reporter", b"s3cret/:@")]
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "reports@acme.example"
    assert envelope.rcpt_tos == ["brand.manager@acme.example", "analyst@acme.example"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Acme: week of 12 Jan 2026 – 18 Jan 2026 report"
    assert message["To"] == "brand.manager@acme.example, analyst@acme.example"
    html = message.get_body(("html",)).get_content()
    assert html.replace("\r\n", "\n") == out.read_text(encoding="utf-8")  # the file's report
    assert "Tom &amp; Jerry" in html and "<script" not in html
    plain = message.get_body(("plain",)).get_content()
    assert "Delivery & service (AMOT) · Delivery pulled the exposure index down 27.5" in plain


def test_a_refused_login_is_reported_without_the_password(config: Path, smtp_server) -> None:
    inbox, port = smtp_server
    url = f"smtp://reporter:wrong-secret@127.0.0.1:{port}"
    result = _report(config, *WEEK, "--email", env={SMTP_ENV: url})
    assert result.exit_code == 1
    assert "refused the login" in result.stderr
    assert "wrong-secret" not in result.output
    assert inbox.envelopes == []


def test_email_without_its_variable_is_a_config_error(config: Path) -> None:
    result = _report(config, *WEEK, "--email")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: config key notify.smtp_url_env: environment variable {SMTP_ENV} is not set"
    )


def test_an_unreachable_server_is_exit_1(config: Path) -> None:
    url = f"smtp://127.0.0.1:{free_port()}"
    result = _report(config, *WEEK, "--email", env={SMTP_ENV: url})
    assert result.exit_code == 1
    assert "cannot reach the SMTP server 127.0.0.1" in result.stderr


def test_the_scheduled_report_is_mailed_and_kept(
    config: Path, tmp_path: Path, smtp_server, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    """The job `umot schedule` runs on [report] schedule: a real `umot report` child process,
    to [report] to (not [notify] to), a copy in [report] folder."""
    inbox, port = smtp_server
    with config.open("a", encoding="utf-8") as toml:
        toml.write(
            '\n[report]\nschedule = "0 8 * * 1"\nperiod = "month"\nto = ["team@acme.example"]\n'
            'folder = "reports"\n'
        )
    monkeypatch.setenv(SMTP_ENV, f"smtp://reporter:s3cret%2F%3A%40@127.0.0.1:{port}")
    monkeypatch.delenv("UMOT_DATABASE_URL", raising=False)
    loaded = load_config(config)
    assert build_scheduler(loaded, SourceJobs(config)).get_job(REPORT_JOB) is not None
    caplog.set_level(logging.INFO, logger="umot.schedule")
    code = SourceJobs(config).run_report(loaded, today=datetime(2026, 2, 2, tzinfo=UTC))
    assert code == 0, caplog.text
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["team@acme.example"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"].startswith("Acme: ")
    kept = tmp_path / "reports" / "report-month-2026-02-02.html"
    assert kept.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "month report: done" in caplog.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "team@acme.example"], "--to needs --email"),
        (["--email", "--to", "team"], "--to 'team' is not an e-mail address"),
    ],
)
def test_bad_recipients_are_user_errors(config: Path, args: list[str], message: str) -> None:
    result = _report(config, *WEEK, *args, env={SMTP_ENV: "smtp://127.0.0.1:1"})
    assert result.exit_code == 2
    assert f"error: {message}" in result.output
