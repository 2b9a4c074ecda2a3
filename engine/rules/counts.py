"""Rules on counts and assessors' judgements: deduct (per incident), check (a checklist of equal
shares, strict or with numeric targets), manual (full points or the assessor's score), value."""
from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

import numpy as np

from .. import exact
from ..clauses import Interval, Segment, clause_error, interval, number
from ..numbers import fmt_num, fmt_nums, yes_no_word
from ..phrases import floor_words, input_name, interval_words
from .base import (INVALID, MISSING, OK, ColumnWorking, Outcome, Rule, by_distinct, constant, floor_of, in_interval,
                   merged_options, no_clauses, numeric_inputs, parse_floor, percent_slips, rate_limit, where_ok)


def _whole(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (values >= 0) & (values == np.floor(values))


class DeductRule(Rule):
    """Points off per incident (or once, 一经发现), at most cap (最高扣), floor 0 (扣完为止) unless
    stated; a range 0.1-0.5 leaves the size to the assessor."""

    KIND: ClassVar[str] = "deduct"
    NAMES: ClassVar[tuple[str, ...]] = ("扣分", "每项扣分")
    OPTIONS: ClassVar[dict[str, str]] = {"each": "each", "每次": "each", "每项": "each", "once": "once",
                                         "一经发现": "once", "cap": "cap", "最高扣": "cap", "最多扣": "cap",
                                         "floor": "floor", "最低": "floor", "下限": "floor"}

    each: Interval | None = None
    once: Decimal | None = None
    cap: Decimal | None = None
    floor: Decimal | Literal["none"] | None = None      # None: the default (see floor_of)

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "DeductRule":
        no_clauses(text, segments)
        opts = merged_options(text, segments)
        first = segments[0] if segments else Segment(1, "", {})
        if ("each" in opts) == ("once" in opts):
            raise clause_error(text, first, "需要 each=（每次扣分）或 once=（一经发现扣分）之一" if "each" not in opts
                               else "each= 与 once= 只能用一个")
        try:
            each = interval(opts["each"]) if "each" in opts else None
            once = number(opts["once"], "扣分") if "once" in opts else None
            cap = number(opts["cap"], "最高扣分") if "cap" in opts else None
            floor = parse_floor(opts["floor"]) if "floor" in opts else None
        except ValueError as exc:
            raise clause_error(text, first, str(exc)) from None
        if each is not None and (each.lo is None or each.hi is None):
            raise clause_error(text, first, "each 应为一个数或一个区间，如 0.5 或 0.1-0.5")
        if cap is not None and cap < 0:
            raise clause_error(text, first, "cap（最高扣分）不能为负")
        return cls(text=text, each=each, once=once, cap=cap, floor=floor)

    @property
    def ranged(self) -> bool:
        return self.each is not None and self.each.lo != self.each.hi

    def arity(self) -> tuple[int, int]:
        return (1, 2) if self.ranged else (1, 1)

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        if self.once is not None:
            count = self._count_or_yes(cols[0], out, ctx)
        else:
            count = numeric_inputs(cols[:1], out, ctx)[0]
            out.fail(ctx.rows & ~_whole(count) & ~np.isnan(count), INVALID,
                     lambda i: f"「{cols[0].name}」应为非负整数，而不是「{cols[0].text(i)}」")
        if self.ranged:
            lo, hi = float(self.each.lo), float(self.each.hi)
            total = cols[1].numbers[0] if len(cols) == 2 else np.full(ctx.n, np.nan)
            need = ctx.rows & (out.status == OK) & (count > 0) & np.isnan(total)
            out.fail(need, MISSING, f"每次扣{self.each.text()}分，有扣分事项时需填写实际扣分（第二个输入）")
            total = np.where(count == 0, 0.0, total)
            with np.errstate(invalid="ignore"):
                outside = (total < count * lo - 1e-9) | (total > count * hi + 1e-9)
            out.fail(ctx.rows & outside, INVALID,
                     lambda i: f"实际扣分{fmt_num(total[i])}应在{fmt_num(count[i] * lo)}-{fmt_num(count[i] * hi)}分之间"
                               f"（{fmt_num(count[i])}次×{self.each.text()}分）")
        elif self.once is not None:
            total = np.where(count > 0, float(self.once), 0.0)
        else:
            total = exact.run(lambda ops, c: [c * ops.const(self.each.lo)], [count], ctx.rows)[0]
        floor, cap = floor_of(self.floor, points), self.cap

        def kernel(ops, t):
            taken = ops.minimum(t, ops.const(cap)) if cap is not None else t
            s = ops.const(points) - taken
            return [ops.round(ops.maximum(s, ops.const(floor)) if floor is not None else s, ctx.decimals)]
        s = exact.run(kernel, [total], ctx.rows)[0]
        out.score = np.where(out.status == OK, s, np.nan)
        out.value, out.deduction = count, float(points) - s
        out.extra["total"] = total
        return out

    def _count_or_yes(self, col, out, ctx) -> np.ndarray:
        """一经发现: a count of incidents, or 是/否 (是 = found)."""
        vals, bad = col.numbers
        yes, not_bool = col.booleans
        vals = np.where(bad & ~not_bool, yes, vals)
        out.fail(ctx.rows & col.blank, MISSING, f"缺少输入「{col.name}」")
        out.fail(ctx.rows & bad & not_bool, INVALID, lambda i: f"「{col.name}」应为次数或 是/否，而不是「{col.text(i)}」")
        out.fail(ctx.rows & ~np.isnan(vals) & ~_whole(vals), INVALID,
                 lambda i: f"「{col.name}」应为非负整数，而不是「{col.text(i)}」")
        return vals

    def explain(self, out, i, points, ctx):
        n = out.value[i]
        score = fmt_num(out.score[i], ctx.decimals)
        if n == 0:
            return "未发现扣分事项，" + ("不扣分" if points == 0 else "得满分")
        total = out.extra["total"][i]
        found = "发现扣分事项" + ("" if out.cols[0].numbers[1][i] else f"{fmt_num(n)}次")
        if self.once is not None:
            what = f"一经发现扣{fmt_num(self.once)}分，扣{fmt_num(self.once)}分"
        elif self.ranged:
            what = f"每次扣{self.each.text()}分，实扣{fmt_num(total)}分"
        else:
            what = f"每次扣{self.each.text()}分，共扣{fmt_num(total)}分"
        if self.cap is not None and total > float(self.cap):
            what += f"，最高扣{fmt_num(self.cap)}分"
        floor = floor_of(self.floor, points)
        taken = min(total, float(self.cap)) if self.cap is not None else total
        if floor is not None and float(points) - taken < float(floor):
            what += "，扣完为止" if floor == 0 else f"，最低{fmt_num(floor)}分"
        return f"{found}，{what}，得{score}分"

    def reading(self, points):
        if self.once is not None:
            head = f"一经发现扣{fmt_num(self.once)}分（不论次数，只扣一次；输入为次数或是/否）"
        elif self.ranged:
            head = f"每发现一次扣{fmt_num(self.each.lo)}-{fmt_num(self.each.hi)}分（评分人在此范围内确定，另填实际扣分）"
        else:
            head = f"每发现一次扣{fmt_num(self.each.lo)}分"
        start = "本项为扣分项（分值0），扣分计入总分" if points is not None and points == 0 else "无扣分事项得满分"
        cap = f"，最高扣{fmt_num(self.cap)}分" if self.cap is not None else ""
        return f"{start}；{head}{cap}，{floor_words(floor_of(self.floor, points), points)}"


class CheckRule(ColumnWorking, Rule):
    """Equal shares for n points met (strict, or partly at the assessor's discretion); each point may
    be a numeric target."""

    KIND: ClassVar[str] = "check"
    NAMES: ClassVar[tuple[str, ...]] = ("要点", "检查", "评价要点")
    OPTIONS: ClassVar[dict[str, str]] = {"n": "n", "项数": "n"}

    n: int
    targets: tuple[tuple[Interval | Literal["是"], ...], ...] = ()   # per point: conditions that must all hold

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "CheckRule":
        opts = merged_options(text, segments)
        targets = []
        for seg in segments:
            if seg.clause:
                try:
                    conds = tuple("是" if yes_no_word(c) else interval(c)
                                  for c in seg.clause.replace("且", "&").split("&"))
                except ValueError as exc:
                    raise clause_error(text, seg, str(exc)) from None
                targets.append(conds)
        n = len(targets)
        if "n" in opts:
            try:
                n = int(number(opts["n"], "要点数"))
            except ValueError as exc:
                raise clause_error(text, segments[0], str(exc)) from None
            if targets and n != len(targets):
                raise clause_error(text, segments[0], f"n={n} 与列出的{len(targets)}个要点不一致")
        if n <= 0:
            raise clause_error(text, segments[0] if segments else Segment(1, "", {}), "缺少 n=（要点数）或要点条件")
        return cls(text=text, n=n, targets=tuple(targets))

    def reading(self, points):
        n = self.n
        head = f"共{n}个要点，各占分值的1/{n}"
        if self.targets:
            k, items = 0, []
            for j, conds in enumerate(self.targets):
                said = []
                for c in conds:
                    said.append(f"{input_name(k)}为「是」" if c == "是" else f"{input_name(k)}{interval_words(c)}")
                    k += 1
                items.append(_circled(j) + "且".join(said))
            return f"{head}，达成得分，未达成不得分：{'；'.join(items)}；得分=分值×达成数÷{n}（不逐项取整）"
        return (f"{head}；得分=分值×达成要点数÷{n}（不逐项取整）；输入为达成要点数，或逐项填写是/否；"
                "另填评定得分时，须不低于达成部分的分数，未全部达成时须低于满分（否则酌情扣分）")

    def arity(self) -> tuple[int, int]:
        if self.targets:
            k = sum(len(t) for t in self.targets)
            return (k, k)
        return (1, max(2, self.n))

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        if self.targets:
            met = self._met_targets(cols, out, ctx)
            given = constant(np.nan, ctx.n)
        elif len(cols) == self.n and self.n > 2 or (len(cols) == self.n == 2 and _all_bool(cols)):
            met = np.zeros(ctx.n)
            for col in cols:
                vals, bad = col.booleans
                out.fail(ctx.rows & col.blank, MISSING, f"缺少输入「{col.name}」")
                out.fail(ctx.rows & bad, INVALID, lambda i, c=col: f"「{c.name}」应填 是/否，而不是「{c.text(i)}」")
                met = met + np.nan_to_num(vals)
            given = constant(np.nan, ctx.n)
        else:
            met = numeric_inputs(cols[:1], out, ctx)[0]
            out.fail(ctx.rows & ~np.isnan(met) & (~_whole(met) | (met > self.n)), INVALID,
                     lambda i: f"达成要点数「{cols[0].text(i)}」应为0-{self.n}的整数")
            given = cols[1].numbers[0] if len(cols) == 2 else constant(np.nan, ctx.n)
        pts, n = points, self.n
        base = exact.run(lambda ops, m: [ops.round(ops.const(pts) * m / ops.const(n), ctx.decimals)],
                         [met], ctx.rows)[0]
        full = float(points)
        has = ~np.isnan(given)
        if has.any():
            with np.errstate(invalid="ignore"):
                wrong = has & (((met == n) & (given != full)) | ((met < n) & ((given < base) | (given >= full))))
            out.fail(ctx.rows & wrong, INVALID,
                     lambda i: f"评定得分{fmt_num(given[i])}与达成{fmt_num(met[i])}/{n}项不符（应在"
                               f"{fmt_num(base[i])}-{fmt_num(full)}分之间{'，不含满分' if met[i] < n else ''}）")
        out.score = where_ok(out, np.where(has, given, base) if has.any() else base)
        out.value = met
        out.extra.update(base=base, given=has)
        return out

    def _met_targets(self, cols, out, ctx) -> np.ndarray:
        met = np.zeros(ctx.n)
        k = 0
        flags = []
        for point in self.targets:
            ok = np.ones(ctx.n, dtype=bool)
            for cond in point:
                col = cols[k]
                if cond == "是":
                    v, bad = col.booleans
                    out.fail(ctx.rows & col.blank, MISSING, f"缺少输入「{col.name}」")
                    out.fail(ctx.rows & bad, INVALID, lambda i, c=col: f"「{c.name}」应填 是/否，而不是「{c.text(i)}」")
                    ok &= v == 1
                else:
                    v = numeric_inputs([col], out, ctx)[0]
                    if cond.pct:
                        percent_slips(col, v, out, ctx, rate_limit([cond.lo, cond.hi], open_above=cond.hi is None))
                    ok &= exact.run(lambda ops, x, c=cond: [in_interval(ops, x, c)], [v], ~np.isnan(v))[0].astype(bool)
                k += 1
            flags.append(ok)
            met += ok
        out.extra["points_met"] = np.array(flags)
        return met

    def explain_many(self, out, idx, points, ctx):
        # the count met, the score and whether it was given decide the tail: a few texts per column
        tails = by_distinct([out.value, out.extra["base"], out.score, out.extra["given"]], idx,
                            lambda reps: self._tails(out, reps, points, ctx))
        if not self.targets:
            return tails
        return list(map("；".join, zip(*self._points_said(out, idx), tails)))

    def _tails(self, out, idx, points, ctx) -> list[str]:
        n, full = self.n, fmt_num(points)
        met, base = out.shown("value"), out.shown("base", ctx.decimals)
        scores, given = out.shown("score", ctx.decimals), out.extra["given"].tolist()
        return [f"达成{met[i]}/{n}项（应得{base[i]}-{full}分），评定得{scores[i]}分" if given[i] else
                f"达成{met[i]}/{n}项，得{full}×{met[i]}/{n}={base[i]}分" for i in idx]

    def _points_said(self, out, idx) -> list[list[str]]:
        """Per target point, for the units idx: '①3.2%（要求>=5%）未达成' (one text per distinct
        inputs and outcome of the point)."""
        said, k = [], 0
        for j, conds in enumerate(self.targets):
            cols = out.cols[k:k + len(conds)]
            want = "且".join("是" if c == "是" else c.text() for c in conds)
            flags = out.extra["points_met"][j]

            def write(reps, cols=cols, conds=conds, head=_circled(j), ask=f"（要求{want}）", flags=flags):
                shown = [_shown_column(col, cond, reps) for col, cond in zip(cols, conds)]
                values = shown[0] if len(shown) == 1 else list(map("、".join, zip(*shown)))
                return [f"{head}{v}{ask}{'达成' if ok else '未达成'}" for v, ok in zip(values, flags[reps].tolist())]
            said.append(by_distinct([flags, *(c.raw for c in cols)], idx, write))
            k += len(conds)
        return said


class ManualRule(Rule):
    """The assessor's score, checked to lie in 0..points (符合得满分，否则酌情扣分); 是/满分 means full points."""

    KIND: ClassVar[str] = "manual"
    NAMES: ClassVar[tuple[str, ...]] = ("人工", "人工评分", "评定")

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "ManualRule":
        no_clauses(text, segments)
        return cls(text=text)

    def reading(self, points):
        top = f"0-{fmt_num(points)}分" if points is not None else "0至分值"
        return f"评分人直接评分，须在{top}之间（含两端）；填「是」或「满分」得满分"

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        col = cols[0]
        vals, bad = col.numbers
        vals = vals.copy()
        yes, _ = col.booleans
        full_word = bad & (yes == 1)
        vals[full_word] = float(points)
        out.fail(ctx.rows & col.blank, MISSING, f"缺少输入「{col.name}」")
        out.fail(ctx.rows & bad & ~full_word, INVALID, lambda i: f"评定得分「{col.text(i)}」不是数值")
        with np.errstate(invalid="ignore"):
            outside = (vals < 0) | (vals > float(points))
        out.fail(ctx.rows & outside, INVALID, lambda i: f"评定得分{fmt_num(vals[i])}超出0-{fmt_num(points)}分")
        out.score = np.where(out.status == OK, vals, np.nan)
        out.value = vals
        return out

    def explain(self, out, i, points, ctx):
        s = out.score[i]
        return "评定符合要求，得满分" if s == float(points) else f"评定得分{fmt_num(s, ctx.decimals)}分"


class ValueRule(Rule):
    """The input is the indicator's value (indices built from given sub-indices)."""

    KIND: ClassVar[str] = "value"
    NAMES: ClassVar[tuple[str, ...]] = ("取值", "直接取值")

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "ValueRule":
        no_clauses(text, segments)
        return cls(text=text)

    def reading(self, points):
        return "取第1个输入的值作为本指标的值（不按分值计分）"

    def needs_points(self) -> bool:
        return False

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        v = numeric_inputs(cols, out, ctx)[0]
        out.score = np.where(out.status == OK, v, np.nan)
        out.value = v
        return out

    def explain(self, out, i, points, ctx):
        return f"取值{fmt_num(out.value[i])}"


def _shown_column(col, cond, idx: list[int]) -> list[str]:
    """The units idx of a column as the condition reads it: 3.2% rather than 0.032 where the target is a percent."""
    texts = col.texts
    if cond == "是" or not cond.pct:
        return [texts[i] for i in idx]
    pct = fmt_nums(col.numbers[0][idx], pct=True)
    return [p if isinstance(raw, (float, np.floating)) else texts[i]
            for p, raw, i in zip(pct, col.raw[idx].tolist(), idx)]


def _all_bool(cols) -> bool:
    return all(not col.booleans[1].any() for col in cols)


def _circled(j: int) -> str:
    return "①②③④⑤⑥⑦⑧⑨⑩"[j] if j < 10 else f"({j + 1})"

