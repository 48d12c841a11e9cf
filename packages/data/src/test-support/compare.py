"""Compares mxn's train/test parquet with the original, row by row (rows matched by the `rid` column).

python compare.py <original> <side.parquet>... prints {side: {column: {type, equal}}} as JSON. A column
whose type changed is cast to the new type first, so `equal` says whether the values survived.
"""
import json
import sys

import pyarrow.parquet as pq

original = pq.read_table(sys.argv[1])
report = {}
for side in sys.argv[2:]:
    table = pq.read_table(side)
    rows = table.column("rid").to_pylist()
    source = original.take(rows)
    columns = {}
    for name in table.column_names:
        new = table.column(name).combine_chunks()
        old = source.column(name).combine_chunks()
        if not old.type.equals(new.type):
            old = old.cast(new.type)
        columns[name] = {"type": str(new.type), "equal": old.equals(new), "nulls": new.null_count}
    report[side] = {"rows": table.num_rows, "columns": columns}
print(json.dumps(report))
