"""mxn_model_kit: what a Python model imports to speak the mxn task protocol.

    from mxn_model_kit import read_task, write_predictions
    task = read_task()
    write_predictions(task, model.predict(task.X_test))
"""
from __future__ import annotations

try:
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(f"mxn_model_kit needs pandas and pyarrow: add them to the model's requirements.txt ({error})") from error

from .class_keys import class_key
from .errors import TaskError
from .outputs import METRICS_FILE, PREDICTIONS_FILE, PROBA_PREFIX, write_metrics, write_predictions
from .run import run
from .task import Task, read_task

__version__ = "0.1.0"
__all__ = [
    "METRICS_FILE",
    "PREDICTIONS_FILE",
    "PROBA_PREFIX",
    "Task",
    "TaskError",
    "class_key",
    "read_task",
    "run",
    "write_metrics",
    "write_predictions",
]
