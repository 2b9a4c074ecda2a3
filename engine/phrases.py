"""Phrases of the plain-Chinese rule readings (规则说明), with every bound's 含/不含 said outright."""
from __future__ import annotations

from decimal import Decimal

from .clauses import Interval
from .numbers import fmt_num, fmt_pct


def amount(value: Decimal, pct: bool) -> str:
    return fmt_pct(value) if pct else fmt_num(value)


def interval_words(iv: Interval) -> str:
    """A value's interval: 达到90%及以上（含90%）, 低于6（不含6）, 在8至10之间（含两端）."""
    f = fmt_pct if iv.pct else fmt_num
    if iv.lo is not None and iv.hi is not None:
        if iv.lo == iv.hi:
            return f"等于{f(iv.lo)}"
        return f"在{f(iv.lo)}至{f(iv.hi)}之间（含两端）"
    if iv.lo is not None:
        return f"高于{f(iv.lo)}（不含{f(iv.lo)}）" if iv.lo_open else f"达到{f(iv.lo)}及以上（含{f(iv.lo)}）"
    if iv.hi is not None:
        return f"低于{f(iv.hi)}（不含{f(iv.hi)}）" if iv.hi_open else f"{f(iv.hi)}及以下（含{f(iv.hi)}）"
    return "任意值"


def score_words(iv: Interval) -> str:
    """A score range: 8-10分, 低于6分（不含6分）, 6分及以下（含6分）, 3分."""
    if iv.lo is not None and iv.hi is not None:
        return f"{fmt_num(iv.lo)}分" if iv.lo == iv.hi else f"{fmt_num(iv.lo)}-{fmt_num(iv.hi)}分（含两端）"
    if iv.hi is not None:
        b = fmt_num(iv.hi)
        return f"低于{b}分（不含{b}分）" if iv.hi_open else f"{b}分及以下（含{b}分）"
    if iv.lo is not None:
        b = fmt_num(iv.lo)
        return f"高于{b}分（不含{b}分）" if iv.lo_open else f"{b}分及以上（含{b}分）"
    return "任意分数"


def points_words(value: Decimal, share: bool, points: Decimal | None) -> str:
    """0.5 → 0.5分; 5%w → 分值的5%（0.1分） where the points are known."""
    if not share:
        return f"{fmt_num(value)}分"
    if points is None:
        return f"分值的{fmt_pct(value)}"
    return f"分值的{fmt_pct(value)}（{fmt_num(value * points)}分）"


def step_words(per: Decimal, pct: bool, up: bool, relative: bool = False) -> tuple[str, str]:
    """('1个百分点', '只计整步，不满1个百分点的部分不计') or with up '不足…按…计'."""
    unit = fmt_pct(per) if relative else f"{fmt_num(per * 100)}个百分点" if pct else fmt_num(per)
    rule = f"不足{unit}按{unit}计" if up else f"只计满{unit}的整步，不满{unit}的部分不计"
    return unit, rule


def floor_words(floor: Decimal | None, points: Decimal | None) -> str:
    if floor is None:
        return "可扣至负分"
    return "扣完为止（最低0分）" if floor == 0 else f"最低{fmt_num(floor)}分"


def input_name(k: int) -> str:
    return f"第{k + 1}个输入"
