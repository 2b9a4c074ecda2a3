"""Filling in missing indicator values before normalisation (the Handbook's first step).

Methods (`method`), each over the units that have a value:
- mean / median: the indicator's mean or median over every unit with a value.
- group_mean / group_median: the same within the unit's group (组别 or another 数据 column); a unit
  without a group, or whose group has no value at all, stays missing.
- previous: the unit's own value in another column (last period's), when that one is present.
A unit that stays missing is left for the aggregation to blank or skip (设置 缺失值); nothing is
ever filled with 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.rank import group_codes

IMPUTE_METHODS = ("mean", "median", "group_mean", "group_median", "previous")
IMPUTE_TEXT = {"mean": "均值", "median": "中位数", "group_mean": "组内均值", "group_median": "组内中位数",
               "previous": "上期"}


@dataclass(frozen=True, eq=False)
class ImputeResult:
    values: np.ndarray   # the values with the gaps filled where possible
    filled: np.ndarray   # bool: this unit's value was imputed


def impute(values, method: str, groups=None, previous=None, among=None) -> ImputeResult:
    """Fill the NaN entries of `values` by `method` (see the module docstring).

    `among` (bool): the units whose values count and may be filled (default: all); `groups` for the
    group methods; `previous` (float, NaN blank) for `previous`.
    """
    if method not in IMPUTE_METHODS:
        raise ValueError(f"插补方法「{method}」无效，应为 {'、'.join(IMPUTE_TEXT.values())} 之一")
    v = np.asarray(values, dtype=float)
    n = len(v)
    among = np.ones(n, dtype=bool) if among is None else np.asarray(among, dtype=bool)
    gap = among & np.isnan(v)
    known = np.where(among, v, np.nan)
    if method == "previous":
        if previous is None:
            raise ValueError("上期插补需要上期数值列")
        fill = np.asarray(previous, dtype=float)
    elif method in ("mean", "median"):
        have = known[~np.isnan(known)]
        stat = np.nan if not have.size else have.mean() if method == "mean" else np.median(have)
        fill = np.full(n, stat)
    else:
        if groups is None:
            raise ValueError("组内插补需要分组")
        codes = group_codes(groups, n)
        if method == "group_mean":             # sums and counts per group: one pass, no sorting
            have = (codes >= 0) & ~np.isnan(known)
            k = max(int(codes.max()) + 1, 1)
            sums, counts = np.bincount(codes[have], known[have], k), np.bincount(codes[have], minlength=k)
            with np.errstate(invalid="ignore", divide="ignore"):
                stat = (sums / counts)[np.clip(codes, 0, None)]
        else:
            stat = pd.Series(known).groupby(codes).transform("median").to_numpy(dtype=float)
        fill = np.where(codes >= 0, stat, np.nan)
    filled = gap & ~np.isnan(fill)
    return ImputeResult(np.where(filled, fill, v), filled)
