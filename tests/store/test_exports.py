"""Advocates, complaints and corrections exports; writers; `umot export` equals the function."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from store import exports
from store.complaints import set_status
from store.corrections import save_correction
from store.db import make_engine, session_scope, upgrade
from store.scope import Scope, Weights
from store.writers import render
from tests.store.helpers import M, fill, names_to_ids
from umot.cli import app

NOW = datetime(2026, 1, 11, 12, 0, tzinfo=UTC)


@pytest.fixture
def filled(engine: Engine) -> tuple[Engine, Weights, dict[str, int], dict[str, int]]:
    ids = fill(
        engine,
        [
            M("a1", "2026-01-01", 0.9, author="alice"),
            M("a2", "2026-01-02", 0.6, author="alice"),
            M("b1", "2026-01-03", 0.8, source="forum", author="bob"),
            M("c1", "2026-01-04", 0.7, author=None),  # no author: no advocate
            # complaints, H = 10 days from 2026-01-11:
            M("n1", "2026-01-01", -1.0, "amot", ["delivery"], source="forum"),  # 3·2·0.5 = 3
            M("n2", "2026-01-11", -0.5, "smot", ["size_fit"]),  # 1·1.5·1 = 1.5
            M("n3", "2026-01-06", -0.5, "zmot", [], brand="Globex"),  # 1·1.5·0.5^0.5
        ],
    )
    brands, sources = names_to_ids(engine)
    return engine, Weights({sources["forum"]: 3.0}), brands, ids


def test_advocates_ranked_by_summed_visibility(filled) -> None:
    engine, weights, _, _ = filled
    with session_scope(engine) as session:
        export = exports.advocates(session, scope=Scope(), weights=weights)
    rows = [(r["rank"], r["author"], r["source"], r["positive_mentions"]) for r in export.rows]
    assert rows == [(1, "bob", "forum", 1), (2, "alice", "reviews", 2)]
    assert export.rows[0]["summed_visibility"] == pytest.approx(3.0)
    assert export.rows[1]["summed_visibility"] == pytest.approx(2.0)


def test_complaints_priority_owner_and_status(filled) -> None:
    engine, weights, brands, ids = filled
    with session_scope(engine) as session:
        set_status(session, mention_id=ids["n2"], status="acknowledged", note="on it")
    with session_scope(engine) as session:
        export = exports.complaints(session, scope=Scope(), now=NOW, half_life_days=10,
                                    weights=weights)  # fmt: skip
        acme = exports.complaints(
            session, scope=Scope(brand_ids=(brands["Acme"],)), now=NOW, half_life_days=10,
            weights=weights, statuses=("new",),
        )  # fmt: skip
    got = [(r["id"], r["priority"], r["owner_team"], r["status"]) for r in export.rows]
    assert got == [
        (ids["n1"], pytest.approx(3.0), "logistics & service", "new"),
        (ids["n2"], pytest.approx(1.5), "product & quality", "acknowledged"),
        (ids["n3"], pytest.approx(1.5 * 0.5**0.5), "marketing", "new"),
    ]
    assert export.rows[0]["topics"] == ["delivery"]
    assert export.rows[1]["status_note"] == "on it"
    assert [r["id"] for r in acme.rows] == [ids["n1"]]


def test_no_engagement_and_no_complaints(engine: Engine) -> None:
    fill(engine, [M("p", "2026-01-01", 0.5, author="zoe")])
    with session_scope(engine) as session:
        assert exports.complaints(session, scope=Scope(), now=NOW).rows == []
        (row,) = exports.advocates(session, scope=Scope()).rows
    assert row["summed_visibility"] == pytest.approx(1.0)


def test_corrections_export_is_a_training_csv(filled) -> None:
    engine, _, _, ids = filled
    with session_scope(engine) as session:
        save_correction(
            session, mention_id=ids["n2"], stage="fmot", topics=["website_app", "design"]
        )
        export = exports.corrections(session, scope=Scope())
    data = render(export.rows, export.columns, "csv").decode()
    assert data.splitlines()[0] == "id,text,label,stage,topics"
    (row,) = list(csv.DictReader(io.StringIO(data)))
    assert row == {
        "id": str(ids["n2"]),
        "text": "mention n2",
        "label": "negative",
        "stage": "fmot",
        "topics": "website_app;design",
    }


FORMULA = '=HYPERLINK("http://x","y")'


CONFIG = """
[database]
url = "sqlite:///{db}"

[[brands]]
name = "Acme"
[[brands]]
name = "Globex"

[[sources]]
name = "reviews"
spider = "jsonld"
[[sources]]
name = "forum"
spider = "reddit"
weight = 3.0
"""


@pytest.mark.parametrize("kind", ["advocates", "complaints", "corrections"])
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_cli_export_equals_the_store_export(tmp_path: Path, kind: str, fmt: str) -> None:
    db = tmp_path / "umot.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    ids = fill(
        engine,
        [
            M("a1", "2026-01-01", 0.9, author="alice"),
            M("b1", "2026-01-03", 0.8, source="forum", author="bob"),
            M("n1", "2026-01-01", -1.0, "amot", ["delivery"], source="forum", text=FORMULA),
            M("n2", "2025-12-20", -0.5, "smot"),  # before --since
            M("n3", "2026-01-06", -0.5, "zmot", [], brand="Globex"),
        ],
    )
    with session_scope(engine) as session:
        save_correction(session, mention_id=ids["b1"], stage="umot")
    config = tmp_path / "umot.toml"
    config.write_text(CONFIG.format(db=db))
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(
        app,
        ["--config", str(config), "export", kind, "--output", str(out), "--brand", "Acme",
         "--since", "2026-01-01"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    brands, sources = names_to_ids(engine)
    with session_scope(engine) as session:
        expected = exports.build_export(
            session,
            kind=kind,
            scope=Scope(brand_ids=(brands["Acme"],), start=date(2026, 1, 1)),
            weights=Weights({sources["forum"]: 3.0}),
            half_life_days=90,
            now=datetime.now(UTC),
        )
    if fmt == "xlsx":
        sheet = load_workbook(out).active
        got = [[c.value for c in line] for line in sheet.iter_rows()]
        want_book = load_workbook(io.BytesIO(render(expected.rows, expected.columns, "xlsx")))
        want = [[c.value for c in line] for line in want_book.active.iter_rows()]
        assert got == want
    else:
        assert out.read_bytes() == render(expected.rows, expected.columns, fmt)
    assert len(expected.rows) >= 1


def test_cli_export_errors(tmp_path: Path) -> None:
    config = tmp_path / "umot.toml"
    config.write_text(CONFIG.format(db=tmp_path / "umot.db"))
    runner = CliRunner()
    bad_brand = runner.invoke(
        app, ["--config", str(config), "export", "advocates", "-o", str(tmp_path / "a.csv"),
              "--brand", "Nope"],
    )  # fmt: skip
    assert bad_brand.exit_code == 2
    assert "unknown brand 'Nope'" in bad_brand.output
    bad_date = runner.invoke(
        app, ["--config", str(config), "export", "advocates", "-o", str(tmp_path / "a.csv"),
              "--since", "yesterday"],
    )  # fmt: skip
    assert bad_date.exit_code == 2
    bad_format = runner.invoke(
        app, ["--config", str(config), "export", "advocates", "-o", str(tmp_path / "a.txt")]
    )
    assert bad_format.exit_code == 2
