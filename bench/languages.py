"""How often the language rule misreads English, and how much German it still catches.

A mention in a language the model does not read is left unlabelled, so an English text read as
another language drops out of every figure. This counts, over the train splits in
../shared/data, the English texts (airline_tweets, clothing_reviews, uci_sentences, goemotions)
that ``core.language.detect_language`` reads as another language and the German ones
(de_germeval2017) it reads as German, for several values of ``MIN_PROBABILITY``:

    .venv/bin/python bench/languages.py [--data ../shared/data] [--thresholds 0,0.4,0.5,0.7]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import core.language as rule  # noqa: E402

ENGLISH = ("airline_tweets", "clothing_reviews", "uci_sentences", "goemotions")
GERMAN = ("de_germeval2017",)


def texts(data: Path, names: tuple[str, ...]) -> list[str]:
    """The ``text`` column of each named train split."""
    csv.field_size_limit(1 << 30)
    out: list[str] = []
    for name in names:
        with (data / name / "train.csv").open(newline="", encoding="utf-8") as fh:
            out.extend(row["text"] for row in csv.DictReader(fh))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--thresholds", default="0,0.4,0.5,0.7")
    args = parser.parse_args()
    english, german = texts(args.data, ENGLISH), texts(args.data, GERMAN)
    shipped = rule.MIN_PROBABILITY
    for threshold in (float(t) for t in args.thresholds.split(",")):
        rule.MIN_PROBABILITY = threshold
        en = [rule.detect_language(t) for t in english]
        de = [rule.detect_language(t) for t in german]
        other = sum(1 for code in en if code not in ("en", None))
        caught = de.count("de")
        mark = " (shipped)" if threshold == shipped else ""
        print(
            f"probability >= {threshold}{mark}: English read as another language "
            f"{other}/{len(en)} ({100 * other / len(en):.2f} %), English with no language "
            f"{en.count(None)}, German read as German {caught}/{len(de)} "
            f"({100 * caught / len(de):.1f} %)"
        )


if __name__ == "__main__":
    main()
