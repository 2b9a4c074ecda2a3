"""Normalisation of raw indicator values before weighting (index building).

Methods, with `base` (default 100) as the scale; statistics are taken within `groups` when given:
- none: the value itself.
- minmax: (v - min) / (max - min) * base (reversed when lower is better). All equal (or a single
  value): nothing to stretch, so every unit gets NaN with the reason `CONSTANT`; the caller treats
  the indicator as missing rather than giving everybody the top score.
- zscore: (v - mean) / sample standard deviation (Excel STANDARDIZE with STDEV), sign flipped when
  lower is better; 0 for every unit when there is no spread (all equal or a single unit).
- distance_to_best: v / max * base, or min / v * base when lower is better. Ratio methods need
  values >= 0; a value equal to its divisor gets base, even 0 / 0 (all units at 0 are all best).
- ratio_to_benchmark: v / benchmark * base, or benchmark / v * base when lower is better;
  `benchmark` is a number or one per unit. Lower-is-better with a value of 0 gives `cap`
  (or NaN with a reason when there is no cap).
- ratio_to_reference: v / (value of unit number `reference`) * base, inverted when lower is
  better: the "reference (base year, base region) = 100" index of seed 003.
- percentile: share of the other units that are worse, * base (Excel PERCENTRANK.INC, not
  truncated): best base, worst 0, ties share; a single unit gets base.
`cap`, when given, caps every result (e.g. 120 for a ratio). NaN input stays NaN (`missing`);
an impossible division gives NaN with a reason, never 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.rank import group_codes, rank_codes

NORMALIZE_METHODS = ("none", "minmax", "zscore", "distance_to_best", "ratio_to_benchmark",
                     "ratio_to_reference", "percentile")
RATIO_METHODS = ("distance_to_best", "ratio_to_benchmark", "ratio_to_reference")

OK, MISSING, BAD_DIVISOR, NEGATIVE, NO_GROUP, ZERO_VALUE, CONSTANT = range(7)
REASONS = {
    OK: "",
    MISSING: "原始数值缺失",
    BAD_DIVISOR: "基准值为0、为负或缺失，无法计算比值",
    NEGATIVE: "数值为负，无法按比值计算",
    NO_GROUP: "未填写分组，无法组内标准化",
    ZERO_VALUE: "数值为0，越小越好的比值为无穷大（可设置上限）",
    CONSTANT: "各单位数值全部相同，无法极差标准化，按缺失处理",
}


@dataclass(frozen=True, eq=False)
class NormalizeResult:
    values: np.ndarray   # float, NaN where not computable
    reason: np.ndarray   # int8, keys of REASONS
    missing: np.ndarray  # bool: the input value was NaN

    def messages(self) -> np.ndarray:
        return np.array(list(REASONS.values()), dtype=object)[self.reason]


def normalize(values, method: str, higher_is_better: bool = True, benchmark=None, reference: int | None = None,
              cap: float | None = None, base: float = 100.0, groups=None) -> NormalizeResult:
    """Normalise a 1-D array of raw values (see the module docstring for each method)."""
    if method not in NORMALIZE_METHODS:
        raise ValueError(f"标准化方法「{method}」无效，应为 {'、'.join(NORMALIZE_METHODS)} 之一")
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError("标准化的数值应为一列")
    codes = group_codes(groups, len(v))
    missing = np.isnan(v)
    reason = np.where(missing, MISSING, OK).astype(np.int8)
    if method != "none":
        reason[(codes < 0) & ~missing] = NO_GROUP
    if method in RATIO_METHODS:
        reason[(v < 0) & (reason == OK)] = NEGATIVE
    ok = reason == OK
    x = np.where(ok, v, np.nan)
    stats = pd.Series(x).groupby(np.where(ok, codes, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "none":
            out = x.copy()
        elif method == "minmax":
            lo, hi = stats.transform("min").to_numpy(), stats.transform("max").to_numpy()
            share = (x - lo) / (hi - lo) if higher_is_better else (hi - x) / (hi - lo)
            out = share * base
            reason[ok & ~(hi > lo)] = CONSTANT
        elif method == "zscore":
            mean, sd = stats.transform("mean").to_numpy(), stats.transform("std").to_numpy()
            z = (x - mean) / sd
            out = np.where(sd > 0, z if higher_is_better else -z, 0.0)
        elif method == "percentile":
            n = stats.transform("count").to_numpy()
            worse = rank_codes(x, np.where(ok, codes, -1), "competition", ascending=higher_is_better).rank - 1
            out = np.where(n > 1, worse / (n - 1) * base, base)
        else:
            if method == "distance_to_best":
                best = stats.transform("max" if higher_is_better else "min").to_numpy()
                divisor = best
            elif method == "ratio_to_benchmark":
                if benchmark is None:
                    raise ValueError("ratio_to_benchmark 需要基准值（benchmark）")
                divisor = np.broadcast_to(np.asarray(benchmark, dtype=float), v.shape)
            else:
                if reference is None or not -len(v) <= reference < len(v):
                    raise ValueError(f"ratio_to_reference 的参照单位序号「{reference}」无效")
                divisor = np.full(v.shape, v[reference])
            ratio = x / divisor if higher_is_better else divisor / x
            out = np.where(x == divisor, base, ratio * base)  # equal to the best (even 0) -> base
            if not higher_is_better and cap is None:
                reason[ok & (x == 0) & (divisor > 0)] = ZERO_VALUE  # infinitely better
            usable = divisor > 0 if higher_is_better else divisor >= 0  # lower-better divides by x
            reason[ok & ~usable & ~(x == divisor)] = BAD_DIVISOR
    out = np.where(reason == OK, out, np.nan)
    if cap is not None:
        out = np.minimum(out, cap)
    return NormalizeResult(out, reason, missing)
