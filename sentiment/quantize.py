"""Symmetric per-row int8 storage for the shipped weight matrices (a quarter of fp32's bytes).

Each row ``r`` is stored as ``round(r / s)`` in int8 with ``s = max|r| / 127``; loading gives
``q * s`` back. The fits round their weights through the same functions, so what a training run
evaluates is exactly what loads from the files.
"""

from __future__ import annotations

import torch

INT8_MAX = 127


def quantize_rows(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(int8 matrix, fp32 per-row scale) for a 2-D ``weight``."""
    w = weight.detach().float()
    scale = (w.abs().amax(dim=1) / INT8_MAX).clamp(min=1e-12)
    q = torch.round(w / scale[:, None]).clamp(-INT8_MAX, INT8_MAX).to(torch.int8)
    return q.contiguous(), scale.contiguous()


def dequantize_rows(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return q.float() * scale.float()[:, None]


def as_shipped(weight: torch.Tensor) -> torch.Tensor:
    """``weight`` after an int8 round trip: the values a saved and reloaded head computes with."""
    return dequantize_rows(*quantize_rows(weight))
