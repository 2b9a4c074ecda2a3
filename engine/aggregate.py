"""Totals through the indicator hierarchy, vectorised over units (and over weight sets).

Semantics (设置 汇总: additive subtotals as in the Nanjing self-evaluation, means of unit indices as
in the Shanghai smart-city index):
- A unit not assessed on a child (its group has no row for it) is left out of the parent, never
  counted as 0. Weights are renormalised over the children the unit is assessed on.
- `sum` adds the children (weights are ignored); `wmean` is sum(w*s)/sum(w); `gmean` is
  prod(s**(w/sum(w))), with 0 when a positive-weight child is 0 and blank when a child is negative.
- A blank child score the unit is assessed on makes the parent blank (missing is never 0); a node
  with no assessed child is itself not assessed.
- Unless the node skips missing children (`Tree.missing`, 设置 缺失值): `skip` leaves a blank child
  out of a mean and renormalises the weights over the children present; `scale` (求和 with
  按比例折算) adds the children present and scales the sum to the full points of the children
  assessed (their counts when points are unknown). `Tree.min_share` blanks a skipping node
  whose present children are fewer than that share of its assessed ones (最少数据).
- Blank weights: when every sibling's weight is blank they are equal; a blank weight among given
  ones takes the mean of its given siblings' weights, so a forgotten cell acts as a typical
  sibling rather than silently dropping the indicator.
- Every aggregate is rounded half-up as it is computed, level by level (or only at the root).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, reduce

import numpy as np
import pandas as pd

from engine.rounding import round_half_up

METHODS = ("sum", "wmean", "gmean")

MISSING_MODES = ("blank", "skip", "scale")
(OK, MISSING_CHILD, NOT_ASSESSED, NEGATIVE_CHILD, ZERO_WEIGHT, MISSING_SCORE, MISSING_COEFFICIENT,
 TOO_FEW_CHILDREN) = range(8)
REASONS = {
    OK: "",
    MISSING_CHILD: "缺少下级得分",
    NOT_ASSESSED: "不评估（无适用的指标）",
    NEGATIVE_CHILD: "下级得分为负，无法几何平均",
    ZERO_WEIGHT: "下级权重之和为0，无法加权平均",
    MISSING_SCORE: "得分缺失",
    MISSING_COEFFICIENT: "缺少系数",
    TOO_FEW_CHILDREN: "有数据的下级指标少于设置的最少数据",
}


@dataclass(frozen=True, eq=False)
class Tree:
    """Indicator hierarchy: leaves first, then aggregates, children before parents, root last."""

    parent: np.ndarray
    n_leaves: int
    method: tuple[str, ...]
    weight: np.ndarray
    names: tuple[str, ...] | None = field(default=None)
    missing: tuple[str, ...] | None = field(default=None)   # per node: blank / skip / scale (leaves: '')
    min_share: np.ndarray | None = field(default=None)      # per node: share of children needed (NaN: any)

    def __post_init__(self):
        parent = np.asarray(self.parent, dtype=np.int64)
        weight = np.asarray(self.weight, dtype=float)
        n = len(parent)
        missing = tuple(self.missing) if self.missing is not None else ("",) * self.n_leaves + ("blank",) * (n - self.n_leaves)
        share = np.full(n, np.nan) if self.min_share is None else np.asarray(self.min_share, dtype=float)
        object.__setattr__(self, "parent", parent)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "missing", missing)
        object.__setattr__(self, "min_share", share)
        if len(missing) != n or share.shape != (n,):
            raise ValueError("指标树的缺失值处理方式（或最少数据）个数与指标个数不一致")
        if not (len(self.method) == len(weight) == n) or (self.names is not None and len(self.names) != n):
            raise ValueError("指标树的上级、汇总方式、权重（和名称）长度不一致")
        if n == 0 or not 0 < self.n_leaves < n or parent[-1] != -1:
            raise ValueError("指标树须先列末级指标、再列汇总指标，最后一个为根（无上级）")
        idx = np.arange(n - 1)
        if np.any(parent[:-1] <= idx) or np.any(parent[:-1] >= n) or np.any(parent[:-1] < self.n_leaves):
            raise ValueError("指标树中每个指标的上级须为排在其后的汇总指标")
        for i in range(self.n_leaves, n):
            if self.method[i] not in METHODS:
                raise ValueError(f"{self.label(i)}的汇总方式「{self.method[i]}」无效，应为 sum、wmean 或 gmean")
            if self.children[i].size == 0:
                raise ValueError(f"汇总指标{self.label(i)}没有下级指标")
            if self.missing[i] not in MISSING_MODES:
                raise ValueError(f"{self.label(i)}的缺失值处理「{self.missing[i]}」无效，应为 blank、skip 或 scale")
            if self.missing[i] == "skip" and self.method[i] == "sum":
                raise ValueError(f"{self.label(i)}按求和汇总，跳过缺失的下级会少算分数：须同时按比例折算")
            if not (np.isnan(share[i]) or 0 < share[i] <= 1):
                raise ValueError(f"{self.label(i)}的最少数据应在0到1之间（如2/3）")
        resolve_weights(self, weight)  # validates the weights once

    def label(self, i: int) -> str:
        return f"「{self.names[i]}」" if self.names is not None else f"第{i + 1}个指标"

    @property
    def n(self) -> int:
        return len(self.parent)

    @cached_property
    def children(self) -> dict[int, np.ndarray]:
        order = np.argsort(self.parent[:-1], kind="stable")
        cuts = np.searchsorted(self.parent[:-1][order], np.arange(self.n + 1))
        return {p: order[cuts[p]:cuts[p + 1]] for p in range(self.n)}


def resolve_weights(tree: Tree, weights=None) -> np.ndarray:
    """Effective raw weights (N,): blanks filled as described in the module docstring."""
    w = np.array(tree.weight if weights is None else weights, dtype=float)
    if w.shape != (tree.n,):
        raise ValueError(f"权重个数应为{tree.n}，实际为{w.size}")
    bad = np.flatnonzero(np.isinf(w) | (w < 0))
    if bad.size:
        raise ValueError(f"{tree.label(int(bad[0]))}的权重无效（不能为负或无穷大）")
    for p in range(tree.n_leaves, tree.n):
        c = tree.children[p]
        blank = np.isnan(w[c])
        if blank.any():
            w[c[blank]] = 1.0 if blank.all() else w[c[~blank]].mean()
    w[-1] = 1.0
    return w


@dataclass(frozen=True, eq=False)
class AggregateResult:
    values: np.ndarray    # (U, N) float, NaN = blank (leaves a unit is not assessed on too)
    assessed: np.ndarray  # (U, N) bool
    reason: np.ndarray    # (U, N) int8, keys of REASONS

    def messages(self) -> np.ndarray:
        """(U, N) Chinese messages for the reason codes ('' when fine)."""
        return np.array([REASONS[k] for k in range(len(REASONS))], dtype=object)[self.reason]


def aggregate(tree: Tree, leaf_scores, assessed=None, decimals: int | None = 2,
              round_each_level: bool = True, weights=None, coefficient=None, points=None) -> AggregateResult:
    """Aggregate leaf scores (U, L) up the tree; `coefficient` (U,) multiplies the root (系数).

    `points` (U, L): the leaves' full points, used where a `scale` node scales a partial sum.
    The arrays returned are (U, N) views of node-major (N, U) ones."""
    leaf, mask = check_leaf_inputs(tree, leaf_scores, assessed)
    nodes = aggregate_nodes(tree, leaf, mask, decimals, round_each_level, weights, coefficient,
                            None if points is None else np.asarray(points, dtype=float).T)
    n_units, n_leaves = leaf.shape[1], tree.n_leaves
    values = np.empty((tree.n, n_units))
    reason = np.empty((tree.n, n_units), dtype=np.int8)
    node_assessed = np.empty((tree.n, n_units), dtype=bool)
    values[:n_leaves] = leaf if mask is None else np.where(mask, leaf, np.nan)
    reason[:n_leaves] = np.where(np.isnan(leaf), MISSING_SCORE, OK)
    node_assessed[:n_leaves] = True if mask is None else mask
    if mask is not None:
        reason[:n_leaves][~mask] = NOT_ASSESSED
    values[n_leaves:], reason[n_leaves:] = nodes.values, nodes.reason
    node_assessed[n_leaves:] = nodes.reason != NOT_ASSESSED
    return AggregateResult(values.T, node_assessed.T, reason.T)


def check_leaf_inputs(tree: Tree, leaf_scores, assessed):
    """(leaf, mask) node-major: float (L, U) rows of the (U, L) leaf scores and bool (L, U) rows of
    `assessed`, or None when every unit is assessed on every leaf. A wrong shape is a Chinese
    ValueError, since both the one-off aggregation and the sensitivity runs take these straight
    from callers."""
    leaf = np.asarray(leaf_scores, dtype=float)
    if leaf.ndim != 2 or leaf.shape[1] != tree.n_leaves:
        raise ValueError(f"末级得分应为 单位数×{tree.n_leaves} 的表，实际形状为{leaf.shape}")
    if assessed is None:
        return leaf.T, None
    mask = np.asarray(assessed, dtype=bool)
    if mask.shape != leaf.shape:
        raise ValueError(f"是否评估表的形状{mask.shape}与末级得分{leaf.shape}不一致")
    return leaf.T, None if mask.all() else mask.T


@dataclass(frozen=True, eq=False)
class NodeValues:
    """The aggregates of one weight set, node-major: row p - L is node p (the root last)."""
    values: np.ndarray    # (N - L, U) float, NaN = blank
    reason: np.ndarray    # (N - L, U) int8, keys of REASONS (NOT_ASSESSED: no assessed child)


def aggregate_nodes(tree: Tree, leaf, mask=None, decimals: int | None = 2, round_each_level: bool = True,
                    weights=None, coefficient=None, points=None) -> NodeValues:
    """The aggregates of node-major leaf rows: `leaf` (L, U) scores, `mask` (L, U) assessed or None
    (every unit on every leaf; a row of None: every unit on that leaf), `points` (L, U) full points
    or None. Scoring passes its per-indicator columns as the rows, so nothing is transposed or
    stacked unless a weighted mean needs it."""
    w = resolve_weights(tree, weights)[None, :]
    vals, _, reasons = aggregate_runs(tree, leaf, mask, w, decimals, round_each_level, coefficient,
                                      with_reasons=True, points=points)
    n_units = len(leaf[0])
    values = np.empty((tree.n - tree.n_leaves, n_units))
    reason = np.empty(values.shape, dtype=np.int8)
    for p in range(tree.n_leaves, tree.n):
        values[p - tree.n_leaves], reason[p - tree.n_leaves] = vals[p][0], reasons[p][0]
    return NodeValues(values, reason)


def sum_rows(rows, pairwise: bool = True) -> np.ndarray:
    """The sum of equally shaped (or broadcasting) float rows, added in the order numpy's
    ``x.sum(-1)`` adds the rows stacked as columns of a table, onto 0.0: `pairwise` as for a
    C-ordered table (eight running sums per block of up to 128, blocks halved above that), else
    one after another as for a column selection ``table[:, cols]`` (Fortran-ordered). Node-major
    sums so equal the unit-major ones bit for bit: unrounded subtotals do not move in the last
    place when the layout changes."""
    if pairwise:
        return _pairwise(rows, 0, len(rows)) + 0.0
    out = rows[0] + 0.0
    for row in rows[1:]:
        out = _add(out, row)
    return out


def _add(out: np.ndarray, row) -> np.ndarray:
    """out + row, into `out` (a running sum of our own) when the shapes allow."""
    return np.add(out, row, out=out) if np.shape(row) == out.shape else out + row


def _pairwise(rows, lo: int, n: int) -> np.ndarray:
    if n < 8:
        out = rows[lo] + 0.0
        for i in range(lo + 1, lo + n):
            out = _add(out, rows[i])
        return out
    if n <= 128:
        acc = [rows[lo + j] + 0.0 for j in range(8)]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                acc[j] = _add(acc[j], rows[lo + i + j])
            i += 8
        out = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
        for i in range(lo + i, lo + n):
            out = _add(out, rows[i])
        return out
    half = n // 2
    half -= half % 8
    return _pairwise(rows, lo, half) + _pairwise(rows, lo + half, n - half)


def _count(rows) -> np.ndarray:
    """How many of the bool rows hold, per unit (rows may broadcast)."""
    out = np.asarray(rows[0], dtype=np.int64)
    for r in rows[1:]:
        out = out + r
    return out


def _node_points(tree: Tree, mask, points, n_units: int) -> list[np.ndarray]:
    """Per node, the (U,) full points: the leaves' own, an aggregate's the sum over its assessed
    children (NaN unknown)."""
    full: list = []
    for i in range(tree.n_leaves):
        if points is None:
            full.append(np.full(n_units, np.nan))
        else:
            row = np.asarray(points[i], dtype=float)
            full.append(row.copy() if mask is None or mask[i] is None else np.where(mask[i], row, 0.0))
    for p in range(tree.n_leaves, tree.n):
        full.append(sum_rows([full[i] for i in tree.children[p]], pairwise=False))
    return full


def aggregate_runs(tree, leaf, mask, w, decimals, round_each_level, coefficient=None, with_reasons=False,
                   points=None):
    """Aggregate for R weight sets at once: w is (R, N) effective weights; `leaf` (L, U) and
    `points` (L, U) are node-major rows (see `aggregate_nodes`), `mask` (L, U) or None.

    Returns node values {node: (R, U)}, per node its (U,) assessed units (None: every unit) and, if
    asked, reasons {node: (R, U)}. Which children a unit is assessed on does not depend on the
    weights, so leaf-level parents are two matrix products over all runs. A sum of children every
    unit is assessed on and none is blank is plain row additions; the rest goes child by child.
    """
    n_runs, n_units = w.shape[0], len(leaf[0])
    shape = (n_runs, n_units)
    assessed: list = [None if mask is None else mask[i] for i in range(tree.n_leaves)]
    full = _node_points(tree, mask, points, n_units) if "scale" in tree.missing else None
    vals, reasons = {}, {}
    root = tree.n - 1
    for p in range(tree.n_leaves, tree.n):
        c = tree.children[p]
        xs = [leaf[i] if i < tree.n_leaves else vals[i] for i in c]
        ms = [assessed[i] for i in c]
        assessed_p = None if any(m is None for m in ms) else np.logical_or.reduce(ms)
        assessed.append(assessed_p)
        skips = tree.missing[p] != "blank"
        if tree.method[p] == "sum":
            v, blank, too_few = _sum_node(tree, p, xs, ms, skips, full)
            negative, den = False, None
        else:
            v, blank, too_few, negative, den = _mean_node(tree, p, xs, ms, skips, w[:, c], shape)
        bad = [f for f in (blank, negative, too_few) if f is not False]
        if assessed_p is not None:
            bad.append(~assessed_p)
        if den is not None:
            bad.append(den <= 0)
        coef = None
        if p == root and coefficient is not None:
            coef = np.asarray(coefficient, dtype=float)
            with np.errstate(invalid="ignore", over="ignore"):
                v = v * coef
            bad.append(np.isnan(coef))
        if bad:
            v = np.where(reduce(np.logical_or, bad), np.nan, np.broadcast_to(v, shape))
        elif v.shape != shape:
            v = v.reshape(shape) if v.size == n_units * n_runs else np.broadcast_to(v, shape).copy()
        if decimals is not None and (round_each_level or p == root):
            v = round_half_up(v, decimals)
        vals[p] = v
        if with_reasons:
            r = np.zeros(shape, dtype=np.int8)
            for flag, code in ((None if den is None else den <= 0, ZERO_WEIGHT),
                               (None if coef is None else np.isnan(coef), MISSING_COEFFICIENT),
                               (negative, NEGATIVE_CHILD), (too_few, TOO_FEW_CHILDREN), (blank, MISSING_CHILD),
                               (None if assessed_p is None else ~assessed_p, NOT_ASSESSED)):
                if flag is not None and flag is not False:
                    r[np.broadcast_to(flag, shape)] = code
            reasons[p] = r
    return vals, assessed, reasons


def _sum_node(tree, p, xs, ms, skips, full):
    """(value, blank, too few) of a `sum` node from its child rows; False: no unit is. Leaves are
    added one after another, as numpy sums a column selection of a units × leaves table; children
    that are aggregates pairwise, as it sums a table stacked from them (see `sum_rows`)."""
    pairwise = any(x.ndim == 2 for x in xs)
    if all(m is None for m in ms):
        total = sum_rows(xs, pairwise)
        gaps = np.isnan(total)
        if not gaps.any():          # nothing blank: every child present, 按比例折算 scales by exactly 1
            return total, False, False
        if not skips:               # a blank child blanks the unit: only the gaps need looking at
            return total, _blank_at(xs, gaps), False
    if not skips:
        total = sum_rows([x if m is None else np.where(m, x, 0.0) for x, m in zip(xs, ms)], pairwise)
        gaps = np.isnan(total)
        return total, _blank_at(xs, gaps, ms) if gaps.any() else False, False
    present = [~np.isnan(x) if m is None else m & ~np.isnan(x) for x, m in zip(xs, ms)]
    blank, too_few = _skipped(tree, p, present, ms)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        total = sum_rows([np.where(h, x, 0.0) for x, h in zip(xs, present)], pairwise)
        total = total * _scale([full[i] for i in tree.children[p]], ms, present, pairwise)
    return total, blank, too_few


def _blank_at(xs, gaps, ms=None) -> np.ndarray:
    """Where a sum came out blank: is a child the unit is assessed on blank? (Not for inf - inf.)"""
    out = np.zeros(gaps.shape, dtype=bool)
    at = np.nonzero(gaps)
    unit = at[-1]
    for k, x in enumerate(xs):
        hit = np.isnan(x[unit] if x.ndim == 1 else x[at])
        if ms is not None and ms[k] is not None:
            hit &= ms[k][unit]
        out[at] |= hit
    return out


def _skipped(tree, p, present, ms):
    """(blank, too few) of a node that skips blank children: none present of those assessed, or
    fewer than its 最少数据 share."""
    n_present = _count(present)
    n_assessed = len(ms) if all(m is None for m in ms) else _count([True if m is None else m for m in ms])
    if np.isnan(tree.min_share[p]):
        too_few = False
    else:
        too_few = n_present < tree.min_share[p] * n_assessed - 1e-9
    return (n_present == 0) & (n_assessed > 0), too_few


def _mean_node(tree, p, xs, ms, skips, wc, shape):
    """(value, blank, too few, negative, weight sum) of a `wmean`/`gmean` node. The children are
    laid out for the weights' matrix product as a column selection of a (U, L) table would be
    (leaf-level parents: (U, k) in column order; above: (R, U, k)), so each unit's weighted sum
    is added in the same order whatever layout the caller keeps."""
    m = np.stack([np.ones(shape[1], bool) if a is None else a for a in ms]).T     # (U, k), column order
    if any(x.ndim == 2 for x in xs):
        x = np.stack([np.broadcast_to(x, shape) for x in xs], axis=-1)             # (R, U, k)
    else:
        x = np.stack(xs).T                                                          # (U, k), column order
    x0 = np.where(m & ~np.isnan(x), x, 0.0)
    too_few = False
    if skips:                                      # a blank child is left out, not fatal
        present = m & ~np.isnan(x)
        n_present, n_assessed = present.sum(-1), m.sum(-1)
        if not np.isnan(tree.min_share[p]):
            too_few = n_present < tree.min_share[p] * n_assessed - 1e-9
        blank = (n_present == 0) & (n_assessed > 0)
        m = present
    else:
        blank = (np.isnan(x) & m).any(-1)
    negative = False
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        den = _weighted_sum(m.astype(float), wc)   # (R, U)
        if tree.method[p] == "wmean":
            v = _weighted_sum(x0, wc) / den
        else:
            negative = (m & (x < 0)).any(-1)
            logs = np.log(np.where(m & (x > 0), x, 1.0))
            v = np.exp(_weighted_sum(logs, wc) / den)
            zero = np.where(m & (x == 0), 1.0, 0.0)
            v = np.where(_weighted_sum(zero, (wc > 0).astype(float)) > 0, 0.0, v)
    return v, blank, too_few, negative, den


def _scale(full, assessed, present, pairwise: bool):
    """按比例折算: full points of the assessed children / those of the present ones (counts when
    unknown); rows per child."""
    fc = [f if a is None else np.where(a, f, 0.0) for f, a in zip(full, assessed)]
    whole_points = sum_rows(fc, pairwise=False)
    known = ~np.logical_or.reduce([np.isnan(f) for f in fc]) & (whole_points > 0)
    n_assessed = len(assessed) if all(a is None for a in assessed) else \
        _count([True if a is None else a for a in assessed])
    whole = np.where(known, whole_points, n_assessed)
    part = np.where(known, sum_rows([np.where(h, np.nan_to_num(f), 0.0) for f, h in zip(fc, present)], pairwise),
                    _count(present))
    return whole / part


def _weighted_sum(x, wc):
    """sum_k x[..., u, k] * wc[r, k] -> (R, U) for x of shape (U, k) or (R, U, k)."""
    if x.ndim == 2:
        return (x @ wc.T).T
    return np.matmul(x, wc[:, :, None])[..., 0]


def group_means(values, groups, decimals: int | None = 2):
    """Means per group and over all units (平均 sheet, seed 003), NaN ignored.

    Returns (DataFrame indexed by group label in first-appearance order, overall means (K,)).
    Units with a blank group count in the overall mean only. A column with no value in a group
    gives NaN there.
    """
    v = np.asarray(values, dtype=float)
    v2 = v.reshape(len(v), -1)
    frame = pd.DataFrame(v2)
    labels = pd.Series(np.asarray(groups, dtype=object)).replace("", np.nan)
    if len(labels) != len(v2):
        raise ValueError(f"分组个数{len(labels)}与单位数{len(v2)}不一致")
    means = frame.groupby(labels.to_numpy(), sort=False, dropna=True).mean()
    overall = frame.mean().to_numpy(dtype=float)
    if decimals is not None:
        means = pd.DataFrame(round_half_up(means.to_numpy(), decimals), index=means.index, columns=means.columns)
        overall = round_half_up(overall, decimals)
    return means, overall
