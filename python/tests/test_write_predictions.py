from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mxn_model_kit import TaskError, read_task, write_metrics, write_predictions

CLASSES = {"x": [1.0, 2.0, 3.0, 4.0, 5.0], "label": ["dear", "cheap", "cheap", "dear", "mid"]}
BINARY = {"x": [1.0, 2.0, 3.0, 4.0], "sold": [0.0, 1.0, 1.0, 0.0]}
TEST3 = {"x": [1.5, 2.5, 3.5]}


def classification(make_task, train=CLASSES, target="label"):
    return read_task(make_task(train=train, test=TEST3, MXN_TARGET=target, MXN_TASK="classification"))


def written(path: Path) -> pa.Table:
    table = pq.read_table(path)
    assert table.schema.metadata is None or b"pandas" not in table.schema.metadata
    return table


def test_regression_writes_one_float_column(make_task):
    task = read_task(make_task())
    path = write_predictions(task, np.array([1.5, 2, 3.25]))
    assert path == task.output_dir / "predictions.parquet"
    table = written(path)
    assert table.column_names == ["prediction"]
    assert table.schema.field("prediction").type == pa.float64()
    assert table.column("prediction").to_pylist() == [1.5, 2.0, 3.25]
    assert sorted(p.name for p in task.output_dir.iterdir()) == ["predictions.parquet"]


@pytest.mark.parametrize("values", [[1, 2, 3], pd.Series([1.0, 2.0, 3.0], index=[7, 3, 9]), np.array([[1.0], [2.0], [3.0]]), pd.DataFrame({"p": [1, 2, 3]})])
def test_regression_takes_lists_series_and_columns_in_order(make_task, values):
    task = read_task(make_task())
    assert written(write_predictions(task, values)).column("prediction").to_pylist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([1.0, 2.0], "got 2 predictions for 3 test rows; predict one value per row of task.test, in order"),
        ([1.0, math.nan, math.inf], r"2 of 3 predictions are NaN or infinite \(first at row 1\); every value must be a finite number"),
        ([1.0, "high", 3.0], "predictions must be numbers; row 1 holds 'high'"),
        (np.ones((3, 2)), r"predictions must be one value per test row .* got shape \(3, 2\)"),
    ],
)
def test_regression_rejects_bad_predictions_and_writes_nothing(make_task, values, message):
    task = read_task(make_task())
    with pytest.raises(TaskError, match=message):
        write_predictions(task, values)
    assert not (task.output_dir / "predictions.parquet").exists()


def test_regression_refuses_proba(make_task):
    with pytest.raises(TaskError, match="proba is for classification"):
        write_predictions(read_task(make_task()), [1, 2, 3], proba=np.ones((3, 1)))


def test_classification_writes_labels_and_proba_columns_in_class_order(make_task):
    task = classification(make_task)
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])  # columns follow task.classes: cheap, dear, mid
    table = written(write_predictions(task, ["cheap", "dear", "mid"], proba))
    assert table.column_names == ["prediction", "proba_cheap", "proba_dear", "proba_mid"]
    assert table.schema.field("prediction").type == pa.string()
    assert table.column("proba_dear").to_pylist() == [0.2, 0.8, 0.3]


def test_classification_takes_proba_as_a_frame_or_dict_in_any_column_order(make_task):
    task = classification(make_task)
    frame = pd.DataFrame({"mid": [0.1, 0.1, 0.4], "dear": [0.2, 0.8, 0.3], "cheap": [0.7, 0.1, 0.3]})
    by_frame = written(write_predictions(task, np.array(["cheap", "dear", "mid"], dtype=object), frame))
    by_dict = written(write_predictions(task, ["cheap", "dear", "mid"], {f"proba_{c}": frame[c].tolist() for c in frame.columns}))
    assert by_frame.equals(by_dict)
    assert by_frame.column("proba_cheap").to_pylist() == [0.7, 0.1, 0.3]


def test_classification_with_numeric_labels_names_columns_as_the_harness_does(make_task):
    task = classification(make_task, BINARY, "sold")
    assert task.classes.tolist() == [0.0, 1.0]
    table = written(write_predictions(task, np.array([1, 0, 1]), np.array([[0.2, 0.8], [0.9, 0.1], [0.4, 0.6]]), classes=[False, True]))
    assert table.column_names == ["prediction", "proba_0", "proba_1"]
    assert table.schema.field("prediction").type == pa.float64()
    assert table.column("prediction").to_pylist() == [1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("predictions", "proba", "message"),
    [
        (["cheap", None, "dear"], None, r"1 of 3 predictions are missing \(None or NaN; first at row 1\)"),
        (["cheap", "0", "2"], None, r"predictions hold '0', '2', which train's target never has \(its classes: 'cheap', 'dear', 'mid'\)"),
        (["cheap"] * 3, {"cheap": [1, 1, 1], "dear": [0, 0, 0]}, r"proba has no column for class 'mid' \(train's classes: 'cheap', 'dear', 'mid'\)"),
        (["cheap"] * 3, {"cheap": [1, 1, 1], "dear": [0, 0, 0], "mid": [0, 0, 0], "low": [0, 0, 0]}, "proba has a column for class 'low', which train's target never has"),
        (["cheap"] * 3, np.full((3, 2), 0.5), r"proba has 2 columns for 3 classes \('cheap', 'dear', 'mid'\); pass classes= in the order of its columns"),
        (["cheap"] * 3, np.full((2, 3), 1 / 3), r"proba must have one row per test row .* got shape \(2, 3\), expected \(3, 3\)"),
        (["cheap"] * 3, np.array([[0.5, 0.5, 0.5]] * 3), r"proba rows must sum to 1 \(as predict_proba gives\); 3 do not \(row 0 sums to 1.5\)"),
        (["cheap"] * 3, np.array([[1.2, -0.2, 0.0]] * 3), "proba row 0 gives class 'cheap' 1.2; probabilities lie between 0 and 1"),
        (["cheap"] * 3, np.array([[math.nan, 0.5, 0.5]] * 3), "3 of 9 probabilities are NaN or infinite"),
    ],
)
def test_classification_rejects_bad_labels_and_proba(make_task, predictions, proba, message):
    task = classification(make_task)
    with pytest.raises(TaskError, match=message):
        write_predictions(task, predictions, proba)
    assert not (task.output_dir / "predictions.parquet").exists()


def test_metrics_are_a_flat_json_object(make_task):
    task = read_task(make_task())
    path = write_metrics(task, {"train_rmse": np.float64(1.25), "trees": np.int64(200), "log_target": True, "loss": "squared_error"})
    assert json.loads(path.read_text()) == {"train_rmse": 1.25, "trees": 200, "log_target": True, "loss": "squared_error"}
    with pytest.raises(TaskError, match='metric "r2" is nan; metrics.json holds finite numbers, strings and booleans'):
        write_metrics(task, {"r2": float("nan")})
    with pytest.raises(TaskError, match='metric "best" is a dict; metrics.json is flat'):
        write_metrics(task, {"best": {"depth": 3}})
    assert json.loads(path.read_text())["trees"] == 200  # a rejected call leaves the last file as it was
    assert sorted(p.name for p in task.output_dir.iterdir()) == ["metrics.json"]
