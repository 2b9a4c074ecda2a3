"""Bands of discretionary scores (好=8-10; 较好=6-7; 一般=<6), optionally gated by a metric."""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from .. import conditions
from ..clauses import Interval, Segment, clause_error, interval
from ..conditions import Condition, parse_condition
from ..numbers import fmt_num, fmt_pct, normalize_text, parse_number_text
from ..phrases import interval_words, score_words
from ..rounding import round_decimal_half_up
from .base import (INVALID, MISSING, OK, Ctx, InputColumn, Outcome, Rule, condition_inputs, condition_texts,
                   first_match, numeric_inputs, one_unit, percent_slips, rate_limit, read_only)

PICKS = {"max": "max", "上限": "max", "top": "max", "min": "min", "下限": "min", "mid": "mid", "中值": "mid",
         "中间": "mid"}
PICK_WORDS = {"max": "取上限", "min": "取下限", "mid": "取中值"}


class Band(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str                 # the level name, or the gate condition's text
    scores: Interval           # allowed scores
    gate: Interval | None = None
    when: Condition | None = None   # a condition on several inputs (x1>x2 且 x3=是), or 其他

    def range_text(self) -> str:
        return self.scores.text()


class BandRule(Rule):
    """Assessor's score checked against bands, a level turned into a score, or a metric-gated band."""

    KIND: ClassVar[str] = "band"
    LABELLED: ClassVar[bool] = True
    NAMES: ClassVar[tuple[str, ...]] = ("档次", "档位", "分档")
    OPTIONS: ClassVar[dict[str, str]] = {"pick": "pick", "取值": "pick"}

    bands: tuple[Band, ...]
    pick: Literal["max", "min", "mid"] = "max"

    @property
    def gated(self) -> bool:
        return self.bands[0].gate is not None or self.bands[0].when is not None

    @property
    def conditional(self) -> bool:
        """Gated on conditions over several inputs (x1>x2 且 x3=是) rather than on one metric."""
        return self.bands[0].when is not None

    def condition_inputs(self) -> int:
        """How many inputs the conditions read (x1 … xk); the assessor's score may follow."""
        return max([max(b.when.inputs(), default=0) + 1 for b in self.bands if b.when is not None] or [1])

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "BandRule":
        bands, pick = [], "max"
        for seg in segments:
            if "pick" in seg.options:
                pick = PICKS.get(seg.options["pick"].lower())
                if pick is None:
                    raise clause_error(text, seg, f"pick（取值）应为 max/min/mid（上限/下限/中值），而不是「{seg.options['pick']}」")
            if not seg.clause:
                continue
            try:
                if "=>" in seg.clause:
                    cond, _, rng = seg.clause.partition("=>")
                    when = parse_condition(cond)
                    bands.append(Band(label=cond.strip(), gate=when.simple, when=None if when.simple else when,
                                      scores=interval(rng)))
                elif "=" in seg.clause:
                    label, _, rng = seg.clause.partition("=")
                    if not label.strip():
                        raise ValueError("缺少档次名称")
                    bands.append(Band(label=label.strip(), scores=interval(rng)))
                else:
                    raise ValueError("应写成「档次=分数区间」或「条件 => 分数区间」")
            except ValueError as exc:
                raise clause_error(text, seg, str(exc)) from None
        if not bands:
            raise clause_error(text, Segment(1, "", {}), "至少需要一个档次")
        if len({b.gate is None and b.when is None for b in bands}) > 1:
            raise clause_error(text, segments[-1], "不能混用「档次=区间」和「条件 => 区间」")
        if any(b.when is not None for b in bands):     # one condition form throughout: x1 for a bare interval
            bands = [b if b.when is not None else b.model_copy(update={"gate": None, "when": parse_condition(b.label)})
                     for b in bands]
        labels = [b.label for b in bands if b.gate is None]
        if len(set(labels)) != len(labels):
            raise clause_error(text, segments[0], "档次名称重复")
        return cls(text=text, bands=tuple(bands), pick=pick)

    def arity(self) -> tuple[int, int]:
        if self.conditional:
            k = self.condition_inputs()
            return (k, k + 1)
        return (1, 2)

    def reading(self, points):
        pick = {"max": "取该档上限", "min": "取该档下限", "mid": "取该档中值"}[self.pick]
        if self.conditional:
            parts = [f"{conditions.reading(b.when)}：{score_words(b.scores)}" for b in self.bands]
            k = self.condition_inputs()
            return (f"按条件选档（依次判断，取第一个满足的）：{'；'.join(parts)}；评分人在档内评分（第{k + 1}个输入），"
                    f"未评分时{pick}")
        if self.gated:
            parts = [f"第1个输入{interval_words(b.gate)}：{score_words(b.scores)}" for b in self.bands]
            return f"按第1个输入选档：{'；'.join(parts)}；评分人在档内评分（第2个输入），未评分时{pick}"
        parts = [f"{b.label}{score_words(b.scores)}" for b in self.bands]
        gaps = self._gaps(points) if points is not None else []
        tail = f"；落在档次空档（{'、'.join(gaps)}）内的分数视为错误" if gaps else ""
        return f"评分人评定档次和分数：{'，'.join(parts)}；分数须落在所评档次内，只填档次时{pick}{tail}"

    # -- geometry of the bands ---------------------------------------------------------------
    def bounds(self, band: Band, points: Decimal | None) -> tuple[Decimal, bool, Decimal | None, bool]:
        """(lo, lo_open, hi, hi_open): open-down bands start at 0, open-up bands end at the points."""
        s = band.scores
        lo = s.lo if s.lo is not None else Decimal(0)
        hi = s.hi if s.hi is not None else points
        return lo, s.lo_open, hi, s.hi_open

    def _unit(self, decimals: int) -> Decimal:
        """The smallest score step: 1 where every bound is whole, else one unit of the last decimal."""
        ends = [e for b in self.bands for e in (b.scores.lo, b.scores.hi) if e is not None]
        return Decimal(1) if all(e == e.to_integral_value() for e in ends) else Decimal(1).scaleb(-decimals)

    def picked(self, band: Band, points: Decimal | None, decimals: int) -> Decimal | None:
        lo, lo_open, hi, hi_open = self.bounds(band, points)
        if hi is None:
            return None
        unit = self._unit(decimals)
        top = hi - unit if hi_open else hi
        bottom = lo + unit if lo_open else lo
        if top < bottom or top < 0:
            return None                       # e.g. '<0': no score the band allows
        if self.pick == "max":
            return top
        if self.pick == "min":
            return bottom
        return round_decimal_half_up((bottom + top) / 2, decimals)

    @lru_cache(maxsize=64)
    def _picks(self, points: Decimal | None, decimals: int) -> tuple[float, ...]:
        """The score a named level gives, per band (NaN where the band allows none)."""
        return tuple(np.nan if v is None else float(v) for v in (self.picked(b, points, decimals) for b in self.bands))

    def remarks(self, points: Decimal | None) -> list[tuple[str, str]]:
        out = []
        spans = [(self.bounds(b, points), b.label) for b in self.bands]
        for k, ((lo, lo_open, hi, hi_open), label) in enumerate(spans):
            if points is not None and hi is not None and hi > points:
                out.append(("错误", f"档次「{label}」的上限{fmt_num(hi)}超过分值{fmt_num(points)}"))
            for (lo2, lo2_open, hi2, hi2_open), label2 in spans[k + 1:]:
                if self.gated or hi is None or hi2 is None:
                    continue
                a_lo, a_hi = max(lo, lo2), min(hi, hi2)
                touching = a_lo == a_hi and not ((a_lo == hi and hi_open) or (a_lo == hi2 and hi2_open)
                                                 or (a_lo == lo and lo_open) or (a_lo == lo2 and lo2_open))
                if a_lo < a_hi or touching:
                    where = fmt_num(a_lo) if a_lo == a_hi else f"{fmt_num(a_lo)}-{fmt_num(a_hi)}"
                    out.append(("提示", f"档次「{label}」与「{label2}」在{where}分处重叠，该分数两档均可"))
        if not self.gated:
            # a gap between whole numbers, such as (7,8), only a fractional score can fall into: an
            # evaluator who scores in whole points never meets it, so it is no problem of the rubric
            gaps = [g for g in self._gaps(points) if not _between_whole_numbers(g)]
            if gaps:
                out.append(("提示", "档次之间有空档：" + "、".join(gaps) + "；落在空档内的得分将报错"))
        return out

    def _gaps(self, points: Decimal | None) -> list[str]:
        """Stretches of [0, points] that no band covers."""
        spans = sorted((self.bounds(b, points) for b in self.bands), key=lambda s: (s[0], s[1]))
        gaps, reach, closed = [], Decimal(0), False   # [0, reach] covered (reach itself iff closed)
        for lo, lo_open, hi, hi_open in spans:
            if hi is None:
                continue
            if lo > reach:
                gaps.append(f"{'(' if closed else '['}{fmt_num(reach)},{fmt_num(lo)}{']' if lo_open else ')'}")
            elif lo == reach and lo_open and not closed:
                gaps.append(fmt_num(lo))
            if hi > reach:
                reach, closed = hi, not hi_open
            elif hi == reach:
                closed = closed or not hi_open
        if points is not None and (reach < points or (reach == points and not closed)):
            gaps.append(f"{'(' if closed else '['}{fmt_num(reach)},{fmt_num(points)}]")
        return gaps

    # -- scoring -----------------------------------------------------------------------------
    def evaluate(self, cols: list[InputColumn], points: Decimal | None, ctx: Ctx) -> Outcome:
        out = Outcome.empty(ctx.n)
        if self.gated:
            return self._evaluate_gated(cols, points, ctx, out)
        levels = np.full(ctx.n, -1, dtype=np.int32)        # the band an assessor named
        scores, bad = cols[-1].numbers if len(cols) == 2 else cols[0].numbers
        if len(cols) == 1 and bad.any():                   # '较好 7' in the column: scores written below
            scores = scores.copy()
        if len(cols) == 2:
            self._read_levels(cols[0], levels, None, out, ctx)
            out.fail(ctx.rows & cols[0].blank & cols[1].blank, MISSING,
                     f"缺少输入「{cols[0].name}」「{cols[1].name}」")
            out.fail(ctx.rows & bad, INVALID, lambda i: f"输入「{cols[1].name}」的值「{cols[1].text(i)}」不是数值")
        else:
            out.fail(ctx.rows & cols[0].blank, MISSING, f"缺少输入「{cols[0].name}」")
            self._read_levels(cols[0], levels, scores, out, ctx, only=bad)
        self._score(scores, levels, points, ctx, out)
        return out

    def _read_levels(self, col: InputColumn, levels, scores, out: Outcome, ctx: Ctx, only=None) -> None:
        """Level names (and '较好 7' pairs) in a text column."""
        labels = {normalize_text(b.label): k for k, b in enumerate(self.bands)}
        idx = np.flatnonzero(ctx.rows & ~col.blank & (only if only is not None else True))
        for i in idx.tolist():
            parts = normalize_text(col.text(i)).split()
            k = labels.get(parts[0]) if parts else None
            if k is None or len(parts) > 2:
                out.fail(one_unit(ctx.n, i), INVALID,
                         f"「{col.text(i)}」不是档次名称或分数（档次：{'、'.join(b.label for b in self.bands)}）")
                continue
            levels[i] = k
            if len(parts) == 2 and scores is not None:
                try:
                    scores[i] = float(parse_number_text(parts[1]))
                except ValueError:
                    out.fail(one_unit(ctx.n, i), INVALID, f"「{col.text(i)}」中的分数不是数值")

    def _score(self, scores, levels, points, ctx: Ctx, out: Outcome) -> None:
        """Vectorised: check assessor scores against the bands, or turn named levels into scores."""
        member, first, hits = self._membership(scores, points)
        live = ctx.rows & (out.status == OK)
        has_score = live & ~np.isnan(scores)
        named = levels >= 0
        any_named = bool(named.any())
        with np.errstate(invalid="ignore"):
            outside = has_score & ((scores < 0) | (scores > float(points))) if points is not None \
                else has_score & (scores < 0)
        out.fail(outside, INVALID, lambda i: f"得分{fmt_num(scores[i])}超出0-{fmt_num(points)}分")
        if any_named:
            at = np.flatnonzero(has_score & named)
            in_named = np.zeros(ctx.n, dtype=bool)
            in_named[at] = member[levels[at], at]
            out.fail(has_score & named & ~in_named, INVALID, lambda i: (
                f"得分{fmt_num(scores[i])}不在「{self.bands[levels[i]].label}」档（{self.bands[levels[i]].range_text()}分）内"))
        everywhere = self._all_text()
        out.fail(has_score & ~named & (hits == 0), INVALID,
                 lambda i: f"得分{fmt_num(scores[i])}不在任何档次内（{everywhere}）")
        ok = has_score & (out.status == OK)
        fired = np.where(named, levels, first) if any_named else first
        fired[~ok] = -1
        out.fired = fired
        out.score = np.where(ok, scores, np.nan)
        for i in np.flatnonzero(ok & ~named & (hits > 1)).tolist():
            out.notes[i] = ("得分" + fmt_num(scores[i]) + "位于"
                            + "、".join(f"「{self.bands[h].label}」" for h in np.flatnonzero(member[:, i])) + "档重叠处")
        want = live & ~has_score & named & (out.status == OK) if any_named else named
        if any_named:
            safe_levels = np.where(named, levels, 0)
            picks = np.array(self._picks(points, ctx.decimals))
            out.fail(want & np.isnan(picks[safe_levels]), INVALID, lambda i: (
                "未设分值，无法取档次上限" if points is None else f"「{self.bands[levels[i]].label}」档内没有可取的分数"))
            want &= out.status == OK
            out.score = np.where(want, picks[safe_levels], out.score)
            out.fired = np.where(want, levels, out.fired)
        out.extra["picked"] = want
        out.score = read_only(out.score)
        out.value = read_only(out.score)

    def _membership(self, scores, points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which bands each score lies in (bands × units), the first such band (-1: none) and how
        many. Raw scores against written bounds: float order is exact."""
        n = len(scores)
        member = np.zeros((len(self.bands), n), dtype=bool)
        hits = np.zeros(n, dtype=np.int16)
        with np.errstate(invalid="ignore"):
            for k, band in enumerate(self.bands):
                lo, lo_open, hi, hi_open = self.bounds(band, points)
                ok = member[k]
                (np.greater if lo_open else np.greater_equal)(scores, float(lo), out=ok)
                if hi is not None:
                    ok &= (scores < float(hi)) if hi_open else (scores <= float(hi))
                hits += ok
        return member, first_match(member, n), hits

    def _evaluate_conditions(self, cols, points, ctx: Ctx, out: Outcome) -> Outcome:
        """The first band whose condition over the inputs x1 … xk holds; then the score, if given."""
        k = self.condition_inputs()
        numbers, answers = condition_inputs([b.when for b in self.bands], cols[:k], out, ctx)
        chosen = first_match((conditions.evaluate(b.when, numbers, answers) for b in self.bands), ctx.n)
        out.fail(ctx.rows & (chosen < 0), INVALID, "不满足任何条件")
        scores = np.full(ctx.n, np.nan)
        if len(cols) > k:
            scores, bad = cols[k].numbers
            out.fail(ctx.rows & bad, INVALID, lambda i: f"输入「{cols[k].name}」的值「{cols[k].text(i)}」不是数值")
        self._score(scores, chosen, points, ctx, out)
        return out

    def _evaluate_gated(self, cols, points, ctx: Ctx, out: Outcome) -> Outcome:
        if self.conditional:
            return self._evaluate_conditions(cols, points, ctx, out)
        metric_col = cols[0]
        metric = numeric_inputs([metric_col], out, ctx)[0]
        gates = [b.gate for b in self.bands]
        if any(g.pct for g in gates):
            percent_slips(metric_col, metric, out, ctx, rate_limit([x for g in gates for x in (g.lo, g.hi)],
                                                                   open_above=any(g.hi is None for g in gates)))

        def inside(g):
            ok = np.ones(ctx.n, dtype=bool)
            with np.errstate(invalid="ignore"):
                if g.lo is not None:
                    ok &= (metric > float(g.lo)) if g.lo_open else (metric >= float(g.lo))
                if g.hi is not None:
                    ok &= (metric < float(g.hi)) if g.hi_open else (metric <= float(g.hi))
            return ok
        chosen = first_match((inside(b.gate) for b in self.bands), ctx.n)
        out.fail(ctx.rows & ~np.isnan(metric) & (chosen < 0), INVALID,
                 lambda i: f"「{metric_col.name}」={metric_col.text(i)}不满足任何条件")
        out.extra["metric"] = metric
        if len(cols) == 2:
            scores, bad = cols[1].numbers
            out.fail(ctx.rows & bad, INVALID, lambda i: f"输入「{cols[1].name}」的值「{cols[1].text(i)}」不是数值")
        else:
            scores = np.full(ctx.n, np.nan)
        self._score(scores, chosen, points, ctx, out)
        return out

    def _all_text(self) -> str:
        return "；".join(f"{b.label}={b.range_text()}" for b in self.bands)

    def explain(self, out: Outcome, i: int, points, ctx: Ctx) -> str:
        k = out.fired[i]
        band = self.bands[k]
        score = fmt_num(out.score[i], ctx.decimals)
        if self.conditional:
            k = self.condition_inputs()
            texts = condition_texts([b.when for b in self.bands], out.cols[:k])
            shown = "，".join(f"{c.name}={t[i]}" for c, t in zip(out.cols[:k], texts))
            head = f"{shown}，满足「{band.label}」，适用{band.range_text()}分档"
            return f"{head}，{PICK_WORDS[self.pick]}得{score}分" if out.extra["picked"][i] else f"{head}，评定得分{score}分"
        if self.gated:
            metric = out.extra["metric"][i]
            shown = fmt_pct(metric) if band.gate.pct else fmt_num(metric)
            head = f"{out.cols[0].name if out.cols else ctx.label}={shown}，满足「{band.label}」，适用{band.range_text()}分档"
            return f"{head}，{PICK_WORDS[self.pick]}得{score}分" if out.extra["picked"][i] else f"{head}，评定得分{score}分"
        note = out.notes.get(i)
        if note:
            return f"评定得分{score}分，{note}"
        if out.extra["picked"][i]:
            return f"评定为「{band.label}」档（{band.range_text()}分），{PICK_WORDS[self.pick]}得{score}分"
        return f"评定得分{score}分，属「{band.label}」档（{band.range_text()}分）"


def _between_whole_numbers(gap: str) -> bool:
    """An open gap (n,n+1) between consecutive whole numbers, as _gaps writes it."""
    m = re.fullmatch(r"\((\d+),(\d+)\)", gap)
    return m is not None and int(m.group(1)) + 1 == int(m.group(2))
