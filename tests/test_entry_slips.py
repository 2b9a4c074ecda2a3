"""Entry slips never change a score silently: what an official mistypes gives a Chinese message at
its cell and a blank, never a number nobody asked for. Workbooks are real .xlsx files rescored
through the command line and read back with openpyxl; expected values are worked out by hand."""
from __future__ import annotations

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from engine.language import parse_rule
from engine.rules import InputColumn
from engine.score import score_rule
from tests.test_workbooks_reading import messages, rescore, sheet_rows, where, write_book
from udfs import core
from xladdin import cli

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks"
HEAD = ["编号", "一级指标", "二级指标", "分值", "规则", "输入", "组别"]


def slip(name: str, typed: str, meant: str) -> str:
    return f"「{name}」={typed}：本规则按百分比读取，是否应为{meant}？"


def run(rule: str, points, values: list, name: str = "满意度"):
    out = score_rule(parse_rule(rule), Decimal(points), [InputColumn(name, np.array(values, dtype=object))])
    return out.score.tolist(), out.messages


# ------------------------------------------------------------------ 1. percents typed as plain numbers

@pytest.mark.parametrize("rule, points, good, good_score", [
    ("ratio", 10, 0.95, 9.5),                                  # 95 would have scored full points
    ("pass <=100%", 5, 0.95, 5),                               # 95 would have scored 0
    ("pass >=90%", 5, 0.95, 5),
    ("threshold >=90%: 10; >=80%: 8; else: 0", 10, 0.95, 10),
    ("step per=1% deduct=1 zero_at=20%", 10, 0.03, 7),         # 3% → 3 steps of 1 point
    ("band >=90% => 7-10; <90% => <=6", 10, 0.95, 10),         # gated band, no given score: the top
])
def test_typed_95_for_95_percent(rule, points, good, good_score):
    scores, msgs = run(rule, points, [95, good])
    assert np.isnan(scores[0]) and scores[1] == good_score
    assert msgs[0] == slip("满意度", "95", "95%")


def test_typed_95_for_95_percent_under_a_target_or_a_bonus():
    # two-way step from a 90% target: 95% is 5 steps above (full points, no add=); 88% is 2 below
    scores, msgs = run("step at=90% per=1% deduct=0.5", 5, [95, 0.95, 0.88])
    assert np.isnan(scores[0]) and scores[1:] == [5, 4] and msgs[0] == slip("满意度", "95", "95%")
    # a bonus of 0.5 per 1% above 5%, at most 2: 12% → 7 steps → capped at 2
    scores, msgs = run("bonus per=1% each=0.5 at=5% cap=2", 2, [12, 0.12])
    assert np.isnan(scores[0]) and scores[1] == 2 and msgs[0] == slip("满意度", "12", "12%")


def test_typed_95_for_95_percent_in_a_bonus_gate_or_a_condition():
    # 每项加0.5分，完成率达到95%后才加: 95 typed for 95% must not open the gate
    rule = parse_rule("bonus each=0.5 cap=2 if=>=95%")
    cols = [InputColumn("完成率", np.array([95, 0.96, 0.9], dtype=object)),
            InputColumn("项目数", np.array([3, 3, 3], dtype=object))]
    out = score_rule(rule, Decimal(2), cols)
    assert np.isnan(out.score[0]) and out.score.tolist()[1:] == [1.5, 0]
    assert out.messages[0] == slip("完成率", "95", "95%")
    # 增速高于全市且不低于5%: 8.2 typed for 8.2% is a slip, 8.2% against 6.5% passes
    rule = parse_rule("pass x1>x2 且 x1>=5%")
    cols = [InputColumn("增速", np.array([8.2, 0.082], dtype=object)),
            InputColumn("全市增速", np.array([0.065, 0.065], dtype=object))]
    out = score_rule(rule, Decimal(5), cols)
    assert np.isnan(out.score[0]) and out.score[1] == 5
    assert out.messages[0] == slip("增速", "8.2", "8.2%")


def test_typed_97_5_for_97_5_percent_under_a_step_from_100_percent():
    # 执行率100%得满分，每低1个百分点扣0.1分: 97.5 typed for 97.5% would score full points
    scores, msgs = run("step per=1% deduct=0.1 from=100%", 5, [97.5, 0.975, 1.02])
    assert np.isnan(scores[0]) and scores[1:] == [4.8, 5] and msgs[0] == slip("满意度", "97.5", "97.5%")


def test_control_rate_of_101_percent_fails_pass_100_percent():
    # 公用经费控制率≤100%得满分: 101% typed as a rate is over budget (0 points), not a slip; 101 is one
    scores, msgs = run("pass <=100%", 2, [1.01, 1.0, 101])
    assert scores[:2] == [0, 2] and np.isnan(scores[2]) and list(msgs.values()) == [slip("满意度", "101", "101%")]


def test_a_target_in_the_values_own_units_is_not_a_percent():
    scores, msgs = run("step at=50 per=1 deduct=0.5", 5, [95, 45])
    assert scores == [5, 2.5] and not msgs


def test_typed_88_under_pass_90_percent_is_not_8800_percent():
    scores, msgs = run("pass >=90%", 5, [88, 0.88, 0.9])
    assert np.isnan(scores[0]) and scores[1:] == [0, 5]
    assert msgs[0] == slip("满意度", "88", "88%")


def test_typed_9500_percent_as_text():
    scores, msgs = run("threshold >=90%: 10; >=80%: 8; else: 0", 10, ["9500%", "95%"])
    assert np.isnan(scores[0]) and scores[1] == 10
    assert msgs[0] == slip("满意度", "9500%", "95%")


def test_completion_of_120_percent_still_meets_a_target_open_upward():
    # '>=90%' reads completions; 120% is a real over-completion (up to 200%), 250 is a slip
    scores, msgs = run("pass >=90%", 5, [1.2, 2.5])
    assert scores[0] == 5 and np.isnan(scores[1])
    assert msgs[1] == slip("满意度", "2.5", "2.5%")


def test_rule_that_expects_rates_above_100_percent_says_so():
    # 增长率 targets above 100%: a bound of 150% lets rates up to 1500% through; rate_max= sets it
    scores, _ = run("pass >=150%", 5, [2.5, 1.2])
    assert scores == [5, 0]
    scores, msgs = run("pass >=90% rate_max=500%", 5, [4.5, 6])
    assert scores[0] == 5 and msgs[1] == slip("满意度", "6", "6%")
    scores, _ = run("ratio rate_max=不限", 10, [95])
    assert scores == [10]


def test_two_amounts_are_not_percents():
    out = score_rule(parse_rule("ratio"), Decimal(10), [InputColumn("完成数", np.array([95.0])),
                                                        InputColumn("目标数", np.array([100.0]))])
    assert out.score.tolist() == [9.5] and not out.messages


def test_typed_95_for_95_percent_in_a_worksheet_function():
    assert core.threshold_score([[95], [0.95]], ">=90%: 3; >=80%: 2; else: 0") == \
        [[slip("value", "95", "95%")], [3.0]]
    assert core.rule_score("pass >=90%", 5, [[88], [0.91]]) == [[slip("input1", "88", "88%")], [5.0]]


def test_typed_95_for_95_percent_in_data(tmp_path):
    book = write_book(tmp_path / "sat.xlsx", {
        "细则": [HEAD, ["1", "满意度", "服务对象满意度", 10, "threshold >=90%: 10; >=80%: 8; else: 0", "满意度", None],
                 ["2", "工作", "完成情况", 10, "ratio", "完成率", None]],
        "数据": [["单位", "满意度", "完成率"], ["甲", 95, 0.8], ["乙", 0.85, 0.9]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert messages(issues, "错误", "数据", "B2") == ["「甲」「服务对象满意度」：" + slip("满意度", "95", "95%")]
    assert scores["甲"]["1 服务对象满意度"] is None and scores["甲"]["总分"] is None
    assert scores["甲"]["2 完成情况"] == 8                   # the other indicator is still scored
    assert (scores["乙"]["1 服务对象满意度"], scores["乙"]["总分"]) == (8, 17)


# ------------------------------------------------------------------ 2. full points other than 100

def _without_grade_setting(src: Path, dst: Path) -> Path:
    wb = openpyxl.load_workbook(src)
    ws = wb["设置"]
    for row in ws.iter_rows():
        if row[0].value == "等级":
            ws.delete_rows(row[0].row)
            break
    wb.save(dst)
    return dst


def test_200_point_rubric_with_no_grade_setting_grades_on_share(tmp_path):
    """Seed 000 附表1: three district groups, 200 points each; without 设置 等级 the default scheme
    reads 得分率 = 总分 ÷ 200 (90% 优, 80% 良, 60% 中), never 总分 against 90 points."""
    book = _without_grade_setting(SAMPLES / "上海_附表1_各区产业和信息化考核.xlsx", tmp_path / "附表1.xlsx")
    code, scores, issues = rescore(book)
    assert code == 0
    assert len(scores) == 16 and {r["组别"] for r in scores.values()} == {"黄浦等七区", "宝山等六区", "浦东闵行青浦"}
    seen = set()
    for unit, row in scores.items():
        assert row["满分"] == 200
        assert row["得分率"] == pytest.approx(row["总分"] / 200, abs=1e-12)
        share = row["总分"] / 200
        expected = "优" if share >= 0.9 else "良" if share >= 0.8 else "中" if share >= 0.6 else "差"
        assert row["等级"] == expected, unit
        seen.add(expected)
    assert {"优", "良"} <= seen                 # the absolute default would have graded all 16 优
    head = [c.value for c in openpyxl.load_workbook(book)["得分"][1]]
    assert head[head.index("总分"):] [:1] == ["总分"] and "满分" in head and "得分率" in head
    fmt = openpyxl.load_workbook(book)["得分"].cell(2, head.index("得分率") + 1).number_format
    assert fmt == "0.00%"
    assert not [m for s, sh, c, m in issues if "满分不同" in m]      # equal maxima: nothing to say


def _two_maxima(tmp_path, rank_by=None) -> Path:
    rows = [["项目", "值"]] + ([["排名依据", rank_by]] if rank_by else [])
    return write_book(tmp_path / f"maxima{rank_by or ''}.xlsx", {
        "细则": [HEAD, ["1", "工作", "完成情况", 30, "ratio", "完成率", "一组, 二组"],
                 ["2", "工作", "专项", 10, "pass 是", "专项达标", "二组"]],
        "数据": [["单位", "组别", "完成率", "专项达标"], ["甲", "一组", 0.9, None], ["乙", "二组", 0.8, "是"]],
        "设置": rows,
    })


def test_group_variants_with_different_full_points_rank_by_total_and_say_so(tmp_path):
    # 甲 (一组, 30 points): 27 → 90% 优; 乙 (二组, 40 points): 24 + 10 = 34 → 85% 良
    code, scores, issues = rescore(_two_maxima(tmp_path))
    assert code == 0
    assert [(scores[u]["总分"], scores[u]["满分"], scores[u]["等级"], scores[u]["排名"]) for u in ("甲", "乙")] == \
        [(27, 30, "优", 2), (34, 40, "良", 1)]
    assert scores["甲"]["得分率"] == pytest.approx(0.9) and scores["乙"]["得分率"] == pytest.approx(0.85)
    assert messages(issues, "提示", "得分", "") == [
        "各单位满分不同（30、40分）：排名按总分（满分高的单位占优；设置「排名依据」为「得分率」可按得分率排名）"]


def test_set_rank_basis_to_share(tmp_path):
    code, scores, issues = rescore(_two_maxima(tmp_path, "得分率"))
    assert code == 0
    assert (scores["甲"]["排名"], scores["乙"]["排名"]) == (1, 2)
    assert messages(issues, "提示", "得分", "") == ["各单位满分不同（30、40分）：排名按得分率（总分÷满分）"]


def test_40_point_rubric_with_no_settings(tmp_path):
    book = write_book(tmp_path / "forty.xlsx", {
        "细则": [HEAD, ["1", "工作", "完成情况", 40, "ratio", "完成率", None]],
        "数据": [["单位", "完成率"], ["甲", 0.95], ["乙", 0.5]],
    })
    code, scores, _ = rescore(book)
    assert code == 0
    assert (scores["甲"]["总分"], scores["甲"]["等级"], scores["乙"]["总分"], scores["乙"]["等级"]) == (38, "优", 20, "差")


# ------------------------------------------------------------------ 3. ambiguity blanks instead of guesses

def test_two_data_columns_with_one_name(tmp_path):
    book = write_book(tmp_path / "twice.xlsx", {
        "细则": [HEAD, ["1", "工作", "满意度", 10, "threshold >=90%: 10; else: 0", "满意度", None],
                 ["2", "工作", "完成情况", 10, "ratio", "完成率", None]],
        "数据": [["单位", "满意度", "完成率", "满意度"], ["甲", 0.95, 0.5, 0.5]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert messages(issues, "错误", "数据", "D1") == [
        "「数据」有2列都叫「满意度」（B1、D1），无法确定用哪一列：指标「满意度」不评分"]
    assert scores["甲"]["1 满意度"] is None and scores["甲"]["2 完成情况"] == 5


@pytest.mark.parametrize("key, value, blank, message", [
    ("等级", "优>=90; 良; 差", ("等级",),
     "设置「等级」无效：等级「良」缺少分数线（如 优>=90），只有最后一档可以不写，「等级」留空"),
    ("等级", "优 90以上，良 80-90，差", ("等级",),       # written as prose: not one grade for everyone
     "设置「等级」无效：「优 90以上,良 80-90,差」没有分数线，应写成「优>=90; 良>=80; 中>=60; 差」（各档用分号隔开），"
     "「等级」留空"),
    ("排名", "按分数", ("排名", "组内排名"),
     "设置「排名」无效：排名方式「按分数」无效（可用：competition/dense/ordinal），「排名」留空"),
    ("汇总", "相加", ("总分", "等级", "排名", "组内排名"),
     "设置「汇总」无效：汇总方式「相加」无效（可用：求和、加权平均、几何平均），各级汇总和总分留空（各指标得分照常计算）"),
    ("系数", "难度系数", ("总分", "等级", "排名", "组内排名"), "设置的系数列「难度系数」在数据表中不存在，总分留空"),
    ("排名依据", "名次", ("排名", "组内排名"), "设置「排名依据」无效：排名依据应为「总分」或「得分率」，而不是「名次」，「排名」留空"),
])
def test_broken_setting_blanks_what_it_decides(tmp_path, key, value, blank, message):
    book = write_book(tmp_path / "broken.xlsx", {
        "细则": [HEAD, ["1", "工作", "完成情况", 100, "ratio", "完成率", None]],
        "数据": [["单位", "组别", "完成率"], ["甲", "一组", 0.95], ["乙", "一组", 0.5]],
        "设置": [["项目", "值"], [key, value]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert messages(issues, "错误", "设置", "B2") == [message]
    assert scores["甲"]["1 完成情况"] == 95 and scores["乙"]["1 完成情况"] == 50     # scores stay
    for col in ("总分", "等级", "排名", "组内排名"):
        if col in blank:
            assert scores["甲"][col] is None, col
        else:
            assert scores["甲"][col] is not None, col


def test_one_id_typed_on_two_rows_of_a_book_without_groups(tmp_path):
    book = write_book(tmp_path / "ids.xlsx", {
        "细则": [HEAD, ["1", "工作", "完成情况", 10, "manual", "完成", None],
                 ["1", "工作", "完成质量", 10, "manual", "质量", None]],
        "数据": [["单位", "完成", "质量"], ["甲", 8, 9]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert messages(issues, "错误", "细则", "A3") == ["编号「1」与第2行重复（且适用的组别重叠）"]
    # no 组别 column: the per-unit message names no empty group 「」
    assert messages(issues, "错误", "数据", "A2") == [
        "「甲」同时适用指标「完成质量」的细则第2行和第3行，无法确定按哪一行评分，本项不评分"]
    assert scores["甲"]["1 完成情况"] is None and scores["甲"]["总分"] is None     # neither row guessed


@pytest.mark.parametrize("order", ["general row first", "group row first"])
def test_one_id_on_a_row_for_everyone_and_a_row_for_one_group(tmp_path, order):
    """编号 1 with a blank 组别 (10 points) and the same 编号 for 郊区 only (20 points): 郊区's units
    are scored by their own row, every other unit by the blank-组别 row, whichever comes first."""
    general = ["1", "工作", "完成情况", 10, "ratio", "完成率", None]
    suburb = ["1", "工作", "完成情况", 20, "ratio", "完成率", "郊区"]
    rows = [general, suburb] if order == "general row first" else [suburb, general]
    book = write_book(tmp_path / "variants.xlsx", {
        "细则": [HEAD, *rows, ["2", "工作", "质量", 80, "manual", "质量", None]],
        "数据": [["单位", "组别", "完成率", "质量"], ["甲", "城区", 0.9, 70], ["乙", "郊区", 0.9, 70],
                 ["丙", None, 0.5, 70]],
    })
    code, scores, issues = rescore(book)
    assert code == 0
    # 甲 (城区) and 丙 (no group): 10 × 90% = 9 and 10 × 50% = 5; 乙 (郊区): 20 × 90% = 18
    assert [scores[u]["1 完成情况"] for u in "甲乙丙"] == [9, 18, 5]
    assert [scores[u]["总分"] for u in "甲乙丙"] == [79, 88, 75]
    own, rest = (3, 2) if order == "general row first" else (2, 3)
    assert messages(issues, "提示", "细则", "A3") == [
        f"编号「1」：组别「郊区」的单位按第{own}行评分，其余单位按第{rest}行（组别为空）评分"]
    assert not [i for i in issues if i[0] == "错误"]
    assert messages(issues, "提示", "数据", "B2") == [
        "单位「甲」的组别「城区」不在细则「组别」列中（郊区），按组别为空的细则行评分"]
    working = {(r["单位"], r["指标"]): r["评分过程"] for r in sheet_rows(book, "评分过程")}
    assert working[("乙", "1 完成情况")].endswith("20×90%=18分")          # its own row: 20 points


def test_one_id_on_two_rows_for_the_same_group_blanks_that_group(tmp_path):
    book = write_book(tmp_path / "twice.xlsx", {
        "细则": [HEAD, ["1", "工作", "完成情况", 10, "ratio", "完成率", "郊区"],
                 ["1", "工作", "完成情况", 20, "ratio", "完成率", "郊区、城区"]],
        "数据": [["单位", "组别", "完成率"], ["甲", "城区", 0.9], ["乙", "郊区", 0.9]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert messages(issues, "错误", "细则", "A3") == ["编号「1」与第2行重复（且适用的组别重叠）"]
    assert messages(issues, "错误", "数据", "A3") == [
        "「乙」单位所在组别「郊区」同时适用指标「完成情况」的细则第2行和第3行，无法确定按哪一行评分，本项不评分"]
    assert scores["甲"]["1 完成情况"] == 18 and scores["乙"]["1 完成情况"] is None      # 20 × 90%


def test_total_row_at_the_end_of_data(tmp_path):
    book = write_book(tmp_path / "sum.xlsx", {
        "细则": [HEAD, ["1", "工作", "完成情况", 100, "ratio", "完成率", None]],
        "数据": [["单位", "完成率"], ["甲", 0.95], ["乙", 0.5], ["合计", 1.45], ["平均", 0.725]],
    })
    code, scores, issues = rescore(book)
    assert code == 0 and set(scores) == {"甲", "乙"}
    assert messages(issues, "提示", "数据", "A4") == ["「合计」行不是被考核单位，已跳过"]
    assert messages(issues, "提示", "数据", "A5") == ["「平均」行不是被考核单位，已跳过"]


def test_unit_listed_twice_is_neither_scored_nor_ranked(tmp_path):
    book = write_book(tmp_path / "dup.xlsx", {
        "细则": [HEAD, ["1", "工作", "完成情况", 100, "ratio", "完成率", None]],
        "数据": [["单位", "完成率"], ["甲", 0.95], ["乙", 0.5], ["丙", 0.7], ["甲", 0.6]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert where(issues) == {("错误", "数据", "A2"), ("错误", "数据", "A5")}
    assert {u: (r["总分"], r["排名"]) for u, r in scores.items()} == {"乙": (50, 2), "丙": (70, 1)}


# ------------------------------------------------------------------ near-miss sheet names

def test_sheets_named_as_in_the_official_document(tmp_path):
    book = write_book(tmp_path / "names.xlsx", {
        "评分细则": [HEAD, ["1", "工作", "完成情况", 100, "ratio", "完成率", None]],
        "基础数据": [["单位", "完成率"], ["甲", 0.95]],
        "评分设置": [["项目", "值"], ["小数位", 1]],
    })
    code, scores, _ = rescore(book)
    assert code == 0 and scores["甲"]["总分"] == 95


def test_rubric_sheet_with_a_typo_is_suggested(tmp_path, capsys):
    book = write_book(tmp_path / "typo.xlsx", {"细侧": [HEAD], "数据": [["单位"], ["甲"]]})
    before = book.read_bytes()
    assert cli.main(["rescore", str(book)]) == 2
    assert "工作簿「typo.xlsx」中没有「细则」（Rubric）工作表，是否为「细侧」？请将其改名为「细则」" in capsys.readouterr().err
    assert book.read_bytes() == before


def test_samples_are_unchanged_by_these_checks(tmp_path):
    """Every sample still rescores without a percent slip (their rates are typed as rates)."""
    from xladdin import cli
    for src in sorted(SAMPLES.glob("*.xlsx")):
        dst = tmp_path / src.name
        shutil.copy(src, dst)
        assert cli.main(["rescore", str(dst), "-q"]) in (0, 1)
        text = " ".join(str(r["说明"]) for r in sheet_rows(dst, "问题"))
        assert "本规则按百分比读取" not in text, src.name


# ------------------------------------------------------------------ two compared inputs on different scales

def compared(name: str, typed: str, other: str, other_shown: str, meant: str) -> str:
    return f"「{name}」={typed}，与「{other}」={other_shown}比较：两者按百分比读取，是否应为{meant}？"


def test_growth_typed_8_2_against_the_city_rate_0_065_in_a_gated_band(tmp_path):
    """长兴岛's bands: 产值增速高于全市增速且重大项目显著 28-35; one of the two 21-27; neither <21."""
    rule = "band x1>x2 且 x3=是 => 28-35; x1>x2 或 x3=是 => 21-27; 其他 => <21"
    book = write_book(tmp_path / "gate.xlsx", {
        "细则": [HEAD, ["1", "特色工作", "特色工作发展水平", 35, rule, "产值增速, 全市增速, 重大项目显著, 评定分", None]],
        "数据": [["单位", "产值增速", "全市增速", "重大项目显著", "评定分"],
                 ["长兴岛", 8.2, 0.065, "否", 25],        # 8.2 meant 8.2%: 8.2 > 0.065 would pick 21-27
                 ["临港", 0.082, 0.065, "否", 25],        # 8.2% > 6.5%, not 显著: one condition → 21-27 → 25
                 ["张江", 8.2, 6.5, "是", 30],            # both typed in percent points: read as typed → 30
                 ["金桥", 0.05, 6.5, "否", 18]],          # the city's 6.5 is the slip
    })
    code, scores, issues = rescore(book)
    assert code == 1
    got = {u: scores[u]["1 特色工作发展水平"] for u in scores}
    assert got == {"长兴岛": None, "临港": 25, "张江": 30, "金桥": None}
    assert messages(issues, "错误", "数据", "B2") == [
        "「长兴岛」「特色工作发展水平」：" + compared("产值增速", "8.2", "全市增速", "6.5%", "8.2%")]
    assert messages(issues, "错误", "数据", "C5") == [
        "「金桥」「特色工作发展水平」：" + compared("全市增速", "6.5", "产值增速", "5%", "6.5%")]
    working = {(r["单位"], r["指标"]): r["评分过程"] for r in sheet_rows(book, "评分过程")}
    assert working[("长兴岛", "1 特色工作发展水平")] == compared("产值增速", "8.2", "全市增速", "6.5%", "8.2%")


def average_book(tmp_path) -> Path:
    return write_book(tmp_path / "average.xlsx", {
        "细则": [HEAD, ["1", "发展", "增长达标", 5, "pass >=100%", "增长率, 全市平均增长率", None],
                 ["2", "发展", "增长水平", 10, "ratio", "增长率, 全市平均增长率", None],
                 ["3", "投资", "投资规模", 5, "pass x1>x2", "投资额（万元）, 全市平均投资额（万元）", None]],
        "数据": [["单位", "增长率", "全市平均增长率", "投资额（万元）", "全市平均投资额（万元）"],
                 ["甲", 8.2, 0.065, 8.2, 0.9],         # the growth slips; 8.2 万元 > 0.9 万元 is real
                 ["乙", 0.052, 0.065, 0.5, 0.9],        # 5.2% < 6.5%: pass 0, ratio 10 × 0.8 = 8
                 ["丙", "7.8%", 0.065, 1, 0.9],         # 7.8% ≥ 6.5%: 5 and 10 (capped)
                 ["丁", 0.07, None, 1, 0.9]],           # the average left blank: said at its own cell
    })


def test_growth_compared_with_the_city_average_as_a_ratio_or_a_pass(tmp_path):
    """增长率达到全市平均增长率的得满分 (pass >=100% on 增长率 ÷ 全市平均增长率), and 高于全市平均的得满分，
    低于的按比例得分 (ratio): 8.2 typed for 8.2% against 6.5% would be 126× the average, full points."""
    book = average_book(tmp_path)
    code, scores, issues = rescore(book)
    assert code == 1
    assert [scores[u]["1 增长达标"] for u in "甲乙丙"] == [None, 0, 5]
    assert [scores[u]["2 增长水平"] for u in "甲乙丙"] == [None, 8, 10]
    assert [scores[u]["3 投资规模"] for u in "甲乙丙"] == [5, 0, 5]
    slip_said = compared("增长率", "8.2", "全市平均增长率", "6.5%", "8.2%")
    assert messages(issues, "错误", "数据", "B2") == [f"「甲」「{name}」：{slip_said}" for name in ("增长达标", "增长水平")]
    assert not messages(issues, "错误", "数据", "D2")
    assert messages(issues, "错误", "数据", "C5") == [f"「丁」「{name}」：缺少输入「全市平均增长率」"
                                                    for name in ("增长达标", "增长水平")]


def test_growth_typed_8_2_against_a_city_rate_typed_with_percent_in_rule_score():
    # a worksheet function's inputs have no headings: the 6.5% typed in the cell says they are rates
    assert core.rule_score("pass x1>x2", 5, [[8.2], [0.07]], [["6.5%"], ["6.5%"]]) == [
        [compared("input1", "8.2", "input2", "6.5%", "8.2%")], [5]]


def test_growth_slip_stays_blank_in_the_formula_copy(tmp_path):
    """公式版 would compare 8.2 with 0.065 as typed: 甲's cells keep rubricxl's blank, with a note."""
    out = tmp_path / "公式版.xlsx"
    assert cli.main(["export", str(average_book(tmp_path)), "-o", str(out), "-q"]) == 1     # 错误 listed
    ws = openpyxl.load_workbook(out)["得分"]
    head = [c.value for c in ws[1]]
    c = head.index("1 增长达标") + 1
    assert ws.cell(2, c).value is None
    assert ws.cell(2, c).comment.text.endswith(compared("增长率", "8.2", "全市平均增长率", "6.5%", "8.2%"))
    assert str(ws.cell(3, c).value).startswith("=")           # 乙 is a formula as usual


# ------------------------------------------------------------------ one unit's slip and the others' scores

def test_date_typed_for_a_download_speed_lowers_nobody_silently(tmp_path):
    """每低于最高下载速率5%扣1分（不足5%的按5%计算）, 20 points: 甲's speed typed as a date is an 错误;
    乙 and 丙 are scored against the best of the rest (299.82), and a 提示 says 甲 was left out."""
    book = write_book(tmp_path / "speed.xlsx", {
        "细则": [HEAD, ["1", "网络", "宽带用户下载速率", 20, "step per=5% deduct=1 from=best round=up", "下载速率", None]],
        "数据": [["单位", "下载速率"], ["甲", datetime.datetime(2024, 3, 15)], ["乙", 299.82], ["丙", 280]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    # 乙 is the best → 20; 丙: (299.82 − 280) ÷ 299.82 = 6.61% → 2 started steps → 18
    assert [scores[u]["1 宽带用户下载速率"] for u in "甲乙丙"] == [None, 20, 18]
    assert messages(issues, "错误", "数据", "B2") == ["「甲」「宽带用户下载速率」：输入「下载速率」的值「2024-03-15」不是数值"]
    assert messages(issues, "提示", "细则", "E2") == [
        "「宽带用户下载速率」按各单位的最高值计分，「甲」的输入空白或有误，未参与比较：补正后其他单位的得分可能变化"]


def test_growth_typed_8_2_among_rates_does_not_become_everyones_best(tmp_path):
    """relative (本单位值÷最高值×分值) and rank (第1名满分，每降一名扣1分) over 增长率: 甲's 8.2 (for 8.2%)
    would be the best and drop 乙 to 10 × 0.065 ÷ 8.2 = 0.08; it is a slip and left out."""
    book = write_book(tmp_path / "relative.xlsx", {
        "细则": [HEAD, ["1", "发展", "增长水平", 10, "relative", "增长率", None],
                 ["2", "发展", "增长排名", 10, "rank deduct=1", "增长率", None]],
        "数据": [["单位", "增长率"], ["甲", 8.2], ["乙", 0.065], ["丙", 0.05], ["丁", 0.04]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    # best of the rest 6.5%: 乙 10; 丙 10 × 5 ÷ 6.5 = 7.69; 丁 10 × 4 ÷ 6.5 = 6.15; ranks 1, 2, 3 → 10, 9, 8
    assert [scores[u]["1 增长水平"] for u in "甲乙丙丁"] == [None, 10, 7.69, 6.15]
    assert [scores[u]["2 增长排名"] for u in "甲乙丙丁"] == [None, 10, 9, 8]
    # the peers' median: (6.5% + 5%) ÷ 2 = 5.75%
    said = compared("增长率", "8.2", "各单位中位数", "5.75%", "8.2%")
    assert messages(issues, "错误", "数据", "B2") == [f"「甲」「{name}」：{said}" for name in ("增长水平", "增长排名")]
    assert messages(issues, "提示", "细则", "E3") == [
        "「增长排名」按各单位的排名计分，「甲」的输入空白或有误，未参与比较：补正后其他单位的得分可能变化"]


def test_city_growth_merged_down_the_column_and_a_merged_group_block(tmp_path):
    """数据 as officials lay it out: 组别 merged over its block, the city's growth merged down
    beside every district. Each row reads the merged value, never a blank."""
    book = write_book(tmp_path / "merged.xlsx", {
        "细则": [HEAD, ["1", "发展", "增速高于全市", 5, "pass x1>x2", "产值增速, 全市增速", None]],
        "数据": [["单位", "组别", "产值增速", "全市增速"], ["甲", "一组", 0.082, 0.065], ["乙", None, 0.05, None],
                 ["丙", "二组", 0.07, None]],
    }, merges={"数据": ["B2:B3", "D2:D4"]})
    code, scores, issues = rescore(book)
    assert code == 0
    assert [scores[u]["1 增速高于全市"] for u in "甲乙丙"] == [5, 0, 5]     # 8.2%, 5%, 7% against 6.5%
    assert [scores[u]["组别"] for u in "甲乙丙"] == ["一组", "一组", "二组"]
    assert [scores[u]["组内排名"] for u in "甲乙丙"] == [1, 2, 1]
    assert messages(issues, "提示", "数据", "D2") == ["D2:D4为合并单元格，其值「0.065」用于第2-4行的每个单位"]
    assert not messages(issues, "提示", "数据", "B2")


def test_ticks_and_crosses_typed_for_yes_and_no(tmp_path):
    """√ and × (and their full-width look-alikes) tick a 是/否 box: 制度健全得满分 (5), 一票否决 on 是."""
    book = write_book(tmp_path / "ticks.xlsx", {
        "细则": [HEAD, ["1", "管理", "制度建设", 5, "pass 是", "制度健全", None],
                 ["2", "否决", "安全生产", None, "veto", "重大事故", None]],
        "数据": [["单位", "制度健全", "重大事故"], ["甲", "√", "×"], ["乙", "×", "×"], ["丙", "√", "√"]],
    })
    code, scores, issues = rescore(book)
    assert code == 0 and not [i for i in issues if i[0] == "错误"]
    assert [scores[u]["1 制度建设"] for u in "甲乙丙"] == [5, 0, 5]
    assert [scores[u]["2 安全生产"] for u in "甲乙丙"] == ["否", "否", "是"]
    assert [scores[u]["总分"] for u in "甲乙丙"] == [5, 0, 0]            # 丙's veto: total 0


def test_one_weight_typed_as_0_4_beside_siblings_typed_as_20(tmp_path):
    """加权平均 with 工作 40%, 质量 20%, 服务 20%, 创新 20% typed as 0.4, 20, 20, 20: read as typed, 工作
    weighs 1/50 of each sibling (and the total would be 5.8 rather than 9.1); the totals stay blank."""
    W = ["编号", "一级指标", "二级指标", "分值", "规则", "输入", "权重"]
    book = write_book(tmp_path / "weights.xlsx", {
        "细则": [W, ["1", "工作", "工作", 10, "manual", "工作", None], ["2", "质量", "质量", 10, "manual", "质量", None],
                 ["3", "服务", "服务", 10, "manual", "服务", None], ["4", "创新", "创新", 10, "manual", "创新", None],
                 [None, "工作", None, None, None, None, 0.4], [None, "质量", None, None, None, None, 20],
                 [None, "服务", None, None, None, None, 20], [None, "创新", None, None, None, None, 20]],
        "数据": [["单位", "工作", "质量", "服务", "创新"], ["甲", 10, 8, 8, 8]],
        "设置": [["项目", "值"], ["汇总", "加权平均"]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert scores["甲"]["1 工作"] == 10 and scores["甲"]["总分"] is None and scores["甲"]["工作"] is None
    assert messages(issues, "错误", "细则", "G6") == [
        "同级权重的写法不一致（「工作」0.4、「质量」20、「服务」20、「创新」20）：有的按小数或百分比、有的按百分点填写，"
        "请统一（如 0.4 与 0.2，或 40 与 20）；汇总结果留空"]
    # typed alike (40, 20, 20, 20): 10 × 0.4 + 8 × 0.6 = 8.8
    ws = openpyxl.load_workbook(book)
    ws["细则"]["G6"] = 40
    ws.save(book)
    code, scores, issues = rescore(book)
    assert code == 0 and scores["甲"]["总分"] == 8.8


@pytest.mark.parametrize("typed, said", [
    ("20%", "分值「20%」是百分比：分值应填分数（如 20），已按空白处理"),
    (-20, "分值「-20」不能为负（扣分项的分值填0，扣分写在规则里，如 deduct each=1 cap=5），已按空白处理"),
])
def test_points_typed_as_a_percent_or_negative(tmp_path, typed, said):
    """分值 20% would score 覆盖 3/4 as 0.15 points, -20 as −15: both are blank with an 错误."""
    book = write_book(tmp_path / "points.xlsx", {
        "细则": [HEAD, ["1", "工程", "覆盖", typed, "ratio", "完成数, 总数", None],
                 ["2", "工程", "质量", 10, "manual", "质量", None]],
        "数据": [["单位", "完成数", "总数", "质量"], ["甲", 3, 4, 8]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert messages(issues, "错误", "细则", "D2") == [said]
    assert messages(issues, "错误", "细则", "E2") == ["指标「覆盖」：缺少分值"]
    assert scores["甲"]["1 覆盖"] is None and scores["甲"]["2 质量"] == 8 and scores["甲"]["总分"] is None


def test_rule_typed_with_spaces_around_its_equals_signs(tmp_path):
    """每发现一例延误扣0.5分，最多扣5分 typed as 'deduct each = 0.5 cap = 5' (and 'cap =2' in a bonus,
    which read 'cap' as a level name): read like each=0.5 cap=5. 3 delays → 10 − 1.5 = 8.5;
    12 delays → at most 5 off → 5; 5 awards × 0.5 = 2.5, at most 2."""
    book = write_book(tmp_path / "spaces.xlsx", {
        "细则": [HEAD, ["1", "时效", "工作时效性", 10, "deduct each = 0.5 cap = 5", "延误事项数", None],
                 ["2", "加分", "表彰", None, "bonus each=0.5 cap =2", "表彰数", None]],
        "数据": [["单位", "延误事项数", "表彰数"], ["甲", 3, 5], ["乙", 12, 1]],
    })
    code, scores, issues = rescore(book)
    assert code == 0 and not [i for i in issues if i[0] == "错误"]
    assert [scores[u]["1 工作时效性"] for u in "甲乙"] == [8.5, 5]
    assert [scores[u]["2 表彰"] for u in "甲乙"] == [2, 0.5]


def test_a_formula_error_in_data_is_named_not_called_missing(tmp_path):
    """#DIV/0! cached by a broken formula was read as a blank ('缺少输入'); #N/A in 单位 made the row
    one without a name. Both are named as the error values they are."""
    book = tmp_path / "errors.xlsx"
    wb = openpyxl.Workbook()
    rubric = wb.active
    rubric.title = "细则"
    rubric.append(HEAD)
    rubric.append(["1", "工程", "覆盖", 20, "ratio", "完成数, 总数", None])
    data = wb.create_sheet("数据")
    data.append(["单位", "完成数", "总数"])
    data.append(["甲", 3, 4])
    data.append(["乙", 3, None])
    data.append([None, 2, 4])
    data["C3"].value, data["C3"].data_type = "#DIV/0!", "e"     # as Excel caches a failed =B3/0
    data["A4"].value, data["A4"].data_type = "#N/A", "e"         # a VLOOKUP that found nothing
    wb.save(book)
    code, scores, issues = rescore(book)
    assert code == 1 and set(scores) == {"甲", "乙"}
    assert scores["甲"]["1 覆盖"] == 15 and scores["乙"]["1 覆盖"] is None          # 20 × 3/4
    assert messages(issues, "错误", "数据", "C3") == [
        "「乙」「覆盖」：输入「总数」是错误值「#DIV/0!」（单元格的公式出错）：请先改正该单元格"]
    assert messages(issues, "错误", "数据", "A4") == ["单位名称是错误值「#N/A」（单元格的公式出错），此行已跳过"]
