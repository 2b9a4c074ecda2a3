"""Indices with gaps: 缺失值 (skip and renormalise, 最少数据, 按比例折算), 插补, 异常值 and constant
indicators, through the engine and through real .xlsx files read back with openpyxl.

Every expected number is worked out by hand in the comments: weighted means over the children
present, group means of the values given, Excel SKEW/KURT sums written out term by term.
"""
from __future__ import annotations

import math
import shutil
from fractions import Fraction

import numpy as np
import openpyxl
import pytest

from engine.aggregate import TOO_FEW_CHILDREN, Tree, aggregate
from engine.impute import impute
from engine.outliers import kurtosis, skewness, treat
from engine.sensitivity import rank_sensitivity
from tests.test_indices_workbooks import SAMPLE_DIR, by_unit, problems, rescore, settings
from tests.test_workbooks_libreoffice import SOFFICE, soffice
from tests.test_workbooks_reading import sheet_rows, write_book

NAN = float("nan")

# Two levels of weighted means: 经济 (权重 2) = a (1), b (3); 社会 (权重 1) = c (1), d (1).
TWO_LEVELS = [
    ["一级指标", "二级指标", "权重", "规则", "输入"],
    ["经济", None, 2, None, None],
    [None, "a", 1, "value", "a"],
    [None, "b", 3, "value", "b"],
    ["社会", None, 1, None, None],
    [None, "c", 1, "value", "c"],
    [None, "d", 1, "value", "d"],
]
TWO_LEVEL_DATA = [
    ["单位", "a", "b", "c", "d"],
    ["甲", 80, None, 60, 90],
    ["乙", None, None, 70, None],
    ["丙", 50, 70, 40, 80],
]


def working(path, unit: str, column: str) -> str:
    return next(r["评分过程"] for r in sheet_rows(path, "评分过程") if r["单位"] == unit and r["指标"] == column)


def test_skip_renormalises_the_weights_over_the_children_present_at_two_levels(tmp_path):
    path = write_book(tmp_path / "skip.xlsx", {"细则": TWO_LEVELS, "数据": TWO_LEVEL_DATA,
                                               "设置": settings(("汇总", "加权平均"), ("缺失值", "跳过"))})
    assert rescore(path).exit_code == 0
    got = by_unit(path, "得分")
    # 甲: 经济 = a alone = 80 (b's weight 3 leaves with b); 社会 = (60 + 90)/2 = 75;
    #     总分 = (2×80 + 1×75)/3 = 78.333 → 78.33
    assert (got["甲"]["经济"], got["甲"]["社会"], got["甲"]["总分"]) == (80, 75, 78.33)
    # 乙: 经济 has no child with data → blank; 社会 = c alone = 70; 总分 skips 经济 too: 70
    assert got["乙"]["经济"] is None and (got["乙"]["社会"], got["乙"]["总分"]) == (70, 70)
    # 丙: nothing missing: 经济 = (50 + 3×70)/4 = 65; 社会 = 60; 总分 = (130 + 60)/3 = 63.33
    assert (got["丙"]["经济"], got["丙"]["总分"]) == (65, 63.33)
    assert [got[u]["排名"] for u in "甲乙丙"] == [1, 2, 3]
    # the gaps are expected: 提示, not 错误, naming the data cell
    assert ("提示", "数据", "C2", "「甲」「b」：缺少输入「b」，汇总时跳过") in problems(path)
    assert not [p for p in problems(path) if p[0] == "错误"]


def test_blank_stays_the_default_a_gap_blanks_every_level_above_it(tmp_path):
    path = write_book(tmp_path / "blank.xlsx", {"细则": TWO_LEVELS, "数据": TWO_LEVEL_DATA,
                                                "设置": settings(("汇总", "加权平均"))})
    rescore(path)
    got = by_unit(path, "得分")
    assert got["甲"]["经济"] is None and got["甲"]["社会"] == 75 and got["甲"]["总分"] is None
    assert got["乙"]["总分"] is None and got["丙"]["总分"] == 63.33
    assert ("错误", "数据", "C2", "「甲」「b」：缺少输入「b」") in problems(path)


def test_skip_per_level_blanks_where_asked(tmp_path):
    # 二级 skips (经济 for 甲 = 80), 一级 blanks: 乙's blank 经济 blanks its 总分
    path = write_book(tmp_path / "levels.xlsx", {"细则": TWO_LEVELS, "数据": TWO_LEVEL_DATA, "设置": settings(
        ("汇总", "加权平均"), ("缺失值", "一级=空白; 二级=跳过"))})
    rescore(path)
    got = by_unit(path, "得分")
    assert (got["甲"]["经济"], got["甲"]["总分"]) == (80, 78.33)
    assert got["乙"]["社会"] == 70 and got["乙"]["总分"] is None


def test_minimum_data_share_blanks_a_node_with_too_few_children_and_says_so(tmp_path):
    rubric = [["一级指标", "规则", "输入"], ["x", "value", "x"], ["y", "value", "y"], ["z", "value", "z"]]
    data = [["单位", "x", "y", "z"], ["A", 60, None, 90], ["B", 60, None, None], ["C", 60, 70, 80]]
    path = write_book(tmp_path / "share.xlsx", {"细则": rubric, "数据": data, "设置": settings(
        ("汇总", "加权平均"), ("缺失值", "跳过"), ("最少数据", "2/3"))})
    rescore(path)
    got = by_unit(path, "得分")
    # A: 2 of 3 present = 2/3, enough: (60 + 90)/2 = 75. B: 1 of 3 < 2/3: blank. C: 70.
    assert (got["A"]["总分"], got["B"]["总分"], got["C"]["总分"]) == (75, None, 70)
    assert ("提示", "数据", "A3", "「B」「总分」：3个下级指标中只有1个有数据，少于最少数据（2个），汇总为空") in problems(path)


def test_minimum_data_in_the_engine_gives_its_reason():
    tree = Tree(parent=np.array([3, 3, 3, -1]), n_leaves=3, method=("",) * 3 + ("wmean",),
                weight=np.ones(4), missing=("",) * 3 + ("skip",), min_share=[NAN] * 3 + [0.66])
    res = aggregate(tree, [[60, NAN, 90], [60, NAN, NAN]])
    # 66%: 2 of 3 (66.7%) pass, 1 of 3 does not
    assert res.values[0, -1] == 75 and math.isnan(res.values[1, -1])
    assert res.reason[1, -1] == TOO_FEW_CHILDREN


def test_a_geometric_mean_skips_too():
    tree = Tree(parent=np.array([3, 3, 3, -1]), n_leaves=3, method=("",) * 3 + ("gmean",),
                weight=np.ones(4), missing=("",) * 3 + ("skip",))
    # √(4 × 9) = 6 over the two present; all three: ∛(4 × 9 × 48) = ∛1728 = 12
    assert aggregate(tree, [[4, 9, NAN], [4, 9, 48]]).values[:, -1].tolist() == [6, 12]


def test_a_sum_level_skips_only_with_proportional_scaling(tmp_path):
    rubric = [["一级指标", "分值", "规则", "输入"], ["p", 10, "value", "p"], ["q", 20, "value", "q"],
              ["r", 30, "value", "r"]]
    data = [["单位", "p", "q", "r"], ["甲", 8, None, 25]]
    plain = write_book(tmp_path / "sum.xlsx", {"细则": rubric, "数据": data, "设置": settings(
        ("汇总", "求和"), ("缺失值", "跳过"))})
    rescore(plain)
    errors = [p for p in problems(plain) if p[0] == "错误"]
    assert errors[0][1:3] == ("设置", "B3") and "按比例折算" in errors[0][3]
    assert by_unit(plain, "得分")["甲"]["总分"] is None          # fell back to 空白
    alone = write_book(tmp_path / "alone.xlsx", {"细则": rubric, "数据": data, "设置": settings(("最少数据", "50%"))})
    rescore(alone)
    assert [p[:3] for p in problems(alone) if "最少数据" in p[3]] == [("提示", "设置", "B2")]
    scaled = write_book(tmp_path / "scaled.xlsx", {"细则": rubric, "数据": data, "设置": settings(
        ("汇总", "求和"), ("缺失值", "跳过按比例折算"))})
    rescore(scaled)
    # present: p 8 of 10 and r 25 of 30 = 33 of 40 points; scaled to the full 60: 33 × 60/40 = 49.5
    assert by_unit(scaled, "得分")["甲"]["总分"] == 49.5
    # only the levels the rubric has count: one level averaged, the (absent) lower levels' 求和 is moot
    mean = write_book(tmp_path / "mean.xlsx", {"细则": rubric, "数据": data, "设置": settings(
        ("汇总", "一级=加权平均"), ("缺失值", "跳过"))})
    rescore(mean)
    assert by_unit(mean, "得分")["甲"]["总分"] == 16.5 and [p[0] for p in problems(mean)] == ["提示"]


GROUPED = [
    ["单位", "组别", "区域", "x", "去年x"],
    ["甲", "中心", "东", 10, 9],
    ["乙", "中心", "东", 15, 14],
    ["丙", "中心", "西", None, 11],
    ["丁", "郊区", "西", 4, 3],
    ["戊", "郊区", "西", None, None],
    ["己", "郊区", "东", 8, 7],
]


@pytest.mark.parametrize("how, fill_丙, fill_戊, shown", [
    # 中心 has 10, 15 → 12.5; 郊区 has 4, 8 → 6
    ("组内均值", 12.5, 6, "插补：组内均值 12.5"),
    # 区域 东: 10, 15, 8 → mean 11; 西: 4 → 4
    ("组内均值=区域", 4, 4, "插补：组内均值（区域） 4"),
    # all four values 10, 15, 4, 8: mean 9.25, median (8 + 10)/2 = 9
    ("均值", 9.25, 9.25, "插补：均值 9.25"),
    ("中位数", 9, 9, "插补：中位数 9"),
    # last year's value where there is one: 丙 11; 戊 has none and stays blank
    ("上期=去年x", 11, None, "插补：上期（去年x） 11"),
])
def test_imputed_values_are_scored_shown_in_the_working_and_listed(tmp_path, how, fill_丙, fill_戊, shown):
    rubric = [["一级指标", "规则", "输入", "插补"], ["x", "value", "x", how]]
    path = write_book(tmp_path / "impute.xlsx", {"细则": rubric, "数据": GROUPED})
    rescore(path)
    got = by_unit(path, "得分")
    assert (got["丙"]["x"], got["戊"]["x"]) == (fill_丙, fill_戊)
    assert working(path, "丙", "x") == shown
    assert ("提示", "数据", "D4", f"「丙」「x」：缺少数值，{shown}") in problems(path)
    assert got["甲"]["x"] == 10 and working(path, "甲", "x") != shown


def test_impute_default_from_settings_and_group_imputation_in_the_engine(tmp_path):
    res = impute([10, 15, NAN, 4, NAN, 8], "group_median", groups=["c", "c", "c", "s", "s", ""])
    # c: median(10, 15) = 12.5; s: only 4 → 4; the blank-group unit keeps its own 8
    np.testing.assert_array_equal(res.values, [10, 15, 12.5, 4, 4, 8])
    assert res.filled.tolist() == [False, False, True, False, True, False]
    rubric = [["一级指标", "规则", "输入"], ["x", "value", "x"]]
    path = write_book(tmp_path / "default.xlsx", {"细则": rubric, "数据": GROUPED,
                                                  "设置": settings(("插补", "组内均值"))})
    rescore(path)
    assert by_unit(path, "得分")["丙"]["x"] == 12.5


def test_a_rubric_with_a_blank_performance_value_is_not_imputed_unless_asked(tmp_path):
    rubric = [["一级指标", "分值", "规则", "业绩值"], ["完成率", 10, "threshold >=90%: 10; >=60%: 6; else: 0", None],
              ["满意度", 10, "threshold >=90%: 10; else: 5", 0.95]]
    path = write_book(tmp_path / "single.xlsx", {"细则": rubric, "设置": settings(("汇总", "求和"))})
    rescore(path)
    rows = sheet_rows(path, "细则")
    # 满意度 95% ≥ 90%: 10; 完成率 has no 业绩值: no score, no total, an 错误 at its cell
    assert (rows[0]["得分"], rows[1]["得分"]) == (None, 10)
    got = sheet_rows(path, "得分")[0]
    assert got["完成率"] is None and got["满意度"] == 10 and got["总分"] is None
    assert [p[:3] for p in problems(path)] == [("错误", "细则", "D2")]


def excel_skew_kurt(values):
    """SKEW and KURT written out with exact fractions: the test's own arithmetic."""
    n = len(values)
    mean = Fraction(sum(values), n)
    m2 = sum((Fraction(v) - mean) ** 2 for v in values)
    m3 = sum((Fraction(v) - mean) ** 3 for v in values)
    m4 = sum((Fraction(v) - mean) ** 4 for v in values)
    skew = math.sqrt(n) * float(m3) / float(m2) ** 1.5 * math.sqrt(n * (n - 1)) / (n - 2)
    r = n * m4 / m2 ** 2
    kurt = float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))
    return skew, kurt


def test_winsorising_a_skewed_column_moves_the_top_point_once():
    x = list(range(1, 11)) + [30, 100]
    # n = 12, mean = 185/12; sum d² = 8432.92, sum d³ = 596,032.99, sum d⁴ = 51,376,410.04
    d = [Fraction(v) - Fraction(185, 12) for v in x]
    assert [round(float(sum(t ** k for t in d)), 2) for k in (2, 3, 4)] == [8432.92, 596032.99, 51376410.04]
    skew, kurt = excel_skew_kurt(x)
    assert skew == pytest.approx(3.0632, abs=1e-4) and kurt == pytest.approx(9.7414, abs=1e-4)
    assert (skewness(x), kurtosis(x)) == pytest.approx((skew, kurt), rel=1e-12)
    res = treat(np.array(x, dtype=float))
    # |3.06| >= 2 and 9.74 >= 3.5: skewed to the right, so the maximum 100 takes the next value 30
    after = list(range(1, 11)) + [30, 30]
    s2, k2 = excel_skew_kurt(after)
    assert s2 < 2 and k2 < 3.5                        # 1.71 and 1.82: one point was enough
    assert res.method == "winsorise" and res.values.tolist() == after
    assert res.points.tolist() == [False] * 11 + [True]
    assert res.skew == pytest.approx((skew, s2)) and res.kurt == pytest.approx((kurt, k2))


def test_winsorising_five_points_is_not_enough_so_the_original_values_are_logged():
    x = np.array(list(range(1, 81)) + [1000 + 10 * k for k in range(6)], dtype=float)
    res = treat(x)
    # 6 outliers: after 5 points the top 6 are tied at 1000 and still skewed → log of the originals,
    # log(x − min + 0.01 (max − min)) with min 1, max 1050: log(x − 1 + 10.49)
    assert res.method == "log" and res.points.all()
    for v, out in zip(x[[0, 1, 85]], res.values[[0, 1, 85]]):
        assert out == pytest.approx(math.log(v - 1 + 10.49))
    assert res.values[0] == pytest.approx(math.log(10.49)) and res.values[85] == pytest.approx(math.log(1059.49))
    assert np.all(np.diff(res.values) > 0)                 # the order is kept


def test_a_treated_indicator_is_reported_with_its_points(tmp_path):
    rubric = [["一级指标", "规则", "输入", "异常值", "标准化"], ["x", "value", "x", "缩尾", "minmax"]]
    data = [["单位", "x"]] + [[f"U{k:02d}", v] for k, v in enumerate(list(range(1, 11)) + [30, 100])]
    path = write_book(tmp_path / "treat.xlsx", {"细则": rubric, "数据": data})
    rescore(path)
    hints = [p[3] for p in problems(path) if p[0] == "提示"]
    assert hints == ["「x」异常值处理：缩尾1个点（偏度3.06、峰度9.74，处理后偏度1.71、峰度1.82）"]
    # U11 had 100, now 30 = the maximum: minmax (30 − 1)/(30 − 1) × 100 = 100, as U10 does
    assert working(path, "U11", "x").endswith("缩尾：100 → 30；标准化（minmax）后为100")
    assert by_unit(path, "得分")["U10"]["x"] == 100


def test_an_indicator_with_all_values_equal_is_missing_and_skipped(tmp_path):
    rubric = [["一级指标", "规则", "输入", "标准化"], ["x", "value", "x", "minmax"], ["y", "value", "y", "minmax"]]
    data = [["单位", "x", "y"], ["A", 5, 10], ["B", 5, 20], ["C", 5, 30]]
    path = write_book(tmp_path / "constant.xlsx", {"细则": rubric, "数据": data, "设置": settings(
        ("汇总", "加权平均"), ("缺失值", "跳过"))})
    rescore(path)
    got = by_unit(path, "得分")
    # x cannot be stretched: missing for all; y: 0, 50, 100 and the totals are y alone
    assert [got[u]["x"] for u in "ABC"] == [None] * 3 and [got[u]["总分"] for u in "ABC"] == [0, 50, 100]
    assert ("提示", "细则", "B2", "「x」：各单位数值全部相同，无法极差标准化，按缺失处理") in problems(path)
    assert working(path, "A", "x").endswith("标准化（minmax）：各单位数值全部相同，无法极差标准化，按缺失处理")


def test_sensitivity_skips_the_same_gaps_as_scoring():
    tree = Tree(parent=np.array([2, 2, -1]), n_leaves=2, method=("", "", "wmean"), weight=np.array([1, 1, 1.]),
                missing=("", "", "skip"))
    leaf = np.array([[90, NAN], [80, 70], [60, 50]])
    res = rank_sensitivity(tree, leaf, n_runs=50, seed=0)
    # the first unit's total is 90 in every run (only one child present): always rank 1
    assert res.base_rank.tolist() == [1, 2, 3] and res.median_rank.tolist() == [1, 2, 3]
    blank = Tree(parent=np.array([2, 2, -1]), n_leaves=2, method=("", "", "wmean"), weight=np.array([1, 1, 1.]))
    assert math.isnan(rank_sensitivity(blank, leaf, n_runs=50, seed=0).median_rank[0])


def test_bad_gap_settings_name_their_cells(tmp_path):
    rubric = [["一级指标", "规则", "输入", "插补"], ["x", "value", "x", "众数"]]
    path = write_book(tmp_path / "bad.xlsx", {"细则": rubric, "数据": GROUPED, "设置": settings(
        ("缺失值", "忽略不计"), ("最少数据", "150%"), ("异常值", "截断"))})
    rescore(path)
    errors = {(p[1], p[2]): p[3] for p in problems(path) if p[0] == "错误"}
    assert "缺失值处理「忽略不计」无效" in errors[("设置", "B2")]
    assert "最少数据「150%」无效" in errors[("设置", "B3")]
    assert "异常值处理「截断」无效" in errors[("设置", "B4")]
    assert "插补方法「众数」无效" in errors[("细则", "D2")]


# ---------------------------------------------------------------------------------- samples

@pytest.fixture
def gap_sample(tmp_path):
    def rescored(name: str):
        path = tmp_path / name
        shutil.copy(SAMPLE_DIR / name, path)
        assert rescore(path).exit_code == 0
        notes = [c for row in openpyxl.load_workbook(path)["数据"].iter_rows(max_row=4, values_only=True)
                 for c in row if c]
        assert any("虚构" in str(c) for c in notes) and any("缺失值=空白" in str(c) for c in notes)
        return path
    return rescored


def test_sample_with_gaps_skipped(gap_sample):
    path = gap_sample("智慧城市_综合指数_缺数据跳过.xlsx")
    got = by_unit(path, "得分")
    # 乙区 lacks 5G基站密度: 基础能力 = 光纤 alone = 0.98/0.95×100 = 103.157 → 103.16;
    # 应用感知 = 305.1/255 (辛区)×100 = 119.647 → 119.65; 新型基础设施 = (103.16 + 119.65)/2 = 111.405 → 111.41
    assert (got["乙区"]["基础能力"], got["乙区"]["应用感知"], got["乙区"]["新型基础设施指数"]) == (103.16, 119.65, 111.41)
    assert all(r["总分"] is not None and r["排名"] is not None for r in got.values())
    assert [p[0] for p in problems(path)] == ["提示"] * 3
    assert working(path, "乙区", "1 5G基站密度(个/平方公里)") == "缺少输入「5G基站密度(个/平方公里)」，汇总时跳过"
    assert all(r["中位排名"] is not None for r in by_unit(path, "敏感性").values())
    notes = [r["值"] for r in sheet_rows(path, "敏感性") if r.get("参数") == "注意"]
    assert notes == ["缺失的指标在每次重算中按设置「缺失值」跳过，与评分相同"]


def test_sample_with_gaps_imputed_by_group(gap_sample):
    path = gap_sample("智慧城市_综合指数_缺数据插补.xlsx")
    got = by_unit(path, "得分")
    # 乙区 (中心城区) 5G = mean of 甲 16.8, 丙 11.5, 丁 11.9 = 13.4 → 13.4/12×100 = 111.67;
    # 戊区 (郊区) 办理时长 = mean of 5.6, 6.0, 6.4 = 6.0 → lower is better: 5/6×100 = 83.33
    assert got["乙区"]["1 5G基站密度(个/平方公里)"] == 111.67
    assert got["戊区"]["5 政务服务事项平均办理时长(天)"] == 83.33
    assert working(path, "乙区", "1 5G基站密度(个/平方公里)") == "插补：组内均值 13.4；标准化（ratio_to_benchmark）后为111.67"
    assert ("提示", "数据", "I11", "「庚区」「制度规划」：缺少数值，插补：组内均值 96.4333") in problems(path)


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_skewness_and_kurtosis_are_the_spreadsheet_ones(tmp_path):
    """LibreOffice's SKEW and KURT (the Excel definitions COINr follows) on the columns treated here."""
    columns = [list(range(1, 11)) + [30, 100],
               list(range(1, 81)) + [1000 + 10 * k for k in range(6)],
               np.round(np.random.default_rng(3).lognormal(1, 1.6, 40), 3).tolist()]
    wb = openpyxl.Workbook()
    ws = wb.active
    for c, col in enumerate(columns, start=1):
        for r, v in enumerate(col, start=3):
            ws.cell(r, c, v)
        letter = openpyxl.utils.get_column_letter(c)
        ws.cell(1, c, f"=SKEW({letter}3:{letter}{len(col) + 2})")
        ws.cell(2, c, f"=KURT({letter}3:{letter}{len(col) + 2})")
    wb.save(tmp_path / "moments.xlsx")
    soffice(tmp_path, "xlsx", tmp_path / "back", [tmp_path / "moments.xlsx"])
    back = openpyxl.load_workbook(tmp_path / "back" / "moments.xlsx", data_only=True).active
    for c, col in enumerate(columns, start=1):
        assert skewness(col) == pytest.approx(back.cell(1, c).value, rel=1e-9)
        assert kurtosis(col) == pytest.approx(back.cell(2, c).value, rel=1e-9)


def test_a_log_transformed_indicator_shows_every_changed_value(tmp_path):
    rubric = [["一级指标", "规则", "输入", "异常值"], ["x", "value", "x", "对数"]]
    data = [["单位", "x"], ["A", 1], ["B", 2], ["C", 3], ["D", 11]]
    path = write_book(tmp_path / "log.xlsx", {"细则": rubric, "数据": data})
    rescore(path)
    # min 1, max 11: log(x − 1 + 0.01 × 10) → log 0.1, log 1.1, log 2.1, log 10.1
    got = by_unit(path, "得分")
    assert [got[u]["x"] for u in "ABCD"] == pytest.approx([math.log(v) for v in (0.1, 1.1, 2.1, 10.1)])
    assert working(path, "D", "x").endswith("对数变换：11 → 2.3125")
    assert [p[3].split("（")[0] for p in problems(path)] == ["「x」异常值处理：对数变换"]
