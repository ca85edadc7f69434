"""The int8 twin of the exported encoder, for CPUs that multiply int8 in hardware.

``model.precision = "auto"`` uses it where the CPU's flags show x86 VNNI or AMX: there ONNX
Runtime's int8 kernels run the encoder about 1.25x faster than fp32, and dev figures stay within
a point of fp32 (docs/model.md). Without those instructions (AVX2 only) int8 brings no speed and
the u8s8 kernels can saturate, so fp32 stays the default there.

The recipe (``quantize_int8``), each choice measured:

- **static** quantization: activation scales are calibrated once, on the project's own labelled
  examples (shipped in ``assets/``), and fixed in the file. Dynamic quantization, which picks a
  scale per batch, made a text's labels depend on the texts batched with it (12 topic labels of
  230 texts changed between one batch and one text at a time); with fixed scales a text gets
  the same vector in any batch;
- weights int8 with **one scale per output channel** (one per tensor cost 1.2 points of airline);
- every weight MatMul except each block's **feed-forward down projection**, whose input, GELU's
  output, has a long tail that one 8-bit scale serves badly: 60 % of the vectors' error;
- attention's activation-by-activation products stay fp32.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .sentences import encoder_text, split_sentences

# Names the recipe in the twin's file name: a new recipe (or ONNX Runtime) makes a new file
# instead of reusing one built the old way.
RECIPE = "int8s1"
# /proc/cpuinfo flags of the x86 instructions that multiply int8 vectors in hardware: AVX512-VNNI,
# AVX-VNNI (client cores) and AMX.
INT8_DOT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
CALIBRATION_FILE = Path(__file__).resolve().parent / "assets" / "own_examples.csv"
CALIBRATION_BATCH = 32
log = logging.getLogger(__name__)
# Texts -> the encoder's padded inputs (input_ids, attention_mask) as tensors.
Tokenize = Callable[[Sequence[str]], Mapping[str, Any]]


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


def choose_precision(asked: str) -> str:
    """The precision to run for ``model.precision`` = ``asked`` (auto, fp32 or int8), reading
    the CPU once: auto is int8 only where it is fast; int8 asked for elsewhere runs, warned."""
    if asked == "fp32":
        return asked
    fast = int8_is_fast()
    if asked == "auto":
        return "int8" if fast else "fp32"
    if asked == "int8" and not fast:
        log.warning(
            "model.precision = 'int8' on a CPU without VNNI or AMX: ONNX Runtime's int8 "
            "kernels are no faster than fp32 here and can saturate; 'auto' would use fp32"
        )
    return asked


def twin_name(fp32: Path) -> Path:
    import onnxruntime

    return fp32.with_suffix(f".{RECIPE}-ort{onnxruntime.__version__}.onnx")


def down_projections(model: Any) -> list[str]:
    """The MatMul nodes of ``model`` (an ``onnx.ModelProto``) whose constant weights have more
    rows than columns: each block's feed-forward output (1,536 -> 384)."""
    from onnx import numpy_helper

    shapes = {t.name: numpy_helper.to_array(t).shape for t in model.graph.initializer}
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul"
        and len(shape := shapes.get(node.input[1], ())) == 2
        and shape[0] > shape[1]
    ]


def calibration_texts(path: Path | None = None) -> list[str]:
    """What the encoder reads of the own examples: their sentences, leading @handles skipped.
    (Calibrating on the whole texts instead measured 1 point lower on builtin's topics.)"""
    with (path or CALIBRATION_FILE).open(newline="", encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh) if row.get("text")]
    return [encoder_text(span.text) for text in texts for span in split_sentences(text)]


def _calibration_reader(tokenize: Tokenize, texts: Sequence[str]) -> Any:
    from onnxruntime.quantization import CalibrationDataReader

    class Batches(CalibrationDataReader):
        def __init__(self) -> None:
            self._batches = iter(range(0, len(texts), CALIBRATION_BATCH))

        def get_next(self) -> dict | None:
            start = next(self._batches, None)
            if start is None:
                return None
            batch = tokenize(texts[start : start + CALIBRATION_BATCH])
            return {name: ids.numpy() for name, ids in batch.items()}

    return Batches()


def quantize_int8(source: Path, path: Path, tokenize: Tokenize) -> Path:
    """Write ``source``'s int8 twin to ``path`` atomically (about 5 s on 2 cores), calibrated on
    what ``tokenize`` (the exported encoder's own, :meth:`Encoder.tokenize`) makes of the own
    examples' sentences."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    # A loaded model, not the path: given a path, ONNX Runtime writes a scratch copy under a
    # fixed name beside it, which two processes quantizing at once would share. The quantizer
    # moves the model's weights to a temporary directory it then deletes, so ``model`` is
    # unusable after the call: everything read from it (the excluded nodes) is read before.
    model = onnx.load(str(source))
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        with _quantizer_kept_quiet():
            quantize_static(
                model,
                tmp,
                _calibration_reader(tokenize, calibration_texts()),
                quant_format=QuantFormat.QOperator,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                nodes_to_exclude=down_projections(model),
                calibrate_method=CalibrationMethod.MinMax,
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
    (``logging.basicConfig``). For the few seconds of the call a placeholder handler keeps the
    process's logging as it was (it also stands in for Python's last-resort handler, so a
    warning from elsewhere with no handler configured goes unprinted meanwhile), and a filter
    drops what the quantizer's own modules log to the root."""
    root = logging.getLogger()
    placeholder, drop = logging.NullHandler(), _FromQuantizer()
    root.addHandler(placeholder)
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)
        root.removeHandler(placeholder)
