"""What every rule kind shares: its inputs, its outcome over a column of units, its options."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from .. import conditions
from ..clauses import Interval, Segment, clause_error, number
from ..numbers import fmt_num, fmt_nums, fmt_pct, is_blank, parse_bool, to_float

OK, MISSING, INVALID, NOT_ASSESSED = 0, 1, 2, 3


class InputColumn:
    """One input of a rule over all units: the raw cells, read lazily as numbers or 是/否."""

    def __init__(self, name: str, raw):
        self.name = name
        self.raw = np.asarray(raw, dtype=object) if not isinstance(raw, np.ndarray) else raw

    def __len__(self) -> int:
        return len(self.raw)

    @cached_property
    def blank(self) -> np.ndarray:
        if self.raw.dtype.kind == "f":
            return np.isnan(self.raw)
        return np.fromiter((is_blank(v) for v in self.raw), dtype=bool, count=len(self.raw))

    @cached_property
    def numbers(self) -> tuple[np.ndarray, np.ndarray]:
        """(values, bad): floats (NaN where blank or not a number) and where the text was not a number."""
        if self.raw.dtype.kind in "fiu":
            vals = self.raw.astype(float)
            return vals, np.zeros(len(vals), dtype=bool)
        parsed: dict = {}                     # each distinct cell is parsed once (True is not 1.0)
        keys = [(type(v), v) for v in self.raw.tolist()]
        for key in set(keys):
            try:
                parsed[key] = to_float(key[1])
            except (ValueError, TypeError):
                parsed[key] = None
        got = [parsed[k] for k in keys]
        bad = np.fromiter((g is None for g in got), dtype=bool, count=len(got)) & ~self.blank
        vals = np.array([np.nan if g is None else g for g in got], dtype=float)
        return vals, bad

    @cached_property
    def booleans(self) -> tuple[np.ndarray, np.ndarray]:
        """(values as 1.0/0.0/NaN, bad) for 是/否 cells."""
        vals = np.full(len(self.raw), np.nan)
        bad = np.zeros(len(self.raw), dtype=bool)
        for i, v in enumerate(self.raw):
            if is_blank(v):
                continue
            try:
                vals[i] = float(parse_bool(v))
            except ValueError:
                bad[i] = True
        return vals, bad

    @cached_property
    def texts(self) -> list[str]:
        """Every cell as the user wrote it ('' for blank), formatted once for the whole column."""
        return _as_written(self.raw, self.blank)

    def text(self, i: int) -> str:
        return self.texts[i]

    def texts_at(self, idx: np.ndarray) -> dict[int, str]:
        """The cells at ``idx`` as the user wrote them, without formatting the whole column
        (a few slips in 200,000 units should cost a few formats, not 200,000)."""
        if "texts" in self.__dict__:
            return {i: self.texts[i] for i in idx.tolist()}
        return dict(zip(idx.tolist(), _as_written(self.raw[idx], self.blank[idx])))


def _as_written(raw: np.ndarray, blank: np.ndarray) -> list[str]:
    if raw.dtype.kind == "f":
        return fmt_nums(raw, blank="")
    return ["" if b else (fmt_num(v) if isinstance(v, float) else str(v).strip())
            for v, b in zip(raw.tolist(), blank.tolist())]


@dataclass
class Ctx:
    """Where a rule is applied: which units it scores, who counts as a peer, rounding."""

    rows: np.ndarray                       # units scored by this rubric row
    peers: np.ndarray                      # units whose values define "the best" (same indicator id)
    groups: np.ndarray                     # each unit's group label (for among=group)
    decimals: int = 2
    label: str = ""                        # the indicator's name as the working mentions it

    @property
    def n(self) -> int:
        return len(self.rows)


@dataclass
class Outcome:
    """A rule applied to a column of units: scores plus everything needed to explain them."""

    score: np.ndarray
    status: np.ndarray
    value: np.ndarray                       # the metric the rule looked at (rate, gap, count, score)
    fired: np.ndarray                       # which clause/band fired (-1: none)
    deduction: np.ndarray                   # points taken off (NaN: not a deduction rule)
    messages: dict[int, str] = field(default_factory=dict)   # 错误 per unit
    notes: dict[int, str] = field(default_factory=dict)      # 提示 per unit
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    cols: list[InputColumn] = field(default_factory=list)    # the inputs, for the working
    culprit: dict[int, str] = field(default_factory=dict)    # unit -> the input its 错误 is about

    def shown(self, key: str, decimals: int | None = None, pct: bool = False) -> list[str]:
        """An array of the outcome ('score', 'value', 'deduction' or an extra) formatted for the
        working, column-wise once; explain(i) indexes into it."""
        cache = self.__dict__.setdefault("_shown", {})
        k = (key, decimals, pct)
        if k not in cache:
            values = getattr(self, key) if key in ("score", "value", "deduction") else self.extra[key]
            cache[k] = fmt_nums(values, decimals, pct)
        return cache[k]

    @classmethod
    def empty(cls, n: int) -> "Outcome":
        nan = np.full(n, np.nan)
        return cls(score=nan.copy(), status=np.full(n, OK, dtype=np.int8), value=nan.copy(),
                   fired=np.full(n, -1, dtype=np.int32), deduction=nan.copy())

    def fail(self, mask: np.ndarray, status: int, message, col: "InputColumn | None" = None) -> None:
        """Blank the score of every unit in mask and record why (message: str or callable(i));
        ``col``: the input at fault, so the 问题 sheet points at that cell, not the row's first."""
        if not mask.any():
            return
        idx = np.flatnonzero(mask & (self.status == OK))
        self.status[idx] = status
        self.score[idx] = np.nan
        for i in idx.tolist():
            self.messages[i] = message(i) if callable(message) else message
            if col is not None:
                self.culprit[i] = col.name


class Rule(BaseModel):
    """Base of every rule kind. Subclasses define KIND, NAMES, OPTIONS and the three methods."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    KIND: ClassVar[str] = ""
    NAMES: ClassVar[tuple[str, ...]] = ()
    OPTIONS: ClassVar[dict[str, str]] = {}   # option key (and aliases) -> field name
    scored: ClassVar[bool] = True
    LABELLED: ClassVar[bool] = False         # clauses are label=value (band levels, bonus levels)
    bonus: ClassVar[bool] = False            # scores on top of the base points (not in full points)

    text: str = ""
    na: Literal["full", "exclude"] | None = None     # an input saying 不涉及: full points, or not assessed

    def arity(self) -> tuple[int, int]:
        """(least, most) input columns the rule reads."""
        return 1, 1

    def evaluate(self, cols: list[InputColumn], points: Decimal | None, ctx: Ctx) -> Outcome:
        raise NotImplementedError

    def explain(self, out: Outcome, i: int, points: Decimal | None, ctx: Ctx) -> str:
        raise NotImplementedError

    def explain_many(self, out: Outcome, idx: list[int], points: Decimal | None, ctx: Ctx) -> list[str]:
        """The working of many scored units; units with the same inputs and score share one text
        (kinds whose working depends on peers or continuous values override this)."""
        cache: dict = {}
        raws = [c.raw.tolist() for c in out.cols]
        scores = out.score.tolist()
        res = []
        for i in idx:
            key = (scores[i], *[r[i] for r in raws])
            text = cache.get(key)
            if text is None:
                text = cache[key] = self.explain(out, i, points, ctx)
            res.append(text)
        return res

    def reading(self, points: Decimal | None) -> str:
        """The rule in plain Chinese (规则说明), bounds and step conventions stated outright."""
        raise NotImplementedError

    def shown(self, out: Outcome) -> np.ndarray:
        """What 得分 (and a worksheet function) shows for an unscored row: its values, or the
        words a value stands for (a veto's 是/否), so an answer never reads as a score of 1."""
        return out.value

    def working(self, out: Outcome, idx: list[int], points: Decimal | None, ctx: Ctx) -> list[str]:
        """The working of scored units, including those scored full because an input said 不涉及."""
        na = out.extra.get("na")
        if na is None or not na[idx].any():
            return self.explain_many(out, idx, points, ctx)
        rest = [i for i in idx if not na[i]]
        texts = dict(zip(rest, self.explain_many(out, rest, points, ctx))) if rest else {}
        return [texts[i] if i in texts else NA_FULL_TEXT for i in idx]

    def remarks(self, points: Decimal | None) -> list[tuple[str, str]]:
        """Rubric-level (severity, message) about the rule itself, e.g. overlapping bands."""
        return []

    def needs_points(self) -> bool:
        return self.scored

    def peer_basis(self) -> str | None:
        """What a unit's score is compared with among the other units (最高值, 排名), or None when
        its score depends on its own inputs alone: a peer left out then changes other scores."""
        return None


NA_WORDS = frozenset({"不涉及", "不适用", "无此项", "不考核", "n/a", "na"})
NA_VALUES = {"full": "full", "满分": "full", "得满分": "full", "exclude": "exclude", "不考核": "exclude",
             "不计": "exclude", "剔除": "exclude", "不参与": "exclude"}
NA_FULL_TEXT = "不涉及，按规则得满分"
NA_EXCLUDED_TEXT = "不涉及，本项不参与考核"


def apply_rule(rule: Rule, cols: list[InputColumn], points: Decimal | None, ctx: Ctx) -> Outcome:
    """Evaluate a rule over its units, first taking out those whose input says 不涉及 (不适用):
    full points or not assessed as the rule's na= says, an 错误 when it says nothing."""
    na = np.zeros(ctx.n, dtype=bool)
    for col in cols:
        if col.raw.dtype == object:
            na |= np.fromiter((t.lower() in NA_WORDS for t in col.texts), dtype=bool, count=len(col))
    na &= ctx.rows
    if not na.any():
        return rule.evaluate(cols, points, ctx)
    inner = Ctx(rows=ctx.rows & ~na, peers=ctx.peers & ~na, groups=ctx.groups, decimals=ctx.decimals,
                label=ctx.label)
    out = rule.evaluate(cols, points, inner)
    idx = np.flatnonzero(na)
    out.status[idx], out.value[idx] = OK, np.nan
    for i in idx.tolist():
        out.messages.pop(i, None)
    if rule.na == "exclude":
        out.status[idx] = NOT_ASSESSED
        out.score[idx] = np.nan
        for i in idx.tolist():
            out.messages[i] = NA_EXCLUDED_TEXT
    elif rule.na == "full" and points is not None:
        out.score[idx] = float(points)
        out.extra["na"] = na
    else:
        out.fail(na, INVALID, "缺少分值，无法按不涉及计满分" if rule.na == "full" else
                 "输入为「不涉及」，而规则未说明不涉及时如何计分（可在规则后加 na=full 得满分，或 na=exclude 不参与考核）")
    return out


def numeric_inputs(cols: list[InputColumn], out: Outcome, ctx: Ctx) -> list[np.ndarray]:
    """Float columns; blank → MISSING, text that is not a number → INVALID (both on scored rows)."""
    values = []
    for col in cols:
        vals, bad = col.numbers
        out.fail(ctx.rows & col.blank, MISSING, f"缺少输入「{col.name}」", col)
        out.fail(ctx.rows & bad, INVALID, lambda i, c=col: not_a_number(c, i), col)
        values.append(vals)
    return values


NO_FLOOR_WORDS = ("none", "不限", "无", "无下限")


def parse_floor(text: str) -> Decimal | Literal["none"]:
    """floor=: a number (may be negative) or none/不限 (no floor)."""
    return "none" if text.strip().lower() in NO_FLOOR_WORDS else number(text, "最低分")


def floor_of(floor, points) -> Decimal | None:
    """The lowest score (None: no floor). Default 0 (扣完为止); a row worth 0 points is a pure
    deduction item whose score is minus its deduction, so it has no floor by default."""
    if floor is None:
        return None if points is not None and points == 0 else Decimal(0)
    return None if floor == "none" else floor


RATE_NAME = re.compile(r"率|增速|增幅|增长|占比|比重|%")


AMOUNT_NAME = re.compile(r"额|元|数$|量$|速率|频率|功率")   # 增长额, 万元, 下载速率: not rates despite 增长/率
#: Two compared rates: a value above this, beside one at or below it, may be a percent typed plainly.
RATE_SCALE = 1.5
#: Outcome.extra key: the units blanked for two compared rates on different scales.
SCALE_SLIP = "scale_slip"


def reads_percent(col: InputColumn) -> bool:
    """Whether a column holds rates: its name says so (增长率, 增速, 占比, but not 增长额), or a
    cell is typed as a percent (6.5%)."""
    if RATE_NAME.search(col.name) and not AMOUNT_NAME.search(col.name):
        return True
    return col.raw.dtype == object and any(isinstance(v, str) and v.rstrip().endswith(("%", "％"))
                                           for v in col.raw.tolist())


def compared_slips(a: InputColumn, va: np.ndarray, b: InputColumn, vb: np.ndarray, out: Outcome,
                   ctx: Ctx, rates: bool = False) -> None:
    """Two inputs compared with each other are one quantity: where they are rates (``rates``, or
    either column reads as a percent) and a unit has one on a 100× larger scale than the other
    (8.2 beside 0.065: 8.2% typed as 8.2), the comparison would be decided by the slip, so that
    value is an INVALID slip. Both typed alike (8.2 and 6.5) are read as typed."""
    if not (rates or reads_percent(a) or reads_percent(b)):
        return
    for col, v, w, other in ((a, va, vb, b), (b, vb, va, a)):
        with np.errstate(invalid="ignore"):
            off = (ctx.rows & (out.status == OK) & (np.abs(v) > RATE_SCALE) & (np.abs(v) <= 100 * RATE_SCALE)
                   & (np.abs(w) <= RATE_SCALE) & (w != 0))
        if off.any():
            idx = np.flatnonzero(off)
            out.extra[SCALE_SLIP] = out.extra.get(SCALE_SLIP, np.zeros(ctx.n, dtype=bool)) | off
            typed = col.texts_at(idx)
            out.fail(off, INVALID, lambda i: f"「{col.name}」={typed[i]}，与「{other.name}」={fmt_pct(w[i])}比较："
                                             f"两者按百分比读取，是否应为{fmt_pct(v[i] / 100)}？", col)


def peer_slips(col: InputColumn, values: np.ndarray, out: Outcome, ctx: Ctx) -> None:
    """Units compared with each other (the best value, a rank) on a column of rates: a value on a
    100× larger scale than the peers' median (8.2 among 0.05 … 0.07) would become the best and
    lower every other score, so it is a slip like two compared inputs (``compared_slips``)."""
    if not reads_percent(col):
        return
    with np.errstate(invalid="ignore"):
        peers = np.abs(values[ctx.peers & (out.status == OK)])
    peers = peers[~np.isnan(peers)]
    if peers.size < 2 or np.median(peers) > RATE_SCALE:      # peers typed in percent points: as typed
        return
    median = np.full(ctx.n, float(np.median(peers)))
    compared_slips(col, values, InputColumn("各单位中位数", median), median, out, ctx, rates=True)


def condition_texts(conds, cols: list[InputColumn]) -> list[list[str]]:
    """Each condition input as the working shows it: numbers as percents where a condition compares
    that input with a percent, or its name says it is a rate (增速, 执行率, 占比); else as typed."""
    pct = {t.left for c in conds if c is not None for conj in c.any_of for t in conj
           if t.bound is not None and t.bound.pct}
    out = []
    for k, col in enumerate(cols):
        if (k in pct or RATE_NAME.search(col.name)) and col.raw.dtype.kind in "fO":
            shown = fmt_nums(col.numbers[0], pct=True)
            out.append([s if not col.blank[i] and not isinstance(col.raw[i], str) else col.texts[i]
                        for i, s in enumerate(shown)])
        else:
            out.append(col.texts)
    return out


def points_or_share(text: str, what: str) -> tuple[Decimal, bool]:
    """'0.5' → (0.5, False) points; '5%w' → (0.05, True) a share of the row's points."""
    t = text.strip()
    share = t.lower().endswith("w")
    return number(t[:-1] if share else t, what), share


ROUNDS = {"up": "up", "ceil": "up", "向上": "up", "down": "down", "floor": "down", "向下": "down"}
AMONG = {"all": "all", "全部": "all", "group": "group", "组内": "group"}
RATE_OPTIONS = {"rate_dp": "rate_dp", "比率小数位": "rate_dp", "rate": "rate", "rate_max": "rate_max",
                "比率上限": "rate_max"}


def merged_options(text: str, segments: list[Segment]) -> dict:
    """Every segment's key=value options in one dict; a key given twice is a clause error, since
    silently keeping one of two different values would score by a rule nobody wrote."""
    opts: dict = {}
    for seg in segments:
        for k, v in seg.options.items():
            if k in opts:
                raise clause_error(text, seg, f"选项 {k} 重复")
            opts[k] = v
    return opts


def rate_options(text: str, segments: list[Segment], opts: dict) -> dict:
    """The rate options every rate-reading kind accepts (RATE_OPTIONS), checked into fields:
    rate_dp= an integer, rate= ratio/change (比率/增长率), rate_max= a bound or none."""
    out = {}
    if "rate_dp" in opts:
        try:
            out["rate_dp"] = int(opts["rate_dp"])
        except ValueError:
            raise clause_error(text, segments[0], "rate_dp 应为整数") from None
    if "rate" in opts:
        rate = {"ratio": "ratio", "change": "change", "增长率": "change", "变动率": "change"}.get(opts["rate"])
        if rate is None:
            raise clause_error(text, segments[0], f"rate 应为 ratio/change（比率/增长率），而不是「{opts['rate']}」")
        out["rate"] = rate
    if "rate_max" in opts:
        word = opts["rate_max"].strip().lower()
        try:
            out["rate_max"] = Decimal(0) if word in ("none", "不限", "无") else number(opts["rate_max"], "比率上限")
        except ValueError as exc:
            raise clause_error(text, segments[0], str(exc)) from None
        if out["rate_max"] < 0:
            raise clause_error(text, segments[0], "rate_max 不能为负")
    return out


def no_clauses(text: str, segments: list[Segment]) -> None:
    """For kinds whose whole rule is options: any clause text left over is an error, not ignored."""
    for seg in segments:
        if seg.clause:
            raise clause_error(text, seg, f"不认识的内容「{seg.clause}」")


def in_interval(ops, v, iv: Interval):
    """Whether each v lies in iv, decided through `ops` so a value near a bound is redone exactly."""
    ok = np.ones(len(v), dtype=bool)
    if iv.lo is not None:
        ok = ok & ops.cmp(v, ">" if iv.lo_open else ">=", ops.const(iv.lo))
    if iv.hi is not None:
        ok = ok & ops.cmp(v, "<" if iv.hi_open else "<=", ops.const(iv.hi))
    return ok


def condition_inputs(conds, cols: list[InputColumn], out: Outcome, ctx: Ctx):
    """(numbers, answers) per input for conditions over x1 … xk: an input a condition compares with
    是/否 is read as 是/否, every other one as a number (blank → MISSING, bad text → INVALID); an
    input compared with a percent and typed as a plain number (95 for 95%) is an INVALID slip."""
    yes_no = set().union(*(conditions.needs_answer(c) for c in conds if c is not None))
    numbers, answers = [], []
    for j, col in enumerate(cols):
        if j in yes_no:
            vals, bad = col.booleans
            out.fail(ctx.rows & col.blank, MISSING, f"缺少输入「{col.name}」", col)
            out.fail(ctx.rows & bad, INVALID, lambda i, c=col: f"「{c.name}」应填 是/否，而不是「{c.text(i)}」", col)
            answers.append(vals)
            numbers.append(np.full(ctx.n, np.nan))
        else:
            vals = numeric_inputs([col], out, ctx)[0]
            terms = [t for c in conds if c is not None for conj in c.any_of for t in conj
                     if t.left == j and t.bound is not None and t.bound.pct]
            if terms:       # compared with a percent: 95 typed for 95% is a slip, not a pass
                percent_slips(col, vals, out, ctx, rate_limit([b for t in terms for b in (t.bound.lo, t.bound.hi)],
                                                              open_above=any(t.bound.hi is None for t in terms)))
            numbers.append(vals)
            answers.append(np.full(ctx.n, np.nan))
    pct = {t.left for c in conds if c is not None for conj in c.any_of for t in conj
           if t.bound is not None and t.bound.pct}
    pairs = {tuple(sorted((t.left, t.right))) for c in conds if c is not None for conj in c.any_of for t in conj
             if t.right is not None and t.right < len(cols) and not {t.left, t.right} & yes_no}
    for j, k in sorted(pairs):          # x1>x2: 8.2 (meaning 8.2%) against 0.065 decides nothing
        compared_slips(cols[j], numbers[j], cols[k], numbers[k], out, ctx, rates=bool({j, k} & pct))
    return numbers, answers


def yes_no_shown(values: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """是 for 1, 否 for 0 where ``answered``; blank (None) elsewhere."""
    words = np.where(values == 1, "是", np.where(values == 0, "否", None)).astype(object)
    return np.where(answered, words, None)


EXCEL_ERROR = re.compile(r"#(DIV/0!|N/A|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)")


def one_unit(n: int, i: int) -> np.ndarray:
    """A mask of n units with only unit i set (to fail one unit)."""
    m = np.zeros(n, dtype=bool)
    m[i] = True
    return m


def not_a_number(col: InputColumn, i: int) -> str:
    text = col.text(i)
    if text.startswith("="):
        return f"输入「{col.name}」是尚未计算的公式「{text}」：请在 Excel 或 WPS 中打开并保存后再评分"
    if EXCEL_ERROR.fullmatch(text):
        return f"输入「{col.name}」是错误值「{text}」（单元格的公式出错）：请先改正该单元格"
    return f"输入「{col.name}」的值「{text}」不是数值"


def fail_negative(values: np.ndarray, col: InputColumn, out: Outcome, ctx: Ctx) -> None:
    with np.errstate(invalid="ignore"):
        neg = values < 0
    out.fail(ctx.rows & neg, INVALID, lambda i: f"输入「{col.name}」为负数（{col.text(i)}），数据有误", col)


def rate_limit(bounds, declared=None, open_above: bool = False) -> float | None:
    """The largest size a typed rate can plausibly have under a rule with these percent bounds.

    A rule whose bounds all lie below 100% reads rates of at most 100%, or of at most 200% when
    its top clause is open upward (a completion of 120% meets '>=90%') or a bound is 100% itself
    ('<=100%' exists to fail 101%); one with a bound above
    100% (a 120% target) allows ten times its largest bound. ``declared`` (the rule's
    ``rate_max=`` option, 0 for no limit) overrides all of these."""
    if declared is not None:
        return float(declared) if declared > 0 else None
    top = max((abs(float(b)) for b in bounds if b is not None), default=0.0)
    if top > 1:
        return 10 * top
    return 2.0 if open_above or top == 1 else 1.0     # a 100% bound: 101% is real (控制率 ≤100% fails it)


def percent_slips(col: InputColumn, values: np.ndarray, out: Outcome, ctx: Ctx, limit: float | None) -> None:
    """Blank a rate typed as a plain number (95 for 95%) or far outside the rule's scale (9500%):
    scoring it would give a number the user never meant, so say what it probably should be."""
    if limit is None:
        return
    with np.errstate(invalid="ignore"):
        off = ctx.rows & (np.abs(values) > limit * (1 + 1e-12)) & (out.status == OK)
    if not off.any():
        return
    typed = col.texts_at(np.flatnonzero(off))
    out.fail(off, INVALID, lambda i: f"「{col.name}」={typed[i]}：本规则按百分比读取，"
                                     f"是否应为{fmt_pct(values[i] / 100)}？", col)


def rate_columns(cols: list[InputColumn], out: Outcome, ctx: Ctx, change: bool = False,
                 allow_negative: bool = False, limit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, denominator) of a rate read from one column (the rate) or two amounts.

    With ``change`` two amounts (current, base) give the rate (current − base) / base. A rate
    given in one column larger than ``limit`` (see ``rate_limit``) is a slip, not a score.
    """
    vals = numeric_inputs(cols, out, ctx)
    if not allow_negative:
        for v, c in zip(vals, cols):
            fail_negative(v, c, out, ctx)
    if len(vals) == 1:
        percent_slips(cols[0], vals[0], out, ctx, limit)
        return vals[0], np.ones_like(vals[0])
    num, den = vals
    compared_slips(cols[0], num, cols[1], den, out, ctx)     # a growth rate over the city's
    return (num - den if change else num), den


def rate_texts(out: Outcome, change: bool = False) -> list[str]:
    """'(a÷b)=94.12%' for amounts, '94.12%' for a given rate, for every unit (the rate is out.value)."""
    rates = out.shown("value", pct=True)
    if len(out.cols) != 2:
        return rates
    a, b = out.cols[0].texts, out.cols[1].texts
    if change:
        return [f"({x}-{y})÷{y}={r}" for x, y, r in zip(a, b, rates)]
    return [f"{x}÷{y}={r}" for x, y, r in zip(a, b, rates)]


def score_text(score: float, points: Decimal | None, decimals: int) -> str:
    if points is not None and score == float(points):
        return "得满分"
    if score == 0:
        return "不得分"
    return f"得{fmt_num(score, decimals)}分"


class ColumnWorking:
    """Mixin for kinds that write their working for a whole column at once (explain_many); the
    working of one unit is the same code on a column of one."""

    def explain(self, out: Outcome, i: int, points: Decimal | None, ctx: Ctx) -> str:
        return self.explain_many(out, [i], points, ctx)[0]


class UnreadableRule(Rule):
    """Stands in for rule text that could not be parsed, so its indicator shows blank, never 0."""

    KIND: ClassVar[str] = "unreadable"
    reason: str

    def arity(self) -> tuple[int, int]:
        return (0, 99)

    def needs_points(self) -> bool:
        return False

    def evaluate(self, cols, points, ctx):
        out = Outcome.empty(ctx.n)
        out.fail(ctx.rows, INVALID, self.reason)
        return out

    def reading(self, points):
        return self.reason

    def explain(self, out, i, points, ctx):
        return self.reason
