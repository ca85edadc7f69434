"""bench/encoders.py on a small sample: it encodes, cross-validates and writes its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_encoder_comparison_writes_figures_per_candidate(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "encoders.json"
    command = [
        sys.executable, str(REPO_ROOT / "bench" / "encoders.py"),
        "--data-dir", str(shared_dir / "data"), "--per-file", "80", "--speed-texts", "12",
        "--folds", "2", "--only", "MiniLM-L6 first 2 layers", "--json", str(out),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HOME": str(tmp_path)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    report = json.loads(out.read_text())
    assert report["per_file"] == 80
    [row] = report["results"]
    assert row["encoder"] == "MiniLM-L6 first 2 layers"
    # every commercial training set of the default is scored, and no other
    assert set(row["sentiment_macro_f1"]) == {
        "clothing_reviews", "uci_sentences", "goemotions", "own_examples", "own_tweets",
        "real_units",
    }  # fmt: skip
    assert "airline_tweets" not in row["sentiment_macro_f1"]
    assert set(row["stage_macro_f1"]) == {"own_examples", "real_units"}
    for value in [*row["sentiment_macro_f1"].values(), *row["stage_macro_f1"].values()]:
        assert 0.0 <= value <= 1.0
    # better than always answering one class (macro-F1 of that: at most 1/3 on three classes)
    assert row["sentiment_macro_f1"]["own_examples"] > 0.34
    assert row["reviews_per_s"] > 0 and row["peak_mib"] > 100 and row["weights_mb"] > 80
    assert "| MiniLM-L6 first 2 layers |" in done.stdout
