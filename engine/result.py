"""What scoring returns: every score with its working, every problem, totals, grades, ranks."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .aggregate import REASONS
from .model import Indicator, Settings
from .numbers import fmt_num, fmt_pct
from .rules import MISSING, NOT_ASSESSED, OK, Ctx, Outcome

SEVERITY_ERROR, SEVERITY_HINT = "错误", "提示"


@contextmanager
def _gc_paused():
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass(frozen=True)
class Problem:
    """One line of the 问题 sheet. The workbook layer turns unit/indicator/input into a cell."""

    severity: str                   # 错误 / 提示
    message: str
    unit: int | None = None         # index of the unit
    indicator: str | None = None    # indicator key
    inputs: tuple[str, ...] = ()    # the 数据 columns concerned
    rubric_row: int | None = None   # the 细则 row concerned
    setting: str | None = None      # the 设置 key concerned


@dataclass
class Variant:
    """One rubric row applied to the units of its groups."""

    indicator: Indicator
    outcome: Outcome
    ctx: Ctx


@dataclass
class IndicatorResult:
    """One indicator (all its group variants) over all units."""

    key: str
    indicator: Indicator                 # the first variant: name, id, path
    variants: list[Variant]
    which: np.ndarray                    # the variant scoring each unit (-1: not assessed)
    score: np.ndarray
    status: np.ndarray
    value: np.ndarray
    points: np.ndarray                   # full points per unit (NaN: not assessed)
    scored: bool = True
    raw: np.ndarray | None = None        # the rule's scores before normalisation, where normalised
    norm_messages: np.ndarray | None = None   # why normalisation left a unit blank ('' when it did not)
    filled: dict[int, str] = field(default_factory=dict)    # unit -> '插补：组内均值 12.5'
    treated: dict[int, str] = field(default_factory=dict)   # unit -> '缩尾：95 → 40'
    skipped: bool = False                # its parent skips a missing value (设置 缺失值)

    @property
    def column(self) -> str:
        return self.indicator.column

    @property
    def assessed(self) -> np.ndarray:
        """Units assessed on this indicator: their group has a row, and no input said 不涉及 (na=exclude)."""
        return (self.which >= 0) & (self.status != NOT_ASSESSED)

    @property
    def shown(self) -> np.ndarray:
        """What 得分 and 评分过程 show: the score, or an unscored row's value as its rule shows it
        (a veto's 是/否, not 1/0, so a fired veto never reads as a score of 1)."""
        if self.scored:
            return self.score
        parts = [v.indicator.rule.shown(v.outcome) for v in self.variants]
        if all(p.dtype.kind == "f" for p in parts):
            return self.value
        shown = np.full(len(self.which), None, dtype=object)
        for k, part in enumerate(parts):
            rows = (self.which == k) & (self.status != NOT_ASSESSED)
            shown[rows] = part.astype(object)[rows]
        return np.where(pd.isna(shown), None, shown)

    def variant(self, i: int) -> Variant | None:
        k = self.which[i]
        return self.variants[k] if k >= 0 else None

    def explain(self, i: int) -> str:
        """The working for unit i, in words, as an evaluator writes it."""
        v = self.variant(i)
        if v is None:
            return "本单位不考核此项"
        if i in self.filled:
            return self._finish(v, i, self.filled[i])
        if v.outcome.status[i] != OK:
            return self._failed(v, i)
        return self._finish(v, i, v.indicator.rule.working(v.outcome, [i], v.indicator.points, v.ctx)[0])

    def explanations(self) -> list[str | None]:
        """The working for every unit, written a variant (a column) at a time."""
        texts: list[str | None] = [None] * len(self.which)
        for k, v in enumerate(self.variants):
            rows = np.flatnonzero(self.which == k)
            ok = rows[v.outcome.status[rows] == OK].tolist()
            many = v.indicator.rule.working(v.outcome, ok, v.indicator.points, v.ctx) if ok else []
            plain = self.raw is None and not v.outcome.notes and not self.treated
            for i, text in zip(ok, many):
                texts[i] = text if plain else self._finish(v, i, text)
            for i in rows[v.outcome.status[rows] != OK].tolist():
                texts[i] = self._finish(v, i, self.filled[i]) if i in self.filled else self._failed(v, i)
        return texts

    def _failed(self, v: Variant, i: int) -> str:
        """Why a unit has no score; a blank input its parent skips (设置 缺失值=跳过) says so."""
        text = v.outcome.messages.get(i, "无法计算")
        return f"{text}，汇总时跳过" if self.skipped and v.outcome.status[i] == MISSING else text

    def _finish(self, v: Variant, i: int, text: str) -> str:
        """Add the outlier treatment, the normalisation step and any 提示 to a unit's working."""
        if i in self.treated:
            text += f"；{self.treated[i]}"
        if self.raw is not None:
            norm = v.indicator.normalize
            how = f"标准化（{norm.method}{'，越小越好' if not norm.higher_is_better else ''}）"
            why = self.norm_messages[i] if self.norm_messages is not None else ""
            text += f"；{how}后为{fmt_num(self.score[i])}" if not why else f"；{how}：{why}"
        note = v.outcome.notes.get(i)
        return f"{text}（提示：{note}）" if note and note not in text else text

    def all_inputs_text(self) -> list[str]:
        """'名称=值；…' for every unit, built column by column."""
        out = [""] * len(self.which)
        for k, v in enumerate(self.variants):
            cols = v.outcome.cols
            if not cols:
                continue
            if len(cols) <= 2:        # the common shapes, one f-string per unit
                a = cols[0].name
                joined = ([f"{a}={x or '空'}" for x in cols[0].texts] if len(cols) == 1 else
                          [f"{a}={x or '空'}；{cols[1].name}={y or '空'}" for x, y in zip(cols[0].texts, cols[1].texts)])
            else:
                joined = ["；".join(p) for p in zip(*[[f"{c.name}={t or '空'}" for t in c.texts] for c in cols])]
            for i in np.flatnonzero(self.which == k).tolist():
                out[i] = joined[i]
        return out


@dataclass
class Result:
    units: np.ndarray
    groups: np.ndarray
    indicators: list[IndicatorResult]
    node_names: list[str]
    nodes: np.ndarray                    # (U, K) aggregate values, parents after children, root excluded
    node_reasons: np.ndarray             # (U, K) reason codes where blank (engine.aggregate.REASONS)
    total: np.ndarray
    full: np.ndarray                     # full points each unit could reach
    grade: np.ndarray
    rank: np.ndarray
    group_rank: np.ndarray
    settings: Settings
    problems: list[Problem] = field(default_factory=list)
    share: np.ndarray | None = None      # 得分率 (总分 ÷ 满分) where full points are not all 100
    ceiling: np.ndarray | None = None    # per unit: 总分上限 and fired veto totals (inf: none; NaN: blank)
    node_paths: list[tuple[str, ...]] = field(default_factory=list)  # level cells of each aggregate, as nodes

    def __len__(self) -> int:
        return len(self.units)

    def node_reason(self, unit: int, k: int) -> str:
        """Why aggregate k of a unit is blank ('' when it is not)."""
        return REASONS[int(self.node_reasons[unit, k])]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == SEVERITY_ERROR]

    def indicator(self, key_or_name: str) -> IndicatorResult:
        for ind in self.indicators:
            if key_or_name in (ind.key, ind.indicator.name, ind.column):
                return ind
        raise KeyError(key_or_name)

    def unit_index(self, name: str) -> int:
        hits = np.flatnonzero(self.units.astype(str) == name)
        if not hits.size:
            raise KeyError(name)
        return int(hits[0])

    def scores_frame(self) -> pd.DataFrame:
        """The 得分 table: 单位, 组别, indicators, aggregates, 总分, 等级, 排名, 组内排名."""
        data = {"单位": self.units, "组别": self.groups}
        for ind in self.indicators:
            data[ind.column] = ind.shown
        for k, name in enumerate(self.node_names):
            data[name if name not in data else f"{name}（小计）"] = self.nodes[:, k]
        data["总分"] = self.total
        data["等级"] = self.grade
        data["排名"] = self.rank
        data["组内排名"] = self.group_rank
        return pd.DataFrame(data)

    def working(self):
        """Yield the 评分过程 rows: (unit, indicator column, inputs, rule, score, working)."""
        with _gc_paused():      # millions of new strings, no cycles: the collector would only rescan them
            per = [(ind, ind.column, ind.explanations(), ind.all_inputs_text(),
                    [v.indicator.rule.text for v in ind.variants], ind.shown)
                   for ind in self.indicators]
        for i, unit in enumerate(self.units.tolist()):
            for ind, column, texts, inputs, rules, shown in per:
                k = ind.which[i]
                if k < 0:
                    continue
                value = shown[i]
                yield unit, column, inputs[i], rules[k], None if value != value else value, texts[i]

    def summary(self, i: int, name: str | None = None) -> str:
        """One line per unit for the command line: total, grade, rank (``name``: the unit as shown)."""
        total = "空" if np.isnan(self.total[i]) else fmt_num(self.total[i], self.settings.decimals)
        rank = "" if np.isnan(self.rank[i]) else f"，第{int(self.rank[i])}名"
        share = "" if self.share is None or np.isnan(self.share[i]) else \
            f"（满分{fmt_num(self.full[i])}，得分率{fmt_pct(self.share[i])}）"
        unit = self.units[i] if name is None else name
        return f"{unit}：总分{total}{share}{'，' + self.grade[i] if self.grade[i] else ''}{rank}"

