"""The float traps again, on columns longer than the exact shortcut, so the float pass runs.

Up to `engine.exact.SMALL` units a kernel runs on decimals directly; above it, it runs in
float64 and redoes only the units whose decision fell within a hair of a boundary. The boundary
cases of test_engine_rules.py would pass on the decimal path alone, so here each trap sits in a
column of 40 units (filler units that do not move the best unit) and must score the same.
Expected values are worked by hand in the comments, as in test_engine_rules.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.exact import SMALL
from tests.test_engine_rules import assert_scores, scores

UNITS = 40


def padded(traps: list, filler) -> list:
    """The trap values first, then filler up to UNITS units (more than the exact shortcut)."""
    assert UNITS > SMALL + len(traps)
    return list(traps) + [filler] * (UNITS - len(traps))


def test_step_from_best_exact_five_percent_on_the_float_path():
    # best 315.6. 299.82: 15.78/315.6 = 5% exactly → 1 step → 49 (float: 5.000000000000009% → 2 steps)
    # 284.04: 10% exactly → 2 → 48; 299.1888: 5.2% → 2 → 48; 258.792: 18% → 4 → 46; filler 315.6 → 50
    col = padded([299.82, 284.04, 299.1888, 258.792], 315.6)
    got = scores("step per=5% deduct=1 from=best round=up", 50, col)
    assert_scores(got[:4], [49, 48, 48, 46])
    assert_scores(got[4:], [50] * (UNITS - 4))


@pytest.mark.parametrize("num, den, expected", [
    (2717710.86, 93367667.77, 0.8),   # B13 2.91% → ⌊2.91⌋ = 2 steps × 10% → 0.80 (published)
    (2999, 100000, 0.7),               # 2.999% → 3.00% (rate_dp=2) → 3 steps → 0.70
    (864197.46, 12345678, 0.3),        # 7% exactly (float: 6.999999999999999%) → 7 steps → 0.30
])
def test_rate_steps_whole_percent_on_the_float_path(num, den, expected):
    got = scores("step per=1% deduct=10%w round=down rate_dp=2", 1, padded([num], 1), padded([den], 100))
    assert_scores(got[:1], [expected])
    assert_scores(got[1:], [0.9] * (UNITS - 1))    # filler 1/100 = 1% → 1 step × 10% → 0.90


def test_ceiling_exactly_one_hundred_percent_on_the_float_path():
    # 4629700 / 4629700 = 100% → full; 4629700.23 / 4629700 = 100.000005% → 0 (compared on the amounts)
    got = scores("pass <=100%", 2, padded([4629700, 4629700.23], 1), padded([4629700, 4629700], 2))
    assert_scores(got[:2], [2, 0])
    assert_scores(got[2:], [2] * (UNITS - 2))       # filler 1/2 = 50% ≤ 100% → full


def test_threshold_boundaries_on_the_float_path():
    # 90% → 3 (以上 includes 90), 89.99% → 2.5, 80% → 2.5, 50% → 1, 49.99% → 0
    values = [0.9, 0.8999, 0.8, 0.5, 0.4999]
    got = scores("threshold >=90%: 3; >=80%: 2.5; >=70%: 2; >=60%: 1.5; >=50%: 1; else: 0", 3,
                 padded(values, 0.7))
    assert_scores(got[:5], [3, 2.5, 2.5, 1, 0])
    assert_scores(got[5:], [2] * (UNITS - 5))


def test_ratio_published_value_on_the_float_path():
    # B12: 87877569.18 ÷ 93367667.77 = 94.12% → 2 × 0.9412… = 1.8824 → 1.88 (as published)
    got = scores("ratio over=0 rate_dp=2", 2, padded([87877569.18], 1), padded([93367667.77], 4))
    assert_scores(got[:1], [1.88])
    assert_scores(got[1:], [0.5] * (UNITS - 1))     # filler 1/4 = 25% → 2 × 0.25 = 0.50
    assert np.isfinite(got).all()
