"""Accuracy floors on the dev splits (never trained on). Slow: ~3,900 texts through the model.

The floors sit a little under the figures recorded in sentiment/assets/DATA_CARD.md, so a
regression fails while noise across torch versions does not.
"""

import pytest

from sentiment.evaluate import evaluate_file
from tests.sentiment.conftest import shared_data

FLOORS = [
    # (dataset, task, metric, floor)
    ("airline_tweets", "sentiment", "macro_f1", 0.73),
    ("clothing_reviews", "sentiment", "macro_f1", 0.59),
    ("uci_sentences", "sentiment", "accuracy", 0.88),
    ("mot_stages", "sentiment", "macro_f1", 0.80),
    ("mot_stages", "stage", "macro_f1", 0.69),
    ("mot_stages", "topics", "macro_f1", 0.57),
]


@pytest.mark.slow
@pytest.mark.parametrize(("dataset", "task", "metric", "floor"), FLOORS)
def test_dev_floor(builtin_classifier, dataset: str, task: str, metric: str, floor: float) -> None:
    report = evaluate_file(builtin_classifier, shared_data(dataset, "dev.csv"), task)
    value = getattr(report, metric)
    assert value >= floor, f"{dataset} {task} {metric} {value:.3f} < {floor}"
