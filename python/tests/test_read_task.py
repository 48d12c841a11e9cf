from __future__ import annotations

import math
from pathlib import Path

import pytest

from mxn_model_kit import TaskError, read_task


def test_reads_the_harness_files_with_their_types(make_task):
    task = read_task(make_task())
    assert list(task.train.columns) == ["area", "district", "floor", "price"]
    assert list(task.test.columns) == ["area", "district", "floor"]
    assert str(task.train["area"].dtype) == "float64" and math.isnan(task.train["area"][2])
    assert task.train["district"].tolist() == ["north", "south", "south", None, "north", "east"]
    assert task.target == "price" and task.kind == "regression"
    assert task.params == {"alpha": 0.5, "depth": "4"}
    assert (task.cell_id, task.model, task.dataset) == ("m@d", "m", "d")
    assert isinstance(task.output_dir, Path) and task.output_dir.name == "output"
    assert task.feature_columns == ["area", "district", "floor"]
    assert list(task.X_train.columns) == task.feature_columns and list(task.X_test.columns) == task.feature_columns
    assert task.y_train.tolist() == [310.0, 560.0, 470.0, 690.0, 350.0, 600.0]
    assert task.categorical_columns == ["district"]
    assert len(task.test) == 3


def test_reads_params_with_checks(make_task):
    task = read_task(make_task(MXN_PARAMS='{"rate": 0.1, "trees": 200.0, "depth": "6", "off": null, "name": "x", "flag": true}'))
    assert task.float_param("rate", 1.0, min=0) == 0.1
    assert task.int_param("trees", 10) == 200 and isinstance(task.int_param("trees", 10), int)
    assert task.int_param("depth", 3) == 6
    assert task.int_param("off", None) is None
    assert task.float_param("absent", 2.5) == 2.5
    with pytest.raises(TaskError, match='parameter "rate" must be a whole number, got 0.1'):
        task.int_param("rate", 1)
    with pytest.raises(TaskError, match='parameter "name" must be a number, got "x"'):
        task.float_param("name", 1.0)
    with pytest.raises(TaskError, match='parameter "flag" must be a number, got true'):
        task.float_param("flag", 1.0)
    with pytest.raises(TaskError, match='parameter "trees" must be at most 100, got 200'):
        task.int_param("trees", 1, max=100)
    with pytest.raises(TaskError, match='parameter "rate" must be at least 1, got 0.1'):
        task.float_param("rate", 1.0, min=1)


def test_params_keep_the_types_mxn_writes(make_task):
    # mxn writes YAML's 1.0 as the JSON float literal 1.0 (scikit-learn's max_features=1.0 means all features).
    raw = '{"max_features":1.0,"n":1,"tol":0.001,"big":1000.0,"huge":12345678901234567890,"layers":[64,32],"text":"1.0"}'
    params = read_task(make_task(MXN_PARAMS=raw)).params
    assert [type(params[key]) for key in ("max_features", "n", "tol", "big", "huge", "text")] == [float, int, float, float, int, str]
    assert params["huge"] == 12345678901234567890 and params["layers"] == [64, 32]


def test_unset_params_and_task_default(make_task):
    env = make_task()
    del env["MXN_PARAMS"], env["MXN_TASK"]
    task = read_task(env)
    assert task.params == {} and task.kind == "regression"


def test_classes_are_sorted_like_scikit_learn(make_task):
    train = {"x": [1.0, 2.0, 3.0, 4.0], "label": ["dear", "cheap", None, "dear"]}
    task = read_task(make_task(train=train, test={"x": [5.0]}, MXN_TARGET="label", MXN_TASK="classification"))
    assert task.classes.tolist() == ["cheap", "dear"]
    with pytest.raises(TaskError, match="task.classes is for classification"):
        read_task(make_task()).classes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MXN_INPUT_DIR": ""}, "environment variable MXN_INPUT_DIR is not set"),
        ({"MXN_TARGET": "rent"}, 'train.parquet has no target column "rent" \\(columns: area, district, floor, price\\)'),
        ({"MXN_TASK": "ranking"}, 'MXN_TASK must be "regression" or "classification", got "ranking"'),
        ({"MXN_PARAMS": "{alpha: 1}"}, "MXN_PARAMS is not valid JSON"),
        ({"MXN_PARAMS": "[1, 2]"}, "MXN_PARAMS must be a JSON object, got list"),
    ],
)
def test_names_what_is_wrong_with_the_environment(make_task, change, message):
    with pytest.raises(TaskError, match=message) as caught:
        read_task(make_task(**change))
    assert "\n" not in str(caught.value)


def test_names_a_missing_or_broken_input_file(make_task):
    env = make_task()
    (Path(env["MXN_INPUT_DIR"]) / "test.parquet").unlink()
    with pytest.raises(TaskError, match=r"input file .*test\.parquet does not exist \(is MXN_INPUT_DIR right\?\)"):
        read_task(env)
    (Path(env["MXN_INPUT_DIR"]) / "test.parquet").write_text("not parquet")
    with pytest.raises(TaskError, match=r"cannot read .*test\.parquet: "):
        read_task(env)


def test_names_feature_columns_test_lacks(make_task):
    with pytest.raises(TaskError, match="test.parquet lacks train's feature columns floor"):
        read_task(make_task(test={"area": [1.0], "district": ["a"]}))
