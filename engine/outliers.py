"""Outlier treatment before normalisation, as COINr (the JRC's composite-indicator package) does it.

Skewness and kurtosis are the sample statistics of Excel's SKEW and KURT (e1071 type 2), over the
values present (NaN ignored), with d = x - mean(x) and n values:

    skewness = sqrt(n) * sum(d^3) / sum(d^2)^(3/2) * sqrt(n (n-1)) / (n-2)          (n >= 3)
    r        = n * sum(d^4) / sum(d^2)^2
    kurtosis = ((n+1) (r-3) + 6) (n-1) / ((n-2) (n-3))                             (n >= 4)

An indicator needs treatment while |skewness| >= 2 AND kurtosis >= 3.5. `winsorise` (缩尾) then:
1. while it needs treatment and fewer than 5 points are winsorised: if skewness >= 0, every unit at
   the maximum gets the largest other value, else every unit at the minimum the smallest other
   value (tied extremes move together; the count is the number of units at the moved extreme);
2. if it still needs treatment, the winsorisation is dropped and the ORIGINAL values are log
   transformed with COINr's default `log_CT`: log(x - min + 0.01 (max - min)), which keeps the
   order (COINr's `combine_treat = FALSE`).
`log` (对数) applies that transform directly. Neither needs anything but some spread.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKEW_LIMIT, KURT_LIMIT, WIN_MAX = 2.0, 3.5, 5
OUTLIER_METHODS = ("winsorise", "log")


def skewness(x) -> float:
    """Excel SKEW over the non-NaN values (NaN with fewer than 3 values or no spread)."""
    return _shape(_present(x))[0]


def kurtosis(x) -> float:
    """Excel KURT over the non-NaN values (NaN with fewer than 4 values or no spread)."""
    return _shape(_present(x))[1]


def _present(x) -> np.ndarray:
    v = np.asarray(x, dtype=float)
    return v[~np.isnan(v)]


def _shape(v: np.ndarray) -> tuple[float, float]:
    """(skewness, kurtosis) of values without NaN, in one pass over the deviations."""
    n = v.size
    if n < 3:
        return np.nan, np.nan
    d = v - v.mean()
    d2 = d * d
    s2 = d2.sum()
    if s2 == 0:
        return np.nan, np.nan
    skew = float(np.sqrt(n) * (d2 * d).sum() / s2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2))
    if n < 4:
        return skew, np.nan
    r = n * (d2 * d2).sum() / s2 ** 2
    return skew, float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def _fails(shape: tuple[float, float]) -> bool:
    """|skewness| >= 2 and kurtosis >= 3.5 (False when either cannot be computed)."""
    return bool(abs(shape[0]) >= SKEW_LIMIT and shape[1] >= KURT_LIMIT)


@dataclass(frozen=True, eq=False)
class TreatResult:
    values: np.ndarray    # treated values (NaN stays NaN)
    method: str           # '' (untouched), 'winsorise' or 'log'
    points: np.ndarray    # bool: the units whose value was changed
    skew: tuple[float, float]   # before, after
    kurt: tuple[float, float]
    note: str = ""        # why a needed treatment could not be done


def log_transform(x) -> np.ndarray | None:
    """COINr's log_CT: log(x - min + 0.01 (max - min)); None when all values are equal."""
    v = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    if not hi > lo:
        return None
    return np.log(v - lo + 0.01 * (hi - lo))


def treat(x, method: str = "winsorise") -> TreatResult:
    """Treat one indicator's values (see the module docstring)."""
    if method not in OUTLIER_METHODS:
        raise ValueError(f"异常值处理「{method}」无效，应为 缩尾、对数 或 无")
    v = np.asarray(x, dtype=float)
    here = ~np.isnan(v)
    before = _shape(v[here])
    if method == "log" or _fails(before):
        w = v[here]                                   # the values present, winsorised in place
        hi_pts = lo_pts = np.zeros(w.shape, dtype=bool)
        shape = before
        while method == "winsorise" and _fails(shape) and hi_pts.sum() + lo_pts.sum() < WIN_MAX:
            if shape[0] >= 0:
                hi_pts = w == w.max()
                w[hi_pts] = w[~hi_pts].max()
            else:
                lo_pts = w == w.min()
                w[lo_pts] = w[~lo_pts].min()
            shape = _shape(w)
        if method == "winsorise" and not _fails(shape):
            points = np.zeros(v.shape, dtype=bool)
            points[here] = hi_pts | lo_pts
            out = v.copy()
            out[here] = w
            return TreatResult(out, "winsorise", points, (before[0], shape[0]), (before[1], shape[1]))
        out = log_transform(v)
        if out is not None:
            after = _shape(out[here])
            return TreatResult(out, "log", here, (before[0], after[0]), (before[1], after[1]))
        note = "各单位数值全部相同，无法对数变换"
    else:
        note = ""
    return TreatResult(v, "", np.zeros(v.shape, dtype=bool), (before[0],) * 2, (before[1],) * 2, note)
