"""Vectorised kernels that are exact where it matters.

A kernel is written once against an ``ops`` object. It first runs on float64 columns
(:class:`FloatOps`), which notes every unit where a comparison, a ceil/floor or a half-up rounding
was within a hair of its boundary. Only those units are run again on exact decimals
(:class:`DecimalOps`), built from the decimal strings of the inputs. So 5% of 315.6 counts as
exactly one step, at numpy speed for the other 99.99% of units.
"""
from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Callable, Sequence

import numpy as np

from .rounding import EXACT, round_decimal_half_up

EPS = 1e-9
SMALL = 16      # up to this many units, kernels run on decimals directly


class FloatOps:
    """numpy float64 operations that flag near-boundary decisions in ``self.near``."""

    exact = False

    def __init__(self, n: int):
        self.near = np.zeros(n, dtype=bool)

    def const(self, d: Decimal | float | int) -> float:
        return float(d)

    def _flag(self, diff, scale) -> None:
        # An exact float tie is a decimal tie: values made from short decimals cannot sit within
        # one ulp of a boundary without being on it. Only near misses need the exact redo.
        with np.errstate(invalid="ignore"):
            gap = np.abs(diff)
            hit = gap <= EPS * np.maximum(1.0, np.abs(scale))       # NaN compares False: never flagged
            hit &= gap > 0
        np.logical_or(self.near, hit, out=self.near)

    def div(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, b)

    def cmp(self, a, op: str, b):
        """Compare with op in >=, >, <=, <, = (flags near-equal pairs)."""
        a = np.asarray(a, dtype=float)
        self._flag(a - b, np.maximum(np.abs(a), np.abs(b)))
        with np.errstate(invalid="ignore"):
            return _COMPARE[op](a, b)

    def ceil(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore"):
            self._flag(x - np.round(x), x)
            return np.ceil(x)

    def floor(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore"):
            self._flag(x - np.round(x), x)
            return np.floor(x)

    def round(self, x, decimals: int):
        x = np.asarray(x, dtype=float)
        scale = 10.0 ** decimals
        y = np.abs(x) * scale
        with np.errstate(invalid="ignore"):
            self._flag(y - np.floor(y) - 0.5, y)
            return np.sign(x) * np.floor(y + 0.5) / scale

    @staticmethod
    def where(cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def minimum(a, b):
        return np.fmin(a, b)

    @staticmethod
    def maximum(a, b):
        return np.fmax(a, b)

    @staticmethod
    def abs(x):
        return np.abs(x)


class DecimalOps:
    """The same operations on object arrays of Decimal, exactly."""

    exact = True

    def const(self, d: Decimal | float | int) -> Decimal:
        return d if isinstance(d, Decimal) else Decimal(repr(d)) if isinstance(d, float) else Decimal(d)

    @staticmethod
    def div(a, b):
        return _vec(lambda x, y: EXACT.divide(x, y))(a, b)

    @staticmethod
    def cmp(a, op: str, b):
        fn = _PY_COMPARE[op]
        return np.asarray(_vec(lambda x, y: bool(_safe_cmp(fn, x, y)))(a, b), dtype=bool)

    @staticmethod
    def ceil(x):
        return _vec(lambda v: v.to_integral_value(rounding=ROUND_CEILING, context=EXACT))(x)

    @staticmethod
    def floor(x):
        return _vec(lambda v: v.to_integral_value(rounding=ROUND_FLOOR, context=EXACT))(x)

    @staticmethod
    def round(x, decimals: int):
        return _vec(lambda v: round_decimal_half_up(v, decimals) if v.is_finite() else v)(x)

    @staticmethod
    def where(cond, a, b):
        return np.where(np.asarray(cond, dtype=bool), a, b)

    @staticmethod
    def minimum(a, b):
        return _vec(lambda x, y: y if _safe_cmp(lambda p, q: p > q, x, y) else x)(a, b)

    @staticmethod
    def maximum(a, b):
        return _vec(lambda x, y: y if _safe_cmp(lambda p, q: p < q, x, y) else x)(a, b)

    @staticmethod
    def abs(x):
        return _vec(lambda v: abs(v))(x)


def _safe_cmp(fn, x, y):
    try:
        return fn(x, y)
    except Exception:  # NaN compares are InvalidOperation signals: treat as "not true"
        return False


def _vec(fn: Callable) -> Callable:
    return np.frompyfunc(fn, fn.__code__.co_argcount, 1)


_COMPARE = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
            "=": np.equal}
_PY_COMPARE = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
               "<": lambda a, b: a < b, "=": lambda a, b: a == b}


def to_decimal_array(values: np.ndarray) -> np.ndarray:
    """Object array of the decimal strings' values (NaN → Decimal NaN)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values.tolist()):
        out[i] = Decimal(repr(v)) if math.isfinite(v) else Decimal("NaN")
    return out


def run(kernel: Callable[..., Sequence[np.ndarray]], columns: Sequence[np.ndarray],
        valid: np.ndarray) -> list[np.ndarray]:
    """Run ``kernel(ops, *columns)`` in float64, then redo near-boundary valid units exactly.

    A handful of cells (a worksheet function on one cell) goes straight to decimals: cheaper than
    the float pass and its bookkeeping."""
    n = len(valid)
    cols = [np.asarray(c, dtype=float) for c in columns]
    if 0 < n <= SMALL and valid.all():
        dec = [to_decimal_array(c) for c in cols]
        return [_floats(d, n) for d in kernel(DecimalOps(), *dec)]
    ops = FloatOps(n)
    out = [np.array(o, dtype=float, copy=True) for o in kernel(ops, *cols)]
    redo = np.flatnonzero(ops.near & valid)
    if redo.size:
        # Kernels are unit by unit: units with bit-identical inputs share one exact redo.
        rows = np.ascontiguousarray(np.column_stack([c[redo] for c in cols]))
        keys = rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1]))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        dec = [to_decimal_array(c[redo[first]]) for c in cols]
        for o, d in zip(out, kernel(DecimalOps(), *dec)):
            o[redo] = _floats(d, first.size)[inverse]
    return out


def _floats(values, n: int) -> np.ndarray:
    return np.array([float(v) for v in np.broadcast_to(np.asarray(values, dtype=object), (n,))], dtype=float)
