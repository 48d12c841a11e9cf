"""Writes the parquet fixture corpus of mxn's data tests with pyarrow/pandas: python fixtures.py <folder>."""
import datetime as dt
import decimal
import json
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1]

# The same small table in every codec pyarrow writes ("lz4" is LZ4_RAW in the format).
base = pa.table({"x": pa.array([1.5, None, 3.25, 4.0] * 50), "s": pa.array(["a", "b", None, "dd"] * 50), "y": pa.array(range(200))})
for codec in ["none", "snappy", "gzip", "brotli", "zstd", "lz4"]:
    pq.write_table(base, f"{out}/codec-{codec}.parquet", compression=codec)

# pandas with its index: a plain index (written as __index_level_0__) and a named one.
frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [10.0, 20.0, 30.0]}, index=[7, 8, 9])
frame.to_parquet(f"{out}/pandas-index.parquet")
frame.rename_axis("row_id").to_parquet(f"{out}/pandas-named-index.parquet")
frame.reset_index(drop=True).to_parquet(f"{out}/pandas-range-index.parquet")

# Every common type, with a null in each column; rid identifies rows after a split.
n = 40
def with_nulls(values):
    return [None if i % 7 == 3 else v for i, v in enumerate(values)]

seoul = dt.timezone(dt.timedelta(hours=9))
types = pa.table({
    "rid": pa.array(range(n), pa.int64()),
    "i32": pa.array(with_nulls([i * 3 - 50 for i in range(n)]), pa.int32()),
    "i64": pa.array(with_nulls([(2**62 if i % 5 == 0 else i) for i in range(n)]), pa.int64()),
    "f32": pa.array(with_nulls([i / 4 for i in range(n)]), pa.float32()),
    "f64": pa.array(with_nulls([i / 3 for i in range(n)]), pa.float64()),
    "flag": pa.array(with_nulls([i % 2 == 0 for i in range(n)]), pa.bool_()),
    "text": pa.array(with_nulls([f"t{i}, \"q\"\nx" for i in range(n)]), pa.string()),
    "cat": pa.array(with_nulls(["red", "green", "blue", "red"] * (n // 4))).dictionary_encode(),
    "day": pa.array(with_nulls([dt.date(1969, 12, 30) + dt.timedelta(days=i * 40) for i in range(n)]), pa.date32()),
    "ts": pa.array(with_nulls([dt.datetime(2024, 1, 1, 12, 0, 0, 123456) + dt.timedelta(hours=i) for i in range(n)]), pa.timestamp("us")),
    "ts_tz": pa.array(
        with_nulls([dt.datetime(2024, 3, 1, 9, 30, 0, 1, tzinfo=seoul) + dt.timedelta(days=i) for i in range(n)]),
        pa.timestamp("us", tz="Asia/Seoul"),
    ),
    "ts_ns": pa.array(with_nulls([dt.datetime(1999, 12, 31, 23, 59, 59, 999999) + dt.timedelta(minutes=i) for i in range(n)]), pa.timestamp("ns")),
    "ts_ms": pa.array(with_nulls([dt.datetime(2020, 2, 29, 0, 0, 0, 5000) + dt.timedelta(seconds=i) for i in range(n)]), pa.timestamp("ms")),
    "dec": pa.array(with_nulls([decimal.Decimal(f"{i * 37}.{i:02d}") for i in range(n)]), pa.decimal128(10, 2)),
    "dec_wide": pa.array(with_nulls([decimal.Decimal(f"-{i * 1001}.{i:04d}") for i in range(n)]), pa.decimal128(38, 4)),
    "y": pa.array([float(i) for i in range(n)], pa.float64()),
})
pq.write_table(types, f"{out}/types.parquet", compression="zstd")

# Rows a split cannot use, a target with no value, and a file whose pages are damaged behind a valid footer.
pq.write_table(base.slice(0, 0), f"{out}/zero-rows.parquet")
pq.write_table(base.slice(0, 1), f"{out}/one-row.parquet")
pq.write_table(pa.table({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": pa.array([None] * 5, pa.float64())}), f"{out}/null-target.parquet")
pq.write_table(base, f"{out}/corrupt-pages.parquet", compression="snappy")
with open(f"{out}/corrupt-pages.parquet", "r+b") as f:
    f.seek(4)
    f.write(b"\xff" * 64)
print(json.dumps({"ok": True}))
