"""predict / evaluate / train through the CLI on small real CSV files."""

import csv
import io
import json
from pathlib import Path

import pytest
import torch
import typer
from typer.testing import CliRunner

from sentiment.int8 import int8_is_fast
from tests.sentiment.conftest import OWN_EXAMPLES, first_rows, shared_data
from umot.commands.model import register

app = typer.Typer()
register(app)


@app.callback()
def _root() -> None:
    """umot (test app)."""


runner = CliRunner()


def _small_training_csv(tmp_path: Path) -> Path:
    """Every 8th of the first 1,000 own examples: all three tasks, trains in seconds."""
    rows = first_rows(OWN_EXAMPLES, 1000)[::8]
    return _write(tmp_path / "train.csv", rows, ["id", "text", "stage", "sentiment", "topics"])


def _write(path: Path, rows: list[dict], fields: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def test_predict_texts_prints_one_json_object_each(cli_config, builtin_classifier) -> None:
    result = runner.invoke(app, ["predict", "Never ordering from them again.", "Love it!"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["text"] for d in lines] == ["Never ordering from them again.", "Love it!"]
    assert set(lines[0]) >= {
        "sentiment",
        "sentiment_score",
        "confidence",
        "stage",
        "stage_confidence",
        "topics",
        "language",
    }


def test_predict_says_why_a_german_text_has_no_labels(cli_config, builtin_classifier) -> None:
    text = "Die Jacke ist super, aber die Lieferung hat ewig gedauert."
    result = runner.invoke(app, ["predict", text])
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert line["sentiment"] is None and line["sentiment_score"] is None
    assert line["stage"] is None and line["topics"] == []
    assert line["language"] == "de"
    assert line["unlabelled"] == "unsupported language: de"


def test_predict_csv_leaves_other_languages_empty(cli_config, builtin_classifier, tmp_path) -> None:
    rows = [
        {"id": "1", "text": "Die Jacke ist super, aber die Lieferung hat ewig gedauert."},
        {"id": "2", "text": "The jacket is great, but the delivery took forever."},
    ]
    inp = _write(tmp_path / "in.csv", rows, ["id", "text"])
    result = runner.invoke(app, ["predict", "--input", str(inp), "-q"])
    assert result.exit_code == 0, result.output
    de, en = csv.DictReader(result.stdout.splitlines())
    assert (de["sentiment"], de["sentiment_score"], de["stage"]) == ("", "", "")
    assert de["unlabelled"] == "unsupported language: de"
    assert en["sentiment"] in {"negative", "neutral", "positive"}
    assert en["unlabelled"] == "" and en["language"] == "en"


def test_predict_csv_round_trip(cli_config, builtin_classifier, tmp_path: Path) -> None:
    src = shared_data("airline_tweets", "dev.csv")
    inp = _write(tmp_path / "in.csv", first_rows(src, 25), ["id", "text"])
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["predict", "--input", str(inp), "--output", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = first_rows(out, 100)
    assert [r["id"] for r in rows] == [r["id"] for r in first_rows(inp, 100)]
    assert list(rows[0]) == [
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
    assert all(-1 <= float(r["sentiment_score"]) <= 1 for r in rows)
    assert all(1 / 3 <= float(r["confidence"]) <= 1 for r in rows)
    assert all(1 / 5 <= float(r["stage_confidence"]) <= 1 for r in rows)
    assert {r["language"] for r in rows} <= {"en", ""}


def test_predict_with_another_text_column(cli_config, builtin_classifier, tmp_path) -> None:
    inp = tmp_path / "in.csv"
    inp.write_text("id,body\n1,The box was crushed when it arrived.\n")
    result = runner.invoke(app, ["predict", "-i", str(inp), "--text-column", "body", "-q"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("id,sentiment,sentiment_score,confidence,")
    assert result.stdout.splitlines()[1].startswith("1,negative,")


def test_predict_reads_a_spreadsheets_csv(cli_config, builtin_classifier, tmp_path) -> None:
    """A byte-order mark (Excel's "CSV UTF-8") and our exports' formula guard are read through:
    the text the model sees is the one written."""
    inp = tmp_path / "in.csv"
    inp.write_bytes("id,text\n7,'@shop the box was crushed when it arrived.\n".encode("utf-8-sig"))
    result = runner.invoke(app, ["predict", "-i", str(inp), "-q"])
    assert result.exit_code == 0, result.output
    expected = builtin_classifier.predict(["@shop the box was crushed when it arrived."])[0]
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["id"] == "7"
    assert float(row["sentiment_score"]) == pytest.approx(expected.sentiment_score, abs=1e-3)


@pytest.mark.parametrize(
    ("content", "message"),
    [("id,body\n1,hello\n", "no column 'text'"), ("text\nhello\n", "no column 'id'")],
)
def test_predict_missing_column_exits_2(cli_config, tmp_path, content, message) -> None:
    inp = tmp_path / "in.csv"
    inp.write_text(content)
    result = runner.invoke(app, ["predict", "--input", str(inp)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_predict_unreadable_file_exits_2(cli_config, tmp_path) -> None:
    result = runner.invoke(app, ["predict", "--input", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_bad_model_name_exits_2(tmp_path, monkeypatch) -> None:
    from umot.shell import state

    cfg = tmp_path / "umot.toml"
    cfg.write_text(f'[model]\nname = "{tmp_path / "nope"}"\ndevice = "cpu"\n')
    monkeypatch.setattr(state, "config_path", cfg)
    result = runner.invoke(app, ["predict", "hello"])
    assert result.exit_code == 2
    assert "cannot load model" in result.stderr


def test_evaluate_reports_metrics_and_confusion(cli_config, builtin_classifier, tmp_path) -> None:
    rows = first_rows(OWN_EXAMPLES, 1000)[::10]
    data = _write(tmp_path / "eval.csv", rows, ["id", "text", "stage", "sentiment", "topics"])
    result = runner.invoke(app, ["evaluate", "--data", str(data), "--task", "stage", "-q"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "confusion" in result.stdout
    result = runner.invoke(app, ["evaluate", "--data", str(data), "--json", "-q"])
    report = json.loads(result.stdout)
    assert report["task"] == "sentiment" and report["n"] == len(rows)
    # Which arithmetic produced the figures: int8 only on CPUs that multiply int8 in hardware.
    assert report["runtime"] == ("onnxruntime-int8" if int8_is_fast() else "onnxruntime-fp32")
    assert 0 <= report["macro_f1"] <= 1
    assert len(report["confusion"]) == len(report["labels"])
    result = runner.invoke(
        app, ["evaluate", "--data", str(data), "--task", "topics", "--json", "-q"]
    )
    assert json.loads(result.stdout)["task"] == "topics"


def test_evaluate_on_real_dev_rows(cli_config, builtin_classifier, tmp_path) -> None:
    src = shared_data("uci_sentences", "dev.csv")
    data = _write(tmp_path / "uci.csv", first_rows(src, 40), ["id", "text", "label"])
    result = runner.invoke(app, ["evaluate", "--data", str(data), "--json", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["accuracy"] > 0.7


def test_evaluate_without_labels_exits_2(cli_config, tmp_path) -> None:
    data = tmp_path / "x.csv"
    data.write_text("id,text\n1,hello\n")
    result = runner.invoke(app, ["evaluate", "--data", str(data), "--task", "stage"])
    assert result.exit_code == 2
    assert "no label column" in result.stderr


def test_train_writes_heads_that_predict(cli_config, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rows = first_rows(OWN_EXAMPLES, 1000)[::4]
    data = _write(tmp_path / "train.csv", rows, ["id", "text", "stage", "sentiment", "topics"])
    out = tmp_path / "heads"
    argv = ["train", "--data", str(data), "--output", str(out), "--layers", "2"]
    result = runner.invoke(app, [*argv, "--adapter-rank", "4", "--device", "cpu", "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "heads.safetensors").exists() and (out / "heads.json").exists()
    card = (out / "TRAINING.md").read_text()
    assert "own_examples" not in card or "train.csv" in card
    assert "umot train" in card
    from core.config import ModelConfig
    from sentiment import build_classifier

    meta = json.loads((out / "heads.json").read_text())
    assert meta["encoder"]["num_layers"] == 2 and meta["encoder"]["lora_rank"] == 4
    assert meta["encoder"]["lora_alpha"] == 8.0
    assert "Adapter: LoRA rank 4" in card and "attention.self.query" in card
    clf = build_classifier(ModelConfig(name=str(out), device="cpu"))
    assert clf.heads.lora, "the adapter trained by default ships with the heads"
    assert clf.version.startswith("builtin-")
    assert clf.predict(["Never again."])[0].stage in {"zmot", "fmot", "amot", "smot", "umot"}


def test_train_without_adapter_fits_heads_only(cli_config, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = _small_training_csv(tmp_path)
    out = tmp_path / "heads"
    argv = ["train", "--data", str(data), "--output", str(out), "--layers", "1", "--no-adapter"]
    result = runner.invoke(app, [*argv, "-q"])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "heads.json").read_text())
    assert meta["encoder"]["lora_rank"] == 0
    assert "Adapter: none" in (out / "TRAINING.md").read_text()
    assert meta["lexical"]["mix"] == 1.0 and meta["lexical"]["n_features"] == 65536
    assert "Lexical expert: logistic regression" in (out / "TRAINING.md").read_text()


def test_train_without_the_lexical_expert(cli_config, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = _small_training_csv(tmp_path)
    out = tmp_path / "heads"
    argv = ["train", "--data", str(data), "--output", str(out), "--layers", "1", "--no-adapter"]
    result = runner.invoke(app, [*argv, "--lexical-mix", "0", "-q"])
    assert result.exit_code == 0, result.output
    assert "lexical" not in json.loads((out / "heads.json").read_text())
    assert "Lexical expert: none" in (out / "TRAINING.md").read_text()
    bad = runner.invoke(app, [*argv, "--lexical-mix", "-1", "-q"])
    assert bad.exit_code == 2


def test_train_distils_a_teacher_into_the_adapter(cli_config, tmp_path, monkeypatch) -> None:
    """--distill: a whole-text teacher is trained first, scored on the dev file, and named with
    its scores on the card; nothing of it ships (the heads file holds the adapter alone)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = _small_training_csv(tmp_path)
    uci = first_rows(shared_data("uci_sentences", "dev.csv"), 16)
    dev = _write(tmp_path / "dev.csv", uci, ["text", "label"])
    out = tmp_path / "heads"
    argv = ["train", "--data", str(data), "--dev", str(dev), "--output", str(out)]
    argv += ["--layers", "1", "--adapter-rank", "2", "--adapter-epochs", "0.05", "-q"]
    result = runner.invoke(app, [*argv, "--distill", "0.5", "--teacher-epochs", "0.05"])
    assert result.exit_code == 0, result.output
    teacher = json.loads((out / "heads.json").read_text())["meta"]["adapter"]["teacher"]
    assert teacher["config"]["epochs"] == 0.05 and teacher["config"]["layers"] == 6
    (score,) = teacher["dev_macro_f1"].values()  # one dev file, one score
    assert 0.0 <= score <= 1.0
    assert "Distilled from a whole-text teacher" in (out / "TRAINING.md").read_text()
    from safetensors import safe_open

    with safe_open(str(out / "heads.safetensors"), "pt") as fh:
        assert not any("layer.5." in k for k in fh.keys()), "no teacher weights ship"
    assert runner.invoke(app, [*argv, "--distill", "1.5"]).exit_code == 2
    stages_only = _write(tmp_path / "stages.csv", first_rows(OWN_EXAMPLES, 40), ["text", "stage"])
    argv[2] = str(stages_only)
    result = runner.invoke(app, [*argv, "--distill", "0.5", "--teacher-epochs", "0.05"])
    assert result.exit_code == 2 and "at least two classes" in result.stderr


def test_train_reuses_an_adapter_and_refits_heads(cli_config, tmp_path, monkeypatch) -> None:
    """--adapter-from: the adapter of another heads directory (say, one trained on a GPU machine)
    is kept bit for bit, with its encoder cut; only the heads are fitted here."""
    from sentiment import MODELS
    from sentiment.heads import load_heads

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = load_heads(MODELS["builtin-fast-nc"])
    data = _small_training_csv(tmp_path)
    out = tmp_path / "heads"
    argv = ["train", "--data", str(data), "--output", str(out)]
    result = runner.invoke(app, [*argv, "--adapter-from", str(MODELS["builtin-fast-nc"]), "-q"])
    assert result.exit_code == 0, result.output
    trained = load_heads(out)
    assert trained.spec == source.spec  # the cut and rank come with the adapter
    assert trained.lora.keys() == source.lora.keys()
    assert all(torch.equal(trained.lora[k], source.lora[k]) for k in source.lora)
    assert not torch.equal(trained.sentiment.weight, source.sentiment.weight)
    card = (out / "TRAINING.md").read_text()
    # The adapter's own provenance travels: its training command, not the refit's.
    origin = (source.meta.get("adapter") or source.meta)["command"]
    assert f"Trained separately by `{origin}`" in card
    assert json.loads((out / "heads.json").read_text())["meta"]["adapter"]["command"] == origin


def test_train_adapter_from_needs_an_adapter(cli_config, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = _small_training_csv(tmp_path)
    frozen = tmp_path / "frozen"
    argv = ["train", "--data", str(data), "--layers", "1", "-q"]
    assert runner.invoke(app, [*argv, "--output", str(frozen), "--no-adapter"]).exit_code == 0
    result = runner.invoke(
        app, [*argv, "--output", str(tmp_path / "x"), "--adapter-from", str(frozen)]
    )
    assert result.exit_code == 2
    assert "holds no adapter" in result.stderr
    missing = runner.invoke(app, [*argv, "--adapter-from", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2


def test_train_holds_a_fold_out_only_of_an_adapter_it_trains(cli_config, tmp_path) -> None:
    """A reused adapter, or none, has no fold it never saw: asking for one is an error."""
    from sentiment import MODELS

    argv = ["train", "--data", str(_small_training_csv(tmp_path)), "--adapter-holdout-fold", "2"]
    for extra in (["--adapter-from", str(MODELS["builtin"])], ["--no-adapter"]):
        result = runner.invoke(app, [*argv, *extra, "--output", str(tmp_path / "x")])
        assert result.exit_code == 2, extra
        assert "--adapter-holdout-fold needs an adapter trained by this run" in result.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error shown without a GPU")
def test_train_on_cuda_without_a_gpu_is_a_clear_error(cli_config, tmp_path) -> None:
    data = _write(tmp_path / "train.csv", first_rows(OWN_EXAMPLES, 20), ["id", "text", "stage"])
    result = runner.invoke(app, ["train", "--data", str(data), "--device", "cuda"])
    assert result.exit_code == 2
    assert "no CUDA device" in result.stderr


def test_train_needs_data(cli_config) -> None:
    result = runner.invoke(app, ["train"])
    assert result.exit_code == 2
    assert "--data" in result.stderr
