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
from functools import cached_property

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

    `points` (U, L): the leaves' full points, used where a `scale` node scales a partial sum."""
    leaf, mask = check_leaf_inputs(tree, leaf_scores, assessed)
    w = resolve_weights(tree, weights)[None, :]
    node_vals, node_assessed, reasons = aggregate_runs(
        tree, leaf, mask, w, decimals, round_each_level, coefficient, with_reasons=True, points=points)
    values = np.empty((leaf.shape[0], tree.n))
    values[:, : tree.n_leaves] = np.where(mask, leaf, np.nan)
    reason = np.zeros(values.shape, dtype=np.int8)
    reason[:, : tree.n_leaves] = np.where(~mask, NOT_ASSESSED, np.where(np.isnan(leaf), MISSING_SCORE, OK))
    for p in range(tree.n_leaves, tree.n):
        values[:, p] = node_vals[p][0]
        reason[:, p] = reasons[p][0]
    return AggregateResult(values, node_assessed, reason)


def check_leaf_inputs(tree: Tree, leaf_scores, assessed):
    """(leaf, mask) as float and bool (U, L) arrays; a wrong shape is a Chinese ValueError, since
    both the one-off aggregation and the sensitivity runs take these straight from callers."""
    leaf = np.asarray(leaf_scores, dtype=float)
    if leaf.ndim != 2 or leaf.shape[1] != tree.n_leaves:
        raise ValueError(f"末级得分应为 单位数×{tree.n_leaves} 的表，实际形状为{leaf.shape}")
    if assessed is None:
        return leaf, np.ones(leaf.shape, dtype=bool)
    mask = np.asarray(assessed, dtype=bool)
    if mask.shape != leaf.shape:
        raise ValueError(f"是否评估表的形状{mask.shape}与末级得分{leaf.shape}不一致")
    return leaf, mask


def _node_points(tree: Tree, mask, points) -> np.ndarray:
    """(U, N) full points: the leaves' own, an aggregate's the sum over its assessed children (NaN unknown)."""
    full = np.full((mask.shape[0], tree.n), np.nan)
    if points is not None:
        full[:, : tree.n_leaves] = np.where(mask, np.asarray(points, dtype=float), 0.0)
    for p in range(tree.n_leaves, tree.n):
        full[:, p] = full[:, tree.children[p]].sum(-1)
    return full


def aggregate_runs(tree, leaf, mask, w, decimals, round_each_level, coefficient=None, with_reasons=False,
                    points=None):
    """Aggregate for R weight sets at once: w is (R, N) effective weights.

    Returns node values {node: (R, U)}, node assessed (U, N) and, if asked, reasons {node: (R, U)}.
    Which children a unit is assessed on does not depend on the weights, so leaf-level parents are
    two matrix products over all runs.
    """
    n_runs, n_units = w.shape[0], leaf.shape[0]
    node_assessed = np.zeros((n_units, tree.n), dtype=bool)
    node_assessed[:, : tree.n_leaves] = mask
    leaf0 = np.where(mask & ~np.isnan(leaf), leaf, 0.0)
    full = _node_points(tree, mask, points) if "scale" in tree.missing else None
    vals, reasons = {}, {}
    root = tree.n - 1
    for p in range(tree.n_leaves, tree.n):
        c = tree.children[p]
        m = node_assessed[:, c]                       # (U, k)
        if c.max() < tree.n_leaves:                   # children shared by every run
            x, x0 = leaf[:, c], leaf0[:, c]           # (U, k)
        else:
            x = np.stack([vals[i] if i >= tree.n_leaves else np.broadcast_to(leaf[:, i], (n_runs, n_units))
                          for i in c], axis=-1)       # (R, U, k)
            x0 = np.where(m & ~np.isnan(x), x, 0.0)
        skips = tree.missing[p] != "blank"
        if skips:                                     # a blank child is left out, not fatal
            present = m & ~np.isnan(x)
            n_present, n_assessed = present.sum(-1), m.sum(-1)
            too_few = n_present < tree.min_share[p] * n_assessed - 1e-9 if not np.isnan(tree.min_share[p]) \
                else np.zeros(n_present.shape, dtype=bool)
            blank = (n_present == 0) & (n_assessed > 0)
            m = present
        else:
            too_few = np.zeros((), dtype=bool)
            blank = (np.isnan(x) & m).any(-1)
        negative = np.zeros((), dtype=bool)
        den = None
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if tree.method[p] == "sum":
                v = x0.sum(-1)
                if skips:
                    v = v * _scale(full, c, node_assessed[:, c], present)
            else:
                wc = w[:, c]                          # (R, k)
                den = _weighted_sum(m.astype(float), wc)   # (R, U)
                if tree.method[p] == "wmean":
                    v = _weighted_sum(x0, wc) / den
                else:
                    negative = (m & (x < 0)).any(-1)
                    logs = np.log(np.where(m & (x > 0), x, 1.0))
                    v = np.exp(_weighted_sum(logs, wc) / den)
                    zero = np.where(m & (x == 0), 1.0, 0.0)
                    v = np.where(_weighted_sum(zero, (wc > 0).astype(float)) > 0, 0.0, v)
            assessed_p = node_assessed[:, c].any(-1)
            node_assessed[:, p] = assessed_p
            bad = ~assessed_p | blank | negative | too_few
            if den is not None:
                bad = bad | (den <= 0)
            if p == root and coefficient is not None:
                coef = np.asarray(coefficient, dtype=float)
                v = v * coef
                bad = bad | np.isnan(coef)
            v = np.where(bad, np.nan, np.broadcast_to(v, (n_runs, n_units)))
        if decimals is not None and (round_each_level or p == root):
            v = round_half_up(v, decimals)
        vals[p] = v
        if with_reasons:
            r = np.where(den <= 0, ZERO_WEIGHT, OK) if den is not None else np.zeros(v.shape, dtype=np.int8)
            if p == root and coefficient is not None:
                r = np.where(np.isnan(coef), MISSING_COEFFICIENT, r)
            r = np.where(negative, NEGATIVE_CHILD, r)
            r = np.where(blank, MISSING_CHILD, r)
            r = np.where(too_few & ~blank, TOO_FEW_CHILDREN, r)
            reasons[p] = np.broadcast_to(np.where(~assessed_p, NOT_ASSESSED, r), (n_runs, n_units)).astype(np.int8)
    return vals, node_assessed, reasons


def _scale(full, c, assessed, present):
    """按比例折算: full points of the assessed children / those of the present ones (counts when unknown)."""
    fc = np.where(assessed, full[:, c], 0.0)                  # (U, k)
    known = ~np.isnan(fc).any(-1) & (fc.sum(-1) > 0)
    whole = np.where(known, fc.sum(-1), assessed.sum(-1))
    part = np.where(known, np.where(present, np.nan_to_num(fc), 0.0).sum(-1), present.sum(-1))
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
