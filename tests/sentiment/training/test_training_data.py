"""The shipped recipes' training data: what each preset reads, under which licence, and that our
own files are ours (no text copied from a data set)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from sentiment import ASSETS
from sentiment.heads import load_heads
from sentiment.labels import SENTIMENTS
from sentiment.training.datasets import read_labelled_csv
from sentiment.training.presets import (
    LICENCES,
    OWN_EXAMPLES,
    OWN_TWEETS,
    REAL_LABELS,
    preset_files,
)
from tests.sentiment.conftest import DATA, shared_data

NON_COMMERCIAL = {name for name, (_, commercial) in LICENCES.items() if not commercial}
# Service posts we wrote and measured, not read by any preset (DATA_CARD.md): they ship under the
# project's licence all the same, so the same checks hold.
OWN_SERVICES = ASSETS / "own_services.csv"
OWN_WEAR = ASSETS / "own_wear.csv"
# Our own probe on how clothes wear: evaluation only, never trained on (DATA_CARD.md).
WEAR_PROBE = Path(__file__).resolve().parents[3] / "bench" / "data" / "wear_probe.csv"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def test_default_preset_reads_no_non_commercial_data() -> None:
    shared_data("clothing_reviews", "train.csv")  # skips (or fails under CI) without the data
    train, _ = preset_files("builtin", DATA)
    names = {read_labelled_csv(p).name for p in train}
    assert names == {
        "clothing_reviews",
        "uci_sentences",
        "goemotions",
        "own_examples",
        "own_tweets",
        "real_units",
    }
    assert not names & NON_COMMERCIAL
    nc, _ = preset_files("builtin-nc", DATA)
    assert OWN_TWEETS not in nc  # the real tweets serve there
    assert "airline_tweets" in {read_labelled_csv(p).name for p in nc}


def test_real_labels_train_on_their_commercial_rows_only() -> None:
    """The ids-only rows of non-commercial texts are skipped, not read as empty texts."""
    data = read_labelled_csv(REAL_LABELS)
    with REAL_LABELS.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    commercial = [r for r in rows if r["commercial_use"] == "true"]
    assert 0 < len(data.texts) == len(commercial) < len(rows)
    assert all(data.texts)
    assert data.groups[0] == f"{commercial[0]['source_dataset']}-{commercial[0]['source_id']}"
    # About none of the moments: no stage label, still a sentiment and topics example.
    none = next(i for i, r in enumerate(commercial) if r["about_a_moment"] == "false")
    assert data.stage[none] is None and data.sentiment[none] is not None


@pytest.mark.parametrize("variant", ["builtin", "builtin-nc", "builtin-fast-nc"])
def test_shipped_heads_record_the_licences_they_trained_on(variant: str) -> None:
    from sentiment import MODELS

    heads = load_heads(MODELS[variant])
    sets = heads.training_sets()
    assert sets and all(isinstance(d["commercial_use"], bool) for d in sets)
    if variant == "builtin":
        assert heads.non_commercial_training() == []
        assert {d["dataset"] for d in sets} >= {"goemotions", "real_units", "own_tweets"}
    else:
        assert heads.non_commercial_training() == ["airline_tweets (CC BY-NC-SA 4.0)"]


def test_own_tweets_are_sentiment_only_and_labelled() -> None:
    data = read_labelled_csv(OWN_TWEETS)
    assert len(data.texts) >= 500
    assert set(data.sentiment) <= set(SENTIMENTS)
    assert data.stage == [None] * len(data.texts) and data.topics is None
    assert data.sentiment.count("neutral") > len(data.texts) / 3  # the gap it was written for


def test_our_own_files_copy_no_text_of_any_data_set() -> None:
    shared_data("airline_tweets", "train.csv")
    own = (OWN_EXAMPLES, OWN_TWEETS, OWN_SERVICES, OWN_WEAR, WEAR_PROBE)
    ours = {_norm(t) for path in own for t in read_labelled_csv(path).texts}
    for path in sorted(DATA.glob("*/*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            copied = ours & {_norm(row.get("text") or "") for row in csv.DictReader(fh)}
        assert not copied, f"{path}: {sorted(copied)[:3]}"


@pytest.mark.parametrize(
    "path", [OWN_EXAMPLES, OWN_TWEETS, OWN_SERVICES, OWN_WEAR, WEAR_PROBE], ids=lambda p: p.name
)
def test_own_files_have_unique_ids_and_texts(path) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({_norm(r["text"]) for r in rows}) == len(rows)


def test_the_wear_probe_shares_no_text_with_what_trains() -> None:
    """The probe measures the wear sentences (DATA_CARD.md): none of its texts is in our own
    files that train or may train."""
    probe = {_norm(t) for t in read_labelled_csv(WEAR_PROBE).texts}
    for path in (OWN_EXAMPLES, OWN_TWEETS, OWN_SERVICES, OWN_WEAR):
        assert not probe & {_norm(t) for t in read_labelled_csv(path).texts}, path.name
