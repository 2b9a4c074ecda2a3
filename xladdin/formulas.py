"""公式版: the engine's rule models compiled to native spreadsheet formulas over cells of 数据.

One function per rule kind turns a rule (with its points and the rubric's decimals) into a
formula over the unit's input cells; the sheet builder then writes those formulas into 得分 and
平均, with the engine's results as cached values. Only functions that Excel 2010, WPS and
LibreOffice share are used (IF, AND, OR, ISNUMBER, COUNT, ROUND, ROUNDUP, INT, ABS, MIN, MAX, SUM,
SUMPRODUCT, COUNTIF(S), SUMIF(S), AVERAGE, AVERAGEIFS, IFERROR, TRIM).

Conventions that keep the formulas equal to the engine:
- A blank or impossible input gives "" (never 0), as the engine leaves the score blank.
- Decisions on computed values (a rate against 90%, a count of 5% steps) are taken on
  ROUND(x, 9), which removes binary noise (15.78 / 315.6 is 0.05000000000000001 in floating point);
  values read straight from a cell are compared as they are, which is exact.
- Scores are rounded half-up with ROUND (Excel's ROUND is half-up), after the same ROUND(x, 9).
- A rule, an option or an input that has no faithful formula is not approximated: the compiler
  raises NotCompiled with the reason, and the cell keeps rubricxl's value with a note.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np

from engine.clauses import Interval
from engine.numbers import FALSE_WORDS, TRUE_WORDS, normalize_text, parse_bool
from engine.rounding import round_decimal_half_up
from engine.rules import (BandRule, BonusRule, CheckRule, DeductRule, InfoRule, InputColumn, ManualRule, PassRule,
                          RankRule, RatioRule, RelativeRule, Rule, StepRule, ThresholdRule, ValueRule, VetoRule)
from engine.rules.base import NA_WORDS, floor_of
from engine.rules.bonus import LEVEL_SPLIT, NO_LEVEL
from engine.score import score_rule

GUARD = 9                      # decimals kept to remove binary noise before a decision
MAX_LENGTH = 8000              # Excel's limit is 8192 characters per formula
BOOL_TRUE = tuple(sorted(w for w in TRUE_WORDS if not w.isdigit()))
BOOL_FALSE = tuple(sorted(w for w in FALSE_WORDS if not w.isdigit()))


class NotCompiled(Exception):
    """A rule (or a cell) with no faithful native formula; the message says why, in Chinese."""


@dataclass
class Compiled:
    """A rule as a formula over its inputs: ``text`` holds {0}, {1}… for the input cells (and
    {best} for the best unit's value where the rule needs it); ``modes`` says how each input is
    read (num, bool, num_or_bool, level, num_or_level, num_or_named), so cells the formula would read
    differently from the engine are found before writing."""

    text: str
    modes: tuple[str, ...]
    labels: tuple[str, ...] = ()           # band level names, for the level modes
    best: str | None = None                # 'max' or 'min': {best} is the best peer's value
    ranked: str | None = None              # 'desc' or 'asc': {rank} is the unit's rank among its peers


# ------------------------------------------------------------------------ literals and pieces

def lit(x) -> str:
    """A number as a formula literal, without exponent (Decimal and float both exact)."""
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def text_lit(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def rounded(x: str, decimals: int) -> str:
    """Half-up to the rubric's decimals, after removing binary noise."""
    return f"ROUND(ROUND({x},{max(GUARD, decimals + 3)}),{decimals})"


def denoised(x: str) -> str:
    return f"ROUND({x},{GUARD})"


def inside(v: str, iv: Interval) -> str:
    """The interval as a condition on v."""
    parts = []
    if iv.lo is not None and iv.lo == iv.hi:
        return f"{v}={lit(iv.lo)}"
    if iv.lo is not None:
        parts.append(f"{v}{'>' if iv.lo_open else '>='}{lit(iv.lo)}")
    if iv.hi is not None:
        parts.append(f"{v}{'<' if iv.hi_open else '<='}{lit(iv.hi)}")
    if not parts:
        return "TRUE"
    return parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"


def any_of(x: str, words) -> str:
    """x is one of words (case-insensitive, as the engine's 是/否 reading)."""
    return f"ISNUMBER(MATCH({x},{{{','.join(text_lit(w) for w in words)}}},0))"


def yes_no(x: str, yes: str, no: str) -> str:
    """yes where x reads 是 (1 or a word the engine knows), no where it reads 否, else blank."""
    return (f'IF(ISNUMBER({x}),IF({x}=1,{yes},IF({x}=0,{no},"")),'
            f'IF({any_of(x, BOOL_TRUE)},{yes},IF({any_of(x, BOOL_FALSE)},{no},"")))')


def not_numbers(xs: list[str]) -> str:
    return f"NOT(ISNUMBER({xs[0]}))" if len(xs) == 1 else f"COUNT({','.join(xs)})<{len(xs)}"


def _known(rule: Rule, fields: set[str]) -> None:
    """Refuse a rule that sets an option this compiler does not know (a kind added later)."""
    for name, info in type(rule).model_fields.items():
        if name in fields or name in ("text", "na"):       # na= is compiled around every kind
            continue
        if getattr(rule, name) != info.default:
            raise NotCompiled(f"规则选项 {name} 暂无对应公式")


def _rate(rule, inputs: list[str]) -> tuple[str, str, str]:
    """(numerator, denominator, rate) of a rate rule: one cell, or two amounts (ratio or change)."""
    if len(inputs) == 1:
        n, d = inputs[0], "1"
        r = n
    else:
        a, b = inputs
        n = f"({a}-{b})" if rule.rate == "change" else a
        d = b
        r = f"{n}/{d}"
    if getattr(rule, "rate_dp", None) is not None:
        r = f"ROUND({r},{rule.rate_dp + 2})"
    return n, d, r


def _zero_denominator(rule: Rule, points, decimals: int, fallback: str) -> str:
    """What the engine scores when the denominator is 0 (a > 0, a < 0, a = 0), as constants."""
    cols = [InputColumn("a", np.array([1.0, -1.0, 0.0])), InputColumn("b", np.array([0.0, 0.0, 0.0]))]
    s = score_rule(rule, points, cols, decimals).score
    out = ['""' if v != v else lit(v) for v in s.tolist()]
    return f"IF({fallback}>0,{out[0]},IF({fallback}<0,{out[1]},{out[2]}))"


# ------------------------------------------------------------------------ one function per kind

def value(rule: ValueRule, points, inputs, decimals) -> Compiled:
    _known(rule, set())
    x = inputs[0]
    return Compiled(f'IF(ISNUMBER({x}),{x},"")', ("num",))


def manual(rule: ManualRule, points, inputs, decimals) -> Compiled:
    _known(rule, set())
    x, p = inputs[0], lit(points)
    return Compiled(f'IF(ISNUMBER({x}),IF(AND({x}>=0,{x}<={p}),{x},""),IF({any_of(x, BOOL_TRUE)},{p},""))',
                    ("num_or_bool",))


def band(rule: BandRule, points, inputs, decimals, pairs: bool = True) -> Compiled:
    """Assessor's scores checked against the bands, level names turned into the picked score;
    with ``pairs`` also '较好 7' (a level and its score in one cell)."""
    _known(rule, {"bands", "pick"})
    p = points
    labels = tuple(normalize_text(b.label) for b in rule.bands)

    def member(s: str, k: int) -> str:
        """s lies in band k and in 0..points (the engine refuses a score outside either)."""
        lo, lo_open, hi, hi_open = rule.bounds(rule.bands[k], p)
        conds = [f"{s}{'>' if lo_open else '>='}{lit(lo)}"] + (["" if lo >= 0 else f"{s}>=0"])
        if hi is not None:
            conds.append(f"{s}{'<' if hi_open else '<='}{lit(hi)}")
        if p is not None and (hi is None or hi > p):
            conds.append(f"{s}<={lit(p)}")
        conds = [c for c in conds if c]
        return conds[0] if len(conds) == 1 else f"AND({','.join(conds)})"

    def pick(k: int) -> str:
        v = rule.picked(rule.bands[k], p, decimals)
        return '""' if v is None else lit(v)

    def in_any(s: str) -> str:
        return f"OR({','.join(member(s, k) for k in range(len(rule.bands)))})"

    def level_chain(x: str, branch) -> str:
        out = '""'
        for k in reversed(range(len(rule.bands))):
            out = f"IF({x}={text_lit(labels[k])},{branch(k)},{out})"
        return out

    if rule.gated:
        m = inputs[0]
        s = inputs[1] if len(inputs) == 2 else None

        def gated(k: int) -> str:
            if s is None:
                return pick(k)
            return f'IF({s}="",{pick(k)},IF(ISNUMBER({s}),IF({member(s, k)},{s},""),""))'
        chain = '""'
        for k in reversed(range(len(rule.bands))):
            chain = f"IF({inside(m, rule.bands[k].gate)},{gated(k)},{chain})"
        return Compiled(f'IF(ISNUMBER({m}),{chain},"")', ("num", "num")[:len(inputs)])
    if len(inputs) == 2:
        lv, s = inputs
        named = level_chain(lv, lambda k: f'IF({s}="",{pick(k)},IF(ISNUMBER({s}),IF({member(s, k)},{s},""),""))')
        text = (f'IF(AND({lv}="",{s}=""),"",IF({lv}="",IF(ISNUMBER({s}),IF({in_any(s)},{s},""),""),{named}))')
        return Compiled(text, ("level", "num"), labels)
    x = inputs[0]
    named = level_chain(x, pick)
    if pairs:
        space = f'FIND(" ",{x})'
        given = f"VALUE(MID({x},{space}+1,99))"
        pair = level_chain(f"LEFT({x},{space}-1)", lambda k: f'IF({member(given, k)},{given},"")')
        named = f"IF(ISNUMBER({space}),{pair},{named})"
    text = f'IF(ISNUMBER({x}),IF({in_any(x)},{x},""),{named})'
    return Compiled(text, ("num_or_level" if pairs else "num_or_named",), labels)


def ratio(rule: RatioRule, points, inputs, decimals) -> Compiled:
    _known(rule, {"over", "rate_dp", "rate", "min"})
    n, d, r = _rate(rule, inputs)
    p = lit(points)
    above = {"full": p, "0": "0", "error": '""'}[rule.over]
    share = rounded(f'{p}*{r}', decimals)
    if rule.min is not None:                 # below the cut-off nothing (min=60%)
        share = f"IF({denoised(r)}<{lit(rule.min)},0,{share})"
    core = f"IF({n}>{d},{above},{share})"
    if len(inputs) == 2:
        vacuous = p if rule.over != "0" else '""'
        core = f'IF({d}=0,IF({n}=0,{vacuous},""),{core})'
    negative = f"OR({','.join(f'{x}<0' for x in inputs)})"
    return Compiled(f'IF({not_numbers(inputs)},"",IF({negative},"",{core}))', ("num",) * len(inputs))


def _steps(rule: StepRule, m: str, points, decimals) -> str:
    """Score after the step deductions on the shortfall or rate m (m >= 0)."""
    q = denoised(f"{m}/{lit(rule.per)}")
    steps = f"ROUNDUP({q},0)" if rule.round == "up" else f"INT({q})"
    each = Decimal(points) * rule.deduct if rule.deduct_share else rule.deduct
    p = lit(points)
    ded = f"MIN({steps}*{lit(each)},{p})"
    if rule.zero_at is not None:
        ded = f"IF({denoised(m)}>={lit(rule.zero_at)},{p},{ded})"
    return rounded(f"{p}-{ded}", decimals)


def step(rule: StepRule, points, inputs, decimals) -> Compiled:
    _known(rule, {"per", "deduct", "deduct_share", "from_", "round", "zero_at", "among", "rate_dp", "rate"})
    if rule.from_ is None:
        n, d, r = _rate(rule, inputs)
        core = _steps(rule, f"ABS({r})", points, decimals)
        if len(inputs) == 2:
            core = f'IF({d}=0,"",{core})'
        return Compiled(f'IF({not_numbers(inputs)},"",{core})', ("num",) * len(inputs))
    x = inputs[0]
    ref = "{best}" if rule.from_ == "best" else lit(rule.from_)
    m = f"MAX(({ref}-{x})/{ref},0)"
    text = f'IF({not_numbers([x])},"",IF({x}<0,"",IF(NOT({ref}>0),"",{_steps(rule, m, points, decimals)})))'
    return Compiled(text, ("num",), best="max" if rule.from_ == "best" else None)


def _decide(rule, inputs: list[str], iv: Interval) -> str:
    """iv as a condition on the rule's value: the cell itself, or a rate of two amounts; a bound
    of exactly 100% is decided on the amounts (spending 0.01 over a budget is over)."""
    if len(inputs) == 1:
        return inside(inputs[0], iv)
    n, d, r = _rate(rule, inputs)
    if rule.rate_dp is not None:
        return inside(r, iv)
    by_rate = inside(denoised(r), iv)
    if iv.lo != iv.hi and {iv.lo, iv.hi} <= {Decimal(1), None}:
        return f"IF({d}>0,{inside_amounts(n, d, iv)},{by_rate})"
    return by_rate


def inside_amounts(n: str, d: str, iv: Interval) -> str:
    """n/d within an interval bounded by 1 (100%), for d > 0: compared as n against d."""
    parts = []
    if iv.lo is not None:
        parts.append(f"{n}{'>' if iv.lo_open else '>='}{d}")
    if iv.hi is not None:
        parts.append(f"{n}{'<' if iv.hi_open else '<='}{d}")
    return parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"


def threshold(rule: ThresholdRule, points, inputs, decimals) -> Compiled:
    _known(rule, {"clauses", "otherwise", "rate_dp", "rate"})
    _, _, r = _rate(rule, inputs)
    chain = '""' if rule.otherwise is None else lit(rule.otherwise)
    for iv, pts in reversed(rule.clauses):
        chain = f"IF({_decide(rule, inputs, iv)},{lit(pts)},{chain})"
    if rule.share_table():
        v = inputs[0] if len(inputs) == 1 else r if rule.rate_dp is not None else denoised(r)
        chain = f'IF(OR({v}<0,{v}>1),"",{chain})'
    return _on_values(rule, points, inputs, decimals, chain)


def _on_values(rule, points, inputs, decimals, core: str) -> Compiled:
    """core, blank unless every input is a number; a zero denominator scored as the engine does."""
    if len(inputs) == 2:
        n, d, _ = _rate(rule, inputs)
        core = f"IF({d}=0,{_zero_denominator(rule, points, decimals, n)},{core})"
    return Compiled(f'IF({not_numbers(inputs)},"",{core})', ("num",) * len(inputs))


def pass_(rule: PassRule, points, inputs, decimals) -> Compiled:
    _known(rule, {"condition", "expect", "rate_dp", "rate"})
    p = lit(points)
    if rule.expect is not None:
        x = inputs[0]
        yes, no = (p, "0") if rule.expect else ("0", p)
        return Compiled(yes_no(x, yes, no), ("bool",))
    return _on_values(rule, points, inputs, decimals, f"IF({_decide(rule, inputs, rule.condition)},{p},0)")


def relative(rule: RelativeRule, points, inputs, decimals) -> Compiled:
    _known(rule, {"to", "to_pct", "among", "rate_dp", "rate"})
    if rule.rate_dp is not None or rule.rate != "ratio":
        raise NotCompiled("相对值规则的比率选项暂无对应公式")
    if len(inputs) == 2 and not isinstance(rule.to, Decimal):
        raise NotCompiled("两项输入之比与最高（最低）单位相比，需逐单位的比率辅助列，暂无对应公式")
    p = lit(points)
    x = inputs[0] if len(inputs) == 1 else f"{inputs[0]}/{inputs[1]}"
    best = lit(rule.to) if isinstance(rule.to, Decimal) else "{best}"
    share = f"{best}/{x}" if rule.to == "min" else f"{x}/{best}"
    core = rounded(f"MIN({p}*{share},{p})", decimals)
    bad = f"NOT({best}>0)" if rule.to != "min" else f"OR(NOT({best}>0),NOT({x}>0))"
    core = f'IF({bad},"",{core})'
    if len(inputs) == 2:
        core = f"IF({inputs[1]}=0,{_zero_denominator(rule, points, decimals, inputs[0])},{core})"
    negative = f"OR({','.join(f'{i}<0' for i in inputs)})"
    text = f'IF({not_numbers(inputs)},"",IF({negative},"",{core}))'
    return Compiled(text, ("num",) * len(inputs),
                    best=None if isinstance(rule.to, Decimal) else rule.to)


def info(rule: InfoRule, points, inputs, decimals) -> Compiled:
    _known(rule, {"show", "rate_dp", "rate"})
    if len(inputs) == 1:
        x = inputs[0]
        return Compiled(f'IF(ISNUMBER({x}),{x},IF({any_of(x, BOOL_TRUE)},"是",IF({any_of(x, BOOL_FALSE)},"否","")))',
                        ("num_or_bool",))
    n, d, r = _rate(rule, inputs)
    negative = f"OR({','.join(f'{i}<0' for i in inputs)})"
    return Compiled(f'IF({not_numbers(inputs)},"",IF({negative},"",IF({d}=0,"",{r})))', ("num", "num"))


def deduct(rule: DeductRule, points, inputs, decimals) -> Compiled:
    _known(rule, {"each", "cap"})
    c, p = inputs[0], lit(points)
    bad = f"OR({c}<0,{c}<>INT({c}))"

    def capped(taken: str) -> str:          # 最高扣N分: at most cap off, then 扣完为止 at 0
        return taken if rule.cap is None else f"MIN({taken},{lit(rule.cap)})"
    if not rule.ranged:
        core = rounded(f"MAX({p}-{capped(f'{c}*{lit(rule.each.lo)}')},0)", decimals)
    elif len(inputs) == 1:
        core = f'IF({c}=0,{rounded(p, decimals)},"")'
    else:
        t, lo, hi = inputs[1], lit(rule.each.lo), lit(rule.each.hi)
        core = (f'IF({c}=0,{rounded(p, decimals)},IF(NOT(ISNUMBER({t})),"",'
                f'IF(OR({t}<{c}*{lo}-0.000000001,{t}>{c}*{hi}+0.000000001),"",{rounded(f"MAX({p}-{capped(t)},0)", decimals)})))')
    return Compiled(f'IF({not_numbers([c])},"",IF({bad},"",{core}))', ("num",) * len(inputs))


def _is_bool(x: str) -> str:
    """x reads as 是/否 (1/0 or a word the engine knows)."""
    return f"IF(ISNUMBER({x}),OR({x}=0,{x}=1),OR({any_of(x, BOOL_TRUE)},{any_of(x, BOOL_FALSE)}))"


def _yes(x: str) -> str:
    return f"OR({x}=1,{any_of(x, BOOL_TRUE)})"


def check(rule: CheckRule, points, inputs, decimals, all_bool: bool = False) -> Compiled:
    _known(rule, {"n", "targets"})
    n, p = rule.n, lit(points)
    if rule.targets:                     # each point: conditions on its own inputs, all must hold
        met, nums, bools, modes, k = [], [], [], [], 0
        for point in rule.targets:
            parts = []
            for cond in point:
                x = inputs[k]
                k += 1
                if cond == "是":
                    parts.append(_yes(x))
                    bools.append(x)
                    modes.append("bool")
                else:
                    parts.append(inside(x, cond))
                    nums.append(x)
                    modes.append("num")
            met.append(parts[0] if len(parts) == 1 else f"AND({','.join(parts)})")
        invalid = ([not_numbers(nums)] if nums else []) + [f"NOT({_is_bool(x)})" for x in bools]
        score = rounded(f"{p}*({'+'.join(f'({c})' for c in met)})/{n}", decimals)
        return Compiled(f'IF(OR({",".join(invalid)}),"",{score})', tuple(modes))
    if len(inputs) == n and n > 2 or (len(inputs) == n == 2 and all_bool):   # one 是/否 cell per point
        invalid = ",".join(f"NOT({_is_bool(x)})" for x in inputs)
        score = rounded(f"{p}*({'+'.join(f'IF({_yes(x)},1,0)' for x in inputs)})/{n}", decimals)
        return Compiled(f'IF(OR({invalid}),"",{score})', ("bool",) * len(inputs))
    m = inputs[0]
    base = rounded(f"{p}*{m}/{n}", decimals)
    core = base
    if len(inputs) == 2:
        g = inputs[1]
        core = (f'IF(NOT(ISNUMBER({g})),{base},IF(IF({m}={n},{g}<>{p},OR({g}<{base},{g}>={p})),"",{g}))')
    text = f'IF({not_numbers([m])},"",IF(OR({m}<0,{m}<>INT({m}),{m}>{n}),"",{core}))'
    return Compiled(text, ("num",) * len(inputs))


def bonus(rule: BonusRule, points, inputs, decimals) -> Compiled:
    """加分 per item (count × each) or per step above a target, at most cap (or the row's 分值)."""
    _known(rule, {"each", "per", "at", "round", "cap", "pct", "rate_dp", "rate", "levels", "by"})
    cap = rule.cap_for(points)
    top = (lambda v: f"MIN({v},{lit(cap)})") if cap is not None else (lambda v: v)
    if rule.by == "count":            # one count per level: Σ count × the level's points
        whole = f"OR({','.join(f'{c}<0,{c}<>INT({c})' for c in inputs)})"
        total = "+".join(f"{c}*{lit(v)}" for c, (_, v) in zip(inputs, rule.levels))
        text = f'IF({not_numbers(inputs)},"",IF({whole},"",{top(rounded(total, decimals))}))'
        return Compiled(text, ("num",) * len(inputs))
    if rule.levels:                  # one level per cell; cells naming several are kept (formula_misreads)
        x = inputs[0]
        chain = f'IF({any_of(x, BOOL_FALSE + NO_LEVEL)},0,"")'
        for label, got in reversed(rule.levels):
            got = round_decimal_half_up(got, decimals)
            chain = f"IF({x}={text_lit(label)},{lit(min(got, cap) if cap is not None else got)},{chain})"
        return Compiled(f'IF({x}="","",IF(ISNUMBER({x}),IF({x}=0,0,""),{chain}))', ("level_bonus",),
                        labels=tuple(label for label, _ in rule.levels))
    if rule.per is None:
        c = inputs[0]
        text = (f'IF({not_numbers([c])},"",IF(OR({c}<0,{c}<>INT({c})),"",'
                f'{top(rounded(f"{c}*{lit(rule.each)}", decimals))}))')
        return Compiled(text, ("num",))
    _, d, r = _rate(rule, inputs)
    v = inputs[0] if len(inputs) == 1 else r if rule.rate_dp is not None else f"({r})"
    q = denoised(f"MAX({v}-{lit(rule.at)},0)/{lit(rule.per)}")
    steps = f"ROUNDUP({q},0)" if rule.round == "up" else f"INT({q})"
    core = top(rounded(f"{steps}*{lit(rule.each)}", decimals))
    if len(inputs) == 2:
        core = f'IF({d}=0,"",{core})'
    return Compiled(f'IF({not_numbers(inputs)},"",{core})', ("num",) * len(inputs))


def veto(rule: VetoRule, points, inputs, decimals) -> Compiled:
    """一票否决 shown as 得分 shows it: 是 where it fires, 否 where not, blank for a blank or
    impossible answer. The total and the grade read this cell (see formula_book)."""
    _known(rule, {"condition", "total", "grade", "below"})
    if rule.na is not None:
        raise NotCompiled("一票否决的 na= 选项暂无对应公式")
    x = inputs[0]
    if rule.condition is None:
        return Compiled(yes_no(x, '"是"', '"否"'), ("bool",))
    return Compiled(f'IF(NOT(ISNUMBER({x})),"",IF({inside(x, rule.condition)},"是","否"))', ("num",))


def rank_points(rule: RankRule, points, inputs, decimals) -> Compiled:
    """名次计分: the unit's competition rank ({rank}, filled from the column of its peers; or the
    rank typed in, by=rank) turned into points: 分值 − (名次 − 1) × deduct down to the floor, or
    the first rank clause that holds (no clause and no else: blank, as rubricxl)."""
    _known(rule, {"deduct", "clauses", "otherwise", "order", "among", "by", "floor"})
    x = inputs[0]
    r = x if rule.by == "rank" else "{rank}"
    if rule.deduct is not None:
        floor = floor_of(rule.floor, points)
        s = f"{lit(points)}-({r}-1)*{lit(rule.deduct)}"
        core = rounded(f"MAX({s},{lit(floor)})" if floor is not None else s, decimals)
    else:
        core = '""' if rule.otherwise is None else lit(rule.otherwise)
        for iv, got in reversed(rule.clauses):
            core = f"IF({inside(r, iv)},{lit(got)},{core})"
    bad = f"OR({x}<1,{x}<>INT({x}))" if rule.by == "rank" else "FALSE"
    return Compiled(f'IF(NOT(ISNUMBER({x})),"",IF({bad},"",{core}))', ("num",),
                    ranked=None if rule.by == "rank" else rule.order)


COMPILERS = {BandRule: band, RatioRule: ratio, StepRule: step, ThresholdRule: threshold, PassRule: pass_,
             RelativeRule: relative, InfoRule: info, DeductRule: deduct, CheckRule: check, ManualRule: manual,
             ValueRule: value, BonusRule: bonus, VetoRule: veto,
             RankRule: rank_points}


def compile_rule(rule: Rule, points: Decimal | None, n_inputs: int, decimals: int,
                 all_bool: bool = False, pairs: bool = True) -> Compiled:
    """The rule as a formula template over input placeholders {0}, {1}…; raises NotCompiled.

    ``all_bool``: every input cell is a 是/否 answer (how the engine reads a two-point check);
    ``pairs``: band cells may hold '较好 7' (left out, the formula is a third as long)."""
    fn = COMPILERS.get(type(rule))
    if fn is None:
        raise NotCompiled(f"规则类型 {rule.KIND} 暂无对应公式")
    if points is None and rule.needs_points():
        raise NotCompiled("缺少分值")
    lo, hi = rule.arity()
    if not lo <= n_inputs <= hi:
        raise NotCompiled("输入个数与规则不符")
    inputs = [f"{{{k}}}" for k in range(n_inputs)]
    if fn is check:
        compiled = check(rule, points, inputs, decimals, all_bool)
    elif fn is band:
        compiled = band(rule, points, inputs, decimals, pairs)
    else:
        compiled = _slips_blank(rule, n_inputs, fn(rule, points, inputs, decimals))
    return _not_applicable(rule, points, inputs, compiled)


def not_applicable(inputs: list[str]) -> str:
    """Some input cell says 不涉及 (不适用, 无此项 …), the words rubricxl's na= reads."""
    return f"OR({','.join(any_of(x, sorted(NA_WORDS)) for x in inputs)})"


def _not_applicable(rule: Rule, points, inputs: list[str], compiled: Compiled) -> Compiled:
    """na=full scores a 不涉及 unit full points, na=exclude leaves its cell blank (the aggregates
    then leave the row out: formula_book's assessed conditions). Outermost, as rubricxl takes
    those units out before reading any number."""
    if rule.na is None:
        return compiled
    if rule.na == "full" and points is None:
        raise NotCompiled("缺少分值，无法按不涉及计满分")
    got = lit(points) if rule.na == "full" else '""'
    return replace(compiled, text=f"IF({not_applicable(inputs)},{got},{compiled.text})")


def _slips_blank(rule: Rule, n_inputs: int, compiled: Compiled) -> Compiled:
    """A rate typed in one cell beyond the rule's plausible size (95 for 95%) is blank, as the
    engine leaves it (with its 错误): the copy must not score a slip the original refused."""
    limit = rule.limit() if n_inputs == 1 and callable(getattr(rule, "limit", None)) else None
    if limit is None:
        return compiled
    x = "{0}"
    text = f'IF(AND(ISNUMBER({x}),ABS({x})>{lit(limit)}),"",{compiled.text})'
    return replace(compiled, text=text)


# ------------------------------------------------------------------------ reading inputs as a formula does

WILDCARDS = set("*?~")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?%?")


def formula_misreads(col: InputColumn, mode: str, labels: tuple[str, ...] = (),
                     text_numbers: bool = False) -> np.ndarray:
    """Units whose cell the formula would read differently from the engine (a number typed as
    text such as '90%' or '8分', a 是/否 spelling only the engine understands, '较好7').

    ``text_numbers``: the formula reads the cell through VALUE (a part of a ';'-separated cell),
    so a plain decimal written as text ('24', '3.2%') is read as the engine reads it."""
    raw = col.raw
    if raw.dtype.kind in "fiu":
        return np.zeros(len(raw), dtype=bool)
    vals, _ = col.numbers
    out = np.zeros(len(raw), dtype=bool)
    lower_labels = [label.lower() for label in labels]
    for i, v in enumerate(raw.tolist()):
        if isinstance(v, (datetime.date, datetime.time)):
            out[i] = True            # a date the engine refuses is a serial number to a formula
            continue
        if not isinstance(v, str) or not v.strip():
            continue
        if mode == "level_bonus":             # one level typed exactly as the table names it
            words = [w for w in LEVEL_SPLIT.split(normalize_text(v)) if w]
            exact = v in labels or v.lower() in BOOL_FALSE + NO_LEVEL
            out[i] = len(words) > 1 or (not exact and any(w.lower() in lower_labels + list(BOOL_FALSE + NO_LEVEL)
                                                          for w in words))
            continue
        if col.text(i).lower() in NA_WORDS:      # 不涉及: read as such only when typed exactly
            out[i] = v.lower() not in NA_WORDS
            continue
        number = not np.isnan(vals[i])
        if number and text_numbers and PLAIN_NUMBER.fullmatch(v.strip()):
            continue
        if mode == "num":
            out[i] = number
        elif mode in ("bool", "num_or_bool") and WILDCARDS & set(v):
            out[i] = True            # MATCH would read * ? ~ as wildcards
        elif mode in ("bool", "num_or_bool"):
            out[i] = (number and mode == "num_or_bool") or _bool_engine(v) != _bool_formula(v)
            if mode == "bool" and number and _bool_engine(v) is None:
                out[i] = False
        else:   # level, num_or_level
            parts = normalize_text(v).split()
            engine_k = labels.index(parts[0]) if parts and parts[0] in labels and len(parts) <= 2 else None
            if mode == "num_or_named" and (" " in v or len(parts) == 2):   # no pair branch
                out[i] = True
                continue
            if mode == "num_or_level" and (" " in v or len(parts) == 2):   # '较好 7': level and score
                out[i] = not (engine_k is not None and len(parts) == 2 and v == f"{parts[0]} {parts[1]}"
                              and PLAIN_NUMBER.fullmatch(parts[1]) and not parts[1].endswith("%"))
                continue
            formula_k = lower_labels.index(v.lower()) if v.lower() in lower_labels else None
            out[i] = (number and mode != "level") or engine_k != formula_k or (
                engine_k is not None and len(parts) == 2)
    return out


def _bool_engine(v: str) -> bool | None:
    try:
        return parse_bool(v)
    except ValueError:
        return None


def _bool_formula(v: str) -> bool | None:
    low = v.lower()
    return True if low in BOOL_TRUE else False if low in BOOL_FALSE else None


@dataclass
class Summary:
    """What the copy holds: formula cells, cells that kept their value, and why."""

    formulas: int = 0
    kept: int = 0
    reasons: dict[str, list[str]] = field(default_factory=dict)   # column heading -> reasons
