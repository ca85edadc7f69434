"""Fixtures for the classifier: the real builtin model (once per session), data paths, a tiny
Hugging Face model built and saved locally."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

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


TINY_VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "good",
    "bad",
    "great",
    "awful",
    "the",
    "dress",
    "is",
    "was",
    "flight",
    "late",
    "love",
    "it",
    ".",
    "!",
]


@pytest.fixture(scope="session")
def tiny_hf_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BertForSequenceClassification with a few-word vocab and labels
    NEG/NEU/POS, saved with its tokenizer in a temporary directory."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    out = tmp_path_factory.mktemp("tiny-bert")
    vocab = out / "vocab.txt"
    vocab.write_text("\n".join(TINY_VOCAB) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(TINY_VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=3,
        id2label={0: "NEG", 1: "NEU", 2: "POS"},
        label2id={"NEG": 0, "NEU": 1, "POS": 2},
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():  # make the output depend on words: "good"/"great" push to POS
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([0.0, 0.0, 0.0]))
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "README.md").write_text(json.dumps({"note": "built by tests/sentiment/conftest.py"}))
    return out
