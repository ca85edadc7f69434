"""Every hyper-parameter of `umot train`, in one place: the command's defaults and the recipes.

Plain values and frozen dataclasses in a module that imports no torch, so the command line can
show the defaults in ``--help`` without loading it. The figures behind the choices are in
``docs/model.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..aggregate import Pooling

# --- the `umot train` options' defaults --------------------------------------------------------
LAYERS = 3  # encoder layers kept by default (presets may choose fewer: presets.PRESET_LAYERS)
MAX_LENGTH = 128  # tokens per sentence
ADAPTER_RANK = 8
ADAPTER_EPOCHS = 1.0
# Cap per (dataset, class) cell in one adapter epoch: the big majority cells (clothing 5-star
# reviews) add little after a few thousand rows and cost most of the CPU time.
ADAPTER_CAP = 4000
TEACHER_EPOCHS = 3.0
# Folds of the cross-validation that scores the sentiment and stage heads on the training data
# and fits their temperatures (crossval.py); 0 or 1: none.
CV_FOLDS = 5
# The lexical expert's say in sentiment (sentiment/lexical.py): 1 = the plain product of the
# two experts.
LEXICAL_MIX = 1.0

# Norm of the gradients the adapter and the teacher clip to, at every step.
GRAD_CLIP = 1.0
# Torch's and Python's seed before the heads are fitted (each fit also seeds its own generator).
SEED = 0


# --- the task heads (fit_heads.py, fit_lexical.py, fit.py) --------------------------------------
@dataclass(frozen=True)
class MLPHeadParams:
    """A one-hidden-layer softmax head trained with AdamW and a one-cycle schedule."""

    hidden: int = 512
    epochs: int = 40
    weight_decay: float = 1e-4
    dropout: float = 0.1
    scale: float = 10.0  # the input is multiplied by it (unit-length sentence vectors)
    balanced: bool = True  # weigh classes inversely to their frequency
    batch_size: int = 256
    lr: float = 2e-3
    max_lr: float = 3e-3  # the one-cycle schedule's peak
    seed: int = 0


@dataclass(frozen=True)
class LogisticHeadParams:
    """L2-regularised logistic regression fitted by full-batch L-BFGS (deterministic)."""

    l2: float = 1e-3
    balanced: bool = True  # softmax: class weights; sigmoid: each label's positive weight
    max_pos_weight: float = 20.0  # sigmoid: the cap on a rare label's positive weight
    max_iter: int = 300
    history_size: int = 20
    tolerance_grad: float = 1e-9


@dataclass(frozen=True)
class LexicalParams:
    """The lexical expert's multinomial logistic regression (scikit-learn, L-BFGS)."""

    c: float = 4.0  # inverse L2 strength
    max_iter: int = 3000


@dataclass(frozen=True)
class HeadRecipe:
    """What `umot train` fits on the pooled sentence vectors, task by task."""

    sentiment: MLPHeadParams
    stage: MLPHeadParams
    topics: LogisticHeadParams
    lexical: LexicalParams = LexicalParams()
    # What each head reads (aggregate.Pooled): the mean and the max for sentiment (the max keeps
    # one strongly worded sentence of a long review). Stage and topics are trained on our own
    # examples of one or two sentences, where the max adds nothing.
    pooling: Mapping[str, Pooling] = field(
        default_factory=lambda: {"sentiment": "mean+max", "stage": "mean", "topics": "mean"}
    )


DEFAULT_MLP = MLPHeadParams()
DEFAULT_LOGISTIC = LogisticHeadParams()
DEFAULT_LEXICAL = LexicalParams()
HEADS = HeadRecipe(
    sentiment=MLPHeadParams(hidden=512, epochs=40, weight_decay=1e-4, dropout=0.1, balanced=False),
    stage=MLPHeadParams(hidden=256, epochs=150, weight_decay=1e-3, dropout=0.2),
    topics=LogisticHeadParams(l2=1e-3),
)


# --- the LoRA adapter (adapter.py) --------------------------------------------------------------
@dataclass(frozen=True)
class AdapterConfig:
    """How the LoRA adapter trains (adapter.py); `umot train --adapter-*` sets some fields."""

    rank: int = ADAPTER_RANK
    # 0: 2 × rank, the usual LoRA choice: the update's scale (alpha / rank) holds when the
    # rank changes, so comparing ranks compares ranks, not learning rates.
    alpha: float = 0.0
    dropout: float = 0.1
    epochs: float = ADAPTER_EPOCHS
    batch_size: int = 32  # mentions per step
    lr: float = 1e-3  # adapter and temporary heads
    warmup: float = 0.06
    max_per_cell: int = ADAPTER_CAP
    # Stage/topic examples are few (our own ~600 sentences): seen this many times per epoch.
    stage_repeat: int = 3
    seed: int = 0
    # Knowledge distillation (teacher.py): the weight of the teacher's soft labels in the
    # sentiment loss (0 = hard labels only), and the temperature both sides are softened by.
    distill: float = 0.0
    temperature: float = 2.0
    # A cross-validation fold (1 to k) whose rows the adapter never sees, so that the fold's
    # out-of-fold figures score the whole model on unseen text; None: it learns from every row.
    holdout_fold: int | None = None

    def __post_init__(self) -> None:
        if self.alpha <= 0:
            object.__setattr__(self, "alpha", 2.0 * self.rank)


DEFAULT_ADAPTER = AdapterConfig()
ADAPTER_WEIGHT_DECAY = 0.01  # AdamW, adapter and temporary heads alike
# The temporary task heads that give the adapter its gradient (thrown away afterwards).
ADAPTER_HEAD_HIDDEN = 256
ADAPTER_HEAD_SCALE = 10.0  # their input scale, the shipped heads' too (MLPHeadParams.scale)
# The few stage/topic rows per batch give noisy gradients: they count half as much as sentiment.
ADAPTER_STAGE_LOSS = 0.5
ADAPTER_TOPICS_LOSS = 0.5


# --- the whole-text teacher (teacher.py) --------------------------------------------------------
@dataclass(frozen=True)
class TeacherConfig:
    """How the whole-text teacher is fine-tuned; heads.json records it when distilling."""

    layers: int = 6
    max_length: int = 256  # whole texts: a clothing review averages 82 tokens
    epochs: float = TEACHER_EPOCHS
    batch_size: int = 32
    lr: float = 5e-5
    warmup: float = 0.06
    # Smoothed targets keep the teacher from becoming certain of the texts it trains on, whose
    # soft labels are exactly what it is asked for afterwards.
    label_smoothing: float = 0.1
    seed: int = 0


DEFAULT_TEACHER = TeacherConfig()
TEACHER_WEIGHT_DECAY = 0.01
