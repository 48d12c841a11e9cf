"""Gradient-boosted trees: scikit-learn's HistGradientBoostingRegressor on the numeric columns as they
are and the string columns as categories (ordinal codes the trees split as categories).

Params: learning_rate (0.1), max_iter (200), max_depth (none), max_leaf_nodes (31),
min_samples_leaf (20), l2_regularization (0), seed (42). No early stopping, so max_iter is the number
of trees, and every run of a cell fits the same ones.
"""
from __future__ import annotations

import time
from typing import List, Tuple

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.preprocessing import OrdinalEncoder

from mxn_model_kit import Task, TaskError, run, write_metrics, write_predictions

# HistGradientBoosting bins a categorical column into at most 255 levels; wider ones stay ordinal codes.
MAX_CATEGORIES = 255


def train(task: Task) -> None:
    if task.kind != "regression":
        raise TaskError(f"sklearn-gbr is a regressor, and this task is a {task.kind}; use it with evaluation.task: regression")
    x_train, x_test, categorical = encode(task)
    model = HistGradientBoostingRegressor(
        learning_rate=task.float_param("learning_rate", 0.1, min=0),
        max_iter=task.int_param("max_iter", 200, min=1),
        max_depth=task.int_param("max_depth", None, min=1),
        max_leaf_nodes=task.int_param("max_leaf_nodes", 31, min=2),
        min_samples_leaf=task.int_param("min_samples_leaf", 20, min=1),
        l2_regularization=task.float_param("l2_regularization", 0.0, min=0),
        categorical_features=categorical or None,
        early_stopping=False,
        random_state=task.int_param("seed", 42),
    )
    labelled = task.y_train.notna().to_numpy()
    y = task.y_train.to_numpy(dtype=float)[labelled]

    started = time.perf_counter()
    model.fit(x_train[labelled], y)
    fit_seconds = time.perf_counter() - started
    fitted = model.predict(x_train[labelled])

    write_predictions(task, model.predict(x_test))
    write_metrics(task, {
        "train_rows": len(y),
        "features": x_train.shape[1],
        "categorical": len(categorical),
        "trees": model.n_iter_,
        "train_rmse": float(np.sqrt(mean_squared_error(y, fitted))),
        "train_r2": float(r2_score(y, fitted)),
        "fit_seconds": fit_seconds,
    })
    print(f"sklearn-gbr: {len(y)} train rows, {x_train.shape[1]} features ({len(categorical)} categorical), {model.n_iter_} trees, fit in {fit_seconds:.2f} s")


def encode(task: Task) -> Tuple[np.ndarray, np.ndarray, List[int]]:
    """Train and test as float matrices: numeric columns first, then one ordinal code per string column
    (levels seen in train; unseen and missing levels become NaN, which the trees treat as missing).
    Returns the matrices and the positions of the columns to split as categories."""
    strings = task.categorical_columns
    numeric = [name for name in task.feature_columns if name not in strings]
    if not strings:
        return task.X_train.to_numpy(dtype=float), task.X_test.to_numpy(dtype=float), []
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan)
    codes_train = encoder.fit_transform(task.train[strings].astype(object))
    codes_test = encoder.transform(task.test[strings].astype(object))
    x_train = np.hstack([task.train[numeric].to_numpy(dtype=float), codes_train])
    x_test = np.hstack([task.test[numeric].to_numpy(dtype=float), codes_test])
    categorical = [len(numeric) + i for i, levels in enumerate(encoder.categories_) if len(levels) <= MAX_CATEGORIES]
    return x_train, x_test, categorical


if __name__ == "__main__":
    run(train)
