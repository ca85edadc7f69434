"""How a model reads service tweets it never trained on: our airline-tweet labels.

The labels in ``sentiment/assets/labels/real_units.csv`` include 1,470 airline tweets (ids and
labels only: the tweets are CC BY-NC-SA, so the default model never trains on them). Joined
with their text from ``airline_tweets/train.csv``, the stage-labelled ones test a domain the
default learns only from our own examples: flights, bookings, delays. This runs the whole
``predict`` pipeline (sentence split, encoder, heads, aggregation) on them and on the train
split's sentiment labels, and prints macro-F1, per-stage F1 and the stage confusion:

    .venv/bin/python bench/airline_units.py [--data ../shared/data] [--model builtin|DIR]
        [--limit N] [--json OUT]

Training data only: no dev row is read.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import confusion_matrix, f1_score  # noqa: E402

from core.config import ModelConfig  # noqa: E402
from core.labels import SENTIMENTS, STAGES  # noqa: E402
from sentiment import build_classifier  # noqa: E402

UNITS = ROOT / "sentiment" / "assets" / "labels" / "real_units.csv"
# What an unlabelled mention (in no language the model reads) counts as: a miss.
UNLABELLED = "none"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def staged_tweets(split: list[dict[str, str]], limit: int | None) -> tuple[list[str], list[str]]:
    """The texts and our stage labels of the stage-labelled airline units, in file order."""
    text_of = {row["id"]: row["text"] for row in split}
    units = [
        row
        for row in read_csv(UNITS)
        if row["source_dataset"] == "airline_tweets" and row["stage"] not in ("", UNLABELLED)
    ][:limit]
    missing = [row["source_id"] for row in units if row["source_id"] not in text_of]
    if missing:
        sys.exit(
            f"airline_tweets/train.csv lacks {len(missing)} labelled tweets (first: "
            f"{missing[0]}): --data must hold the airline_tweets train split the labels name"
        )
    return [text_of[row["source_id"]] for row in units], [row["stage"] for row in units]


def macro_f1(gold: list[str], read: list[str], labels: tuple[str, ...]) -> float:
    return round(float(f1_score(gold, read, labels=list(labels), average="macro")), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default="builtin", help="a builtin variant or a heads dir")
    parser.add_argument("--limit", type=int, help="only the first N units and N tweets")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    split = read_csv(args.data / "airline_tweets" / "train.csv")
    texts, gold = staged_tweets(split, args.limit)
    classifier = build_classifier(ModelConfig(name=args.model, device="cpu"))
    start = time.perf_counter()
    predictions = classifier.predict(texts)
    read = [p.stage or UNLABELLED for p in predictions]
    multi = [i for i, p in enumerate(predictions) if len(p.sentences) > 1]
    tweets = split[: args.limit]
    said = [p.sentiment or UNLABELLED for p in classifier.predict([r["text"] for r in tweets])]
    truth = [row["label"] for row in tweets]
    figures = {
        "model": args.model,
        "stage": {
            "units": len(gold),
            "unlabelled": read.count(UNLABELLED),
            "macro_f1": macro_f1(gold, read, STAGES),
            "several_sentences": len(multi),
            "several_sentences_macro_f1": macro_f1(
                [gold[i] for i in multi], [read[i] for i in multi], STAGES
            ),
            "f1": {
                name: round(float(f), 4)
                for name, f in zip(
                    STAGES, f1_score(gold, read, average=None, labels=list(STAGES)), strict=True
                )
            },
            "confusion": confusion_matrix(gold, read, labels=list(STAGES)).tolist(),
        },
        "sentiment": {
            "tweets": len(truth),
            "unlabelled": said.count(UNLABELLED),
            "macro_f1": macro_f1(truth, said, SENTIMENTS),
            "accuracy": round(
                sum(a == b for a, b in zip(truth, said, strict=True)) / len(truth), 4
            ),
        },
        "seconds": round(time.perf_counter() - start, 1),
    }
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def report(figures: dict) -> None:
    stage, sentiment = figures["stage"], figures["sentiment"]
    print(f"model {figures['model']}: {stage['units']} stage-labelled airline tweets")
    print(f"  stage macro-F1 {stage['macro_f1']:.3f} ({stage['unlabelled']} unlabelled)")
    print(
        f"  of which with several sentences ({stage['several_sentences']}): "
        f"{stage['several_sentences_macro_f1']:.3f}"
    )
    print("  per stage: " + ", ".join(f"{s} {f:.3f}" for s, f in stage["f1"].items()))
    print("  confusion (rows: our label, columns: read as " + " ".join(STAGES) + ")")
    for name, row in zip(STAGES, stage["confusion"], strict=True):
        print(f"    {name}: " + " ".join(f"{n:4d}" for n in row))
    print(
        f"  sentiment on the train split ({sentiment['tweets']} tweets, "
        f"{sentiment['unlabelled']} unlabelled): macro-F1 {sentiment['macro_f1']:.3f}, "
        f"accuracy {sentiment['accuracy']:.3f}"
    )
    print(f"  {figures['seconds']:.0f} s")


if __name__ == "__main__":
    main()
