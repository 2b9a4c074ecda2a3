"""The rule language (docs/rules.md): every example form, Chinese names, full-width
punctuation, errors that quote the rule and name the clause, and property tests over random text,
random valid rules and random inputs."""
from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.clauses import RuleError
from engine.language import parse_rule
from engine.rules import (OK, BandRule, CheckRule, DeductRule, InfoRule, InputColumn, ManualRule, PassRule,
                          RatioRule, RelativeRule, StepRule, ThresholdRule, ValueRule)
from engine.score import score_rule
from tests.test_engine_rules import column

E11 = "threshold >=90%: 3; >=80%: 2.5; >=70%: 2; >=60%: 1.5; >=50%: 1; else: 0"


def model(text: str) -> dict:
    """The parsed rule without its source text, to compare spellings of one rule."""
    return parse_rule(text).model_dump(exclude={"text"})


# --- every example form of the rule language, exactly as written -------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("band 好=8-10; 较好=6-7; 一般=<6", BandRule),
    ("band >=90% => 7-10; <90% => <=6", BandRule),
    ("ratio", RatioRule),
    ("ratio over=0", RatioRule),
    ("step per=5% deduct=1 from=best round=up", StepRule),
    ("step per=1% deduct=5%w round=down zero_at=20%", StepRule),
    (E11, ThresholdRule),
    ("deduct each=0.5", DeductRule),
    ("deduct each=0.1-0.5", DeductRule),
    ("check n=3", CheckRule),
    ("pass <=100%", PassRule),
    ("pass >4", PassRule),
    ("pass >=15", PassRule),
    ("pass 是", PassRule),
    ("manual", ManualRule),
    ("relative to=max", RelativeRule),
    ("relative to=24.097", RelativeRule),
    ("info", InfoRule),
    ("value", ValueRule),
])
def test_product_examples_parse(text, kind):
    rule = parse_rule(text)
    assert isinstance(rule, kind) and rule.text == text


def test_product_examples_mean_what_the_table_says():
    band = parse_rule("band 好=8-10; 较好=6-7; 一般=<6")
    assert [b.label for b in band.bands] == ["好", "较好", "一般"]
    good, fair, poor = (b.scores for b in band.bands)
    assert (good.lo, good.hi, good.lo_open, good.hi_open) == (8, 10, False, False)   # a-b closed
    assert (poor.lo, poor.hi, poor.hi_open) == (None, 6, True)                        # <x excludes x
    gated = parse_rule("band >=90% => 7-10; <90% => <=6")
    assert gated.bands[0].gate.lo == Decimal("0.9") and gated.bands[1].scores.hi == 6
    assert not gated.bands[1].scores.hi_open                                          # <=x includes x
    step = parse_rule("step per=5% deduct=1 from=best round=up")
    assert (step.per, step.deduct, step.from_, step.round) == (Decimal("0.05"), 1, "best", "up")
    step = parse_rule("step per=1% deduct=5%w round=down zero_at=20%")
    assert step.deduct_share and step.deduct == Decimal("0.05") and step.zero_at == Decimal("0.2")
    assert parse_rule("ratio over=0").over == "0" and parse_rule("ratio").over == "full"
    th = parse_rule(E11)
    assert [c[1] for c in th.clauses] == [3, Decimal("2.5"), 2, Decimal("1.5"), 1] and th.otherwise == 0
    each = parse_rule("deduct each=0.1-0.5").each
    assert (each.lo, each.hi) == (Decimal("0.1"), Decimal("0.5"))
    assert parse_rule("check n=3").n == 3
    assert parse_rule("pass 是").expect is True
    assert parse_rule("pass >4").condition.lo_open and not parse_rule("pass >=15").condition.lo_open
    assert parse_rule("relative to=24.097").to == Decimal("24.097")


def test_one_point_band():
    # `x` alone is one point
    three = parse_rule("band 好=4-5; 较好=3; 一般=<3").bands[1].scores
    assert three.lo == three.hi == 3


# --- Chinese kind names and full-width punctuation ------------------------------------------------

@pytest.mark.parametrize("chinese, ascii_", [
    ("档次 好=8-10; 较好=6-7; 一般=<6", "band 好=8-10; 较好=6-7; 一般=<6"),
    ("比例 over=0", "ratio over=0"),
    ("阶梯扣分 per=5% deduct=1 from=best round=up", "step per=5% deduct=1 from=best round=up"),
    ("区间 >=90%: 3; >=80%: 2.5; else: 0", "threshold >=90%: 3; >=80%: 2.5; else: 0"),
    ("扣分 each=0.1-0.5", "deduct each=0.1-0.5"),
    ("要点 n=3", "check n=3"),
    ("达标 <=100%", "pass <=100%"),
    ("人工", "manual"),
    ("相对 to=max", "relative to=max"),
    ("不计分", "info"),
    ("取值", "value"),
])
def test_chinese_kind_names(chinese, ascii_):
    assert type(parse_rule(chinese)) is type(parse_rule(ascii_))
    assert model(chinese) == model(ascii_)


@pytest.mark.parametrize("full_width, ascii_", [
    ("band 好＝8－10；较好＝6－7；一般＝<6", "band 好=8-10; 较好=6-7; 一般=<6"),
    ("档次 好＝8－10；较好＝6－7；一般＝<6", "band 好=8-10; 较好=6-7; 一般=<6"),
    ("threshold >=90％：3；>=80％：2.5；else：0", "threshold >=90%: 3; >=80%: 2.5; else: 0"),
    ("区间 >＝90％：3；else：0", "threshold >=90%: 3; else: 0"),
    ("step per＝1％ deduct＝5％w round＝down zero_at＝20％", "step per=1% deduct=5%w round=down zero_at=20%"),
    ("deduct each＝0.1－0.5", "deduct each=0.1-0.5"),
    ("pass >=1，000", "pass >=1,000"),
    ("pass >=1,000", "pass >=1000"),
    ("ｂａｎｄ　好＝８－１０", "band 好=8-10"),
])
def test_full_width_punctuation(full_width, ascii_):
    assert model(full_width) == model(ascii_)


@pytest.mark.parametrize("spelling", ["90%", "90％", "0.9", "９０％"])
def test_percent_spellings_are_one_number(spelling):
    # 90% is 0.9 as Excel stores it: the bound is the same number and scores the same
    rule = parse_rule(f"threshold >={spelling}: 3; else: 0")
    assert rule.clauses[0][0].lo == Decimal("0.9")
    out = score_rule(rule, Decimal(3), [InputColumn("满意度", np.array([0.9, 0.8999]))])
    np.testing.assert_array_equal(out.score, [3, 0])


@pytest.mark.parametrize("wording, op_text", [
    ("90%以上", ">=90%"), ("达到5%", ">=5%"), ("超过4", ">4"), ("超4", ">4"), ("高于4", ">4"),
    ("低于50%", "<50%"), ("不足50%", "<50%"), ("5分及以下", "<=5"), ("5分以下", "<5"),
])
def test_chinese_comparison_words(wording, op_text):
    # 以上/达到 include the bound, 超过/高于 exclude it, 低于/不足 <, 及以下 ≤, bare 以下 < (chosen)
    assert model(f"pass {wording}")["condition"] == model(f"pass {op_text}")["condition"]


# --- malformed rules: RuleError quoting the rule and naming the clause ----------------------------

def test_missing_upper_bound_message_is_exact():
    with pytest.raises(RuleError) as exc:
        parse_rule("band 好=8-10; 较好=6-")
    assert str(exc.value) == '规则 "band 好=8-10; 较好=6-" 第2段: 缺少上限'
    assert exc.value.segment == 2


@pytest.mark.parametrize("text, segment, reason", [
    ("band 好=8-10; 较好=x-7", 2, "x"),
    ("band 好=10-8", 1, "大于"),
    ("band 好=8-10; 好=6-7", None, "重复"),
    ("band 好=8-10 pick=zz", 1, "pick"),
    ("threshold >=90%: 3; >=80% 2.5", 2, "条件"),
    ("threshold >=abc: 3", 1, "abc"),
    ("step per=5%", None, "deduct"),
    ("step per=0 deduct=1", None, "per"),
    ("step per=5% deduct=1 round=sideways", None, "round"),
    ("ratio over=7", None, "over"),
    ("ratio rate_dp=x", None, "rate_dp"),
    ("deduct each=abc", None, "abc"),
    ("deduct", None, "each"),
    ("check n=x", None, "x"),
    ("check n=3; >=5", None, "n=3"),
    ("pass", None, "条件"),
    ("pass >4; >5", 2, "条件"),
    ("info over=0", None, "over=0"),
    ("manual 5", None, "5"),
])
def test_malformed_rules_name_the_clause(text, segment, reason):
    with pytest.raises(RuleError) as exc:
        parse_rule(text)
    message = str(exc.value)
    assert message.startswith(f'规则 "{text}"') and reason in message
    if segment:
        assert f"第{segment}段" in message


@pytest.mark.parametrize("text", ["", "   ", "foo 1", "bandx 好=8", "好=8-10"])
def test_unknown_or_empty_kind(text):
    with pytest.raises(RuleError) as exc:
        parse_rule(text)
    assert exc.value.reason and "规则" in str(exc.value)


@pytest.mark.parametrize("text", [
    "ratio foo",                                    # stray word
    "ratio ovr=0",                                  # misspelt option: must not silently mean over=full
    "step per=5% deduct=1 from=best round=up foo",
    "relative to=max 24",
    "ratio over=0; 5",
])
def test_stray_text_in_clause_free_rules_is_an_error(text):
    with pytest.raises(RuleError) as exc:
        parse_rule(text)
    assert str(exc.value).startswith(f'规则 "{text}"') and "第" in str(exc.value)


# --- property (a): no text makes parse_rule raise anything but RuleError --------------------------

KIND_WORDS = ["band", "ratio", "step", "threshold", "deduct", "check", "pass", "manual", "relative", "info",
              "value", "档次", "比例", "阶梯扣分", "区间", "扣分", "要点", "达标", "人工", "相对", "不计分", "取值", ""]
TOKENS = ["0", "1", "5", "10", "0.5", "90", "-3", "1e400", "1e-9", "nan", "inf", "%", "％", ";", "；", "=", "＝",
          "-", "－", "<", ">", "<=", ">=", "=>", ":", "：", "&", "且", "，", ",", " ", "\u3000", "好", "较好",
          "以上", "以下", "及以下", "超过", "低于", "达到", "是", "否", "分", "万元", "家", "per", "deduct", "from",
          "best", "round", "up", "down", "zero_at", "n", "each", "over", "pick", "min", "mid", "max", "to",
          "rate", "change", "rate_dp", "among", "group", "else", "w", "~", "至", "\x00", "\n"]
structured = st.builds(lambda kind, toks: kind + " " + "".join(toks),
                       st.sampled_from(KIND_WORDS), st.lists(st.sampled_from(TOKENS), max_size=14))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(), structured))
def test_parse_rule_raises_only_rule_error(text):
    try:
        parse_rule(text)
    except RuleError as exc:
        assert str(exc).startswith("规则 ")


# --- property (b): random valid rules and inputs stay within 0..points ----------------------------

POINTS = st.sampled_from([1, 2, 3, 5, 10, 50])
PCT = st.sampled_from(["1%", "5%", "10%", "0.5", "2"])


@st.composite
def bounded_rule(draw):
    """(rule text, points, number of inputs) for kinds whose score lies in 0..points."""
    pts = draw(POINTS)
    kind = draw(st.sampled_from(["band", "gated", "ratio", "step", "threshold", "deduct", "check", "pass",
                                 "manual", "relative"]))
    if kind == "band":
        cuts = sorted(draw(st.lists(st.integers(0, pts), min_size=2, max_size=6, unique=True)), reverse=True)
        bands = "; ".join(f"档{k}={lo}-{hi}" for k, (hi, lo) in enumerate(zip(cuts, cuts[1:])))
        return f"band {bands} pick={draw(st.sampled_from(['max', 'min', 'mid']))}", pts, 1
    if kind == "gated":
        return f"band >=90% => {pts // 2}-{pts}; <90% => <{pts // 2}", pts, 2
    if kind == "ratio":
        return f"ratio over={draw(st.sampled_from(['full', '0', 'error']))}", pts, draw(st.sampled_from([1, 2]))
    if kind == "step":
        deduct = draw(st.sampled_from(["1", "0.5", "5%w", "10%w"]))
        opts = f"per={draw(PCT)} deduct={deduct} round={draw(st.sampled_from(['up', 'down']))}"
        frm = draw(st.sampled_from(["", " from=best", " from=300"]))
        zero = draw(st.sampled_from(["", " zero_at=20%"]))
        change = " rate=change" if not frm and draw(st.booleans()) else ""
        return f"step {opts}{frm}{zero}{change}", pts, 1 if frm else draw(st.sampled_from([1, 2]))
    if kind == "threshold":
        bounds = sorted(draw(st.lists(st.integers(0, 100), min_size=1, max_size=5, unique=True)), reverse=True)
        values = sorted(draw(st.lists(st.integers(0, pts), min_size=len(bounds), max_size=len(bounds))), reverse=True)
        return "threshold " + "; ".join(f">={b}%: {v}" for b, v in zip(bounds, values)) + "; else: 0", pts, 1
    if kind == "deduct":
        if draw(st.booleans()):
            return "deduct each=0.1-0.5", pts, 2
        return f"deduct each={draw(st.sampled_from(['0.5', '1', '0.1']))}", pts, 1
    if kind == "check":
        n = draw(st.integers(1, 5))
        return f"check n={n}", pts, draw(st.sampled_from([1, 2]))
    if kind == "pass":
        return f"pass {draw(st.sampled_from(['<=100%', '>4', '>=15', '达到5%']))}", pts, draw(st.sampled_from([1, 2]))
    if kind == "manual":
        return "manual", pts, 1
    return f"relative to={draw(st.sampled_from(['max', 'min', '24.097']))}", pts, 1


CELL = st.one_of(st.none(), st.integers(-2, 400), st.floats(-1, 400, allow_nan=False, width=32).map(float),
                 st.sampled_from(["是", "否", "档0", "档1", "90%", "x", "3.5", ""]))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(bounded_rule(), st.data())
def test_scores_lie_within_points(spec, data):
    text, pts, k = spec
    n = data.draw(st.integers(1, 8))
    cols = [InputColumn(f"输入{j + 1}", column(data.draw(st.lists(CELL, min_size=n, max_size=n)))) for j in range(k)]
    out = score_rule(parse_rule(text), Decimal(pts), cols)
    ok = out.status == OK
    assert np.all(np.isnan(out.score[~ok]))                 # not OK → blank, never 0
    assert not np.isnan(out.score[ok]).any()
    assert np.all((out.score[ok] >= 0) & (out.score[ok] <= pts)), (text, out.score)


def test_empty_band_never_yields_a_negative_score():
    # found by the property above: '<0' holds no score in 0..points, so naming it cannot give -1
    try:
        rule = parse_rule("band 好=1-2; 差=<0")
    except RuleError:
        return
    out = score_rule(rule, Decimal(2), [InputColumn("评定", column(["差"]))])
    assert np.isnan(out.score[0]) and out.status[0] != OK


# --- property (c): a column scores as its units one at a time --------------------------------------

PEER_FREE = ["ratio over=0 rate_dp=2", "ratio over=error", "step per=1% deduct=5%w round=down zero_at=20%",
             "step per=1% deduct=10%w round=down rate_dp=2", "step per=5% deduct=1 round=up", E11,
             "pass <=100%", "pass >4", "check n=3", "deduct each=0.5", "manual", "band 好=8-10; 较好=6-7; 一般=<6",
             "relative to=24.097"]
AMOUNT = st.one_of(st.none(), st.sampled_from([0.0, 315.6, 299.82, 15.78, 864197.46, 12345678.0, 1.0, 3.0]),
                   st.decimals(0, 1000, places=2, allow_nan=False).map(float))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PEER_FREE), st.integers(1, 2), st.lists(st.tuples(AMOUNT, AMOUNT), min_size=1, max_size=8))
def test_column_equals_units_alone(text, k, rows):
    rule = parse_rule(text)
    lo, hi = rule.arity()
    k = min(max(k, lo), hi)
    raw = [[r[j] for r in rows] for j in range(k)]
    whole = score_rule(rule, Decimal(10), [InputColumn(f"输入{j}", column(c)) for j, c in enumerate(raw)])
    for i in range(len(rows)):
        alone = score_rule(rule, Decimal(10), [InputColumn(f"输入{j}", column([c[i]])) for j, c in enumerate(raw)])
        assert _same(whole.score[i:i + 1], alone.score) and whole.status[i] == alone.status[0], (text, i)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["step per=5% deduct=1 {}=best round=up", "step per=1% deduct=10%w {}=best round=down",
                        "relative {}=max"]),
       st.lists(st.one_of(st.none(), st.sampled_from([315.6, 299.82, 299.1888, 284.04, 258.792]),
                          st.decimals(Decimal("0.01"), 1000, places=3).map(float)), min_size=1, max_size=8))
def test_best_unit_rules_equal_a_given_benchmark(template, speeds):
    # scoring the column against its best equals scoring each unit alone against that best given
    # as a number (from=<best> / to=<best>)
    key = "from" if template.startswith("step") else "to"
    best = max((s for s in speeds if s is not None), default=None)
    if best is None:
        return
    whole = score_rule(parse_rule(template.format(key)), Decimal(50), [InputColumn("速率", column(speeds))])
    fixed = parse_rule(template.replace("{}=best", "{}=" + repr(best)).replace("{}=max", "{}=" + repr(best))
                       .format(key))
    for i, s in enumerate(speeds):
        alone = score_rule(fixed, Decimal(50), [InputColumn("速率", column([s]))])
        assert _same(whole.score[i:i + 1], alone.score) and whole.status[i] == alone.status[0], (i, s, best)
        if s is not None:
            assert not math.isnan(whole.score[i])


def test_yes_no_words_in_rules_come_from_the_one_vocabulary():
    # `pass 是` and its spellings expect 是; `pass 否` / `pass 不符合` expect 否; digits stay numbers
    from engine.numbers import yes_no_word
    assert parse_rule("pass 符合").expect is True and parse_rule("pass 达到").expect is True
    assert parse_rule("pass 否").expect is False and parse_rule("pass 不符合").expect is False
    assert yes_no_word("1") is None and parse_rule("pass 1").condition is not None
