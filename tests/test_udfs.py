"""The worksheet functions called directly, as xlwings calls them without a licence (identity
decorators: the Python values its converters would produce).

Expected values are worked out by hand from the rule wording of the seeds (the working is in the
comments). Shapes: a single cell gives a value; a range (xlwings ``ndim=2``: a list of rows) gives
a list of rows of the same shape.
"""
from __future__ import annotations

import numpy as np
import pytest

import udfs
from udfs import core

BANDS = "好=8-10; 较好=6-7; 一般=<6"            # seed 000 附表1 产值增长 (10分)
THRESHOLDS = ">=90%: 3; >=80%: 2.5; >=70%: 2; >=60%: 1.5; >=50%: 1; else: 0"   # 001 E11 满意度 (3分)
BEST_STEP = "step per=5% deduct=1 from=best round=up"    # 000 宽带用户下载速率 (50分)
B13 = "step per=1% deduct=10%w round=down rate_dp=2"                  # 001 结转结余率 (1分)
B11 = "step per=1% deduct=5%w round=down zero_at=20% rate=change rate_dp=2"   # 001 预算调整率 (2分)


def col(*values) -> list[list]:
    """A one-column range as xlwings passes it with ndim=2."""
    return [[v] for v in values]


def is_arg_error(result, arg: str) -> bool:
    return isinstance(result, str) and result.startswith(f"#参数错误: {arg}")


# --- STEP_SCORE (below the best unit, per 1% of a rate) -----------------------------------------------------------------------

def test_step_score_single_cell_exact_multiple():
    # (315.6 − 299.82) / 315.6 = 15.78 / 315.6 = 5% exactly → one started 5% step → 50 − 1 = 49
    # (a float ceil of 5.000000000000009% would take 2 steps).
    assert udfs.STEP_SCORE(299.82, 315.6, 50, 0.05, 1, "up") == 49
    assert udfs.STEP_SCORE(299.82, 315.6, 50, "5%", 1, "up") == 49      # percent typed as text


def test_step_score_column_against_the_best_of_the_range():
    # best = 315.6; 299.82: gap 5% → 49; 284.04: gap 31.56/315.6 = 10% → 2 steps → 48;
    # 310: gap 5.6/315.6 = 1.77% → a started step → 49; 0: gap 100% → 20 steps → 30;
    # blank → blank (not 0); text → its reason, and the other cells are still scored.
    got = udfs.STEP_SCORE(col(315.6, 299.82, 284.04, 310, None, 0, "abc"), None, 50, 0.05, 1, "up")
    assert got[:6] == col(50, 49, 48, 49, "", 30)
    assert "不是数值" in got[6][0] and "abc" in got[6][0]


def test_step_score_rounding_down_is_the_default():
    # rule language default round=down: 310 is 1.77% below 315.6 → no whole 5% step → 50
    assert udfs.STEP_SCORE(310, 315.6, 50, 0.05, 1) == 50
    assert udfs.STEP_SCORE(310, 315.6, 50, 0.05, 1, "up") == 49


@pytest.mark.parametrize("args, arg", [
    ((299.82, 315.6, 50, "abc", 1, "up"), "per"),
    ((299.82, 315.6, 50, 0.05, "x", "up"), "deduct"),
    ((299.82, "zz", 50, 0.05, 1, "up"), "reference"),
    ((299.82, 315.6, 50, 0.05, 1, "sideways"), "rounding"),
    ((299.82, 315.6, None, 0.05, 1, "up"), "points"),
    ((299.82, 315.6, "十", 0.05, 1, "up"), "points"),
    ((299.82, 315.6, 50, None, 1, "up"), "per"),
    ((299.82, 315.6, 50, 0.05, None, "up"), "deduct"),
    ((299.82, 315.6, col(50, 40), 0.05, 1, "up"), "points"),
])
def test_step_score_bad_arguments_name_the_argument(args, arg):
    assert is_arg_error(udfs.STEP_SCORE(*args), arg)


# --- BAND_SCORE (ranges and points) -----------------------------------------------------------------------

def test_band_score_levels_take_the_top_of_their_band():
    # 好 → 10, 较好 → 7; 一般 = <6 with whole-number bounds → the top is 5.
    assert udfs.BAND_SCORE(col("好", "较好", "一般"), BANDS) == col(10, 7, 5)
    # pick=min: 8, 6, 0 (the open-down band starts at 0); pick=mid: 9, 6.5, (0+5)/2 = 2.5
    assert udfs.BAND_SCORE(col("好", "较好", "一般"), BANDS, "min") == col(8, 6, 0)
    assert udfs.BAND_SCORE(col("好", "较好", "一般"), BANDS, "mid") == col(9, 6.5, 2.5)
    assert udfs.BAND_SCORE("好", BANDS, "下限") == 8                  # Chinese pick word


def test_band_score_checks_assessor_scores():
    got = udfs.BAND_SCORE(col(7, 6, "较好 7", "好 7", 7.5, 11, None, "差"), BANDS)
    assert got[:3] == col(7, 6, 7)         # 6 is 较好 only under the exclusive reading of <6
    assert "不在「好」档" in got[3][0]       # named level and score disagree
    assert "不在任何档次内" in got[4][0]     # 7.5 lies in the gap (7, 8)
    assert "不在任何档次内" in got[5][0]     # above every band
    assert got[6] == [""]                  # blank input → blank result
    assert "不是档次名称" in got[7][0]


def test_band_score_bands_from_a_range_with_a_header():
    table = [["档次", "下限", "上限"], ["好", 8, 10], ["较好", 6, 7], ["一般", None, 5]]
    # 一般 = min blank, max 5 → <=5 → its top is 5, as <6 gives in the text form.
    assert udfs.BAND_SCORE(col("好", "较好", "一般", 5, 6), table) == col(10, 7, 5, 5, 6)
    two_columns = [["好", "8-10"], ["较好", "6-7"], ["一般", "<6"]]
    assert udfs.BAND_SCORE(col("好", "一般"), two_columns) == col(10, 5)


def test_band_score_errors_point_at_the_clause_or_row():
    assert udfs.BAND_SCORE(7, "好=8-10; 较好=6-; 一般=<6") == "#参数错误: bands 第2段: 缺少上限"
    bad_row = [["档次", "下限", "上限"], ["好", 8, 10], ["较好", "x", 7]]
    assert udfs.BAND_SCORE(7, bad_row).startswith("#参数错误: bands 第3行")
    assert is_arg_error(udfs.BAND_SCORE(7, [["好", None, None]]), "bands")
    assert is_arg_error(udfs.BAND_SCORE(7, None), "bands")
    assert is_arg_error(udfs.BAND_SCORE("好", BANDS, "highest"), "pick")


def test_band_score_text_column_matches_cell_by_cell():
    """A level column is scored once per distinct level; each cell must equal its own call."""
    cells = ["好", "较好", "一般", None, "差", "较好 7", "好 7", " 好 "] * 25
    column = udfs.BAND_SCORE(col(*cells), BANDS)
    assert [row[0] for row in column] == [udfs.BAND_SCORE(c, BANDS) for c in cells]


# --- RATIO_SCORE (proportional, 0 above 100%) ----------------------------------------------------------------------

def test_ratio_score_seed_values():
    # B12 预算执行率, 0 above 100%: 87877569.18 ÷ 93367667.77 = 94.12% → 2 × 94.12% = 1.8824 → 1.88 (as published)
    assert udfs.RATIO_SCORE(87877569.18, 93367667.77, 2, 0) == 1.88
    # proportional: 1/3 × 50 = 16.666… → 16.67; 140/150 × 50 = 46.666… → 46.67; 0/0 → full (vacuous)
    assert udfs.RATIO_SCORE(col(1, 140, 0), col(3, 150, 0), 50) == col(16.67, 46.67, 50)
    # above 100%: full points by default, 0 with over=0
    assert udfs.RATIO_SCORE(101, 100, 2) == 2
    assert udfs.RATIO_SCORE(101, 100, 2, 0) == 0


def test_ratio_score_single_denominator_stretches_over_the_column():
    assert udfs.RATIO_SCORE(col(5, 10, None), 10, 4) == col(2, 4, "")


def test_ratio_score_invalid_cells_and_shapes():
    got = udfs.RATIO_SCORE(col(1, -1), col(0, 10), 2, 0)
    assert "为0" in got[0][0] and "负数" in got[1][0]
    assert is_arg_error(udfs.RATIO_SCORE(col(1, 2), col(1, 2, 3), 2), "numerator")
    assert is_arg_error(udfs.RATIO_SCORE(1, 2, 2, "half"), "over")


# --- THRESHOLD_SCORE ---------------------------------------------------------------------

def test_threshold_score_boundaries():
    # ≥90 → 3 (90 included); 89.99 → 2.5; 80 → 2.5 (shared bound to the higher band);
    # 50 → 1 (低于50%不得分); 49.99 → 0; blank → blank
    got = udfs.THRESHOLD_SCORE(col(0.9, 0.8999, 0.8, 0.5, 0.4999, None), THRESHOLDS)
    assert got == col(3, 2.5, 2.5, 1, 0, "")


def test_threshold_score_table_range_of_numbers_is_a_threshold_table():
    # number conditions mean "≥ it" and the highest one met wins, in any row order
    table = [["条件", "分数"], [0.8, 2.5], [0.9, 3], [0.5, 1], ["else", 0]]
    assert udfs.THRESHOLD_SCORE(col(0.95, 0.85, 0.6, 0.1), table) == col(3, 2.5, 1, 0)


def test_threshold_score_without_else_reports_the_value():
    got = udfs.THRESHOLD_SCORE(col(0.95, 0.1), ">=90%: 3")
    assert got[0] == [3] and "不满足任何区间" in got[1][0]
    assert is_arg_error(udfs.THRESHOLD_SCORE(0.5, ">=90%: ; else: 0"), "table 第1段")


# --- RULE_SCORE / RULE_EXPLAIN -----------------------------------------------------------------

def test_rule_score_nanjing_rows():
    # B13: 2717710.86 ÷ 93367667.77 = 2.91% → ⌊2.91⌋ = 2 steps × 10% × 1 = 0.2 → 0.8 (published)
    assert udfs.RULE_SCORE(B13, 1, 2717710.86, 93367667.77) == 0.8
    # B11: (93367667.77 − 77011000) ÷ 77011000 = 21.24% ≥ 20% → 0 (published 不得分)
    assert udfs.RULE_SCORE(B11, 2, 93367667.77, 77011000) == 0
    # B14 ceiling: 4464061.48 ÷ 4629700 = 96.42% ≤ 100% → 2
    assert udfs.RULE_SCORE("pass <=100%", 2, 4464061.48, 4629700) == 2
    # checklist of equal shares: one failed third of 2.00 → 2 × 2/3 = 1.333… → 1.33
    assert udfs.RULE_SCORE("check n=3", 2, 2) == 1.33
    # per-incident deduction: five incidents at 0.5 off 2.00 → 0, never negative (扣完即止)
    assert udfs.RULE_SCORE("deduct each=0.5", 2, 5) == 0


def test_rule_score_two_input_columns_and_stretching():
    # band gated by a metric: ≥90% → 7-10, <90% → ≤6; the assessor's score is checked against the band
    got = udfs.RULE_SCORE("band >=90% => 7-10; <90% => <=6", 10, col(0.95, 0.8, 0.95), col(8, 6, 5))
    assert got[:2] == col(8, 6) and "不在" in got[2][0]
    # a 2-D range: one result per cell, shape kept; one denominator cell for all
    assert udfs.RULE_SCORE("ratio", 2, [[1, 2], [3, 4]], 4) == [[0.5, 1.0], [1.5, 2.0]]


def test_rule_explain_gives_the_working():
    text = udfs.RULE_EXPLAIN(B13, 1, 2717710.86, 93367667.77)
    assert "2.91%" in text and "2档" in text and "0.8分" in text
    text = udfs.RULE_EXPLAIN("ratio over=0 rate_dp=2", 2, 87877569.18, 93367667.77)
    assert "94.12%" in text and "1.88分" in text
    got = udfs.RULE_EXPLAIN(BEST_STEP, 50, col(299.82, 315.6, None, "abc"))
    assert "低于最高值5%" in got[0][0] and "得49分" in got[0][0]
    assert "得满分" in got[1][0]
    assert got[2] == [""] and "不是数值" in got[3][0]


def test_rule_score_info_needs_no_points():
    assert udfs.RULE_SCORE("info", None, 1, 4) == 0.25


@pytest.mark.parametrize("args, arg", [
    (("bogus", 2, 1), "rule"),
    ((None, 2, 1), "rule"),
    (("threshold >=90%: 3; >=80%: ", 3, 1), "rule 第2段"),
    (("ratio", None, 1), "points"),
    (("ratio", 2, 1, 2, 3), "input3"),
    (("check n=2 >=1; >=2", 2, 1), "input2"),
    (("ratio", 2, col(1, 2), col(1, 2, 3)), "input1"),
])
def test_rule_score_bad_arguments(args, arg):
    assert is_arg_error(udfs.RULE_SCORE(*args), arg)
    assert is_arg_error(udfs.RULE_EXPLAIN(*args), arg)


# --- GRADE, GROUP_RANK, COMPOSITE_INDEX ------------------------------------------------------

def test_grade_default_scheme_edges():
    # grades on the total: 90.00 → 优; 89.99 → 良; 80 → 良; 60 → 中; 59.99 → 差; Nanjing 93.98 → 优
    got = udfs.GRADE(col(90, 89.99, 80, 60, 59.99, 93.98, None, "x"))
    assert got[:7] == col("优", "良", "良", "中", "差", "优", "")
    assert "不是数值" in got[7][0]
    assert udfs.GRADE(93.98, "A>=95; B>=90; C") == "B"
    assert is_arg_error(udfs.GRADE(93.98, "A>=95%; B"), "scheme")       # no full points known
    assert is_arg_error(udfs.GRADE(93.98, "A; B>=90"), "scheme")


def test_group_rank_competition_within_groups():
    values = col(90, 95, 90, 80, 85, None)
    groups = col("中心城区", "中心城区", "中心城区", "郊区", "郊区", "郊区")
    # 中心城区: 95 → 1, 90 and 90 tie → 2, 2; 郊区: 85 → 1, 80 → 2; blank → blank
    assert udfs.GROUP_RANK(values, groups) == col(2, 1, 2, 2, 1, "")
    # all together, highest first: 95 1, 90 2, 90 2, 85 4, 80 5 (1,1,3 style ties)
    assert udfs.GROUP_RANK(values) == col(2, 1, 2, 5, 4, "")
    # order 1 = ascending like RANK.EQ(…, 1): 80 1, 85 2, 90 3, 90 3, 95 5
    assert udfs.GROUP_RANK(values, None, 1) == col(3, 5, 3, 1, 2, "")


def test_group_rank_ties_survive_float_noise_and_blank_groups_are_unranked():
    # 0.1 + 0.2 is 0.30000000000000004 in binary: the same score as 0.3 on the sheet
    assert udfs.GROUP_RANK(col(0.1 + 0.2, 0.3, 0.2)) == col(1, 1, 3)
    assert udfs.GROUP_RANK(col(1, 2), col("a", None)) == col(1, "")
    assert is_arg_error(udfs.GROUP_RANK(col(1, 2), None, 2), "order")
    assert is_arg_error(udfs.GROUP_RANK(col(1, 2), col("a", "b", "c")), "groups")


def test_composite_index_weighted_mean_times_coefficient():
    # (100×2 + 80×1 + 90×1) / 4 = 92.5; × 0.98 = 90.65. Weights renormalise: 2,1,1 = 50%,25%,25%.
    assert udfs.COMPOSITE_INDEX([[100, 80, 90]], [[2, 1, 1]], 0.98) == 90.65
    assert udfs.COMPOSITE_INDEX([[100, 80, 90]], [[0.5, 0.25, 0.25]], 0.98) == 90.65
    # blank weights: equal → (100 + 80 + 90) / 3 = 90; one unit laid down a column works too
    assert udfs.COMPOSITE_INDEX([[100, 80, 90]], [[None, None, None]]) == 90
    assert udfs.COMPOSITE_INDEX(col(100, 80, 90), col(2, 1, 1)) == 92.5


def test_composite_index_one_result_per_row():
    values = [[100, 80], [90, None], [None, None], [1, "x"], [60, 60]]
    got = udfs.COMPOSITE_INDEX(values, [[3, 1]], col(1, 1, 1, 1, 0.5))
    # row 1: (300 + 80) / 4 = 95; row 5: 60 × 0.5 = 30; a missing value is never taken as 0
    assert got[0] == [95] and got[4] == [30]
    assert "缺少第2项" in got[1][0] and got[2] == [""] and "不是数值" in got[3][0]
    assert is_arg_error(udfs.COMPOSITE_INDEX(values, [[1, 2, 3]]), "weights")
    assert is_arg_error(udfs.COMPOSITE_INDEX([[1, 2]], [[1, -1]]), "weights")
    assert is_arg_error(udfs.COMPOSITE_INDEX([[1, 2]], [[0, 0]]), "weights")
    assert is_arg_error(udfs.COMPOSITE_INDEX(values, [[3, 1]], col(1, 1)), "coefficient")


# --- shapes, blanks, robustness --------------------------------------------------------------

@pytest.mark.parametrize("rating, expected", [
    ("好", 10),                                   # a bare value: one cell
    ([["好"]], 10),                               # a 1×1 range (ndim=2): still one cell
    (["好", "较好"], col(10, 7)),                 # a flat list reads as a column
    ([["好", "较好"], [6, None]], [[10, 7], [6, ""]]),   # 2-D range keeps its shape
    (np.array([["好"], ["一般"]], dtype=object), col(10, 5)),
    (None, ""),                                   # a blank cell
])
def test_shapes(rating, expected):
    assert udfs.BAND_SCORE(rating, BANDS) == expected


def test_ragged_or_empty_ranges_are_argument_errors():
    assert is_arg_error(udfs.BAND_SCORE([[1, 2], [3]], BANDS), "rating")
    assert is_arg_error(udfs.BAND_SCORE([], BANDS), "rating")
    assert is_arg_error(udfs.BAND_SCORE([[1], 3], BANDS), "rating")
    assert is_arg_error(udfs.BAND_SCORE([1, [3]], BANDS), "rating")


def test_one_engine_call_per_column(monkeypatch):
    calls = []
    real = core.score_rule
    monkeypatch.setattr(core, "score_rule", lambda *a, **k: calls.append(1) or real(*a, **k))
    got = udfs.RULE_SCORE("threshold " + THRESHOLDS, 3, col(*np.linspace(0, 1, 1000).tolist()))
    assert len(got) == 1000 and calls == [1]


def test_unforeseen_failures_show_in_the_cell_not_as_a_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(core, "score_rule", broken)
    core.ratio_score.memo.clear()
    assert udfs.RATIO_SCORE(1, 2, 3.5).startswith("#计算错误: RuntimeError: boom")


def test_memo_keeps_types_apart():
    # manual: 是/TRUE means full points, 1.0 is a score of 1 — True == 1.0 in Python, not here
    assert udfs.RULE_SCORE("manual", 2, True) == 2
    assert udfs.RULE_SCORE("manual", 2, 1.0) == 1
    assert udfs.RULE_SCORE("manual", 2, True) == 2
