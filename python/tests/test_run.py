from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mxn_model_kit import Task, run, write_predictions

KIT_PARENT = str(Path(__file__).resolve().parents[1])


def test_run_passes_the_task_to_main(make_task):
    seen = []
    run(lambda task: seen.append(task), make_task())
    assert isinstance(seen[0], Task) and seen[0].target == "price"


def test_a_task_error_is_one_line_and_exit_code_1(make_task, capsys):
    def main(task: Task) -> None:
        write_predictions(task, [1.0, 2.0])

    with pytest.raises(SystemExit) as exited:
        run(main, make_task())
    assert exited.value.code == 1
    assert capsys.readouterr().err == "mxn_model_kit: got 2 predictions for 3 test rows; predict one value per row of task.test, in order\n"


def test_a_model_process_exits_1_with_one_line_on_stderr(make_task):
    env = make_task(MXN_OUTPUT_DIR="")
    script = "from mxn_model_kit import run\nrun(lambda task: None)\n"
    done = subprocess.run([sys.executable, "-c", script], env={**env, "PYTHONPATH": KIT_PARENT}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("mxn_model_kit: environment variable MXN_OUTPUT_DIR is not set")
    assert done.stderr.count("\n") == 1
