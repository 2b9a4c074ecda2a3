"""Bonus (加分): per item with its own cap, the highest level of a table once, steps above a target,
optionally only once a target is met. A bonus adds on top of the base points."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar, Literal

import numpy as np

from .. import conditions, exact
from ..clauses import Segment, clause_error, number
from ..conditions import Condition, parse_condition
from ..numbers import FALSE_WORDS, fmt_num, fmt_nums, fmt_pct, normalize_text
from ..phrases import amount, step_words
from .base import (INVALID, MISSING, OK, ColumnWorking, Outcome, Rule, condition_inputs, numeric_inputs,
                   RATE_OPTIONS, ROUNDS, merged_options, one_unit, rate_columns, rate_limit, rate_options, rate_texts)

LEVEL_SPLIT = re.compile(r"[、,;/\s]+")          # a cell naming several levels: 省级、国家级
NO_LEVEL = ("没有",)                                  # a level cell saying there is none, beside the 否 words


class BonusRule(ColumnWorking, Rule):
    """加分: count × each, the highest level once, or steps above a target; at most cap."""

    KIND: ClassVar[str] = "bonus"
    LABELLED: ClassVar[bool] = True
    NAMES: ClassVar[tuple[str, ...]] = ("加分", "加分项")
    OPTIONS: ClassVar[dict[str, str]] = {"each": "each", "每项": "each", "每次": "each", "cap": "cap",
                                         "最多加": "cap", "上限": "cap", "per": "per", "每": "per", "at": "at",
                                         "目标": "at", "起点": "at", "round": "round", "取整": "round",
                                         "if": "if_", "条件": "if_", "by": "by", "计法": "by", **RATE_OPTIONS}
    bonus: ClassVar[bool] = True

    each: Decimal | None = None
    levels: tuple[tuple[str, Decimal], ...] = ()
    by: Literal["level", "count"] = "level"    # count: one count per level, each item at its level's points
    per: Decimal | None = None
    at: Decimal | None = None
    round: Literal["up", "down"] = "down"
    cap: Decimal | None = None
    if_: Condition | None = None
    pct: bool = False
    rate_dp: int | None = None
    rate: Literal["ratio", "change"] = "ratio"
    rate_max: Decimal | None = None     # as for the rate kinds: the largest rate one cell may hold

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "BonusRule":
        opts = merged_options(text, segments)
        first = segments[0] if segments else Segment(1, "", {})
        levels = []
        for seg in segments:
            if not seg.clause:
                continue
            label, sep, value = seg.clause.partition("=")
            if not sep or not label.strip():
                raise clause_error(text, seg, "加分级别应写成「级别=分数」，如 国家级=3")
            try:
                levels.append((normalize_text(label).strip(), number(value, "加分")))
            except ValueError as exc:
                raise clause_error(text, seg, str(exc)) from None
        fields: dict = {"levels": tuple(levels)}
        try:
            for key, what in (("each", "每项加分"), ("cap", "加分上限"), ("per", "步长"), ("at", "目标值")):
                if key in opts:
                    fields[key] = number(opts[key], what)
            if "round" in opts:
                if opts["round"].lower() not in ROUNDS:
                    raise ValueError(f"round（取整）应为 up/down（向上/向下），而不是「{opts['round']}」")
                fields["round"] = ROUNDS[opts["round"].lower()]
            if "by" in opts:
                by = {"level": "level", "最高级别": "level", "count": "count", "件数": "count", "逐项": "count"}
                if opts["by"].lower() not in by:
                    raise ValueError(f"by（计法）应为 level/count（最高级别/件数），而不是「{opts['by']}」")
                fields["by"] = by[opts["by"].lower()]
            if "if_" in opts:
                cond = opts["if_"].strip()
                fields["if_"] = parse_condition(cond)
        except ValueError as exc:
            raise clause_error(text, first, str(exc)) from None
        if levels and "each" in fields:
            raise clause_error(text, first, "级别表与 each=（每项加分）只能用一种")
        if not levels and "each" not in fields:
            raise clause_error(text, first, "需要 each=（每项加分）或级别表（如 国家级=3; 省级=2）")
        if fields.get("by") == "count" and not levels:
            raise clause_error(text, first, "by=count（按件数）需要级别表（如 国家级=1; 省级=0.5）")
        if ("per" in fields) != ("at" in fields):
            raise clause_error(text, first, "超目标加分需要同时给出 per=（每档）和 at=（目标值）")
        if fields.get("per") is not None and fields["per"] <= 0:
            raise clause_error(text, first, "per 必须大于0")
        fields["pct"] = "%" in opts.get("per", "") or "%" in opts.get("at", "")
        return cls(text=text, **fields, **rate_options(text, segments, opts))

    def reading(self, points):
        cap = self.cap_for(points)
        top = f"，最多加{fmt_num(cap)}分" if cap is not None else "，不设上限"
        if self.levels and self.by == "count":
            table = "、".join(f"{label}每项{fmt_num(v)}分" for label, v in self.levels)
            names = "、".join(label for label, _ in self.levels)
            what = f"按各级别的项数逐项加分：{table}（输入依次为{names}的项数）"
        elif self.levels:
            table = "、".join(f"{label}{fmt_num(v)}分" for label, v in self.levels)
            what = f"按获得的最高级别加分一次：{table}（同时有多个级别只按最高计，没有填 无）"
        elif self.per is not None:
            unit, steps = step_words(self.per, self.pct, self.round == "up")
            at = amount(self.at, self.pct)
            what = f"第{self.gate_inputs() + 1}个输入超过{at}后，每超过{unit}加{fmt_num(self.each)}分（{steps}）；未超过{at}不加分"
        else:
            what = f"每项加{fmt_num(self.each)}分（输入为项数）"
        gate = f"仅当{conditions.reading(self.if_)}时加分；" if self.if_ is not None else ""
        return f"加分项：{gate}{what}{top}；加分计入总分，不占基础分值"

    def needs_points(self) -> bool:
        return False

    def gate_inputs(self) -> int:
        return 1 if self.if_ is not None else 0

    def arity(self) -> tuple[int, int]:
        g = self.gate_inputs()
        if self.by == "count":
            return (g + len(self.levels), g + len(self.levels))
        return (g + 1, g + 2) if self.per is not None else (g + 1, g + 1)

    def cap_for(self, points) -> Decimal | None:
        """The most this row adds: cap=, else the row's 分值 when one is given."""
        return self.cap if self.cap is not None else points

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        g = self.gate_inputs()
        gate = np.ones(ctx.n, dtype=bool)
        if g:
            numbers, answers = condition_inputs([self.if_], cols[:1], out, ctx)
            gate = conditions.evaluate(self.if_, numbers, answers)
        main = cols[g:]
        if self.levels and self.by == "count":
            counts = self._counts(main, out, ctx)
            each = [ops_v for _, ops_v in self.levels]
            raw = exact.run(lambda ops, *cs: [sum((c * ops.const(v) for c, v in zip(cs, each)), ops.const(0))],
                            counts, ctx.rows & (out.status == OK))[0]
            value = raw
        elif self.levels:
            raw, value = self._levels(main[0], out, ctx), None
        elif self.per is not None:
            limit = rate_limit([self.at, self.per], self.rate_max, open_above=True) if self.pct else None
            num, den = rate_columns(main, out, ctx, change=self.rate == "change", allow_negative=True, limit=limit)
            if len(main) == 2:
                out.fail(ctx.rows & (den == 0), INVALID, f"「{main[-1].name}」为0，无法计算比率")

            def kernel(ops, n, d):
                v = ops.div(n, d) if len(main) == 2 else n
                if self.rate_dp is not None and len(main) == 2:
                    v = ops.round(v, self.rate_dp + 2)
                q = ops.div(ops.maximum(v - ops.const(self.at), ops.const(0)), ops.const(self.per))
                steps = ops.ceil(q) if self.round == "up" else ops.floor(q)
                return [steps * ops.const(self.each), v, steps]
            raw, value, steps = exact.run(kernel, [num, den], ctx.rows & (out.status == OK))
            out.extra["steps"] = steps
        else:
            count = self._counts(main[:1], out, ctx)[0]
            raw = exact.run(lambda ops, c: [c * ops.const(self.each)], [count], ctx.rows)[0]
            value = count
        cap = self.cap_for(points)
        raw = exact.run(lambda ops, x: [ops.round(x, ctx.decimals)], [raw], ctx.rows & ~np.isnan(raw))[0]
        got = np.where(gate, raw, 0.0)
        if cap is not None:
            got = np.minimum(got, float(cap))
        out.score = np.where(out.status == OK, got, np.nan)
        out.value = value if value is not None else raw
        out.extra.update(raw=raw, gate=gate)
        return out

    @staticmethod
    def _counts(cols, out, ctx) -> list[np.ndarray]:
        """Item counts (whole numbers ≥ 0), one column each."""
        counts = numeric_inputs(cols, out, ctx)
        for col, count in zip(cols, counts):
            with np.errstate(invalid="ignore"):
                whole = (count >= 0) & (count == np.floor(count))
            out.fail(ctx.rows & ~np.isnan(count) & ~whole, INVALID,
                     lambda i, c=col: f"「{c.name}」应为非负整数，而不是「{c.text(i)}」")
        return counts

    def _levels(self, col, out, ctx) -> np.ndarray:
        """The highest level named in each cell ('省级、市级' → 省级's points); 无/否/0 → none."""
        table = dict(self.levels)
        best = np.full(ctx.n, np.nan)
        out.fail(ctx.rows & col.blank, MISSING, f"缺少输入「{col.name}」")
        labels = "、".join(label for label, _ in self.levels)
        for i in np.flatnonzero(ctx.rows & ~col.blank).tolist():
            words = [w for w in LEVEL_SPLIT.split(normalize_text(col.text(i))) if w]
            got = Decimal(0)
            for w in words:
                if w in table:
                    got = max(got, table[w])
                elif w.lower() not in FALSE_WORDS and w not in NO_LEVEL:
                    out.fail(one_unit(ctx.n, i), INVALID, f"「{w}」不是加分级别（级别：{labels}；没有填 无）")
                    break
            best[i] = float(got)
        return best

    def explain_many(self, out, idx, points, ctx):
        cap = self.cap_for(points)
        gate, raw, scores = out.extra["gate"].tolist(), out.extra["raw"].tolist(), out.shown("score", ctx.decimals)
        res = []
        g = self.gate_inputs()
        bound = self.if_.simple if self.if_ is not None else None
        gate_shown = fmt_nums(out.cols[0].numbers[0], pct=True) if bound is not None and bound.pct \
            else out.cols[0].texts
        for i in idx:
            if not gate[i]:
                res.append(f"未满足加分条件（{out.cols[0].name}={gate_shown[i]}，要求{self.if_.text}），不加分")
                continue
            capped = f"，最多加{fmt_num(cap)}分" if cap is not None and raw[i] > float(cap) else ""
            if self.levels and self.by == "count":
                parts = [f"{label}{out.cols[g + k].text(i)}项×{fmt_num(v)}分" for k, (label, v) in enumerate(self.levels)]
                res.append("无加分事项，不加分" if raw[i] == 0 else
                           f"{'＋'.join(parts)}，计{fmt_num(raw[i])}分{capped}，加{scores[i]}分")
            elif self.levels:
                hit = [label for label, v in self.levels if float(v) == raw[i]]
                res.append(f"最高级别「{hit[0]}」，加{scores[i]}分{capped}" if raw[i] > 0 else "无加分级别，不加分")
            elif self.per is not None:
                f = fmt_pct if self.pct else fmt_num
                shown = rate_texts(out) if len(out.cols) - g == 2 else out.shown("value", pct=self.pct)
                steps = int(out.extra["steps"][i])
                if steps == 0:
                    over = "超过" + f(self.at) + "未满一档" if out.value[i] > float(self.at) else "未超过" + f(self.at)
                    res.append(f"{ctx.label}={shown[i]}，{over}，不加分")
                else:
                    res.append(f"{ctx.label}={shown[i]}，超过{f(self.at)}，计{steps}档，每档加{fmt_num(self.each)}分"
                               f"，计{fmt_num(raw[i])}分{capped}，加{scores[i]}分")
            else:
                n = out.cols[g].text(i)
                res.append("无加分事项，不加分" if raw[i] == 0 else
                           f"加分事项{n}项，每项加{fmt_num(self.each)}分，计{fmt_num(raw[i])}分{capped}，加{scores[i]}分")
        return res

