"""Bonus, 总分上限 and 一票否决 through a real workbook: written with openpyxl, rescored by the
command line, read back; and the same rules through RULE_SCORE / RULE_EXPLAIN."""
from __future__ import annotations

import openpyxl

import udfs
from tests.test_workbooks_reading import RUBRIC_HEAD, messages, rescore, sheet_rows, write_book
from xladdin import cli


def _book(tmp_path, settings):
    return write_book(tmp_path / "veto.xlsx", {
        "细则": [RUBRIC_HEAD,
                 ["1", "工作", "业务", 100, "manual", "评分", None],
                 ["2", "加分", "创新", None, "bonus each=1 cap=5", "创新项数", None],
                 ["3", "否决", "安全生产", None, "veto total=59", "重大事故", None]],
        "数据": [["单位", "评分", "创新项数", "重大事故"],
                 ["甲", 98, 4, "否"], ["乙", 90, 2, "是"], ["丙", 50, 1, "是"], ["丁", 80, 0, None]],
        "设置": [["项目", "值"], *settings],
    })


def test_bonus_capped_total_and_veto_in_a_workbook(tmp_path):
    book = _book(tmp_path, [["总分上限", "满分"]])
    code, scores, issues = rescore(book)
    assert code == 1                                       # 丁's blank veto answer is an 错误
    # 甲: 98 + 4 = 102 → capped at the full points 100 → 优.
    # 乙: 90 + 2 = 92, veto fired → at most 59 → 差.
    # 丙: 50 + 1 = 51, veto fired but 51 < 59 stays → 差.
    # 丁: 80 + 0, veto answer blank → total blank (never read as 否), no grade.
    assert [scores[u]["总分"] for u in "甲乙丙丁"] == [100, 59, 51, None]
    assert [scores[u]["等级"] for u in "甲乙丙"] == ["优", "差", "差"]
    assert scores["丁"]["等级"] is None
    assert [scores[u]["2 创新"] for u in "甲乙丙丁"] == [4, 2, 1, 0]
    assert [scores[u]["3 安全生产"] for u in "甲乙丙丁"] == ["否", "是", "是", None]   # not scored: the answer
    assert [scores[u]["排名"] for u in "甲乙丙"] == [1, 2, 3]
    [hint] = messages(issues, "提示", "数据", "D3")             # 乙's veto answer cell
    assert hint == "「乙」「安全生产」一票否决：总分由92计为59"
    assert messages(issues, "错误", "数据", "D5")                # 丁's blank answer
    working = {(r["单位"], r["指标"]): r for r in sheet_rows(book, "评分过程")}
    assert working[("乙", "3 安全生产")]["评分过程"] == "安全生产：是，触发一票否决：总分不超过59分"
    assert working[("甲", "2 创新")]["评分过程"] == "加分事项4项，每项加1分，计4分，加4分"


def test_fired_veto_reads_as_yes_in_the_working_not_as_a_score_of_1(tmp_path):
    book = _book(tmp_path, [["小数位", 2]])
    rescore(book)
    working = {(r["单位"], r["指标"]): r for r in sheet_rows(book, "评分过程")}
    assert [working[(u, "3 安全生产")]["得分"] for u in "甲乙丙"] == ["否", "是", "是"]
    assert working[("丁", "3 安全生产")]["得分"] is None


def test_without_a_total_cap_the_bonus_lifts_the_total(tmp_path):
    _, scores, _ = rescore(_book(tmp_path, [["小数位", 2]]))
    assert scores["甲"]["总分"] == 102


def test_added_kinds_through_rule_score():
    col = lambda *v: [[x] for x in v]          # noqa: E731  a column range
    # 每处扣1分，最高扣5分 (10分): 3 → 7; 8 → 5
    assert udfs.RULE_SCORE("deduct each=1 cap=5", 10, col(3, 8)) == col(7, 5)
    # 长兴岛: (8.2% > 6.5%, 是, 30) → 30; (6.5%, 6.5%, 是, no score) → top of 21-27 → 27
    assert udfs.RULE_SCORE("band x1>x2 且 x3=是 => 28-35; x1>x2 或 x3=是 => 21-27; 其他 => <21", 35,
                           col(0.082, 0.065), col(0.065, 0.065), col("是", "是"), col(30, None)) == col(30, 27)
    # ranks among the cells of the range: 9, 8, 8 → 10, 9.5, 9.5
    assert udfs.RULE_SCORE("rank deduct=0.5", 10, col(9, 8, 8)) == col(10, 9.5, 9.5)
    assert udfs.RULE_SCORE("manual na=full", 2, "不涉及") == 2
    assert udfs.RULE_EXPLAIN("manual na=full", 2, "不涉及") == "不涉及，按规则得满分"
    assert udfs.RULE_EXPLAIN("bonus 国家级=3; 省级=2; 市级=1", None, "省级、市级") == "最高级别「省级」，加2分"


def test_veto_typed_into_rule_score_shows_yes_or_no_not_1():
    col = lambda *v: [[x] for x in v]          # noqa: E731  a column range
    assert udfs.RULE_SCORE("veto", None, "是") == "是"
    assert udfs.RULE_SCORE("一票否决", None, col("是", "否", None)) == col("是", "否", "")
    # a veto on a count (发生重大事故1起及以上): 2 fires, 0 does not
    assert udfs.RULE_SCORE("veto >0 total=0", None, col(2, 0)) == col("是", "否")


def test_veto_in_the_single_unit_layout_shows_yes_in_the_score_cell(tmp_path):
    book = write_book(tmp_path / "single.xlsx", {
        "细则": [["编号", "一级指标", "二级指标", "分值", "规则", "业绩值"],
                 ["1", "工作", "业务", 100, "manual", 90],
                 ["2", "否决", "安全生产", None, "veto", "是"]]})
    assert cli.main(["rescore", str(book), "-q"]) == 0
    rows = {r["二级指标"]: r for r in sheet_rows(book, "细则")}
    assert rows["业务"]["得分"] == 90
    assert rows["安全生产"]["得分"] == "是"
    assert rows["安全生产"]["评分过程"] == "安全生产：是，触发一票否决：总分计为0分"


def test_veto_on_the_printed_score_card_shows_yes(tmp_path):
    book = _book(tmp_path, [["小数位", 2]])
    assert cli.main(["report", str(book), "-q"]) == 1          # 丁's blank veto answer is an 错误
    rows = list(openpyxl.load_workbook(book)["评分表"].iter_rows(values_only=True))
    card = next(k for k, r in enumerate(rows) if r[0] == "乙评分表")
    head = rows[card + 2]
    veto = next(r for r in rows[card:] if "安全生产" in r)
    assert veto[head.index("得分")] == "是"
