"""Class labels as the harness compares them (packages/data `classKey`), so labels written with different types still match."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np


def class_key(value: Any) -> str:
    """The canonical text of a class label: whole numbers without a fraction (``1.0`` → ``"1"``), numeric
    strings like numbers (``"1.0"`` → ``"1"``), booleans and ``"true"``/``"false"`` as ``"1"``/``"0"``,
    other strings unchanged. ``proba_<class>`` columns are named with it."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return js_number(float(value))
    text = str(value)
    stripped = text.strip()
    if stripped.lower() in ("true", "false"):
        return "1" if stripped.lower() == "true" else "0"
    if stripped and "_" not in stripped:
        try:
            number = float(stripped)
        except ValueError:
            return text
        if math.isfinite(number):
            return js_number(number)
    return text


def js_number(x: float) -> str:
    """``x`` as JavaScript's ``String(x)`` prints it (the harness is written in TypeScript): shortest
    round-trip digits, exponent notation only below 1e-6 or from 1e21."""
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    sign = "-" if x < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(x))).as_tuple()
    all_digits = "".join(map(str, digit_tuple))
    point = int(exponent) + len(all_digits)  # where the decimal point sits, counted from the first digit
    digits = all_digits.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        body = digits + "0" * (point - k)
    elif 0 < point <= 21:
        body = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:
        body = f"0.{'0' * -point}{digits}"
    else:
        e = point - 1
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body
