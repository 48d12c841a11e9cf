"""Writing a task's outputs: ``predictions.parquet`` (what the harness scores) and ``metrics.json``."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .class_keys import class_key
from .errors import TaskError
from .task import Task

PREDICTIONS_FILE = "predictions.parquet"
METRICS_FILE = "metrics.json"
PROBA_PREFIX = "proba_"
_ROW_SUM_TOLERANCE = 1e-3


def write_predictions(task: Task, predictions: Any, proba: Any = None, *, classes: Optional[Sequence[Any]] = None) -> Path:
    """Checks and writes ``predictions.parquet``: column ``prediction``, one value per test row in order
    (finite numbers for a regression, labels of train's classes for a classification), and for a
    classification optionally ``proba_<class>`` columns.

    ``proba`` is an (n_test, n_classes) array whose columns follow ``classes`` (default ``task.classes``,
    the order of a scikit-learn classifier's ``classes_``), a DataFrame whose columns are the classes, or a
    dict ``{class: probabilities}``; every class train has needs a column, each row summing to 1.
    Raises ``TaskError`` naming the problem. Returns the file's path."""
    rows = len(task.test)
    prediction = _one_per_row(predictions, "predictions", rows)
    columns: Dict[str, pa.Array] = {}
    if task.kind == "regression":
        if proba is not None:
            raise TaskError("proba is for classification, and this task is a regression (MXN_TASK); leave it out")
        columns["prediction"] = pa.array(_finite_numbers(prediction, "predictions"), pa.float64())
    else:
        train_keys = [class_key(c) for c in task.classes]
        columns["prediction"] = _labels(prediction, train_keys)
        if proba is not None:
            columns.update(_proba_columns(proba, rows, task.classes if classes is None else classes, train_keys))
    path = task.output_dir / PREDICTIONS_FILE
    _write_atomically(path, lambda tmp: pq.write_table(pa.table(columns), tmp, compression="snappy"))
    return path


def write_metrics(task: Task, metrics: Mapping[str, Any]) -> Path:
    """Writes the model's own numbers (e.g. train rmse, fit time) as ``metrics.json``: a flat object of
    finite numbers, strings and booleans (NumPy scalars are fine). Returns the file's path."""
    clean = {_metric_name(key): _metric_value(key, value) for key, value in metrics.items()}
    path = task.output_dir / METRICS_FILE
    _write_atomically(path, lambda tmp: tmp.write_text(json.dumps(clean, indent=2) + "\n", encoding="utf-8"))
    return path


def _one_per_row(values: Any, what: str, rows: int) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise TaskError(f"{what} must be one value per test row, got a DataFrame with {values.shape[1]} columns")
        values = values.iloc[:, 0]
    array = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise TaskError(f"{what} must be one value per test row (a list, 1-D array or Series), got shape {array.shape}")
    if len(array) != rows:
        raise TaskError(f"got {len(array)} {what} for {rows} test rows; predict one value per row of task.test, in order")
    return array


def _finite_numbers(values: np.ndarray, what: str) -> np.ndarray:
    try:
        numbers = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        row = next(i for i, v in enumerate(values) if not _is_number(v))
        value = values[row]
        raise TaskError(f"{what} must be numbers; row {row} holds {(value.item() if isinstance(value, np.generic) else value)!r}") from None
    bad = np.flatnonzero(~np.isfinite(numbers))
    if len(bad) > 0:
        raise TaskError(f"{len(bad)} of {len(numbers)} {what} are NaN or infinite (first at row {bad[0]}); every value must be a finite number")
    return numbers


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _labels(values: np.ndarray, train_keys: List[str]) -> pa.Array:
    """Class predictions as the harness reads them: numbers stay numbers, anything else becomes text."""
    missing = np.flatnonzero(pd.isna(values))
    if len(missing) > 0:
        raise TaskError(f"{len(missing)} of {len(values)} predictions are missing (None or NaN; first at row {missing[0]}); predict a class for every row")
    numeric = values.dtype.kind in "biuf"
    keys = [class_key(v) for v in values]
    unknown = sorted(set(keys) - set(train_keys))
    if unknown:
        raise TaskError(
            f"predictions hold {_names(unknown)}, which train's target never has (its classes: {_names(train_keys)}); "
            "predict the original labels (e.g. label_encoder.inverse_transform)"
        )
    if numeric:
        return pa.array(values.astype(np.float64), pa.float64())
    return pa.array([v if isinstance(v, str) else k for v, k in zip(values, keys)], pa.string())


def _proba_columns(proba: Any, rows: int, classes: Sequence[Any], train_keys: List[str]) -> Dict[str, pa.Array]:
    if isinstance(proba, pd.DataFrame):
        labels: List[Any] = [_strip_prefix(c) for c in proba.columns]
        matrix = proba.to_numpy()
    elif isinstance(proba, Mapping):
        labels = [_strip_prefix(c) for c in proba.keys()]
        matrix = np.column_stack([_one_per_row(v, f"proba[{k!r}]", rows) for k, v in proba.items()]) if proba else np.empty((rows, 0))
    else:
        labels = list(classes)
        matrix = np.asarray(proba)
    if matrix.ndim != 2 or matrix.shape[0] != rows:
        raise TaskError(f"proba must have one row per test row and one column per class: got shape {matrix.shape}, expected ({rows}, {len(labels)})")
    if matrix.shape[1] != len(labels):
        raise TaskError(f"proba has {matrix.shape[1]} columns for {len(labels)} classes ({_names(labels)}); pass classes= in the order of its columns (e.g. model.classes_)")
    keys = [class_key(c) for c in labels]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise TaskError(f"proba has more than one column for class {_names(repeated)}")
    missing = [k for k in train_keys if k not in keys]
    if missing:
        raise TaskError(f"proba has no column for class {_names(missing)} (train's classes: {_names(train_keys)}); give one column per class")
    extra = [k for k in keys if k not in train_keys]
    if extra:
        raise TaskError(f"proba has a column for class {_names(extra)}, which train's target never has (its classes: {_names(train_keys)})")
    numbers = _finite_numbers(matrix.ravel(), "probabilities").reshape(matrix.shape)
    outside = np.argwhere((numbers < -1e-9) | (numbers > 1 + 1e-9))
    if len(outside) > 0:
        row, col = outside[0]
        raise TaskError(f"proba row {row} gives class {_names([keys[col]])} {numbers[row, col]:g}; probabilities lie between 0 and 1")
    sums = numbers.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1) > _ROW_SUM_TOLERANCE)
    if len(off) > 0:
        raise TaskError(f"proba rows must sum to 1 (as predict_proba gives); {len(off)} do not (row {off[0]} sums to {sums[off[0]]:g})")
    order = {k: j for j, k in enumerate(keys)}
    return {PROBA_PREFIX + k: pa.array(numbers[:, order[k]], pa.float64()) for k in train_keys}


def _strip_prefix(label: Any) -> Any:
    return label[len(PROBA_PREFIX):] if isinstance(label, str) and label.startswith(PROBA_PREFIX) else label


def _names(items: Sequence[Any], most: int = 5) -> str:
    shown = ", ".join(repr(str(i)) for i in list(items)[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _metric_name(key: Any) -> str:
    if not isinstance(key, str) or key == "":
        raise TaskError(f"metric names must be non-empty strings, got {key!r}")
    return key


def _metric_value(key: str, value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TaskError(f'metric "{key}" is {value}; metrics.json holds finite numbers, strings and booleans')
        return value
    raise TaskError(f'metric "{key}" is a {type(value).__name__}; metrics.json is flat: numbers, strings and booleans only')


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Writes through a temporary file renamed into place, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise TaskError(f"cannot write {path}: {error.strerror or error}") from error
