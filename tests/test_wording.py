"""The wording reader: every seed 评分标准 and other provinces' wording → a rule that scores the
row's own examples right (values worked out by hand in tests/wording_cases.py)."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.language import parse_rule
from engine.wording import propose, read_wording
from tests.wording_cases import OTHER, SEED_000, SEED_001, SEED_004, check_case


@pytest.mark.parametrize("case", SEED_000 + SEED_001 + SEED_004, ids=lambda c: c[0])
def test_seed_wording_scores_its_own_examples(case):
    check_case(case)


@pytest.mark.parametrize("case", OTHER, ids=lambda c: c[0])
def test_other_provinces_wording_scores_hand_worked_values(case):
    check_case(case)


# ---------------------------------------------------------------- properties

_WORDS = ["得", "扣", "加", "分", "满分", "不得分", "每", "每低", "每超", "每发现", "一处", "以上", "以下", "及以下",
          "超过", "低于", "不足", "达到", "(含)", "（不含）", "扣完为止", "最多扣", "最高加", "按比例得分", "按完成比例",
          "酌情", "好", "较好", "一般", "优", "是否", "未", "的", "，", "。", "；", "、", "①", "②", "（1）", "1.", "=",
          "÷", "/", "×100%", "%", "个百分点", "-", "~", "各占", "1/3", "权重分", "执行率", "预算数", "不足5%的按5%计算",
          "否则", "符合", "0", "0.5", "1", "5", "90", "100", "20", "8-10", "2.5", "一例", "第一名", "\n", " "]


@given(st.lists(st.sampled_from(_WORDS) | st.text(max_size=3), max_size=25),
       st.one_of(st.none(), st.sampled_from([0, 1, 2, 5, 10, 50, 100, -1, 0.5]), st.text(max_size=3)))
@settings(max_examples=400, deadline=None)
def test_reader_never_raises_and_never_proposes_an_unparsable_rule(parts, points):
    p = read_wording("".join(parts), points)
    if points is None or isinstance(points, (int, float)) and points >= 0:
        propose("".join(parts), None if points is None else Decimal(str(points)))   # no hidden exception
    assert isinstance(p.reading, str) and isinstance(p.unread, list)
    if p.rule is not None:
        parse_rule(p.rule)
        assert all(set(i) == {"name", "what"} and i["name"] for i in p.inputs)
    else:
        assert not p.sure


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_reader_survives_any_unicode(text):
    p = propose(text, Decimal(10))
    if p.rule is not None:
        parse_rule(p.rule)


def test_reader_on_non_text_input_says_it_cannot_read():
    for value in (None, 3.5, b"\xff", ["完成好的得8-10分"]):
        p = read_wording(value, 10)
        assert p.rule is None or parse_rule(p.rule)
    assert read_wording("", 10).rule is None


# ---------------------------------------------------------------- round trip: rule → reading → rule

def _sample_rules():
    from pathlib import Path

    from python_calamine import CalamineWorkbook

    from xladdin.layout import RUBRIC_COLUMNS, find_header
    seen = {}
    for book in sorted((Path(__file__).resolve().parent.parent / "workbooks").glob("*.xlsx")):
        rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("细则").to_python()
        hr, cols = find_header(rows, RUBRIC_COLUMNS, ("rule",))
        for r in rows[hr + 1:]:
            rule = r[cols["rule"]]
            points = r[cols["points"]] if "points" in cols and r[cols["points"]] != "" else None
            if rule:
                seen.setdefault((rule, points), book.name)
    return sorted(seen)


SAMPLE_RULES = _sample_rules()
ADDED_FORMS = [("deduct each=0.5 cap=2", 5), ("deduct once=3", 5), ("step per=1% deduct=0.5 at=95%", 5),
               ("step per=1% deduct=0.5 at=95% round=up cap=3", 5), ("bonus each=0.2 cap=2", None),
               ("rank deduct=0.5", 10), ("rank deduct=0.5 among=group", 10), ("veto", None),
               ("veto total=59", None), ("pass >=99%", 3), ("relative to=min", 10),
               ("threshold <=0: 5; <=1: 4.5; else: 4", 5), ("step per=1% deduct=0.1 from=100%", 2),
               ("ratio min=60%", 10), ("deduct each=2 floor=none", 10),
               ("bonus per=1% each=0.05 at=100% cap=0.5", None)]


def _model(rule):
    return parse_rule(rule).model_dump(exclude={"text"})


@pytest.mark.parametrize("rule,points", SAMPLE_RULES + ADDED_FORMS, ids=lambda x: str(x))
def test_reading_of_a_rule_reads_back_as_the_same_rule(rule, points):
    from engine.reading import read_rule
    reading = read_rule(rule, points)
    p = read_wording(reading, points)
    assert p.rule is not None, f"{reading} → nothing ({p.unread})"
    assert _model(p.rule) == _model(rule), f"{reading} → {p.rule}"


def test_every_sample_rule_is_in_the_round_trip():
    assert len(SAMPLE_RULES) >= 50


# ---------------------------------------------------------------- worksheet functions

def test_rule_from_text_in_a_cell_and_down_a_column():
    from udfs import core
    assert core.rule_from_text("每发现一处错误扣0.5分，扣完为止", 5) == "deduct each=0.5"
    column = core.rule_from_text([["①比率≤100%,得满分; ②比率>100%,不得分。"], [None], ["由考核组综合评定"]], 2)
    assert column[0] == ["pass <=100%"] and column[1] == [""]
    assert column[2][0].startswith("#未能推导") and "由考核组综合评定" in column[2][0]


def test_rule_reading_explains_a_hand_written_rule_and_names_a_bad_one():
    from udfs import core
    text = core.rule_reading("step per=5% deduct=1 from=best round=up", 50)
    assert "每低5%扣1分" in text and "不足5%按5%计" in text
    assert core.rule_reading("stpe per=5%", 50).startswith("#参数错误: rule")


def test_what_is_counted_keeps_its_negation():
    # 每发现一户未持证经营: the input counts the unlicensed, not the licensed operators
    got = read_wording("每发现一户未持证经营扣2分，最高扣6分。", Decimal(10))
    assert got.rule == "deduct each=2 cap=6" and got.inputs[0]["name"] == "未持证经营数"
    assert "未持证经营" in got.reading


def test_plain_deduction_without_points_still_gets_its_rule():
    # the rule text does not need the row's points: on a 2-point row 3 errors leave 2 - 1.5 = 0.5, 5 leave 0
    from udfs import core
    got = read_wording("每发现一处错误扣0.5分，扣完为止")
    assert got.rule is not None and got.sure and got.unread == []
    assert [row[0] for row in core.rule_score(got.rule, 2, [[3], [5], [0]])] == [0.5, 0, 2]
    capped = read_wording("每发现一处错误扣0.5分，最多扣2分")
    assert [row[0] for row in core.rule_score(capped.rule, 5, [[3], [10]])] == [3.5, 3]
