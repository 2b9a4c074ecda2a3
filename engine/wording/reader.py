"""Wording → a proposed rule: the arms the phrases state are matched to a rule kind.

Each builder looks at the arms of the whole wording and either returns a rule (with its inputs,
its reading and any doubt) or declines. The first builder that accepts wins; the order goes from
the most specific wording (各占 shares, 每低 steps) to the most general (是否 questions).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..clauses import Interval, RuleError
from ..language import parse_rule
from ..numbers import fmt_num, fmt_pct, normalize_text
from ..rules import ThresholdRule
from . import vocabulary as V
from .phrases import Arm, Fact, read_phrase, read_sentence
from .tokens import Tok, cut, input_kind, lex, phrases

_FORMULA = re.compile(r"^(?P<name>[^=<>]*?[^\d.%=<>])=(?P<expr>[^=<>]*/[^=<>]*)$")
_SCALE = re.compile(r"\*\(?(\d+(?:\.\d+)?)(%?)\)?$")
MAX_STEPS = 30          # a staircase compiled into a table keeps at most this many clauses


@dataclass
class Formula:
    name: str
    num: str
    den: str
    kind: str           # ratio, change, score
    scale: Decimal | None = None

    def text(self) -> str:
        def wrap(t: str) -> str:
            return f"({t})" if re.search(r"[+-]", t) else t
        top = f"({self.num}-{self.den})" if self.kind == "change" else wrap(self.num)
        tail = f"×{fmt_num(self.scale)}" if self.kind == "score" else "×100%"
        return f"{self.name}={top}÷{wrap(self.den)}{tail}"


@dataclass
class Draft:
    """What a builder proposes."""

    rule: str
    inputs: list[tuple[str, str]]
    reading: list[str]
    doubts: list[str] = field(default_factory=list)
    uses: frozenset[str] | None = None      # arm kinds the rule accounts for (default: by its kind)
    single: bool = True                     # the rule reads one step / incident / amount arm


@dataclass
class Wording:
    """Everything the phrases said, gathered over the whole text."""

    points: Decimal | None
    name: str
    text: str = ""
    arms: list[Arm] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    formulas: list[Formula] = field(default_factory=list)
    subpoints: list[str] = field(default_factory=list)
    started: bool = False
    rate_dp: int | None = None
    unread: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)     # about the whole wording, whatever rule is built

    def has(self, kind: str) -> bool:
        return any(f.kind == kind or (f.kind == "outcome" and f.value == kind) for f in self.facts)

    def floor_at(self) -> Decimal | str | None:
        """The lowest score when written other than 0 (本项最低得-4分; "none": 不设下限), else None (扣完为止)."""
        return next((f.value for f in self.facts if f.kind == "floor" and f.value), None)

    def first(self, kind: str) -> Fact | None:
        return next((f for f in self.facts if f.kind == kind), None)

    def outcomes(self, *values: str) -> list[Arm]:
        return [a for a in self.arms if a.kind == "outcome" and a.result.value in values]

    @property
    def rate(self) -> Formula | None:
        return next((f for f in self.formulas if f.kind in ("ratio", "change")), None)

    def metric(self) -> str:
        if self.rate:
            return self.rate.name
        subjects = [a.cond.text for a in self.arms if a.cond is not None and a.cond.kind in ("cond", "bare")
                    and a.cond.text and a.cond.text not in ("比率", "比例")]
        return _clean_name(subjects[0]) if subjects else (self.name or "完成率")

    def rate_inputs(self) -> list[tuple[str, str]]:
        f = self.rate
        if f is not None:
            return [(f.num, input_kind(f.num)), (f.den, input_kind(f.den))]
        name = self.metric()
        kind = input_kind(name)
        pct = any(f.iv is not None and f.iv.pct for f in self.facts if f.kind in ("cond", "bare"))
        return [(name, "比率" if kind == "数值" and (pct or not self.facts) else kind)]


def _clean_name(text: str) -> str:
    t = re.sub(r"^(?:其中|对|若|如|当|年度|全年|本年度)", "", text)
    t = re.sub(r"(?:在|为|是)$", "", t.strip("的"))          # 考核得分在80分以上: the name is 考核得分
    return t.strip("的") or text


def parse_formula(phrase: str) -> Formula | None:
    """``执行率=实际支出/预算数*100%``, ``得分=A/B*50``, ``率=(A-B)/B*100%`` → a Formula."""
    m = _FORMULA.match(phrase)
    if not m:
        return None
    name, expr = m.group("name").strip(), m.group("expr").strip()
    expr = re.sub(r"(?<=[^/*+-])\([^()/+*-]*\)$", "", expr)        # a trailing note in brackets
    scale = None
    sm = _SCALE.search(expr)
    if sm:
        scale = None if sm.group(2) else Decimal(sm.group(1))
        expr = expr[:sm.start()]
    expr = expr.strip()
    if expr.startswith("(") and expr.endswith(")") and expr.count("(") == 1:
        expr = expr[1:-1]
    top, _, bottom = expr.rpartition("/")
    top, bottom = top.strip(), bottom.strip()
    if top.startswith("(") and top.endswith(")"):
        top = top[1:-1]
    weighted = re.match(r"^(?:分值|满分|权重分)\*(.+)$", top) or re.match(r"^(.+)\*(?:分值|满分|权重分)$", top)
    if weighted:
        top = weighted.group(1)
    if bottom.startswith("(") and bottom.endswith(")"):
        bottom = bottom[1:-1]
    if not top or not bottom or re.fullmatch(r"[\d.]+", top) or re.fullmatch(r"[\d.]+", bottom):
        return None
    if re.search(r"(?:^|[+*-])[\d.]+(?:$|[+*-])", top):
        return None                   # (1-调整数)/年初数: a constant term the language does not compute
    kind = "ratio"
    a, sep, b = top.partition("-")
    if sep and b.strip() == bottom:
        kind, top = "change", a.strip()
    if "得分" in name or name in ("分数", "分值") or weighted:
        kind = "score"
    return Formula(name=re.sub(r"^该项指标", "", name), num=top, den=bottom, kind=kind, scale=scale)


def _chunks(sentence: str) -> list[str]:
    """A sentence cut at commas outside brackets (not at 、)."""
    out, depth, cur = [], 0, []
    for ch in sentence:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [c for c in out if c.strip()]


def gather(text: str, points: Decimal | None, name: str) -> Wording:
    cutted = cut(text)
    w = Wording(points=points, name=name, text=text.strip(), subpoints=cutted.subpoints, started=cutted.started,
                rate_dp=cutted.rate_dp)
    index = 0
    for s in cutted.sentences:
        kept = []
        for chunk in _chunks(s):           # a formula's names may hold 、 (企业、单位上云率): try whole chunks
            f = parse_formula(chunk)
            if f is not None:
                w.formulas.append(f)
            else:
                if "=" in chunk and re.search(r"[/÷]", chunk):
                    w.doubts.append(f"公式「{chunk}」未能读懂，规则的输入是算好的值")
                kept.extend(phrases(chunk))
        sent = read_sentence(kept, index)
        w.doubts.extend(sent.doubts)
        index += len(kept)
        # 不涉及的得满分 is an option of the rule (na=), not an arm of it
        w.arms.extend(a for a in sent.arms if not (a.cond is not None and a.cond.text
                                                  and any(n in a.cond.text for n in V.NOT_APPLICABLE)))
        w.facts.extend(sent.facts)
        w.unread.extend(sent.unread)
    for a in w.arms:
        if a.result.share and a.kind == "outcome":       # 得80%: a share of the points
            if points is None:
                w.unread.append(f"得{fmt_pct(a.result.iv.lo)}（需要分值）")
            else:
                v = a.result.iv.lo * points
                a.result = replace(a.result, iv=Interval(lo=v, hi=v), share=False)
    for f in w.facts:
        if f.kind in ("cond", "bare") and re.search(r"(?<![人平])[均都]$", f.text or ""):
            w.doubts.append(f"「{f.text}」说的是几项指标同时达到，规则只读一项")
    return w


# ---------------------------------------------------------------- helpers

def pct_text(v: Decimal) -> str:
    return fmt_pct(v)


def num_text(v: Decimal, pct: bool) -> str:
    return fmt_pct(v) if pct else fmt_num(v)


def iv_rule(iv: Interval) -> str:
    """An interval in the rule language (percents as percents)."""
    return iv.text()


def iv_words(iv: Interval) -> str:
    """An interval in words: ≥90%, 80%-90%, <50%."""
    t = iv.text()
    return t.replace(">=", "≥").replace("<=", "≤")


def score_of(arm: Arm, points: Decimal | None) -> Decimal | None:
    """The single score an outcome gives (满分 → points, 不得分 → 0, 得3分 → 3), else None."""
    r = arm.result
    if r.value == "full":
        return points
    if r.value == "zero":
        return Decimal(0)
    if r.value == "scores" and r.iv.lo is not None and r.iv.lo == r.iv.hi:
        return r.iv.lo
    return None


def score_words(v: Decimal, points: Decimal | None) -> str:
    if points is not None and v == points:
        return "得满分"
    return "不得分" if v == 0 else f"得{fmt_num(v)}分"


def level_name(text: str) -> str:
    """The level a band phrase names: the band adjective ending nearest its end (完成较好 → 较好)."""
    text = re.sub(r"\([^)]*\)", "", text or "")
    first = re.split(r"或|且|并", text)[0] if text else text
    best, best_end = None, -1
    for w in V.LEVELS:
        pos = first.rfind(w)
        if pos < 0:
            continue
        end = pos + len(w)
        if end > best_end or (end == best_end and len(w) > len(best)):
            best, best_end = w, end
    if best is not None and len(best) == 1 and best_end >= 2 and first[best_end - 2] in "提升降增减":
        best = first[best_end - 2:best_end]         # 同比提高 is the level 提高, not 高
    return best or (text or "档次")


# ---------------------------------------------------------------- builders

def build_check(w: Wording) -> Draft | None:
    shares = [f.value for f in w.facts if f.kind == "share"]
    n_sub = len(w.subpoints)
    if not shares and not (n_sub >= 2 and any(a.result.value in ("full", "scores") for a in w.outcomes("full", "scores")
                                              if a.cond is not None and a.cond.kind == "ok")):
        return None
    doubts = []
    n = None
    if shares:
        s = shares[0]
        if s <= 0 or s > 1:
            return None
        n = int((Decimal(1) / s).to_integral_value())
        if Decimal(1) / n != s:
            return None
    if n is None or (n_sub and n_sub != n):
        if n is not None and n_sub:
            doubts.append(f"列出{n_sub}个要点，但写的是各占1/{n}：按{n}个要点计")
        n = n or n_sub
    targets = [_target(s) for s in w.subpoints] if n_sub == n else []
    numeric = sum(1 for t in targets if t is not None)
    discretion = w.has("disc")
    tail = "，否则酌情扣分（可另填评分，须在已达成份额与满分之间）" if discretion else "，未达成不得分"
    if targets and numeric * 2 > n:
        clauses = ["是" if t is None else " & ".join(iv_rule(iv) for iv in t) for t in targets]
        inputs, words = [], []
        for k, (sp, t) in enumerate(zip(w.subpoints, targets), start=1):
            if t is None:
                inputs.append((f"要点{k}是否达成", "是否"))
                words.append(f"要点{k}：是否达成")
                doubts.append(f"要点{k}没有数量目标，按是/否读取")
            else:
                for j, iv in enumerate(t):
                    inputs.append((f"要点{k}实际值" + (f"{j + 1}" if len(t) > 1 else ""), "比率" if iv.pct else "数值"))
                words.append(f"要点{k}：" + "且".join(iv_words(iv) for iv in t))
        reading = [f"{n}个要点各占1/{n}，逐项达到目标得对应份额{tail}", "；".join(words)]
        return Draft("check " + "; ".join(clauses), inputs, reading, doubts)
    reading = [f"{n}个要点各占1/{n}，达成几项得几份{tail}"]
    return Draft(f"check n={n}", [("达成要点数", "个数")], reading, doubts)


def _target(subpoint: str) -> tuple[Interval, ...] | None:
    """The numeric targets one sub-point sets (达到20家, 超5000家, 8500亿元), or None if qualitative."""
    out = []
    for j, p in enumerate(phrases(subpoint)):
        for f in read_phrase(lex(p), j):
            if f.kind == "cond":
                out.append(f.iv)
            elif f.kind == "bare" and f.value is not None and f.value.unit not in ("", "分"):
                out.append(Interval(lo=f.iv.lo, pct=f.iv.pct))       # a bare target: 达到 it
    return tuple(out) or None


def _best_ref(w: Wording) -> bool:
    steps = [a.step for a in w.arms if a.kind == "step"]
    return w.has("best") or any("最高" in (s.text or "") for s in steps)


def build_step(w: Wording) -> Draft | None:
    arms = [a for a in w.arms if a.kind == "step"]
    if not arms or w.points is None:
        return None
    arm = arms[0]
    step, amount = arm.step, arm.result
    if step.value == "rank" or step.per is None or amount.value != "deduct" or amount.iv.lo != amount.iv.hi:
        return None
    P = w.points
    per = step.per.value
    if per <= 0:
        return None
    d = amount.iv.lo
    each_pts = d * P if amount.share else d
    each_text = f"{fmt_pct(d)}的权重分" if amount.share else f"{fmt_num(d)}分"
    per_text = (f"{fmt_num(per * 100)}个百分点" if step.per.unit in ("个百分点", "百分点") else
                fmt_pct(per) if step.per.pct else fmt_num(per) + step.per.unit)
    rnd = "up" if w.started else "down"
    round_words = (f"不足{per_text}的按{per_text}计" if w.started else f"按整档计，不足{per_text}的部分不扣分")
    capd = w.first("capd")
    cap = capd.value if capd is not None else None
    low = w.floor_at()                # 最低得2分: read on steps below a rate target; elsewhere not read (never dropped)
    floor_opt = "" if low is None else " floor=none" if low == "none" else f" floor={fmt_num(low)}"
    floor = ("，不设下限" if low == "none" else f"，最低得{fmt_num(low)}分") if low is not None else \
        "，扣完为止" if w.has("floor") else ""
    numeric = [a for a in w.outcomes("zero", "full", "scores") if a.cond is not None and a.cond.kind in ("cond", "bare")]
    zero_arms = [a for a in numeric if score_of(a, P) == 0]
    full_arms = [a for a in numeric if score_of(a, P) == P]
    doubts = []
    metric = w.metric()
    if low is not None and (step.value != "below" or _best_ref(w) or zero_arms):
        return None
    if step.value == "below" and _best_ref(w):
        ref = re.sub(r"^(最高|最优|最快)", "", step.text).strip("的") or metric
        rule = f"step per={_num_rule(per, step.per.pct)} deduct={_num_rule(each_pts, False)} from=best round={rnd}"
        if cap is not None and cap < P:
            return None
        reading = [f"{ref}最高的单位得满分，每低于最高值{per_text}扣{each_text}（{round_words}）{floor}"]
        return Draft(rule, [(ref, input_kind(ref))], reading, doubts)
    if any(a.cond.iv.lo is not None and a.cond.iv.hi is not None and a.cond.iv.lo != a.cond.iv.hi for a in full_arms):
        return None                   # full within 95%-105%: a deviation both ways, not one step
    named = any(a.cond is not None and a.cond.kind in ("label", "neg") for a in w.outcomes("full"))
    start = _step_start(step)
    if not full_arms and start is not None:
        full_arms = [Arm("outcome", Fact("cond", iv=start), Fact("outcome", value="full"))]   # 不低于98%，每下降…
    counted = not step.per.pct and (step.per.unit not in ("", "分") or (
        step.per.unit == "分" and bool(full_arms) and not any(a.cond.iv.pct for a in full_arms)))   # 每低1分 below 85分
    if not counted and not full_arms and named:
        return None                   # 完成年度目标的得满分，每超过目标值1…: the target is not a number here
    if not step.per.pct and not step.per.unit and any(a.cond.iv.pct for a in full_arms + zero_arms):
        return None                   # 每少办结1件 against a rate target: the step is not in the target's units
    if low is not None and (counted or not step.per.pct):
        return None
    if counted and full_arms and not any(a.cond.iv.pct for a in full_arms + zero_arms) and not zero_arms:
        # 达到10家以上的得满分，每少1家扣0.5分: steps below (or above) a target count
        unit = step.per.unit
        if step.value == "below" and full_arms[0].cond.iv.lo is not None:
            target = full_arms[0].cond.iv.lo
            said = f"{metric}达到{fmt_num(target)}{unit}得满分，每少{fmt_num(per)}{unit}扣{each_text}（{round_words}）"
            return Draft(f"step per={fmt_num(per)} deduct={_num_rule(each_pts, False)} at={fmt_num(target)} round={rnd}"
                         + (f" cap={fmt_num(cap)}" if cap is not None else ""), [(metric, "数值")],
                         [said + (f"，最多扣{fmt_num(cap)}分" if cap is not None else "")])
        if step.value == "above" and full_arms[0].cond.iv.hi is not None:
            target = full_arms[0].cond.iv.hi
            said = f"{metric}不超过{fmt_num(target)}得满分，每超{fmt_num(per)}{unit}扣{each_text}（{round_words}）{floor}"
            return _staircase(w, "above", target, per, each_pts, cap, rnd, [], said, pct=False, name=metric)
        return None
    if counted and (any(a.cond.iv.pct for a in full_arms + zero_arms) or not (full_arms or zero_arms)):
        if per != 1 or any(not a.cond.iv.pct for a in full_arms + zero_arms):
            return None
        # 每少1人扣1分: a count of the shortfall, each one off (no reference value to measure from)
        what = ("缺少" if step.value == "below" else "超出") + step.per.unit + "数"
        capped = f" cap={fmt_num(cap)}" if cap is not None and cap < P else ""
        return Draft(f"deduct each={fmt_num(each_pts)}{capped}", [(what, "个数")],
                     [f"每{'少' if step.value == 'below' else '多'}1{step.per.unit}扣{each_text}，"
                      + (f"最多扣{fmt_num(cap)}分" if capped else "扣完为止")])
    if counted or (not step.per.pct and step.per.unit) or (
            not step.per.pct and not any(a.cond.iv.pct for a in full_arms + zero_arms)):
        return None                   # a count step (每少1人) against a rate target, or units that do not agree
    if step.value == "below":
        target = _full_at(full_arms, low=True) if full_arms else None
        if target is None:
            return None
        if target == 1 and (cap is None or cap >= P) and not zero_arms:
            said = f"{metric}达到100%得满分，每低{per_text}扣{each_text}（{round_words}）{floor}"
            head = f"step per={_num_rule(per, True)} deduct={_num_rule(each_pts, False)}"
            drafts = []
            if w.rate and w.rate.kind == "ratio" and "差距" not in w.rate.name:   # the two amounts as defined
                drafts.append(Draft(f"{head} at=100% round={rnd}{floor_opt}", w.rate_inputs(), [w.rate.text(), said],
                                    doubts))
            reading = [w.rate.text() + "（输入填算好的比率）", said] if w.rate else [said]
            return drafts + [Draft(f"{head} from=100% round={rnd}{floor_opt}", [(metric, "比率")], reading, doubts)]
        said = f"{metric}达到{pct_text(target)}得满分，每低{per_text}扣{each_text}（{round_words}）{floor}"
        newer = [] if zero_arms else [Draft(
            f"step per={_num_rule(per, True)} deduct={_num_rule(each_pts, False)} at={_num_rule(target, True)} "
            f"round={rnd}" + (f" cap={fmt_num(cap)}" if cap is not None else "") + floor_opt, [(metric, "比率")],
            [said + (f"，最多扣{fmt_num(cap)}分" if cap is not None else "")])]
        if low is not None:
            return newer
        return newer + _staircase(w, "below", target, per, each_pts, cap, rnd, zero_arms, said)
    # above: the metric grows bad (调整率, 结余率)
    target = _full_at(full_arms, low=False) if full_arms else Decimal(0)
    if target is None:
        return None
    zero_at = None
    if zero_arms:
        z = zero_arms[0].cond.iv
        if z.lo is None or z.hi is not None:
            return None
        if z.lo_open:
            return _staircase(w, "above", target, per, each_pts, cap, rnd, zero_arms, "")
        zero_at = z.lo
    if target != 0 or (cap is not None and cap < P):
        return _staircase(w, "above", target, per, each_pts, cap, rnd, zero_arms,
                          f"{metric}不超过{pct_text(target)}得满分，每超{per_text}扣{each_text}（{round_words}）{floor}")
    deduct = f"{_num_rule(d * 100, False)}%w" if amount.share else _num_rule(d, False)
    rule = f"step per={_num_rule(per, step.per.pct)} deduct={deduct} round={rnd}"
    if zero_at is not None:
        rule += f" zero_at={_num_rule(zero_at, True)}"
    if w.rate and w.rate.kind == "change":
        rule += " rate=change"
    reading = [f"{metric}为0得满分，每增加{per_text}扣{each_text}（{round_words}）"
               + (f"，达到{pct_text(zero_at)}及以上不得分" if zero_at is not None else "") + (floor or "，扣完为止")]
    if w.rate:
        reading.insert(0, w.rate.text())
    return Draft(rule, w.rate_inputs(), reading, doubts)


def _step_start(step: Fact) -> Interval | None:
    """Where a step starts when only the condition before it says so: 不低于98%，每下降… (≥98%),
    低于95%的，每低… (≥95%), 控制在5%以内，每超过… (≤5%), 超过3%的，每超过… (≤3%)."""
    iv = step.iv
    if iv is None or (iv.lo is None) == (iv.hi is None):
        return None
    if step.value == "below":
        if iv.lo is not None and not iv.lo_open:
            return iv
        if iv.hi is not None and iv.hi_open:
            return Interval(lo=iv.hi, pct=iv.pct)
    if step.value == "above":
        if iv.hi is not None and not iv.hi_open:
            return iv
        if iv.lo is not None and iv.lo_open:
            return Interval(hi=iv.lo, pct=iv.pct)
    return None


def _num_rule(v: Decimal, pct: bool) -> str:
    return fmt_pct(v, 10) if pct else fmt_num(v)


def _full_at(arms: list[Arm], low: bool) -> Decimal | None:
    iv = arms[0].cond.iv
    if low:
        return iv.lo if iv.lo is not None else None
    return iv.hi if iv.hi is not None else None


def _staircase(w: Wording, way: str, target: Decimal, per: Decimal, each: Decimal, cap: Decimal | None,
               rnd: str, zero_arms: list[Arm], said: str, pct: bool = True, name: str = "") -> list[Draft]:
    """A step below/above a target other than 100%/0 (or with a cap), written out as a table."""
    P = w.points
    most = min(cap, P) if cap is not None else P
    if each <= 0:
        return []
    k_max = int((most / each).to_integral_value(rounding="ROUND_CEILING"))
    if k_max > MAX_STEPS:
        return []
    clauses = []
    for z in zero_arms:
        clauses.append(f"{iv_rule(z.cond.iv)}: 0")
    for k in range(k_max):
        score = P - min(k * each, most)
        if way == "below":
            bound = target - (k + (0 if rnd == "up" else 1)) * per
            op = ">=" if rnd == "up" else ">"
        else:
            bound = target + (k + (0 if rnd == "up" else 1)) * per
            op = "<=" if rnd == "up" else "<"
        if way == "below" and bound < 0:
            break
        clauses.append(f"{op}{_num_rule(bound, pct)}: {fmt_num(score)}")
    clauses.append(f"else: {fmt_num(P - most)}")
    rule = "threshold " + "; ".join(clauses)
    if w.rate and w.rate.kind == "change":
        rule += " rate=change"
    reading = [said + (f"，最多扣{fmt_num(most)}分" if cap is not None else "")]
    if w.rate:
        reading.insert(0, w.rate.text())
    reading.append("（逐档列成区间表）")
    inputs = [(name, input_kind(name))] if name else w.rate_inputs()
    return [Draft(rule, inputs, reading, uses=frozenset({"step", "outcome"}))]


def build_ratio(w: Wording) -> Draft | None:
    prop = w.outcomes("prop")
    score_f = next((f for f in w.formulas if f.kind == "score"), None)
    if not prop and score_f is None:
        return None
    doubts = []
    if score_f is not None and not prop:
        rel = _relative(w, score_f)
        if rel is not None:
            return rel
        if w.points is not None and score_f.scale is not None and score_f.scale != w.points:
            doubts.append(f"公式乘以{fmt_num(score_f.scale)}，而分值为{fmt_num(w.points)}")
        inputs = [(score_f.num, input_kind(score_f.num)), (score_f.den, input_kind(score_f.den))]
        reading = [f"得分={score_f.num}÷{score_f.den}×{fmt_num(w.points) if w.points is not None else '分值'}",
                   "比值超过100%按满分计"]
        return Draft("ratio", inputs, reading, doubts)
    versus = _versus(w)
    if versus is not None:
        return versus
    if w.has("best") and not w.formulas and all(a.cond is None or a.cond.kind in ("label", "else") for a in w.arms):
        # 排名第一的得满分，其余按与第一名的比值得分: points × value ÷ the best unit's value
        full = [a for a in w.outcomes("full") if a.cond is not None and a.cond.kind == "label"]
        name = w.name or (_clean_name(re.split(r"在|排名|最高|最多|第一|第1", full[0].cond.text)[0]) if full else "") \
            or "指标值"
        return Draft("relative to=max", [(name, input_kind(name))],
                     [f"{name}最高的单位得满分，其余得分=分值×本单位{name}÷最高值"])
    full = [a for a in w.outcomes("full") if a.cond is not None and a.cond.kind in ("cond", "bare")]
    if len(full) == 1 and re.search(r"[/÷]目标值|与目标值的比", normalize_text(w.text)) and len(w.arms) == 2 \
            and full[0].cond.iv.lo is not None and full[0].cond.iv.hi is None and not full[0].cond.iv.lo_open:
        # 达到目标（28%）的得满分，未达到的按实际值/目标值×分值计分: points × value ÷ target, capped
        iv, metric = full[0].cond.iv, w.metric()
        target = num_text(iv.lo, iv.pct)
        return Draft(f"relative to={_num_rule(iv.lo, iv.pct)}", [(metric, "比率" if iv.pct else input_kind(metric))],
                     [f"{metric}达到{target}得满分，未达到的得分=分值×{metric}÷{target}"])
    if len(full) == 1 and len(prop) == 1 and len(w.arms) == 2 and prop[0].cond is not None \
            and prop[0].cond.kind == "cond" and not re.search(r"(?:\*|×|乘以)(?:本项|该项)?(?:分值|权重分|满分)",
                                                              normalize_text(w.text)):
        iv, below = full[0].cond.iv, prop[0].cond.iv
        if iv.lo is not None and iv.hi is None and not iv.lo_open and below.lo is None and below.hi == iv.lo \
                and below.hi_open and iv.lo != 1:
            # 提高5个百分点以上的得满分，不足5个百分点的按比例得分: in proportion to the target, unsure
            metric, target = w.metric(), num_text(iv.lo, iv.pct)
            return Draft(f"relative to={_num_rule(iv.lo, iv.pct)}", [(metric, "比率" if iv.pct else input_kind(metric))],
                         [f"{metric}达到{target}得满分，不足{target}的得分=分值×{metric}÷{target}"],
                         [f"「按比例」按{metric}÷{target}计（另一种理解：分值×{metric}）"])
    for a in full:
        if a.cond.iv.lo is not None and 0 < a.cond.iv.lo < 1:
            return None               # ≥90%得满分 and a proportion below it: not a plain ratio
    over = "full"
    cut = None
    for a in w.arms:
        if a.kind == "outcome" and a.cond is not None and a.cond.kind == "cond" and a.result.value == "zero":
            iv = a.cond.iv
            if iv.lo is not None and iv.lo == 1 and iv.hi is None:
                over = "0"
            elif iv.lo is None and iv.hi is not None and iv.hi_open and 0 < iv.hi < 1 and iv.pct and cut is None:
                cut = iv.hi              # 不足60%的不得分，60%以上按比例得分: 0 below the cut-off, points × rate from it
            elif iv.hi is not None and 0 < iv.hi <= 1:
                # 不足60%的不得分: a ratio has no cut-off, so 59% would still score 59% of the points
                doubts.append(f"「{w.metric()}{iv_words(iv)}不得分」未写进规则（比例得分没有下限门槛）："
                              "低于该值的单位仍按比例得分，请人工改为0分")
    if any(a.cond is not None and a.cond.kind == "cond" and a.cond.iv.hi is not None and a.cond.iv.hi < 1
           for a in prop):
        doubts.append("按比例得分只写了较低的区间，较高时如何得分未说明：按比例计")
    rule = "ratio" + (" over=0" if over == "0" else "") + (f" min={_num_rule(cut, True)}" if cut is not None else "")
    metric = w.metric()
    reading = [f"{metric}按完成比例得分：分值×{metric}",
               "超过100%不得分" if over == "0" else "超过100%按满分计"]
    if cut is not None:
        reading.append(f"{metric}低于{pct_text(cut)}不得分（达到{pct_text(cut)}起按{metric}×分值计，不从{pct_text(cut)}起折算）")
    if w.rate:
        reading.insert(0, w.rate.text())
    return Draft(rule, w.rate_inputs(), reading, doubts)


_VERSUS = re.compile(r"^(.+?)(高于|超过|达到|不低于)(.+?)(?:的)?$")


def _versus(w: Wording) -> Draft | None:
    """人均办案数高于全省平均水平的得满分，低于的按比例得分: points × the unit's value ÷ the benchmark,
    capped at the points (a ratio of two inputs, the benchmark being the second)."""
    full = [a for a in w.outcomes("full") if a.cond is not None and a.cond.kind == "label"]
    prop = w.outcomes("prop")
    m = _VERSUS.match(full[0].cond.text) if len(full) == 1 and len(prop) == 1 else None
    if m is None or re.search(r"\d", m.group(3)) or len(w.arms) != 2:
        return None
    mine, bench = _clean_name(m.group(1)), _clean_name(m.group(3))
    if not mine or not bench:
        return None
    below = prop[0].cond is not None and prop[0].cond.kind == "label" and \
        re.match(r"^(低于|未达到|不足|达不到)", prop[0].cond.text or "")
    doubts = [] if below else ["按比例得分的条件未写明是低于基准时：按比例计"]
    reading = [f"得分=分值×{mine}÷{bench}", f"{mine}{m.group(2)}{bench}得满分（比值超过100%按满分计）"]
    return Draft("ratio", [(mine, input_kind(mine)), (bench, input_kind(bench))], reading, doubts)


def _relative(w: Wording, f: Formula) -> Draft | None:
    """得分=分值×本单位值÷基准值25 (or ÷最高值): points in proportion to a benchmark, capped."""
    among = " among=group" if w.has("group") or "本组" in f.den else ""
    m = re.search(r"基准值?(\d+(?:\.\d+)?%?)$", f.den)
    if m:
        to, word = m.group(1), f"基准值{m.group(1)}"
    elif "最高" in f.den:
        to, word = "max", "最高值"
    elif "最低" in f.num:
        to, word = "min", "最低值"
    else:
        return None
    subject = f.den if to == "min" else f.num
    name = subject if to == "min" else f.num
    name = w.name or re.sub(r"^本单位", "", name) or "指标值"
    rule = f"relative to={to}" + (among if to in ("max", "min") else "")
    reading = [f"得分=分值×本单位值÷{word}" if to != "min" else "得分=分值×最低值÷本单位值", "不超过分值"]
    return Draft(rule, [(name, input_kind(name))], reading)


def build_deduct(w: Wording) -> Draft | None:
    arms = [a for a in w.arms if a.kind == "each"]
    if not arms:
        return None                      # the rule itself needs no points: deduct each=0.5 works on any row
    arm = arms[0]
    amount = arm.result
    if amount.value != "deduct" or re.search(r"\d(?:%|个?百分点)", arm.step.text or ""):
        return None                      # 每落后1个百分点: a step on a rate, not incidents
    doubts = []
    capd = w.first("capd")
    noun = _noun(arm)
    each = amount.iv.text()
    if capd is not None and (w.points is None or capd.value < w.points or w.points == 0):
        if amount.iv.lo != amount.iv.hi:
            return None
        said = f"每{'发现' if noun else ''}一次{noun.rstrip('次')}扣{each}分，最多扣{fmt_num(capd.value)}分"
        table = _count_table(w, f"{noun}数", amount.iv.lo, capd.value, said) if w.points is not None else None
        return [Draft(f"deduct each={each} cap={fmt_num(capd.value)}", [(f"{noun}数", "个数")], [said]), table]
    inputs = [(f"{noun}数", "个数")]
    if amount.iv.lo != amount.iv.hi:
        inputs.append(("实际扣分", "评分"))
        if w.has("weightpts"):
            doubts.append(f"「权重分的{each}分」按{each}分理解（另一种理解：权重分的{each}倍）")
    floor = w.floor_at()
    reading = [f"每{'发现' if noun else ''}一次{noun.rstrip('次')}扣{each}分，"
               + ("不设下限（可扣至负分）" if floor == "none" else
                  f"最低得{fmt_num(floor)}分" if floor is not None else "扣完为止")]
    if amount.iv.lo != amount.iv.hi:
        reading.append("扣分幅度由评分人在区间内确定（第二个输入填实际扣分）")
    floor_opt = "" if floor is None else " floor=none" if floor == "none" else f" floor={fmt_num(floor)}"
    return Draft(f"deduct each={each}" + floor_opt, inputs,
                 reading, doubts)


def _each_condition(arm: Arm) -> list[str]:
    """A bonus per item written under a numeric condition (排名前10名的，每进1位加…): the rule counts
    items and leaves the condition out, so it says so. A condition saying which months or times
    count (月度排名进入前5名的，每个月加…) defines the items and is kept silently."""
    if arm.cond is not None and arm.cond.kind in ("cond", "multi") \
            and not re.fullmatch(r"[一二两三四五六七八九十\d]*[个]?(?:月|季度|次|年|期)", arm.step.text or ""):
        return [f"「{arm.cond.text or ''}{iv_words(arm.cond.iv) if arm.cond.iv is not None else ''}」这一条件未写进规则"]
    return []


def _count_table(w: Wording, name: str, each: Decimal, most: Decimal, said: str) -> Draft | None:
    """Points off per incident with a cap below the points, written out as a table on the count."""
    P = w.points
    most = min(most, P)
    if each <= 0:
        return None
    k_max = int((most / each).to_integral_value(rounding="ROUND_CEILING"))
    if k_max > MAX_STEPS:
        return None
    clauses = [f"<={k}: {fmt_num(P - k * each)}" for k in range(k_max) if k * each < most]
    clauses.append(f"else: {fmt_num(P - most)}")
    return Draft("threshold " + "; ".join(clauses), [(name, "个数")], [said, "（按次数逐档列成区间表）"])


def build_once(w: Wording) -> Draft | None:
    """一经发现扣N分 / 发生…的扣N分: a deduction once, whatever the count (input: the count)."""
    arms = [a for a in w.arms if a.kind == "amount" and a.result.value == "deduct"]
    if len(arms) != 1 or w.points is None or any(a.kind in ("step", "each") for a in w.arms):
        return None
    arm = arms[0]
    once = w.first("once")
    if arm.cond is not None and arm.cond.kind == "cond" and len(w.arms) == 1 and arm.result.iv.lo == arm.result.iv.hi:
        # 履约率低于70%的，扣1分: the points less the deduction where the condition holds
        iv, metric = arm.cond.iv, w.metric()
        left = max(w.points - arm.result.iv.lo, Decimal(0))
        return Draft(f"threshold {iv_rule(iv)}: {fmt_num(left)}; else: {fmt_num(w.points)}", w.rate_inputs(),
                     [f"{metric}{iv_words(iv)}扣{fmt_num(arm.result.iv.lo)}分，否则得满分"],
                     uses=frozenset({"amount", "outcome"}))
    said = arm.cond.text if arm.cond is not None and arm.cond.kind in ("label", "neg") else ""
    if arm.result.iv.lo != arm.result.iv.hi or not (said or once is not None):
        return None
    noun = _clean_name(re.sub(r"^(凡|如|若)", "", said or once.text)) or "扣分事项"
    n = min(arm.result.iv.lo, w.points)
    if n == w.points and once is None and w.points > 0 and len(w.arms) == 1:
        # 未在1月31日前发布的，扣1分 on a 1-point row: a yes/no question, asked the positive way
        negated = re.search("|".join(V.NEGATIVE), noun)
        question = "是否" + (noun[:negated.start()] + _unnegated(noun[negated.start():]) if negated else noun)
        good = "是" if negated else "否"
        return Draft(f"pass {good}", [(question, "是否")], [f"{noun}的扣{fmt_num(n)}分（即不得分），否则得满分"],
                     uses=frozenset({"amount", "outcome"}))
    rule = f"threshold <=0: {fmt_num(w.points)}; else: {fmt_num(w.points - n)}"
    said = [f"一经发现{noun}扣{fmt_num(n)}分（只扣一次，不论次数）"]
    return [Draft(f"deduct once={fmt_num(n)}", [(f"{noun}次数", "个数")], said),
            Draft(rule, [(f"{noun}次数", "个数")], said)]


def _noun(arm: Arm) -> str:
    text = (arm.step.text if arm.step is not None else "") or ""
    text = re.sub(r"^[一二两三四五六七八九十\d]*[例处次项个起条名家篇件单人户份]?", "", text).strip("的")
    if not text and arm.cond is not None and arm.cond.text:
        text = arm.cond.text + "次"
    return text or "扣分事项"


def build_band(w: Wording) -> Draft | None:
    arms = [a for a in w.arms if a.kind == "outcome" and a.result.value in ("scores", "full", "zero")]
    if len(arms) < 2:
        return None
    ranged = [a for a in arms if a.result.value == "scores" and a.result.iv.lo != a.result.iv.hi]
    levels = [a for a in arms if a.cond is not None and a.cond.kind in ("label", "neg")]
    if not ranged and (len(levels) < len(arms) or not all(_is_level(a.cond.text) or a.cond.kind == "neg"
                                                          for a in levels)):
        return None                                  # 优秀的得5分，良好得4分: levels with one score each
    P = w.points
    doubts = []
    if all(a.cond is not None and a.cond.kind == "cond" for a in arms):
        clauses = [f"{iv_rule(a.cond.iv)} => {iv_rule(_scores(a, P))}" for a in arms]
        metric = w.metric()
        reading = ["；".join(f"{metric}{iv_words(a.cond.iv)}得{_range_words(_scores(a, P))}" for a in arms),
                   "先由指标确定档次，再由评分人在档内评分"]
        return Draft("band " + "; ".join(clauses), [(metric, "比率"), ("评分", "评分")], reading, doubts)
    if not all(a.cond is not None and a.cond.kind in ("label", "neg", "ok") for a in arms):
        return None
    if _yes_no_pair(arms) is not None:
        return None                                  # 完成…的得满分，未完成的不得分: a yes/no question
    labels = [level_name(a.cond.text) for a in arms]
    if len(set(labels)) != len(labels):
        labels = [a.cond.text for a in arms]
        doubts.append("档次名称取自原文短语")
        if len(set(labels)) != len(labels):
            return None
    scores = [_scores(a, P) for a in arms]
    for iv in scores:
        bare = iv.lo is None and iv.hi is not None and iv.hi_open
        shared = bare and any(o is not iv and o.lo == iv.hi for o in scores)
        if shared:
            doubts.append(f"「{fmt_num(iv.hi)}分以下」按不含{fmt_num(iv.hi)}分理解（另一种理解：含{fmt_num(iv.hi)}分，"
                          f"则{fmt_num(iv.hi)}分同属两档）")
    if any(a.cond.kind not in ("label", "neg") for a in arms) or len(arms) > 1 and any(
            re.search(r"且|或", a.cond.text or "") for a in arms):
        doubts.append("档次条件含「且/或」，按评分人评定的档次读取")
    clauses = [f"{lab}={iv_rule(iv)}" for lab, iv in zip(labels, scores)]
    reading = ["；".join(f"{lab}：{_range_words(iv)}" for lab, iv in zip(labels, scores)),
               "由评分人评定档次和分数，分数须在该档范围内"]
    return Draft("band " + "; ".join(clauses), [(w.name or "评定", "等级/评分")], reading, doubts)


def _is_level(text: str) -> bool:
    """The phrase names a band level (优秀, 较好, 一般 …), not just any condition."""
    return level_name(text) in V.LEVELS


def _scores(a: Arm, points: Decimal | None) -> Interval:
    r = a.result
    if r.value == "full":
        return Interval(lo=points, hi=points) if points is not None else Interval(lo=Decimal(0))
    if r.value == "zero":
        return Interval(lo=Decimal(0), hi=Decimal(0))
    return r.iv


def _range_words(iv: Interval) -> str:
    if iv.lo is not None and iv.hi is not None:
        return f"{fmt_num(iv.lo)}分" if iv.lo == iv.hi else f"{fmt_num(iv.lo)}-{fmt_num(iv.hi)}分"
    if iv.hi is not None:
        return f"{fmt_num(iv.hi)}分" + ("以下（不含）" if iv.hi_open else "及以下")
    return f"{fmt_num(iv.lo)}分以上"


def build_table(w: Wording) -> Draft | None:
    arms = [a for a in w.arms if a.kind == "outcome" and a.cond is not None and a.cond.kind in ("cond", "bare")
            and score_of(a, w.points) is not None]
    if not arms:
        return None
    other = [a for a in w.arms if a.kind == "outcome" and a not in arms and a.cond is not None
             and a.cond.kind not in ("else",)]
    doubts = []
    if len(other) == 1 and (other[0].cond.kind == "neg" or re.match(r"(低于|不足|未达到|达不到|少于)\D", other[0].cond.text or "")) \
            and score_of(other[0], w.points) == 0 \
            and not any(a.cond is not None and a.cond.kind == "else" for a in w.arms):
        # 不少于2次的得满分，1次的得1分，未召开的不得分: the 未… case is read as every other value
        doubts.append(f"「{other[0].cond.text}」按其余情况（不在以上各档的值）不得分理解")
        other = [None]
    rest_zero = other == [None]
    if other and not rest_zero:
        return None
    P = w.points
    if any(score_of(a, P) is None for a in arms):
        return None
    values = [score_of(a, P) for a in arms]
    if len({a.cond.iv for a in arms}) != len(arms):
        return None                   # the same condition twice: not a table of values
    if all(isinstance(a.cond.value, Tok) and a.cond.value.unit == "名" for a in arms):
        # 前3名得满分，第4—6名得3分，10名以后不得分: points by the rank itself
        order = sorted(range(len(arms)), key=lambda k: _sort_key(arms[k].cond.iv))
        clauses = [f"{iv_rule(arms[k].cond.iv)}: {fmt_num(values[k])}" for k in order]
        words = [f"第{iv_words(arms[k].cond.iv)}名{score_words(values[k], P)}" for k in order]
        other = next((score_of(a, P) for a in w.arms if a.kind == "outcome" and a.cond is not None
                      and a.cond.kind == "else"), None)
        if other is not None:
            clauses.append(f"else: {fmt_num(other)}")
        return Draft("rank " + "; ".join(clauses) + " by=rank", [("名次", "数值")],
                     ["按名次得分（输入填名次）：" + "，".join(words)])
    otherwise = next((score_of(a, P) for a in w.arms if a.kind == "outcome" and a.cond is not None
                      and a.cond.kind == "else"), Decimal(0) if rest_zero else None)
    metric = w.metric()
    settled = _settle_shared([a.cond for a in arms])
    arms = [replace(a, cond=replace(a.cond, iv=iv)) for a, iv in zip(arms, settled)]
    fulls = [a for a, v in zip(arms, values) if P is not None and v == P]
    zeros = [a for a, v in zip(arms, values) if v == 0]
    if P is not None and not fulls and len(zeros) == 1 == len(arms) and otherwise is None:
        cond = _complement_of(zeros[0].cond.iv)
        if cond is not None:
            reading = [f"{metric}{iv_words(zeros[0].cond.iv)}不得分，否则得满分"]
            if w.rate:
                reading.insert(0, w.rate.text())
            return Draft(f"pass {iv_rule(cond)}", w.rate_inputs(), reading, doubts)
    if P is not None and len(fulls) == 1 and len(fulls) + len(zeros) == len(arms):
        cond = fulls[0].cond.iv
        comp = [z.cond.iv for z in zeros]
        if all(_complement(cond, c) for c in comp) and (comp or otherwise == 0):
            reading = [f"{metric}{iv_words(cond)}得满分，否则不得分"]
            if w.rate:
                reading.insert(0, w.rate.text())
            return Draft(f"pass {iv_rule(cond)}", w.rate_inputs(), reading, doubts)
    order = sorted(range(len(arms)), key=lambda k: _sort_key(arms[k].cond.iv), reverse=True)
    clauses, words = [], []
    ivs = [arms[k].cond.iv for k in order]
    for pos, k in enumerate(order):
        iv = arms[k].cond.iv
        above = ivs[pos - 1] if pos else None
        if iv.lo is not None and iv.hi is not None and iv.lo != iv.hi:
            # [80%, 90%) or (5%, 10%]: exact as ">=80%" / ">5%" when the clause before it takes the rest
            # of the values above (starts at 90% inclusive, or just above 10%)
            if above is not None and above.lo == iv.hi and above.lo_open != iv.hi_open:
                iv = Interval(lo=iv.lo, lo_open=iv.lo_open, pct=iv.pct)
            elif iv.hi_open or iv.lo_open:
                return None
        clauses.append(f"{iv_rule(iv)}: {fmt_num(values[k])}")
        words.append(f"{iv_words(iv)}{score_words(values[k], P)}")
    for ka, kb in zip(order, order[1:]):
        a, b = arms[ka].cond, arms[kb].cond
        if a.iv.lo is not None and a.iv.lo == b.iv.hi and not a.iv.lo_open and not b.iv.hi_open \
                and not (a.lo_said or b.hi_said):
            doubts.append(f"{num_text(a.iv.lo, a.iv.pct)}同时写在两个区间中，按较高一档计")
    if otherwise is not None:
        clauses.append(f"else: {fmt_num(otherwise)}")
        words.append(f"其他{score_words(otherwise, P)}")
    reading = [f"{metric}：" + "，".join(words)]
    if w.rate:
        reading.insert(0, w.rate.text())
    rule = "threshold " + "; ".join(clauses) + (" rate=change" if w.rate and w.rate.kind == "change" else "")
    return Draft(rule, w.rate_inputs(), reading, doubts)


def _settle_shared(conds: list[Fact]) -> list[Interval]:
    """The intervals with each bound two clauses share given to one of them: the clause whose wording
    says it (达到95%及以上, 不超过5%, 低于90%) decides, and the bare range end (90%-95%, 5%-10%) yields."""
    ivs = [c.iv for c in conds]
    for i, a in enumerate(conds):
        for j, b in enumerate(conds):
            if i == j or a.iv.lo is None or a.iv.lo != b.iv.hi or a.iv.lo == a.iv.hi or b.iv.lo == b.iv.hi:
                continue
            if a.lo_said and not b.hi_said:
                ivs[j] = ivs[j].model_copy(update={"hi_open": not ivs[i].lo_open})
            elif b.hi_said and not a.lo_said:
                ivs[i] = ivs[i].model_copy(update={"lo_open": not ivs[j].hi_open})
    return ivs


def _sort_key(iv: Interval):
    """Higher lower bounds first; among equal lower bounds, the tighter upper bound first."""
    lo = iv.lo if iv.lo is not None else Decimal("-1e30")
    hi = iv.hi if iv.hi is not None else Decimal("1e30")
    return (lo, -hi)


def _complement_of(iv: Interval) -> Interval | None:
    """The values not in a one-sided interval (<99% → >=99%)."""
    if iv.lo is None and iv.hi is not None:
        return Interval(lo=iv.hi, lo_open=not iv.hi_open, pct=iv.pct)
    if iv.hi is None and iv.lo is not None:
        return Interval(hi=iv.lo, hi_open=not iv.lo_open, pct=iv.pct)
    return None


def _complement(a: Interval, b: Interval) -> bool:
    if a.lo is None and a.hi is not None and b.hi is None and b.lo is not None:
        return a.hi == b.lo and a.hi_open != b.lo_open
    if a.hi is None and a.lo is not None and b.lo is None and b.hi is not None:
        return a.lo == b.hi and a.lo_open != b.hi_open
    return False


def build_manual(w: Wording) -> Draft | None:
    if not w.has("disc"):
        return None
    if any(a.kind in ("step", "each") for a in w.arms):
        return None
    reading = ["符合要求得满分，否则由评分人酌情扣分（输入评分，须在0到分值之间）"]
    amounts = [a for a in w.arms if a.kind == "amount"]
    ranged = bool(amounts) and all(a.result.iv.lo != a.result.iv.hi for a in amounts)   # 视情扣1—3分: the range is the assessor's
    fixed = [a for a in w.outcomes("zero", "scores") if a.cond is not None and a.cond.kind not in ("ok", "else")]
    doubts = [f"「{a.cond.text}」{'不得分' if a.result.value == 'zero' else '的得分'}未写进规则，由评分人按原文评分"
              for a in fixed]
    return Draft("manual", [(w.name or "评分", "评分")], reading, doubts,
                 uses=frozenset({"outcome", "amount"}) if ranged else None)


def _unnegated(text: str) -> str:
    """未完成 → 完成, 未按要求 → 按要求: what the negation denies."""
    return re.sub(r"^(未按|未能|未|没有|无)", lambda m: "按" if m.group(1) == "未按" else "", text)


def _yes_no_pair(arms: list[Arm]) -> str | None:
    """The full-points level of "完成目标任务的得满分，未完成的不得分" (its negation scores 0), else None."""
    if len(arms) != 2:
        return None
    full = [a for a in arms if a.cond is not None and a.cond.kind == "label" and a.result.value == "full"]
    zero = [a for a in arms if a.cond is not None and a.cond.kind == "neg" and a.result.value == "zero"]
    if not (full and zero):
        return None
    what = _unnegated(zero[0].cond.text)
    return full[0].cond.text if what and what in full[0].cond.text else None


def build_pass_yes(w: Wording) -> Draft | None:
    full = w.outcomes("full", "scores")
    zero = w.outcomes("zero")
    neg = [a for a in zero if a.cond is not None and a.cond.kind == "neg"]
    if neg:
        what = _unnegated(neg[0].cond.text)
        if len(w.arms) > 2:
            return None
        what = _yes_no_pair(w.arms) or what
        reading = [f"{neg[0].cond.text}的不得分，否则得满分"]
        return Draft("pass 是", [(f"是否{what}" if what else (w.name or "是否达标"), "是否")], reading)
    q = w.first("yesno")
    if q is not None and w.points is not None and len(zero) == 1 == len(w.arms) and zero[0].cond is not None \
            and zero[0].cond.kind == "label":
        question = _question(q.text)
        bad = "否" if re.match(r"^(未|没有|无|不|否)", zero[0].cond.text) else "是"
        good = "否" if bad == "是" else "是"
        return Draft(f"pass {good}", [(question, "是否")], [f"{question}：{bad}则不得分，{good}得满分"])
    if q is not None and w.points is not None and not w.arms:
        question = _question(q.text)
        reading = [f"{question}：是得满分，否不得分"]
        return Draft("pass 是", [(question, "是否")], reading, ["原文只有「是否」问句，未写得分办法：按是得满分、否不得分"])
    if q is None and w.points is not None and len(w.arms) == 1 == len(full) and full[0].result.value == "full" \
            and full[0].cond is not None and full[0].cond.kind in ("neg", "label") \
            and re.search("|".join(V.NEGATIVE), full[0].cond.text or ""):
        # 全年未发生较大事故的得满分: asked the positive way, 是否发生…; 是 costs the points
        text = full[0].cond.text
        at = re.search("|".join(V.NEGATIVE), text)
        question = "是否" + _clean_name(text[:at.start()] + _unnegated(text[at.start():]))
        return Draft("pass 否", [(question, "是否")], [f"{text}的得满分，否则不得分"])
    if q is None and w.points is not None and len(w.arms) == 1 == len(zero) and zero[0].cond is not None \
            and zero[0].cond.kind == "label" and not zero[0].cond.text.endswith(level_name(zero[0].cond.text)):
        # 发生重大突发环境事件的，本项不得分: a yes/no question whose 是 costs the points
        question = "是否" + _clean_name(zero[0].cond.text)
        return Draft("pass 否", [(question, "是否")], [f"{zero[0].cond.text}的不得分，否则得满分"])
    ok_full = [a for a in full if a.cond is not None and a.cond.kind == "ok" and a.result.value == "full"]
    else_zero = [a for a in zero if a.cond is not None and a.cond.kind == "else"]
    if ok_full and else_zero and len(w.arms) == 2 and w.points is not None:
        question = _question(q.text) if q is not None else (w.name or "是否达标")
        return Draft("pass 是", [(question, "是否")], [f"{question}：是得满分，否则不得分"])
    if q is not None and full and zero and w.points is not None:
        question = _question(q.text)
        return Draft("pass 是", [(question, "是否")], [f"{question}：是得满分，否不得分"])
    return None


def _question(text: str) -> str:
    t = re.split(r"[,(]", normalize_text(text))[0]
    return t[:30]


def build_info(w: Wording) -> Draft | None:
    if w.points is not None or any(a.kind in ("step", "each", "amount") for a in w.arms):
        return None                   # 每提高10个百分点加0.5分 beside a formula: a score, not a shown value
    f = w.rate or (w.formulas[0] if w.formulas else None)
    if f is not None:
        return Draft("info", [(f.num, input_kind(f.num)), (f.den, input_kind(f.den))],
                     [f.text().replace("×100%", "") + "（不计分，仅计算展示）"])
    if not w.arms:
        name = w.name or _question(w.first("yesno").text if w.has("yesno") else w.text)
        return Draft("info", [(name or "数值", input_kind(name))], ["未设分值：按填报值展示，不计分"],
                     ["原文没有分值和得分办法，按不计分的展示项处理"])
    return None


def build_shown(w: Wording) -> Draft | None:
    """只计算展示 → info; 作为本指标的值 → value."""
    if w.has("value"):
        return Draft("value", [(w.name or "指标值", "数值")], ["取输入的值作为本指标的值（不计分）"])
    if not w.has("info"):
        return None
    f = w.rate
    if f is not None:
        return Draft("info" + _dp(w), w.rate_inputs(), [f.text() + "（不计分，仅计算展示）"])
    return Draft("info", [(w.name or "指标值", "数值")], ["只计算展示，不计分"])


def build_veto(w: Wording) -> Draft | None:
    if not w.has("veto"):
        return None
    total = re.search(r"总分(?:计为|为|按|不超过|最高为|最高)(\d+(?:\.\d+)?)分", w.text)
    grade = re.search(r"(?:直接)?定为[「“\"]?(不合格|差|不及格|较差)", w.text)
    below = re.search(r"不得评为[「“\"]?(优秀|优|良好|良)", w.text)
    opts = (f" total={total.group(1)}" if total else "") + (f" grade={grade.group(1)}" if grade else "") + \
        (f" below={below.group(1)}" if below else "")
    what = "总分计为" + (total.group(1) if total else "0") + "分" if total or not (grade or below) else ""
    said = "；".join(x for x in (what, f"等级定为{grade.group(1)}" if grade else "",
                                 f"不得评为{below.group(1)}" if below else "") if x)
    event = next((f.text for f in w.facts if f.kind in ("label", "neg") and f.text), "")
    name = w.name or (f"是否{event}" if event else "是否触发否决")
    doubts = []
    if any(a.kind in ("step", "each", "amount") for a in w.arms):
        doubts.append("同一条还写了扣分或加分：一票否决只读否决部分，扣分请另列一行")
    return Draft("veto" + opts, [(name, "是否")], [f"一票否决：{event or '发生'}时{said}（本项不计分）"], doubts)


def _arm_level(a: Arm) -> str | None:
    """The honour level an arm is about (省级每篇加0.5分 → 省级), from the words before 每 first."""
    for text in ((a.step.value if a.step is not None and isinstance(a.step.value, str) else ""),
                 a.cond.text if a.cond is not None else ""):
        level = next((lv for lv in V.HONOUR_LEVELS if lv in (text or "")), None)
        if level is not None:
            return level
    return None


def build_bonus_step(w: Wording) -> Draft | None:
    """超过100%的，每超过1个百分点加0.05分，最多加0.5分: a bonus per whole step above a target."""
    arms = [a for a in w.arms if a.kind == "step"]
    if len(arms) != 1 or arms[0].result.value != "add" or arms[0].step.value != "above" or arms[0].step.per is None:
        return None
    step, amount = arms[0].step, arms[0].result
    if any(a.kind in ("each", "amount") for a in w.arms) or amount.iv.lo != amount.iv.hi or amount.share:
        return None
    at = step.iv.lo if step.iv is not None and step.iv.hi is None else None
    if at is None:
        return None
    per, pct = step.per.value, step.per.pct
    capa = w.first("capa")
    rule = (f"bonus per={_num_rule(per, pct)} each={fmt_num(amount.iv.lo)} at={_num_rule(at, step.iv.pct)}"
            + (" round=up" if w.started else "") + (f" cap={fmt_num(capa.value)}" if capa is not None else ""))
    per_text = f"{fmt_num(per * 100)}个百分点" if step.per.unit in ("个百分点", "百分点") else num_text(per, pct)
    said = (f"{w.metric()}超过{num_text(at, step.iv.pct)}后，每超过{per_text}加{fmt_num(amount.iv.lo)}分"
            + ("（不足一档按一档计）" if w.started else "（按整档计）")
            + (f"，最多加{fmt_num(capa.value)}分" if capa is not None else ""))
    return Draft(rule, w.rate_inputs(), [said, "加分计入总分"], uses=frozenset({"step", "outcome"}))


_VERSUS_PASS = re.compile(r"^(.*?)(控制在|不超过|不高于|低于|高于|超过|达到|不低于|不少于)(.+?)(以内|以下|以上)?$")
_VERSUS_OPS = {"控制在": "<=", "不超过": "<=", "不高于": "<=", "低于": "<", "高于": ">", "超过": ">", "达到": ">=",
               "不低于": ">=", "不少于": ">="}


def build_pass_versus(w: Wording) -> Draft | None:
    """死亡人数控制在下达指标以内的得满分，超过控制指标的不得分: a pass on two inputs, the unit's
    value against a benchmark named in words (x1<=x2)."""
    if w.points is None or len(w.arms) != 2:
        return None
    full = [a for a in w.outcomes("full") if a.cond is not None and a.cond.kind == "label"]
    zero = [a for a in w.outcomes("zero") if a.cond is not None and a.cond.kind in ("label", "else", "neg")]
    m = _VERSUS_PASS.match(full[0].cond.text) if len(full) == 1 == len(zero) else None
    if m is None or re.search(r"[\d()]", full[0].cond.text) or (m.group(2) == "控制在") != (m.group(4) == "以内"):
        return None
    mine, bench = _clean_name(m.group(1)), _clean_name(m.group(3))
    other = _VERSUS_PASS.match(zero[0].cond.text or "") if zero[0].cond.kind == "label" else None
    if not mine and other is not None and _clean_name(other.group(3)) == bench:
        mine = _clean_name(other.group(1))          # 增速低于全省平均水平的不得分，高于…的得满分: said once
    if not mine or not bench:
        return None
    op = _VERSUS_OPS[m.group(2)]
    doubts = []
    if other is not None and {op, _VERSUS_OPS[other.group(2)]} not in ({">", "<="}, {">=", "<"}):
        doubts.append(f"{mine}与{bench}相等时如何得分未写明：按{'得满分' if '=' in op else '不得分'}计")
    return Draft(f"pass x1{op}x2", [(mine, input_kind(mine)), (bench, input_kind(bench))],
                 [f"{mine}{m.group(2)}{bench}{m.group(4) or ''}得满分，否则不得分（第2个输入填{bench}）"], doubts)


def build_pass_multi(w: Wording) -> Draft | None:
    """达到200亿元且增速不低于6%的得满分，否则不得分: all-or-nothing on conditions over several values."""
    multi = [a for a in w.arms if a.cond is not None and a.cond.kind == "multi"]
    if len(multi) != 1 or w.points is None or score_of(multi[0], w.points) != w.points:
        return None
    rest = [a for a in w.arms if a is not multi[0]]
    if any(a.kind != "outcome" or score_of(a, w.points) != 0 or a.cond is None or a.cond.kind not in ("else", "neg")
           for a in rest):
        return None
    parts = multi[0].cond.value
    join = " 且 " if multi[0].cond.text in ("且", "并且", "同时") else " 或 "
    cond = join.join(f"x{k}{iv_rule(iv)}" for k, (_, iv) in enumerate(parts, start=1))
    names = [_clean_name(name) or f"指标{k}" for k, (name, _) in enumerate(parts, start=1)]
    words = join.strip().join(f"{n}{iv_words(iv)}" for n, (_, iv) in zip(names, parts))
    return Draft(f"pass {cond}", [(n, "比率" if iv.pct else input_kind(n)) for n, (_, iv) in zip(names, parts)],
                 [f"{words}得满分，否则不得分"])


def build_bonus_counts(w: Wording) -> Draft | None:
    """省级每篇加0.5分、国家级每篇加1分: one count per level, each item at its level's points."""
    arms = [a for a in w.arms if a.result.value == "add" and (a.kind == "each" or (
        a.kind == "amount" and a.cond is not None and a.cond.kind == "bare" and a.cond.value is not None
        and a.cond.value.unit in V.MEASURES))]
    if len(arms) < 2 or any(a.kind == "step" for a in w.arms) or any(a.result.iv.lo != a.result.iv.hi for a in arms):
        return None
    levels = [_arm_level(a) for a in arms]
    if None in levels or len(set(levels)) != len(levels):
        return None
    capa = w.first("capa")
    cap = f" cap={fmt_num(capa.value)}" if capa is not None else ""
    table = "; ".join(f"{lv}={fmt_num(a.result.iv.lo)}" for lv, a in zip(levels, arms))
    said = "、".join(f"{lv}每项加{fmt_num(a.result.iv.lo)}分" for lv, a in zip(levels, arms))
    reading = [said + (f"，最多加{fmt_num(capa.value)}分" if capa is not None else ""), "按各级别的项数逐项加分"]
    return Draft(f"bonus {table} by=count{cap}", [(f"{lv}项数", "个数") for lv in levels], reading,
                 uses=frozenset({"each", "amount", "outcome"}), single=False)


def build_bonus(w: Wording) -> Draft | None:
    arms = [a for a in w.arms if a.kind == "each" and a.result.value == "add"]
    if not arms or any(a.kind == "step" for a in w.arms):
        return None
    amount = arms[0].result
    if amount.iv.lo != amount.iv.hi:
        return None
    capa = w.first("capa")
    cap = f" cap={fmt_num(capa.value)}" if capa is not None else ""
    noun = _noun(arms[0])
    said = f"每一项{noun}加{fmt_num(amount.iv.lo)}分" + (f"，最多加{fmt_num(capa.value)}分" if capa is not None else "")
    return Draft(f"bonus each={fmt_num(amount.iv.lo)}{cap}", [(f"{noun}数", "个数")], [said, "加分计入总分"],
                 _each_condition(arms[0]))


def build_bonus_levels(w: Wording) -> Draft | None:
    """国家级加3分、省级加2分、市级加1分: a bonus by level, the highest level counting once."""
    arms = [a for a in w.arms if a.kind in ("amount", "outcome") and a.cond is not None]
    table = []
    for a in arms:
        level = next((lv for lv in V.HONOUR_LEVELS if lv in (a.cond.text or "")), None)
        if level is None and a.kind == "amount" and a.cond.kind == "label" and _is_level(a.cond.text):
            level = level_name(a.cond.text)             # 被评为优秀等次的加2分
        r = a.result
        if level is None or r.iv is None or r.iv.lo != r.iv.hi or (a.kind == "amount" and r.value != "add"):
            return None
        table.append((level, r.iv.lo))
    if len(table) < 2 or len({lv for lv, _ in table}) != len(table):
        return None
    clauses = "; ".join(f"{lv}={fmt_num(v)}" for lv, v in table)
    said = "、".join(f"{lv}加{fmt_num(v)}分" for lv, v in table)
    capa = w.first("capa")
    cap = f" cap={fmt_num(capa.value)}" if capa is not None else ""
    reading = [said + (f"，最多加{fmt_num(capa.value)}分" if capa is not None else ""), "按所获最高级别加分一次"]
    doubts = []
    if any(a.cond.kind == "bare" for a in arms):
        # 被省级采用1篇加0.5分: per item at each level, which a bonus by level cannot count
        doubts.append("原文按件数逐件加分（每件按级别），规则只按所获最高级别加分一次：多件时请人工核对")
    return Draft(f"bonus {clauses}{cap}", [(w.name or "获得级别", "等级")], reading, doubts, single=False)


def build_rank(w: Wording) -> Draft | None:
    arms = [a for a in w.arms if a.kind == "step" and a.step.value == "rank"]
    if not arms or arms[0].result.value != "deduct" or w.points is None:
        return None
    d = arms[0].result.iv.lo
    if d != arms[0].result.iv.hi:
        return None
    among = " among=group" if w.has("group") else ""
    name = w.name or "排名依据值"
    floor = w.floor_at()                 # 最低得5分 / 不设下限
    floor_opt = "" if floor is None else " floor=none" if floor == "none" else f" floor={fmt_num(floor)}"
    bottom = ("扣完为止" if floor is None else "不设下限（可扣至负分）" if floor == "none" else f"最低得{fmt_num(floor)}分")
    return Draft(f"rank deduct={fmt_num(d)}{among}{floor_opt}", [(name, "数值")],
                 [f"第1名得满分，每降一名扣{fmt_num(d)}分，并列名次相同，{bottom}"])


def _not_applicable(w: Wording) -> str | None:
    """不涉及的得满分 → full; 不涉及的不参与考核 → exclude; else None."""
    for sentence in re.split(r"[。;；]", normalize_text(w.text)):
        for part in re.split(r"[,，]", sentence):
            if any(word in part for word in V.NOT_APPLICABLE):
                rest = sentence[sentence.index(part):]
                if any(word in rest for word in V.NA_EXCLUDE):
                    return "exclude"
                if any(word in rest for word in V.FULL):
                    return "full"
    return None


def _dp(w: Wording) -> str:
    return f" rate_dp={w.rate_dp}" if w.rate_dp is not None else ""


BUILDERS = (build_shown, build_veto, build_check, build_rank, build_step, build_bonus_step, build_bonus_counts,
            build_bonus, build_bonus_levels, build_ratio, build_deduct, build_once, build_pass_multi, build_pass_versus,
            build_band,
            build_table, build_manual, build_pass_yes, build_info)


def build(w: Wording) -> Draft | None:
    """The first builder's first alternative that parses (newer rule forms first, older fallbacks after)."""
    for b in BUILDERS:
        got = b(w)
        for d in ([got] if isinstance(got, Draft) else got or []):
            na = _not_applicable(w)
            if na and "na=" not in d.rule:
                d.rule += f" na={na}"
                d.reading.append("不涉及的得满分" if na == "full" else "不涉及的不参与考核")
            if w.rate_dp is not None and d.rule.split()[0] in ("ratio", "step", "threshold", "pass", "info") \
                    and "rate_dp=" not in d.rule:
                d.rule += _dp(w)
                d.reading.append(f"（比率先四舍五入到{fmt_num(Decimal(1).scaleb(-w.rate_dp))}%）")
            try:
                parsed = parse_rule(d.rule)
            except RuleError:
                continue
            d.doubts.extend(w.doubts)
            d.doubts.extend(_gap_doubts(parsed))
            floor = w.floor_at()
            if floor is not None and "floor=" not in d.rule:          # 最低得5分 that the rule leaves out
                d.doubts.append(f"「{'不设下限' if floor == 'none' else f'最低得{fmt_num(floor)}分'}」未用于规则，请核对")
            left = leftovers(w, d.rule.split()[0], d.uses, d.single)
            if left:
                d.doubts.append("以下内容未用于规则，请核对：" + "；".join(left))
            return d
    return None


def _gap_doubts(rule) -> list[str]:
    """A threshold table read from whole-percent bands (80%-99% beside 100%) leaves rates between
    them unscored; the wording rarely means that, so the proposal names the gap and is not sure."""
    gaps = rule.gaps() if isinstance(rule, ThresholdRule) else []
    return [f"区间之间有空档{g}（如{g.example}不满足任何区间，得分将留空报错）；若原意是相邻两档相接，"
            f"请把较低一档写到{fmt_pct(g.hi)}（不含）" for g in gaps]


# Which arms each kind of rule accounts for: any other arm is wording the rule leaves out.
_USES = {"manual": {"outcome"}, "threshold": {"outcome"}, "pass": {"outcome"}, "band": {"outcome"}, "step": {"step", "outcome"},
         "ratio": {"outcome"}, "deduct": {"each", "amount", "outcome", "step"}, "bonus": {"each", "amount", "outcome"},
         "rank": {"step", "outcome"}}


def leftovers(w: Wording, kind: str, uses: frozenset[str] | None = None, single: bool = True) -> list[str]:
    """What the wording said that the chosen rule does not use (a deduction beside a table, a
    second kind of deduction …): a rule reads one step, incident or amount, plus outcomes."""
    uses = uses or _USES.get(kind)
    if uses is None:
        return []
    out = []
    main = 0
    for a in w.arms:
        if a.kind in ("step", "each", "amount") and a.kind in uses:
            main += 1
        if a.kind not in uses or (single and a.kind in ("step", "each", "amount") and main > 1):
            what = "扣" if a.result.value == "deduct" else "加" if a.result.value == "add" else ""
            amount = a.result.iv.text() if a.result.iv is not None else ""
            out.append(f"{(a.cond.text if a.cond is not None else '') or ''}{what}{amount}分")
        elif kind in ("step", "ratio") and a.kind == "outcome" and a.cond is not None \
                and a.cond.kind in ("label", "neg", "yesno") and score_of(a, w.points) not in (w.points, None):
            out.append(f"{a.cond.text}{score_words(score_of(a, w.points), w.points)}")   # 发生亡人事故的，本项不得分
        elif kind in ("deduct", "bonus") and a.kind == "outcome" and score_of(a, w.points) not in (w.points, None):
            out.append(f"{a.cond.text if a.cond is not None else ''}得{fmt_num(score_of(a, w.points))}分")
    return out
