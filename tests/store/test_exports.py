"""Advocates, complaints and corrections exports; `umot export` equals the function."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from store import exports
from store.complaints import set_status
from store.corrections import save_correction
from store.db import session_scope
from store.exports import profile_url
from store.scope import Scope, Weights
from store.writers import render
from tests.store.helpers import M, fill, names_to_ids
from umot.cli import app

NOW = datetime(2026, 1, 11, 12, 0, tzinfo=UTC)
EARLIER = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)  # a correction saved before NOW
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def filled(engine: Engine) -> tuple[Engine, Weights, dict[str, int], dict[str, int]]:
    ids = fill(
        engine,
        [
            M("a1", "2026-01-01", 0.9, author="alice", likes=3, followers=10, product="Widget",
              text="Soft and warm.", confidence=0.93),
            M("a2", "2026-01-02", 0.6, author="alice", followers=25, text="Fine."),
            M("b1", "2026-01-03", 0.8, source="forum", author="bob", text="Love it."),
            M("c1", "2026-01-04", 0.7, author=None),  # no author: no advocate
            M("g1", "2026-01-05", 0.9, author="alice", brand="Globex"),  # alice praises Globex
            M("late", "2026-01-11T12:00", 0.9, author="carol"),  # at as_of: not yet
            M("undated", "", 0.9, author="dan", likes=1000),  # cannot be placed before as_of
            # complaints, H = 10 days from 2026-01-11:
            M("n1", "2026-01-01", -1.0, "amot", ["delivery"], source="forum", confidence=0.91,
              product="Widget"),  # 3·2·0.5 = 3
            M("n2", "2026-01-11", -0.5, "smot", ["size_fit"], confidence=0.55),  # 1·1.5·1 = 1.5
            M("n3", "2026-01-06", -0.5, "zmot", [], brand="Globex"),  # 1·1.5·0.5^0.5
            M("n4", "2026-01-11T12:00", -0.9, "amot"),  # published at as_of: not yet a complaint
        ],
    )  # fmt: skip
    brands, sources = names_to_ids(engine)
    return engine, Weights({sources["forum"]: 3.0}), brands, ids


def test_advocates_ranked_by_summed_visibility_one_row_per_brand(filled) -> None:
    engine, weights, _, _ = filled
    with session_scope(engine) as session:
        export = exports.advocates(session, scope=Scope(), as_of=NOW, weights=weights)
    rows = [
        (r["rank"], r["author"], r["brand"], r["source"], r["positive_mentions"])
        for r in export.rows
    ]
    # alice's Globex praise is its own row, naming its brand; carol's is not out yet, and
    # dan's has no date
    assert rows == [
        (1, "alice", "Acme", "reviews", 2),
        (2, "bob", "Acme", "forum", 1),
        (3, "alice", "Globex", "reviews", 1),
    ]
    assert export.rows[1]["summed_visibility"] == pytest.approx(3.0)  # 1 × the forum's weight
    assert export.columns == exports.ADVOCATE_COLUMNS
    assert all(r["as_of"] == NOW for r in export.rows)


def test_advocates_name_their_best_quote_followers_product_and_profile(filled) -> None:
    engine, weights, _, _ = filled
    with session_scope(engine) as session:
        export = exports.advocates(session, scope=Scope(), as_of=NOW, weights=weights)
    alice, bob, _ = export.rows
    # a1 has likes: the most visible of alice's two positive mentions
    assert alice["top_quote"] == "Soft and warm."
    assert alice["top_quote_url"] == "https://example.test/a1"
    assert alice["top_quote_confidence"] == pytest.approx(0.93)  # how sure it is praise
    assert alice["followers"] == 25  # the most seen on her mentions
    assert alice["mention_count"] == alice["positive_mentions"] == 2
    assert alice["product"] == ["Widget"]
    # a review site has no profile address: the link of her most visible mention
    assert alice["profile_url"] == "https://example.test/a1"
    assert bob["profile_url"] == "https://www.reddit.com/user/bob"  # the forum is Reddit
    assert bob["top_quote"] == "Love it." and bob["followers"] is None and bob["product"] == []
    assert bob["top_quote_confidence"] is None  # the model gave none


def test_advocates_top_list_has_the_same_details_as_the_full_list(filled) -> None:
    engine, weights, _, _ = filled
    with session_scope(engine) as session:
        top = exports.advocates(session, scope=Scope(), as_of=NOW, weights=weights, limit=2)
        full = exports.advocates(session, scope=Scope(), as_of=NOW, weights=weights)
    assert top.rows == full.rows[:2]


@pytest.mark.parametrize(
    ("spider", "author", "url", "expected"),
    [
        ("reddit", "-dave-", None, "https://www.reddit.com/user/-dave-"),
        ("hackernews", "pg", None, "https://news.ycombinator.com/user?id=pg"),
        ("bluesky", "maria.bsky.social", None, "https://bsky.app/profile/maria.bsky.social"),
        ("mastodon", "maria@social.example", None, "https://social.example/@maria"),
        ("mastodon", "maria", "https://home.example/@maria/1", "https://home.example/@maria"),
        ("mastodon", "maria", None, None),
        ("youtube", "@MariaKnits", None, "https://www.youtube.com/@MariaKnits"),
        ("youtube", "Maria Knits", None, None),  # a display name is no address
        ("trustpilot", "Maria", "https://www.trustpilot.com/reviews/1", None),
        ("jsonld", "Maria", None, None),
        ("reddit", None, None, None),
    ],
)
def test_profile_url(spider: str, author: str | None, url: str | None, expected: str) -> None:
    assert profile_url(spider, author, url) == expected


def test_complaints_priority_owner_status_and_names(filled) -> None:
    engine, weights, brands, ids = filled
    with session_scope(engine) as session:
        set_status(session, mention_id=ids["n2"], status="acknowledged", note="on it")
    with session_scope(engine) as session:
        export = exports.complaints(session, scope=Scope(), as_of=NOW, half_life_days=10,
                                    weights=weights)  # fmt: skip
        acme = exports.complaints(
            session, scope=Scope(brand_ids=(brands["Acme"],)), as_of=NOW, half_life_days=10,
            weights=weights, statuses=("new",),
        )  # fmt: skip
    got = [(r["id"], r["priority"], r["owner_team"], r["status"], r["brand"]) for r in export.rows]
    assert got == [
        (ids["n1"], pytest.approx(3.0), "logistics & service", "new", "Acme"),
        (ids["n2"], pytest.approx(1.5), "product & quality", "acknowledged", "Acme"),
        (ids["n3"], pytest.approx(1.5 * 0.5**0.5), "marketing", "new", "Globex"),
    ]  # n4, published at as_of, is not in yet
    first = export.rows[0]
    assert first["topics"] == ["delivery"] and first["topic_names"] == ["Delivery"]
    assert first["stage"] == "amot" and first["stage_name"] == "Delivery & service (AMOT)"
    assert first["product"] == "Widget" and export.rows[1]["product"] is None
    assert first["confidence"] == pytest.approx(0.91)
    assert export.rows[2]["confidence"] is None  # the model did not say
    assert first["as_of"] == NOW
    assert export.rows[1]["status_note"] == "on it"
    assert [r["id"] for r in acme.rows] == [ids["n1"]]
    assert export.columns == exports.COMPLAINT_COLUMNS


def test_complaint_priority_decays_to_the_as_of_day(filled) -> None:
    engine, weights, _, ids = filled
    later = datetime(2026, 1, 21, 9, 30, tzinfo=UTC)  # ten days on: one more half-life
    with session_scope(engine) as session:
        now = exports.complaints(session, scope=Scope(), as_of=NOW, half_life_days=10)
        then = exports.complaints(session, scope=Scope(), as_of=later, half_life_days=10)
    by_id = {r["id"]: r for r in then.rows}
    for row in now.rows:
        assert by_id[row["id"]]["priority"] == pytest.approx(row["priority"] / 2)
        assert by_id[row["id"]]["as_of"] == later
    assert ids["n4"] in by_id  # published before the later as_of


def test_a_correction_is_certain(filled) -> None:
    engine, _, _, ids = filled
    with session_scope(engine) as session:
        save_correction(session, mention_id=ids["n2"], sentiment="negative")
        export = exports.complaints(session, scope=Scope(), as_of=NOW)
    assert {r["id"]: r["confidence"] for r in export.rows}[ids["n2"]] == 1.0


def test_no_engagement_and_no_complaints(engine: Engine) -> None:
    fill(engine, [M("p", "2026-01-01", 0.5, author="zoe")])
    with session_scope(engine) as session:
        assert exports.complaints(session, scope=Scope(), as_of=NOW).rows == []
        (row,) = exports.advocates(session, scope=Scope(), as_of=NOW).rows
    assert row["summed_visibility"] == pytest.approx(1.0)


def test_corrections_export_is_a_training_csv(filled) -> None:
    engine, _, _, ids = filled
    with session_scope(engine) as session:
        save_correction(
            session, mention_id=ids["n2"], stage="fmot", topics=["website_app", "design"]
        )
        export = exports.corrections(session, scope=Scope())
    data = render(export.rows, export.columns, "csv").decode()
    assert data.splitlines()[0] == "id,text,label,stage,topics,brand,product"
    (row,) = list(csv.DictReader(io.StringIO(data)))
    assert row == {
        "id": str(ids["n2"]),
        "text": "mention n2",
        "label": "negative",
        "stage": "fmot",
        "topics": "website_app;design",
        "brand": "Acme",
        "product": "",
    }


def test_corrections_as_of_a_time_are_the_list_as_it_stood(filled) -> None:
    """``as_of`` leaves out corrections saved at or after it and mentions published at or after
    it; an undated mention's correction counts (a person placed its labels)."""
    engine, _, _, ids = filled
    saved = {"n1": EARLIER, "n2": NOW, "n4": EARLIER, "undated": EARLIER}
    with session_scope(engine) as session:
        for key, at in saved.items():
            save_correction(session, mention_id=ids[key], stage="fmot").corrected_at = at
    with session_scope(engine) as session:
        every = {r["id"] for r in exports.corrections(session, scope=Scope()).rows}
        then = {r["id"] for r in exports.corrections(session, scope=Scope(), as_of=NOW).rows}
        earliest = exports.corrections(session, scope=Scope(), as_of=EARLIER).rows
    assert every == {ids[key] for key in saved}
    # n2 was saved at NOW, n4 published at NOW: neither stood before it
    assert then == {ids["n1"], ids["undated"]}
    assert earliest == []


def test_corrections_csv_is_read_by_training(filled, tmp_path: Path) -> None:
    from sentiment.training.datasets import read_labelled_csv

    engine, _, _, ids = filled
    with session_scope(engine) as session:
        save_correction(session, mention_id=ids["n1"], sentiment="neutral", stage="fmot")
        export = exports.corrections(session, scope=Scope())
    path = tmp_path / "corrections.csv"
    path.write_bytes(render(export.rows, export.columns, "csv"))
    data = read_labelled_csv(path)
    assert data.sentiment == ["neutral"] and data.stage == ["fmot"]


def test_corrected_replies_train_as_written_though_the_csv_guards_them(
    engine: Engine, tmp_path: Path
) -> None:
    """A reply starting with a handle, a list or "+1" is guarded in the CSV a spreadsheet
    opens, and `umot train` reads it back without the guard."""
    from sentiment.training.datasets import read_labelled_csv

    texts = ["@AcmeHelp my parcel never arrived", "- seams came apart\n- zip broke", "+1 too small"]
    ids = fill(engine, [M(f"r{i}", f"2026-01-0{i + 1}", -0.9, text=t) for i, t in enumerate(texts)])
    with session_scope(engine) as session:
        for key in ids:
            save_correction(session, mention_id=ids[key], stage="smot")
        export = exports.corrections(session, scope=Scope())
    path = tmp_path / "corrections.csv"
    path.write_bytes(render(export.rows, export.columns, "csv"))
    with path.open(newline="", encoding="utf-8") as fh:
        assert sorted(r["text"] for r in csv.DictReader(fh)) == sorted("'" + t for t in texts)
    assert sorted(read_labelled_csv(path).texts) == sorted(texts)


def test_handles_and_formulas_in_every_format(engine: Engine) -> None:
    """A handle is shown as written in XLSX; CSV and JSON neutralise what a sheet would run."""
    fill(
        engine,
        [
            M("m", "2026-01-10", -0.9, text=FORMULA, author="@maria"),
            M("d", "2026-01-09", -0.9, author="-dave-"),
            M("p", "2026-01-09", -0.9, author="plain"),
        ],
    )
    with session_scope(engine) as session:
        export = exports.complaints(session, scope=Scope(), as_of=NOW)
    at = export.columns.index

    lines = list(csv.reader(io.StringIO(render(export.rows, export.columns, "csv").decode())))
    assert [line[at("author")] for line in lines[1:]] == ["'@maria", "'-dave-", "plain"]
    assert lines[1][at("text")] == "'" + FORMULA

    sheet = load_workbook(io.BytesIO(render(export.rows, export.columns, "xlsx"))).active
    cells = list(sheet.iter_rows(min_row=2))
    assert [line[at("author")].value for line in cells] == ["@maria", "-dave-", "plain"]
    assert cells[0][at("text")].value == FORMULA and cells[0][at("text")].data_type == "s"
    assert not any(c.data_type == "f" for line in sheet.iter_rows() for c in line)
    assert cells[0][at("published_at")].is_date
    assert cells[0][at("as_of")].value == NOW.replace(tzinfo=None)
    assert isinstance(cells[0][at("priority")].value, float)

    records = json.loads(render(export.rows, export.columns, "json"))
    assert [r["author"] for r in records] == ["'@maria", "'-dave-", "plain"]
    assert isinstance(records[0]["priority"], float)
    assert records[0]["as_of"] == "2026-01-11T12:00:00+00:00"


# -- `umot export` -------------------------------------------------------------------------

CONFIG = """
[database]
url = "{url}"

[[brands]]
name = "Acme"
role = "{acme}"
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
weight = 3.0
"""


@pytest.fixture
def cli(engine: Engine, database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A database with Acme (own) and Globex mentions, and a function running `umot export`."""
    ids = fill(
        engine,
        [
            M("a1", "2026-01-01", 0.9, author="alice"),
            M("b1", "2026-01-03", 0.8, source="forum", author="bob"),
            M("n1", "2026-01-01", -1.0, "amot", ["delivery"], source="forum", text=FORMULA,
              product="Widget", confidence=0.8),
            M("n2", "2025-12-20", -0.5, "smot"),  # before --since
            M("n3", "2026-01-06", -0.5, "zmot", [], brand="Globex", author="gina"),
            M("g1", "2026-01-06", 0.7, brand="Globex", author="gina"),
        ],
    )  # fmt: skip
    with session_scope(engine) as session:
        for key, stage in (("b1", "umot"), ("n3", "fmot")):
            save_correction(session, mention_id=ids[key], stage=stage).corrected_at = EARLIER

    def run(*args: str, acme: str = "own") -> tuple[int, str]:
        config = tmp_path / "umot.toml"
        config.write_text(CONFIG.format(url=database_url, acme=acme))
        result = CliRunner().invoke(app, ["--config", str(config), "export", *args])
        return result.exit_code, result.output

    return engine, run


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


@pytest.mark.parametrize("kind", ["advocates", "complaints", "corrections"])
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_cli_export_equals_the_store_export(cli, tmp_path: Path, kind: str, fmt: str) -> None:
    engine, run = cli
    out = tmp_path / f"out.{fmt}"
    code, output = run(kind, "--output", str(out), "--brand", "Acme", "--since", "2026-01-01",
                       "--as-of", "2026-01-11T12:00Z")  # fmt: skip
    assert code == 0, output
    brands, sources = names_to_ids(engine)
    with session_scope(engine) as session:
        expected = exports.build_export(
            session,
            kind=kind,
            scope=Scope(brand_ids=(brands["Acme"],), start=date(2026, 1, 1)),
            as_of=NOW,
            weights=Weights({sources["forum"]: 3.0}),
            half_life_days=90,
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


@pytest.mark.parametrize("kind", ["advocates", "complaints", "corrections"])
def test_cli_exports_the_own_brand_unless_told(cli, tmp_path: Path, kind: str) -> None:
    _, run = cli
    own, globex, every = (tmp_path / f"{name}.csv" for name in ("own", "globex", "all"))
    assert run(kind, "-o", str(own))[0] == 0
    assert run(kind, "-o", str(globex), "--brand", "Globex")[0] == 0
    code, output = run(kind, "-o", str(every), "--brand", "all")
    assert code == 0, output
    assert {r["brand"] for r in _rows(own)} == {"Acme"}
    assert {r["brand"] for r in _rows(globex)} == {"Globex"}
    assert {r["brand"] for r in _rows(every)} == {"Acme", "Globex"}
    assert len(_rows(every)) == len(_rows(own)) + len(_rows(globex))


def test_cli_says_what_it_exported(cli, tmp_path: Path) -> None:
    _, run = cli
    code, output = run("complaints", "-o", str(tmp_path / "c.csv"), "--as-of", "2026-01-10")
    assert code == 0, output
    assert output.strip() == (
        f"wrote 2 complaints of Acme to {tmp_path / 'c.csv'} "
        f"(csv, {(tmp_path / 'c.csv').stat().st_size} bytes, as of 2026-01-11 00:00:00+00:00)"
    )


def test_cli_without_an_own_brand_asks_for_one(cli, tmp_path: Path) -> None:
    _, run = cli
    code, output = run("complaints", "-o", str(tmp_path / "c.csv"), acme="competitor")
    assert code == 2
    assert "no own brand" in output and "--brand all" in output
    assert not (tmp_path / "c.csv").exists()


def test_cli_writes_one_as_of_and_a_date_means_the_end_of_that_day(cli, tmp_path: Path) -> None:
    _, run = cli
    day, moment = tmp_path / "day.csv", tmp_path / "moment.csv"
    assert run("complaints", "-o", str(day), "--as-of", "2026-01-10")[0] == 0
    assert run("complaints", "-o", str(moment), "--as-of", "2026-01-11T00:00:00+00:00")[0] == 0
    assert day.read_bytes() == moment.read_bytes()
    assert {r["as_of"] for r in _rows(day)} == {"2026-01-11T00:00:00+00:00"}
    before = datetime.now(UTC).replace(microsecond=0)
    now = tmp_path / "now.csv"
    assert run("complaints", "-o", str(now))[0] == 0
    (as_of,) = {r["as_of"] for r in _rows(now)}
    assert before <= datetime.fromisoformat(as_of) <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--brand", "Nope"], "unknown brand 'Nope'"),
        (["--since", "yesterday"], "--since 'yesterday' is not a date"),
        (["--as-of", "soon"], "--as-of 'soon' is not a date or time"),
        (["--as-of", "9999-12-31"], "--as-of '9999-12-31' is out of range"),
        (["--format", "csv", "-o", "a.xlsx"], "--format csv contradicts the file name 'a.xlsx'"),
        (["--format", "xlsx", "-o", "a.JSON"], "--format xlsx contradicts the file name"),
        (["-o", "a.txt"], "cannot tell the format from 'a.txt'"),
        (["-o", "a"], "cannot tell the format from 'a'"),
    ],
)
def test_cli_export_errors(cli, tmp_path: Path, args: list[str], message: str) -> None:
    _, run = cli
    if "-o" not in args:
        args = [*args, "-o", "a.csv"]
    args = [str(tmp_path / a) if a.startswith("a.") or a == "a" else a for a in args]
    code, output = run("complaints", *args)
    assert code == 2
    assert len(output.strip().splitlines()) == 1, output
    assert message in output
    assert list(tmp_path.glob("a*")) == []


def test_cli_format_agrees_with_the_suffix(cli, tmp_path: Path) -> None:
    _, run = cli
    assert run("complaints", "--format", "json", "-o", str(tmp_path / "list"))[0] == 0
    assert isinstance(json.loads((tmp_path / "list").read_text()), list)
    assert run("complaints", "-o", str(tmp_path / "list.XLSX"))[0] == 0
    assert load_workbook(tmp_path / "list.XLSX").active.freeze_panes == "A2"
    assert run("complaints", "--format", "csv", "-o", str(tmp_path / "same.csv"))[0] == 0


def test_cli_refuses_a_missing_folder_unless_told_to_create_it(cli, tmp_path: Path) -> None:
    _, run = cli
    target = tmp_path / "no" / "such" / "dir" / "c.csv"
    code, output = run("complaints", "-o", str(target))
    assert code == 2
    assert (
        output.strip()
        == f"error: folder {target.parent} does not exist (create it, or pass --parents)"
    )
    assert not (tmp_path / "no").exists()
    code, output = run("complaints", "-o", str(target), "--parents")
    assert code == 0, output
    assert _rows(target)


def test_cli_says_when_the_folder_is_a_file_or_cannot_be_made(cli, tmp_path: Path) -> None:
    _, run = cli
    (tmp_path / "notes").write_text("a file")
    for extra in ([], ["--parents"]):
        code, output = run("complaints", "-o", str(tmp_path / "notes" / "c.csv"), *extra)
        assert (code, output.strip()) == (2, f"error: {tmp_path / 'notes'} is a file, not a folder")
    code, output = run("complaints", "-o", str(tmp_path / "notes" / "sub" / "c.csv"), "--parents")
    assert code == 2
    assert output.strip().startswith(f"error: cannot create folder {tmp_path / 'notes' / 'sub'}:")
    assert (tmp_path / "notes").read_text() == "a file"
