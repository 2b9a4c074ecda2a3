"""排名 / 组内排名 (competition by default: 1,1,3, the 并列 of official tables) and rank changes."""
import numpy as np
import pandas as pd
import pytest

from engine.rank import group_codes, rank, rank_change, rank_groupings

NAN = np.nan
SCORES = [90, 85, 90, NAN, 70, 85]


@pytest.mark.parametrize("method, expected", [
    ("competition", [1, 3, 1, NAN, 5, 3]),  # 1,1,3: the 并列 of official tables
    ("dense", [1, 2, 1, NAN, 3, 2]),
    ("ordinal", [1, 3, 2, NAN, 5, 4]),      # ties in input order
])
def test_methods(method, expected):
    r = rank(SCORES, method)
    np.testing.assert_array_equal(r.rank, expected)
    assert r.tied.tolist() == [True, True, True, False, False, True]


def test_ascending_ranks_smallest_first():
    np.testing.assert_array_equal(rank([3, 1, 2, 1], ascending=True).rank, [4, 1, 3, 1])


def test_groups_and_blank_group():
    # a: 90, 90, blank score -> 1, 1, -; b: 85, 85 -> 1, 1; the unit without a group gets no group rank
    r = rank(SCORES, groups=["a", "b", "a", "a", None, "b"])
    np.testing.assert_array_equal(r.rank, [1, 1, 1, NAN, NAN, 1])
    r = rank([5, 4, 3, 2], groups=["x", "", "x", "y"])
    np.testing.assert_array_equal(r.rank, [1, NAN, 2, 1])


def test_ties_on_displayed_values():
    # 89.995 is displayed as 90.00 (half-up), so it ties with 90.00 once decimals=2
    np.testing.assert_array_equal(rank([89.995, 90.0, 80], decimals=2).rank, [1, 1, 3])
    np.testing.assert_array_equal(rank([89.995, 90.0, 80]).rank, [2, 1, 3])


def test_float_noise_ties_after_rounding():
    # 0.1 + 0.2 and 0.3 differ in binary floating point but show the same at 2 decimals
    assert rank([0.1 + 0.2, 0.3], decimals=2).rank.tolist() == [1, 1]


def test_empty_and_all_blank():
    assert rank([]).rank.size == 0
    assert np.isnan(rank([NAN, NAN]).rank).all()


def test_bad_method_message():
    with pytest.raises(ValueError, match="排名方式"):
        rank([1, 2], "average")


def test_rank_change_words():
    # rank 3 -> 1 is 上升2位; 3 -> 5 is 下降2位; no previous rank: blank
    assert rank_change([1, 5, 3, NAN, 2], [3, 3, 3, 1, NAN]) == ["上升2位", "下降2位", "持平", "", ""]


@pytest.mark.parametrize("method, pandas_method", [("competition", "min"), ("dense", "dense"), ("ordinal", "first")])
def test_ranks_equal_pandas_grouped_rank(method, pandas_method):
    # pandas' groupby().rank is an independent implementation of the same three tie rules
    rng = np.random.default_rng(7)
    values = np.round(rng.uniform(0, 10, 5000), 1)          # many ties
    values[::97] = np.nan
    groups = rng.choice(["中心城区", "郊区", "", "新城"], 5000)
    got = rank(values, method=method, groups=groups).rank
    codes = np.where(groups == "", None, groups)
    expected = pd.Series(-values).groupby(codes, dropna=True).rank(method=pandas_method)
    expected = expected.reindex(range(5000)).to_numpy()
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("method, pandas_method", [("competition", "min"), ("dense", "dense"), ("ordinal", "first")])
def test_rank_and_group_rank_from_one_sort_equal_pandas(method, pandas_method):
    # scoring ranks 排名 and 组内排名 from one sort of the totals; each must still be pandas' rank
    rng = np.random.default_rng(11)
    values = np.round(rng.uniform(0, 10, 3000), 1)
    values[::89] = np.nan
    groups = rng.choice(["甲", "乙", ""], 3000)
    codes = group_codes(groups, 3000)
    overall, grouped = rank_groupings(values, [np.zeros(3000, np.int64), codes], method)
    np.testing.assert_array_equal(overall.rank, pd.Series(-values).rank(method=pandas_method).to_numpy())
    expected = pd.Series(-values).groupby(np.where(groups == "", None, groups), dropna=True).rank(method=pandas_method)
    np.testing.assert_array_equal(grouped.rank, expected.reindex(range(3000)).to_numpy())
    assert overall.tied.sum() == pd.Series(values).dropna().duplicated(keep=False).sum()
