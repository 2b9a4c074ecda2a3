"""The language additions: deduction caps, floors and 一经发现; steps from a target both ways;
bonus; veto; ranks to points; 不涉及; conditions over several inputs (seed 000 附表3 长兴岛).

Every expected value is worked out by hand in the comment beside it, at each boundary of the form.
Rules are scored through the public path (a Rubric and engine.score.score), so blanks, problems
and workings are those a user sees.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from engine.clauses import RuleError
from engine.language import parse_rule
from engine.model import Indicator, Rubric, Settings
from engine.reading import read_rule
from engine.rules import KINDS, Ctx, InputColumn
from engine.score import Units, score, score_rule
from tests.test_engine_rules import assert_scores, blank_with_error, problems, score_one, scores


def workings(ind) -> list[str | None]:
    return ind.explanations()


# --- deduct: cap (最高扣), floor (below zero), once (一经发现) ------------------------------------

def test_deduction_capped_at_five_of_ten():
    # 每发现一处扣1分，最高扣5分 (10分): 0 → 10; 4 → 6; 5 → 5 (the cap reached exactly);
    # 6 → min(6, 5) = 5 off → 5; 20 → 5.
    ind, _ = score_one("deduct each=1 cap=5", 10, [0, 4, 5, 6, 20])
    assert_scores(ind.score, [10, 6, 5, 5, 5])
    text = workings(ind)
    assert text[3] == "发现扣分事项6次，每次扣1分，共扣6分，最高扣5分，得5分"
    assert "最高扣" not in text[2]


def test_cap_above_the_points_binds_only_below_zero():
    # 最高扣12分 on a 10-point row: with the default floor 0, 11 incidents → 0 (扣完为止);
    # with floor=none: 11 → 10 − 11 = −1; 12 → −2; 13 → min(13, 12) = 12 off → −2.
    assert_scores(scores("deduct each=1 cap=12", 10, [10, 11, 13]), [0, 0, 0])
    assert_scores(scores("deduct each=1 cap=12 floor=none", 10, [10, 11, 12, 13]), [0, -1, -2, -2])


def test_scores_below_zero_down_to_a_stated_floor():
    # 3分, 每处扣1分, 最高扣5分, 最低-2分: 3 → 0; 4 → −1; 5 → −2; 6 → 5 off → −2; 9 → −2.
    assert_scores(scores("deduct each=1 cap=5 floor=-2", 3, [3, 4, 5, 6, 9]), [0, -1, -2, -2, -2])
    # 最低 is the Chinese key; 不限 its value for "no floor"
    assert_scores(scores("扣分 每项=1 最低=不限", 3, [5]), [-2])


def test_found_once_deducts_once_whatever_the_count():
    # 一经发现扣2分 (10分): 0 → 10; 1 → 8; 7 → 8 (once); 是 → 8; 否 → 10; 1.5 incidents → 错误.
    ind, res = score_one("deduct once=2", 10, [0, 1, 7, "是", "否", 1.5, None])
    assert_scores(ind.score, [10, 8, 8, 8, 10, np.nan, np.nan])
    assert blank_with_error(ind, res, 5) and blank_with_error(ind, res, 6)
    assert "一经发现扣2分" in workings(ind)[2]


def test_pure_deduction_item_lowers_the_total():
    # A 扣分项 worth 0: 发生一起扣2分，最高扣10分 → 0, −2, −10 (5 × 2), −10 (6 × 2 = 12 capped).
    # Beside a 90-point manual row scored 90, totals are 90, 88, 80, 80.
    rubric = Rubric(indicators=(
        Indicator(path=("工作",), points=Decimal(90), rule=parse_rule("manual"), inputs=("评分",)),
        Indicator(path=("安全",), points=Decimal(0), rule=parse_rule("deduct each=2 cap=10"), inputs=("事故",))))
    units = Units(np.array(list("甲乙丙丁"), dtype=object), np.array([""] * 4, dtype=object),
                  {"评分": np.full(4, 90.0), "事故": np.array([0.0, 1, 5, 6])})
    res = score(rubric, units)
    assert_scores(res.indicator("安全").score, [0, -2, -10, -10])
    assert_scores(res.total, [90, 88, 80, 80])
    assert_scores(res.full, [90] * 4)


# --- step: a target, both ways, caps ---------------------------------------------------------

def test_step_below_a_target_counts_whole_points_only():
    # 增速目标5%，每低1个百分点扣0.5分 (3分): 5% → 3; 6% → 3 (above the target costs nothing);
    # 4.99% → 0.01 point below, no whole step → 3; 4% → 1 step → 2.5; 3.5% → 1.5 → 1 step → 2.5;
    # 0% → 5 steps → 0.5.
    assert_scores(scores("step per=1% deduct=0.5 at=5%", 3, [0.05, 0.06, 0.0499, 0.04, 0.035, 0.0]),
                  [3, 3, 3, 2.5, 2.5, 0.5])


def test_step_below_a_target_exact_where_floats_are_not():
    # 30% − 20% is exactly 10 points (float: 9.999999999999998 → 9 steps); 7% − 4% is exactly 3
    # points (float: 3.0000000000000004 → ceil 4). 10 × 0.1 = 1 off → 1; round=up: 3 × 0.5 → 1.5 off.
    units = 40                                  # a column, so the float pass and its exact redo run
    assert_scores(scores("step per=1% deduct=0.1 at=30%", 2, [0.2] * units), [1] * units)
    assert_scores(scores("step per=1% deduct=0.5 at=7% round=up", 3, [0.04] * units), [1.5] * units)
    # a started step counts with round=up: 6.99% is 0.01 point below → 1 step → 2.5
    assert_scores(scores("step per=1% deduct=0.5 at=7% 取整=向上", 3, [0.0699]), [2.5])


def test_two_way_steps_from_eighty_percent_of_the_points():
    # 从标准分的80%算起 (10分 → 8)，每超1%加0.2分（最多加1分），每低1%减0.2分:
    # 100% → 8; 103.5% → 3 whole steps → 8.6; 99.5% → no whole step → 8; 97% → 3 → 7.4;
    # 105% → 5 → +1 (= the add cap) → 9; 120% → +4 capped at 1 → 9; 50% → 50 × 0.2 = 10 off →
    # −2 → floor 0.
    got = scores("step per=1% deduct=0.2 add=0.2 base=80%w at=100% add_cap=1", 10,
                 [1, 1.035, 0.995, 0.97, 1.05, 1.2, 0.5])
    assert_scores(got, [8, 8.6, 8, 7.4, 9, 9, 0])


def test_two_way_steps_never_exceed_the_points():
    # base 9 of 10, +0.5 per 1% above 100%, no add cap: 101% → 9.5; 102% → 10; 110% → 14 → 10.
    ind, _ = score_one("step per=1% deduct=0.5 add=0.5 base=9 at=100%", 10, [1.01, 1.02, 1.1],
                       name="完成率")
    assert_scores(ind.score, [9.5, 10, 10])
    assert workings(ind)[2] == "完成率=110%，高于目标100%，起点9分，计10档，每档加0.5分，得10分（以分值为上限）"


def test_step_deduction_capped():
    # 每增加1%扣0.1分，最高扣0.5分 (2分): 3% → 1.7; 5% → 1.5 (exactly the cap); 9% → 1.5.
    assert_scores(scores("step per=1% deduct=0.1 cap=0.5", 2, [0.03, 0.05, 0.09]), [1.7, 1.5, 1.5])


# --- bonus ---------------------------------------------------------------------------------------

def test_bonus_per_item_with_its_own_cap():
    # 每项加0.2分，最多加2分: 0 → 0; 3 → 0.6; 10 → 2 (the cap exactly); 11 → 2.2 → 2; 0.1 × 3 is
    # 0.3, not 0.30000000000000004.
    assert_scores(scores("bonus each=0.2 cap=2", None, [0, 3, 10, 11]), [0, 0.6, 2, 2])
    assert_scores(scores("加分 每项=0.1 最多加=1", None, [3]), [0.3])
    # without cap=, the row's 分值 caps it
    assert_scores(scores("bonus each=0.5", 1, [1, 2, 3]), [0.5, 1, 1])


def test_bonus_level_table_counts_the_highest_level_once():
    # 国家级3分、省级2分、市级1分: 省级、市级 → 2 (the highest, once); 无 → 0; 国家级 → 3;
    # 县级 is no level → 错误; blank → 错误 (never 0).
    ind, res = score_one("bonus 国家级=3; 省级=2; 市级=1", None, ["省级、市级", "无", "国家级", "县级", None])
    assert_scores(ind.score, [2, 0, 3, np.nan, np.nan])
    assert "县级" in problems(res)[3] and blank_with_error(ind, res, 4)
    assert workings(ind)[0] == "最高级别「省级」，加2分"


def test_bonus_above_a_target():
    # 超过100%后每超1个百分点加0.1分，最多加1分: 100% → 0; 100.5% → 0 (no whole point);
    # 103% → 0.3; 150% → 5 → 1. round=up: 100.5% → a started point → 0.1.
    assert_scores(scores("bonus per=1% each=0.1 at=100% cap=1", None, [1, 1.005, 1.03, 1.5]), [0, 0, 0.3, 1])
    assert_scores(scores("bonus per=1% each=0.1 at=100% cap=1 round=up", None, [1, 1.005]), [0, 0.1])


def test_bonus_only_after_the_target_is_met():
    # 完成目标（≥100%）后每项加0.5分，最多加2分: (95%, 3) → 0; (100%, 3) → 1.5; (120%, 10) → 2.
    ind, _ = score_one("bonus each=0.5 cap=2 if=>=100%", None, [0.95, 1, 1.2], [3, 3, 10])
    assert_scores(ind.score, [0, 1.5, 2])
    assert workings(ind)[0].startswith("未满足加分条件")


def test_bonus_lifts_the_total_above_the_base_points_unless_capped():
    # base 10 (manual 9.5) + bonus 2 → 11.5 > 10: totals may exceed the base points; the full points
    # stay 10. 总分上限=满分 caps it at 10; a grade by share (优>=90%) then reads 10/10.
    def run(cap):
        rubric = Rubric(indicators=(
            Indicator(path=("工作",), points=Decimal(10), rule=parse_rule("manual"), inputs=("评分",)),
            Indicator(path=("加分",), points=None, rule=parse_rule("bonus each=1 cap=2"), inputs=("项数",))),
            settings=Settings(total_cap=cap))
        units = Units(np.array(["甲", "乙"], dtype=object), np.array(["", ""], dtype=object),
                      {"评分": np.array([9.5, 7.0]), "项数": np.array([5.0, 1.0])})
        return score(rubric, units)
    free = run(None)
    assert_scores(free.total, [11.5, 8])
    assert_scores(free.full, [10, 10])
    capped = run("full")
    assert_scores(capped.total, [10, 8])
    assert_scores(run(Decimal(11)).total, [11, 8])


# --- veto ----------------------------------------------------------------------------------------

def _veto_result(rule: str, marks, answers):
    rubric = Rubric(indicators=(
        Indicator(path=("工作",), points=Decimal(100), rule=parse_rule("manual"), inputs=("评分",)),
        Indicator(path=("安全生产",), points=None, rule=parse_rule(rule), inputs=("事故",))))
    n = len(marks)
    units = Units(np.array([f"单位{i + 1}" for i in range(n)], dtype=object), np.array([""] * n, dtype=object),
                  {"评分": np.asarray(marks, dtype=float), "事故": np.asarray(answers, dtype=object)})
    return score(rubric, units)


def test_veto_sets_the_total_to_zero_and_says_so():
    res = _veto_result("veto", [95, 95, 80], ["否", "是", "否"])
    assert_scores(res.total, [95, 0, 80])
    assert list(res.grade) == ["优", "差", "良"]
    assert_scores(res.rank, [1, 3, 2])                        # ranked on the vetoed total
    hints = problems(res, "提示")
    assert hints[1] == "「安全生产」一票否决：总分由95计为0"
    assert res.indicator("安全生产").explain(1) == "安全生产：是，触发一票否决：总分计为0分"
    assert res.indicator("安全生产").explain(0) == "安全生产：否，未触发一票否决"


def test_veto_to_a_stated_score_keeps_a_lower_total():
    # 一票否决，总分计为59分: 95 → 59; a total already at 40 stays 40; 59 stays 59.
    res = _veto_result("veto total=59", [95, 40, 59], ["是", "是", "是"])
    assert_scores(res.total, [59, 40, 59])


def test_veto_on_a_count():
    # 发生事故（次数>0）即否决: 0 → not fired; 1 → fired.
    res = _veto_result("veto >0", [95, 95], [0, 1])
    assert_scores(res.total, [95, 0])


def test_veto_caps_or_sets_the_grade():
    # 不得评为优秀: 95 (优) → 良; 85 (良) stays 良; not fired stays 优. Totals unchanged.
    res = _veto_result("veto below=优", [95, 85, 95], ["是", "是", "否"])
    assert list(res.grade) == ["良", "良", "优"]
    assert_scores(res.total, [95, 85, 95])
    # 直接定为不合格: the grade is set, whatever the total
    res = _veto_result("veto grade=不合格", [95, 95], ["是", "否"])
    assert list(res.grade) == ["不合格", "优"]


def test_blank_veto_answer_blanks_the_total():
    # A blank veto answer is never read as 否: the unit's total and grade are blank, with an 错误.
    res = _veto_result("veto", [95, 95], ["否", None])
    assert np.isnan(res.total[1]) and res.grade[1] == "" and 1 in problems(res)
    assert res.total[0] == 95


# --- ranks to points ---------------------------------------------------------------------------------

def test_first_place_full_points_half_a_point_per_place():
    # values 9, 8, 8, 7, blank: ranks 1, 2, 2 (并列), 4 (the next place skipped), unranked.
    # 10 − (rank − 1) × 0.5 → 10, 9.5, 9.5, 8.5; the blank is an 错误 and pushes no one down.
    ind, res = score_one("rank deduct=0.5", 10, [9, 8, 8, 7, None], name="产值")
    assert_scores(ind.score, [10, 9.5, 9.5, 8.5, np.nan])
    assert blank_with_error(ind, res, 4)
    assert workings(ind)[3] == "产值=7，第4名（共4个单位），每降一名扣0.5分，扣1.5分，得8.5分"
    assert "并列" in workings(ind)[1]


def test_rank_lowest_first_within_groups():
    # 越小越好, within each group: A: 3 → 1st, 5 → 2nd; B: 4 → 1st, 4 → 1st (并列), 9 → 3rd.
    got = scores("rank deduct=1 order=asc among=group", 5, [3, 5, 4, 4, 9], groups=["A", "A", "B", "B", "B"])
    assert_scores(got, [5, 4, 5, 5, 3])


def test_rank_given_floor_and_table():
    # by=rank: the rank typed in; 2.5 is no rank → 错误. 22nd of a 10-point row at 0.5 a place →
    # 10 − 10.5 → floor 0. A table: 1st → 10; 2nd-3rd → 8; else 5.
    ind, res = score_one("rank deduct=0.5 by=rank", 10, [1, 3, 22, 2.5])
    assert_scores(ind.score, [10, 9, 0, np.nan])
    assert blank_with_error(ind, res, 3)
    assert_scores(scores("rank 1: 10; 2-3: 8; else: 5", 10, [9, 8, 8, 7, 6]), [10, 8, 8, 5, 5])


# --- 不涉及 ---------------------------------------------------------------------------------------

def test_not_applicable_scores_full_points():
    ind, res = score_one("manual na=full", 2, ["不涉及", 1.5, "不适用"])
    assert_scores(ind.score, [2, 1.5, 2])
    assert workings(ind)[0] == "不涉及，按规则得满分" and not problems(res)


def test_not_applicable_takes_the_row_out():
    # 不涉及 under na=exclude: the row is blank, its 5 points leave the unit's full points, and the
    # total is built from the other rows (10 + nothing) — not blank, not 0.
    rubric = Rubric(indicators=(
        Indicator(path=("工作",), points=Decimal(10), rule=parse_rule("manual"), inputs=("评分",)),
        Indicator(path=("执行率",), points=Decimal(5), rule=parse_rule("ratio na=exclude"), inputs=("执行率",))))
    units = Units(np.array(["甲", "乙"], dtype=object), np.array(["", ""], dtype=object),
                  {"评分": np.array([10.0, 8.0]), "执行率": np.array(["不涉及", 0.8], dtype=object)})
    res = score(rubric, units)
    assert_scores(res.indicator("执行率").score, [np.nan, 4])
    assert_scores(res.total, [10, 12])
    assert_scores(res.full, [10, 15])
    assert not problems(res)
    assert res.indicator("执行率").explain(0) == "不涉及，本项不参与考核"


def test_not_applicable_without_a_rule_for_it_is_an_error():
    ind, res = score_one("ratio", 5, ["不涉及", 0.8])
    assert blank_with_error(ind, res, 0) and "na=full" in problems(res)[0]
    assert ind.score[1] == 4


# --- conditions over several inputs: seed 000 附表3 长兴岛 ----------------------------------------------

CHANGXING = "band x1>x2 且 x3=是 => 28-35; x1>x2 或 x3=是 => 21-27; 其他 => <21"


def test_changxing_island_gate_with_hand_values():
    # 35分. A = 产值增速 > 全市增速 (strict), B = 重大项目推进成效显著.
    #   8.2% > 6.5%, 是 → A∧B → 28-35: 30 accepted.
    #   6.5% = 6.5% (equal is not 高于), 是 → exactly B → 21-27: 27 accepted.
    #   7% > 6.5%, 否 → exactly A → 21-27; no score given → top of the band 27.
    #   5% < 6.5%, 否 → neither → [0, 21): 20.5 accepted.
    #   6.5% = 6.5%, 是, score 28 → the band is 21-27 → 错误.
    #   5%, 否, score 21 → 21 is not below 21 → 错误.
    #   5%, 否, no score → top of [0, 21) in whole points → 20.
    growth = [0.082, 0.065, 0.07, 0.05, 0.065, 0.05, 0.05]
    city = [0.065] * 7
    significant = ["是", "是", "否", "否", "是", "否", "否"]
    marks = [30, 27, None, 20.5, 28, 21, None]
    ind, res = score_one(CHANGXING, 35, growth, city, significant, marks, name="特色工作发展水平")
    assert_scores(ind.score, [30, 27, 27, 20.5, np.nan, np.nan, 20])
    assert blank_with_error(ind, res, 4) and blank_with_error(ind, res, 5)
    assert "满足「x1>x2 且 x3=是」，适用28-35分档，评定得分30分" in workings(ind)[0]
    assert "满足「其他」" in workings(ind)[3]


def test_pass_comparing_two_inputs():
    # 产值增速高于全市增速的得满分 (5分): 8% > 6.5% → 5; equal → 0; lower → 0.
    assert_scores(scores("pass x1>x2", 5, [0.08, 0.065, 0.05], [0.065] * 3), [5, 0, 0])
    assert_scores(scores("pass x1高于x2 且 x2>=5%", 5, [0.08, 0.05], [0.065, 0.04]), [5, 0])


# --- readings (规则说明) ------------------------------------------------------------------------------

def test_readings_state_boundaries_and_step_conventions():
    assert read_rule("step per=1% deduct=0.1 at=100%", 2) == (
        "第1个输入达到目标100%及以上（含100%）得满分；每低于目标1个百分点扣0.1分"
        "（只计满1个百分点的整步，不满1个百分点的部分不计），扣完为止（最低0分）")
    assert read_rule("step per=5% deduct=1 from=best round=up", 50) == (
        "以所有被考核单位中的最高值为满分；差距=(最高值−本单位值)÷最高值，每低5%扣1分（不足5%按5%计），扣完为止（最低0分）")
    assert read_rule("deduct each=1 cap=5", 10) == "无扣分事项得满分；每发现一次扣1分，最高扣5分，扣完为止（最低0分）"
    assert read_rule("veto total=59") == "一票否决：第1个输入为「是」时，总分不超过59分（原总分低于该分数的不变）；本项不计分，空白视为错误"
    assert "6分以下" not in read_rule("band 好=8-10; 较好=6-7; 一般=<6", 10)
    assert "低于6分（不含6分）" in read_rule("band 好=8-10; 较好=6-7; 一般=<6", 10)
    assert read_rule(parse_rule("manual na=full"), 2).endswith("输入为「不涉及」「不适用」时得满分")
    assert parse_rule("人工 不涉及=不考核").na == "exclude"


@pytest.mark.parametrize("rule", [
    "band 好=8-10; 较好=6-7; 一般=<6", "band >=90% => 7-10; <90% => <=6", CHANGXING, "ratio over=0 rate_dp=2",
    "step per=1% deduct=5%w round=down zero_at=20% rate=change rate_dp=2", "threshold >=90%: 3; else: 0",
    "deduct each=0.1-0.5", "deduct once=2", "check n=3", "check >=5%; >=8500 & >=6%", "pass <=100%", "pass 是",
    "manual", "relative to=max", "info", "value", "bonus 国家级=3; 省级=2", "bonus per=1% each=0.1 at=100%",
    "veto below=优", "rank deduct=0.5", "rank 1: 10; else: 5", "step per=1% deduct=0.2 add=0.2 base=80%w at=100%"])
def test_every_kind_reads_in_chinese(rule):
    for points in (10, None):                      # a reading is asked for before the points are known too
        text = read_rule(rule, points)
        assert text and "None" not in text and "nan" not in text


# --- better rule errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, said", [
    ("bnd 好=8-10", "是否要写「band」"),
    ("setp per=1% deduct=1", "是否要写「step」"),
    ("step pre=1% deduct=1", "不认识的选项「pre」，是否要写「per」"),
    ("deduct eahc=1", "是否要写「each」"),
    ("step per=1% deduct=1 over=0", "选项「over」不适用于 step"),
    ("step per=1% deduct=1 round=sideways", "round（取整）应为 up/down（向上/向下）"),
    ("ratio na=maybe", "full/exclude（满分/不考核）"),
])
def test_misspelt_rules_get_a_suggestion(text, said):
    with pytest.raises(RuleError) as err:
        parse_rule(text)
    assert said in str(err.value)


def test_unknown_kind_lists_chinese_names():
    with pytest.raises(RuleError) as err:
        parse_rule("foo 1")
    assert "band（档次）" in str(err.value) and "veto（一票否决）" in str(err.value)


def test_chinese_commas_between_clauses_are_accepted_when_unambiguous():
    assert parse_rule("band 好=8-10，较好=6-7，一般=<6") == parse_rule("band 好=8-10; 较好=6-7; 一般=<6").model_copy(
        update={"text": "band 好=8-10，较好=6-7，一般=<6"})
    assert len(parse_rule("bonus 国家级=3、省级=2、市级=1").levels) == 3
    assert parse_rule("threshold >=1,000: 3; else: 0").clauses[0][0].lo == 1000     # a thousands comma stays
    assert parse_rule("阶梯 每=1% 扣=0.1 取整=向上").round == "up"


def test_every_rule_written_in_the_additions_docs_parses():
    """The examples an official copies from docs/rules.md "Language additions" are valid rules."""
    text = (Path(__file__).parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    section = text.split("## Language additions", 1)[1]
    names = [n for cls in KINDS for n in (cls.KIND, *cls.NAMES)]
    rules = [t for t in re.findall(r"`([^`]+)`", section) if any(t.startswith(n + " ") for n in names)]
    assert len(rules) >= 20
    for rule in rules:
        assert read_rule(rule, 10), rule


def test_condition_working_shows_rates_as_percents():
    # Inputs named as rates (增速) read as percents in the working; the 是/否 answer as typed.
    cols = [InputColumn("产值增速", np.array([0.082])), InputColumn("全市增速", np.array([0.065])),
            InputColumn("重大项目成效显著", np.array(["是"], dtype=object))]
    rule = parse_rule(CHANGXING)
    out = score_rule(rule, Decimal(35), cols, label="特色工作发展水平")
    assert rule.working(out, [0], Decimal(35), Ctx(rows=None, peers=None, groups=None)) == [
        "产值增速=8.2%，全市增速=6.5%，重大项目成效显著=是，满足「x1>x2 且 x3=是」，适用28-35分档，取上限得35分"]
