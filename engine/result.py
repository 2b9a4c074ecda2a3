"""What scoring returns: every score with its working, every problem, totals, grades, ranks."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, compress

import numpy as np
import pandas as pd

from .aggregate import REASONS
from .model import Indicator, Settings
from .numbers import fmt_num, fmt_pct
from .rules import MISSING, NOT_ASSESSED, OK, Ctx, Outcome
from .rules.base import by_distinct

SEVERITY_ERROR, SEVERITY_HINT = "错误", "提示"
_BLOCK = 8192       # units per block of the 评分过程 row stream (bounds its extra memory)


@contextmanager
def _gc_paused():
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _cells(values: np.ndarray) -> list:
    """Values as cells: Python floats or texts, None where blank (NaN)."""
    if values.dtype.kind == "f":
        blank = np.isnan(values)
        if not blank.any():
            return values.tolist()
        values = values.astype(object)
        values[blank] = None
        return values.tolist()
    return [None if v is None or v != v else v for v in values.tolist()]


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
    _texts: list[str | None] | None = field(default=None, init=False, repr=False, compare=False)

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
        """The working for every unit (None where not assessed), written once: 评分过程 and the
        评分表 cards of a report read the same list (callers must not change it)."""
        if self._texts is None:
            self._texts = self._written()
        return self._texts

    def _written(self) -> list[str | None]:
        """The workings, a variant (a column) at a time."""
        texts = np.full(len(self.which), None, dtype=object)
        for k, v in enumerate(self.variants):
            rows = np.flatnonzero(self.which == k)
            good = v.outcome.status[rows] == OK
            ok = rows[good].tolist()
            many = v.indicator.rule.working(v.outcome, ok, v.indicator.points, v.ctx) if ok else []
            if self.raw is not None or v.outcome.notes or self.treated:
                many = [self._finish(v, i, text) for i, text in zip(ok, many)]
            elif len(ok) == len(texts):         # one variant, every unit scored: the column as written
                return many
            texts[ok] = np.fromiter(many, dtype=object, count=len(ok))
            for i in rows[~good].tolist():
                texts[i] = self._finish(v, i, self.filled[i]) if i in self.filled else self._failed(v, i)
        return texts.tolist()

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

    def rule_texts(self) -> str | list[str | None]:
        """The rule text scoring every unit (None where not assessed); one text when one rule scores all."""
        texts = [v.indicator.rule.text for v in self.variants]
        if len(texts) == 1 and (self.which == 0).all():
            return texts[0]
        return np.array([*texts, None], dtype=object)[self.which].tolist()   # which = -1 takes the None

    def all_inputs_text(self) -> list[str]:
        """'名称=值；…' for every unit ('' where no variant with inputs scores it), built column by column."""
        out = None
        for k, v in enumerate(self.variants):
            cols = v.outcome.cols
            if not cols:
                continue
            rows = self.which == k
            joined = by_distinct([c.raw for c in cols], np.flatnonzero(rows), lambda reps: _inputs_said(cols, reps))
            if rows.all():
                return joined
            if out is None:
                out = np.full(len(self.which), "", dtype=object)
            out[rows] = np.fromiter(joined, dtype=object, count=len(joined))
        return [""] * len(self.which) if out is None else out.tolist()


def _inputs_said(cols, idx: list[int]) -> list[str]:
    """'名称=值；…' of the units idx (blank: 空): one f-string per unit for the common shapes."""
    texts = [c.texts if len(idx) == len(c) else [c.texts[i] for i in idx] for c in cols]
    a = cols[0].name
    if len(cols) == 1:
        return [f"{a}={x or '空'}" for x in texts[0]]
    if len(cols) == 2:
        return [f"{a}={x or '空'}；{cols[1].name}={y or '空'}" for x, y in zip(*texts)]
    return ["；".join(p) for p in zip(*[[f"{c.name}={t or '空'}" for t in ts] for c, ts in zip(cols, texts)])]


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
        """The 评分过程 rows, unit by unit and indicators in order, leaving out units an indicator does
        not assess: (unit, indicator column, inputs, rule, score, working); the score is a float, a
        text (a veto's 是/否) or None for a blank.

        Millions of rows: each is assembled from whole columns a block of units at a time with list
        slicing, ``zip`` and ``compress``, so no Python code runs per row. Lazy like a generator:
        nothing is worked out before the first row is asked for.
        """
        return chain.from_iterable(self._working_blocks())

    def _working_blocks(self):
        """One iterator of rows per block of units (see ``working``)."""
        with _gc_paused():      # millions of new strings, no cycles: the collector would only rescan them
            per = [(ind.explanations(), ind.all_inputs_text()) for ind in self.indicators]
        if not per:
            return
        n_ind, units = len(per), self.units
        heads = [ind.column for ind in self.indicators]
        rules = [ind.rule_texts() for ind in self.indicators]
        fixed = all(type(r) is str for r in rules)          # one rule per indicator for every unit
        shown = [ind.shown for ind in self.indicators]
        floats = all(v.dtype.kind == "f" for v in shown)
        scores = np.column_stack(shown) if floats else None  # unit-major already: a block is one ravel
        assessed = np.column_stack([ind.which >= 0 for ind in self.indicators])
        for a in range(0, len(units), _BLOCK):
            b = min(a + _BLOCK, len(units))
            m = b - a
            inputs, text = [None] * (m * n_ind), [None] * (m * n_ind)
            rule = rules * m if fixed else [None] * (m * n_ind)
            score = _cells(scores[a:b].ravel()) if floats else [None] * (m * n_ind)
            for k, (texts, inputs_k) in enumerate(per):
                inputs[k::n_ind] = inputs_k[a:b]
                text[k::n_ind] = texts[a:b]
                if not fixed:
                    rule[k::n_ind] = [rules[k]] * m if type(rules[k]) is str else rules[k][a:b]
                if not floats:
                    score[k::n_ind] = _cells(shown[k][a:b])
            rows = zip(np.repeat(units[a:b], n_ind).tolist(), heads * m, inputs, rule, score, text)
            mask = assessed[a:b]
            yield rows if mask.all() else compress(rows, mask.ravel().tolist())

    def summary(self, i: int, name: str | None = None) -> str:
        """One line per unit for the command line: total, grade, rank (``name``: the unit as shown)."""
        total = "空" if np.isnan(self.total[i]) else fmt_num(self.total[i], self.settings.decimals)
        rank = "" if np.isnan(self.rank[i]) else f"，第{int(self.rank[i])}名"
        share = "" if self.share is None or np.isnan(self.share[i]) else \
            f"（满分{fmt_num(self.full[i])}，得分率{fmt_pct(self.share[i])}）"
        unit = self.units[i] if name is None else name
        return f"{unit}：总分{total}{share}{'，' + self.grade[i] if self.grade[i] else ''}{rank}"

