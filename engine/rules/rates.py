"""Rules on a measured value or rate: ratio (proportional, or 0 above 100%), step (below the best
unit, or per whole 1% of a rate), threshold (a table of bounds), pass (all-or-nothing ceiling or target),
relative, info (computed and shown, not scored).
A rate may be given as one cell or computed exactly from two amounts."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar, Literal, NamedTuple

import numpy as np

from .. import conditions, exact
from ..conditions import Condition, parse_condition
from ..phrases import amount, floor_words, interval_words, points_words, step_words
from ..clauses import Interval, Segment, clause_error, interval, number
from ..numbers import fmt_num, fmt_pct, yes_no_word
from .base import (AMONG, INVALID, OK, RATE_OPTIONS, ROUNDS, ColumnWorking, Ctx, Outcome, Rule, at, by_distinct,
                   condition_inputs, condition_texts, constant, first_match, floor_of, in_interval, merged_options,
                   no_clauses, numeric_inputs, parse_floor, peer_slips, percent_slips, points_or_share, rate_columns,
                   rate_limit, rate_options, rate_texts, score_text, where_ok, yes_no_shown)


def _best(values: np.ndarray, ctx: Ctx, among: str, lowest: bool = False) -> np.ndarray:
    """The best peer value for every unit (over all peers, or over the unit's own group)."""
    pick = np.nanmin if lowest else np.nanmax
    if among != "group" and ctx.peers.all():        # everyone's peer: one reduction, no copies
        top = (np.fmin if lowest else np.fmax).reduce(values) if values.size else np.nan
        if ctx.rows.all():
            return constant(top, ctx.n)
        return np.where(ctx.rows, top, np.nan)
    best = np.full(ctx.n, np.nan)
    keys = np.unique(ctx.groups[ctx.peers].astype(str)) if among == "group" else [None]
    for key in keys:
        members = ctx.peers if key is None else ctx.peers & (ctx.groups.astype(str) == key)
        vals = values[members]
        vals = vals[~np.isnan(vals)]
        if vals.size:
            target = ctx.rows if key is None else ctx.rows & (ctx.groups.astype(str) == key)
            best[target] = pick(vals)
    return best


class _RateRule(ColumnWorking, Rule):
    """A rule whose input is a value, a rate, or two amounts making a rate."""

    rate_dp: int | None = None
    rate: Literal["ratio", "change"] = "ratio"
    rate_max: Decimal | None = None     # rate_max=300%: rates up to 300% are meant (0: no limit)

    def arity(self) -> tuple[int, int]:
        return (1, 2)

    def rate_bounds(self) -> tuple[Interval, ...] | None:
        """The percent intervals the rule compares a one-column rate with; None: not a rate."""
        return None

    def limit(self) -> float | None:
        """The plausible size of a rate typed in one column (see ``rate_limit``)."""
        ivs = self.rate_bounds()
        if ivs is None:
            return None
        return rate_limit([b for iv in ivs for b in (iv.lo, iv.hi)], self.rate_max,
                          open_above=any(iv.hi is None and iv.lo is not None for iv in ivs))

    def rate_reading(self, name: str = "比率") -> str:
        """比率=第1个输入÷第2个输入（或直接填写比率），先四舍五入到0.01%."""
        expr = "(第1个输入−第2个输入)÷第2个输入" if self.rate == "change" else "第1个输入÷第2个输入"
        dp = f"，先四舍五入到{fmt_num(Decimal(1).scaleb(-self.rate_dp))}%" if self.rate_dp is not None else ""
        return f"{name}={expr}（或直接填写{name}）{dp}"

    def _rate(self, ops, num, den):
        r = ops.div(num, den)
        return ops.round(r, self.rate_dp + 2) if self.rate_dp is not None else r


class RatioRule(_RateRule):
    """points × numerator / denominator; above 100%: full points (or 0 with over=0); below a
    cut-off (min=60%: 不足60%不得分), 0."""

    KIND: ClassVar[str] = "ratio"
    NAMES: ClassVar[tuple[str, ...]] = ("比例", "比率", "完成比例")
    OPTIONS: ClassVar[dict[str, str]] = {"over": "over", "超出": "over", "min": "min", "门槛": "min",
                                         "起评": "min", **RATE_OPTIONS}

    over: Literal["full", "0", "error"] = "full"
    min: Decimal | None = None          # a rate below this scores 0; at or above it, points × rate

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "RatioRule":
        no_clauses(text, segments)
        opts = merged_options(text, segments)
        over = {"full": "full", "满分": "full", "0": "0", "zero": "0", "error": "error", "错误": "error"}
        if "over" in opts and opts["over"] not in over:
            raise clause_error(text, segments[0], f"over（超出）应为 full/0/error（满分/0/错误），而不是「{opts['over']}」")
        cut = None
        if "min" in opts:
            try:
                cut = number(opts["min"], "门槛")
            except ValueError as exc:
                raise clause_error(text, segments[0], str(exc)) from None
            if not 0 < cut <= 1:
                raise clause_error(text, segments[0], f"min（门槛）应在0到100%之间（不含0），而不是「{opts['min']}」")
        return cls(text=text, over=over.get(opts.get("over", "full")), min=cut, **rate_options(text, segments, opts))

    def rate_bounds(self):
        return (Interval(lo=Decimal(1), pct=True),)     # above 100%: full points (over=)

    def reading(self, points):
        over = {"full": "超过100%按满分计", "0": "超过100%（按金额精确比较，多1分钱也算超过）得0分",
                "error": "超过100%视为数据有误"}[self.over]
        full = fmt_num(points) if points is not None else "分值"
        zero = "；分子分母均为0视为全部完成，得满分" if self.over != "0" else "；分母为0视为数据有误"
        cut = (f"；比率低于{fmt_pct(self.min)}不得分（达到{fmt_pct(self.min)}起按比率×分值计，不从门槛起折算）"
               if self.min is not None else "")
        return f"{self.rate_reading()}；比率为100%得满分，低于100%按比例得分：得分={full}×比率；{over}{cut}{zero}"

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        num, den = rate_columns(cols, out, ctx, change=self.rate == "change", limit=self.limit())
        two = len(cols) == 2
        if two:
            zero = ctx.rows & (den == 0)
            vacuous = zero & (num == 0) & (self.over != "0")   # nothing to cover: full; nothing budgeted: invalid
            out.fail(zero & ~vacuous, INVALID, f"「{cols[-1].name}」为0，无法计算比率")
        pts = points

        def kernel(ops, n, d):
            r = self._rate(ops, n, d)
            above = ops.cmp(n, ">", d)           # decided on the exact amounts, not the rounded rate
            full = ops.const(pts)
            s = ops.round(r * full, ctx.decimals)
            s = ops.where(above, full if self.over == "full" else full * 0, s)
            if self.min is not None:
                s = ops.where(ops.cmp(r, "<", ops.const(self.min)), full * 0, s)
            return [s, r, above]
        s, r, above = exact.run(kernel, [num, den], ctx.rows & (out.status == OK))
        if two and vacuous.any():
            s[vacuous] = float(points)
            r[vacuous] = 1.0
        out.score = where_ok(out, s)
        out.value = r
        out.extra["above"] = above.astype(bool, copy=False)
        if self.over == "error":
            out.fail(ctx.rows & out.extra["above"], INVALID,
                     lambda i: f"「{cols[0].name}」{cols[0].text(i)}大于「{cols[-1].name}」{cols[-1].text(i)}，数据有误")
        return out

    def explain_many(self, out, idx, points, ctx):
        # the rate as a percent and the score decide what follows the unit's own amounts: shared per distinct
        vacuous = out.cols[1].numbers[0] == 0 if len(out.cols) == 2 else np.zeros(len(out.value), dtype=bool)
        pct = np.array(out.shown("value", pct=True), dtype=object)
        below = out.value < float(self.min) if self.min is not None else vacuous
        tails = by_distinct([vacuous, out.extra["above"], out.value == 1, below, pct, out.score], idx,
                            lambda reps: self._tails(out, reps, points, ctx))
        res = rate_texts(out, self.rate == "change", idx, f"{ctx.label}=", tails)
        for k in np.flatnonzero(vacuous[idx]).tolist():     # 0÷0 has no rate: its tail is the whole working
            res[k] = tails[k]
        return res

    def _tails(self, out, idx, points, ctx) -> list[str]:
        """What follows '名称=比率' in the working (for 0÷0, the whole working)."""
        pct, scores = out.shown("value", pct=True), out.shown("score", ctx.decimals)
        dens = out.cols[1].numbers[0].tolist() if len(out.cols) == 2 else None
        above, value, full = out.extra["above"].tolist(), out.value.tolist(), fmt_num(points)
        over = "按满分计，得满分" if self.over == "full" else "得0分"
        res = []
        for i in idx:
            if dens is not None and dens[i] == 0:
                res.append(f"{ctx.label}：分母为0且分子为0，视为全部完成，得满分")
            elif above[i]:
                res.append(f">100%，{over}")
            elif value[i] == 1:
                res.append("，得满分")
            elif self.min is not None and value[i] < float(self.min):
                res.append(f"，低于门槛{fmt_pct(self.min)}，不得分")
            else:
                res.append(f"<100%，按完成比例得分：{full}×{pct[i]}={scores[i]}分")
        return res


class StepRule(_RateRule):
    """Points off per step: of the shortfall below the best unit, or of a rate (per whole 1%)."""

    KIND: ClassVar[str] = "step"
    NAMES: ClassVar[tuple[str, ...]] = ("阶梯扣分", "阶梯", "逐级扣分")
    OPTIONS: ClassVar[dict[str, str]] = {"per": "per", "每": "per", "deduct": "deduct", "扣": "deduct",
                                         "from": "from_", "基准": "from_", "round": "round", "取整": "round",
                                         "zero_at": "zero_at", "归零": "zero_at", "among": "among",
                                         "比较范围": "among", "at": "at", "目标": "at", "起点": "at",
                                         "add": "add", "加": "add", "base": "base", "起点分": "base",
                                         "基础分": "base", "cap": "cap", "最高扣": "cap", "最多扣": "cap",
                                         "add_cap": "add_cap", "最多加": "add_cap", "floor": "floor",
                                         "最低": "floor", "下限": "floor", **RATE_OPTIONS}

    per: Decimal
    deduct: Decimal
    deduct_share: bool = False          # '5%w': a share of the points, not points
    from_: Literal["best"] | Decimal | None = None
    round: Literal["up", "down"] = "down"
    zero_at: Decimal | None = None
    among: Literal["all", "group"] = "all"
    at: Decimal | None = None           # a target: steps are the distance from it, in the value's units
    add: Decimal | None = None          # per step above the target (two-way)
    add_share: bool = False
    base: Decimal | None = None         # the score at the target (default: the points)
    base_share: bool = False
    cap: Decimal | None = None          # the most taken off (最高扣)
    add_cap: Decimal | None = None      # the most added (最多加)
    floor: Decimal | Literal["none"] | None = None
    pct: bool = True                    # per (and at) written as percents: the working shows percents
    from_pct: bool = False              # from=100%: the value is a rate, so 97.5 typed for 97.5% is a slip

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "StepRule":
        no_clauses(text, segments)
        opts = merged_options(text, segments)
        for key in ("per", "deduct"):
            if key not in opts:
                raise clause_error(text, segments[0] if segments else Segment(1, "", {}), f"缺少 {key}=")
        try:
            per = number(opts["per"], "步长")
            deduct, share = points_or_share(opts["deduct"], "扣分")
            frm = opts.get("from_")
            frm = None if frm is None else "best" if frm.lower() in ("best", "max", "最高", "最优") else number(frm, "基准值")
            rnd = ROUNDS
            if opts.get("round", "down").lower() not in rnd:
                raise ValueError(f"round（取整）应为 up/down（向上/向下），而不是「{opts['round']}」")
            among = AMONG
            if opts.get("among", "all") not in among:
                raise ValueError(f"among（比较范围）应为 all/group（全部/组内），而不是「{opts['among']}」")
            zero = number(opts["zero_at"], "归零值") if "zero_at" in opts else None
            extra = {"at": number(opts["at"], "目标值")} if "at" in opts else {}
            for key, what in (("add", "加分"), ("base", "起点分")):
                if key in opts:
                    extra[key], extra[f"{key}_share"] = points_or_share(opts[key], what)
            for key, what in (("cap", "最高扣分"), ("add_cap", "最多加分")):
                if key in opts:
                    extra[key] = number(opts[key], what)
            if "floor" in opts:
                extra["floor"] = parse_floor(opts["floor"])
        except ValueError as exc:
            raise clause_error(text, segments[0], str(exc)) from None
        if per <= 0:
            raise clause_error(text, segments[0], "per 必须大于0")
        if "at" in extra and frm is not None:
            raise clause_error(text, segments[0], "at=（目标值）与 from=（基准）只能用一个")
        if ("add" in extra or "base" in extra) and "at" not in extra:
            raise clause_error(text, segments[0], "add=/base= 需要 at=（目标值），如 at=100%")
        extra["pct"] = "%" in opts["per"] or "%" in opts.get("at", "")
        extra["from_pct"] = isinstance(frm, Decimal) and "%" in opts.get("from_", "")
        return cls(text=text, per=per, deduct=deduct, deduct_share=share, from_=frm,
                   round=rnd[opts.get("round", "down").lower()], zero_at=zero,
                   among=among[opts.get("among", "all")], **extra, **rate_options(text, segments, opts))

    def reading(self, points):
        up = self.round == "up"
        each = points_words(self.deduct, self.deduct_share, points)
        cap = f"，最高扣{fmt_num(self.cap)}分" if self.cap is not None else ""
        floor = floor_words(floor_of(self.floor, points), points)
        if self.at is not None:
            unit, steps = step_words(self.per, self.pct, up)
            at = amount(self.at, self.pct)
            if self.add is None:
                return f"第1个输入达到目标{at}及以上（含{at}）得满分；每低于目标{unit}扣{each}（{steps}）{cap}，{floor}"
            base = points_words(self.base, self.base_share, points) if self.base is not None else "满分"
            add = points_words(self.add, self.add_share, points)
            add_cap = f"，最多加{fmt_num(self.add_cap)}分" if self.add_cap is not None else ""
            return (f"以{base}为起点：第1个输入等于目标{at}时得{base}；每高于目标{unit}加{add}{add_cap}，"
                    f"每低于目标{unit}扣{each}{cap}（{steps}）；得分不超过分值，{floor}")
        if self.from_ is not None:
            where = "所有被考核单位中" if self.among == "all" else "本组单位中"
            ref = "最高值" if self.from_ == "best" else "基准值"
            said = f"以{where}的最高值为满分" if self.from_ == "best" else f"达到基准值{fmt_num(self.from_)}得满分"
            unit, steps = step_words(self.per, True, up, relative=True)
            return f"{said}；差距=({ref}−本单位值)÷{ref}，每低{unit}扣{each}（{steps}）{cap}，{floor}"
        unit, steps = step_words(self.per, self.pct, up)
        zero = ""
        if self.zero_at is not None:
            z = fmt_pct(self.zero_at)
            zero = f"；比率达到{z}及以上（含{z}）不得分"
        return f"{self.rate_reading()}，为负时取绝对值；比率为0得满分，比率每增加{unit}扣{each}（{steps}）{zero}{cap}，{floor}"

    def arity(self) -> tuple[int, int]:
        return (1, 1) if self.from_ is not None else (1, 2)

    def rate_bounds(self):
        if self.from_pct:                       # from=100%: a rate; above the benchmark is full points
            return (Interval(lo=self.from_, pct=True),)
        if self.from_ is not None or not self.pct:
            return None                         # a shortfall from the best, or a value in its own units
        if self.at is not None:                 # two-way from a target: values above it are meant
            return (Interval(lo=self.at, pct=True), Interval(hi=self.zero_at, pct=True))
        return (Interval(lo=self.per, hi=self.zero_at, pct=True),)

    def _steps(self, ops, m):
        q = ops.div(m, ops.const(self.per))
        return ops.ceil(q) if self.round == "up" else ops.floor(q)

    def _share(self, ops, full, value, share: bool):
        return full * ops.const(value) if share else ops.const(value)

    def _two_way(self, ops, v, full, pts, decimals: int):
        """From the target: base at it, + add per step above, − deduct per step below, within
        [floor, points]. Returns the kernel's columns: score, value, signed steps, deduction, zero."""
        diff = v - ops.const(self.at)
        down = self._steps(ops, ops.maximum(diff * -1, ops.const(0)))
        up = self._steps(ops, ops.maximum(diff, ops.const(0))) if self.add is not None else down * 0
        base = self._share(ops, full, self.base, self.base_share) if self.base is not None else full
        minus = down * self._share(ops, full, self.deduct, self.deduct_share)
        plus = up * self._share(ops, full, self.add, self.add_share) if self.add is not None else minus * 0
        if self.cap is not None:
            minus = ops.minimum(minus, ops.const(self.cap))
        if self.add_cap is not None:
            plus = ops.minimum(plus, ops.const(self.add_cap))
        s = ops.minimum(base + plus - minus, full)
        floor = floor_of(self.floor, pts)
        s = ops.maximum(s, ops.const(floor)) if floor is not None else s
        return [ops.round(s, decimals), v, up - down, full - s, v != v]

    def peer_basis(self) -> str | None:
        return "最高值" if self.from_ == "best" else None

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        two = len(cols) == 2
        if self.from_ is None:
            num, den = rate_columns(cols, out, ctx, change=self.rate == "change", allow_negative=True,
                                    limit=self.limit())
            out.fail(ctx.rows & (den == 0), INVALID, f"「{cols[-1].name}」为0，无法计算比率")
            ref = None
        else:
            num = numeric_inputs(cols, out, ctx)[0]
            out.fail(ctx.rows & (num < 0), INVALID, lambda i: f"「{cols[0].name}」为负数（{cols[0].text(i)}）")
            percent_slips(cols[0], num, out, ctx, self.limit())
            if self.from_ == "best":
                peer_slips(cols[0], num, out, ctx)
                with np.errstate(invalid="ignore"):
                    fine = (num >= 0) & (out.status == OK)
                values = num if fine.all() else np.where(fine, num, np.nan)
                ref = _best(values, ctx, self.among)
            else:
                ref = constant(self.from_, ctx.n)
            out.fail(ctx.rows & (ref <= 0), INVALID, "最高值为0，无法计算差距")
            den = ref
        pts = points

        def kernel(ops, n, d):
            full = ops.const(pts)
            if self.at is not None:
                return self._two_way(ops, self._rate(ops, n, d) if two else n, full, pts, ctx.decimals)
            if self.from_ is None:
                m = ops.abs(self._rate(ops, n, d))
            else:
                m = ops.maximum(ops.div(d - n, d), ops.const(0))     # shortfall relative to the reference
            steps = self._steps(ops, m)
            each = full * ops.const(self.deduct) if self.deduct_share else ops.const(self.deduct)
            ded = steps * each
            if self.cap is not None:
                ded = ops.minimum(ded, ops.const(self.cap))
            zero = ops.cmp(m, ">=", ops.const(self.zero_at)) if self.zero_at is not None else m != m
            s = ops.where(zero, full * 0, full - ded)
            floor = floor_of(self.floor, pts)
            s = ops.maximum(s, ops.const(floor)) if floor is not None else s
            return [ops.round(s, ctx.decimals), m, steps, full - s, zero]
        s, m, steps, ded, zero = exact.run(kernel, [num, den], ctx.rows & (out.status == OK))
        out.score = where_ok(out, s)
        out.value, out.deduction = m, ded
        out.extra.update(steps=steps, zero=zero.astype(bool, copy=False), ref=ref if ref is not None else den,
                         negative=(num < 0) if self.from_ is None else np.broadcast_to(False, (ctx.n,)))
        return out

    def _points_text(self, value: Decimal, share: bool, points) -> str:
        if share and points is not None:
            return f"{fmt_num(value * points)}分（{fmt_pct(value)}的分值）"
        return f"{fmt_pct(value)}的分值" if share else f"{fmt_num(value)}分"

    def _explain_two_way(self, out, idx, points, ctx) -> list[str]:
        f = fmt_pct if self.pct else fmt_num
        at = f(self.at)
        shown = rate_texts(out, self.rate == "change") if len(out.cols) == 2 else \
            out.shown("value", pct=self.pct)
        steps, scores = out.extra["steps"].tolist(), out.shown("score", ctx.decimals)
        v = out.value.tolist()
        start = "" if self.base is None else f"起点{self._points_text(self.base, self.base_share, points)}，"
        res = []
        for i in idx:
            head = f"{ctx.label}={shown[i]}"
            k = int(steps[i])
            top = "（以分值为上限）" if out.score[i] == float(points) and (k > 0 or self.base is not None) else ""
            if k == 0:
                where = "达到" if v[i] >= float(self.at) else "低于"
                tail = "，未满一档" if v[i] != float(self.at) and (v[i] < float(self.at) or self.add is not None) else ""
                res.append(f"{head}，{where}目标{at}{tail}，{start}得{scores[i]}分")
            elif k > 0:
                res.append(f"{head}，高于目标{at}，{start}计{k}档，每档加{self._points_text(self.add, self.add_share, points)}"
                           + (f"，最多加{fmt_num(self.add_cap)}分" if self.add_cap is not None else "")
                           + f"，得{scores[i]}分{top}")
            else:
                res.append(f"{head}，低于目标{at}，{start}计{-k}档，每档扣{self._points_text(self.deduct, self.deduct_share, points)}"
                           + (f"，最高扣{fmt_num(self.cap)}分" if self.cap is not None else "")
                           + ("，扣完为止" if out.score[i] == 0 else "") + f"，得{scores[i]}分")
        return res

    def explain_many(self, out, idx, points, ctx):
        if self.at is not None:
            return self._explain_two_way(out, idx, points, ctx)
        if self.from_ is not None:
            own = out.cols[0].texts
            # the reference, the gap and the outcome decide all but the unit's own value: shared per distinct
            gaps = np.array(out.shown("value", pct=True), dtype=object)     # as shown: far fewer than the gaps
            ends = by_distinct([out.extra["ref"], gaps, out.value == 0, out.extra["zero"], out.extra["steps"],
                                out.deduction, out.score], idx, lambda reps: self._from_ends(out, reps, ctx))
            before, after = zip(*ends) if ends else ((), ())
            return [f"{a}{o}{b}" for a, o, b in zip(before, at(own, idx), after)]
        # the rate itself is the unit's own; what follows it is decided by a few values, shared per distinct
        tails = by_distinct([out.extra["negative"], out.extra["zero"], out.value > 0, out.extra["steps"],
                             out.deduction, out.score], idx, lambda reps: self._rate_tails(out, reps, points, ctx))
        return rate_texts(out, self.rate == "change", idx, f"{ctx.label}=", tails)

    def _from_ends(self, out, idx, ctx) -> list[tuple[str, str]]:
        """(before, after) the unit's own value in the working of a step from the best (or a benchmark)."""
        m, steps, zero = out.value.tolist(), out.extra["steps"].tolist(), out.extra["zero"].tolist()
        scores, deds = out.shown("score", ctx.decimals), out.shown("deduction", ctx.decimals)
        zero_at = fmt_pct(self.zero_at) if self.zero_at is not None else ""
        word = "最高值" if self.from_ == "best" else "基准值"
        refs, gaps = out.shown("ref"), out.shown("value", pct=True)
        counted = {k: fmt_pct(Decimal(int(k)) * self.per) for k in {steps[i] for i in idx} if k == k}   # as a percent
        res = []
        for i in idx:
            if m[i] == 0:
                res.append((ctx.label, f"，达到{word}{refs[i]}，得满分"))
                continue
            tail = f"≥{zero_at}，不得分" if zero[i] else f"，按{counted[steps[i]]}计扣{deds[i]}分，得{scores[i]}分"
            res.append((f"{word}{refs[i]}，本单位", f"，低于{word}{gaps[i]}{tail}"))
        return res

    def _rate_tails(self, out, idx, points, ctx) -> list[str]:
        """What follows '名称=比率' in the working of a step per whole 1% of a rate."""
        m, steps, ded = out.value.tolist(), out.extra["steps"].tolist(), out.deduction.tolist()
        zero, negative = out.extra["zero"].tolist(), out.extra["negative"].tolist()
        scores, deds = out.shown("score", ctx.decimals), out.shown("deduction", ctx.decimals)
        zero_at = fmt_pct(self.zero_at) if self.zero_at is not None else ""
        each = f"{fmt_pct(self.deduct)}的权重分" if self.deduct_share else f"{fmt_num(self.deduct)}分"
        per, full = fmt_pct(self.per), float(points)
        res = []
        for i in idx:
            head = "（取绝对值）" if negative[i] else ""
            if zero[i]:
                res.append(f"{head}≥{zero_at}，不得分")
            elif ded[i] == 0:
                res.append(f"{head}，未满一档，得满分" if m[i] > 0 else f"{head}，得满分")
            else:
                tail = "，扣完为止" if ded[i] == full else ""
                if self.cap is not None and ded[i] == float(self.cap):
                    tail = f"（最高扣{fmt_num(self.cap)}分）" + tail
                res.append(f"{head}，每{per}扣{each}，计{int(steps[i])}档扣{deds[i]}分{tail}，得{scores[i]}分")
        return res


class Gap(NamedTuple):
    """Values no clause of a threshold table covers, between lo and hi (percent bounds)."""

    lo: Decimal
    lo_in: bool
    hi: Decimal
    hi_in: bool

    def __str__(self) -> str:
        if self.lo == self.hi:
            return fmt_pct(self.lo)
        return f"{'[' if self.lo_in else '('}{fmt_pct(self.lo)},{fmt_pct(self.hi)}{']' if self.hi_in else ')'}"

    @property
    def example(self) -> str:
        return fmt_pct((self.lo + self.hi) / 2)


class ThresholdRule(_RateRule):
    """The first matching clause's points (a threshold table)."""

    KIND: ClassVar[str] = "threshold"
    NAMES: ClassVar[tuple[str, ...]] = ("区间", "分段", "阈值")
    OPTIONS: ClassVar[dict[str, str]] = dict(RATE_OPTIONS)

    clauses: tuple[tuple[Interval, Decimal], ...]
    otherwise: Decimal | None = None

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "ThresholdRule":
        clauses, otherwise = [], None
        for seg in segments:
            if not seg.clause:
                continue
            cond, sep, pts = seg.clause.rpartition(":") if ":" in seg.clause else seg.clause.rpartition("=>")
            if not sep:
                raise clause_error(text, seg, "应写成「条件: 分数」，如 >=90%: 3")
            try:
                value = number(pts, "分数")
                if cond.strip().lower() in ("else", "其他", "否则", "其余"):
                    otherwise = value
                else:
                    clauses.append((interval(cond), value))
            except ValueError as exc:
                raise clause_error(text, seg, str(exc)) from None
        if not clauses:
            raise clause_error(text, Segment(1, "", {}), "至少需要一个区间")
        return cls(text=text, clauses=tuple(clauses), otherwise=otherwise,
                   **rate_options(text, segments, merged_options(text, segments)))

    def reading(self, points):
        parts = [f"{interval_words(iv)}得{fmt_num(p)}分" for iv, p in self.clauses]
        if self.otherwise is not None:
            parts.append(f"其他情况得{fmt_num(self.otherwise)}分")
        tail = "" if self.otherwise is not None else "；不满足任何区间视为错误"
        two = "(第1个输入−第2个输入)÷第2个输入" if self.rate == "change" else "第1个输入÷第2个输入"
        return f"按第1个输入（两个输入时为{two}）依次判断，取第一个满足的区间：{'；'.join(parts)}{tail}"

    def share_table(self) -> bool:
        """Clauses all percents below 100% (a satisfaction table): the value is a share in 0..100%.
        A clause on values below 0 (负增长 → <0%) says the value is a growth rate, not a share."""
        bounds = [b for iv, _ in self.clauses for b in (iv.lo, iv.hi) if b is not None]
        negative = any(iv.lo is None and iv.hi is not None and iv.hi <= 0 for iv, _ in self.clauses)
        return all(iv.pct for iv, _ in self.clauses) and bool(bounds) and all(0 <= b < 1 for b in bounds) \
            and not negative

    def rate_bounds(self):
        return tuple(iv for iv, _ in self.clauses) if any(iv.pct for iv, _ in self.clauses) else None

    def remarks(self, points):
        top = max([p for _, p in self.clauses] + ([self.otherwise] if self.otherwise is not None else []))
        out = [("错误", f"区间得分{fmt_num(top)}超过分值{fmt_num(points)}")] if points is not None and top > points else []
        gaps = self.gaps()
        if gaps:
            out.append(("提示", f"区间之间有空档：{'、'.join(map(str, gaps))}；落在空档内的值（如{gaps[0].example}）不满足任何区间，"
                              "得分留空并报错"))
        return out

    def gaps(self) -> list["Gap"]:
        """Stretches between percent clauses that no clause covers (80%-99% beside 100%: 99.5% is in
        none). Whole-percent bounds are how officials write, but rates fall between them; a table
        with 其他 (else) has no gaps. Values beyond the lowest and highest clause are not gaps."""
        if self.otherwise is not None or not all(iv.pct for iv, _ in self.clauses):
            return []
        spans = sorted(((iv.lo, iv.lo_open, iv.hi, iv.hi_open) for iv, _ in self.clauses),
                       key=lambda s: (s[0] is not None, s[0] or 0, s[1]))
        out = []
        reach, closed = spans[0][2], not spans[0][3]          # covered up to reach (None: no end)
        for lo, lo_open, hi, hi_open in spans[1:]:
            if reach is None:
                break
            if lo is not None and (lo > reach or (lo == reach and lo_open and not closed)):
                out.append(Gap(reach, not closed, lo, lo_open))
            if hi is None:
                reach = None
            elif hi > reach:
                reach, closed = hi, not hi_open
            elif hi == reach:
                closed = closed or not hi_open
        return out

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        num, den = rate_columns(cols, out, ctx, change=self.rate == "change", allow_negative=True,
                                limit=self.limit())

        two = len(cols) == 2

        def kernel(ops, n, d):
            v = self._rate(ops, n, d) if two else n
            fired = first_match((in_interval(ops, v, iv) for iv, _ in self.clauses), len(n))
            return [fired, v] if two else [fired]
        fired, *rate = exact.run(kernel, [num, den], ctx.rows & (out.status == OK))
        v = rate[0] if two else num                  # one column: the value as typed
        fired = fired.astype(np.int32, copy=False)
        if self.share_table():
            with np.errstate(invalid="ignore"):
                out.fail(ctx.rows & ((v < 0) | (v > 1)), INVALID,
                         lambda i: f"「{ctx.label}」={_show(v[i], True)}超出0-100%")
        # fired -1 (no clause) takes the last entry: 其他's points, or blank
        table = np.array([float(p) for _, p in self.clauses]
                         + [np.nan if self.otherwise is None else float(self.otherwise)])
        s = table[fired]
        if self.otherwise is None:
            out.fail(ctx.rows & (fired < 0), INVALID,
                     lambda i: f"「{ctx.label}」={_show(v[i], self.clauses[0][0].pct)}不满足任何区间")
        out.score = where_ok(out, s)
        out.value, out.fired = v, fired
        return out

    def explain_many(self, out, idx, points, ctx):
        values, fired = out.shown("value", pct=self.clauses[0][0].pct), out.fired.tolist()
        said = [f"满足「{iv.text()}」，{score_text(float(p), None, ctx.decimals)}" for iv, p in self.clauses]
        if self.otherwise is not None:
            said.append(f"满足「其他」，{score_text(float(self.otherwise), None, ctx.decimals)}")
        return by_distinct([out.value, out.fired], idx,
                           lambda reps: [f"{ctx.label}={values[i]}，{said[fired[i]]}" for i in reps])


class PassRule(_RateRule):
    """Full points if the condition holds, else 0 (a ceiling compared on the exact amounts)."""

    KIND: ClassVar[str] = "pass"
    NAMES: ClassVar[tuple[str, ...]] = ("达标", "是否达标")
    OPTIONS: ClassVar[dict[str, str]] = dict(RATE_OPTIONS)

    condition: Interval | None = None
    expect: bool | None = None          # for 是/否 inputs
    when: Condition | None = None       # a condition over several inputs (x1>x2)

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "PassRule":
        clauses = [s for s in segments if s.clause]
        if len(clauses) != 1:
            raise clause_error(text, clauses[1] if clauses else Segment(1, "", {}), "需要且只能有一个条件，如 <=100% 或 是")
        seg = clauses[0]
        word = seg.clause.strip()
        opts = rate_options(text, segments, merged_options(text, segments))
        if (answer := yes_no_word(word)) is not None:
            return cls(text=text, expect=answer, **opts)
        try:
            if re.search(r"x\d", word, re.IGNORECASE):
                return cls(text=text, when=parse_condition(word), **opts)
            return cls(text=text, condition=interval(word), **opts)
        except ValueError as exc:
            raise clause_error(text, seg, str(exc)) from None

    def reading(self, points):
        if self.when is not None:
            return f"{conditions.reading(self.when)}得满分，否则不得分（按填写值精确比较）"
        if self.expect is not None:
            return f"第1个输入为「{'是' if self.expect else '否'}」得满分，否则不得分"
        return (f"第1个输入（两个输入时为二者之比，按金额精确比较）{interval_words(self.condition)}得满分，"
                "否则不得分；两个金额均为0视为达标")

    def arity(self) -> tuple[int, int]:
        if self.when is not None:
            k = max(self.when.inputs()) + 1
            return (k, k)
        return (1, 1) if self.expect is not None else (1, 2)

    def rate_bounds(self):
        c = self.condition
        return (c,) if c is not None and c.pct else None

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        if self.when is not None:
            numbers, answers = condition_inputs([self.when], cols, out, ctx)
            met = conditions.evaluate(self.when, numbers, answers)
            out.value = met.astype(float)
        elif self.expect is not None:
            vals, bad = cols[0].booleans
            out.fail(ctx.rows & cols[0].blank, 1, f"缺少输入「{cols[0].name}」")
            out.fail(ctx.rows & bad, INVALID, lambda i: f"「{cols[0].name}」应填 是/否，而不是「{cols[0].text(i)}」")
            met = vals == float(self.expect)
            out.value = vals
        else:
            num, den = rate_columns(cols, out, ctx, change=self.rate == "change", allow_negative=True,
                                    limit=self.limit())

            def kernel(ops, n, d):
                v = self._rate(ops, n, d) if len(cols) == 2 else n
                return [v, in_interval(ops, v, self.condition)]
            v, met = exact.run(kernel, [num, den], ctx.rows & (out.status == OK))
            met = met.astype(bool, copy=False)
            if len(cols) == 2:          # 0/0: nothing was budgeted and nothing spent → met
                vacuous = (num == 0) & (den == 0)
                if vacuous.any():
                    met, v = met | vacuous, np.where(vacuous, np.nan, v)
            out.value = v
        out.extra["met"] = met
        out.score = where_ok(out, np.where(met, float(points), 0.0))
        return out

    def explain_many(self, out, idx, points, ctx):
        met, two = out.extra["met"].tolist(), len(out.cols) == 2
        if self.when is not None:
            said = f"「{self.when.text}」"
            texts = condition_texts([self.when], out.cols)
            return ["，".join(f"{c.name}={t[i]}" for c, t in zip(out.cols, texts))
                    + (f"，满足{said}，得满分" if met[i] else f"，不满足{said}，不得分") for i in idx]
        if self.expect is not None:
            own = out.cols[0].texts
            return [f"{ctx.label}：{own[i]}，" + ("得满分" if met[i] else "不得分") for i in idx]
        cond = self.condition.text()
        said = (f"，不满足「{cond}」，不得分", f"，满足「{cond}」，得满分")
        tails = [said[m] for m in at(met, idx)]
        res = rate_texts(out, self.rate == "change", idx, f"{ctx.label}=", tails) if two else \
            [f"{ctx.label}={v}{t}" for v, t in zip(at(out.shown("value", pct=self.condition.pct), idx), tails)]
        if two:
            odd = ~np.isfinite(out.value[idx])
            for k in np.flatnonzero(odd).tolist():
                i = idx[k]
                if np.isnan(out.value[i]):
                    res[k] = f"{ctx.label}：分子分母均为0，视为达标，得满分"
                else:              # spending against a budget of 0: no rate, but clearly over
                    a, b = out.cols
                    res[k] = f"{ctx.label}：「{b.name}」为0而「{a.name}」为{a.texts[i]}{said[met[i]]}"
        return res


class RelativeRule(_RateRule):
    """points × value / best unit (or a benchmark), capped at the points."""

    KIND: ClassVar[str] = "relative"
    NAMES: ClassVar[tuple[str, ...]] = ("相对", "相对值", "对标")
    OPTIONS: ClassVar[dict[str, str]] = {"to": "to", "基准": "to", "among": "among", "比较范围": "among",
                                         **RATE_OPTIONS}

    to: Literal["max", "min"] | Decimal = "max"
    among: Literal["all", "group"] = "all"
    to_pct: bool = False                # to=28%: a rate benchmark, shown as a percent

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "RelativeRule":
        no_clauses(text, segments)
        opts = merged_options(text, segments)
        to = opts.get("to", "max").lower()
        try:
            to = {"max": "max", "best": "max", "最高": "max", "min": "min", "最低": "min"}.get(to) or number(to, "基准值")
        except ValueError as exc:
            raise clause_error(text, segments[0], str(exc)) from None
        among = AMONG.get(opts.get("among", "all"))
        if among is None:
            raise clause_error(text, segments[0], f"among（比较范围）应为 all/group（全部/组内），而不是「{opts.get('among')}」")
        return cls(text=text, to=to, among=among, to_pct="%" in opts.get("to", ""), **rate_options(text, segments, opts))

    def reading(self, points):
        where = "本组" if self.among == "group" else "所有被考核单位中"
        if isinstance(self.to, Decimal):
            to = fmt_pct(self.to) if self.to_pct else fmt_num(self.to)
            ref, expr = f"基准值{to}", f"本单位值÷基准值{to}"
        elif self.to == "min":
            ref, expr = f"{where}的最低值", f"{where}的最低值÷本单位值"
        else:
            ref, expr = f"{where}的最高值", f"本单位值÷{where}的最高值"
        return f"得分=分值×{expr}，不超过分值（越{'小' if self.to == 'min' else '大'}越好，以{ref}为满分）"

    def peer_basis(self) -> str | None:
        return None if isinstance(self.to, Decimal) else "最低值" if self.to == "min" else "最高值"

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        num, den = rate_columns(cols, out, ctx, change=self.rate == "change")
        if len(cols) == 1 and self.peer_basis():
            peer_slips(cols[0], num, out, ctx)
        if len(cols) == 2:            # x/0 has no value to compare with the best: an error, never a guess
            out.fail(ctx.rows & (den == 0) & (out.status == OK), INVALID,
                     lambda i: f"「{cols[1].name}」为0，无法计算比值")
        with np.errstate(divide="ignore", invalid="ignore"):
            v = num / den if len(cols) == 2 else num
        if isinstance(self.to, Decimal):
            best = np.full(ctx.n, float(self.to))
        else:
            best = _best(np.where(ctx.peers & (out.status == OK), v, np.nan), ctx, self.among, lowest=self.to == "min")
        bad = (best <= 0) | ((v <= 0) & (self.to == "min"))
        out.fail(ctx.rows & bad, INVALID, "基准值或本单位值为0，无法计算")
        pts = points

        def kernel(ops, n, d, b):
            x = ops.div(n, d) if len(cols) == 2 else n
            share = ops.div(b, x) if self.to == "min" else ops.div(x, b)
            full = ops.const(pts)
            return [ops.round(ops.minimum(full * share, full), ctx.decimals), share]
        s, share = exact.run(kernel, [num, den, best], ctx.rows & (out.status == OK))
        out.score = np.where(out.status == OK, s, np.nan)
        out.value = v
        out.extra.update(best=best, share=share)
        return out

    def explain_many(self, out, idx, points, ctx):
        values, bests = out.shown("value", pct=self.to_pct), out.shown("best", pct=self.to_pct)
        scores = out.shown("score", ctx.decimals)
        capped = (out.extra["share"] > 1).tolist()
        word = "基准值" if isinstance(self.to, Decimal) else ("最低值" if self.to == "min" else "最高值")
        full = fmt_num(points)
        res = []
        for i in idx:
            v, b = values[i], bests[i]
            expr = f"{full}×{b}÷{v}" if self.to == "min" else f"{full}×{v}÷{b}"
            res.append(f"本单位{v}，{word}{b}，得分={expr}={scores[i]}分{'（封顶）' if capped[i] else ''}")
        return res


class InfoRule(_RateRule):
    """Computed and shown, never scored: the value, a 是/否 answer, or a rate a/b."""

    KIND: ClassVar[str] = "info"
    NAMES: ClassVar[tuple[str, ...]] = ("不计分", "信息", "仅展示")
    OPTIONS: ClassVar[dict[str, str]] = {"show": "show", "显示": "show", **RATE_OPTIONS}
    scored: ClassVar[bool] = False

    show: Literal["percent", "number"] | None = None    # default: a percent for a/b, else the number

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "InfoRule":
        no_clauses(text, segments)
        opts = merged_options(text, segments)
        show = None
        if "show" in opts:
            show = {"percent": "percent", "百分比": "percent", "%": "percent", "number": "number",
                    "数值": "number"}.get(opts["show"].lower())
            if show is None:
                raise clause_error(text, segments[0], f"show（显示）应为 percent/number（百分比/数值），而不是「{opts['show']}」")
        return cls(text=text, show=show, **rate_options(text, segments, opts))

    def reading(self, points):
        return f"只计算展示，不计分：一个输入时展示其值（或是/否），两个输入时展示{self.rate_reading()[3:]}，分母为0时不显示"

    def shown(self, out):
        """The value, or 是/否 where one input was answered 是/否 (seed 004's yes/no rows), not 1/0."""
        answer = out.extra.get("answer")
        if answer is None or not answer.any():
            return out.value
        return np.where(answer, yes_no_shown(out.value, answer), out.value.astype(object))

    def shows_percent(self, n_inputs: int) -> bool:
        return self.show == "percent" or (self.show is None and (n_inputs == 2 or self.rate == "change"))

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        if len(cols) == 1:                      # a value, or a 是/否 answer shown as it is
            col = cols[0]
            vals, bad = col.numbers
            answers, not_bool = col.booleans
            out.fail(ctx.rows & col.blank, 1, f"缺少输入「{col.name}」")
            out.fail(ctx.rows & bad & not_bool, INVALID, lambda i: f"输入「{col.name}」的值「{col.text(i)}」不是数值或是/否")
            out.value = np.where(out.status == OK, np.where(bad, answers, vals), np.nan)
            out.extra["answer"] = bad & ~not_bool
            out.score = out.value.copy()
            return out
        num, den = rate_columns(cols, out, ctx, change=self.rate == "change")
        zero = ctx.rows & (den == 0) & (out.status == OK)
        v = exact.run(lambda ops, n, d: [self._rate(ops, n, d)], [num, den], ctx.rows & (out.status == OK))[0]
        out.value = np.where(zero | (out.status != OK), np.nan, v)
        for i in np.flatnonzero(zero).tolist():
            out.notes[i] = f"「{cols[-1].name}」为0，比率无定义"
        out.score = out.value.copy()
        return out

    def explain_many(self, out, idx, points, ctx):
        cols = out.cols
        if len(cols) == 2 and self.shows_percent(2):
            shown = rate_texts(out, self.rate == "change")
        elif len(cols) == 2:
            a, b, q = cols[0].texts, cols[1].texts, out.shown("value", 4)
            shown = [f"{x}÷{y}={z}" for x, y, z in zip(a, b, q)]
        else:
            shown = out.shown("value", pct=self.shows_percent(1))
        answer = out.extra["answer"].tolist() if len(cols) == 1 else None
        res = []
        for i in idx:
            if i in out.notes:
                res.append(f"{ctx.label}：{out.notes[i]}（不计分）")
            elif answer is not None and answer[i]:
                res.append(f"{ctx.label}：{cols[0].texts[i]}（不计分）")
            else:
                res.append(f"{ctx.label}={shown[i]}（不计分）")
        return res


def _show(v: float, pct: bool) -> str:
    return fmt_pct(v) if pct else fmt_num(v)
