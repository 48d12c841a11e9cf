from __future__ import annotations

import numpy as np
import pytest

from mxn_model_kit import class_key
from mxn_model_kit.class_keys import js_number


@pytest.mark.parametrize(
    ("label", "key"),
    [
        (1.0, "1"), (np.int64(3), "3"), (np.float32(0.5), "0.5"), (True, "1"), (np.bool_(False), "0"),
        ("1.0", "1"), (" 2 ", "2"), ("TRUE", "1"), ("false", "0"), ("cat", "cat"), (" cat ", " cat "), ("1_0", "1_0"), ("", ""),
    ],
)
def test_class_key_matches_the_harness(label, key):
    assert class_key(label) == key


@pytest.mark.parametrize(
    ("x", "text"),
    [(0.0, "0"), (-2.0, "-2"), (0.1, "0.1"), (1200.0, "1200"), (123.456, "123.456"), (1e21, "1e+21"), (1.5e20, "150000000000000000000"),
     (1e-6, "0.000001"), (1.5e-7, "1.5e-7"), (-2.5e-10, "-2.5e-10"), (1.2345e25, "1.2345e+25")],
)
def test_js_number_prints_like_javascript(x, text):
    assert js_number(x) == text
