"""The pieces rule clauses are made of: intervals (8-10, <6, >=90%, 5分及以下), numbers, errors."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from .numbers import fmt_num, fmt_pct, normalize_text, parse_number_text


class RuleError(ValueError):
    """A rule text that cannot be read; says which clause (第N段) and why, in Chinese."""

    def __init__(self, text: str, segment: int | None, reason: str):
        self.text, self.segment, self.reason = text, segment, reason
        where = f" 第{segment}段" if segment else ""
        super().__init__(f'规则 "{text}"{where}: {reason}')


class SettingError(ValueError):
    """A 设置 value that cannot be read; `field` says which key, so the workbook layer can point at
    that key's cell. The message is Chinese and says what is expected."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Segment:
    """One ';'-separated part of a rule, with its options taken out."""

    index: int          # 1-based, as the error messages count
    clause: str         # what is left once key=value options are removed
    options: dict


@lru_cache(maxsize=1024)
def _interval_text(iv: "Interval") -> str:
    return iv._render()


class Interval(BaseModel):
    """A set of numbers as officials word it: 8-10, <6, <=5, >=90%, 3 (one point)."""

    model_config = ConfigDict(frozen=True)

    lo: Decimal | None = None
    lo_open: bool = False
    hi: Decimal | None = None
    hi_open: bool = False
    pct: bool = False   # written as a percent, and shown as one

    def text(self) -> str:
        return _interval_text(self)

    def _render(self) -> str:
        f = fmt_pct if self.pct else fmt_num
        if self.lo is not None and self.hi is not None:
            if self.lo == self.hi:
                return f(self.lo)
            return f"{f(self.lo)}-{f(self.hi)}"
        if self.hi is not None:
            return ("<" if self.hi_open else "<=") + f(self.hi)
        if self.lo is not None:
            return (">" if self.lo_open else ">=") + f(self.lo)
        return "任意值"


_WORD_OPS = [  # (regex, op) for Chinese wording; 以上 ≥, 超过 >, 及以下 ≤, bare 以下 <
    (re.compile(r"^(.+?)(?:分)?(?:及以上|以上)$"), ">="),
    (re.compile(r"^(.+?)(?:分)?及以下$"), "<="),
    (re.compile(r"^(.+?)(?:分)?以下$"), "<"),
    (re.compile(r"^(?:低于|不足|少于|未达到)(.+)$"), "<"),
    (re.compile(r"^(?:超过|高于|超|多于|大于)(.+)$"), ">"),
    (re.compile(r"^(?:达到|不低于|不少于)(.+)$"), ">="),
    (re.compile(r"^(?:不超过|不高于|不多于)(.+)$"), "<="),
]
_RANGE = re.compile(r"^(.+?)\s*(?:-|~|至|到)\s*(.+)$")


def number(text: str, what: str = "数值") -> Decimal:
    """A number in a rule (90%, 8分, 0.5); raises ValueError with a Chinese reason."""
    t = text.strip()
    if not t:
        raise ValueError(f"缺少{what}")
    try:
        return parse_number_text(t)
    except ValueError:
        raise ValueError(f"「{t}」不是{what}") from None


def interval(text: str) -> Interval:
    """Parse 8-10, <6, <=5, >=90%, 5分及以下, 90%以上, 3 into an Interval."""
    t = normalize_text(text).replace(" ", "")
    return _interval(t).model_copy(update={"pct": "%" in t})


def _interval(t: str) -> Interval:
    if not t:
        raise ValueError("缺少分数或区间")
    for op in (">=", "<=", ">", "<", "="):
        if t.startswith(op):
            return _one_sided(op, number(t[len(op):], "边界值"))
    for pattern, op in _WORD_OPS:
        m = pattern.match(t)
        if m:
            return _one_sided(op, number(m.group(1), "边界值"))
    m = _RANGE.match(t)
    if m and not t.startswith("-"):
        lo_text, hi_text = m.group(1), m.group(2)
        if not hi_text.strip():
            raise ValueError("缺少上限")
        lo, hi = number(lo_text, "下限"), number(hi_text, "上限")
        if lo_text.endswith("%") != hi_text.endswith("%") and hi_text.endswith("%"):
            lo = lo / 100  # "80-90%" means 80%-90%
        if lo > hi:
            raise ValueError(f"下限{lo_text}大于上限{hi_text}")
        return Interval(lo=lo, hi=hi)
    if t.endswith("-"):
        raise ValueError("缺少上限")
    value = number(t, "分数")
    return Interval(lo=value, hi=value)


def _one_sided(op: str, bound: Decimal) -> Interval:
    return {
        ">=": Interval(lo=bound), ">": Interval(lo=bound, lo_open=True),
        "<=": Interval(hi=bound), "<": Interval(hi=bound, hi_open=True),
        "=": Interval(lo=bound, hi=bound),
    }[op]


def clause_error(text: str, seg: Segment, reason: str) -> RuleError:
    return RuleError(text, seg.index, reason)
