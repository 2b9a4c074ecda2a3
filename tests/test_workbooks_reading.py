"""Reading rubrics as officials write them: real .xlsx files made with openpyxl, rescored through
the command line, and the written 得分/问题 sheets read back with openpyxl.

Every expected score is worked out by hand in the test from the rule text and its documented meaning; every
issue is checked by severity, sheet and cell.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xladdin import cli

RUBRIC_HEAD = ["编号", "一级指标", "二级指标", "分值", "规则", "输入", "组别"]


# ------------------------------------------------------------------ helpers (also used by the
# LibreOffice and safety tests)

def write_book(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> Path:
    """An .xlsx with these sheets (rows appended as given; [] is a blank row) and merged ranges."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
    wb.save(path)
    return path


def sheet_rows(path: Path, sheet: str, data_only: bool = False) -> list[dict]:
    """A written table as dicts keyed by its header row (blank rows dropped)."""
    wb = openpyxl.load_workbook(path, data_only=data_only)
    rows = list(wb[sheet].iter_rows(values_only=True))
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:] if any(v is not None for v in r)]


def rescore(path: Path) -> tuple[int, dict[str, dict], list[tuple[str, str, str, str]]]:
    """Run ``rubricxl rescore``; → (exit code, 得分 rows by unit, 问题 rows)."""
    code = cli.main(["rescore", str(path), "-q"])
    scores = {r["单位"]: r for r in sheet_rows(path, "得分")}
    issues = [(r["严重程度"], r["工作表"] or "", r["单元格"] or "", r["说明"]) for r in sheet_rows(path, "问题")]
    issues = [i for i in issues if i[3] != "未发现问题"]
    return code, scores, issues


def where(issues) -> set[tuple[str, str, str]]:
    return {(sev, sheet, cell) for sev, sheet, cell, _ in issues}


def messages(issues, severity: str, sheet: str, cell: str) -> list[str]:
    return [m for s, sh, c, m in issues if (s, sh, c) == (severity, sheet, cell)]


# ------------------------------------------------------------------ layout tolerance

def test_title_rows_and_english_names(tmp_path):
    """Rubric/Data/Settings with English headers under title rows read like the Chinese layout."""
    book = write_book(tmp_path / "english.xlsx", {
        "Rubric": [
            ["2024年度 产业和信息化工作考核评分细则"],
            ["填报单位：区工信局", None, None, "单位：分"],
            ["id", "level1", "level2", "points", "rule", "input", "criteria", "group"],
            ["1", "工作成效", "重点工作", 10, "band 好=8-10; 较好=6-7; 一般=<6", "评定", "完成好的得8-10分", None],
            ["2", None, "满意度", 5, "threshold >=90%: 5; >=80%: 3; else: 0", "满意度", None, None],
            ["3", "预算管理", "执行率", 4, "ratio over=0", "执行数, 预算数", None, None],
        ],
        "Data": [
            ["各单位考核数据"],
            ["unit", "group", "评定", "满意度", "执行数", "预算数"],
            ["甲", "一组", "好", 0.92, 96.25, 100],
            ["乙", "二组", "较好 7", 0.85, 101, 100],
        ],
        "Settings": [["key", "value"], ["decimals", 1], ["grades", "好>=15; 差"]],
    })
    code, scores, issues = rescore(book)
    # The gap (7,8) between 较好 and 好 only fractional scores reach: no problem at all.
    assert where(issues) == set()
    assert code == 0
    jia, yi = scores["甲"], scores["乙"]
    # 甲: 好 → top of its band 10; 92% ≥ 90% → 5; 96.25/100 × 4 = 3.85 → 3.9 (half-up, 1 decimal).
    assert (jia["1 重点工作"], jia["2 满意度"], jia["3 执行率"]) == (10, 5, 3.9)
    assert (jia["工作成效"], jia["预算管理"], jia["总分"], jia["等级"]) == (15, 3.9, 18.9, "好")
    # 乙: 较好 7 (inside 6-7) → 7; 85% → 3; 101% with over=0 → 0.
    assert (yi["1 重点工作"], yi["2 满意度"], yi["3 执行率"]) == (7, 3, 0)
    assert (yi["工作成效"], yi["预算管理"], yi["总分"], yi["等级"]) == (10, 0, 10, "差")
    assert (jia["排名"], yi["排名"], jia["组内排名"], yi["组内排名"]) == (1, 2, 1, 1)
    assert (jia["组别"], yi["组别"]) == ("一组", "二组")


def test_merged_and_blank_level_cells_inherit(tmp_path):
    """一级指标 merged down its block, 二级指标 merged or left blank: leaves take the cells above."""
    book = write_book(tmp_path / "merged.xlsx", {
        "细则": [
            ["一级指标", "二级指标", "三级指标", "分值", "规则", "输入"],
            ["A决策", "目标设定", "规划", 3, "manual", "规划分"],
            [None, None, "目标", 2, "manual", "目标分"],
            [None, "资金", "预算", 5, "manual", "预算分"],
            ["B过程", "执行", "进度", 4, "manual", "进度分"],
            [None, None, "质量", 6, "manual", "质量分"],      # plain blanks, not merged
        ],
        "数据": [["单位", "规划分", "目标分", "预算分", "进度分", "质量分"],
                 ["甲", 3, 1.5, 4, 4, 5.5]],
    }, merges={"细则": ["A2:A4", "B2:B3"]})
    code, scores, issues = rescore(book)
    assert (code, issues) == (0, [])
    jia = scores["甲"]
    assert [jia[k] for k in ("规划", "目标", "预算", "进度", "质量")] == [3, 1.5, 4, 4, 5.5]
    # 目标设定 = 3 + 1.5; 资金 = 4; 执行 = 4 + 5.5; A决策 = 4.5 + 4; B过程 = 9.5; total 18.
    assert (jia["目标设定"], jia["资金"], jia["执行"]) == (4.5, 4, 9.5)
    assert (jia["A决策"], jia["B过程"], jia["总分"]) == (8.5, 9.5, 18)


def test_numbers_written_as_text(tmp_path):
    """'8分', '90%', '９０％', '1,234.5', ' 2. 00 ', full-width digits, and blank rows between."""
    book = write_book(tmp_path / "text.xlsx", {
        "细则": [
            RUBRIC_HEAD,
            ["1", "工作", "评定", "10分", "manual", "评分", None],
            [],
            ["2", "工作", "满意度", "５分", "threshold >=90%: 5; >=80%: 3; else: 0", "满意度", None],
            ["3", "工作", "覆盖", 10, "ratio", "完成数, 总数", None],
            [],
            ["4", "工作", "时效", " 4 ", "deduct each=0.5", "延误", None],
        ],
        "数据": [
            ["单位", "评分", "满意度", "完成数", "总数", "延误"],
            [],
            ["甲", "8分", "90%", "1,234.5", 2469, " 2. 00 "],
            [],
            ["乙", "７.５分", "９０％", "2,469", "2,469", "３"],
            ["丙", 6, "８５ ％", 0, 10, 0],
        ],
    })
    code, scores, issues = rescore(book)
    assert (code, issues) == (0, [])
    row = lambda u: [scores[u][k] for k in ("1 评定", "2 满意度", "3 覆盖", "4 时效", "总分")]
    # 甲: 8; 90% → 5; 1234.5/2469 = 50% of 10 → 5; 2 delays × 0.5 off 4 → 3; total 21.
    assert row("甲") == [8, 5, 5, 3, 21]
    # 乙: 7.5; ９０％ → 5; 2469/2469 → 10; ３ delays → 4 − 1.5 = 2.5; total 25.
    assert row("乙") == [7.5, 5, 10, 2.5, 25]
    # 丙: 6; 85% → 3; 0/10 → 0; no delay → 4; total 13.
    assert row("丙") == [6, 3, 0, 4, 13]


# ------------------------------------------------------------------ problems, each at its cell

def test_duplicate_units_and_ids(tmp_path):
    book = write_book(tmp_path / "dups.xlsx", {
        "细则": [
            RUBRIC_HEAD,
            ["1", "工作", "达标", 10, "pass >=90%", "达成率", "一组"],
            ["1", "工作", "达标", 5, "pass >=80%", "达成率", "二组, 三组"],   # a group variant: fine
            ["2", "工作", "速率", 20, "step per=5% deduct=1 from=best round=up", "速率", "一组, 二组"],
            ["2", "工作", "速率", 10, "step per=5% deduct=1 from=best round=up", "速率", "二组, 三组"],
        ],
        "数据": [
            ["单位", "组别", "达成率", "速率"],
            ["甲", "一组", 0.9, 100],
            ["乙", "三组", 0.85, 95],
            ["丙", "三组", 0.79, 90],
            ["甲", "三组", 0.5, 50],
        ],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert where(issues) == {("错误", "细则", "A5"), ("错误", "数据", "A2"), ("错误", "数据", "A5")}
    [dup_id] = messages(issues, "错误", "细则", "A5")
    assert "「2」" in dup_id and "第4行" in dup_id
    # 甲 listed twice: which row is meant is unknown, so neither is scored, ranked or a peer
    for cell in ("A2", "A5"):
        [dup_unit] = messages(issues, "错误", "数据", cell)
        assert dup_unit == "单位「甲」重复列出（第2行、第5行）：这些行均不评分、不排名，请删去多余的行或改正单位名称"
    assert set(scores) == {"乙", "丙"}
    # The group variants of 编号 1 share one column: 一组 needs 90% of 10, 三组 80% of 5.
    assert (scores["乙"]["1 达标"], scores["丙"]["1 达标"]) == (5, 0)
    # 速率: best of the units left is 乙's 95 → 10 (its 三组 row); 丙 90 is 5/95 = 5.3% below,
    # round=up → 2 steps of 5% → 8.
    assert (scores["乙"]["2 速率"], scores["丙"]["2 速率"]) == (10, 8)
    assert (scores["乙"]["排名"], scores["丙"]["排名"]) == (1, 2)


def test_input_column_missing_from_data(tmp_path):
    book = write_book(tmp_path / "missing_col.xlsx", {
        "细则": [RUBRIC_HEAD,
                 ["1", "服务", "满意度", 5, "threshold >=90%: 5; else: 0", "满意率", None],
                 ["2", "服务", "时效", 4, "deduct each=1", "延误", None]],
        "数据": [["单位", "满意度", "延误"], ["甲", 0.95, 1], ["乙", 0.5, 0]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    # Only the rubric row is at fault (its 输入 cell, perhaps also its 规则 cell), never a 数据 cell.
    assert ("错误", "细则", "F2") in where(issues)
    assert where(issues) <= {("错误", "细则", "F2"), ("错误", "细则", "E2")}
    [msg] = messages(issues, "错误", "细则", "F2")
    assert "「满意率」" in msg and "「满意度」" in msg          # names the column and suggests the close one
    assert scores["甲"]["1 满意度"] is None and scores["乙"]["1 满意度"] is None
    assert (scores["甲"]["2 时效"], scores["乙"]["2 时效"]) == (3, 4)
    assert scores["甲"]["总分"] is None and scores["乙"]["总分"] is None


def test_input_without_rule(tmp_path):
    book = write_book(tmp_path / "no_rule.xlsx", {
        "细则": [RUBRIC_HEAD,
                 ["1", "服务", "满意度", 5, "threshold >=90%: 5; else: 0", "满意度", None],
                 ["2", "服务", "时效", 4, None, "延误", None]],
        "数据": [["单位", "满意度", "延误"], ["甲", 0.95, 1]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert where(issues) == {("错误", "细则", "E3")}
    assert "「时效」" in issues[0][3] and "规则" in issues[0][3]
    assert scores["甲"]["1 满意度"] == 5


def test_stated_points_that_do_not_add_up(tmp_path):
    """'A决策(12分)' over leaves of 6 + 5, and an aggregate row stating 10 over 4 + 5."""
    book = write_book(tmp_path / "stated.xlsx", {
        "细则": [
            RUBRIC_HEAD,
            ["1", "A决策(12分)", "规划", 6, "manual", "规划分", None],
            ["2", None, "目标", 5, "manual", "目标分", None],
            [None, "B过程", None, 10, None, None, None],                 # aggregate row: 10 points
            ["3", None, "进度", 4, "manual", "进度分", None],
            ["4", None, "质量", 5, "manual", "质量分", None],
            ["5", "C产出（9分）", "数量", 4, "manual", "数量分", None],  # 4 + 5 = 9: fine
            ["6", None, "质量", 5, "manual", "产出质量分", None],
        ],
        "数据": [["单位", "规划分", "目标分", "进度分", "质量分", "数量分", "产出质量分"],
                 ["甲", 6, 5, 4, 5, 4, 5]],
    })
    code, scores, issues = rescore(book)
    # 提示 only: the file scores normally.
    assert code == 0
    assert scores["甲"]["总分"] == 29
    # The stated 12 sits in the 一级指标 cell B2; the aggregate row's 10 in its 分值 cell D4.
    assert where(issues) == {("提示", "细则", "B2"), ("提示", "细则", "D4")}
    [a] = messages(issues, "提示", "细则", "B2")
    assert "12" in a and "11" in a
    [b] = messages(issues, "提示", "细则", "D4")
    assert "B过程" in b and "10" in b and "9" in b


def test_band_gap_and_overlap(tmp_path):
    """好=8-10 and 较好=6-8 overlap at 8 (accepted, a 提示); (5, 6) is a gap (a score there is an 错误)."""
    book = write_book(tmp_path / "bands.xlsx", {
        "细则": [RUBRIC_HEAD, ["1", "工作", "档次", 10, "band 好=8-10; 较好=6-8; 一般=<5", "评定", None]],
        "数据": [["单位", "评定"], ["甲", 8], ["乙", 5.5], ["丙", "较好"], ["丁", 4.5]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    [remark] = messages(issues, "提示", "细则", "E2")           # gap and overlap: one 提示 for the rubric
    assert "第2行" in remark and "重叠" in remark and "8分" in remark and "空档" in remark and "[5,6)" in remark
    assert ("提示", "数据", "B2") in where(issues)                 # 甲's 8 lies in the overlap
    [gap] = messages(issues, "错误", "数据", "B3")                 # 乙's 5.5 lies in no band
    assert "5.5" in gap and "「乙」" in gap
    assert where(issues) == {("提示", "细则", "E2"), ("提示", "数据", "B2"), ("错误", "数据", "B3")}
    # 8 accepted as given; 较好 alone → top of 6-8 = 8; 4.5 inside <5.
    assert [scores[u]["1 档次"] for u in "甲乙丙丁"] == [8, None, 8, 4.5]
    assert scores["乙"]["总分"] is None


def _bad_rule_book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "bad_rule.xlsx", {
        "细则": [RUBRIC_HEAD,
                 ["1", "服务", "满意度", 5, "threshold >=90%: 5; >=abc: 3", "满意度", None],
                 ["2", "服务", "时效", 4, "deduct each=1", "延误", None]],
        "数据": [["单位", "满意度", "延误"], ["甲", 0.95, 1], ["乙", 0.85, 0], ["丙", 0.5, 2]],
    })


def test_malformed_rule_is_one_error_at_its_cell(tmp_path):
    code, _, issues = rescore(_bad_rule_book(tmp_path))
    assert code == 1
    # One rubric problem, at the rule cell: the 数据 cells are fine and must not be blamed
    # (with 10,000 units that would be 10,000 lines in 问题).
    assert where(issues) == {("错误", "细则", "E2")}
    [msg] = messages(issues, "错误", "细则", "E2")
    assert "threshold >=90%: 5; >=abc: 3" in msg and "第2段" in msg and "abc" in msg


def test_malformed_rule_blanks_indicator_and_totals(tmp_path):
    _, scores, _ = rescore(_bad_rule_book(tmp_path))
    for unit, delays in (("甲", 1), ("乙", 0), ("丙", 2)):
        row = scores[unit]
        assert row["1 满意度"] is None                              # blank, never 0
        assert row["2 时效"] == 4 - delays
        # No total, so no grade and no rank either: empty cells, not 0 and not empty text.
        assert (row["服务"], row["总分"], row["等级"], row["排名"]) == (None,) * 4
        assert "组内排名" not in row and "组别" not in row      # a book without groups has neither column


def test_missing_input_cell(tmp_path):
    book = write_book(tmp_path / "missing_cell.xlsx", {
        "细则": [RUBRIC_HEAD,
                 ["1", "预算", "执行率", 4, "ratio over=0", "执行数, 预算数", None],
                 ["2", "服务", "满意度", 5, "threshold >=90%: 5; else: 0", "满意度", None]],
        "数据": [["单位", "组别", "执行数", "满意度", "预算数"],
                 ["甲", None, 90, 0.95, 100],
                 ["乙", None, 100, 0.92, 100],
                 [],
                 ["丙", None, 80, None, 100]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert where(issues) == {("错误", "数据", "D5")}
    assert "「丙」" in issues[0][3] and "满意度" in issues[0][3]
    assert scores["丙"]["2 满意度"] is None and scores["丙"]["总分"] is None
    assert scores["丙"]["1 执行率"] == 3.2                        # 80/100 × 4
    assert scores["甲"]["总分"] == 8.6                            # 3.6 + 5
    # 甲 and 乙 are still ranked; 丙 is not.
    assert (scores["乙"]["排名"], scores["甲"]["排名"], scores["丙"]["排名"]) == (1, 2, None)


@pytest.mark.parametrize("value", ["abc", "九十"])
def test_text_that_is_not_a_number(tmp_path, value):
    book = write_book(tmp_path / "nan.xlsx", {
        "细则": [RUBRIC_HEAD, ["1", "服务", "满意度", 5, "threshold >=90%: 5; else: 0", "满意度", None]],
        "数据": [["单位", "满意度"], ["甲", value], ["乙", 0.95]],
    })
    code, scores, issues = rescore(book)
    assert code == 1
    assert where(issues) == {("错误", "数据", "B2")}
    assert value in issues[0][3]
    assert scores["甲"]["1 满意度"] is None and scores["乙"]["1 满意度"] == 5


def test_band_gaps_only_fractional_scores_reach_are_no_problem(tmp_path):
    """好=8-10; 较好=6-7; 一般=<6 leaves (7,8) open: whole-point scores never land there, so 问题 is silent;
    two rows with real gaps make one 提示 naming both rows."""
    book = write_book(tmp_path / "gaps.xlsx", {
        "细则": [RUBRIC_HEAD,
                 ["1", "工作", "甲项", 10, "band 好=8-10; 较好=6-7; 一般=<6", "评定", None],
                 ["2", "工作", "乙项", 10, "band 好=8-10; 一般=<5", "评定2", None],
                 ["3", "工作", "丙项", 10, "band 好=9-10; 一般=<=6", "评定3", None]],
        "数据": [["单位", "评定", "评定2", "评定3"], ["甲", 8, 9, 10]],
    })
    code, _, issues = rescore(book)
    assert code == 0
    assert where(issues) == {("提示", "细则", "E3")}
    [hint] = messages(issues, "提示", "细则", "E3")
    assert "第3行「乙项」" in hint and "[5,8)" in hint
    assert "第4行「丙项」" in hint and "(6,9)" in hint
    assert "甲项" not in hint
