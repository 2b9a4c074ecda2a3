"""Cells in and out of a worksheet function, in the shapes xlwings hands over.

An argument is one cell's value (float, str, bool, None for blank) or a range: a list of rows
(xlwings with ``ndim=2``), a flat list (read as a column) or a numpy array. A result mirrors its
input: one value for a single cell, else a list of rows of the input's shape, which Excel spills.
Nothing a user can type makes a function raise: ``worksheet_function`` turns a bad argument into
``#参数错误: …`` in the cell.
"""
from __future__ import annotations

import functools
import gc
import logging
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain

import numpy as np

from engine.numbers import fmt_num, is_blank, normalize_text

log = logging.getLogger(__name__)

#: Where a range has no result (blank input): an empty cell in every host.
BLANK = ""
#: Single-cell calls remembered (Excel recalculates the same cells with the same values).
MEMO_SIZE = 4096
#: Arguments larger than this (cells) are not worth a memo key.
MEMO_MAX_CELLS = 64

_NUMERIC = frozenset({float, int, type(None)})
_ROWS = frozenset({list, tuple})
_SCALARS = frozenset({float, int, str, bool, type(None)})


class ArgError(ValueError):
    """A bad argument, shown in the cell as ``#参数错误: <argument>[ <where>]: <reason>``."""

    def __init__(self, arg: str, reason: str, where: str = ""):
        self.arg, self.reason, self.where = arg, reason, where
        super().__init__(self.cell())

    def cell(self) -> str:
        return f"#参数错误: {self.arg}{' ' + self.where if self.where else ''}: {self.reason}"


@dataclass(frozen=True)
class Grid:
    """A range's cells in row-major order: float64 (NaN blank) when all are numbers, else objects."""

    values: np.ndarray
    shape: tuple[int, int]

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    def rows(self) -> list[list]:
        """The cells as a list of rows of Python values (None for blank)."""
        vals = [None if is_blank(v) else v for v in self.values.tolist()]
        w = self.shape[1]
        return [vals[r * w:(r + 1) * w] for r in range(self.shape[0])]


def grid(arg, name: str) -> Grid:
    """Read one argument as a range; raises ArgError when it is not rectangular."""
    if isinstance(arg, np.ndarray):
        if arg.ndim > 2:
            raise ArgError(name, "应为单元格区域（最多两维）")
        a = arg.reshape(1, 1) if arg.ndim == 0 else arg.reshape(-1, 1) if arg.ndim == 1 else arg
        if a.size == 0:
            raise ArgError(name, "区域为空")
        if a.dtype.kind in "fiu":
            return Grid(a.astype(float).ravel(), a.shape)
        flat, shape = a.ravel().tolist(), a.shape
    elif isinstance(arg, (list, tuple)):
        if not arg:
            raise ArgError(name, "区域为空")
        if type(arg[0]) in _ROWS:
            try:
                widths = set(map(len, arg))
            except TypeError:                  # a bare value among the rows
                raise ArgError(name, "应为单元格区域（各行为列表）") from None
            if len(widths) != 1 or 0 in widths:
                raise ArgError(name, "区域各行的单元格数不一致")
            width = widths.pop()
            flat = [row[0] for row in arg] if width == 1 else list(chain.from_iterable(arg))
            shape = (len(arg), width)
        else:
            flat, shape = list(arg), (len(arg), 1)
    else:
        flat, shape = [arg], (1, 1)
    types = set(map(type, flat))
    if types & _ROWS:
        raise ArgError(name, "应为单元格区域（最多两维）")
    if types <= _NUMERIC:   # every cell a number or blank: numpy speed from here on
        if type(None) not in types:
            return Grid(np.array(flat, dtype=float), shape)
        cells = np.fromiter(flat, dtype=object, count=len(flat))
        cells[cells == None] = np.nan  # noqa: E711  (elementwise)
        return Grid(cells.astype(float), shape)
    return Grid(np.fromiter(flat, dtype=object, count=len(flat)), shape)


def single(arg, name: str):
    """The value of an argument that must be one cell (None when blank)."""
    if type(arg) in _SCALARS:                  # the common case, without numpy
        return None if is_blank(arg) else arg
    g = grid(arg, name)
    if g.size != 1:
        raise ArgError(name, f"应为单个单元格或数值，而不是{g.shape[0]}行{g.shape[1]}列的区域")
    v = g.values[0]
    return None if is_blank(v) else v.item() if isinstance(v, np.generic) else v


def option_text(arg, name: str) -> str | None:
    """One cell as a rule option value (5% → 0.05, 'up' → up); None when blank."""
    v = single(arg, name)
    if v is None:
        return None
    if isinstance(v, bool):
        raise ArgError(name, f"「{v}」不是有效的取值")
    text = fmt_num(v) if isinstance(v, (int, float)) else "".join(normalize_text(str(v)).split())
    if any(c in text for c in ";="):
        raise ArgError(name, f"「{v}」不是有效的取值")
    return text


def common_shape(grids: list[tuple[str, Grid]]) -> tuple[int, int]:
    """The shape of the largest input; single cells stretch to it, other inputs must match it."""
    name, big = max(grids, key=lambda p: p[1].size)
    for other, g in grids:
        if g.size != 1 and g.shape != big.shape:
            raise ArgError(other, f"区域大小（{g.shape[0]}行{g.shape[1]}列）与 {name}"
                                  f"（{big.shape[0]}行{big.shape[1]}列）不一致")
    return big.shape


def stretch(g: Grid, n: int) -> np.ndarray:
    return g.values if g.size == n else np.repeat(g.values, n)


def shaped(values: np.ndarray, shape: tuple[int, int]):
    """A single value for one cell, else a list of rows (what xlwings writes as a spilled array)."""
    if shape == (1, 1):
        return values[0]
    with gc_paused():
        return values.reshape(shape).tolist()


@contextmanager
def gc_paused():
    """Building 100,000 row lists triggers full garbage collections that cost more than the
    scoring; these lists hold no cycles, so collection waits until they are built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def worksheet_function(fn):
    """Never raise into a cell, and remember single-cell calls.

    A bad argument shows its ``#参数错误`` text; anything unforeseen shows ``#计算错误`` and is
    logged, so a cell never holds a traceback. Results for small arguments are kept in a bounded
    memo: a column of 30,000 cells holding a handful of distinct levels costs a handful of
    engine calls.
    """
    memo: OrderedDict = OrderedDict()

    @functools.wraps(fn)
    def call(*args):
        key = _memo_key(args)
        if key is not None:
            hit = memo.get(key, memo)
            if hit is not memo:
                return hit
        try:
            result = fn(*args)
        except ArgError as exc:
            result = exc.cell()
        except Exception as exc:   # a cell shows a short reason, the log keeps the traceback
            log.exception("%s failed", fn.__name__)
            return f"#计算错误: {type(exc).__name__}: {exc}"[:255]
        if key is not None and not isinstance(result, list):
            memo[key] = result
            if len(memo) > MEMO_SIZE:
                memo.popitem(last=False)
        return result

    call.memo = memo
    return call


def _memo_key(args) -> tuple | None:
    """A hashable key for small arguments (types included: True is not 1.0), else None."""
    budget = [MEMO_MAX_CELLS]

    def freeze(v):
        t = type(v)
        if t in _SCALARS:
            budget[0] -= 1
            if budget[0] < 0:
                raise OverflowError
            return t, v
        if (t is list or t is tuple) and len(v) <= budget[0]:
            return list, tuple(freeze(x) for x in v)
        raise OverflowError

    try:
        return tuple(freeze(a) for a in args)
    except OverflowError:
        return None
