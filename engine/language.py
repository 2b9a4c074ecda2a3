"""The rule language: ``kind clause; clause; key=value`` → a validated rule model.

Rule text is parsed, never evaluated. Every error quotes the rule and names the clause (第N段).
The grammar is documented in docs/rules.md.
"""
from __future__ import annotations

import difflib
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
    parts = [piece for part in rest.split(";") for piece in _comma_pieces(part)]
    for index, part in enumerate(parts, start=1):
        part = part.strip()
        if not part:
            continue
        part = _SPACED_OPTION.sub(lambda m: m.group(1) + "=" if options.get(m.group(1).lower()) else m.group(0), part)
        opts, kept = {}, []
        for token in part.split():
            m = _OPTION_TOKEN.match(token)
            key = m and options.get(m.group(1).lower())
            if m and not key and options:
                _misspelt_option(original=text, index=index, key=m.group(1), options=options, kind=rule_cls)
            if key:
                if key in opts:
                    raise RuleError(text, index, f"选项 {m.group(1)} 重复")
                opts[key] = m.group(2)
            else:
                kept.append(token)
        segments.append(Segment(index, " ".join(kept), opts))
    return rule_cls.KIND, segments


_THOUSANDS = re.compile(r"\d,\d{3}")
#: "each = 0.5": a known option written with spaces around its "=" is read as each=0.5.
_SPACED_OPTION = re.compile(r"([A-Za-z_\u4e00-\u9fff]+)\s*=\s*(?=\S)")
_CLAUSE_MARK = re.compile(r"=|:")


def _comma_pieces(part: str) -> list[str]:
    """Clauses separated by a comma (，) or 、 instead of ；: split only when it is unambiguous, i.e.
    every piece is a clause of its own (好=8-10，较好=6-7) and no number has a thousands comma."""
    for sep in (",", "、"):
        pieces = part.split(sep)
        if len(pieces) > 1 and not _THOUSANDS.search(part) and all(_CLAUSE_MARK.search(p) for p in pieces):
            return pieces
    return [part]


def _misspelt_option(original: str, index: int, key: str, options: dict[str, str], kind: type[Rule]) -> None:
    """A key=value token whose key is not an option of this kind: an error when the key is a
    misspelt option or another kind's option (band levels such as 好=8-10 are not options)."""
    low = key.lower()
    if not key.isascii():
        return
    mine = sorted({k for k in options if k.isascii()})
    close = difflib.get_close_matches(low, mine, n=1, cutoff=0.8 if kind.LABELLED else 0.6)
    if close:
        raise RuleError(original, index, f"不认识的选项「{key}」，是否要写「{close[0]}」？")
    if low in _all_ascii_options() and not kind.LABELLED:
        raise RuleError(original, index, f"选项「{key}」不适用于 {kind.KIND}（{kind.KIND} 的选项：{'、'.join(mine)}）")


@lru_cache(maxsize=1)
def _all_ascii_options() -> frozenset[str]:
    return frozenset(k.lower() for cls in KINDS for k in {**cls.OPTIONS, **COMMON_OPTIONS} if k.isascii())


def kind_names() -> str:
    """Every kind with its first Chinese name: band（档次）、ratio（比例）…"""
    return "、".join(f"{cls.KIND}（{cls.NAMES[0]}）" if cls.NAMES else cls.KIND for cls in KINDS)


def _kind_of(t: str, original: str) -> type[Rule]:
    low = t.lower()
    for name, cls in _names_longest_first():
        if low.startswith(name.lower()):
            nxt = t[len(name):len(name) + 1]
            if not nxt or nxt in " :;" or not name.isascii():
                return cls
    word = t.split()[0] if t.split() else ""
    if not word:
        raise RuleError(original, None, "规则为空")
    names = [n for n, _ in _names_longest_first()]
    close = difflib.get_close_matches(word.lower(), [n.lower() for n in names], n=1, cutoff=0.6)
    hint = f"是否要写「{next(n for n in names if n.lower() == close[0])}」？" if close else ""
    raise RuleError(original, None, f"未知的规则类型「{word}」，{hint}（可用：{kind_names()}）" if hint
                    else f"未知的规则类型「{word}」（可用：{kind_names()}）")


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

