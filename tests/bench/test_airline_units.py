"""bench/airline_units.py on a few units: it joins our ids-only airline labels with their tweets,
runs the whole pipeline and reports figures that add up."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.labels import STAGES

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH = REPO_ROOT / "bench" / "airline_units.py"
UNITS = REPO_ROOT / "sentiment" / "assets" / "labels" / "real_units.csv"


def _run(data: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(BENCH), "--data", str(data), *extra]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.slow
def test_figures_cover_the_labelled_tweets_asked_for(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "airline.json"
    done = _run(shared_dir / "data", tmp_path, "--limit", "60", "--json", str(out))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    figures = json.loads(out.read_text())
    with UNITS.open(newline="", encoding="utf-8") as fh:
        ours = [
            r["stage"]
            for r in csv.DictReader(fh)
            if r["source_dataset"] == "airline_tweets" and r["stage"] not in ("", "none")
        ][:60]
    stage = figures["stage"]
    assert stage["units"] == 60
    # Each row of the confusion is one of our stages: its total is how many units carry it.
    assert [sum(row) for row in stage["confusion"]] == [ours.count(s) for s in STAGES]
    read = sum(sum(row) for row in stage["confusion"]) + stage["unlabelled"]
    assert read == 60
    assert list(stage["f1"]) == list(STAGES)
    assert 0.0 <= stage["macro_f1"] <= 1.0
    assert 0 < stage["several_sentences"] < 60
    assert figures["sentiment"]["tweets"] == 60
    assert 0.0 <= figures["sentiment"]["accuracy"] <= 1.0
    assert "stage macro-F1" in done.stdout


def test_data_without_the_labelled_tweets_is_refused_clearly(tmp_path: Path) -> None:
    split = tmp_path / "data" / "airline_tweets" / "train.csv"
    split.parent.mkdir(parents=True)
    split.write_text("id,text,label\n1,@airline hello,neutral\n", encoding="utf-8")
    done = _run(tmp_path / "data", tmp_path)
    assert done.returncode != 0
    assert "airline_tweets/train.csv lacks" in done.stderr
    assert "--data" in done.stderr
