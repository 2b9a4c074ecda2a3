"""Conditions on several inputs: ``x1>x2 且 x3=是 或 x1>=5%`` (band gates, pass).

A condition is an OR of ANDs of terms. A term compares input ``xN`` with a number, with 是/否,
or with another input ``xM``; a bare interval (``>=90%``) is a term on x1. Comparisons between
two inputs are made on the typed values (equal growth is not 高于), comparisons with a number as
intervals are everywhere else.
"""
from __future__ import annotations

import re

import numpy as np
from pydantic import BaseModel, ConfigDict

from .clauses import Interval, interval
from .numbers import normalize_text, yes_no_word
from .phrases import interval_words

WORD_OPS = (("不低于", ">="), ("不少于", ">="), ("达到", ">="), ("不高于", "<="), ("不超过", "<="),
            ("不多于", "<="), ("高于", ">"), ("超过", ">"), ("大于", ">"), ("多于", ">"), ("低于", "<"),
            ("不足", "<"), ("少于", "<"), ("小于", "<"), ("等于", "="), ("不等于", "!="))
OP_WORDS = {">": "高于", ">=": "不低于", "<": "低于", "<=": "不高于", "=": "等于", "!=": "不等于"}
_TERM = re.compile(r"^x(\d+)\s*(>=|<=|!=|>|<|=)\s*(.+)$", re.IGNORECASE)
_INPUT = re.compile(r"^x(\d+)$", re.IGNORECASE)
_AND = re.compile(r"\s*(?:且|并且|&&|&|\band\b)\s*", re.IGNORECASE)
_OR = re.compile(r"\s*(?:或者|或|\|\||\||\bor\b)\s*", re.IGNORECASE)


class Term(BaseModel):
    """One comparison: input ``left`` (0-based) against another input, a 是/否, or an interval."""

    model_config = ConfigDict(frozen=True)
    left: int
    op: str = ">="
    right: int | None = None            # another input
    answer: bool | None = None          # 是/否
    bound: Interval | None = None       # a number range
    bare: bool = False                  # written without xN: the old gate form on x1 (>=90%)

    def text(self) -> str:
        x = f"x{self.left + 1}"
        if self.right is not None:
            return f"{x}{self.op}x{self.right + 1}"
        if self.answer is not None:
            return ("是" if self.answer else "否") if self.bare else f"{x}={'是' if self.answer else '否'}"
        return self.bound.text() if self.bare else f"{x}{self.bound.text()}"

    def inputs(self) -> set[int]:
        return {self.left} | ({self.right} if self.right is not None else set())


class Condition(BaseModel):
    """OR of ANDs of terms; ``text`` is how the rule wrote it."""

    model_config = ConfigDict(frozen=True)
    any_of: tuple[tuple[Term, ...], ...]
    text: str
    otherwise: bool = False             # 其他 / else: always true

    @property
    def simple(self) -> Interval | None:
        """The interval of a one-term condition on x1 written the old way (>=90%), else None."""
        if len(self.any_of) == 1 and len(self.any_of[0]) == 1:
            t = self.any_of[0][0]
            if t.bare and t.bound is not None:
                return t.bound
        return None

    def inputs(self) -> set[int]:
        return {i for conj in self.any_of for t in conj for i in t.inputs()}

    def uses_inputs(self) -> bool:
        """Written with xN names (so it may read several inputs)."""
        return bool(re.search(r"x\d", self.text, re.IGNORECASE))


ELSE_WORDS = ("else", "其他", "否则", "其余", "其它")


def parse_condition(text: str) -> Condition:
    """Parse ``x1>x2 且 x3=是``; raises ValueError with a Chinese reason."""
    t = normalize_text(text).strip()
    if t.lower() in ELSE_WORDS:
        return Condition(any_of=(), text=t, otherwise=True)
    if not t:
        raise ValueError("缺少条件")
    any_of = []
    for alt in _OR.split(t):
        conj = tuple(_term(part) for part in _AND.split(alt) if part.strip() or _raise_empty())
        any_of.append(conj)
    return Condition(any_of=tuple(any_of), text=t)


def _raise_empty():
    raise ValueError("「且」「或」两边都需要条件")


def _term(text: str) -> Term:
    t = text.strip().replace(" ", "")
    for word, op in sorted(WORD_OPS, key=lambda p: -len(p[0])):
        m = re.match(rf"^x(\d+){word}(.+)$", t, re.IGNORECASE)
        if m:
            t = f"x{m.group(1)}{op}{m.group(2)}"
            break
    m = _TERM.match(t)
    if not m:
        if _INPUT.match(t):
            return Term(left=_index(_INPUT.match(t).group(1)), op="=", answer=True)
        if (answer := yes_no_word(t)) is not None:         # 是 alone: a condition on x1
            return Term(left=0, op="=", answer=answer, bare=True)
        return Term(left=0, bound=interval(t), bare=True)
    left, op, right = _index(m.group(1)), m.group(2), m.group(3).strip()
    if _INPUT.match(right):
        return Term(left=left, op=op, right=_index(_INPUT.match(right).group(1)))
    if (answer := yes_no_word(right)) is not None and op in ("=", "!="):
        return Term(left=left, op="=", answer=answer == (op == "="))
    if op == "!=":
        raise ValueError(f"「{text}」：不等于只能用于 是/否 或两个输入之间")
    return Term(left=left, bound=interval(op + right))


def _index(digits: str) -> int:
    k = int(digits)
    if k < 1:
        raise ValueError("输入编号从 x1 开始")
    return k - 1


def evaluate(cond: Condition, numbers: list[np.ndarray], answers: list[np.ndarray]) -> np.ndarray:
    """Where the condition holds, per unit. ``numbers``/``answers`` per input (NaN where not one).

    Two inputs are compared as typed: floats of short decimals keep their order exactly."""
    n = len(numbers[0]) if numbers else 0
    if cond.otherwise:
        return np.ones(n, dtype=bool)
    out = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        for conj in cond.any_of:
            ok = np.ones(n, dtype=bool)
            for t in conj:
                ok &= _holds(t, numbers, answers)
            out |= ok
    return out


def _holds(t: Term, numbers, answers) -> np.ndarray:
    if t.answer is not None:
        return answers[t.left] == float(t.answer)
    v = numbers[t.left]
    if t.right is not None:
        w = numbers[t.right]
        return {">": v > w, ">=": v >= w, "<": v < w, "<=": v <= w, "=": v == w, "!=": v != w}[t.op]
    iv = t.bound
    ok = np.ones(len(v), dtype=bool)
    if iv.lo is not None:
        ok &= (v > float(iv.lo)) if iv.lo_open else (v >= float(iv.lo))
    if iv.hi is not None:
        ok &= (v < float(iv.hi)) if iv.hi_open else (v <= float(iv.hi))
    return ok


def needs_answer(cond: Condition) -> set[int]:
    """Inputs the condition reads as 是/否."""
    return {t.left for conj in cond.any_of for t in conj if t.answer is not None}


def reading(cond: Condition, names: list[str] | None = None) -> str:
    """The condition in words: 第1个输入高于第2个输入且第3个输入为是."""
    if cond.otherwise:
        return "其他情况"

    def name(k: int) -> str:
        return names[k] if names and k < len(names) else f"第{k + 1}个输入"

    def term(t: Term) -> str:
        if t.right is not None:
            return f"{name(t.left)}{OP_WORDS[t.op]}{name(t.right)}"
        if t.answer is not None:
            return f"{name(t.left)}为{'是' if t.answer else '否'}"
        return f"{name(t.left)}{interval_words(t.bound)}"
    return "，或".join("且".join(term(t) for t in conj) for conj in cond.any_of)
