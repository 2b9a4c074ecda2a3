"""Wording → sentences → phrases → tokens, using the phrase tables of ``vocabulary``.

A token is (type, value, text). Numbers carry a Decimal (percents as fractions, as Excel stores
them), their unit and whether they were written as a percent. Anything not in the tables is text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..numbers import normalize_text
from . import vocabulary as V


@dataclass(frozen=True)
class Tok:
    type: str
    value: object = None
    text: str = ""
    unit: str = ""

    @property
    def pct(self) -> bool:
        return self.unit in ("%", "个百分点", "百分点", "‰", "倍")     # 1.2倍 is a rate of 120%


@dataclass
class Text:
    """A wording cut into parts: sub-points (①②③) and the sentences of the whole."""

    subpoints: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    started: bool = False      # 不足X按X计: a started step counts in full
    rate_dp: int | None = None  # 先四舍五入到0.01%: the rate is rounded to this many decimals of a percent


def _table() -> dict[str, tuple[str, object]]:
    t: dict[str, tuple[str, object]] = {}
    for words, kind in ((V.FULL, "full"), (V.ZERO, "zero"), (V.PROPORTIONAL, "prop"), (V.DISCRETION, "disc"),
                        (V.FLOOR, "floor"), (V.CAP_DEDUCT, "capd"), (V.CAP_ADD, "capa"), (V.SHARE, "share"),
                        (V.WEIGHT, "weight"), (V.YESNO, "yesno"), (V.NEGATIVE, "neg"), (V.ELSE, "else"),
                        (V.OK_WORDS, "ok"), (V.BEST, "best"), (V.EACH, "each"), (V.INFO, "info"),
                        (V.VALUE, "value"), (V.ONCE, "once"), (V.VETO, "veto"), (V.GROUP, "group")):
        for w in words:
            t.setdefault(w, (kind, w))
    for w in V.STEP_BELOW:
        t[w] = ("step", "below")
    for w in V.STEP_ABOVE:
        t[w] = ("step", "above")
    for w in V.RANK_STEP:
        t[w] = ("step", "rank")
    for w, op in V.BEFORE.items():
        t[w] = ("cmp", op)
    for w, op in V.AFTER.items():
        t[w] = ("post", op)
    for w, v in V.INCLUSION.items():
        t[w] = ("incl", v)
    for w, act in V.ACTIONS.items():
        t.setdefault(w, ("act", act))
    for w in V.NO_FLOOR:
        t[w] = ("nofloor", w)
    for w, cond in V.STATES.items():
        t[w] = ("state", cond)
    for w in V.PLAIN:
        t.setdefault(w, ("text", w))
    return t


TABLE = _table()
_LONGEST = sorted(TABLE, key=len, reverse=True)
_BY_FIRST: dict[str, list[str]] = {}
for _w in _LONGEST:
    _BY_FIRST.setdefault(_w[0], []).append(_w)

_UNITS = sorted(V.UNITS, key=len, reverse=True)
_NUM = re.compile(r"\d+(?:\.\d+)?")
_RANGE_SEP = re.compile(r"(?:-|~|至|到)")
_FRAC = re.compile(r"(\d+)/(\d+)(?![\d.])")
_FLOOR_AT = re.compile(r"最低(?:得|为|扣至)?(-?\d+(?:\.\d+)?)分")   # 本项最低得-4分: the lowest score, sign kept
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# 得分 as a noun (the score a condition is on): 得分≥90分, 得分在90分以上, 80分≤得分<90分
_SCORE_NOUN = re.compile(r"得分(?=[<>=]|\d|在|达到|不低于|高于|低于|不足|超过)|(?<=[<>=])得分")


def place(word: str) -> Decimal:
    """A rank written in digits or Chinese numerals up to 99 (三 → 3, 十二 → 12, 二十 → 20)."""
    if word.isdigit():
        return Decimal(word)
    if "十" in word:
        tens, _, ones = word.partition("十")
        return Decimal(V.NUMERALS.get(tens, 1) * 10 + (V.NUMERALS.get(ones, 0) if ones else 0))
    return Decimal(V.NUMERALS[word])


def cut(text: str) -> Text:
    """Split wording into sub-points and sentences (on 。；; and line breaks)."""
    raw = str(text or "")
    marked = "".join(f"\u241e{c}" if c in V.CIRCLED else c for c in raw)
    t = normalize_text(marked)
    t = re.sub(r"\s+", "", t)
    t = _THOUSANDS.sub("", t)
    t = V.SUBPOINT.sub("\u241e", t)
    out = Text()
    t = V.RESTATED.sub("", t)
    t = V.TARGET_REMARK.sub(r"\1\2", t)
    t = V.PROPORTION.sub("按比例得分", t)
    m = V.RATE_ROUNDING.search(t)
    if m:
        out.rate_dp = len(m.group(2)) + 1 if m.group(2) is not None else 0
        t = t[:m.start()] + t[m.end():]
    if V.STARTED.search(t):
        out.started = True
        t = V.STARTED.sub("", t)
    parts = t.split("\u241e")
    body = [parts[0]]
    for p in parts[1:]:
        p = p.lstrip("0123456789")  # the circled digit became a digit under NFKC
        m = re.search(r"[。;]", p)
        head, tail = (p[:m.start()], p[m.end():]) if m else (p, "")
        if head.strip(" ,"):
            out.subpoints.append(head.strip(" ,"))
        body.append(tail)
    for chunk in [*out.subpoints, *body]:
        for s in re.split(r"[。;\n]", chunk):
            s = s.strip(" ,、")
            if s:
                out.sentences.append(s)
    # sub-point sentences were added first; drop exact repeats that the body also holds
    seen, uniq = set(), []
    for s in out.sentences:
        if s not in seen:
            seen.add(s)
            uniq.append(s)
    out.sentences = uniq
    return out


def phrases(sentence: str) -> list[str]:
    """Cut a sentence at , 、 and : outside brackets."""
    out, depth, cur = [], 0, []
    for ch in sentence:
        if ch in "(":
            depth += 1
        elif ch in ")":
            depth = max(0, depth - 1)
        if ch in ",、:" and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p for p in (x.strip() for x in out) if p]


def _number(t: str, i: int) -> tuple[Decimal, str, int] | None:
    m = _NUM.match(t, i)
    if not m:
        return None
    try:
        value = Decimal(m.group())
    except InvalidOperation:
        return None
    j = m.end()
    unit = next((u for u in _UNITS if t.startswith(u, j)), "")
    if unit in ("%", "个百分点", "百分点"):
        value = value / 100
    elif unit == "‰":
        value = value / 1000
    return value, unit, j + len(unit)


def _inclusion(t: str, j: int) -> tuple[bool | None, int]:
    """(含)/(不含) right after a number: (included?, position after the marker)."""
    for word, incl in V.INCLUSION.items():
        if t.startswith(word, j):
            return incl, j + len(word)
    return None, j


@lru_cache(maxsize=8192)
def lex(phrase: str) -> tuple[Tok, ...]:
    """Tokens of one phrase: longest vocabulary match first, numbers, ranges, fractions, text."""
    t = phrase
    toks: list[Tok] = []
    text: list[str] = []
    i = 0

    def flush():
        if text:
            toks.append(Tok("text", "".join(text), "".join(text)))
            text.clear()

    while i < len(t):
        ch = t[i]
        if ch == "(" and not any(t.startswith(w, i) for w in V.INCLUSION):
            end = t.find(")", i)             # a remark in brackets explains; it does not score
            end = len(t) - 1 if end < 0 else end
            text.append(t[i:end + 1])
            i = end + 1
            continue
        special = ch.isdigit() or ch in "前第排名得" or ch in V.NUMERALS    # only these can start a rank, a date or 得分 as a noun
        m = V.RANK_RANGE.match(t, i) if special else None
        if m:
            flush()
            lo, hi = sorted((place(m.group(1)), place(m.group(2))))
            toks.append(Tok("range", (lo, hi, None, None), m.group(), "名"))
            i = m.end()
            continue
        m = (V.RANK_TOP.match(t, i) or V.RANK_AFTER.match(t, i)) if special else None
        if m:
            flush()
            after = m.re is V.RANK_AFTER
            toks.append(Tok("sym", (">=" if m.group(2) == "及以后" else ">") if after else "<=", ""))
            toks.append(Tok("num", place(m.group(1)), m.group(), "名"))
            i = m.end()
            continue
        m = V.FRACTION_WORDS.match(t, i) if special else None
        if m:
            share = place(m.group(2)) / place(m.group(1))
            if (share * 10 ** 6) % 1 == 0:        # 四分之三: a rate of 75%
                flush()
                toks.append(Tok("num", share, m.group(), "%"))
            else:
                text.append(m.group())            # 三分之二 has no exact percent to write in a rule
            i = m.end()
            continue
        m = V.EACH_ONE.match(t, i) if ch in "发出查" else V.LATE_ONE.match(t, i) if ch in "逾超延迟晚漏错" else None
        if m:
            flush()
            toks.append(Tok("each", m.group(), m.group()))
            if m.re is V.LATE_ONE:            # 逾期1天: the lateness itself is what is counted
                toks.append(Tok("text", m.group(1), m.group(1)))
            i = m.end()
            continue
        m = (V.NAMED_NUMBER.match(t, i) or V.DATE.match(t, i) or _SCORE_NOUN.match(t, i)) if special else None
        if m and (not t[i].isdigit() or i == 0 or not t[i - 1].isdigit()):
            text.append(m.group())                # PM2.5, 1月31日, 得分≥90分: words, not quantities
            i = m.end()
            continue
        m = _FLOOR_AT.match(t, i)
        if m:
            flush()
            toks.append(Tok("floor", Decimal(m.group(1)), m.group()))
            i = m.end()
            continue
        m = _FRAC.match(t, i)
        if m and int(m.group(2)) > 0 and (i == 0 or not t[i - 1].isdigit()):
            flush()
            toks.append(Tok("frac", Decimal(m.group(1)) / Decimal(m.group(2)), m.group()))
            i = m.end()
            continue
        got = _number(t, i)
        if got and i > 0 and t[i - 1] == "第":        # 第1个输入, 第3项: an ordinal, not a quantity
            text.append(t[i:got[2]])
            i = got[2]
            continue
        if got and got[1] == "%" and i > 0 and t[i - 1] in "前后":     # 前30%, 后40%: a share of a ranking
            text.append(t[i:got[2]])
            i = got[2]
            continue
        if got:
            value, unit, j = got
            if t.startswith("年", j) and not unit:          # 2024年: a date, not a target
                text.append(t[i:j + 1])
                i = j + 1
                continue
            incl1, j2 = _inclusion(t, j)
            sep = _RANGE_SEP.match(t, j2)
            second = _number(t, sep.end()) if sep else None
            flush()
            if second:
                v2, unit2, k = second
                incl2, k = _inclusion(t, k)
                if unit2 in ("%", "个百分点", "百分点") and not unit:
                    value = value / 100
                    unit = unit2
                ends = sorted([(value, incl1), (v2, incl2)], key=lambda e: e[0])
                toks.append(Tok("range", (ends[0][0], ends[1][0], ends[0][1], ends[1][1]), t[i:k], unit or unit2))
                i = k
            else:
                toks.append(Tok("num", value, t[i:j], unit))
                i = j
                post = next((w for w in V.AFTER if t.startswith(w, j2)), None) if j2 > j else None
                if post:                          # 90%(不含)以下: the comparator, then the marker
                    toks.append(Tok("post", V.AFTER[post], post))
                    toks.append(Tok("incl", incl1, t[j:j2]))
                    i = j2 + len(post)
            continue
        word = next((w for w in V.WORD_NUMBERS if t.startswith(w, i)), None)
        if word:
            flush()
            value, unit = V.WORD_NUMBERS[word]
            toks.append(Tok("num", Decimal(value), word, unit))
            i += len(word)
            continue
        if ch in V.NUMERALS and t.startswith(("个百分点", "百分点"), i + 1):
            flush()                               # 一个百分点: a step of 1 percentage point
            word = "个百分点" if t.startswith("个百分点", i + 1) else "百分点"
            toks.append(Tok("num", Decimal(V.NUMERALS[ch]) / 100, t[i:i + 1 + len(word)], word))
            i += 1 + len(word)
            continue
        if ch in V.NUMERALS and i + 1 < len(t) and t[i + 1] in V.MEASURES:
            flush()
            toks.append(Tok("num", Decimal(V.NUMERALS[ch]), t[i:i + 2], t[i + 1]))
            i += 2
            continue
        if t.startswith((">=", "<="), i):
            flush()
            toks.append(Tok("sym", t[i:i + 2], t[i:i + 2]))
            i += 2
            continue
        if ch in "<>=":
            flush()
            toks.append(Tok("sym", ch, ch))
            i += 1
            continue
        word = next((w for w in _BY_FIRST.get(ch, ()) if t.startswith(w, i)), None)
        if word and TABLE[word][0] == "veto" and i > 0 and t[i - 1] in "“\"「" \
                and re.match(r"[”\"」](?:事项|情形|指标|问题)", t[i + len(word):]):
            text.append(word)                     # “一票否决”事项: the name of a kind of event, not a veto
            i += len(word)
            continue
        if word:
            kind, value = TABLE[word]
            if kind == "text":
                text.append(word)
                i += len(word)
                continue
            if kind == "post" and not (toks and toks[-1].type == "num" and not text):
                text.append(word)             # 以上评价要点: "the above", not a comparator
                i += len(word)
                continue
            flush()
            toks.append(Tok(kind, value, word))
            i += len(word)
            continue
        text.append(ch)
        i += 1
    flush()
    return tuple(toks)


def input_kind(name: str) -> str:
    """What an input is (比率, 金额, 个数 …) from the words of its name."""
    for words, kind in V.INPUT_KINDS:
        if any(w in name for w in words):
            return kind
    return "数值"
