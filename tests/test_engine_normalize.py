"""Normalisation methods with hand-worked values."""
import numpy as np
import pytest

from engine.normalize import (BAD_DIVISOR, CONSTANT, MISSING, NEGATIVE, NO_GROUP, OK, ZERO_VALUE, normalize)

NAN = np.nan
V = [10, 20, 40, NAN, 20]


def close(result, expected):
    np.testing.assert_allclose(result.values, expected, equal_nan=True)


def test_none_keeps_values_and_reports_missing():
    r = normalize(V, "none")
    close(r, V)
    assert r.missing.tolist() == [False, False, False, True, False]
    assert r.reason.tolist() == [OK, OK, OK, MISSING, OK] and r.messages()[3] == "原始数值缺失"


def test_minmax():
    # min 10, max 40: (20-10)/30*100 = 33.33; lower is better: (40-20)/30*100 = 66.67
    close(normalize(V, "minmax"), [0, 100 / 3, 100, NAN, 100 / 3])
    close(normalize(V, "minmax", higher_is_better=False), [100, 200 / 3, 0, NAN, 200 / 3])


def test_minmax_of_an_indicator_with_all_values_equal_is_missing_not_full_marks():
    # max - min = 0: nothing to stretch; every unit is missing (the caller skips or blanks it)
    r = normalize([7, 7, NAN], "minmax")
    close(r, [NAN, NAN, NAN])
    assert r.reason.tolist() == [CONSTANT, CONSTANT, MISSING]


def test_zscore_sample_sd():
    # mean 22.5; sample sd = sqrt(((-12.5)^2 + 2.5^2 + 17.5^2 + 2.5^2) / 3) = sqrt(475/3) = 12.583
    sd = np.sqrt(475 / 3)
    close(normalize(V, "zscore"), [-12.5 / sd, -2.5 / sd, 17.5 / sd, NAN, -2.5 / sd])
    close(normalize(V, "zscore", higher_is_better=False), [12.5 / sd, 2.5 / sd, -17.5 / sd, NAN, 2.5 / sd])
    close(normalize([3, 3], "zscore"), [0, 0])  # no spread


def test_distance_to_best():
    # best 40: 10/40*100 = 25; lower is better, best 10: 10/20*100 = 50
    close(normalize(V, "distance_to_best"), [25, 50, 100, NAN, 50])
    close(normalize(V, "distance_to_best", higher_is_better=False), [100, 50, 25, NAN, 50])
    # lower is better with a best of 0: the 0 unit is best (100), the others 0/v = 0
    close(normalize([0, 5], "distance_to_best", higher_is_better=False), [100, 0])


def test_ratio_to_benchmark_with_cap():
    # benchmark 16: 20/16*100 = 125 capped at 120; lower is better: 16/40*100 = 40
    close(normalize(V, "ratio_to_benchmark", benchmark=16, cap=120), [62.5, 120, 120, NAN, 120])
    close(normalize(V, "ratio_to_benchmark", higher_is_better=False, benchmark=16), [160, 80, 40, NAN, 80])
    # per-unit benchmarks (e.g. each unit's own target)
    close(normalize([10, 30], "ratio_to_benchmark", benchmark=[20, 30]), [50, 100])


def test_ratio_to_benchmark_division_by_zero_is_a_reason_not_zero():
    r = normalize([5, 0], "ratio_to_benchmark", benchmark=0)
    # 5/0: impossible; 0 equals the benchmark 0: base
    assert np.isnan(r.values[0]) and r.reason[0] == BAD_DIVISOR and r.values[1] == 100
    # lower is better with a value of 0: infinitely better -> the cap, or NaN without one
    r = normalize([0, 10], "ratio_to_benchmark", higher_is_better=False, benchmark=5)
    assert np.isnan(r.values[0]) and r.reason[0] == ZERO_VALUE and r.values[1] == 50
    close(normalize([0, 10], "ratio_to_benchmark", higher_is_better=False, benchmark=5, cap=150), [150, 50])


def test_ratio_to_reference_base_unit_is_100():
    # unit 1 (20) is the reference: 10 -> 50, 40 -> 200 (seed 003's "base = 100" index)
    close(normalize(V, "ratio_to_reference", reference=1), [50, 100, 200, NAN, 100])
    r = normalize([10, 0, 5], "ratio_to_reference", reference=1)
    assert (r.reason == [BAD_DIVISOR, OK, BAD_DIVISOR]).all()


def test_percentile_ties_share():
    # 4 valid values; share of the 3 others that are worse: 10 -> 0, 20 -> 1/3, 40 -> 1
    close(normalize(V, "percentile"), [0, 100 / 3, 100, NAN, 100 / 3])
    close(normalize(V, "percentile", higher_is_better=False), [100, 100 / 3, 0, NAN, 100 / 3])
    close(normalize([5], "percentile"), [100])


def test_negative_values_cannot_be_ratios():
    r = normalize([-5, 10], "distance_to_best")
    assert r.reason.tolist() == [NEGATIVE, OK] and r.values[1] == 100


def test_groups():
    # a: 1, 2 -> 0, 100; b: 3 alone -> no spread, missing; blank group: not normalised
    r = normalize([1, 2, 3, 4], "minmax", groups=["a", "a", "b", None])
    close(r, [0, 100, NAN, NAN])
    assert r.reason[2] == CONSTANT and r.reason[3] == NO_GROUP


def test_base_scales_the_result():
    close(normalize([1, 2], "distance_to_best", base=1.0), [0.5, 1.0])


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="rank"), "标准化方法"),
    (dict(method="ratio_to_benchmark"), "benchmark"),
    (dict(method="ratio_to_reference", reference=9), "参照单位"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        normalize([1, 2], **kwargs)
