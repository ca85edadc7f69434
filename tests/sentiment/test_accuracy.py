"""Accuracy floors on the dev splits (never trained on), for every shipped variant. Slow: ~3,900
texts through each model.

The floors sit 2-3 points under the figures recorded in sentiment/assets/DATA_CARD.md (and each
variant's TRAINING.md), so a regression fails while noise across torch versions does not.
"""

from __future__ import annotations

import pytest

from sentiment.evaluate import evaluate_file
from tests.sentiment.conftest import shared_data

FLOORS: dict[str, list[tuple[str, str, str, float]]] = {
    # variant: (dataset, task, metric, floor)
    "builtin": [
        ("airline_tweets", "sentiment", "macro_f1", 0.75),
        ("clothing_reviews", "sentiment", "macro_f1", 0.65),
        ("uci_sentences", "sentiment", "accuracy", 0.91),
        ("mot_stages", "sentiment", "macro_f1", 0.85),
        ("mot_stages", "stage", "macro_f1", 0.80),
        ("mot_stages", "topics", "macro_f1", 0.68),
    ],
    "builtin-fast": [
        ("airline_tweets", "sentiment", "macro_f1", 0.75),
        ("clothing_reviews", "sentiment", "macro_f1", 0.65),
        ("uci_sentences", "sentiment", "accuracy", 0.88),
        ("mot_stages", "sentiment", "macro_f1", 0.84),
        ("mot_stages", "stage", "macro_f1", 0.77),
        ("mot_stages", "topics", "macro_f1", 0.62),
    ],
    "builtin-commercial": [
        ("airline_tweets", "sentiment", "macro_f1", 0.62),
        ("clothing_reviews", "sentiment", "macro_f1", 0.63),
        ("uci_sentences", "sentiment", "accuracy", 0.89),
        ("mot_stages", "sentiment", "macro_f1", 0.78),
        ("mot_stages", "stage", "macro_f1", 0.79),
        ("mot_stages", "topics", "macro_f1", 0.63),
    ],
}
CASES = [(variant, *floor) for variant, floors in FLOORS.items() for floor in floors]
_LOADED: dict = {}


def _classifier(variant: str, builtin):  # type: ignore[no-untyped-def]
    if variant == "builtin":
        return builtin
    if variant not in _LOADED:
        from sentiment import build_classifier
        from umot.config import ModelConfig

        _LOADED[variant] = build_classifier(ModelConfig(name=variant, device="cpu"))
    return _LOADED[variant]


@pytest.mark.slow
@pytest.mark.parametrize(("variant", "dataset", "task", "metric", "floor"), CASES)
def test_dev_floor(
    builtin_classifier, variant: str, dataset: str, task: str, metric: str, floor: float
) -> None:
    clf = _classifier(variant, builtin_classifier)
    report = evaluate_file(clf, shared_data(dataset, "dev.csv"), task)
    value = getattr(report, metric)
    assert value >= floor, f"{variant}: {dataset} {task} {metric} {value:.3f} < {floor}"
