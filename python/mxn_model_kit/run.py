"""A model's main: one clear line and exit code 1 when the task cannot be done."""
from __future__ import annotations

import os
import sys
import traceback
from typing import Callable, Mapping, Optional

from .errors import TaskError
from .task import Task, read_task


def run(main: Callable[[Task], object], env: Optional[Mapping[str, str]] = None) -> None:
    """Reads the task and calls ``main(task)``. A ``TaskError`` prints ``mxn_model_kit: <message>`` to
    stderr and exits with code 1 (``MXN_VERBOSE=1`` prints the traceback too); any other exception
    ends the program with its traceback and code 1, as Python does."""
    try:
        main(read_task(env))
    except TaskError as error:
        sys.stdout.flush()
        if os.environ.get("MXN_VERBOSE") == "1":
            traceback.print_exc()
        print(f"mxn_model_kit: {error}", file=sys.stderr)
        sys.exit(1)
