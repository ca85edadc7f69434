"""`umot predict`, `umot evaluate`, `umot train`: the classifier from the shell."""

from __future__ import annotations

import csv
import json
import shlex
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.formulas import unguard
from sentiment.training import hyperparams
from umot.shell import current_config, fail, user_errors

if TYPE_CHECKING:
    from sentiment import Prediction
    from sentiment.classifier import Classifier

DEFAULT_DATA_DIR = Path("..") / "shared" / "data"


class Task(StrEnum):
    sentiment = "sentiment"
    stage = "stage"
    topics = "topics"


class TrainTask(StrEnum):
    all = "all"
    sentiment = "sentiment"
    stage = "stage"
    topics = "topics"


model_app = typer.Typer(help="The configured classifier: what it is and what trained it.")


def register(app: typer.Typer) -> None:
    app.command()(predict)
    app.command()(evaluate)
    app.command()(train)
    model_app.command("info")(info)
    app.add_typer(model_app, name="model")


def info(
    as_json: Annotated[bool, typer.Option("--json", help="Print the card as JSON.")] = False,
) -> None:
    """The model's version, encoder, training sets with their licences, and its figures."""
    from sentiment.errors import ClassifierError
    from sentiment.model_info import model_info

    with user_errors():
        try:
            card = model_info(current_config().model)
        except ClassifierError as exc:
            fail(str(exc))
    if as_json:
        typer.echo(json.dumps(card, indent=2))
        return
    typer.echo("\n".join(_info_lines(card)))


def _info_lines(card: dict) -> list[str]:
    from sentiment.training.card import per_set

    lines = [f"model {card['name']}" + (f" (version {card['version']})" if card["version"] else "")]
    if card.get("note"):
        return [*lines, card["note"]]
    enc = card["encoder"]
    lines.append(
        f"encoder: {enc['name']}, first {enc['layers']} of 6 layers, sha256 {enc['sha256']}"
    )
    allowed = card["commercial_use"]
    lines.append(
        "commercial use: "
        + ("yes, every training set allows it" if allowed else "NO: research use only")
    )
    lines.append("trained on:")
    for d in card["training"]:
        use = {True: "commercial use allowed", False: "NON-COMMERCIAL", None: "licence unchecked"}
        rows = f"{d['rows']:,} rows" if d.get("rows") is not None else ""
        lines.append(
            f"  {d['dataset']:<18} {rows:>14}  {d['licence']} ({use[d['commercial_use']]})"
        )
    langs = card["languages"]
    lines.append(f"labels in full: {', '.join(langs['labelled'])}")
    for code, model in langs["sentiment_only"].items():
        lines.append(f"sentiment only: {code} by {model}")
    if card["calibration"]:
        temps = ", ".join(f"{t} T={v:.2f}" for t, v in card["calibration"].items())
        lines.append(f"confidence calibrated by temperature: {temps}")
    cv = card["figures"].get("cross_validated", {})
    if cv:
        lines.append("cross-validated on the training data (macro-F1; calibration error, ECE):")
        for task, r in cv.items():
            lines.append(f"  {task}: {per_set(r['macro_f1'])}; ECE {r['ece']:.3f}")
        held = {task: r["holdout"] for task, r in cv.items() if "holdout" in r}
        if held:
            fold = next(iter(held.values()))["fold"]
            lines.append(
                f"  on fold {fold} alone, which the adapter never saw (the figures to trust):"
            )
            for task, h in held.items():
                lines.append(f"    {task}: {per_set(h['macro_f1'])}; ECE {h['ece']:.3f}")
    dev = card["figures"].get("dev", {})
    if dev:
        lines.append("dev sets, never trained on (macro-F1):")
        for dataset, tasks in dev.items():
            scores = ", ".join(f"{t} {d['macro_f1']:.3f}" for t, d in tasks.items())
            lines.append(f"  {dataset}: {scores}")
    return lines


def _classifier() -> Classifier:
    from sentiment import load_classifier

    config = current_config()
    return load_classifier(config.model)


def predict(
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to classify.")] = None,
    input_csv: Annotated[
        Path | None, typer.Option("--input", "-i", help="CSV with an id and a text column.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="CSV to write (default: stdout).")
    ] = None,
    text_column: Annotated[str, typer.Option("--text-column", help="Column with the text.")] = (
        "text"
    ),
    id_column: Annotated[str, typer.Option("--id-column", help="Column with the id.")] = "id",
    sentences: Annotated[
        bool, typer.Option("--sentences", help="Include per-sentence labels in the JSON.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Classify texts (one JSON object each) or a CSV (id, labels, confidences, language)."""
    from sentiment.errors import ClassifierError

    if bool(texts) == bool(input_csv):
        fail("give either texts or --input IN.csv")
    with user_errors():
        try:
            if input_csv is not None:
                ids, rows = _read_input(input_csv, text_column, id_column)
                preds = _classifier().predict(rows, progress=not quiet)
                _write_predictions(output, ids, preds)
                if output is not None:
                    typer.echo(f"wrote {len(preds)} rows to {output}", err=True)
            else:
                assert texts is not None
                for text, pred in zip(texts, _classifier().predict(texts), strict=True):
                    typer.echo(
                        json.dumps(
                            {"text": text, **pred.to_dict(with_sentences=sentences)},
                            ensure_ascii=False,
                        )
                    )
        except ClassifierError as exc:
            fail(str(exc))


def _read_input(path: Path, text_column: str, id_column: str) -> tuple[list[str], list[str]]:
    try:
        # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte-order mark.
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            for col in (id_column, text_column):
                if col not in columns:
                    fail(f"{path}: no column {col!r} (columns: {', '.join(columns) or 'none'})")
            ids, texts = [], []
            for row in reader:
                ids.append(row[id_column])
                texts.append(unguard(row[text_column] or ""))  # as our exports guard it
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        fail(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
    return ids, texts


PREDICTION_COLUMNS = [
    "id",
    "sentiment",
    "sentiment_score",
    "confidence",
    "stage",
    "stage_confidence",
    "topics",
    "language",
    "unlabelled",
]


def _prediction_row(row_id: str, p: Prediction) -> list[str]:
    """A CSV row of ``umot predict --output``; an empty cell where the model gave nothing."""

    def number(x: float | None) -> str:
        return "" if x is None else f"{x:.4f}"

    return [
        row_id,
        p.sentiment or "",
        number(p.sentiment_score),
        number(p.confidence),
        p.stage or "",
        number(p.stage_confidence),
        ";".join(p.topics),
        p.language or "",
        p.unlabelled or "",
    ]


def _write_predictions(output: Path | None, ids: list[str], preds: list[Prediction]) -> None:
    rows = [PREDICTION_COLUMNS] + [_prediction_row(i, p) for i, p in zip(ids, preds, strict=True)]
    if output is None:
        csv.writer(sys.stdout, lineterminator="\n").writerows(rows)
        return
    try:
        with output.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


def evaluate(
    data: Annotated[Path, typer.Option("--data", "-d", help="Labelled CSV file.")],
    task: Annotated[Task, typer.Option("--task", "-t", help="Which labels to score.")] = (
        Task.sentiment
    ),
    text_column: Annotated[str, typer.Option("--text-column", help="Column with the text.")] = (
        "text"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix of the configured model."""
    from sentiment.errors import ClassifierError
    from sentiment.training.evaluate import evaluate_file, read_gold

    with user_errors():
        try:
            read_gold(data, task.value, text_column)  # fail fast, before loading
            clf = _classifier()
            report = evaluate_file(
                clf, data, task.value, text_column=text_column, progress=not quiet
            )
        except ClassifierError as exc:
            fail(str(exc))
    if as_json:
        typer.echo(
            json.dumps(
                {"model": clf.version, "runtime": clf.runtime, "data": str(data)}
                | report.to_dict(),
                indent=2,
            )
        )
    else:
        typer.echo(f"model {clf.version} ({clf.runtime}) on {data}")
        typer.echo(report.format())


def train(
    task: Annotated[TrainTask, typer.Option("--task", "-t", help="Which head(s) to train.")] = (
        TrainTask.all
    ),
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            "-d",
            help="Labelled CSV (repeatable): text + label/sentiment, stage, topics columns.",
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            help="builtin (the default: data a business may use), builtin-nc or "
            "builtin-fast-nc (also non-commercial data): the shipped recipes.",
        ),
    ] = None,
    commercial: Annotated[
        bool,
        typer.Option(
            "--commercial",
            help="Same as --preset builtin (commercially usable data and our own labels only).",
        ),
    ] = False,
    data_dir: Annotated[
        Path,
        typer.Option(
            "--data-dir",
            help="Folder of the presets' datasets, each as <set>/train.csv and <set>/dev.csv "
            "(sets: sentiment/assets/DATA_CARD.md).",
        ),
    ] = DEFAULT_DATA_DIR,
    dev: Annotated[
        list[Path] | None, typer.Option("--dev", help="Labelled dev CSV to report (repeatable).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Heads directory to write.")
    ] = None,
    base: Annotated[
        Path | None, typer.Option("--base", help="Heads to keep the untrained tasks from.")
    ] = None,
    layers: Annotated[
        int | None,
        typer.Option(
            "--layers",
            min=1,
            max=6,
            help=f"Encoder layers to keep (default: the preset's, else {hyperparams.LAYERS}).",
        ),
    ] = None,
    max_length: Annotated[
        int, typer.Option("--max-length", min=16, max=512, help="Tokens per sentence.")
    ] = hyperparams.MAX_LENGTH,
    adapter: Annotated[
        bool,
        typer.Option(
            "--adapter/--no-adapter",
            help="Fine-tune a LoRA adapter of the encoder first (as the shipped models are); "
            "--no-adapter fits heads on the frozen encoder (seconds once features are cached).",
        ),
    ] = True,
    adapter_epochs: Annotated[
        float, typer.Option("--adapter-epochs", min=0.01, max=20, help="Passes over the data.")
    ] = hyperparams.ADAPTER_EPOCHS,
    adapter_rank: Annotated[
        int, typer.Option("--adapter-rank", min=1, max=64, help="LoRA rank of the adapter.")
    ] = hyperparams.ADAPTER_RANK,
    adapter_cap: Annotated[
        int,
        typer.Option(
            "--adapter-cap",
            min=100,
            help="Most texts per (dataset, class) in one adapter epoch (sampled, seeded).",
        ),
    ] = hyperparams.ADAPTER_CAP,
    adapter_holdout_fold: Annotated[
        int | None,
        typer.Option(
            "--adapter-holdout-fold",
            min=1,
            help="Keep this cross-validation fold (1 to --cv-folds) from the adapter, so the "
            "fold's figures score the whole model on text it never saw (the card reports them).",
        ),
    ] = None,
    distill: Annotated[
        float,
        typer.Option(
            "--distill",
            min=0.0,
            max=1.0,
            help="Distil a whole-text teacher into the adapter: weight of its soft labels in "
            "the sentiment loss (0 = off). The teacher, the full encoder fine-tuned first, "
            "takes minutes on a GPU and over an hour on a CPU; it is not shipped.",
        ),
    ] = 0.0,
    teacher_epochs: Annotated[
        float,
        typer.Option("--teacher-epochs", min=0.01, max=20, help="The teacher's passes."),
    ] = hyperparams.TEACHER_EPOCHS,
    adapter_from: Annotated[
        Path | None,
        typer.Option(
            "--adapter-from",
            help="Reuse the encoder cut and adapter of this heads directory (e.g. one trained "
            "on a GPU machine) and refit only the heads here.",
        ),
    ] = None,
    device: Annotated[
        str,
        typer.Option(
            "--device", help="auto (the GPU when present), cpu or cuda: where the encoder runs."
        ),
    ] = "auto",
    lexical_mix: Annotated[
        float,
        typer.Option(
            "--lexical-mix",
            min=0.0,
            max=5.0,
            help="Weight of the lexical sentiment expert in the product with the encoder's "
            "head (1 = equal say; 0 = no lexical expert, e.g. for a few dozen rows).",
        ),
    ] = hyperparams.LEXICAL_MIX,
    cv_folds: Annotated[
        int,
        typer.Option(
            "--cv-folds",
            min=0,
            max=20,
            help="Cross-validate the sentiment and stage heads on the training data in this many "
            "folds: their figures, and the temperatures that calibrate their confidence "
            "(0 = neither).",
        ),
    ] = hyperparams.CV_FOLDS,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Train the task heads on labelled CSV files (or a preset) and write them with a card."""
    import sentiment
    from sentiment.device import resolve_device
    from sentiment.encoder import EncoderSpec
    from sentiment.errors import ClassifierError
    from sentiment.heads import load_heads
    from sentiment.training.datasets import read_labelled_csv
    from sentiment.training.fit import train_heads
    from sentiment.training.hyperparams import AdapterConfig, TeacherConfig
    from sentiment.training.outputs import load_base, write_outputs
    from sentiment.training.presets import PRESET_LAYERS, preset_files

    if commercial:
        preset = "builtin"
    if not preset and not data:
        fail("give --data FILE.csv (repeatable) or --preset builtin")
    log = (lambda *_: None) if quiet else (lambda msg: typer.echo(msg, err=True))
    try:
        train_paths, dev_paths = preset_files(preset, data_dir) if preset else ([], [])
        train_paths += list(data or [])
        dev_paths += list(dev or [])
        if output is None:
            output = sentiment.MODELS.get(preset or "", Path("artifacts") / "heads")
        tasks = ("sentiment", "stage", "topics") if task is TrainTask.all else (task.value,)
        files = [read_labelled_csv(p) for p in train_paths]
        dev_files = [read_labelled_csv(p) for p in dev_paths]
        base_dir = base or (sentiment.MODELS["builtin"] if task is not TrainTask.all else None)
        log(f"training {', '.join(tasks)} on {', '.join(f.name for f in files)}")
        if layers is None:
            layers = PRESET_LAYERS.get(preset or "", hyperparams.LAYERS)
        if adapter_holdout_fold is not None and (adapter_from is not None or not adapter):
            fail("--adapter-holdout-fold needs an adapter trained by this run")
        reused = load_heads(adapter_from) if adapter_from is not None else None
        if reused is not None and not reused.lora:
            fail(f"{adapter_from} holds no adapter (its heads were fitted on the frozen encoder)")
        result = train_heads(
            files,
            tasks=tasks,
            spec=EncoderSpec(layers, max_length),
            base=load_base(base_dir),
            adapter=AdapterConfig(
                epochs=adapter_epochs,
                rank=adapter_rank,
                max_per_cell=adapter_cap,
                distill=distill,
                holdout_fold=adapter_holdout_fold,
            )
            if adapter
            else None,
            adapter_from=reused,
            teacher=TeacherConfig(epochs=teacher_epochs),
            lexical_mix=lexical_mix,
            cv_folds=cv_folds,
            dev_files=dev_files,
            progress=not quiet,
            log=log,
            device=resolve_device(device),
        )
        argv = sys.argv[sys.argv.index("train") + 1 :] if "train" in sys.argv else []
        command = "umot train " + " ".join(shlex.quote(a) for a in argv)
        heads = write_outputs(result, output, command=command, preset=preset)
    except ClassifierError as exc:
        fail(str(exc))
    typer.echo(f"wrote heads builtin-{heads.fingerprint()} to {output}")
