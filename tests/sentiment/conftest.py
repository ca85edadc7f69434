"""Fixtures for the classifier: the real builtin model (once per session), data paths, a tiny
Hugging Face model built and saved locally."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from tests.support.tiny_hf import save_tiny_model

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT.parent / "shared" / "data"
OWN_EXAMPLES = REPO_ROOT / "sentiment" / "assets" / "own_examples.csv"


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data; skipped when absent unless UMOT_REQUIRE_SHARED=1."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("UMOT_REQUIRE_SHARED", "") not in ("", "0"):
            pytest.fail(f"{path} is required (UMOT_REQUIRE_SHARED=1)")
        pytest.skip(f"shared data set not present: {path}")
    return path


def first_rows(path: Path, n: int) -> list[dict]:
    """The first ``n`` rows of a CSV file, as dicts."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [row for _, row in zip(range(n), csv.DictReader(fh), strict=False)]


@pytest.fixture(scope="session")
def model_config():  # type: ignore[no-untyped-def]
    from core.config import ModelConfig

    # In-process sentence split, whatever ran before: the worker path is test_preparation's.
    return ModelConfig(name="builtin", device="cpu", split_workers=1)


@pytest.fixture(scope="session")
def builtin_classifier(model_config):  # type: ignore[no-untyped-def]
    """The real builtin classifier, loaded once (the CLI's load_classifier reuses it).
    Tests that mutate it must deep-copy it."""
    from sentiment import load_classifier

    return load_classifier(model_config)


@pytest.fixture
def cli_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A umot.toml selecting the builtin model on CPU, made the CLI's current config."""
    from umot.shell import state

    path = tmp_path / "umot.toml"
    path.write_text('[model]\nname = "builtin"\ndevice = "cpu"\n')
    monkeypatch.setattr(state, "config_path", path)
    return path


@pytest.fixture(scope="session")
def tiny_hf_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BertForSequenceClassification (labels NEG/NEU/POS, logits all zero) saved with its
    tokenizer in a temporary directory (tests/support/tiny_hf.py)."""
    return save_tiny_model(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_positive_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model made to find every text positive: a sentiment source whose answers a
    test can tell from the builtin head's."""
    return save_tiny_model(tmp_path_factory.mktemp("tiny-positive"), bias=(0.0, 0.0, 5.0))
