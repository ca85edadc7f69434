"""The builtin encoder on ONNX Runtime: the CPU path.

The cut, adapter-merged encoder is exported once per encoder (``encoder.encoder_key``: the
pinned weights, the cut and the adapter; refitted heads reuse it) to
``~/.cache/umot/onnx/<key>-….onnx`` (under a second) and run by ONNX Runtime, which fuses
attention and the feed-forward layers where PyTorch's eager CPU path does not. Its vectors equal
PyTorch's to ~1e-6 (fp32 both), so labels and scores do not change; on 2 cores it takes the
default model from 2.7x to 3.2-3.4x the naive baseline (DATA_CARD.md).

On a CPU that multiplies int8 in hardware (x86 VNNI or AMX) ``model.precision = "auto"`` runs
an int8 twin of that export instead (``sentiment/int8.py``).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from .encoder import Encoder
from .errors import ClassifierError
from .int8 import quantize_int8, twin_name

OPSET = 17
Precision = Literal["fp32", "int8"]


class OnnxRuntimeError(ClassifierError):
    """ONNX Runtime was asked for but cannot be used here."""


def onnx_available() -> bool:
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _loads(path: Path) -> bool:
    """Whether ``path`` holds a readable ONNX model."""
    import onnx

    try:
        onnx.load(str(path), load_external_data=False)
    except Exception:  # noqa: BLE001 - any failure to parse means: not a usable model
        return False
    return True


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
        self.path = fp32 if precision == "fp32" else twin_name(fp32)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only

        def open_session() -> ort.InferenceSession:
            if not fp32.is_file():
                export_onnx(encoder, fp32)
            if self.path != fp32 and not self.path.is_file():
                quantize_int8(fp32, self.path, encoder.tokenize)
            return ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

        try:
            self.session = open_session()
        except Exception:  # noqa: BLE001 - a corrupt cache file: build it again, once
            self.path.unlink(missing_ok=True)
            if self.path != fp32 and not _loads(fp32):
                fp32.unlink(missing_ok=True)  # the twin's source was the corrupt one
            try:
                self.session = open_session()
            except Exception as exc:
                raise OnnxRuntimeError(
                    f"cannot prepare the {precision} ONNX encoder in {fp32.parent}: {exc}"
                ) from exc

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
