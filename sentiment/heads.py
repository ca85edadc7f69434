"""Small task heads on pooled sentence embeddings: apply, save/load (safetensors + JSON).

``softmax`` heads (sentiment, stage: one hidden layer) give one class, the ``sigmoid`` head
(topics: linear) gives zero or more labels above per-label thresholds. Each head records its
input pooling (aggregate.Pooled): what it was trained on is what it is fed at prediction time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import torch
from safetensors.torch import load_file, save_file

from .aggregate import POOLINGS, RULES_REVISION, Pooling
from .encoder import EncoderSpec
from .errors import ClassifierError
from .lexical import NGRAM_RANGE, TOKEN_PATTERN, LexicalHead
from .quantize import dequantize_rows, quantize_rows

HEADS_FILE = "heads.safetensors"
META_FILE = "heads.json"
TASK_NAMES = ("sentiment", "stage", "topics")
# The softmax tasks, whose probabilities a temperature calibrates (sentiment.calibration).
CALIBRATED_TASKS = ("sentiment", "stage")
DEFAULT_LANGUAGES = ("en",)


class HeadsError(ClassifierError):
    """Shipped or trained head files are missing or inconsistent."""


@dataclass
class LinearHead:
    """``logits = W2 · act(W1 · (scale·x) + b1) + b2``, or ``W · (scale·x) + b`` without a hidden
    layer. ``weight``/``bias`` are the output layer; ``hidden_*`` the optional hidden layer.
    ``x`` is what ``pooling`` names (aggregate.Pooled): the mean sentence vector, or the mean
    followed by the max."""

    weight: torch.Tensor  # (classes, dim or hidden)
    bias: torch.Tensor  # (classes,)
    labels: list[str]
    kind: Literal["softmax", "sigmoid"] = "softmax"
    thresholds: list[float] | None = None  # sigmoid heads only
    hidden_weight: torch.Tensor | None = None  # (hidden, dim)
    hidden_bias: torch.Tensor | None = None
    scale: float = 1.0
    pooling: Pooling = "mean"

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        h = x.to(self.weight.dtype) * self.scale
        if self.hidden_weight is not None:
            h = torch.nn.functional.gelu(h @ self.hidden_weight.T + self.hidden_bias)
        return h @ self.weight.T + self.bias

    def probs(self, x: torch.Tensor) -> torch.Tensor:
        z = self.logits(x)
        return z.softmax(-1) if self.kind == "softmax" else z.sigmoid()

    def decide(self, probs: torch.Tensor) -> list[list[str]]:
        """Labels per row: the argmax for softmax heads, all above threshold for sigmoid."""
        if self.kind == "softmax":
            return [[self.labels[int(i)]] for i in probs.argmax(-1)]
        th = torch.tensor(self.thresholds or [0.5] * len(self.labels), dtype=probs.dtype)
        return [
            [self.labels[j] for j in torch.nonzero(row >= th).flatten().tolist()] for row in probs
        ]


@dataclass
class Heads:
    """Everything the project trains: the three heads, the encoder cut and its adapter."""

    sentiment: LinearHead
    stage: LinearHead
    topics: LinearHead
    spec: EncoderSpec = field(default_factory=EncoderSpec)
    lora: dict[str, torch.Tensor] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    lexical: LexicalHead | None = None  # the sentiment head's lexical partner (lexical.py)
    # The languages the heads were trained to read (heads.json "languages"; absent: English, the
    # language of the all-MiniLM-L6-v2 encoder). Texts in others are not labelled by them.
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    # Per task, the temperature that calibrates its probabilities (sentiment.calibration);
    # a task absent here keeps its raw probabilities.
    calibration: dict[str, float] = field(default_factory=dict)

    def temperature(self, task: str) -> float:
        return float(self.calibration.get(task, 1.0))

    def head(self, task: str) -> LinearHead:
        if task not in TASK_NAMES:
            raise KeyError(task)
        return getattr(self, task)

    def tensors(self) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        for task in TASK_NAMES:
            h = self.head(task)
            out[f"{task}.weight"] = h.weight.contiguous().float()
            out[f"{task}.bias"] = h.bias.contiguous().float()
            if h.hidden_weight is not None and h.hidden_bias is not None:
                # The hidden layer is most of a head's bytes: shipped as int8 rows (the fit
                # already rounds it so, so what was evaluated is what loads).
                q, row_scale = quantize_rows(h.hidden_weight)
                out[f"{task}.hidden_weight"] = q
                out[f"{task}.hidden_weight_scale"] = row_scale
                out[f"{task}.hidden_bias"] = h.hidden_bias.contiguous().float()
        if self.lexical is not None:
            q, row_scale = quantize_rows(self.lexical.weight)
            out["lexical.weight"] = q
            out["lexical.weight_scale"] = row_scale
            out["lexical.bias"] = self.lexical.bias.contiguous().float()
            out["lexical.idf"] = self.lexical.idf.contiguous().to(torch.float16)
        for key, t in self.lora.items():
            out[f"lora.{key}"] = t.contiguous().to(torch.float16)
        return out

    def training_sets(self) -> list[dict]:
        """The data sets the heads were trained on, as recorded by `umot train`: dataset,
        licence and whether it allows commercial use."""
        return list(self.meta.get("training_data", []))

    def non_commercial_training(self) -> list[str]:
        """``"name (licence)"`` of each training set whose licence forbids commercial use."""
        return [
            f"{d['dataset']} ({d.get('licence', 'unknown licence')})"
            for d in self.training_sets()
            if d.get("commercial_use") is False
        ]

    def fingerprint(self) -> str:
        """Short hash of every shipped tensor and label, and of the aggregation rules: changes
        whenever the heads, or how their sentence outputs become mention labels, change."""
        digest = hashlib.sha256(f"rules {RULES_REVISION}|".encode())
        for key, t in sorted(self.tensors().items()):
            digest.update(key.encode())
            digest.update(t.float().numpy().tobytes())
        digest.update(json.dumps(self._labels_json(), sort_keys=True).encode())
        return digest.hexdigest()[:12]

    def _labels_json(self) -> dict:
        return (
            {
                task: {
                    "labels": self.head(task).labels,
                    "kind": self.head(task).kind,
                    "thresholds": self.head(task).thresholds,
                    "scale": self.head(task).scale,
                    "pooling": self.head(task).pooling,
                }
                for task in TASK_NAMES
            }
            | {"encoder": asdict(self.spec)}
            | self._lexical_json()
            | ({"calibration": dict(self.calibration)} if self.calibration else {})
        )

    def _lexical_json(self) -> dict:
        if self.lexical is None:
            return {}
        return {
            "lexical": {
                "labels": self.lexical.labels,
                "mix": self.lexical.mix,
                "n_features": self.lexical.n_features,
                "ngram_range": list(NGRAM_RANGE),
                "token_pattern": TOKEN_PATTERN,
            }
        }


def save_heads(heads: Heads, directory: Path) -> tuple[Path, Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors_path, meta_path = directory / HEADS_FILE, directory / META_FILE
    save_file(heads.tensors(), str(tensors_path), metadata={"format": "umot-heads-1"})
    tensors_path.chmod(0o644)
    meta = heads._labels_json() | {"meta": heads.meta, "languages": heads.languages}
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return tensors_path, meta_path


def _hidden_weight(tensors: dict[str, torch.Tensor], task: str) -> torch.Tensor | None:
    w = tensors.get(f"{task}.hidden_weight")
    if w is None or w.dtype != torch.int8:
        return None if w is None else w.float()  # fp16 files from before int8 storage
    scale = tensors.get(f"{task}.hidden_weight_scale")
    if scale is None:
        raise HeadsError(f"{task}.hidden_weight is int8 but its row scales are missing")
    return dequantize_rows(w, scale)


def _float_or_none(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.float()


def _load_lexical(
    tensors: dict[str, torch.Tensor], info: dict | None, directory: Path
) -> LexicalHead | None:
    if info is None:
        return None  # heads trained before the lexical expert: the encoder head alone
    # The hashing recipe is code, not data: files made with another recipe would silently
    # read different buckets, so they are refused.
    if (
        list(info.get("ngram_range", [])) != list(NGRAM_RANGE)
        or info.get("token_pattern") != TOKEN_PATTERN
    ):
        raise HeadsError(f"{directory}: the lexical head was trained with another n-gram recipe")
    try:
        weight = dequantize_rows(tensors["lexical.weight"], tensors["lexical.weight_scale"])
        bias, idf = tensors["lexical.bias"].float(), tensors["lexical.idf"].float()
    except KeyError as exc:
        raise HeadsError(f"{directory}: lexical head tensor {exc} missing") from exc
    if weight.shape != (len(info["labels"]), int(info["n_features"])) or idf.shape != (
        weight.shape[1],
    ):
        raise HeadsError(f"{directory}: lexical head tensors do not match heads.json")
    return LexicalHead(weight, bias, idf, list(info["labels"]), float(info.get("mix", 1.0)))


def load_heads(directory: Path) -> Heads:
    directory = Path(directory)
    tensors_path, meta_path = directory / HEADS_FILE, directory / META_FILE
    try:
        tensors = load_file(str(tensors_path))
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as exc:
        raise HeadsError(f"cannot read task heads in {directory}: {exc}") from exc
    heads: dict[str, LinearHead] = {}
    for task in TASK_NAMES:
        info = meta.get(task)
        if info is None or f"{task}.weight" not in tensors:
            raise HeadsError(f"{directory}: no {task} head")
        w, b = tensors[f"{task}.weight"].float(), tensors[f"{task}.bias"].float()
        pooling = info.get("pooling", "mean")  # files from before pooling was recorded
        if pooling not in POOLINGS:
            raise HeadsError(f"{directory}: {task} head has unknown pooling {pooling!r}")
        if w.shape[0] != len(info["labels"]):
            raise HeadsError(
                f"{directory}: {task} head has {w.shape[0]} rows for {len(info['labels'])} labels"
            )
        heads[task] = LinearHead(
            w,
            b,
            list(info["labels"]),
            info["kind"],
            info.get("thresholds"),
            _hidden_weight(tensors, task),
            _float_or_none(tensors.get(f"{task}.hidden_bias")),
            float(info.get("scale", 1.0)),
            pooling,
        )
    lora = {k[len("lora.") :]: v for k, v in tensors.items() if k.startswith("lora.")}
    spec = EncoderSpec(**meta.get("encoder", {}))
    lexical = _load_lexical(tensors, meta.get("lexical"), directory)
    if lexical is not None and lexical.labels != heads["sentiment"].labels:
        # The two experts' probabilities are multiplied class by class.
        raise HeadsError(f"{directory}: the lexical and sentiment heads order their labels apart")
    calibration = {task: float(t) for task, t in meta.get("calibration", {}).items()}
    if any(t <= 0 for t in calibration.values()) or not set(calibration) <= set(CALIBRATED_TASKS):
        raise HeadsError(
            f"{directory}: calibration needs a positive temperature for sentiment or stage"
        )
    return Heads(
        **heads,
        spec=spec,
        lora=lora,
        meta=meta.get("meta", {}),
        lexical=lexical,
        calibration=calibration,
        languages=_languages(meta.get("languages", list(DEFAULT_LANGUAGES)), directory),
    )


def _languages(value: object, directory: Path) -> list[str]:
    """heads.json's ``languages``: a non-empty list of lower-case ISO 639-1 codes."""
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(c, str) and c.isalpha() and c.islower() for c in value)
    ):
        raise HeadsError(f'{directory}: "languages" must be a list of codes such as ["en"]')
    return list(value)
