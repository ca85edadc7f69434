"""`umot model info`: what the configured model is, what trained it under which licence, and the
non-commercial variants' warning."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sentiment.encoder import MODEL_SHA256
from umot.commands.model import register

app = typer.Typer()
register(app)


@app.callback()
def _root() -> None:
    """umot (test app)."""


runner = CliRunner()


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    from umot.shell import state

    path = tmp_path / "umot.toml"
    path.write_text(f'[model]\nname = "{name}"\ndevice = "cpu"\n')
    monkeypatch.setattr(state, "config_path", path)


def test_default_model_card_as_json(tmp_path, monkeypatch) -> None:
    _config(tmp_path, monkeypatch, "builtin")
    result = runner.invoke(app, ["model", "info", "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert {"name", "version", "encoder", "training", "figures"} <= set(card)
    assert card["name"] == "builtin" and card["version"].startswith("builtin-")
    assert card["encoder"]["sha256"] == MODEL_SHA256
    assert card["encoder"]["layers"] == 3
    assert card["training"] and all(d["commercial_use"] is True for d in card["training"])
    assert {"dataset", "licence", "commercial_use"} <= set(card["training"][0])
    assert card["commercial_use"] is True
    cv = card["figures"]["cross_validated"]
    assert set(cv) == {"sentiment", "stage"}
    # calibrated on the fold its adapter never saw
    assert all(0 <= r["holdout"]["ece"] <= 0.05 for r in cv.values())
    assert set(card["calibration"]) == {"sentiment", "stage"}


def test_default_model_card_names_the_fold_its_adapter_never_saw(tmp_path, monkeypatch) -> None:
    _config(tmp_path, monkeypatch, "builtin")
    result = runner.invoke(app, ["model", "info"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "on fold 1 alone, which the adapter never saw" in text
    held = text[text.index("on fold 1 alone") :]
    assert "stage: own_examples" in held and "real_units" in held and "ECE 0.0" in held


def test_the_version_is_the_one_classify_records(tmp_path, monkeypatch, builtin_classifier) -> None:
    _config(tmp_path, monkeypatch, "builtin")
    card = json.loads(runner.invoke(app, ["model", "info", "--json"]).stdout)
    assert card["version"] == builtin_classifier.version


def test_non_commercial_variant_says_so(tmp_path, monkeypatch) -> None:
    _config(tmp_path, monkeypatch, "builtin-nc")
    result = runner.invoke(app, ["model", "info"])
    assert result.exit_code == 0, result.output
    assert "NO: research use only" in result.stdout
    assert "airline_tweets" in result.stdout and "NON-COMMERCIAL" in result.stdout
    assert "labels in full: en" in result.stdout


def test_an_unknown_model_directory_is_a_hugging_face_name(tmp_path, monkeypatch) -> None:
    _config(tmp_path, monkeypatch, str(tmp_path / "no-such-model"))
    card = json.loads(runner.invoke(app, ["model", "info", "--json"]).stdout)
    assert card["version"] is None and card["training"] == []


def test_loading_a_non_commercial_variant_warns_and_the_default_does_not() -> None:
    from core.config import ModelConfig
    from sentiment import build_classifier
    from sentiment.errors import NonCommercialModelWarning

    with pytest.warns(NonCommercialModelWarning, match=r"airline_tweets \(CC BY-NC-SA 4.0\)"):
        build_classifier(ModelConfig(name="builtin-fast-nc", device="cpu", split_workers=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonCommercialModelWarning)
        build_classifier(ModelConfig(name="builtin", device="cpu", split_workers=1))
