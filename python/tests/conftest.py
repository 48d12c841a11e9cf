"""Inputs shaped like the harness's: it writes every numeric column as nullable float64 (DOUBLE) and
every other column as nullable UTF-8 strings, snappy-compressed, with no pandas metadata."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, Optional

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

TRAIN = {
    "area": [50.0, 82.5, None, 120.0, 64.0, 95.0],
    "district": ["north", "south", "south", None, "north", "east"],
    "floor": [3.0, 12.0, 7.0, 1.0, 4.0, 9.0],
    "price": [310.0, 560.0, 470.0, 690.0, 350.0, 600.0],
}
TEST = {
    "area": [70.0, None, 101.0],
    "district": ["south", "west", None],
    "floor": [2.0, 5.0, 8.0],
}


def harness_table(columns: Dict[str, list]) -> pa.Table:
    """A table typed the way the harness writes one."""
    fields = []
    arrays = []
    for name, values in columns.items():
        kind = pa.string() if any(isinstance(v, str) for v in values) else pa.float64()
        fields.append(pa.field(name, kind, nullable=True))
        arrays.append(pa.array(values, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


Env = Dict[str, str]


@pytest.fixture
def make_task(tmp_path: Path) -> Callable[..., Env]:
    """Writes train/test parquet into tmp_path/input and returns the protocol's environment for them."""

    def make(train: Optional[Dict[str, list]] = None, test: Optional[Dict[str, list]] = None, **env: str) -> Env:
        input_dir = tmp_path / "input"
        input_dir.mkdir(exist_ok=True)
        pq.write_table(harness_table(train or TRAIN), input_dir / "train.parquet", compression="snappy")
        pq.write_table(harness_table(test or TEST), input_dir / "test.parquet", compression="snappy")
        base = {
            "MXN_INPUT_DIR": str(input_dir),
            "MXN_OUTPUT_DIR": str(tmp_path / "output"),
            "MXN_TARGET": "price",
            "MXN_TASK": "regression",
            "MXN_PARAMS": '{"alpha": 0.5, "depth": "4"}',
            "MXN_CELL_ID": "m@d",
            "MXN_MODEL": "m",
            "MXN_DATASET": "d",
        }
        base.update(env)
        return base

    return make
