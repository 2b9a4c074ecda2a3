"""Rules about a unit's standing: ranks to points (排名) and the veto (一票否决) on its total or grade."""
from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

import numpy as np

from .. import exact
from ..clauses import Interval, Segment, clause_error, interval, number
from ..numbers import fmt_num, yes_no_word
from ..phrases import floor_words, interval_words
from ..rank import rank
from .base import (AMONG, INVALID, MISSING, OK, ColumnWorking, Outcome, Rule, floor_of, in_interval,
                   merged_options, numeric_inputs, parse_floor, peer_slips,
                   yes_no_shown)

ORDERS = {"desc": "desc", "越大越好": "desc", "高优": "desc", "降序": "desc", "asc": "asc", "越小越好": "asc",
          "低优": "asc", "升序": "asc"}
BY = {"value": "value", "数值": "value", "rank": "rank", "名次": "rank", "排名": "rank"}
ELSE_WORDS = ("else", "其他", "否则", "其余", "其它")


class RankRule(ColumnWorking, Rule):
    """第1名得满分，每降一名扣N分 (or points by rank), competition ranks among the assessed units."""

    KIND: ClassVar[str] = "rank"
    NAMES: ClassVar[tuple[str, ...]] = ("排名", "名次", "排名计分")
    OPTIONS: ClassVar[dict[str, str]] = {"deduct": "deduct", "每名扣": "deduct", "扣": "deduct", "order": "order",
                                         "顺序": "order", "among": "among", "比较范围": "among", "by": "by",
                                         "依据": "by", "floor": "floor", "最低": "floor", "下限": "floor"}

    deduct: Decimal | None = None
    clauses: tuple[tuple[Interval, Decimal], ...] = ()
    otherwise: Decimal | None = None
    order: Literal["desc", "asc"] = "desc"
    among: Literal["all", "group"] = "all"
    by: Literal["value", "rank"] = "value"
    floor: Decimal | Literal["none"] | None = None

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "RankRule":
        opts = merged_options(text, segments)
        first = segments[0] if segments else Segment(1, "", {})
        clauses, otherwise = [], None
        for seg in segments:
            if not seg.clause:
                continue
            cond, sep, pts = seg.clause.rpartition(":")
            if not sep:
                raise clause_error(text, seg, "应写成「名次: 分数」，如 1: 10; 2-3: 8; else: 5")
            try:
                if cond.strip().lower() in ELSE_WORDS:
                    otherwise = number(pts, "分数")
                else:
                    clauses.append((interval(cond.replace("第", "").replace("名", "")), number(pts, "分数")))
            except ValueError as exc:
                raise clause_error(text, seg, str(exc)) from None
        fields: dict = {"clauses": tuple(clauses), "otherwise": otherwise}
        try:
            if "deduct" in opts:
                fields["deduct"] = number(opts["deduct"], "每名扣分")
            if "floor" in opts:
                fields["floor"] = parse_floor(opts["floor"])
            for key, table, what in (("order", ORDERS, "desc/asc（越大越好/越小越好）"),
                                     ("among", AMONG, "all/group（全部/组内）"), ("by", BY, "value/rank（数值/名次）")):
                if key in opts:
                    if opts[key].lower() not in table:
                        raise ValueError(f"{key} 应为 {what}，而不是「{opts[key]}」")
                    fields[key] = table[opts[key].lower()]
        except ValueError as exc:
            raise clause_error(text, first, str(exc)) from None
        if ("deduct" in fields) == bool(clauses):
            raise clause_error(text, first, "需要 deduct=（每降一名扣分）或名次表（如 1: 10; 2-3: 8）之一"
                               if not clauses else "deduct= 与名次表只能用一种")
        return cls(text=text, **fields)

    def reading(self, points):
        if self.by == "rank":
            head = "第1个输入为名次"
        else:
            where = "本组" if self.among == "group" else "所有被考核单位"
            better = "越小越好" if self.order == "asc" else "越大越好"
            head = f"按第1个输入在{where}中排名（{better}），并列者名次相同、其后名次顺延（如1、1、3）"
        if self.deduct is not None:
            floor = floor_words(floor_of(self.floor, points), points)
            return f"{head}；第1名得满分，每降一名扣{fmt_num(self.deduct)}分，{floor}"
        parts = [f"{interval_words(iv).replace('等于', '第')}名得{fmt_num(p)}分" if iv.lo == iv.hi else
                 f"名次{interval_words(iv)}得{fmt_num(p)}分" for iv, p in self.clauses]
        if self.otherwise is not None:
            parts.append(f"其他名次得{fmt_num(self.otherwise)}分")
        return f"{head}；{'；'.join(parts)}"

    def needs_points(self) -> bool:
        return self.deduct is not None

    def peer_basis(self) -> str | None:
        return "排名" if self.by == "value" else None

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        v = numeric_inputs(cols, out, ctx)[0]
        if self.by == "value":
            peer_slips(cols[0], v, out, ctx)
            v = np.where(out.status == OK, v, np.nan)         # a slip is not ranked
        groups = ctx.groups if self.among == "group" else None
        if self.by == "rank":
            with np.errstate(invalid="ignore"):
                whole = (v >= 1) & (v == np.floor(v))
            out.fail(ctx.rows & ~np.isnan(v) & ~whole, INVALID,
                     lambda i: f"名次「{cols[0].text(i)}」应为不小于1的整数")
            r, tied, field = v, np.zeros(ctx.n, bool), np.full(ctx.n, np.nan)
        else:
            peers = np.where(ctx.peers, v, np.nan)
            ranked = rank(peers, "competition", ascending=self.order == "asc", groups=groups)
            r, tied = ranked.rank, ranked.tied
            field = _field_sizes(peers, groups)
            out.fail(ctx.rows & ~np.isnan(v) & np.isnan(r), INVALID, "本单位未分组，无法组内排名")
        if self.deduct is not None:
            floor = floor_of(self.floor, points)

            def kernel(ops, k):
                s = ops.const(points) - (k - 1) * ops.const(self.deduct)
                return [ops.round(ops.maximum(s, ops.const(floor)) if floor is not None else s, ctx.decimals)]
            s = exact.run(kernel, [r], ctx.rows & (out.status == OK))[0]
        else:
            fired = np.full(ctx.n, -1.0)
            for k in reversed(range(len(self.clauses))):
                fired = np.where(in_interval(exact.FloatOps(ctx.n), r, self.clauses[k][0]), float(k), fired)
            table = np.array([float(p) for _, p in self.clauses] + [np.nan if self.otherwise is None
                                                                     else float(self.otherwise)])
            fired = fired.astype(np.int32)
            s = table[np.where(fired >= 0, fired, len(self.clauses))]
            out.fail(ctx.rows & (out.status == OK) & np.isnan(s), INVALID,
                     lambda i: f"第{fmt_num(r[i])}名不在名次表中")
            out.fired = fired
        out.score = np.where(out.status == OK, s, np.nan)
        out.value = r
        out.extra.update(tied=tied, field=field)
        return out

    def explain_many(self, out, idx, points, ctx):
        ranks, scores = out.value.tolist(), out.shown("score", ctx.decimals)
        tied, field = out.extra["tied"].tolist(), out.extra["field"].tolist()
        own = out.cols[0].texts
        res = []
        for i in idx:
            k = int(ranks[i])
            if self.by == "rank":
                head = f"第{k}名"
            else:
                where = "组内" if self.among == "group" else ""
                head = f"{ctx.label}={own[i]}，{where}第{k}名（共{int(field[i])}个单位{'，并列' if tied[i] else ''}）"
            if self.deduct is not None:
                off = (k - 1) * self.deduct
                res.append(f"{head}，得满分" if k == 1 else
                           f"{head}，每降一名扣{fmt_num(self.deduct)}分，扣{fmt_num(off)}分，得{scores[i]}分")
            else:
                res.append(f"{head}，得{scores[i]}分")
        return res


def _field_sizes(values: np.ndarray, groups) -> np.ndarray:
    """How many units are ranked alongside each one (its group's, or everyone's, valid values)."""
    valid = ~np.isnan(values)
    if groups is None:
        return np.full(len(values), float(valid.sum()))
    g = np.asarray(groups, dtype=object).astype(str)
    out = np.full(len(values), np.nan)
    for key in np.unique(g[valid]):
        members = g == key
        out[members] = float((members & valid).sum())
    return out


VETO_WHAT = {"total": "总分", "grade": "等级", "below": "不得评为"}


class VetoRule(Rule):
    """一票否决: a yes/no (or a count meeting a condition) that sets the unit's total or grade.

    The row is not scored; engine.score applies fired vetoes where totals and grades are made."""

    KIND: ClassVar[str] = "veto"
    NAMES: ClassVar[tuple[str, ...]] = ("一票否决", "否决")
    OPTIONS: ClassVar[dict[str, str]] = {"total": "total", "总分": "total", "grade": "grade", "等级": "grade",
                                         "定为": "grade", "below": "below", "不得评为": "below"}
    scored: ClassVar[bool] = False

    condition: Interval | None = None       # on a count; None: the input is 是/否 and 是 fires
    total: Decimal | None = None
    grade: str | None = None
    below: str | None = None

    @classmethod
    def parse(cls, text: str, segments: list[Segment]) -> "VetoRule":
        opts = merged_options(text, segments)
        first = segments[0] if segments else Segment(1, "", {})
        clauses = [s for s in segments if s.clause]
        if len(clauses) > 1:
            raise clause_error(text, clauses[1], "一票否决只能有一个条件，如 >0 或 是")
        fields: dict = {}
        try:
            if clauses and yes_no_word(clauses[0].clause) is not True and clauses[0].clause.strip() != "发生":
                fields["condition"] = interval(clauses[0].clause)
            if "total" in opts:
                fields["total"] = number(opts["total"], "否决后的总分")
        except ValueError as exc:
            raise clause_error(text, clauses[0] if clauses else first, str(exc)) from None
        for key in ("grade", "below"):
            if key in opts:
                if not opts[key].strip():
                    raise clause_error(text, first, f"{key}= 需要一个等级名称，如 {key}=优")
                fields[key] = opts[key].strip()
        if not fields.keys() & {"total", "grade", "below"}:
            fields["total"] = Decimal(0)
        return cls(text=text, **fields)

    def needs_points(self) -> bool:
        return False

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        col = cols[0]
        if self.condition is None:
            vals, bad = col.booleans
            out.fail(ctx.rows & col.blank, MISSING, f"缺少输入「{col.name}」（一票否决事项须填 是/否）")
            out.fail(ctx.rows & bad, INVALID, lambda i: f"「{col.name}」应填 是/否，而不是「{col.text(i)}」")
            fired = vals == 1
        else:
            vals = numeric_inputs(cols, out, ctx)[0]
            fired = exact.run(lambda ops, x: [in_interval(ops, x, self.condition)], [vals], ~np.isnan(vals))[0].astype(bool)
        fired &= out.status == OK
        out.value = np.where(out.status == OK, fired.astype(float), np.nan)
        out.score = out.value.copy()
        out.extra["fired"] = fired
        return out

    def reading(self, points):
        when = "第1个输入为「是」" if self.condition is None else f"第1个输入{interval_words(self.condition)}"
        total = "（原总分低于该分数的不变）" if self.total is not None and self.total > 0 else ""
        grade = "（降为下一等级）" if self.below is not None else ""
        return f"一票否决：{when}时，{self.consequence()}{total}{grade}；本项不计分，空白视为错误"

    def shown(self, out):
        """是 where the veto fired, 否 where not, blank where the answer is missing."""
        return yes_no_shown(out.value, out.value == out.value)

    def consequence(self) -> str:
        """What a fired veto does, in words: 总分计为0分；不得评为优."""
        said = []
        if self.total is not None:
            said.append("总分计为0分" if self.total == 0 else f"总分不超过{fmt_num(self.total)}分")
        if self.grade is not None:
            said.append(f"等级定为{self.grade}")
        if self.below is not None:
            said.append(f"不得评为{self.below}")
        return "，".join(said)

    def explain(self, out, i, points, ctx):
        text = out.cols[0].text(i)
        if out.extra["fired"][i]:
            return f"{ctx.label}：{text}，触发一票否决：{self.consequence()}"
        return f"{ctx.label}：{text}，未触发一票否决"
