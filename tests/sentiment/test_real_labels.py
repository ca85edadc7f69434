"""The shipped labels on real texts (the default's file and the third draw kept beside it):
well-formed, licence-clean, from train splits only, and pointing at the very texts they label."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from core.labels import STAGES, TOPICS
from sentiment.sentences import split_sentences

LABELS = Path(__file__).resolve().parents[2] / "sentiment" / "assets" / "labels"
FILES = ("real_units.csv", "real_units_draw3.csv")
SENTIMENTS = {"negative", "neutral", "positive"}


def _read(name: str) -> list[dict[str, str]]:
    with (LABELS / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module", params=FILES)
def rows(request: pytest.FixtureRequest) -> list[dict[str, str]]:
    return _read(request.param)


def test_the_default_trains_on_4000_labelled_texts_and_no_unit_is_labelled_twice() -> None:
    main, draw3 = (_read(name) for name in FILES)
    assert len(main) >= 4000
    assert len(draw3) >= 600
    uids = [r["uid"] for r in main + draw3]
    assert len(set(uids)) == len(uids)


def test_every_row_is_well_formed(rows: list[dict[str, str]]) -> None:
    assert len({r["uid"] for r in rows}) == len(rows)
    for r in rows:
        assert r["sentiment"] in SENTIMENTS, r
        assert (r["stage"] in STAGES) == (r["about_a_moment"] == "true"), r
        assert r["stage"] in (*STAGES, ""), r
        topics = [t for t in r["topics"].split(";") if t]
        assert set(topics) <= set(TOPICS), r
        if r["stage"] == "umot":
            assert "recommendation" in topics, r


def test_non_commercial_rows_carry_no_text(rows: list[dict[str, str]]) -> None:
    for r in rows:
        commercial = r["licence"] != "CC-BY-NC-SA-4.0"
        assert r["commercial_use"] == ("true" if commercial else "false"), r
        assert bool(r["text"]) == commercial, r


def test_each_stage_has_300_real_texts() -> None:
    counts = Counter(r["stage"] for r in _read(FILES[0]) if r["stage"])
    assert min(counts[s] for s in STAGES) >= 300, counts


def test_rows_are_train_texts_never_dev_or_the_stage_eval_set(
    rows: list[dict[str, str]], shared_dir: Path
) -> None:
    data = shared_dir / "data"
    held_out = set()
    for path in data.glob("*/dev.csv"):
        with path.open(newline="", encoding="utf-8") as f:
            held_out |= {(path.parent.name, r["id"]) for r in csv.DictReader(f)}
    with (data / "mot_stages" / "dev.csv").open(newline="", encoding="utf-8") as f:
        held_out |= {(r["source_dataset"], r["source_id"]) for r in csv.DictReader(f)}
    train: dict[str, dict[str, str]] = {}
    for name in {r["source_dataset"] for r in rows}:
        with (data / name / "train.csv").open(newline="", encoding="utf-8") as f:
            train.update({f"{name}/{t['id']}": t for t in csv.DictReader(f)})
    for r in rows:
        assert (r["source_dataset"], r["source_id"]) not in held_out, r
        source = train[f"{r['source_dataset']}/{r['source_id']}"]
        if r["source_dataset"] == "clothing_reviews":
            expected = split_sentences(source["text"])[int(r["unit"])].text
        else:
            expected = source["text"]
        if r["text"]:
            assert r["text"] == expected, r
