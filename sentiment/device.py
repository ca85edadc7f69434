"""Resolve the configured device name to a :class:`torch.device`."""

from __future__ import annotations

import torch

from .errors import ClassifierError


class DeviceError(ClassifierError):
    """The configured device cannot be used here."""


def resolve_device(name: str = "auto") -> torch.device:
    """Map ``"auto" | "cpu" | "cuda"`` (or ``"cuda:N"``) to a usable device.

    ``auto`` picks the GPU when one is present; asking for ``cuda`` without one is an error
    rather than a silent fallback, so a misconfigured worker does not run 50x slower unnoticed.
    """
    name = (name or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(f"model.device is {name!r} but no CUDA device is available")
        return torch.device(name)
    raise DeviceError(f"unknown model.device {name!r} (use auto, cpu or cuda)")
