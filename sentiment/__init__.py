"""Sentiment, moment-of-truth stage and topics for mentions, per sentence.

Public API::

    from sentiment import load_classifier, Prediction, SentencePrediction
    clf = load_classifier(config.model)     # loaded once per process and configuration
    clf.version                             # "builtin-<hash of the shipped heads>"
    clf.languages                           # ["en"]: what it labels (languages.py)
    clf.predict(["text", ...], progress=True) -> list[Prediction]

The package's modules predict; fitting and measuring the model is ``sentiment.training``'s
job, and nothing here imports it.
"""

from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import ModelConfig

from .errors import NonCommercialModelWarning
from .prediction import Prediction, SentencePrediction

if TYPE_CHECKING:
    import torch

    from .classifier import Classifier
    from .hf_model import HFSentimentModel
    from .languages import LanguageModels

ASSETS = Path(__file__).resolve().parent / "assets"

# Builtin registry: name -> directory of the trained heads (encoder cut + adapter + heads).
# The default, builtin, is trained only on data a business may use; the -nc variants also read
# non-commercial data sets and warn when loaded.
MODELS: dict[str, Path] = {
    "builtin": ASSETS / "builtin",
    "builtin-nc": ASSETS / "builtin-nc",
    "builtin-fast-nc": ASSETS / "builtin-fast-nc",
}

__all__ = [
    "MODELS",
    "Prediction",
    "SentencePrediction",
    "build_classifier",
    "load_classifier",
    "own_heads",
    "runtime_plan",
]

log = logging.getLogger(__name__)
_CACHE: dict[str, Classifier] = {}
_LOCK = threading.Lock()


def own_heads(name: str) -> Path | None:
    """The heads directory ``model.name`` names: a builtin variant, or a directory holding
    heads.json (`umot train --output DIR`); None for a Hugging Face model, which takes its stage
    and topics from the builtin heads."""
    if name in MODELS:
        return MODELS[name]
    return Path(name) if (Path(name) / "heads.json").is_file() else None


def load_classifier(model_config: ModelConfig | None = None) -> Classifier:
    """The classifier for ``model_config`` (default: builtin on the best device), loaded once
    per process and configuration."""
    if model_config is None:
        model_config = ModelConfig()
    key = model_config.model_dump_json()
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = build_classifier(model_config)
        return _CACHE[key]


def build_classifier(model_config: ModelConfig, *, heads_dir: Path | None = None) -> Classifier:
    """Build a fresh classifier (no cache): builtin heads + encoder, and for a non-builtin
    ``name`` a Hugging Face model that supplies sentiment."""
    # Imported here, not at the top: they load torch, and `import sentiment` (the registry,
    # Prediction) stays light for the command line.
    from .classifier import Classifier
    from .device import resolve_device
    from .encoder import encoder_key, load_encoder
    from .heads import load_heads
    from .hf_model import HFSentimentModel
    from .onnx_encoder import OnnxEncoder, OnnxRuntimeError
    from .preparation import auto_workers

    name = model_config.name or "builtin"
    device = resolve_device(model_config.device)
    max_length = model_config.max_length
    own = own_heads(name)
    heads = load_heads(heads_dir or own or MODELS["builtin"])
    if restricted := heads.non_commercial_training():
        warnings.warn(
            f"model {name} was trained on data that forbids commercial use "
            f"({', '.join(restricted)}): use it for research only, not for a business",
            NonCommercialModelWarning,
            stacklevel=2,
        )
    encoder = load_encoder(
        heads.spec, heads.lora, max_length=min(max_length, heads.spec.max_length)
    )
    runtime, chosen = runtime_plan(model_config, device)
    precision = model_config.precision
    if runtime == "onnx":
        key = encoder_key(heads.spec, heads.lora)
        try:
            encoder = OnnxEncoder(encoder, key, precision=chosen)
        except OnnxRuntimeError as exc:
            if precision != "auto" or chosen == "fp32":
                raise
            # e.g. a read-only cache or a broken install: fp32 still serves
            log.warning("int8 encoder unavailable, running fp32: %s", exc)
            encoder = OnnxEncoder(encoder, key, precision="fp32")
    hf = None
    if own is None:
        hf = HFSentimentModel(
            name, device=device, max_length=max_length, labels=model_config.labels
        )
    language_models = plan_languages(model_config, heads.languages, hf, device=device)
    workers = model_config.split_workers
    return Classifier(
        encoder,
        heads,
        device=device,
        batch_size=model_config.batch_size,
        sentiment_model=hf,
        name=name,
        split_workers=auto_workers() if workers == "auto" else workers,
        language_models=language_models,
    )


def plan_languages(
    model_config: ModelConfig,
    heads_languages: list[str],
    name_model: HFSentimentModel | None,
    *,
    device: torch.device,
) -> LanguageModels:
    """Who labels which language (languages.py), loading each ``[model.languages]`` model; a
    ModelLoadError naming the language and the model when one cannot serve."""
    from .hf_model import HFSentimentModel, ModelLoadError
    from .languages import LanguageModels

    default = ModelConfig.model_fields["name_languages"].get_default(call_default_factory=True)
    if name_model is None and model_config.name_languages != default:
        raise ModelLoadError(
            "model.name_languages is for a Hugging Face model.name; the builtin heads say "
            f"their own languages ({', '.join(heads_languages)})"
        )
    name_languages = model_config.name_languages if name_model else heads_languages
    per_language: dict[str, HFSentimentModel] = {}
    for code, model_name in sorted(model_config.languages.items()):
        if code in name_languages:
            raise ModelLoadError(
                f"model.languages.{code}: model.name ({model_config.name!r}) already gives the "
                f"sentiment of {code!r}; name one model per language"
            )
        try:
            per_language[code] = HFSentimentModel(
                model_name,
                device=device,
                max_length=model_config.max_length,
                labels=model_config.labels,
            )
        except ModelLoadError as exc:
            raise ModelLoadError(f"model.languages.{code} = {model_name!r}: {exc}") from exc
    return LanguageModels(
        heads=tuple(heads_languages),
        name=tuple(name_languages),
        name_model=name_model,
        per_language=per_language,
    )


def runtime_plan(model_config: ModelConfig, device: torch.device | None = None) -> tuple[str, str]:
    """How the builtin encoder would run for ``model_config``: ("onnx", "int8" | "fp32") or
    ("torch", "fp32"), without loading it; an OnnxRuntimeError (a DeviceError for an unusable
    ``model.device``) when the configuration cannot run here."""
    from .device import resolve_device
    from .int8 import choose_precision
    from .onnx_encoder import OnnxRuntimeError, onnx_available

    device = device or resolve_device(model_config.device)
    runtime = model_config.runtime
    if runtime == "onnx" and device.type != "cpu":
        raise OnnxRuntimeError(f"model.runtime = 'onnx' runs on the CPU; model.device is {device}")
    on_onnx = device.type == "cpu" and (
        runtime == "onnx" or (runtime == "auto" and onnx_available())
    )
    precision = model_config.precision
    if precision == "int8" and not on_onnx:
        why = "" if onnx_available() else "; the packages onnx and onnxruntime are not installed"
        raise OnnxRuntimeError(
            "model.precision = 'int8' runs on ONNX Runtime on the CPU; here the encoder runs on "
            f"PyTorch (model.device {device}, model.runtime {runtime!r}){why}"
        )
    if not on_onnx:
        return "torch", "fp32"
    return "onnx", choose_precision(precision)
