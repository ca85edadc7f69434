"""The CPU runtime: the builtin encoder exported to ONNX and run by ONNX Runtime must give the
PyTorch vectors (so the same labels), be exported once per model version, and recover from a
corrupt cache file. Its int8 twin, the default where the CPU multiplies int8 in hardware, must
keep nearly every label of fp32."""

from __future__ import annotations

import logging

import onnx
import pytest
import torch

from core.config import ModelConfig
from sentiment import MODELS, build_classifier
from sentiment.classifier import Classifier
from sentiment.encoder import Encoder, load_encoder
from sentiment.heads import load_heads
from sentiment.int8 import cpu_flags, down_projections, int8_is_fast
from sentiment.onnx_encoder import OnnxEncoder, OnnxRuntimeError
from tests.sentiment.conftest import first_rows, shared_data

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
    onnx = build_classifier(ModelConfig(name="builtin", device="cpu", precision="fp32"))
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


XEON_FLAGS = "fpu vme sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni"
EPYC_FLAGS = "fpu vme sse4_2 avx avx2 fma sha_ni"  # Zen 2: AVX2, no VNNI


@pytest.fixture
def cpu_reports(monkeypatch):  # type: ignore[no-untyped-def]
    """Makes the product read these flags as this CPU's (another CPU cannot exist here)."""
    import sentiment.int8

    def report(flags: str) -> None:
        reported = frozenset(flags.split())
        monkeypatch.setattr(sentiment.int8, "cpu_flags", lambda: reported)

    return report


def test_int8_only_where_the_cpu_multiplies_int8_in_hardware() -> None:
    cpuinfo = f"processor\t: 0\nmodel name\t: Intel Xeon\nflags\t\t: {XEON_FLAGS}\n\n"
    assert "avx512_vnni" in cpu_flags(cpuinfo)
    assert int8_is_fast(cpu_flags(cpuinfo))
    assert int8_is_fast(frozenset({"avx2", "avx_vnni"}))  # client cores' VEX-encoded VNNI
    assert not int8_is_fast(frozenset(EPYC_FLAGS.split()))
    assert cpu_flags("no flags line at all") == frozenset()  # unknown CPU: fp32


def test_auto_precision_follows_the_cpu(tmp_path, monkeypatch, cpu_reports) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    picked = {}
    for flags in (XEON_FLAGS, EPYC_FLAGS):
        cpu_reports(flags)
        clf = build_classifier(ModelConfig(name="builtin", device="cpu"))
        picked[flags] = clf.encoder.precision
    assert picked == {XEON_FLAGS: "int8", EPYC_FLAGS: "fp32"}


def test_int8_asked_for_without_vnni_warns(tmp_path, monkeypatch, caplog, cpu_reports) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cpu_reports(EPYC_FLAGS)
    clf = build_classifier(ModelConfig(name="builtin", device="cpu", precision="int8"))
    assert clf.encoder.precision == "int8"  # what was asked for, with a reason not to
    assert "without VNNI or AMX" in caplog.text


def test_a_failed_quantization_keeps_fp32(tmp_path, monkeypatch, caplog, cpu_reports) -> None:
    import sentiment.int8

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cpu_reports(XEON_FLAGS)
    # A broken install: the calibration examples are gone, so no int8 twin can be built.
    monkeypatch.setattr(sentiment.int8, "CALIBRATION_FILE", tmp_path / "missing.csv")
    with pytest.raises(OnnxRuntimeError, match="cannot prepare the int8 ONNX encoder"):
        build_classifier(ModelConfig(name="builtin", device="cpu", precision="int8"))
    exported = list((tmp_path / "umot" / "onnx").glob("*.onnx"))
    assert len(exported) == 1, "the fp32 export survives the failed quantization"
    stamp = exported[0].stat().st_mtime_ns
    clf = build_classifier(ModelConfig(name="builtin", device="cpu"))  # auto: falls back
    assert clf.runtime == "onnxruntime-fp32" and "running fp32" in caplog.text
    assert exported[0].stat().st_mtime_ns == stamp  # reused, not exported again
    assert clf.predict(TEXTS)[1].sentiment == "positive"


def test_int8_needs_onnx_runtime() -> None:
    with pytest.raises(OnnxRuntimeError, match="int8.*ONNX Runtime.*runtime 'torch'"):
        build_classifier(
            ModelConfig(name="builtin", device="cpu", runtime="torch", precision="int8")
        )


def test_int8_twin_is_cached_beside_fp32_and_rebuilt_when_corrupt(
    torch_encoder, tmp_path, monkeypatch, caplog
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    handlers = list(logging.getLogger().handlers)
    int8 = OnnxEncoder(torch_encoder, "test-version", precision="int8")
    # The quantizer's advice stays out of the host's logs, and its logging setup unchanged.
    assert "pre-processing" not in caplog.text
    assert logging.getLogger().handlers == handlers and not logging.getLogger().filters
    fp32 = OnnxEncoder(torch_encoder, "test-version")
    assert int8.path != fp32.path and int8.path.parent == fp32.path.parent
    assert int8.path.stat().st_size < 0.85 * fp32.path.stat().st_size  # int8 weights
    # The feed-forward down projections (one per block) stay fp32, the other weights are int8.
    kept = down_projections(onnx.load(str(fp32.path)))
    assert len(kept) == load_heads(MODELS["builtin"]).spec.num_layers
    quantized = onnx.load(str(int8.path))
    assert down_projections(quantized) == kept
    assert {node.op_type for node in quantized.graph.node} & {"QLinearMatMul", "MatMulInteger"}
    got, expected = _embed(int8, SENTENCES), _embed(fp32, SENTENCES)
    assert not torch.allclose(got, expected, atol=1e-5)  # it really is another graph
    if int8_is_fast():  # without VNNI the u8s8 kernels may saturate: not what auto runs
        assert torch.nn.functional.cosine_similarity(got, expected).min() > 0.98
    fp32.path.write_bytes(b"not an onnx model")  # the twin's source went bad, then the twin
    int8.path.unlink()
    rebuilt = OnnxEncoder(torch_encoder, "test-version", precision="int8")
    assert torch.allclose(_embed(rebuilt, SENTENCES), got, atol=1e-6)
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file left behind"


def _dev_texts(dataset: str, n: int) -> list[str]:
    return [row["text"] for row in first_rows(shared_data(dataset, "dev.csv"), n)]


needs_int8_hardware = pytest.mark.skipif(
    not int8_is_fast(), reason="no VNNI or AMX on this CPU: model.precision 'auto' keeps fp32 here"
)


@needs_int8_hardware
def test_int8_vectors_do_not_depend_on_the_batch(torch_encoder, tmp_path, monkeypatch) -> None:
    # Fixed activation scales: a sentence's vector is the same alone or among others (dynamic
    # quantization picked a scale per batch, and labels moved with the batch).
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    int8 = OnnxEncoder(torch_encoder, "test-version", precision="int8")
    together = _embed(int8, SENTENCES)
    alone = torch.cat([_embed(int8, [s]) for s in SENTENCES])
    assert torch.allclose(together, alone, atol=1e-5)


@needs_int8_hardware
def test_int8_keeps_nearly_every_label_of_fp32(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    texts = _dev_texts("airline_tweets", 300) + _dev_texts("clothing_reviews", 200)
    int8 = build_classifier(ModelConfig(name="builtin", device="cpu", precision="int8"))
    fp32 = build_classifier(ModelConfig(name="builtin", device="cpu", precision="fp32"))
    assert int8.version == fp32.version  # the same model: stored labels stay valid
    a, b = int8.predict(texts), fp32.predict(texts)
    same = {
        task: sum(getattr(x, task) == getattr(y, task) for x, y in zip(a, b, strict=True))
        / len(texts)
        for task in ("sentiment", "stage", "topics")
    }
    drift = sum(abs(x.sentiment_score - y.sentiment_score) for x, y in zip(a, b, strict=True))
    # Measured on these texts: 98 % / 97 % / 93 % (topics: the exact set of nine labels).
    assert same["sentiment"] >= 0.97 and same["stage"] >= 0.95 and same["topics"] >= 0.9, same
    assert drift / len(texts) < 0.05
