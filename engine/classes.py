"""Percentile classes (亩均效益 A/B/C/D: 前25%（含）, 26%–70%, 71%–95%, 后5%).

Scheme text: `A<=25%; B<=70%; C<=95%; D` (full-width punctuation, ≤ and `类` suffixes accepted;
`<` makes a bound exclusive; a bound without % is a fraction). A unit's position is its
competition rank divided by the number of ranked units of its group (exempt and blank units are
not counted); it gets the first class whose bound holds. Ties share the better class, because
they share the better rank. Positions are compared exactly (integers), so 14/20 <= 70% holds.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from pydantic import BaseModel, ConfigDict

from engine.clauses import SettingError
from engine.rank import group_codes, rank_codes

EXEMPT_LABEL = "不定等级"

_CLASS = re.compile(r"^(?P<label>[^<>=]+?)\s*(?:(?P<op><=|=<|<)\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<pct>%)?)?$")


@dataclass(frozen=True)
class ClassRule:
    label: str
    bound: Fraction | None   # share of ranked units (1/4 for 25%); None = everyone left
    inclusive: bool = True


def parse_scheme(text: str) -> list[ClassRule]:
    """Parse `A<=25%; B<=70%; C<=95%; D` into class rules (errors in Chinese name the clause)."""
    norm = unicodedata.normalize("NFKC", text).replace("≤", "<=").replace("；", ";").replace("，", ";")
    parts = [p.strip() for p in re.split(r"[;,\n]", norm) if p.strip()]
    if not parts:
        raise ValueError("分类方案为空，应形如「A<=25%; B<=70%; C<=95%; D」")
    rules, seen = [], set()
    for i, part in enumerate(parts):
        m = _CLASS.match(part)
        if not m:
            raise ValueError(f"分类方案第{i + 1}项「{part}」无法识别，应形如「A<=25%」")
        label = m["label"].strip()
        if label in seen:
            raise ValueError(f"分类方案中类别「{label}」重复")
        seen.add(label)
        bound = None
        if m["num"] is not None:
            bound = Fraction(m["num"]) / (100 if m["pct"] else 1)
            if not 0 < bound <= 1:
                raise ValueError(f"分类方案第{i + 1}项「{part}」的比例应在0到100%之间")
        rules.append(ClassRule(label, bound, m["op"] != "<"))
    bounds = [r.bound for r in rules if r.bound is not None]
    if any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])) or any(r.bound is None for r in rules[:-1]):
        raise ValueError("分类方案的比例须逐项递增，只有最后一类可以不写比例")
    if rules[-1].bound is not None and rules[-1].bound < 1:
        raise ValueError("分类方案最后一类应不写比例或为100%，否则排在后面的单位没有类别")
    return rules


class ClassSettings(BaseModel):
    """设置 分类 with the 数据 columns it reads: 分类分组 (classes within each group of that column)
    and 免评列 (是 = 不定等级, not counted). The columns are checked against 数据 where it is read."""
    model_config = ConfigDict(frozen=True)

    scheme: tuple[ClassRule, ...]
    groups_column: str | None = None
    exempt_column: str | None = None

    @classmethod
    def parse(cls, scheme: str, groups_column: str = "", exempt_column: str = "") -> "ClassSettings":
        """Raises SettingError("classes", …) when the scheme cannot be read."""
        try:
            rules = parse_scheme(scheme)
        except ValueError as exc:
            raise SettingError("classes", str(exc)) from None
        return cls(scheme=tuple(rules), groups_column=groups_column or None, exempt_column=exempt_column or None)


def classify(scores, scheme: str | Sequence[ClassRule], exempt=None, groups=None, ascending: bool = False,
             decimals: int | None = None) -> np.ndarray:
    """Class label per unit (object array): EXEMPT_LABEL for exempt units, '' for a blank score."""
    rules = parse_scheme(scheme) if isinstance(scheme, str) else scheme
    v = np.asarray(scores, dtype=float)
    codes = group_codes(groups, len(v))
    if exempt is not None:
        ex = np.asarray(exempt, dtype=bool)
        codes = np.where(ex, -1, codes)
    r = rank_codes(v, codes, "competition", ascending, decimals).rank
    ranked = ~np.isnan(r)
    n = np.bincount(codes[ranked], minlength=codes.max(initial=-1) + 1)[np.maximum(codes, 0)]
    pos = np.where(ranked, r, 0).astype(np.int64)
    labels = np.full(len(v), "", dtype=object)
    todo = ranked.copy()
    for rule in rules:
        if rule.bound is None:
            hit = todo
        else:  # pos / n <= num / den, in integers
            lhs, rhs = pos * rule.bound.denominator, rule.bound.numerator * n
            hit = todo & ((lhs <= rhs) if rule.inclusive else (lhs < rhs))
        labels[hit] = rule.label
        todo &= ~hit
    if exempt is not None:
        labels[ex] = EXEMPT_LABEL
    return labels
