"""The builtin encoder on ONNX Runtime: the CPU path.

The cut, adapter-merged encoder is exported once per encoder (``encoder.encoder_key``: the
pinned weights, the cut and the adapter; refitted heads reuse it) to
``~/.cache/umot/onnx/<key>-….onnx`` (under a second) and run by ONNX Runtime, which fuses
attention and the feed-forward layers where PyTorch's eager CPU path does not. Its vectors equal
PyTorch's to ~1e-6 (fp32 both), so labels and scores do not change; on 2 cores it takes the
default model from 2.7x to 3.2-3.4x the naive baseline (DATA_CARD.md).

On a CPU that multiplies int8 in hardware (x86 VNNI or AMX), the exported graph's matrix
products are also quantized to int8 (dynamic, per output channel: ``quantize_int8``): the
encoder runs about twice as fast there and dev macro-F1 stays within a point of fp32 (measured:
DATA_CARD.md). Without those instructions int8 brings no speed (BASELINES.md: AVX2 only) and
ONNX Runtime's u8s8 kernels can saturate, so fp32 stays the default there.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from .encoder import Encoder
from .errors import ClassifierError

OPSET = 17
Precision = Literal["fp32", "int8"]
# /proc/cpuinfo flags of the x86 instructions that multiply int8 vectors in hardware: AVX512-VNNI,
# AVX-VNNI (client cores) and AMX. With them ONNX Runtime's int8 kernels are ~2x its fp32 ones.
INT8_DOT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


class OnnxRuntimeError(ClassifierError):
    """ONNX Runtime was asked for but cannot be used here."""


def onnx_available() -> bool:
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The CPU feature flags the kernel reports (Linux); empty where there is no /proc/cpuinfo."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return frozenset()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def int8_is_fast(flags: frozenset[str] | None = None) -> bool:
    """Whether int8 matrix products run in hardware here: what ``model.precision = "auto"``
    asks before quantizing. Unknown CPUs (other systems, ARM) keep fp32: it is not measured."""
    return bool((cpu_flags() if flags is None else flags) & INT8_DOT_FLAGS)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "umot" / "onnx"


class _Pooled(nn.Module):
    """What gets exported: token ids + mask -> pooled, normalised vectors."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids, attention_mask)


def export_onnx(encoder: Encoder, path: Path) -> Path:
    """Write ``encoder`` as ONNX to ``path`` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sample = torch.full((2, 8), 1000, dtype=torch.long)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer notes about the attention-mask branches
            torch.onnx.export(
                _Pooled(encoder).eval(),
                (sample, torch.ones_like(sample)),
                tmp,
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "embedding": {0: "batch"},
                },
                opset_version=OPSET,
                dynamo=False,
            )
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def down_projections(model_path: Path) -> list[str]:
    """The MatMul nodes whose constant weights have more rows than columns: each block's
    feed-forward output (1,536 -> 384), the one that reads GELU's long-tailed activations."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    shapes = {t.name: numpy_helper.to_array(t).shape for t in model.graph.initializer}
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul"
        and len(shape := shapes.get(node.input[1], ())) == 2
        and shape[0] > shape[1]
    ]


def quantize_int8(source: Path, path: Path) -> Path:
    """Write ``source``'s int8 twin to ``path`` atomically: the weight MatMuls int8 with one
    scale per output channel, activations quantized on the fly, except the feed-forward down
    projections, which stay fp32. Measured (DATA_CARD.md): per-tensor scales cost 1.2 points of
    airline macro-F1; quantizing the down projections too is 18 % faster but doubles the vectors'
    error (their input, GELU's output, spans a range one 8-bit scale per batch serves badly)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        with _quantizer_kept_quiet():
            quantize_dynamic(
                source,
                tmp,
                per_channel=True,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                nodes_to_exclude=down_projections(source),
                # Attention's activation-by-activation products stay fp32.
                extra_options={"MatMulConstBOnly": True},
            )
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


class _FromQuantizer(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "quantization" not in Path(record.pathname).parts


@contextmanager
def _quantizer_kept_quiet() -> Iterator[None]:
    """ONNX Runtime's quantizer advises pre-processing through ``logging.warning()`` on the root
    logger, which also configures logging for the whole process when nothing has
    (``logging.basicConfig``). For the time of the call a placeholder handler keeps the process's
    logging as it was, and a filter drops what the quantizer's own modules log to the root."""
    root = logging.getLogger()
    placeholder, drop = logging.NullHandler(), _FromQuantizer()
    root.addHandler(placeholder)
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)
        root.removeHandler(placeholder)


class OnnxEncoder:
    """Stands in for :class:`~sentiment.encoder.Encoder` in the classifier (CPU only)."""

    def __init__(
        self,
        encoder: Encoder,
        key: str,
        *,
        threads: int | None = None,
        precision: Precision = "fp32",
    ) -> None:
        if not onnx_available():
            raise OnnxRuntimeError(
                "model.runtime = 'onnx' needs the packages onnx and onnxruntime (pip install them)"
            )
        import onnxruntime as ort

        self.tokenizer = encoder.tokenizer
        self.max_length = encoder.max_length
        self.dim = encoder.dim
        self.precision = precision
        fp32 = _cache_dir() / f"{key}-opset{OPSET}-torch{torch.__version__}.onnx"
        self.path = fp32 if precision == "fp32" else fp32.with_suffix(f".{precision}.onnx")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only

        def open_session() -> ort.InferenceSession:
            if not self.path.is_file():
                if not fp32.is_file():
                    export_onnx(encoder, fp32)
                if self.path != fp32:
                    quantize_int8(fp32, self.path)
            return ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

        try:
            self.session = open_session()
        except Exception:  # noqa: BLE001 - a corrupt cache file: export again, once
            self.path.unlink(missing_ok=True)
            fp32.unlink(missing_ok=True)  # the int8 file's source may be the corrupt one
            self.session = open_session()

    # The classifier's calls on an encoder ------------------------------------------------
    def to(self, device: torch.device) -> OnnxEncoder:
        if torch.device(device).type != "cpu":
            raise OnnxRuntimeError("the ONNX Runtime encoder runs on the CPU only")
        return self

    def eval(self) -> OnnxEncoder:
        return self

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        (out,) = self.session.run(
            None,
            {
                "input_ids": input_ids.numpy().astype("int64", copy=False),
                "attention_mask": attention_mask.numpy().astype("int64", copy=False),
            },
        )
        return torch.from_numpy(out)
