"""The shipped recipes' training data: what each preset reads, under which licence, and that our
own files are ours (no text copied from a data set)."""

from __future__ import annotations

import csv
import re

import pytest

from sentiment.heads import load_heads
from sentiment.labels import SENTIMENTS
from sentiment.training.datasets import read_labelled_csv
from sentiment.training.presets import LICENCES, OWN_EXAMPLES, OWN_TWEETS, preset_files
from tests.sentiment.conftest import DATA, shared_data

NON_COMMERCIAL = {name for name, licence in LICENCES.items() if "-NC" in licence}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def test_commercial_preset_reads_no_non_commercial_data_and_our_tweets() -> None:
    shared_data("clothing_reviews", "train.csv")  # skips (or fails under CI) without the data
    train, _ = preset_files("builtin-commercial", DATA)
    names = {read_labelled_csv(p).name for p in train}
    assert names == {"clothing_reviews", "uci_sentences", "own_examples", "own_tweets"}
    assert not names & NON_COMMERCIAL
    builtin, _ = preset_files("builtin", DATA)
    assert OWN_TWEETS not in builtin  # the real tweets serve there


def test_shipped_commercial_heads_name_only_commercial_licences() -> None:
    from sentiment import MODELS

    meta = load_heads(MODELS["builtin-commercial"]).meta
    licences = {d["dataset"]: d["licence"] for d in meta["training_data"]}
    assert "own_tweets" in licences
    assert not any("-NC" in licence for licence in licences.values())


def test_own_tweets_are_sentiment_only_and_labelled() -> None:
    data = read_labelled_csv(OWN_TWEETS)
    assert len(data.texts) >= 500
    assert set(data.sentiment) <= set(SENTIMENTS)
    assert data.stage == [None] * len(data.texts) and data.topics is None
    assert data.sentiment.count("neutral") > len(data.texts) / 3  # the gap it was written for


def test_our_own_files_copy_no_text_of_any_data_set() -> None:
    shared_data("airline_tweets", "train.csv")
    ours = {_norm(t) for path in (OWN_EXAMPLES, OWN_TWEETS) for t in read_labelled_csv(path).texts}
    for path in sorted(DATA.glob("*/*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            copied = ours & {_norm(row.get("text") or "") for row in csv.DictReader(fh)}
        assert not copied, f"{path}: {sorted(copied)[:3]}"


@pytest.mark.parametrize("path", [OWN_EXAMPLES, OWN_TWEETS], ids=lambda p: p.name)
def test_own_files_have_unique_ids_and_texts(path) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({_norm(r["text"]) for r in rows}) == len(rows)
