"""Ranks (排名 / 组内排名) with the ties official tables show, and rank changes.

Ties are decided on the values as displayed: pass `decimals` to round half-up first, so 89.995
and 90.00 shown as 90.00 share a rank. A NaN value gets no rank. With `groups`, a unit whose group
is blank (None, NaN or '') belongs to no group and gets no 组内排名 (NaN), rather than being ranked
against the other ungrouped units as if they formed a group.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from engine.clauses import SettingError
from engine.rounding import round_half_up

RANK_METHODS = ("competition", "dense", "ordinal")


@dataclass(frozen=True, eq=False)
class RankResult:
    rank: np.ndarray  # float, 1 = best; NaN = not ranked
    tied: np.ndarray  # bool: shares its value with another ranked unit of its group


def group_codes(groups, n: int) -> np.ndarray:
    """Integer code per unit (first-appearance order); -1 for a blank group. None -> one group."""
    if groups is None:
        return np.zeros(n, dtype=np.int64)
    g = np.asarray(groups, dtype=object)
    if g.shape != (n,):
        raise ValueError(f"分组个数{g.size}与单位数{n}不一致")
    codes, uniques = pd.factorize(g, use_na_sentinel=True)
    blank = [i for i, u in enumerate(uniques) if isinstance(u, str) and u == ""]
    codes = codes.astype(np.int64)
    if blank:
        codes[np.isin(codes, blank)] = -1
    return codes


def rank(values, method: str = "competition", ascending: bool = False, groups=None,
         decimals: int | None = None) -> RankResult:
    """Rank 1-D values, highest first unless `ascending`; within `groups` when given.

    competition 1,1,3 (并列 of official tables); dense 1,1,2; ordinal 1,2,3 (ties by input order).
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError("排名的数值应为一列")
    return rank_codes(v, group_codes(groups, len(v)), method, ascending, decimals)


def rank_codes(values: np.ndarray, codes: np.ndarray, method: str = "competition", ascending: bool = False,
               decimals: int | None = None) -> RankResult:
    """`rank` on integer group codes (-1 = no group); one sort for all groups."""
    return rank_groupings(values, [codes], method, ascending, decimals)[0]


def rank_groupings(values: np.ndarray, groupings: list[np.ndarray], method: str = "competition",
                   ascending: bool = False, decimals: int | None = None) -> list[RankResult]:
    """Rank the same values within each of several groupings of integer codes (-1 = no group),
    e.g. 排名 (one group) and 组内排名, from one sort of the values: each grouping then only
    needs a stable sort of its codes. Ties keep input order (what `ordinal` ranks by)."""
    if method not in RANK_METHODS:
        raise ValueError(f"排名方式「{method}」无效，应为 competition、dense 或 ordinal")
    v = values if decimals is None else round_half_up(values, decimals)
    key = v if ascending else -v
    idx = np.flatnonzero(~np.isnan(key))
    # Competition and dense ranks and ties do not depend on the order within a tie: an unstable
    # sort serves them; ordinal ranks break ties by input order, so they need a stable one.
    by_value = idx[np.argsort(key[idx], kind="stable" if method == "ordinal" else None)]
    return [_ranked(key, codes, by_value, method) for codes in groupings]


def _ranked(key: np.ndarray, codes: np.ndarray, by_value: np.ndarray, method: str) -> RankResult:
    """Ranks from the units sorted by value: by group (stable), then runs of equal values; each
    unit's rank comes from where its run (and its group) starts in that order."""
    order = by_value
    sg = codes[order]
    if sg.size and sg.min() < 0:
        order = order[sg >= 0]
        sg = codes[order]
    grouped = bool(sg.size) and sg.min() != sg.max()
    if grouped:
        by_group = np.argsort(sg, kind="stable")
        order, sg = order[by_group], sg[by_group]
    sk = key[order]
    n = len(order)
    new_run = np.ones(n, dtype=bool)
    np.not_equal(sk[1:], sk[:-1], out=new_run[1:])
    if grouped:
        new_group = np.ones(n, dtype=bool)
        np.not_equal(sg[1:], sg[:-1], out=new_group[1:])
        new_run |= new_group
    run_id = np.cumsum(new_run) - 1
    starts = np.flatnonzero(new_run)
    r = starts[run_id] if method == "competition" else np.arange(n) if method == "ordinal" else run_id
    if grouped:
        group_start = np.flatnonzero(new_group)[np.cumsum(new_group) - 1]
        r = r - (run_id[group_start] if method == "dense" else group_start)
    out = np.full(len(key), np.nan)
    tied = np.zeros(len(key), dtype=bool)
    out[order] = r + 1
    tied[order] = np.diff(starts, append=n)[run_id] > 1
    return RankResult(out, tied)


class PreviousRankSettings(BaseModel):
    """设置 上期排名列: the 数据 column holding last period's rank, and what it is compared with:
    `grouped` True 组内排名, False 排名, None 组内排名 when the units have rank groups."""
    model_config = ConfigDict(frozen=True)

    column: str
    grouped: bool | None = None

    @classmethod
    def parse(cls, text: str) -> "PreviousRankSettings":
        """`列名` or `列名; 组内|全部`; raises SettingError("previous", …) for another scope."""
        name, _, scope = (p.strip() for p in text.partition(";"))
        if scope not in ("", "组内", "全部"):
            raise SettingError("previous", f"比较范围「{scope}」无效，应为「组内」或「全部」")
        return cls(column=name, grouped={"": None, "组内": True, "全部": False}[scope])


def rank_change(current_rank, previous_rank) -> list[str]:
    """'上升2位' for 3 -> 1, '下降2位', '持平'; '' when either rank is missing."""
    cur = np.asarray(current_rank, dtype=float)
    prev = np.asarray(previous_rank, dtype=float)
    if cur.shape != prev.shape:
        raise ValueError("本期排名与上期排名的个数不一致")
    out = []
    for c, p in zip(cur.ravel(), prev.ravel()):
        if np.isnan(c) or np.isnan(p):
            out.append("")
        elif c < p:
            out.append(f"上升{p - c:g}位")
        elif c > p:
            out.append(f"下降{c - p:g}位")
        else:
            out.append("持平")
    return out
