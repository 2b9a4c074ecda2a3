"""The rule language: ``kind clause; clause; key=value`` → a validated rule model.

Rule text is parsed, never evaluated. Every error quotes the rule and names the clause (第N段).
The grammar is documented in docs/rules.md.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pydantic import ValidationError

from .clauses import RuleError, Segment
from .numbers import normalize_text
from .rules import KINDS, KINDS_BY_NAME
from .rules.base import NA_VALUES, Rule



COMMON_OPTIONS = {"na": "na", "不涉及": "na", "不适用": "na"}
_OPTION_TOKEN = re.compile(r"^([A-Za-z_\u4e00-\u9fff]+)=(\S*)$")


def split(text: str, options: dict[str, str]) -> tuple[str, list[Segment]]:
    """Find the kind word and cut the rest into segments, taking out known ``key=value`` options."""
    t = normalize_text(text)
    rule_cls = _kind_of(t, text)
    name = _kind_name(t, rule_cls)
    rest = t[len(name):].lstrip(" :")
    segments = []
    for index, part in enumerate(rest.split(";"), start=1):
        part = part.strip()
        if not part:
            continue
        opts, kept = {}, []
        for token in part.split():
            m = _OPTION_TOKEN.match(token)
            key = m and options.get(m.group(1).lower())
            if key:
                if key in opts:
                    raise RuleError(text, index, f"选项 {m.group(1)} 重复")
                opts[key] = m.group(2)
            else:
                kept.append(token)
        segments.append(Segment(index, " ".join(kept), opts))
    return rule_cls.KIND, segments


def _kind_of(t: str, original: str) -> type[Rule]:
    low = t.lower()
    for name, cls in _names_longest_first():
        if low.startswith(name.lower()):
            nxt = t[len(name):len(name) + 1]
            if not nxt or nxt in " :;" or not name.isascii():
                return cls
    word = t.split()[0] if t.split() else ""
    known = "、".join(sorted({c.KIND for _, c in _names_longest_first()}))
    raise RuleError(original, None, f"未知的规则类型「{word}」（可用：{known}）" if word else "规则为空")


def _kind_name(t: str, cls: type[Rule]) -> str:
    low = t.lower()
    return max((n for n in (cls.KIND, *cls.NAMES) if low.startswith(n.lower())), key=len)


@lru_cache(maxsize=1)
def _names_longest_first() -> list[tuple[str, type[Rule]]]:
    pairs = [(n, cls) for cls in KINDS for n in (cls.KIND, *cls.NAMES)]
    return sorted(pairs, key=lambda p: -len(p[0]))


@lru_cache(maxsize=4096)
def parse_rule(text: str) -> Rule:
    """Parse one rule cell. Raises RuleError (never anything else) for malformed text."""
    if not isinstance(text, str) or not text.strip():
        raise RuleError(str(text or ""), None, "规则为空")
    try:
        kind, _ = split(text, {})
        cls = KINDS_BY_NAME[kind]
        _, segments = split(text, {k.lower(): v for k, v in {**cls.OPTIONS, **COMMON_OPTIONS}.items()})
        rule = cls.parse(text.strip(), segments)
        na = [(seg, seg.options["na"]) for seg in segments if "na" in seg.options]
        if na:
            seg, value = na[0]
            if value.lower() not in NA_VALUES:
                raise RuleError(text, seg.index, f"na（不涉及）应为 full/exclude（满分/不考核），而不是「{value}」")
            rule = rule.model_copy(update={"na": NA_VALUES[value.lower()]})
        return rule
    except RuleError:
        raise
    except ValidationError as exc:
        err = exc.errors()[0]
        raise RuleError(text, None, f"选项 {'.'.join(map(str, err['loc']))} 的值无效") from None
    except (ValueError, ArithmeticError) as exc:
        raise RuleError(text, None, str(exc)) from None

