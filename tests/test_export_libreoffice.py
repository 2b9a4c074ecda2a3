"""The 公式版 recalculated by a real client: LibreOffice headless, recalculation forced on load.

Every sample, the blank template, a workbook built at the boundaries floating point gets wrong
and fuzzed workbooks are exported, recalculated in one soffice run, and every formula cell of
得分 and 平均 must equal rubricxl's value. The boundary workbook is also checked against values
worked out by hand below.
"""
from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings

from tests.test_workbooks_fuzz import workbooks, write_book
from xladdin import cli, handlers
from xladdin.hosts.files import FileHost
from xladdin.protocol import ReadError
from xladdin.recalc import compare, recalculate, soffice

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks"

pytestmark = [pytest.mark.libreoffice, pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")]

# Boundary workbook: three units, five indicators under one level-1 node A, all summed.
BOUNDARY_RUBRIC = [
    ["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
    ["1", "A", "下载速率", 50, "step per=5% deduct=1 from=best round=up", "下载速率"],
    ["2", "A", "调整率", 10, "step per=2.91% deduct=1 round=down", "调整数, 年初数"],
    ["3", "A", "执行率", 10, "ratio", "执行数, 预算数"],
    ["4", "A", "公用经费", 5, "pass <=100%", "支出, 预算"],
    ["5", "A", "满意度", 5, "threshold >=90%: 5; >=80%: 3; else: 0", "满意度"],
]
BOUNDARY_DATA = [
    ["单位", "组别", "下载速率", "调整数", "年初数", "执行数", "预算数", "支出", "预算", "满意度"],
    ["甲", "一组", 315.6, 145.5, 1000, 100, 100, 123456789.01, 123456789, 0.9],
    ["乙", "一组", 299.82, 203.7, 1000, 94.05, 100, 123456789, 123456789, 0.8999],
    ["丙", "二组", 299.81, 29.1, 1000, 100.01, 100, None, 123456789, "90%"],
]
# By hand: 下载速率 is short of the best (315.6) by 15.78 = exactly 5% for 乙 → one step up → 49
# (floating point says 1.0000000000000018 steps → 2); 丙 by 15.79 → 2 steps → 48. 调整率 14.55%
# is exactly 5 steps of 2.91% → 10 − 5 = 5 (floating point: 4.999999999999999 steps → 4); 20.37%
# is 7 steps → 3; 2.91% one → 9. 执行率 100% exactly → 10; 94.05% → 9.405 → 9.41 half-up;
# 100.01% → over → full 10. 公用经费 0.01 over 123,456,789 is over 100% → 0; equal → 5; a blank
# spend → blank. 满意度 90% → 5, 89.99% → 3. Totals: 甲 50+5+10+0+5 = 70; 乙 49+3+9.41+5+3 = 69.41;
# 丙 blank (a blank child). Full points are 80, not 100, so 得分 shows 满分 and 得分率 and the
# default grades read 得分率: 70/80 = 87.5% and 69.41/80 = 86.7625% are 良 (80% and above).
BOUNDARY_SCORES = {
    "甲": {"1 下载速率": 50, "2 调整率": 5, "3 执行率": 10, "4 公用经费": 0, "5 满意度": 5, "A": 70, "总分": 70,
          "满分": 80, "得分率": 0.875, "等级": "良", "排名": 1, "组内排名": 1},
    "乙": {"1 下载速率": 49, "2 调整率": 3, "3 执行率": 9.41, "4 公用经费": 5, "5 满意度": 3, "A": 69.41,
          "总分": 69.41, "满分": 80, "得分率": 0.867625, "等级": "良", "排名": 2, "组内排名": 2},
    "丙": {"1 下载速率": 48, "2 调整率": 9, "3 执行率": 10, "4 公用经费": None, "A": None, "总分": None,
          "等级": None, "排名": None, "组内排名": None},
}
# 平均: 一组 means 甲 and 乙 (执行率 (10 + 9.41) / 2 = 9.705 → 9.71, A and 总分 69.705 → 69.71);
# 全部 over all three, blanks left out (调整率 17/3 = 5.67, 执行率 29.41/3 = 9.80).
BOUNDARY_MEANS = {
    "一组": {"单位数": 2, "1 下载速率": 49.5, "2 调整率": 4, "3 执行率": 9.71, "4 公用经费": 2.5, "5 满意度": 4,
           "A": 69.71, "总分": 69.71},
    "二组": {"单位数": 1, "1 下载速率": 48, "2 调整率": 9, "3 执行率": 10, "4 公用经费": None, "5 满意度": 5,
           "A": None, "总分": None},
    "全部": {"单位数": 3, "1 下载速率": 49, "2 调整率": 5.67, "3 执行率": 9.8, "4 公用经费": 2.5, "5 满意度": 4.33,
           "A": 69.71, "总分": 69.71},
}


# Everything else the compiler writes, checked against rubricxl only: bests within a group, group
# variants with their own points and weights, weighted means renormalised over assessed children,
# 系数, 密集 ranks, grades as a share of the unit's full points, rounding only at the root.
FEATURES_RUBRIC = [
    ["编号", "一级指标", "二级指标", "分值", "规则", "输入", "组别", "权重"],
    ["1", "A", "增速", 20, "relative to=max among=group", "增速", None, 2],
    ["2", "A", "速率", 10, "step per=5% deduct=1 from=best round=up among=group", "速率", None, 1],
    ["3", "B", "覆盖", 10, "ratio over=0 rate_dp=2", "完成, 目标", "一组", None],
    ["3", "B", "覆盖", 20, "ratio", "完成, 目标", "二组", None],
    ["4", "B", "公开", 5, "pass 是", "公开", None, None],
    ["5", "B", "要点", 6, "check n=4", "要点", "一组", None],
    ["6", "B", "最优", 10, "relative to=min", "用时", None, None],
    ["", "A", None, None, None, None, None, 0.6],
    ["", "B", None, None, None, None, None, 0.4],
]
FEATURES_DATA = [["单位", "组别", "增速", "速率", "完成", "目标", "公开", "要点", "用时", "系数"]] + [
    [f"单位{k}", "一组" if k % 3 else "二组", g, r, c, 40, y, m, t, f]
    for k, (g, r, c, y, m, t, f) in enumerate([
        (0.12, 315.6, 38, "是", 3, 5.5, 1), (0.08, 299.82, 40, "否", 4, 6, 1.05), (0.12, 299.81, 41, "是", 2, 5.5, 0.95),
        (0.05, 280, 40.4, "是", None, 7, 1), (0.1, 315.6, 20, "符合", 4, 5, 1), (0.07, 310, 39.99, "无", 1, 8, 1.1),
        (None, 300, 40, "是", 4, 6, 1), (0.03, 250, 0, "是", 0, 9, 0.9)], start=1)]
FEATURES_SETTINGS = {"汇总": "加权平均", "系数": "系数", "排名": "dense", "逐级取整": "否",
                     "等级": "优>=90%; 良>=80%; 中>=60%; 差"}


# Rows added to the rule language later: bonus points per item and per step above a target,
# 总分上限 = the unit's full points, 一票否决 on the total (total=59) and on the grade (不得评为优,
# 定为差 on a count: 2 or more 通报 fire it).
BONUS_RUBRIC = [["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
                ["1", "A", "评定", 100, "manual", "评定"],
                ["2", "加分", "创新", None, "bonus each=1 cap=5", "创新项数"],
                ["3", "加分", "超额", None, "bonus per=1% at=100% each=0.5 cap=2", "完成率"]]
VETO_RUBRIC = BONUS_RUBRIC + [["4", "否决", "安全生产", None, "veto total=59", "重大事故"]]
GRADE_VETO_RUBRIC = BONUS_RUBRIC + [["4", "否决", "信访", None, "veto below=优", "信访问题"],
                                    ["5", "否决", "通报", None, "veto >=2 grade=差", "通报次数"]]
BONUS_DATA = [["单位", "评定", "创新项数", "完成率", "重大事故"], ["甲", 98, 3, 1.035, "否"], ["乙", 90, 2, 1.1, "是"],
              ["丙", 50, 1, 0.98, "是"], ["丁", 80, 0, 1.01, None]]
GRADE_VETO_DATA = [["单位", "评定", "创新项数", "完成率", "信访问题", "通报次数"],
                   ["甲", 98, 3, 1.035, "是", 0], ["乙", 90, 2, 1.1, "无", 2], ["丙", 85, 1, 0.98, "有", 1],
                   ["丁", 80, 0, 1.01, "否", None]]
BONUS_SETTINGS = {"总分上限": "满分", "等级": "优>=90%; 良>=80%; 差"}


# 不涉及: na=full scores full points, na=exclude takes the row out of the unit's sums and full points.
NA_RUBRIC = [["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
             ["1", "A", "执行率", 40, "ratio na=exclude", "执行数, 预算数"],
             ["2", "A", "公开", 10, "pass 是 na=full", "公开"],
             ["3", "B", "满意度", 50, "threshold >=90%: 50; >=80%: 30; else: 0 na=exclude", "满意度"]]
NA_DATA = [["单位", "执行数", "预算数", "公开", "满意度"],
           ["甲", 95, 100, "是", 0.92], ["乙", "不涉及", 100, "不涉及", 0.85],
           ["丙", 50, 100, "否", "不适用"], ["丁", "不涉及", "不涉及", "N/A", "无此项"]]


# 名次计分: ranks among every unit (ties 1,1,3), within 组别 (smaller is better), and a rank typed in.
RANK_RUBRIC = [["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
               ["1", "A", "亩均税收", 10, "rank deduct=0.5", "亩均税收"],
               ["2", "A", "投诉", 5, "rank order=asc among=group 1: 5; 2-3: 3; else: 1", "投诉数"],
               ["3", "A", "名次", 8, "rank by=rank deduct=1 floor=6", "名次"]]
RANK_DATA = [["单位", "组别", "亩均税收", "投诉数", "名次"],
             ["甲", "一组", 30, 2, 1], ["乙", "一组", 25, 2, 2], ["丙", "一组", 30, 5, 3],
             ["丁", "二组", 10, 0, 4], ["戊", "二组", 20, 1, 9], ["己", None, 5, 3, 2.5]]


# 几何平均 at every level (weights 1): A over two rows, B over one, the total over A and B.
GEO_RUBRIC = [["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
              ["1", "A", "甲项", 10, "ratio", "完成数, 目标数"], ["2", "A", "乙项", 10, "deduct each=1", "次数"],
              ["3", "B", "丙项", 10, "manual", "评定"]]
GEO_DATA = [["单位", "完成数", "目标数", "次数", "评定"], ["一单位", 9, 10, 1, 4], ["二单位", 10, 10, 0, 0],
            ["三单位", 4, 10, 1, 6], ["四单位", None, 10, 0, 5], ["五单位", 5, 10, 2, 10]]


# Bonus by level: the highest level in the cell counts; one level per cell is a formula, a cell
# naming two levels keeps rubricxl's value.
LEVEL_RUBRIC = [["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
                ["1", "A", "评定", 90, "manual", "评定"],
                ["2", "加分", "荣誉", 3, "bonus 国家级=3; 省级=2; 市级=1", "荣誉级别"]]
LEVEL_DATA = [["单位", "评定", "荣誉级别"], ["甲", 80, "省级"], ["乙", 85, "无"], ["丙", 70, "省级、国家级"],
              ["丁", 60, None], ["戊", 75, "区级"], ["己", 88, 0]]


# A ratio with a cut-off (不足60%不得分) from one rate and from two amounts, and a bonus per item at
# each level (省级每篇0.5分、国家级每篇1分，最多加3分).
CUT_RUBRIC = [["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
              ["1", "A", "完成率", 10, "ratio min=60%", "完成率"],
              ["2", "A", "执行", 10, "ratio min=60%", "执行数, 预算数"],
              ["3", "加分", "刊发", None, "bonus 省级=0.5; 国家级=1 by=count cap=3", "省级篇数, 国家级篇数"]]
CUT_DATA = [["单位", "完成率", "执行数", "预算数", "省级篇数", "国家级篇数"],
            ["甲", 0.5999, 59, 100, 2, 1], ["乙", 0.6, 60, 100, 4, 2], ["丙", 0.85, 85, 100, 0, 0],
            ["丁", 1.2, 120, 100, 1.5, 0], ["戊", 0.7, 70, 100, 0, 1]]


# Typing slips: 95 typed for 95% (乙) and 9500% (丙) are blank in rubricxl (错误); the copy leaves them
# blank too, where a plain formula would give full points (ratio: > 100% → full).
SLIP_RUBRIC = [["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
               ["1", "A", "完成率", 40, "ratio", "完成率"],
               ["2", "A", "满意度", 10, "threshold >=90%: 10; >=80%: 6; else: 0", "满意度"]]
SLIP_DATA = [["单位", "完成率", "满意度"], ["甲", 0.9, 0.85], ["乙", 95, 0.9], ["丙", 0.5, 9500]]


# Slips an official makes, and a general row with an exception for one group: 甲's growth typed 8.2
# for 8.2% beside the city's 6.5% and among peers of 4%-6.5%, 甲's 完成数 typed as a date, a yes/no
# info row, and 编号 4 with a blank 组别 (10 points) and a 郊区 row (20 points).
TRUST_RUBRIC = [["编号", "一级指标", "二级指标", "分值", "规则", "输入", "组别"],
                ["1", "A", "增速高于全市", 5, "pass x1>x2", "产值增速, 全市增速", None],
                ["2", "A", "增长水平", 10, "relative", "增长率", None],
                ["3", "A", "台账", None, "info", "台账", None],
                ["4", "A", "完成情况", 10, "ratio", "完成率", None],
                ["4", "A", "完成情况", 20, "ratio", "完成率", "郊区"],
                ["5", "A", "速率", 10, "ratio", "完成数, 目标数", None]]
TRUST_DATA = [["单位", "组别", "产值增速", "全市增速", "增长率", "台账", "完成率", "完成数", "目标数"],
              ["甲", "城区", 8.2, 0.065, 8.2, "是", 0.9, datetime.datetime(2024, 3, 15), 10],
              ["乙", "郊区", 0.05, 0.065, 0.065, "否", 0.9, 9, 10],
              ["丙", "城区", 0.07, 0.065, 0.05, "是", 0.5, 10, 10],
              ["丁", "郊区", 0.07, 0.065, 0.04, "否", 1, 5, 10]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Name → (the exported copy, LibreOffice's recalculation of it); one soffice run for all."""
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("copies")
    books: dict[str, Path] = {}
    template = src / "模板.xlsx"
    assert cli.main(["new", str(template)]) == 0
    write_book(src / "边界.xlsx", BOUNDARY_RUBRIC, BOUNDARY_DATA, {})
    write_book(src / "组内.xlsx", FEATURES_RUBRIC, FEATURES_DATA, FEATURES_SETTINGS)
    write_book(src / "加分.xlsx", BONUS_RUBRIC, BONUS_DATA, BONUS_SETTINGS)
    write_book(src / "否决.xlsx", VETO_RUBRIC, BONUS_DATA, BONUS_SETTINGS)
    write_book(src / "笔误.xlsx", SLIP_RUBRIC, SLIP_DATA, {})
    write_book(src / "等级否决.xlsx", GRADE_VETO_RUBRIC, GRADE_VETO_DATA, BONUS_SETTINGS)
    write_book(src / "不涉及.xlsx", NA_RUBRIC, NA_DATA, {})
    write_book(src / "名次.xlsx", RANK_RUBRIC, RANK_DATA, {})
    write_book(src / "几何.xlsx", GEO_RUBRIC, GEO_DATA, {"汇总": "几何平均"})
    write_book(src / "复核.xlsx", TRUST_RUBRIC, TRUST_DATA, {})
    write_book(src / "级别.xlsx", LEVEL_RUBRIC, LEVEL_DATA, {})
    write_book(src / "门槛.xlsx", CUT_RUBRIC, CUT_DATA, {})
    made = [src / f"{name}.xlsx" for name in ("边界", "组内", "加分", "否决", "笔误", "等级否决", "不涉及", "名次", "几何",
                                              "复核", "级别", "门槛")]
    for book in [template, *made, *sorted(SAMPLES.glob("*.xlsx"))]:
        target = out / book.name
        assert cli.main(["export", str(book), "-o", str(target), "-q"]) in (0, 1), book.name
        books[book.stem] = target

    @settings(max_examples=60, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(workbooks())
    def fuzzed(book):
        path = src / f"fuzz{len(books)}.xlsx"
        write_book(path, *book)
        try:
            handlers.export(FileHost(path, out / path.name))
        except ReadError:
            return
        books[path.stem] = out / path.name
    fuzzed()
    back = recalculate(list(books.values()), tmp_path_factory.mktemp("recalculated"),
                       tmp_path_factory.mktemp("lo-profile"))
    return {name: (copy, again) for (name, copy), again in zip(books.items(), back)}


def test_libreoffice_recalculates_every_sample_to_rubricxls_scores(exported):
    samples = [p.stem for p in SAMPLES.glob("*.xlsx")] + ["模板"]
    for name in samples:
        copy, again = exported[name]
        result = compare(copy, again)
        assert result.cells > 20, name
        assert result.mismatches == [], (name, result.mismatches[:3])


def test_group_bests_variants_weights_and_dense_ranks_recalculate_to_rubricxls_scores(exported):
    copy, again = exported["组内"]
    result = compare(copy, again)
    assert result.mismatches == [], result.mismatches[:3]
    sheet = openpyxl.load_workbook(copy)["得分"]
    kept = [c.coordinate for row in sheet.iter_rows() for c in row if c.comment is not None]
    assert kept == [] and result.cells > 100          # every cell of this workbook is a formula


def test_bonus_rows_the_total_cap_and_vetoes_recalculate_to_hand_worked_totals_and_grades(exported):
    copy, again = exported["加分"]
    assert compare(copy, again).mismatches == []
    totals = {u: r["总分"] for u, r in _table(again, "得分", "单位").items()}
    # Bonus per item: 3, 2, 1, 0. Above 100%: 3.5% is 3 whole 1% steps × 0.5 = 1.5; 10% is 5, capped
    # at 2; 98% none; 101% exactly one step (floating point: 1.0000000000000009) = 0.5.
    # 甲 98 + 3 + 1.5 = 102.5, capped at the full 100 points; 乙 90 + 2 + 2; 丙 50 + 1; 丁 80 + 0.5.
    assert totals == {"甲": 100, "乙": 94, "丙": 51, "丁": 80.5}
    # total=59: 乙 fired, 94 → 59; 丙 fired but 51 is already below 59; 丁's blank answer blanks its
    # total (never read as 否). Grades on the share of 100 points: 甲 优, 乙 and 丙 差.
    copy, again = exported["否决"]
    result = compare(copy, again)
    assert result.mismatches == [] and result.cells > 30
    table = _table(again, "得分", "单位")
    assert {u: (r["4 安全生产"], r["总分"], r["等级"], r["排名"]) for u, r in table.items()} == {
        "甲": ("否", 100, "优", 1), "乙": ("是", 59, "差", 2), "丙": ("是", 51, "差", 3), "丁": (None, None, None, None)}
    assert _formula_cells(copy, ["4 安全生产", "总分", "等级"]) == 12      # every cell a formula, no note
    # Grade vetoes leave the totals: 甲 100 would be 优, its 信访 veto makes it 良; 乙 94 优 with 2
    # 通报 is set to 差; 丙 85+1 = 86 良 stays 良 (不得评为优 does not lower a 良); 丁 has a blank
    # 通报次数: its total is blank.
    copy, table = _recalculated(exported, "等级否决")
    assert {u: (r["总分"], r["等级"]) for u, r in table.items()} == {
        "甲": (100, "良"), "乙": (94, "差"), "丙": (86, "良"), "丁": (None, None)}
    assert _formula_cells(copy, ["总分", "等级"]) == 8


def test_not_applicable_rows_recalculate_to_hand_worked_sums_and_full_points(exported):
    # 甲 40×95% = 38, 10, 50: 98 of 100. 乙 takes 执行率 out (a 不涉及 in one of its two cells), 公开
    # 不涉及 = full 10, 满意度 85% → 30: A = 10, B = 30, 40 of 60. 丙 20 + 0 and no 满意度: B is not
    # assessed (blank), 20 of 50. 丁: only 公开 (N/A → 10) is left: 10 of 10.
    copy, again = exported["不涉及"]
    result = compare(copy, again)
    assert result.mismatches == [] and result.cells > 30
    table = _table(again, "得分", "单位")
    got = {u: (r["1 执行率"], r["2 公开"], r["3 满意度"], r["A"], r["B"], r["总分"], r["满分"], r["排名"])
           for u, r in table.items()}
    assert got == {"甲": (38, 10, 50, 48, 50, 98, 100, 1), "乙": (None, 10, 30, 10, 30, 40, 60, 2),
                   "丙": (20, 0, None, 20, None, 20, 50, 3), "丁": (None, 10, None, 10, None, 10, 10, 4)}
    assert _formula_cells(copy, ["1 执行率", "2 公开", "3 满意度", "A", "B", "总分", "满分"]) == 28


def test_rank_points_recalculate_to_hand_worked_scores(exported):
    # 亩均税收 30, 25, 30, 10, 20, 5: ranks 1, 3, 1, 5, 4, 6 → 10 − 0.5 per place: 10, 9, 10, 8, 8.5, 7.5.
    # 投诉 within 组别, fewer is better: 一组 2, 2, 5 → 1, 1, 3 → 5, 5, 3; 二组 0, 1 → 5, 3; 己 has no
    # 组别: blank. 名次 typed: 1, 2, 3, 4, 9 → 8, 7, 6, then the floor 6, 6; 2.5 is no rank: blank.
    copy, table = _recalculated(exported, "名次")
    got = {u: (r["1 亩均税收"], r["2 投诉"], r["3 名次"], r["总分"], r["排名"]) for u, r in table.items()}
    assert got == {"甲": (10, 5, 8, 23, 1), "乙": (9, 5, 7, 21, 2), "丙": (10, 3, 6, 19, 3), "丁": (8, 5, 6, 19, 3),
                   "戊": (8.5, 3, 6, 17.5, 5), "己": (7.5, None, None, None, None)}
    assert _formula_cells(copy, ["1 亩均税收", "2 投诉", "3 名次", "总分"]) == 24


def test_geometric_means_recalculate_to_hand_worked_totals(exported):
    # 一单位: 9/10 of 10 = 9 and 10 − 1 = 9 → A = √(9×9) = 9; B = 4; total √(9×4) = 6. 二单位: A = 10,
    # B = 0 → total 0 (a zero child). 三单位: √(4×9) = 6 and 6 → 6. 四单位: a blank 完成数 blanks 甲项,
    # A and the total. 五单位: √(5×8) = 6.3246 → 6.32 (rounded at each level), √(6.32×10) = 7.9498 → 7.95.
    copy, table = _recalculated(exported, "几何")
    got = {u: (r["A"], r["B"], r["总分"], r["排名"]) for u, r in table.items()}
    assert got == {"一单位": (9, 4, 6, 2), "二单位": (10, 0, 0, 4), "三单位": (6, 6, 6, 2),
                   "四单位": (None, 5, None, None), "五单位": (6.32, 10, 7.95, 1)}
    assert _formula_cells(copy, ["A", "B", "总分"]) == 15


def test_bonus_levels_recalculate_and_a_cell_with_two_levels_keeps_its_value(exported):
    # 甲 省级 +2 → 82; 乙 无 +0 → 85; 丙 names 省级 and 国家级: the highest, +3 → 73 (kept as a value,
    # a formula cannot split the cell); 丁 blank → blank bonus and total; 戊 区级 is no level: blank
    # (an 错误 in rubricxl); 己 0 → +0 → 88.
    copy, table = _recalculated(exported, "级别")
    assert {u: (r["2 荣誉"], r["总分"]) for u, r in table.items()} == {
        "甲": (2, 82), "乙": (0, 85), "丙": (3, 73), "丁": (None, None), "戊": (None, None), "己": (0, 88)}
    assert _formula_cells(copy, ["2 荣誉"]) == 5                      # all but 丙's
    sheet = openpyxl.load_workbook(copy)["得分"]
    head = [c.value for c in sheet[1]]
    assert "公式版" in sheet.cell(4, head.index("2 荣誉") + 1).comment.text


def test_ratio_cut_offs_and_bonus_counts_by_level_recalculate_to_hand_worked_scores(exported):
    # ratio min=60% of 10: 59.99% → 0; 60% → 6; 85% → 8.5; 120% → 10; 70% → 7 (the same from 59/100 …
    # 120/100). Bonus 0.5 a 省级 article, 1 a 国家级 one, at most 3: (2, 1) → 2; (4, 2) → 4 → 3; (0, 0) → 0;
    # 1.5 articles → blank (and a blank total); (0, 1) → 1. 总分 = A + bonus.
    copy, table = _recalculated(exported, "门槛")
    got = {u: (r["1 完成率"], r["2 执行"], r["3 刊发"], r["总分"]) for u, r in table.items()}
    assert got == {"甲": (0, 0, 2, 2), "乙": (6, 6, 3, 15), "丙": (8.5, 8.5, 0, 17), "丁": (10, 10, None, None),
                   "戊": (7, 7, 1, 15)}
    assert _formula_cells(copy, ["1 完成率", "2 执行", "3 刊发"]) == 15


def _recalculated(exported, name: str) -> tuple[Path, dict[str, dict]]:
    """The copy, and LibreOffice's 得分 by unit, once every formula cell is checked equal to rubricxl."""
    copy, again = exported[name]
    assert compare(copy, again).mismatches == []
    return copy, _table(again, "得分", "单位")


def _formula_cells(path: Path, headings: list[str]) -> int:
    """Formula cells without a 公式版 note in the given columns of 得分."""
    sheet = openpyxl.load_workbook(path)["得分"]
    head = [c.value for c in sheet[1]]
    cells = [sheet.cell(r, head.index(h) + 1) for h in headings for r in range(2, sheet.max_row + 1)]
    return sum(1 for c in cells if str(c.value).startswith("=") and c.comment is None)


def test_libreoffice_recalculates_fuzzed_workbooks_to_rubricxls_scores(exported):
    fuzzed = [name for name in exported if name.startswith("fuzz")]
    assert len(fuzzed) >= 8                       # many drawn workbooks can be read and exported
    cells = 0
    for name in fuzzed:
        result = compare(*exported[name])
        cells += result.cells
        assert result.mismatches == [], (name, result.mismatches[:3])
    assert cells > 100


def _table(path: Path, sheet: str, key: str) -> dict[str, dict]:
    rows = list(openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    head = rows[0]
    return {r[head.index(key)]: {h: (None if v == "" else v) for h, v in zip(head, r)} for r in rows[1:]}


def test_float_boundaries_recalculate_to_the_hand_worked_scores(exported):
    copy, again = exported["边界"]
    scores, means = _table(again, "得分", "单位"), _table(again, "平均", "范围")
    for unit, want in BOUNDARY_SCORES.items():
        for heading, value in want.items():
            assert scores[unit][heading] == (pytest.approx(value, abs=1e-9) if isinstance(value, (int, float))
                                             else value), (unit, heading)
    for scope, want in BOUNDARY_MEANS.items():
        for heading, value in want.items():
            got = means[scope][heading]
            assert got == (pytest.approx(value, abs=1e-9) if value is not None else None), (scope, heading)
    assert compare(copy, again).mismatches == []


def test_a_number_typed_as_text_keeps_rubricxls_score_with_a_note(exported):
    copy, _ = exported["边界"]
    sheet = openpyxl.load_workbook(copy)["得分"]
    head = [c.value for c in sheet[1]]
    cell = sheet.cell(4, head.index("5 满意度") + 1)            # 丙 wrote 满意度 as the text 90%
    assert cell.value == 5 and "90%" in cell.comment.text and "保留" in cell.comment.text
    assert str(sheet.cell(2, head.index("5 满意度") + 1).value).startswith("=")
    notes = [r[3] for r in openpyxl.load_workbook(copy)["问题"].iter_rows(min_row=2, values_only=True)]
    assert any(n.startswith("公式版：") and "1个单元格保留" in n for n in notes)


def test_a_rate_typed_as_95_is_blank_in_the_copy_as_in_rubricxl(exported):
    copy, again = exported["笔误"]
    assert compare(copy, again).mismatches == []
    got = _table(again, "得分", "单位")
    # by hand: 甲 40 × 90% = 36, 满意度 85% → 6; 乙's 95 and 丙's 9500 are slips → blank, not full points
    assert (got["甲"]["1 完成率"], got["甲"]["2 满意度"]) == (36, 6)
    assert got["乙"]["1 完成率"] is None and got["乙"]["2 满意度"] == 10
    assert got["丙"]["1 完成率"] == 20 and got["丙"]["2 满意度"] is None


def test_slips_and_a_group_exception_recalculate_to_hand_worked_scores(exported):
    copy, again = exported["复核"]
    result = compare(copy, again)
    assert result.mismatches == [] and result.cells > 20
    table = _table(again, "得分", "单位")
    # 增速高于全市: 甲's 8.2 is a slip (blank); 5% is not above 6.5% → 0; 7% → 5.
    # 增长水平 = 10 × 增长率 ÷ the best of the rest (6.5%): 乙 10, 丙 7.69, 丁 6.15; 甲 blank.
    # 完成情况: 城区 by the blank-组别 row (10 × 90% = 9, 10 × 50% = 5), 郊区 by its own (20 × 90% = 18,
    # 20 × 100% = 20). 速率: 甲's date is no number (blank); 9/10 → 9, 10, 5. 台账 shows 是/否.
    got = {u: (r["1 增速高于全市"], r["2 增长水平"], r["3 台账"], r["4 完成情况"], r["5 速率"], r["总分"])
           for u, r in table.items()}
    assert got == {"甲": (None, None, "是", 9, None, None), "乙": (0, 10, "否", 18, 9, 37),
                   "丙": (5, 7.69, "是", 5, 10, 27.69), "丁": (5, 6.15, "否", 20, 5, 36.15)}
