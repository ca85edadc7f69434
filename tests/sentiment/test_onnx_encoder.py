"""The CPU runtime: the builtin encoder exported to ONNX and run by ONNX Runtime must give the
PyTorch vectors (so the same labels), be exported once per model version, and recover from a
corrupt cache file."""

from __future__ import annotations

import pytest
import torch

from sentiment import MODELS, build_classifier
from sentiment.classifier import Classifier
from sentiment.encoder import Encoder, load_encoder
from sentiment.heads import load_heads
from sentiment.onnx_encoder import OnnxEncoder, OnnxRuntimeError
from umot.config import ModelConfig

SENTENCES = [
    "The jacket runs small, order a size up.",
    "@united lost my bag again",
    "Refund took three weeks and two phone calls!",
    "ok",
    "Great quality for the price " * 12,  # long: padding and truncation paths
]
TEXTS = [
    "Love it. The fabric is soft but the sleeves are too long. Returned it anyway.",
    "@JetBlue thanks for the upgrade, best flight ever!",
    "Where can I find reviews of this blender before I buy?",
]


@pytest.fixture
def torch_encoder() -> Encoder:
    heads = load_heads(MODELS["builtin"])
    return load_encoder(heads.spec, heads.lora)


def _embed(encoder, sentences):  # type: ignore[no-untyped-def]
    heads = load_heads(MODELS["builtin"])
    return Classifier(encoder, heads, device=torch.device("cpu")).embed(sentences)


def test_onnx_vectors_equal_torch(torch_encoder, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    onnx = OnnxEncoder(torch_encoder, "test-version")
    expected = _embed(torch_encoder, SENTENCES)
    got = _embed(onnx, SENTENCES)
    assert got.shape == expected.shape == (len(SENTENCES), 384)
    assert torch.allclose(got, expected, atol=1e-5)


def test_export_once_and_rebuild_a_corrupt_file(torch_encoder, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = OnnxEncoder(torch_encoder, "test-version")
    stamp = first.path.stat().st_mtime_ns
    again = OnnxEncoder(torch_encoder, "test-version")
    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp  # reused
    first.path.write_bytes(b"not an onnx model")  # a disk hiccup or a killed writer
    rebuilt = OnnxEncoder(torch_encoder, "test-version")
    assert rebuilt.path.stat().st_size > 1_000_000
    assert torch.allclose(_embed(rebuilt, SENTENCES), _embed(torch_encoder, SENTENCES), atol=1e-5)
    assert not list(first.path.parent.glob("*.tmp")), "no temporary export left behind"


def test_default_cpu_runtime_is_onnx_with_the_torch_labels(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    onnx = build_classifier(ModelConfig(name="builtin", device="cpu"))
    plain = build_classifier(ModelConfig(name="builtin", device="cpu", runtime="torch"))
    assert isinstance(onnx.encoder, OnnxEncoder) and isinstance(plain.encoder, Encoder)
    assert onnx.version == plain.version  # same model, same stored labels
    for a, b in zip(onnx.predict(TEXTS), plain.predict(TEXTS), strict=True):
        assert (a.sentiment, a.stage, a.topics) == (b.sentiment, b.stage, b.topics)
        assert a.sentiment_score == pytest.approx(b.sentiment_score, abs=1e-4)
        assert [s.stage for s in a.sentences] == [s.stage for s in b.sentences]


def test_onnx_runtime_is_cpu_only(torch_encoder, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(OnnxRuntimeError, match="CPU only"):
        OnnxEncoder(torch_encoder, "test-version").to(torch.device("cuda"))
