"""Every scored rule kind of the seeds, and unscored ratios: wording → maths, each edge the seeds
raise, the working.

Expected values are worked out by hand from the rule wording (the working is in the comments), never
copied from a run. Each rule is scored through the public path: a one-indicator Rubric and
engine.score.score, so blanks, problems (错误/提示) and explanations are those a user sees.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from engine.language import parse_rule
from engine.model import GradeScheme, Indicator, Rubric
from engine.rules import Ctx, InputColumn
from engine.score import Units, score, score_rule

NAN = np.nan


# --- helpers ------------------------------------------------------------------------------------

def column(values) -> np.ndarray:
    """A 数据 column as a reader hands it over: float64 when all numeric, else raw cells (object)."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float)
    return np.asarray(values, dtype=object)


def score_one(rule: str, points, *columns, name: str = "指标", groups=None):
    """Score one rule as a one-row rubric over len(columns[0]) units. Returns (IndicatorResult, Result)."""
    n = len(columns[0])
    names = tuple(f"输入{k + 1}" for k in range(len(columns)))
    ind = Indicator(path=(name,), points=None if points is None else Decimal(str(points)),
                    rule=parse_rule(rule), inputs=names)
    units = Units(np.array([f"单位{i + 1}" for i in range(n)], dtype=object),
                  np.array(groups if groups is not None else [""] * n, dtype=object),
                  {nm: column(c) for nm, c in zip(names, columns)})
    res = score(Rubric(indicators=(ind,)), units)
    return res.indicators[0], res


def scores(rule: str, points, *columns, **kw) -> list[float]:
    return score_one(rule, points, *columns, **kw)[0].score.tolist()


def assert_scores(got, expected) -> None:
    """Exact equality (2.00 is not 2.01), NaN for a blank score."""
    np.testing.assert_array_equal(np.asarray(got, dtype=float), np.asarray(expected, dtype=float))


def problems(res, severity: str = "错误") -> dict[int, str]:
    return {p.unit: p.message for p in res.problems if p.severity == severity and p.unit is not None}


def blank_with_error(ind, res, i: int) -> bool:
    """Missing or invalid input: the score is blank (never 0) and 问题 has an 错误 for the unit."""
    return bool(np.isnan(ind.score[i])) and ind.status[i] in (1, 2) and i in problems(res)


# --- band with range, discretion inside the band -------------------------------------------------

BAND_V1 = "band 好=8-10; 较好=6-7; 一般=<6"   # 000 附表1 产值增长 (10分): 8-10 / 6-7 / 6分以下 (exclusive)


def test_band_range_scores_inside_bands_are_accepted_as_given():
    # 8 ∈ [8,10]; 6 ∈ [6,7] (and not in [0,6) under the exclusive reading); 5.99 and 0 ∈ [0,6)
    ind, res = score_one(BAND_V1, 10, [8, 10, 6, 7, 5.99, 0])
    assert_scores(ind.score, [8, 10, 6, 7, 5.99, 0])
    assert not problems(res) and not problems(res, "提示")


def test_band_range_gap_between_bands_is_an_error():
    # 7.5 lies in the gap (7, 8): no band holds it → blank score and an 错误 naming the score
    ind, res = score_one(BAND_V1, 10, [7.5, 35.5 / 5])
    assert blank_with_error(ind, res, 0) and blank_with_error(ind, res, 1)
    assert "7.5" in problems(res)[0]


def test_band_range_software_four_bands_gaps():
    # 软信业 (40分): 36-40 / 32-35 / 24-31 / 24分以下; gaps (35,36) and (31,32); 24 is 一般 only
    rule = "band 好=36-40; 较好=32-35; 一般=24-31; 较差=<24"
    ind, res = score_one(rule, 40, [35.5, 31.5, 24, 23.9, 36])
    assert_scores(ind.score, [NAN, NAN, 24, 23.9, 36])
    assert blank_with_error(ind, res, 0) and blank_with_error(ind, res, 1)


def test_band_range_score_above_points_is_an_error():
    # a band score above the row's points: 11 of 10 is invalid; a negative score too
    ind, res = score_one(BAND_V1, 10, [11, -1])
    assert blank_with_error(ind, res, 0) and blank_with_error(ind, res, 1)


def test_band_range_band_reaching_above_points_is_a_rubric_error():
    # a band 8-12 in a 10-point row cannot be right: remark 错误 naming both numbers
    remarks = parse_rule("band 好=8-12; 较好=6-7; 一般=<6").remarks(Decimal(10))
    errors = [m for sev, m in remarks if sev == "错误"]
    assert errors and "12" in errors[0] and "10" in errors[0]


def test_band_range_overlap_is_a_hint_and_a_score_in_it_is_accepted():
    # 浦东 工业增加值占比 (8分): 7-8 / 5-6 / 5分及以下 → 5 is both 较大 and 一般 under every reading
    rule = "band 大=7-8; 较大=5-6; 一般=5分及以下"
    remarks = parse_rule(rule).remarks(Decimal(8))
    assert any(sev == "提示" and "重叠" in m and "5" in m for sev, m in remarks)
    assert not [m for sev, m in remarks if sev == "错误"]
    ind, res = score_one(rule, 8, [5, 4])
    assert_scores(ind.score, [5, 4])
    assert 0 in problems(res, "提示") and not problems(res)   # a 提示, not an 错误


def test_band_range_exclusive_reading_has_no_overlap_but_civil_code_reading_does():
    # bare 以下 (chosen, exclusive): 6 is 较好 only → no overlap remark;
    # 民法典 reading written as 及以下: 6 is in both → overlap remark
    assert not any("重叠" in m for _, m in parse_rule(BAND_V1).remarks(Decimal(10)))
    both = parse_rule("band 好=8-10; 较好=6-7; 一般=6分及以下").remarks(Decimal(10))
    assert any(sev == "提示" and "重叠" in m for sev, m in both)


def test_band_range_level_name_gives_top_of_band_and_pairs_are_checked():
    # a level alone → top of its band (好 → 10, 较好 → 7); '较好 7' is both and consistent;
    # '较好 8': 8 is not in 6-7 → 错误; an unknown level → 错误
    ind, res = score_one(BAND_V1, 10, ["好", "较好", "较好 7", "较好 8", "差"])
    assert_scores(ind.score[:3], [10, 7, 7])
    assert blank_with_error(ind, res, 3) and blank_with_error(ind, res, 4)


def test_band_range_pick_min_and_mid():
    # pick=min: bottom of the band (好 8, 较好 6, 一般 0 since the lowest band is open down to 0);
    # pick=mid: (8+10)/2 = 9, (6+7)/2 = 6.5
    assert_scores(scores(BAND_V1 + " pick=min", 10, ["好", "较好", "一般"]), [8, 6, 0])
    assert_scores(scores(BAND_V1 + " pick=mid", 10, ["好", "较好"]), [9, 6.5])


def test_band_range_missing_assessment_is_blank_with_error():
    ind, res = score_one(BAND_V1, 10, [None, 8])
    assert blank_with_error(ind, res, 0) and ind.score[1] == 8


def test_band_range_explanations_name_the_band():
    ind, _ = score_one(BAND_V1, 10, [6, "好"])
    assert "6" in ind.explain(0) and "较好" in ind.explain(0) and "6-7" in ind.explain(0)
    assert "好" in ind.explain(1) and "10" in ind.explain(1)


# --- point-valued or mixed bands ------------------------------------------------------------------

def test_point_bands_baoshan_point_band():
    # 宝山 group 预测监测 (5分): [4,5] ∪ {3} ∪ [0,3) → 3 is 较好 only, 3.5 in no band, 2.99 一般
    rule = "band 好=4-5; 较好=3; 一般=<3"
    ind, res = score_one(rule, 5, [3, 3.5, 2.99, 4.5, "较好"])
    assert_scores(ind.score, [3, NAN, 2.99, 4.5, 3])
    assert blank_with_error(ind, res, 1)
    assert not any("重叠" in m for _, m in parse_rule(rule).remarks(Decimal(5)))


def test_point_bands_baoshan_civil_code_reading_overlaps_at_3():
    # 民法典 reading: 3分以下 includes 3 → 3 is both 较好 and 一般 → 提示
    remarks = parse_rule("band 好=4-5; 较好=3; 一般=3分及以下").remarks(Decimal(5))
    assert any(sev == "提示" and "重叠" in m and "3" in m for sev, m in remarks)


def test_point_bands_pudong_no_overlap_and_2_5_3_5_invalid():
    # 浦东 group 预测监测 (4分): {4} ∪ {3} ∪ [0,2]; 2.5 and 3.5 are valid under no reading
    rule = "band 好=4; 较好=3; 一般=2分及以下"
    ind, res = score_one(rule, 4, [2.5, 3.5, 2, 4, 3, 0])
    assert_scores(ind.score, [NAN, NAN, 2, 4, 3, 0])
    assert blank_with_error(ind, res, 0) and blank_with_error(ind, res, 1)
    assert not any("重叠" in m for _, m in parse_rule(rule).remarks(Decimal(4)))


# --- quantitatively gated band ------------------------------------------------------------------

GATED = "band >=90% => 7-10; <90% => <=6"   # 重大产业项目引进 (10分): 90%以上 7-10, 低于90% 6分及以下


def test_gated_band_exactly_90_percent_is_the_upper_band():
    # c = 90% → [7,10] (以上 includes 90); as a fraction, as text, full-width text
    ind, res = score_one(GATED, 10, [0.9, "90%", "90％", 0.9], [7, 10, 8, 6])
    assert_scores(ind.score, [7, 10, 8, NAN])   # 6 is not in 7-10
    assert blank_with_error(ind, res, 3)


def test_gated_band_below_90_and_above_100():
    # 89.99% → [0,6]: 6 ok, 7 not; 0.5 → 0 ok; c > 100% is allowed (still [7,10]); 6.5 is in the gap
    ind, res = score_one(GATED, 10, [0.8999, 0.8999, 0.5, 1.2, 0.95], [6, 7, 0, 8, 6.5])
    assert_scores(ind.score, [6, NAN, 0, 8, NAN])
    assert blank_with_error(ind, res, 1) and blank_with_error(ind, res, 4)


def test_gated_band_missing_metric_is_blank_with_error():
    ind, res = score_one(GATED, 10, [None], [8])
    assert blank_with_error(ind, res, 0)


def test_gated_band_explanation_names_gate_and_band():
    ind, _ = score_one(GATED, 10, [0.9], [7], name="重大产业项目引进")
    text = ind.explain(0)
    assert "90%" in text and "7-10" in text and "7分" in text


# --- condition combination (encoded as a gate on the number of conditions met) --------------------

def test_condition_band_condition_combination_as_gated_band():
    # A∧B → [28,35]; exactly one → [21,27]; neither → [0,21). The metric is how many of A, B hold.
    rule = "band 2 => 28-35; 1 => 21-27; 0 => <21"
    ind, res = score_one(rule, 35, [2, 1, 1, 0, 0], [30, 27, 28, 21, 20.5])
    assert_scores(ind.score, [30, 27, NAN, NAN, 20.5])   # 28 ∉ [21,27]; 21 ∉ [0,21)
    assert blank_with_error(ind, res, 2) and blank_with_error(ind, res, 3)


# --- step deduction relative to the best unit ----------------------------------------------------

BEST_STEP = "step per=5% deduct=1 from=best round=up"   # 宽带用户下载速率 (50分)


@pytest.mark.parametrize("speed, expected", [
    (315.6, 50),       # the best unit: full points
    (314.9688, 49),    # gap 0.6312/315.6 = 0.2%  → ⌈0.04⌉ = 1 step → 49
    (299.82, 49),      # gap 15.78/315.6 = 5% exactly → 1 step (float ceil would give 2)
    (299.1888, 48),    # gap 5.2% → ⌈1.04⌉ = 2 → 48
    (284.04, 48),      # gap 10% exactly → 2 steps, an exact multiple is not rounded further
    (258.792, 46),     # gap 18% → ⌈3.6⌉ = 4 → 46
    (0, 30),           # gap 100% → 20 steps → 30, the minimum (the floor at 0 never binds)
])
def test_best_step_steps_relative_to_best(speed, expected):
    assert_scores(scores(BEST_STEP, 50, [315.6, speed])[1:], [expected])


def test_best_step_ties_at_max_all_get_full_points():
    # two units at the maximum → 50 each; 300: gap 15.6/315.6 = 4.94% → 1 step → 49
    assert_scores(scores(BEST_STEP, 50, [315.6, 315.6, 300]), [50, 50, 49])


def test_best_step_missing_own_value_blank_and_peer_ignored_for_max():
    # the blank unit is unscoreable (not 30); the best is taken over the others (315.6)
    ind, res = score_one(BEST_STEP, 50, [None, 315.6, 299.82])
    assert_scores(ind.score, [NAN, 50, 49])
    assert blank_with_error(ind, res, 0)


def test_best_step_negative_and_all_zero_speeds_are_invalid():
    ind, res = score_one(BEST_STEP, 50, [315.6, -5])
    assert ind.score[0] == 50 and blank_with_error(ind, res, 1)
    ind, res = score_one(BEST_STEP, 50, [0, 0])
    assert blank_with_error(ind, res, 0) and blank_with_error(ind, res, 1)


def test_best_step_peer_set_within_group():
    # among=group: best per group. 中心城区 best 315.6: 299.82 → 5% → 49; 郊区 best 200: 190 → 5% → 49.
    # Over all units 190 would be (315.6-190)/315.6 = 39.80% → ⌈7.96⌉ = 8 steps → 42.
    speeds, groups = [315.6, 299.82, 200, 190], ["中心城区", "中心城区", "郊区", "郊区"]
    assert_scores(scores(BEST_STEP + " among=group", 50, speeds, groups=groups), [50, 49, 50, 49])
    assert_scores(scores(BEST_STEP, 50, speeds, groups=groups), [50, 49, 42, 42])   # 200: 36.63% → 8 → 42


def test_best_step_explanation():
    ind, _ = score_one(BEST_STEP, 50, [315.6, 299.1888, 299.82], name="宽带用户下载速率")
    text = ind.explain(1)
    assert "315.6" in text and "299.1888" in text
    assert "低于最高值5.2%" in text and "按10%计扣2分" in text and "得48分" in text
    assert "低于最高值5%" in ind.explain(2) and "按5%计扣1分" in ind.explain(2) and "得49分" in ind.explain(2)
    assert "满分" in ind.explain(0)


# --- proportional ratio × weight --------------------------------------------------------------------

COVERAGE_RATIO = "ratio over=error"   # 车库覆盖 (50分): 覆盖完成小区数 / 拥有地下停车库的小区总数 × 50


def test_ratio_proportional():
    # 1/3 × 50 = 16.666… → 16.67; 140/150 × 50 = 46.666… → 46.67 (formula reading); 150/150 → 50
    assert_scores(scores(COVERAGE_RATIO, 50, [1, 140, 150], [3, 150, 150]), [16.67, 46.67, 50])


def test_ratio_zero_denominator_is_full_points():
    # d = 0 → 50: full coverage holds vacuously (nothing to cover)
    assert_scores(scores(COVERAGE_RATIO, 50, [0], [0]), [50])


def test_ratio_numerator_above_denominator_and_negatives_are_invalid():
    ind, res = score_one(COVERAGE_RATIO, 50, [151, -1, 5], [150, 150, -3])
    for i in range(3):
        assert blank_with_error(ind, res, i)


def test_ratio_explanation():
    ind, _ = score_one(COVERAGE_RATIO, 50, [1], [3], name="住宅小区地下车库移动通信网络覆盖工程完成情况")
    assert "16.67" in ind.explain(0) and "33.33%" in ind.explain(0)


# --- capped proportional with zero above 100% -------------------------------------------------------

CAPPED_RATIO = "ratio over=0 rate_dp=2"   # B12预算执行率 (2.00)


def test_capped_ratio_published_b12():
    # 87877569.18 / 93367667.77 = 94.12% → 2 × 0.9412 = 1.8824 → 1.88 (published)
    ind, _ = score_one(CAPPED_RATIO, 2, [87877569.18], [93367667.77], name="B12预算执行率")
    assert_scores(ind.score, [1.88])
    text = ind.explain(0)
    assert "预算执行率" in text and "94.12%" in text and "1.88" in text


@pytest.mark.parametrize("executed, adjusted, expected", [
    (100, 100, 2),                     # r = 100% → full
    (10001, 10000, 0),                 # 100.01% → 0 (discontinuous, not a cap)
    (93367670.77, 93367667.77, 0),     # 3 yuan over prints 100.00% but the amounts exceed → 0
    (99996, 100000, 2),                # 99.996% rounds to 100.00% and the amounts do not exceed → w × 1
])
def test_capped_ratio_cliff_at_100_percent_on_exact_amounts(executed, adjusted, expected):
    assert_scores(scores(CAPPED_RATIO, 2, [executed], [adjusted]), [expected])


def test_capped_ratio_zero_or_negative_budget_is_invalid():
    ind, res = score_one(CAPPED_RATIO, 2, [5, 0, -5], [0, 0, 100])
    for i in range(3):
        assert blank_with_error(ind, res, i)


def test_capped_ratio_explanation_for_overrun():
    ind, _ = score_one(CAPPED_RATIO, 2, [10001], [10000], name="B12预算执行率")
    assert "100.01%" in ind.explain(0) and ("0分" in ind.explain(0) or "不得分" in ind.explain(0))


# --- rate step deduction per whole 1% ---------------------------------------------------------------

B11 = "step per=1% deduct=5%w round=down zero_at=20% rate=change rate_dp=2"   # 预算调整率 (2.00)
B13 = "step per=1% deduct=10%w round=down rate_dp=2"                         # 结转结余率 (1.00)


def test_rate_step_published_b11_and_b13():
    # B11: (93367667.77 − 77011000) / 77011000 = 21.24% ≥ 20% → 0.00 (published)
    # B13: 2717710.86 / 93367667.77 = 2.91% → ⌊2.91⌋ = 2 steps × 10% × 1 = 0.2 → 0.80 (published)
    b11, _ = score_one(B11, 2, [93367667.77], [77011000], name="B11预算调整率")
    b13, _ = score_one(B13, 1, [2717710.86], [93367667.77], name="B13结转结余率")
    assert_scores(b11.score, [0])
    assert_scores(b13.score, [0.8])
    assert "预算调整率=" in b11.explain(0) and "21.24%≥20%，不得分" in b11.explain(0)
    text = b13.explain(0)
    assert "结转结余率" in text and "2.91%" in text and "扣0.2分" in text and "得0.8分" in text


@pytest.mark.parametrize("rate, expected", [
    (0, 1),            # r = 0 → full
    (0.0099, 1),       # 0.99%: no complete step → 1.00
    (0.0291, 0.8),     # 2 steps → 0.80
    (0.0999, 0.1),     # 9 steps × 10% → 0.10
    (0.10, 0),         # at the cut-off: 10 steps = 100% → 0 (扣完为止)
    (0.25, 0),         # beyond: still 0, never negative
])
def test_rate_step_b13_given_rates(rate, expected):
    assert_scores(scores(B13, 1, [rate]), [expected])


@pytest.mark.parametrize("adjusted, initial, expected", [
    (10000, 10000, 2),       # 0% → full
    (11999, 10000, 0.1),     # 19.99%: ⌊19.99⌋ = 19 steps × 5% × 2 = 1.9 → 0.10
    (12000, 10000, 0),       # exactly 20% → 0
    (10099, 10000, 2),       # 0.99% → no step
    (73160450, 77011000, 1.5),   # −5% (budget cut): |r| → 5 steps × 5% × 2 = 0.5 → 1.50
])
def test_rate_step_b11_change_rates(adjusted, initial, expected):
    assert_scores(scores(B11, 2, [adjusted], [initial]), [expected])


def test_rate_step_rate_rounded_to_hundredth_percent_before_floor():
    # 2999 / 100000 = 2.999% → 3.00% with rate_dp=2 → 3 steps → 0.70 (chosen reading)
    assert_scores(scores(B13, 1, [2999], [100000]), [0.7])


def test_rate_step_zero_denominator_is_invalid():
    ind, res = score_one(B13, 1, [5], [0])
    assert blank_with_error(ind, res, 0)
    ind, res = score_one(B11, 2, [5], [0])
    assert blank_with_error(ind, res, 0)


def test_rate_step_missing_amount_is_blank_with_error():
    ind, res = score_one(B13, 1, [None], [93367667.77])
    assert blank_with_error(ind, res, 0)


# --- ceiling compliance, all-or-nothing -------------------------------------------------------------

CEILING = "pass <=100%"


def test_ceiling_published_b14_b15():
    # B14 4464061.48 / 4629700 = 96.42% → 2.00; B15 528426.05 / 553658.77 = 95.44% → 2.00
    ind, _ = score_one(CEILING, 2, [4464061.48, 528426.05], [4629700, 553658.77], name="B14公用经费控制率")
    assert_scores(ind.score, [2, 2])
    assert "96.42%" in ind.explain(0) and "满分" in ind.explain(0)
    assert "95.44%" in ind.explain(1)


@pytest.mark.parametrize("actual, budget, expected", [
    (4629700, 4629700, 2),        # exactly 100% → full
    (4629700.23, 4629700, 0),     # 0.23 yuan over (100.000005%) → 0, compared on the amounts
    (0, 0, 2),                    # 0/0 → full
    (5, 0, 0),                    # x/0 with x > 0 → 0
])
def test_ceiling_edges(actual, budget, expected):
    assert_scores(scores(CEILING, 2, [actual], [budget]), [expected])


def test_ceiling_explanation_of_spending_without_budget_is_readable():
    ind, _ = score_one(CEILING, 2, [5], [0], name="公用经费控制率")
    text = ind.explain(0)
    assert "不得分" in text and "NaN" not in text and "nan" not in text.lower()
    assert "∞" not in text and "为0" in text and "5" in text      # budget 0, spent 5: said in words


# --- threshold table --------------------------------------------------------------------------------

E11 = "threshold >=90%: 3; >=80%: 2.5; >=70%: 2; >=60%: 1.5; >=50%: 1; else: 0"


@pytest.mark.parametrize("value, expected", [
    (1.0, 3), (0.9, 3),          # 90以上 → 3 (includes 90)
    (0.8999, 2.5), (0.8, 2.5),   # shared boundary 80 goes to the higher band
    (0.7, 2), (0.6, 1.5),        # 70 → 2, 60 → 1.5
    (0.5, 1),                    # 50 → 1 (低于50%不得分)
    (0.4999, 0), (0, 0),         # below 50 → 0
    ("90%", 3), ("90％", 3), ("49.99%", 0),
])
def test_threshold_boundaries(value, expected):
    assert_scores(scores(E11, 3, [value]), [expected])


def test_threshold_missing_value_is_blank_not_zero():
    # seed E11's 业绩值 is empty: unscoreable, 错误, never 0
    ind, res = score_one(E11, 3, [None, ""])
    assert blank_with_error(ind, res, 0) and blank_with_error(ind, res, 1)


def test_threshold_satisfaction_outside_0_100_is_invalid():
    # a satisfaction rate > 100% or < 0 cannot be: invalid
    ind, res = score_one(E11, 3, [1.2, -0.1])
    assert blank_with_error(ind, res, 0) and blank_with_error(ind, res, 1)


def test_threshold_explanation():
    ind, _ = score_one(E11, 3, [0.9, 0.85], name="E11企业服务对象满意度")
    assert "企业服务对象满意度=90%" in ind.explain(0) and "得3分" in ind.explain(0)
    assert "85%" in ind.explain(1) and "2.5" in ind.explain(1)


# --- per-incident deduction, floor at zero ----------------------------------------------------------

def test_incident_deduct_fixed_deduction_floor_at_zero():
    # 5 × 0.5 = 2.5 ≥ 2 → 0, never negative; 3 × 0.5 → 0.5; none → full
    ind, _ = score_one("deduct each=0.5", 2, [5, 3, 0])
    assert_scores(ind.score, [0, 0.5, 2])
    assert "扣完为止" in ind.explain(0)


def test_incident_deduct_negative_or_fractional_count_is_invalid():
    ind, res = score_one("deduct each=0.5", 2, [-1, 1.5, None])
    for i in range(3):
        assert blank_with_error(ind, res, i)


DEDUCT_RANGE = "deduct each=0.1-0.5"   # C13 时效性 (2.00): 每例扣减0.1-0.5分


def test_incident_deduct_range_with_assessor_total():
    # 0 incidents → 2.00 (no total needed); 3 incidents, total 0.3 (= 3×0.1) → 1.70;
    # total 1.5 (= 3×0.5) → 0.50; 5 incidents total 2.5 → 0 (扣完即止)
    ind, _ = score_one(DEDUCT_RANGE, 2, [0, 3, 3, 5], [None, 0.3, 1.5, 2.5])
    assert_scores(ind.score, [2, 1.7, 0.5, 0])


def test_incident_deduct_range_total_outside_count_times_range_is_invalid():
    # 3 incidents allow 0.3..1.5: 0.2 and 1.6 are outside; 1 incident of 0.6 is invalid (each incident costs 0.1–0.5)
    ind, res = score_one(DEDUCT_RANGE, 2, [3, 3, 1], [0.2, 1.6, 0.6])
    for i in range(3):
        assert blank_with_error(ind, res, i)
    # the message states the allowed range as an evaluator writes it
    assert "0.3-1.5" in problems(res)[0] and "0.3000" not in problems(res)[0]


def test_incident_deduct_range_incidents_without_total_is_missing():
    ind, res = score_one(DEDUCT_RANGE, 2, [3], [None])
    assert blank_with_error(ind, res, 0)


# --- checklist of equal shares ----------------------------------------------------------------------

def test_checklist_round_only_at_row_level():
    # 3 of 3 met, points 2: 2 × 3/3 = 2.00 (not 3 × 0.67 = 2.01); as a count and as three 是
    assert_scores(scores("check n=3", 2, [3]), [2.0])
    assert_scores(scores("check n=3", 2, ["是"], ["是"], ["是"]), [2.0])


def test_checklist_one_failed_third():
    # 2 of 3 met: 2 × 2/3 = 1.333… → 1.33; as 是/是/否 too
    assert_scores(scores("check n=3", 2, [2]), [1.33])
    assert_scores(scores("check n=3", 2, ["是"], ["是"], ["否"]), [1.33])


def test_checklist_assessor_score_checked_against_met_share():
    # A22: 2 of 3 met, evaluator 1.50 ∈ [1.33, 2.00) → 1.50 (published); 1.33 ok;
    # 2.00 with a failed point is not allowed (range open at w), 1.2 < 1.33 neither; 3 met must be 2.00
    ind, res = score_one("check n=3", 2, [2, 2, 2, 2, 3, 3], [1.5, 1.33, 2, 1.2, 2, 1.9])
    assert_scores(ind.score, [1.5, 1.33, NAN, NAN, 2, NAN])
    for i in (2, 3, 5):
        assert blank_with_error(ind, res, i)


def test_checklist_count_outside_0_n_is_invalid():
    ind, res = score_one("check n=3", 2, [4, 1.5, -1, None])
    for i in range(4):
        assert blank_with_error(ind, res, i)


def test_checklist_explanation():
    ind, _ = score_one("check n=3", 2, [2, 2], [None, 1.5])
    assert "2/3" in ind.explain(0) and "1.33" in ind.explain(0)
    assert "1.33" in ind.explain(1) and "1.5" in ind.explain(1)


# --- strict binary checklist --------------------------------------------------------------------

def test_strict_checklist_one_point_missed_is_exactly_half():
    # B16 (1.00): 2 points, one missed → 1 × 1/2 = 0.50; both → 1.00; none → 0
    assert_scores(scores("check n=2", 1, ["是", "是", "否"], ["否", "是", "否"]), [0.5, 1, 0])


def test_strict_checklist_missing_answer_is_blank_with_error():
    ind, res = score_one("check n=2", 1, ["是"], [None])
    assert blank_with_error(ind, res, 0)


# --- numeric targets inside a checklist -------------------------------------------------------------

def test_checklist_targets_published_d11():
    # D11 (6): ① 3.2% < 5% not met; ② 8600 ≥ 8500 and 7.5% ≥ 6% met → 6 × 1/2 = 3.00 (published)
    ind, _ = score_one("check >=5%; >=8500 & >=6%", 6, [0.032], [8600], [0.075], name="D11区域经济发展")
    assert_scores(ind.score, [3])
    text = ind.explain(0)
    assert "未达成" in text and "1/2" in text and "3分" in text
    assert "3.2%" in text   # a rate is shown as the evaluator writes it (业绩值 "增长3.2%")


def test_checklist_targets_strict_and_inclusive_targets():
    # 超4家: exactly 4 → not met, 5 → met; 达到5%: "5.0%" → met; 4.99% → not met
    assert_scores(scores("check 超4; 达到5%", 2, [4, 5, 5], ["5.0%", "5.0%", 0.0499]), [1, 2, 1])


def test_checklist_targets_compound_point_needs_both_conditions():
    # ② 8500亿元 and 6%以上: 8400 with 7% fails, 8500 with 5.99% fails, 8500 with 6% holds
    rule = "check >=5%; >=8500 & >=6%"
    assert_scores(scores(rule, 6, [0.05, 0.05, 0.05], [8400, 8500, 8500], [0.07, 0.0599, 0.06]), [3, 3, 6])


def test_checklist_targets_pass_forms():
    # pass >4 / pass >=15 (C42): 4 → 0, 5 → full; 15 → full, 14.99 → 0
    assert_scores(scores("pass >4", 1, [4, 5]), [0, 1])
    assert_scores(scores("pass >=15", 1, [15, 14.99]), [1, 0])
    assert_scores(scores("pass 是", 1, ["是", "否"]), [1, 0])


# --- qualitative full-or-discretion -----------------------------------------------------------------

def test_judgement_manual_checked_in_range():
    # A11 (2): 2 → full; 1.5 accepted; 2.01 and −0.1 outside 0..2 → 错误; 是 → full; blank → 错误
    ind, res = score_one("manual", 2, [2, 1.5, 2.01, -0.1, "是", None])
    assert_scores(ind.score, [2, 1.5, NAN, NAN, 2, NAN])
    for i in (2, 3, 5):
        assert blank_with_error(ind, res, i)


# --- additive aggregation and grade -----------------------------------------------------------------

@pytest.mark.parametrize("total, grade", [
    (100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差"),
])
def test_aggregation_grade_boundaries(total, grade):
    # 财预〔2020〕10号: 90（含）-100 优, 80（含）-90 良, 60（含）-80 中, 60以下 差
    assert GradeScheme.parse("优>=90; 良>=80; 中>=60; 差").grade(np.array([total]))[0] == grade


def test_aggregation_total_is_sum_of_rounded_rows():
    # three rows of 1 point at 1/3 each: each row 0.333… → 0.33, total 0.99 (not round(1.00))
    rule = parse_rule("ratio")
    inds = tuple(Indicator(path=("合计", f"指标{k}"), points=Decimal(1), rule=rule, inputs=(f"a{k}", f"b{k}"))
                 for k in range(3))
    cols = {f"a{k}": np.array([1.0]) for k in range(3)} | {f"b{k}": np.array([3.0]) for k in range(3)}
    res = score(Rubric(indicators=inds), Units(np.array(["单位"], dtype=object), np.array([""], dtype=object), cols))
    assert [ind.score[0] for ind in res.indicators] == [0.33, 0.33, 0.33]
    assert res.total[0] == 0.99


# --- ratios without points --------------------------------------------------------------------------

def info(*columns, name: str = "指标"):
    """The info rule on its own (score_rule): (value per unit, working per unit)."""
    cols = [InputColumn(f"输入{k + 1}", column(c)) for k, c in enumerate(columns)]
    rule = parse_rule("info")
    out = score_rule(rule, None, cols, label=name)
    n = len(cols[0])
    ctx = Ctx(rows=np.ones(n, bool), peers=np.ones(n, bool), groups=np.full(n, "", dtype=object), label=name)
    return out.value, [rule.explain(out, i, None, ctx) for i in range(n)]


def test_info_plain_and_pooled_quotient():
    # item 15 pooled: (90 + 800) / (100 + 900) = 890/1000 = 0.89, not the mean of 0.9 and 0.8889;
    # item 11 上云率 may exceed 100% (120/100 = 1.2); item 20 intensity GDP/人 is unbounded (5000/20 = 250)
    value, working = info([890, 120, 5000], [1000, 100, 20], name="师生网络学习空间覆盖率")
    np.testing.assert_array_equal(value, [0.89, 1.2, 250])
    assert "89%" in working[0] and "不计分" in working[0]


def test_info_zero_denominator_is_undefined_not_0_or_100():
    value, working = info([0, 5], [0, 0])
    assert np.isnan(value).all()
    assert "0%" not in working[0] and "100%" not in working[0]


def test_info_rubric_of_only_unscored_rates_scores():
    # seed 004 is all unscored ratios and yes/no indicators: a rubric with no scored row still yields its values (and no total)
    inds = (Indicator(path=("光纤到户覆盖率",), rule=parse_rule("info"), inputs=("a", "b")),)
    units = Units(np.array(["园区"], dtype=object), np.array([""], dtype=object),
                  {"a": np.array([450.0]), "b": np.array([500.0])})
    res = score(Rubric(indicators=inds), units)
    assert res.indicator("光纤到户覆盖率").value[0] == 0.9


def test_info_info_never_counts_towards_totals():
    inds = (Indicator(path=("得分",), points=Decimal(2), rule=parse_rule("manual"), inputs=("评定",)),
            Indicator(path=("覆盖率",), rule=parse_rule("info"), inputs=("a", "b")))
    units = Units(np.array(["单位"], dtype=object), np.array([""], dtype=object),
                  {"评定": np.array([1.5]), "a": np.array([9.0]), "b": np.array([10.0])})
    res = score(Rubric(indicators=inds), units)
    assert res.total[0] == 1.5 and res.indicator("覆盖率").value[0] == 0.9


def test_value_rule_takes_the_input():
    # seed 003 style: a given sub-index is the indicator's value; blank → 错误
    ind, res = score_one("value", None, [119.44, None])
    assert ind.score[0] == 119.44 and blank_with_error(ind, res, 1)


def test_relative_to_best_and_benchmark():
    # to=max: 10 × 24.097/30 = 8.0323 → 8.03; to=24.097: 12.0485 → 10 × 0.5 = 5; 30 → capped at 10
    assert_scores(scores("relative to=max", 10, [24.097, 30]), [8.03, 10])
    assert_scores(scores("relative to=24.097", 10, [12.0485, 30]), [5, 10])


# --- section 1: floating-point traps ----------------------------------------------------------------

def test_trap_5_percent_of_315_6_is_one_step():
    # 15.78/315.6 is 5.000000000000009% in binary: a float ceil gives 2 steps (48); exactly 1 → 49
    assert_scores(scores("step per=5% deduct=1 round=up", 50, [15.78], [315.6]), [49])


def test_trap_7_percent_with_per_1_percent():
    # 864197.46/12345678 = 7% exactly (6.999999999999999% in binary):
    # B13 style ⌊7⌋ = 7 steps × 10% → 0.30 (a float floor gives 6 → 0.40); 达到7% is met
    assert_scores(scores("step per=1% deduct=10%w round=down", 1, [864197.46], [12345678]), [0.3])
    assert_scores(scores("pass >=7%", 1, [864197.46], [12345678]), [1])
    assert_scores(scores("threshold >=7%: 1; else: 0", 1, [864197.46], [12345678]), [1])


def test_half_up_rounding_of_scores():
    # 2 × 0.5625 = 1.125 → 1.13 half-up (Python's round would give 1.12)
    assert_scores(scores("ratio", 2, [0.5625]), [1.13])


def test_relative_to_a_benchmark_with_a_zero_denominator_is_an_error_alone_or_in_a_column():
    # 0 ÷ 0 has no value to compare with 24.097: blank with an 错误, the same for one unit and for 20
    for n in (1, 20):
        ind, res = score_one("relative to=24.097", 10, [0.0] * n, [0.0] * n)
        assert all(blank_with_error(ind, res, i) for i in range(n))


def test_step_on_a_rate_with_a_zero_denominator_still_explains_every_unit():
    """A unit whose denominator is 0 gets an 错误 and a blank score; the working of every other
    unit is still written (a zero used to stop the whole 评分过程 on its infinite step count)."""
    ind, res = score_one("step per=1% deduct=0.5 cap=2 rate_dp=2", 4, [3.0, 30.0, 0.5], [100.0, 0.0, 100.0])
    assert_scores(ind.score, [2.5, np.nan, 4])
    assert [row[5] for row in res.working()] == ["指标=3÷100=3%，每1%扣0.5分，计3档扣1.5分，得2.5分",
                                                 "「输入2」为0，无法计算比率", "指标=0.5÷100=0.5%，未满一档，得满分"]
    assert [row[4] for row in res.working()] == [2.5, None, 4.0]


def test_threshold_table_in_whole_percents_says_where_rates_fall_between_its_bands():
    # 100% → 5, 80%-99% → 3, <80% → 1: 99.5% lies in no band (blank with an 错误, never a guess);
    # the rubric check names the gap. A table with 其他, or bands that meet, has none.
    rule = parse_rule("threshold 100%: 5; 80%-99%: 3; <80%: 1")
    assert [str(g) for g in rule.gaps()] == ["(99%,100%)"]
    assert any("(99%,100%)" in m and "99.5%" in m for sev, m in rule.remarks(Decimal(5)) if sev == "提示")
    out = score_rule(rule, Decimal(5), [InputColumn("开工率", np.array([1.0, 0.995, 0.99, 0.8, 0.79]))])
    assert out.score[[0, 2, 3, 4]].tolist() == [5, 3, 3, 1] and np.isnan(out.score[1])
    assert [str(g) for g in parse_rule("threshold <90%: 1; >90%: 2").gaps()] == ["90%"]
    assert parse_rule("threshold >=95%: 5; 90%-95%: 3; <90%: 0").gaps() == []
    assert parse_rule("threshold >=90%: 3; 80%-89%: 2; else: 0").gaps() == []
