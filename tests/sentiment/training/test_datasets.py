"""The one labelled-CSV reader, as training reads a file and as `umot evaluate` reads one task."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentiment.errors import DataError
from sentiment.training.datasets import read_labelled_csv
from sentiment.training.evaluate import read_gold


def _csv(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_training_reads_every_task_and_empty_cells_are_unlabelled(tmp_path: Path) -> None:
    path = _csv(tmp_path, "text,label,stage,topics\nok,POS,,\nmeh,,AMOT,price_value;delivery\n")
    data = read_labelled_csv(path)
    assert data.name == "data" and data.texts == ["ok", "meh"]
    assert data.sentiment == ["positive", None]
    assert data.stage == [None, "amot"]
    assert data.topics == [[], ["price_value", "delivery"]]


def test_unknown_labels_name_the_file_and_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "text,sentiment\nfine,neutral\nhuh,great\n")
    with pytest.raises(DataError, match=r"data\.csv:3: unknown sentiment label 'great'"):
        read_labelled_csv(path)


def test_a_file_needs_a_text_and_a_label_column(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no column 'text'"):
        read_labelled_csv(_csv(tmp_path, "body,label\nx,pos\n"))
    with pytest.raises(DataError, match="no label column for task sentiment, stage or topics"):
        read_labelled_csv(_csv(tmp_path, "text,id\nx,1\n"))
    with pytest.raises(DataError, match=r"no label column for task stage \(expected one of"):
        read_gold(_csv(tmp_path, "text,label\nx,pos\n"), "stage")


def test_evaluation_reads_only_its_task_and_needs_it_on_every_row(tmp_path: Path) -> None:
    # A stage cell that training would refuse does not stop a sentiment evaluation.
    path = _csv(tmp_path, "id,body,label,stage\n1,ok,pos,someday\n2,bad,neg,\n")
    assert read_gold(path, "sentiment", "body") == (["ok", "bad"], ["positive", "negative"])
    with pytest.raises(DataError, match="unknown stage label 'someday'"):
        read_labelled_csv(path, text_column="body")
    gaps = _csv(tmp_path, "text,sentiment\na,pos\nb,\n", "gaps.csv")
    with pytest.raises(DataError, match=r"gaps\.csv:3: no sentiment label"):
        read_gold(gaps, "sentiment")
    # GoEmotions' mixed and ambiguous rows name no class: left out, not a gap.
    goemotions = _csv(tmp_path, "text,label\na,positive\nb,mixed\nc,ambiguous\n", "ge.csv")
    assert read_gold(goemotions, "sentiment") == (["a"], ["positive"])
    with pytest.raises(DataError, match="no rows"):
        read_gold(_csv(tmp_path, "text,topics\n", "empty.csv"), "topics")


def test_a_spreadsheets_csv_reads_as_written(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" starts with a byte-order mark; our exports guard formula-like text
    with an apostrophe. Neither reaches the model."""
    path = tmp_path / "excel.csv"
    path.write_bytes("text,label\n'@brand late again,neg\n'quoted',pos\n".encode("utf-8-sig"))
    data = read_labelled_csv(path)
    assert data.texts == ["@brand late again", "'quoted'"]
    assert data.sentiment == ["negative", "positive"]
