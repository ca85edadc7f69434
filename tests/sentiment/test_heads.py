from pathlib import Path

import pytest
import torch

from sentiment.encoder import EncoderSpec
from sentiment.heads import Heads, HeadsError, load_heads, save_heads
from sentiment.labels import SENTIMENTS, STAGES, TOPICS
from sentiment.training.fit_heads import fit_linear_head, fit_mlp_head
from sentiment.training.hyperparams import MLPHeadParams


def toy(n: int = 60, dim: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 3
    x = torch.randn(n, dim, generator=g) * 0.1
    x[torch.arange(n), y] += 1.0
    return x, y


def _heads(dim: int = 8) -> Heads:
    x, y = toy(dim=dim)
    sent = fit_linear_head(x, y, SENTIMENTS)
    stage = fit_mlp_head(x, y, STAGES, MLPHeadParams(hidden=16, epochs=20))
    topics_y = torch.zeros(len(x), len(TOPICS))
    topics_y[y == 0, 4] = 1
    topics = fit_linear_head(x, topics_y, TOPICS, kind="sigmoid")
    return Heads(sent, stage, topics, spec=EncoderSpec(num_layers=2, max_length=64))


def test_sigmoid_head_gives_zero_or_more_labels() -> None:
    heads = _heads()
    x, y = toy()
    decided = heads.topics.decide(heads.topics.probs(x))
    assert decided[0] == ["delivery"]  # row 0 has class 0
    assert decided[1] == []


def test_round_trip_through_safetensors_and_json(tmp_path: Path) -> None:
    heads = _heads()
    tensors, meta = save_heads(heads, tmp_path)
    assert tensors.suffix == ".safetensors" and meta.suffix == ".json"
    loaded = load_heads(tmp_path)
    x, _ = toy()
    for task in ("sentiment", "stage", "topics"):
        assert torch.allclose(heads.head(task).logits(x), loaded.head(task).logits(x), atol=1e-5)
    assert loaded.spec == heads.spec
    assert loaded.fingerprint() == heads.fingerprint()


def test_fingerprint_changes_when_a_head_changes() -> None:
    heads = _heads()
    before = heads.fingerprint()
    heads.sentiment.bias = heads.sentiment.bias + 0.01
    assert heads.fingerprint() != before


def test_fingerprint_changes_when_the_aggregation_rules_change(monkeypatch) -> None:
    import sentiment.heads

    heads = _heads()
    before = heads.fingerprint()
    monkeypatch.setattr(sentiment.heads, "RULES_REVISION", "next")
    assert heads.fingerprint() != before


def test_missing_files_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HeadsError, match="cannot read"):
        load_heads(tmp_path)


def test_pooling_travels_with_the_head_and_changes_the_version(tmp_path: Path) -> None:
    x, y = toy(dim=8)
    heads = _heads()
    before = heads.fingerprint()
    heads.sentiment = fit_mlp_head(
        torch.cat([x, x], 1), y, SENTIMENTS, MLPHeadParams(hidden=16, epochs=10), pooling="mean+max"
    )
    save_heads(heads, tmp_path)
    loaded = load_heads(tmp_path)
    assert loaded.sentiment.pooling == "mean+max"
    assert loaded.stage.pooling == "mean"
    assert loaded.fingerprint() == heads.fingerprint() != before


def test_unknown_pooling_is_a_clear_error(tmp_path: Path) -> None:
    import json

    save_heads(_heads(), tmp_path)
    meta = json.loads((tmp_path / "heads.json").read_text())
    meta["stage"]["pooling"] = "attention"
    (tmp_path / "heads.json").write_text(json.dumps(meta))
    with pytest.raises(HeadsError, match="stage head has unknown pooling 'attention'"):
        load_heads(tmp_path)


def test_every_shipped_variant_loads_and_all_fit_the_5_mb_budget() -> None:
    from sentiment import MODELS

    total = 0
    for name, directory in MODELS.items():
        heads = load_heads(directory)
        assert heads.lora, f"{name} ships without its adapter"
        assert heads.sentiment.pooling == "mean+max"
        assert heads.lexical is not None, f"{name} ships without its lexical expert"
        total += (directory / "heads.safetensors").stat().st_size
    assert total <= 5_000_000, f"shipped heads take {total:,} bytes"
