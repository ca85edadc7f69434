"""What a configured model is, without loading it: `umot model info`.

Its name and version, the encoder (weights sha256, layers kept), every data set that trained its
heads with the licence and whether a business may use it, the languages it labels, and the
figures measured when it was trained (cross-validated on training data, and on dev once at the
end). Reads only the heads files: no encoder, no torch model is built.
"""

from __future__ import annotations

from core.config import ModelConfig

from . import own_heads
from .classifier import model_version
from .encoder import MODEL_SHA256
from .heads import load_heads
from .languages import arrangement

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def model_info(model_config: ModelConfig) -> dict:
    """The model card as a dict (see the module docstring); the JSON of `umot model info`."""
    name = model_config.name or "builtin"
    directory = own_heads(name)
    if directory is None:
        return {
            "name": name,
            "version": None,
            "encoder": {"name": name, "sha256": None, "layers": None},
            "training": [],
            "figures": {},
            "note": "a Hugging Face model: its own card tells what trained it",
        }
    heads = load_heads(directory)
    meta = heads.meta
    languages = arrangement(heads.languages, heads.languages, model_config.languages)
    info = {
        "name": name,
        "version": model_version(name, heads.fingerprint(), languages, hugging_face=False),
        "encoder": {
            "name": ENCODER_NAME,
            "sha256": MODEL_SHA256,
            "layers": heads.spec.num_layers,
            "adapter_rank": heads.spec.lora_rank if heads.lora else None,
        },
        "training": [
            {
                "dataset": d["dataset"],
                "licence": d.get("licence"),
                "commercial_use": d.get("commercial_use"),
                "rows": d.get("rows"),
                "sha256": d.get("sha256"),
            }
            for d in heads.training_sets()
        ],
        "commercial_use": not heads.non_commercial_training(),
        "languages": {
            "labelled": list(heads.languages),
            "sentiment_only": dict(sorted(model_config.languages.items())),
        },
        "calibration": dict(heads.calibration),
        "figures": {
            "cross_validated": meta.get("cv_metrics", {}),
            "dev": meta.get("dev_metrics", {}),
        },
    }
    return info
