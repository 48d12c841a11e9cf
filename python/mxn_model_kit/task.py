"""Reading a task as the mxn harness hands it over: environment variables and two parquet files."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, TypeVar, Union

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from pandas.api.types import is_numeric_dtype

from .errors import TaskError

KINDS = ("regression", "classification")
_REQUIRED = ("MXN_INPUT_DIR", "MXN_OUTPUT_DIR", "MXN_TARGET", "MXN_CELL_ID", "MXN_MODEL", "MXN_DATASET")

Default = TypeVar("Default", int, float, None)


@dataclass
class Task:
    """One cell's task: the data, what to predict, the variant's parameters and where outputs go."""

    train: pd.DataFrame
    """``train.parquet``: the feature columns and the target column."""
    test: pd.DataFrame
    """``test.parquet``: the rows to predict, features only (the held-out labels stay with the harness)."""
    target: str
    kind: str
    """``"regression"`` or ``"classification"`` (``MXN_TASK``)."""
    params: Dict[str, Any]
    """The variant's parameters (``MXN_PARAMS``; ``{}`` when unset)."""
    cell_id: str
    model: str
    dataset: str
    input_dir: Path
    output_dir: Path

    @property
    def feature_columns(self) -> List[str]:
        """Train's columns without the target, in file order (test has exactly these)."""
        return [str(c) for c in self.train.columns if c != self.target]

    @property
    def X_train(self) -> pd.DataFrame:  # noqa: N802 (the usual name in scikit-learn code)
        """Train without the target column."""
        return self.train[self.feature_columns]

    @property
    def y_train(self) -> pd.Series:
        """Train's target column."""
        return self.train[self.target]

    @property
    def X_test(self) -> pd.DataFrame:  # noqa: N802
        """Test's feature columns, in train's order."""
        return self.test[self.feature_columns]

    @property
    def categorical_columns(self) -> List[str]:
        """Feature columns holding strings (the harness writes every other column as float64)."""
        return [c for c in self.feature_columns if not is_numeric_dtype(self.train[c])]

    @property
    def classes(self) -> np.ndarray:
        """Classification: the target's classes in train, sorted, as scikit-learn orders ``classes_``."""
        if self.kind != "classification":
            raise TaskError(f"task.classes is for classification, and this task is a {self.kind} (MXN_TASK)")
        return np.unique(self.y_train.dropna().to_numpy())

    def float_param(self, name: str, default: Default, *, min: Optional[float] = None, max: Optional[float] = None) -> Union[float, Default]:
        """Parameter ``name`` as a number (numeric strings accepted), or ``default`` when absent or null."""
        value = _number_param(self.params, name, min, max)
        return default if value is None else value

    def int_param(self, name: str, default: Default, *, min: Optional[int] = None, max: Optional[int] = None) -> Union[int, Default]:
        """Parameter ``name`` as a whole number (``100.0`` is fine), or ``default`` when absent or null."""
        value = _number_param(self.params, name, min, max)
        if value is None:
            return default
        if not value.is_integer():
            raise TaskError(f'parameter "{name}" must be a whole number, got {value:g}')
        return int(value)


def read_task(env: Optional[Mapping[str, str]] = None) -> Task:
    """Reads the task from the protocol's variables (default: ``os.environ``) and
    ``MXN_INPUT_DIR/{train,test}.parquet``. Raises ``TaskError`` naming a missing variable or file."""
    env = os.environ if env is None else env
    values = {name: _require(env, name) for name in _REQUIRED}
    kind = env.get("MXN_TASK") or "regression"
    if kind not in KINDS:
        raise TaskError(f'MXN_TASK must be "regression" or "classification", got "{kind}"')
    input_dir = Path(values["MXN_INPUT_DIR"])
    target = values["MXN_TARGET"]
    train = _read_parquet(input_dir / "train.parquet")
    test = _read_parquet(input_dir / "test.parquet")
    if target not in train.columns:
        raise TaskError(f'train.parquet has no target column "{target}" (columns: {", ".join(map(str, train.columns))}); check MXN_TARGET')
    missing = [str(c) for c in train.columns if c != target and c not in test.columns]
    if missing:
        raise TaskError(f"test.parquet lacks train's feature columns {', '.join(missing)}")
    return Task(
        train=train,
        test=test,
        target=target,
        kind=kind,
        params=_read_params(env.get("MXN_PARAMS")),
        cell_id=values["MXN_CELL_ID"],
        model=values["MXN_MODEL"],
        dataset=values["MXN_DATASET"],
        input_dir=input_dir,
        output_dir=Path(values["MXN_OUTPUT_DIR"]),
    )


def _require(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise TaskError(f"environment variable {name} is not set (mxn sets it for every task; to run by hand, set {', '.join(_REQUIRED)})")
    return value


def _read_params(raw: Optional[str]) -> Dict[str, Any]:
    if raw is None or raw.strip() == "":
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError as error:
        raise TaskError(f"MXN_PARAMS is not valid JSON ({error})") from error
    if not isinstance(parsed, dict):
        raise TaskError(f"MXN_PARAMS must be a JSON object, got {type(parsed).__name__}")
    return parsed


def _read_parquet(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise TaskError(f"input file {path} does not exist (is MXN_INPUT_DIR right?)")
    try:
        return pq.read_table(path).to_pandas()
    except Exception as error:  # pyarrow raises several types; any of them means the file is unusable
        raise TaskError(f"cannot read {path}: {error}") from error


def _number_param(params: Mapping[str, Any], name: str, low: Optional[float], high: Optional[float]) -> Optional[float]:
    raw = params.get(name)
    if raw is None:
        return None
    value: Any = raw
    if isinstance(raw, str) and raw.strip() != "":
        try:
            value = float(raw)
        except ValueError:
            value = raw
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise TaskError(f'parameter "{name}" must be a number, got {json.dumps(raw)}')
    value = float(value)
    if low is not None and value < low:
        raise TaskError(f'parameter "{name}" must be at least {low:g}, got {value:g}')
    if high is not None and value > high:
        raise TaskError(f'parameter "{name}" must be at most {high:g}, got {value:g}')
    return value
