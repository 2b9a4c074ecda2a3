"""Phrase patterns: the tokens of one phrase → facts (a condition, an outcome, a step, an amount …),
then the facts of a sentence → arms ("condition → what happens").

The patterns are few and general: a comparator and a number make a condition, 得 and a number of
points make an outcome, 每低/每超 and a number make a step, 扣/加 and a number make an amount. Which
words are comparators, steps or outcomes is the vocabulary's business, not this module's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from decimal import Decimal

from ..clauses import Interval
from . import vocabulary as V
from .tokens import Tok, lex

_FLIP = {"<": ">", "<=": ">="}


@dataclass
class Fact:
    kind: str                      # cond, bare, label, outcome, step, amount, each, floor, capd, capa,
    #                                share, yesno, neg, else, ok, best, weightpts, join (且/或 + text),
    #                                multi (conditions on several values: value [(subject, iv)], text 且/或)
    iv: Interval | None = None     # cond: the values; outcome: the scores
    value: object = None           # outcome kind / step direction / amount / cap / share
    text: str = ""                 # subject, label, question, noun
    per: Tok | None = None         # step: the step size
    share: bool = False            # amount/outcome: a share of the row's points (5%的权重分, 得80%)
    lo_said: bool = True           # cond: the lower bound's inclusion written out (以上/含…), not a bare range
    hi_said: bool = True           # cond: the upper bound's inclusion written out (低于/不含…)
    phrase: int = 0


@dataclass
class Arm:
    """One "condition → outcome" of the wording."""

    kind: str                      # outcome, step, each, amount
    cond: Fact | None
    result: Fact
    step: Fact | None = None


@dataclass
class Sentence:
    arms: list[Arm] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)


_JOIN = re.compile(r"^(且|并且|或者|或|同时)(.+)$")
_STATE_OPS = re.compile(r"^(>=|<=|<|>|=)(-?\d+(?:\.\d+)?)$")


def _iv(op: str, v: Decimal, pct: bool) -> Interval:
    return {">=": Interval(lo=v, pct=pct), ">": Interval(lo=v, lo_open=True, pct=pct),
            "<=": Interval(hi=v, pct=pct), "<": Interval(hi=v, hi_open=True, pct=pct),
            "=": Interval(lo=v, hi=v, pct=pct)}[op]


def intersect(a: Interval, b: Interval) -> Interval:
    lo, lo_open = (a.lo, a.lo_open) if b.lo is None or (a.lo is not None and a.lo >= b.lo) else (b.lo, b.lo_open)
    hi, hi_open = (a.hi, a.hi_open) if b.hi is None or (a.hi is not None and a.hi <= b.hi) else (b.hi, b.hi_open)
    return Interval(lo=lo, lo_open=lo_open, hi=hi, hi_open=hi_open, pct=a.pct or b.pct)


def _set_incl(iv: Interval, incl: bool) -> Interval:
    upd = {}
    if iv.lo is not None and iv.hi is None:
        upd["lo_open"] = not incl
    elif iv.hi is not None and iv.lo is None:
        upd["hi_open"] = not incl
    return iv.model_copy(update=upd)


def read_phrase(toks: tuple[Tok, ...], index: int) -> list[Fact]:
    """The facts one phrase states, in order."""
    facts: list[Fact] = []
    subject: list[str] = []
    pend_op: str | None = None
    lower: tuple[str, Tok] | None = None
    act: str | None = None
    mode: str | None = None
    step: Fact | None = None
    skip: set[int] = set()
    weighted = False

    def outcome_ahead(k: int) -> bool:
        """A score follows in this phrase (90分以上得满分), or the phrase is a clause that ends in 的
        before its score (得分在80分以上的，本项得满分): a number in 分 there is a condition."""
        rest = [t for t in toks[k + 1:] if t.type not in ("post", "incl")]
        if rest and all(t.type == "text" for t in rest) and "".join(t.text for t in rest).endswith("的"):
            return True
        return any(t.type in ("full", "zero", "prop") or (t.type == "act" and t.value == "score")
                   for t in toks[k + 1:])

    def add(f: Fact) -> Fact:
        f.phrase = index
        facts.append(f)
        return f

    def label_before(upto: int):
        if "".join(subject).rstrip("的,") in V.ITEM_WORDS:
            return                            # 本项得满分: the row, not a level
        if subject and not any(f.kind in ("cond", "bare", "label", "neg", "yesno", "ok", "else") for f in facts):
            head = list(toks[:upto])
            while head and head[-1].type in ("cmp", "sym", "act"):     # 一般低于6分: the level is 一般
                head.pop()
            add(Fact("label", text="".join(t.text for t in head).rstrip("的")))

    n = len(toks)
    for k, tok in enumerate(toks):
        if k in skip:
            continue
        ty = tok.type
        nxt = toks[k + 1] if k + 1 < n else None
        if ty == "text":
            joined = _JOIN.match(tok.value)
            if joined and any(f.kind == "cond" for f in facts) and not any(f.kind == "outcome" for f in facts):
                add(Fact("join", value=joined.group(1), text=joined.group(2).rstrip("的")))
                subject = [joined.group(2)]       # 达到200亿元且增速不低于6%: the second condition's subject
            elif step is not None and step.per is None:
                step.text += tok.value
            elif mode == "each":
                facts[-1].text += tok.value
            else:
                subject.append(tok.value)
        elif ty in ("sym", "cmp"):
            pend_op = tok.value
        elif ty == "num":
            if step is not None and step.per is None and step.iv is None and nxt is not None and nxt.type == "num" \
                    and nxt.pct and tok.pct:
                step.iv = _iv(">=" if step.value == "below" else "<=", tok.value, True)   # 每低于100%一个百分点
                continue
            if step is not None and step.per is None:
                step.per = tok
                continue
            if mode in ("capd", "capa"):
                add(Fact(mode, value=tok.value))
                mode = None
                continue
            if mode == "share":
                add(Fact("share", value=tok.value))
                mode = None
                continue
            if mode == "each" and act is None:
                if tok.value != 1 or tok.pct or tok.unit in ("万元", "亿元", "元"):
                    add(Fact("margin", text="".join(t.text for t in toks)))   # 每10万元加0.1分: a step, not items
                continue                      # 每发现一例: the one of "一例"
            if step is not None and step.value == "rank" and act is None and tok.unit == "分" \
                    and not any(f.kind == "amount" for f in facts):
                add(Fact("amount", iv=Interval(lo=tok.value, hi=tok.value), value="deduct"))   # 依次递减0.5分
                continue
            if nxt is not None and nxt.type == "sym" and nxt.value in ("<", "<=") and pend_op is None:
                lower = (_FLIP[nxt.value], tok)
                skip.add(k + 1)
                continue
            if act in ("deduct", "add"):
                share = tok.pct and (weighted or (nxt is not None and nxt.type == "weight"))
                add(Fact("amount", iv=Interval(lo=tok.value, hi=tok.value), value=act, share=share))
                act = None
                continue
            if tok.unit == "分" and act is None and outcome_ahead(k):
                pass                          # 得分90分以上的得满分: a condition on a score, read below
            elif tok.unit == "分" and pend_op is not None and act is None:
                label_before(k)               # 一般低于6分: a bound on the score itself
                add(Fact("outcome", iv=_iv(pend_op, tok.value, False), value="scores"))
                pend_op = None
                continue
            elif act == "score" and tok.pct and not (nxt is not None and nxt.type == "post"):
                label_before(k)               # 较好的得80%, 得60%分值: a share of the points
                add(Fact("outcome", iv=Interval(lo=tok.value, hi=tok.value), value="scores", share=True))
                act = None
                continue
            elif act == "score" or (tok.unit == "分" and pend_op is None and not outcome_ahead(k)):
                label_before(k)
                if nxt is not None and nxt.type == "post":
                    skip.add(k + 1)
                    add(Fact("outcome", iv=_iv(nxt.value, tok.value, False), value="scores"))
                else:
                    label_before(k)
                    add(Fact("outcome", iv=Interval(lo=tok.value, hi=tok.value), value="scores"))
                act = None
                continue
            op = pend_op
            if op is None and nxt is not None and nxt.type == "post":
                op = nxt.value
                skip.add(k + 1)
            elif op is not None and nxt is not None and nxt.type == "post":
                skip.add(k + 1)               # 达到90%以上: both say >=
            if op is None:
                add(Fact("bare", iv=_iv("=", tok.value, tok.pct), text="".join(subject).rstrip("的"),
                         value=tok))
            elif pend_op is not None and tok.unit != "倍" and _margin(toks, k):
                add(Fact("margin", text="".join(t.text for t in toks)))    # 高于全市平均1个百分点以上
            else:
                iv = _iv(op, tok.value, tok.pct)
                if lower is not None:
                    iv = intersect(iv, _iv(lower[0], lower[1].value, lower[1].pct))
                    lower = None
                add(Fact("cond", iv=iv, text="".join(subject).rstrip("的"), value=tok))
            pend_op = None
        elif ty == "range":
            lo, hi, lo_incl, hi_incl = tok.value
            if act in ("deduct", "add"):
                add(Fact("amount", iv=Interval(lo=lo, hi=hi), value=act))
                act = None
            elif act == "score" or (tok.unit == "分" and not tok.pct and not outcome_ahead(k)):
                label_before(k)
                add(Fact("outcome", iv=Interval(lo=lo, hi=hi), value="scores"))
                act = None
            else:
                marked = lo_incl is not None or hi_incl is not None     # 80%(含)-90%: the unmarked end is open
                add(Fact("cond", iv=Interval(lo=lo, hi=hi, lo_open=marked and not lo_incl,
                                             hi_open=marked and not hi_incl, pct=tok.pct),
                         text="".join(subject).rstrip("的"), lo_said=lo_incl is not None,
                         hi_said=hi_incl is not None, value=tok))
        elif ty == "incl":
            last = next((f for f in reversed(facts) if f.kind == "cond"), None)
            if last is not None:
                last.iv = _set_incl(last.iv, tok.value)
                last.lo_said = last.hi_said = True
        elif ty == "act":
            act = tok.value
            if act == "score" or (mode is None and step is None):
                label_before(k)
        elif ty in ("full", "zero", "prop", "disc"):
            between = [t for t in toks[:k] if t.type not in ("text",) or t.value.strip("的")]
            if ty in ("full", "zero") and pend_op is not None and not any(f.kind in ("cond", "bare") for f in facts) \
                    and between and between[-1].type in ("cmp", "sym"):
                add(Fact("else"))             # 未达到的不得分, 低于的不得分: a comparator with no number is "the rest"
                pend_op = None
            label_before(k)
            add(Fact("outcome", value=ty))
            act = None
        elif ty == "weight":
            if act == "score" and nxt is not None and nxt.type == "num" and nxt.pct:
                pass                          # 得分值的60%: the percent that follows is the share
            elif act == "score":
                add(Fact("outcome", value="full"))   # 得对应权重分
                act = None
            elif act == "deduct":
                weighted = True                       # 扣分值的5%: a share; 扣权重分的0.1分: points
                if tok.value.startswith("权重分的") and nxt is not None and not nxt.pct:
                    add(Fact("weightpts"))
            elif facts and facts[-1].kind == "amount" and facts[-1].iv.lo is not None and toks[k - 1].pct:
                facts[-1].share = True
        elif ty == "step":
            step = add(Fact("step", value=tok.value))
            if tok.value == "rank":               # 每降一名: a step of one place
                step.per = Tok("num", Decimal(1), "1", "名")
        elif ty == "each":
            mode = "each"
            add(Fact("each", text="", value="".join(subject)))     # value: what came before 每 (省级每篇)
        elif ty == "floor":
            add(Fact("floor", value=tok.value if isinstance(tok.value, Decimal) else None))
        elif ty == "nofloor":
            add(Fact("floor", value="none"))
        elif ty == "state":
            m = _STATE_OPS.match(tok.value)
            add(Fact("cond", iv=_iv(m.group(1), Decimal(m.group(2)), True), text="".join(subject).rstrip("的") or tok.text))
        elif ty in ("capd", "capa"):
            mode = ty
        elif ty == "share":
            mode = "share"
        elif ty == "frac":
            if mode == "share":
                add(Fact("share", value=tok.value))
                mode = None
            else:
                subject.append(tok.text)
        elif ty == "yesno":
            add(Fact("yesno", text="".join(t.text for t in toks[k:])))
            break
        elif ty == "neg":
            if k == 0:
                words = []
                for t in toks:
                    if t.type in ("cmp", "sym", "num", "range", "act", "full", "zero"):
                        break
                    words.append(t.text)
                add(Fact("neg", text="".join(words).split("的")[0]))
            elif mode == "each":                 # 每发现一户未持证经营: the 未 belongs to what is counted
                facts[-1].text += tok.text
            else:
                subject.append(tok.text)
        elif ty == "else":
            add(Fact("else"))
        elif ty == "once":                        # 一经发现数据造假的: what was found
            rest = "".join(t.text for t in toks[k + 1:] if t.type == "text")
            add(Fact("once", text=re.split(r"的|,", rest)[0]))
        elif ty in ("info", "value", "veto", "group"):
            add(Fact(ty, text=tok.text))
        elif ty == "ok":
            if nxt is not None and nxt.type in ("act", "full", "weight"):
                add(Fact("ok"))
            else:
                subject.append(tok.text)
        elif ty == "best":
            add(Fact("best"))
            subject.append(tok.text)
        elif ty == "post":
            subject.append(tok.text)
    if any(t.type == "act" and t.value in ("deduct", "add") for t in toks) and not any(
            f.kind in ("amount", "outcome", "step", "each", "capd", "capa", "floor", "margin") for f in facts) \
            and not re.search(r"加分计入|不占基础分|不重复", "".join(t.text for t in toks)):
        add(Fact("margin", text="".join(t.text for t in toks)))      # 重复出现的加倍扣分: an amount not given
    if not facts and subject and "".join(subject).endswith("的"):
        # 低于全省平均水平的，按…: the comparator belongs to the label
        add(Fact("label", text="".join(t.text for t in toks if t.type in ("text", "cmp", "neg", "ok", "post"))
                 .rstrip("的")))
    return facts


def _margin(toks: tuple[Tok, ...], k: int) -> bool:
    """The words between the comparator and the number k name a benchmark (高于全市平均1个百分点):
    the number is a margin over that benchmark, not a bound on the value."""
    between = []
    for t in reversed(toks[:k]):
        if t.type in ("cmp", "sym"):
            break
        between.append(t.text)
    return any(b in "".join(between) for b in V.BENCHMARKS)


@lru_cache(maxsize=8192)
def phrase_facts(phrase: str) -> tuple[Fact, ...]:
    """The facts of a phrase, read once (wording repeats a lot down a rubric); callers copy them."""
    return tuple(read_phrase(lex(phrase), 0))


def read_sentence(phrases: list[str], start: int = 0) -> Sentence:
    """Arms of one sentence: a condition (or level) stays open until an outcome, step or amount closes it."""
    out = Sentence()
    cond: Fact | None = None
    step: Fact | None = None
    each: Fact | None = None
    join: Fact | None = None
    for j, p in enumerate(phrases):
        facts = [replace(f, phrase=start + j) for f in phrase_facts(p)]
        if not facts and p not in V.PLAIN and any(h in p for h in ("得", "扣", "满分", "为止")):
            out.unread.append(p)
        out.facts.extend(facts)
        for f in facts:
            if f.kind == "join":
                join = f
                continue
            if f.kind == "margin":
                out.unread.append(p)
                continue
            if join is not None and f.kind == "cond" and cond is not None and cond.kind in ("cond", "multi"):
                parts = cond.value if cond.kind == "multi" else [(cond.text, cond.iv)]
                cond = Fact("multi", value=[*parts, (f.text, f.iv)], text=join.value, phrase=f.phrase)
                join = None
                continue
            if join is not None:
                out.doubts.append(f"条件「{join.value}{join.text}」未写进规则")
                join = None
            if f.kind in ("cond", "bare"):
                if cond is not None and cond.kind == "cond" and f.kind == "cond" and cond.phrase == f.phrase:
                    cond = Fact("cond", iv=intersect(cond.iv, f.iv), text=cond.text or f.text, phrase=f.phrase)
                else:
                    cond = f
            elif f.kind in ("label", "neg", "yesno", "ok", "else"):
                cond = f
            elif f.kind == "outcome":
                out.arms.append(Arm("outcome", cond, f))
                cond = None
            elif f.kind == "step":
                step = replace(f, iv=cond.iv if cond is not None and cond.kind == "cond" else f.iv)
            elif f.kind == "each":
                each = f
            elif f.kind == "amount":
                if step is not None:
                    out.arms.append(Arm("step", cond, f, step))
                    step = None
                elif each is not None:
                    out.arms.append(Arm("each", cond, f, each))
                    each = None
                else:
                    out.arms.append(Arm("amount", cond, f))
                cond = None
    if join is not None:
        out.doubts.append(f"条件「{join.value}{join.text}」未写进规则")
    if cond is not None and cond.kind in ("cond", "bare") and not out.unread and step is None and each is None \
            and any(a.cond is not None for a in out.arms):
        out.unread.append(",".join(phrases[cond.phrase - start:]))   # 〈90%的，按…〉: a condition left open
    return out
