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

    def __init__(self, n: int, inputs: Sequence[np.ndarray] = ()):
        self.near = np.zeros(n, dtype=bool)
        self._inputs = {id(c): c for c in inputs}     # the kernel's columns: their sizes are kept
        self._sizes: dict[int, float] = {}

    def _size(self, x) -> float:
        """The largest |x| (see _abs_max), remembered for the kernel's input columns, which
        several decisions compare (a threshold table's five bounds)."""
        if id(x) not in self._inputs:
            return _abs_max(x)
        if id(x) not in self._sizes:
            self._sizes[id(x)] = _abs_max(x)
        return self._sizes[id(x)]

    def const(self, d: Decimal | float | int) -> float:
        return float(d)

    def _flag(self, gap: np.ndarray, *scales) -> None:
        """Flag units with 0 < gap <= EPS * max(1, |scale|), scale the largest |s| of ``scales``.

        ``gap`` is the absolute distance from the boundary (an array the caller gives away).
        An exact float tie is a decimal tie: values made from short decimals cannot sit within
        one ulp of a boundary without being on it. Only near misses need the exact redo.
        One cheap pass finds the candidates against the column's largest scale; the per-unit
        test runs on those few only (NaN compares False: never flagged)."""
        if gap.ndim == 0:
            gap = np.broadcast_to(gap, self.near.shape)
        bound = max(self._size(s) for s in scales)
        with np.errstate(invalid="ignore", over="ignore"):
            cand = np.flatnonzero(gap <= EPS * max(1.0, bound))
        if not cand.size:
            return
        scale = np.abs(_at(scales[0], cand))
        for s in scales[1:]:
            scale = np.maximum(scale, np.abs(_at(s, cand)))
        self._hits(cand, gap[cand], scale)

    def _hits(self, cand: np.ndarray, gap: np.ndarray, scale: np.ndarray) -> None:
        """The per-unit test on the candidate units ``cand``: 0 < gap <= EPS * max(1, |scale|)."""
        with np.errstate(invalid="ignore"):
            hit = (gap <= EPS * np.maximum(1.0, np.abs(scale))) & (gap > 0)
        self.near[cand[hit]] = True

    def div(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, b)

    def cmp(self, a, op: str, b):
        """Compare with op in >=, >, <=, <, = (flags near-equal pairs)."""
        a = np.asarray(a, dtype=float)
        with np.errstate(invalid="ignore"):
            gap = np.asarray(np.subtract(a, b))
            self._flag(np.abs(gap, out=gap), a, b)
            return _COMPARE[op](a, b)

    def ceil(self, x):
        x = np.asarray(x, dtype=float)
        self._flag(_off_whole(x), x)
        return np.ceil(x)

    def floor(self, x):
        x = np.asarray(x, dtype=float)
        self._flag(_off_whole(x), x)
        return np.floor(x)

    def round(self, x, decimals: int):
        """Half away from zero at ``decimals`` places; flags values within a hair of the .5 tie.

        t = |x|·10^d + 0.5 gives the result (⌊t⌋) and, as its fraction, the distance from the tie
        (near 0 or 1 at a tie, up to t's own rounding): one pass finds the candidates, the exact
        test |y − ⌊y⌋ − 0.5| with y = |x|·10^d runs on those few."""
        x = np.asarray(x, dtype=float)
        scale = 10.0 ** decimals
        with np.errstate(invalid="ignore", over="ignore"):
            lo, hi = (np.fmin.reduce(x, axis=None), np.fmax.reduce(x, axis=None)) if x.size else (0.0, 0.0)
            signed = not lo >= 0                 # negatives (or all NaN) keep their sign
            if signed:
                t = np.abs(x, out=np.empty_like(x))
                t *= scale
            else:
                t = np.multiply(x, scale, out=np.empty_like(x))
            t += 0.5
            out = np.floor(t)
            frac = np.subtract(t, out, out=t)
            top = max(abs(float(lo)), abs(float(hi))) * scale
            slack = EPS * max(1.0, top) + 2.5e-16 * (top + 1.0)
            cand = np.flatnonzero((frac <= slack) | (frac >= 1.0 - slack))
            if cand.size:
                y = np.abs(x[cand]) * scale
                self._hits(cand, np.abs(y - np.floor(y) - 0.5), y)
            if signed:
                out *= np.sign(x)
            out /= scale
        return out

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


def _abs_max(x) -> float:
    """The largest |x| of a column (or a scalar), NaN left out (0 when all are NaN)."""
    if np.ndim(x) == 0:
        x = float(x)
        return abs(x) if x == x else 0.0
    if not np.size(x):
        return 0.0
    hi, lo = np.fmax.reduce(x, axis=None), np.fmin.reduce(x, axis=None)
    return max(abs(float(hi)), abs(float(lo))) if hi == hi else 0.0


def _at(x, idx: np.ndarray):
    return x[idx] if np.ndim(x) else x


def _off_whole(x: np.ndarray) -> np.ndarray:
    """|x − the nearest whole number| (a new array)."""
    with np.errstate(invalid="ignore"):
        d = np.rint(x, out=np.empty_like(x))
        np.subtract(x, d, out=d)
        return np.abs(d, out=d)


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
    ops = FloatOps(n, cols)
    out = _own(kernel(ops, *cols), cols, n)
    if not ops.near.any():
        return out
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


def _own(results, cols: list[np.ndarray], n: int) -> list[np.ndarray]:
    """The kernel's results as arrays of n the caller may write (float; bool or int32 for a decision):
    a result that is an input (or another result, or a scalar) is copied, a fresh one kept."""
    out: list[np.ndarray] = []
    for o in results:
        if not (isinstance(o, np.ndarray) and o.dtype in (np.float64, np.bool_, np.int32) and o.shape == (n,) and o.flags.writeable
                and not any(np.may_share_memory(o, x) for x in (*cols, *out))):
            o = np.array(np.broadcast_to(np.asarray(o, dtype=float), (n,)), dtype=float)
        out.append(o)
    return out


def _floats(values, n: int) -> np.ndarray:
    return np.array([float(v) for v in np.broadcast_to(np.asarray(values, dtype=object), (n,))], dtype=float)
