"""LoRA while training, with ``peft``: attach it to the encoder, train it, take the deltas out.

``get_peft_model`` injects the LoRA layers into the HF ``BertModel`` in place, so the
``Encoder`` around it runs them unchanged; the returned ``PeftModel`` is only the handle that
lists, extracts and removes them. The deltas come out as a plain ``{"<module path>.lora_A":
(r, in), "<module path>.lora_B": (out, r)}`` dict of fp16 tensors. Shipping stores these
low-rank factors (a few hundred KB), and ``sentiment.encoder.merge_lora`` merges them into the
weights at load: inference needs no ``peft`` and costs nothing extra, whereas peft's
``merge_and_unload`` would ship the merged layers in full (~10 MB, over the 5 MB budget).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import torch
from torch import nn

from .hyperparams import AdapterConfig

if TYPE_CHECKING:
    from peft import PeftModel

# Every linear layer of a BERT block: attention (query, key, value, output) and feed-forward.
TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
_PREFIX = "base_model.model."  # peft's state-dict keys: the wrapped model's paths under it


def attach_lora(bert: nn.Module, config: AdapterConfig) -> PeftModel:
    """Inject LoRA into every :data:`TARGETS` linear of ``bert`` (in place; the base is frozen,
    each B starts at 0, scaling is alpha / rank) and return the peft handle."""
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=list(TARGETS),
    )
    with warnings.catch_warnings():  # transformers' deprecation notice, raised inside peft
        warnings.filterwarnings(
            "ignore", message=".*is_gradient_checkpointing", category=FutureWarning
        )
        return get_peft_model(bert, lora)


def train_mode(bert: nn.Module) -> None:
    """The frozen body in eval mode (no dropout inside it: the fast attention path), only the
    adapters' own dropout in training mode."""
    bert.eval()
    for name, module in bert.named_modules():
        if name.endswith(".lora_dropout"):
            module.train()


def lora_tensors(model: PeftModel) -> dict[str, torch.Tensor]:
    """The adapter's factors by ``"<module path>.lora_A|B"``, as shipped: on the CPU, in fp16
    (so what is evaluated after training is exactly what loads later)."""
    from peft import get_peft_model_state_dict

    out: dict[str, torch.Tensor] = {}
    for key, t in get_peft_model_state_dict(model).items():
        if not (key.startswith(_PREFIX) and key.endswith((".lora_A.weight", ".lora_B.weight"))):
            raise ValueError(f"unexpected adapter tensor {key!r}")
        out[key[len(_PREFIX) : -len(".weight")]] = t.detach().to("cpu", torch.float16).clone()
    return out


def detach_lora(model: PeftModel) -> dict[str, torch.Tensor]:
    """Take the adapter's tensors out (:func:`lora_tensors`) and put the plain linears back."""
    tensors = lora_tensors(model)
    model.unload()
    return tensors
