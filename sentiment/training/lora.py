"""LoRA while training: wrap the encoder's linear layers, train the deltas, take them back out.

The deltas come out as a plain ``{"<module path>.lora_A": (r, in), "<module path>.lora_B":
(out, r)}`` dict, which ``sentiment.encoder.merge_lora`` adds into the weights at load:
inference needs neither these classes nor ``peft``, and costs nothing extra.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .hyperparams import AdapterConfig

# Every linear layer of a BERT block: attention (query, key, value, output) and feed-forward.
TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


class LoRALinear(nn.Module):
    """``base(x) + (dropout(x) @ A.T @ B.T) * alpha / r`` with ``base`` frozen; B starts at 0."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float) -> None:
        super().__init__()
        self.base = base
        self.scaling = alpha / rank
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling


def attach_lora(bert: nn.Module, config: AdapterConfig) -> dict[str, LoRALinear]:
    """Replace each target linear by a :class:`LoRALinear`; returns them by original path."""
    for p in bert.parameters():
        p.requires_grad_(False)
    wrapped: dict[str, LoRALinear] = {}
    for path, module in list(bert.named_modules()):
        if not isinstance(module, nn.Linear) or not path.endswith(TARGETS):
            continue
        parent_path, _, attr = path.rpartition(".")
        parent = bert.get_submodule(parent_path)
        lora = LoRALinear(module, config.rank, config.alpha, config.dropout)
        setattr(parent, attr, lora)
        wrapped[path] = lora
    return wrapped


def detach_lora(bert: nn.Module, wrapped: dict[str, LoRALinear]) -> dict[str, torch.Tensor]:
    """Put the plain linears back and return the adapter tensors (as shipped: fp16 round trip,
    so what was evaluated after training is exactly what loads later)."""
    out: dict[str, torch.Tensor] = {}
    for path, lora in wrapped.items():
        parent_path, _, attr = path.rpartition(".")
        setattr(bert.get_submodule(parent_path), attr, lora.base)
        out[f"{path}.lora_A"] = lora.lora_A.detach().to(torch.float16).clone()
        out[f"{path}.lora_B"] = lora.lora_B.detach().to(torch.float16).clone()
    return out
