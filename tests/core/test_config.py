"""Every kind of bad configuration: exit code 2, the key named, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.config import ConfigError, load_config
from demo.config import demo_toml
from umot.cli import app

GOOD = """
[database]
url = "sqlite:///data/umot.db"

[[brands]]
name = "Acme Apparel"
keywords = ["acme apparel"]
products = [{ name = "Linen Shirt", keywords = ["acme linen shirt"] }]

[[sources]]
name = "acme-trustpilot"
spider = "trustpilot"
brand = "Acme Apparel"
start_urls = ["https://www.trustpilot.com/review/acme.example"]
schedule = "0 */6 * * *"
"""

BAD = {
    "toml syntax": ("[database\nurl = 1", "not valid TOML"),
    "unknown key": ("[database]\nurll = 'sqlite://'", "database.urll: unknown key"),
    "unknown section": ("[crawlr]\ncontact = 'x'", "crawlr: unknown key"),
    "wrong type": ("[model]\nbatch_size = 'big'", "model.batch_size"),
    "out of range": ("[model]\nbatch_size = 0", "model.batch_size"),
    "negative source weight": (
        "[analytics.source_weights]\nreviews = -1.0",
        "analytics.source_weights.reviews",
    ),
    "bad device": ("[model]\ndevice = 'tpu'", "model.device"),
    "bad brand role": ("[[brands]]\nname = 'A'\nrole = 'mine'", "brands[0].role"),
    "bad precision": ("[model]\nprecision = 'int4'", "model.precision"),
    "no split workers": ("[model]\nsplit_workers = 0", "model.split_workers"),
    "split workers not a number": ("[model]\nsplit_workers = 'many'", "model.split_workers"),
    "bad database url": ("[database]\nurl = 'mysql://x/y'", "database.url: unsupported"),
    "unknown spider": (
        "[[sources]]\nname = 's'\nspider = 'twitter'\n",
        "sources[0].spider",
    ),
    "unknown brand": (
        "[[brands]]\nname = 'A'\n[[sources]]\nname = 's'\nspider = 'rss'\nbrand = 'B'\n",
        "sources[0].brand: unknown brand 'B'",
    ),
    "duplicate source": (
        "[[sources]]\nname = 's'\nspider = 'rss'\n[[sources]]\nname = 's'\nspider = 'rss'\n",
        "sources[1].name: duplicate",
    ),
    "duplicate product": (
        "[[brands]]\nname = 'A'\nproducts = [{ name = 'Jacket' }, { name = 'Jacket' }]\n",
        "brands[0].products[1].name: duplicate product 'Jacket' of brand 'A'",
    ),
    "bad cron": ("[[sources]]\nname = 's'\nspider = 'rss'\nschedule = 'hourly'\n", "schedule"),
    "bad url": (
        "[[sources]]\nname = 's'\nspider = 'rss'\nstart_urls = ['ftp://x']\n",
        "start_urls",
    ),
    "missing secret": (
        "[database]\nurl = 'postgresql://u@h/db'\npassword_env = 'UMOT_TEST_NOPE'\n",
        "database.password_env: environment variable UMOT_TEST_NOPE is not set",
    ),
    "missing webhook secret": (
        "[alerts]\nwebhook_url_env = 'UMOT_TEST_HOOK_NOPE'\n",
        "alerts.webhook_url_env",
    ),
    "notify without sender": (
        "[notify]\nsmtp_url_env = 'SMTP_URL'\nto = ['a@b.example']\n",
        "notify.from: the sender's address is required",
    ),
    "notify without recipients": (
        "[notify]\nsmtp_url_env = 'SMTP_URL'\nfrom = 'a@b.example'\n",
        "notify.to: at least one recipient",
    ),
    "notify bad address": ("[notify]\nto = ['nobody']\n", "notify.to[0]"),
    "bad alert format": ("[alerts]\nformat = 'teams'\n", "alerts.format"),
    "report with nowhere to go": (
        "[report]\nschedule = '0 8 * * 1'",
        "report.schedule: nowhere to deliver the report",
    ),
    "report e-mail without notify": ("[report]\nto = ['a@b.example']", "report.to: e-mail needs"),
    "report bad cron": ("[report]\nschedule = 'mondays'", "report.schedule"),
    "report unknown brand": (
        "[[brands]]\nname = 'Acme'\n[report]\nbrands = ['acme']",
        "report.brands[0]: unknown brand 'acme' (did you mean `Acme`?)",
    ),
    "report bad period": ("[report]\nperiod = 'weekly'", "(did you mean `week`?)"),
    "bad language code": ("[model.languages]\nGerman = '/m'", "model.languages: 'German' is not"),
    "empty language model": ("[model.languages]\nde = ' '", "the model for 'de' is empty"),
    "bad name language": ("[model]\nname_languages = ['english']", "model.name_languages[0]"),
}


def test_good_config_loads_and_resolves_sqlite_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "umot.toml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.brands[0].products[0].name == "Linen Shirt"
    assert config.source("acme-trustpilot").spider == "trustpilot"
    assert config.database.url == f"sqlite:///{tmp_path / 'data' / 'umot.db'}"
    assert config.model.name == "builtin" and config.analytics.half_life_days == 90


def test_a_model_per_language(tmp_path: Path) -> None:
    path = tmp_path / "umot.toml"
    path.write_text('[model.languages]\nde = "/models/german-sentiment"\n')
    model = load_config(path).model
    assert model.languages == {"de": "/models/german-sentiment"}
    assert model.name_languages == ["en"]


def test_environment_overrides_database_and_normalises_driver(tmp_path, monkeypatch) -> None:
    path = tmp_path / "umot.toml"
    path.write_text(GOOD)
    monkeypatch.setenv("UMOT_DATABASE_URL", "postgres://umot@db/umot")
    assert load_config(path).database.url == "postgresql+psycopg://umot@db/umot"


def test_password_comes_from_the_named_variable(tmp_path, monkeypatch) -> None:
    path = tmp_path / "umot.toml"
    path.write_text("[database]\nurl = 'postgresql://umot@db/umot'\npassword_env = 'PW'\n")
    monkeypatch.setenv("PW", "s3cr%t")
    url = load_config(path).database.url
    assert url.startswith("postgresql+psycopg://umot:") and "s3cr" in url
    assert "PW" not in path.read_text().replace("password_env = 'PW'", "")


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_is_a_config_error_naming_the_key(case: str, tmp_path: Path) -> None:
    text, expected = BAD[case]
    path = tmp_path / "umot.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("case", ["toml syntax", "unknown key", "wrong type", "unknown brand"])
def test_cli_exits_2_with_one_line_and_no_traceback(case: str, tmp_path: Path) -> None:
    text, expected = BAD[case]
    path = tmp_path / "umot.toml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["--config", str(path), "status"])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_real_process_bad_config_exit_2_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "umot.toml"
    path.write_text(BAD["unknown brand"][0])
    proc = subprocess.run(
        [sys.executable, "-m", "umot", "--config", str(path), "status", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "sources[0].brand" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_missing_config_file_via_env_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["status"], env={"UMOT_CONFIG": str(tmp_path / "missing.toml")}
    )
    assert result.exit_code == 2
    assert "missing.toml not found" in result.output


def _brands(tmp_path: Path, body: str) -> list[tuple[str, str]]:
    path = tmp_path / "umot.toml"
    path.write_text(body)
    config = load_config(path)
    return [(b.name, config.brand_role(b.name)) for b in config.brands]


def test_with_no_role_anywhere_the_first_brand_is_own(tmp_path: Path) -> None:
    body = "[[brands]]\nname = 'A'\n[[brands]]\nname = 'B'\n"
    assert _brands(tmp_path, body) == [("A", "own"), ("B", "competitor")]


def test_roles_set_in_the_file_are_kept_and_unset_ones_compete(tmp_path: Path) -> None:
    body = (
        "[[brands]]\nname = 'A'\nrole = 'competitor'\n"
        "[[brands]]\nname = 'B'\nrole = 'own'\n"
        "[[brands]]\nname = 'C'\n"
    )
    assert _brands(tmp_path, body) == [("A", "competitor"), ("B", "own"), ("C", "competitor")]
    config = load_config(tmp_path / "umot.toml")
    assert config.own_brands == ["B"] and config.competitor_brands == ["A", "C"]


def test_the_demo_config_marks_northwind_own_and_bramble_competitor(tmp_path: Path) -> None:
    path = tmp_path / "umot.toml"
    path.write_text(demo_toml("http://127.0.0.1:9"))
    config = load_config(path)
    assert config.own_brands == ["Northwind Outfitters"]
    assert config.competitor_brands == ["Bramble & Co"]


NOTIFY = (
    "[notify]\nsmtp_url_env = 'UMOT_TEST_SMTP'\nfrom = 'r@acme.example'\nto = ['m@acme.example']\n"
)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "environment variable UMOT_TEST_SMTP is not set"),
        ("http://mail.example", "is not an smtp://"),
        ("smtp://user:pw@", "is not an smtp://"),
    ],
)
def test_the_smtp_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, problem: str
) -> None:
    path = tmp_path / "umot.toml"
    path.write_text(NOTIFY)
    config = load_config(path)  # loading never needs the variable: only sending does
    assert config.notify.sender == "r@acme.example" and config.notify.to == ["m@acme.example"]
    if value is None:
        monkeypatch.delenv("UMOT_TEST_SMTP", raising=False)
    else:
        monkeypatch.setenv("UMOT_TEST_SMTP", value)
    with pytest.raises(ConfigError, match=f"notify.smtp_url_env: .*{problem}"):
        config.notify.smtp_url()
    monkeypatch.setenv("UMOT_TEST_SMTP", "smtps://u:p@mail.example:465")
    assert config.notify.smtp_url() == "smtps://u:p@mail.example:465"


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        (
            "[analytics]\nhalf_life = 30",
            "analytics.half_life: unknown key (did you mean `half_life_days`?)",
        ),
        ("[modle]\nname = 'x'", "modle: unknown key (did you mean `model`?)"),
        ("[[brands]]\nname = 'A'\nkeywrds = ['a']", "(did you mean `keywords`?)"),
        ("[[sources]]\nname = 'x'\nspider = 'trustpliot'", "(did you mean `trustpilot`?)"),
        (
            "[[brands]]\nname = 'Acme'\n[[sources]]\nname = 'x'\nspider = 'rss'\nbrand = 'acme'",
            "unknown brand 'acme' (did you mean `Acme`?)",
        ),
    ],
)
def test_a_mistyped_name_gets_the_nearest_valid_one(tmp_path: Path, body: str, hint: str) -> None:
    path = tmp_path / "umot.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert hint in str(caught.value)


def test_nothing_is_suggested_when_nothing_is_close(tmp_path: Path) -> None:
    path = tmp_path / "umot.toml"
    path.write_text("[model]\ndevice = 'gpu'\n[analytics]\nzzz = 1")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "did you mean" not in str(caught.value)


def test_report_folder_is_beside_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "umot.toml"
    path.write_text("[report]\nschedule = '0 8 * * 1'\nfolder = 'reports'\n")
    report = load_config(path).report
    assert report.folder == tmp_path / "reports"
    assert (report.schedule, report.period) == ("0 8 * * 1", "week")
