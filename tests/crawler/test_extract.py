"""`umot extract`: JSON lines of the page fields; exit 0 and silence when nothing is found."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crawler.items import EXTRACT_FIELDS
from umot.cli import app

runner = CliRunner()


def test_extract_prints_json_lines(real_dir: Path) -> None:
    page = real_dir / "trustpilot" / "eventnet.de_review_page_2024-06-27.html"
    result = runner.invoke(app, ["extract", str(page), "--spider", "trustpilot"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 20
    assert list(rows[0]) == list(EXTRACT_FIELDS)
    assert rows[0]["author"] == "Saskia Herrmann"
    assert rows[0]["published_at"] == "2024-06-27T08:03:48+00:00"
    assert rows[0]["source"] == "trustpilot"


def test_extract_uses_the_given_url(real_dir: Path) -> None:
    page = real_dir / "jsonld_bench" / "leroymerlin.pl_zestaw-podtynkowy-wc-serel-grohe.html"
    url = "https://www.leroymerlin.pl/x.html"
    result = runner.invoke(app, ["extract", str(page), "--spider", "jsonld", "--url", url])
    assert result.exit_code == 0
    first = json.loads(result.stdout.splitlines()[0])
    assert first["url"].startswith("https://www.leroymerlin.pl/")


def test_extract_without_mentions_is_silent_success(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><body>No reviews here</body></html>")
    result = runner.invoke(app, ["extract", str(page), "--spider", "jsonld"])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_extract_malformed_json_is_silent_success(tmp_path: Path) -> None:
    page = tmp_path / "broken.json"
    page.write_text('{"hits": [')
    result = runner.invoke(app, ["extract", str(page), "--spider", "hackernews"])
    assert result.exit_code == 0 and result.stdout == ""


def test_extract_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path / "missing.html"), "--spider", "jsonld"])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "missing.html" in result.stderr
    result = runner.invoke(app, ["extract", str(tmp_path), "--spider", "jsonld"])
    assert result.exit_code == 2 and "directory" in result.stderr


def test_extract_unknown_spider_is_a_clear_error(real_dir: Path) -> None:
    page = real_dir / "rss" / "katiefloyd.com_feed.rss"
    result = runner.invoke(app, ["extract", str(page), "--spider", "myspace"])
    assert result.exit_code == 2
    assert "unknown spider 'myspace'" in result.stderr
