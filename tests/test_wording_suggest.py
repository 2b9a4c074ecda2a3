"""`rubricxl suggest` on each seed sample with its 规则 column blanked: the rules read from the
评分标准 wording score the same 得分 sheet as the hand-written rules, except the rows listed here
(each with the reason the wording alone cannot give the sample's rule)."""
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xladdin import handlers
from xladdin.hosts.files import FileHost
from xladdin.layout import RUBRIC_COLUMNS, find_header

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks"

# (sample, units or indicator columns whose scores may differ, why)
KNOWN = {
    "上海_附表1_各区产业和信息化考核.xlsx": set(),
    "上海_附表2_市级机关城市数字赋能考核.xlsx": set(),
    # 长兴岛: the sample names its levels by hand ("增速高于全市或项目成效显著 25"); the reader names
    # them with the wording's own phrases, so the sample's level text does not match.
    "上海_附表3_特定功能区考核.xlsx": {"长兴岛"},
    # E11: the wording is a 满意度 table, but the seed gives no 满意度 (the sample types the awarded 3
    # as an assessor's score under `manual`); read as the table, 3 is not a rate.
    "南京_工信局_2024部门整体绩效自评价.xlsx": {"E11企业服务对象满意度", "E1服务对象满意度", "E满意度(3分)",
                                                "总分", "等级", "排名", "组内排名"},
    "数字智慧园区_发展目标.xlsx": set(),
}


def run(*args):
    return subprocess.run([sys.executable, "-m", "xladdin.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def blank_rules(src: Path, dst: Path) -> int:
    wb = openpyxl.load_workbook(src)
    ws = wb["细则"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    hr, cols = find_header(rows, RUBRIC_COLUMNS, ("rule",))
    n = 0
    for r in range(hr + 1, len(rows)):
        if rows[r][cols["rule"]] and rows[r][cols["criteria"]]:
            ws.cell(r + 1, cols["rule"] + 1).value = None
            n += 1
    wb.save(dst)
    return n


def scores(path: Path) -> dict:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("得分").to_python()
    h = next(i for i, r in enumerate(rows) if "单位" in r)
    head = rows[h]
    unit = head.index("单位")
    return {(r[unit], head[k]): r[k] for r in rows[h + 1:] for k in range(len(head))}


@pytest.mark.parametrize("sample", sorted(KNOWN))
def test_suggest_on_blanked_sample_scores_like_the_hand_written_rules(sample, tmp_path):
    blanked, suggested = tmp_path / "blank.xlsx", tmp_path / "suggested.xlsx"
    n = blank_rules(SAMPLES / sample, blanked)
    assert n > 0
    found, issues = handlers.suggest(FileHost(blanked, suggested))
    assert len(found) == n and len(issues) == n
    handlers.rescore(FileHost(suggested, tmp_path / "a.xlsx"))
    handlers.rescore(FileHost(SAMPLES / sample, tmp_path / "b.xlsx"))
    got, want = scores(tmp_path / "a.xlsx"), scores(tmp_path / "b.xlsx")
    assert set(want) == set(got), "the suggested rubric lost or gained a 得分 column"
    differ = {k for k in want if got[k] != want[k]}
    allowed = KNOWN[sample]
    assert {k for k in differ if k[0] not in allowed and k[1] not in allowed} == set()
    # the filled cells carry the note, and only blank cells were written
    ws = openpyxl.load_workbook(suggested)["细则"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    hr, cols = find_header(rows, RUBRIC_COLUMNS, ("rule",))
    noted = [r for r in range(hr + 1, len(rows)) if ws.cell(r + 1, cols["rule"] + 1).comment is not None]
    assert noted and all(ws.cell(r + 1, cols["rule"] + 1).comment.text == "由评分标准推导，请核对" for r in noted)
    original = openpyxl.load_workbook(blanked)["细则"]
    for r in range(len(rows)):
        for c in range(len(rows[r])):
            before = original.cell(r + 1, c + 1).value
            if before is not None:
                assert ws.cell(r + 1, c + 1).value == before


def test_suggest_lists_every_row_in_issues_and_keeps_hand_written_rules(tmp_path):
    src = SAMPLES / "南京_工信局_2024部门整体绩效自评价.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb["细则"]
    ws["F4"] = None                                  # A11: blank → derived
    ws["G5"] = "由考核组综合评定"                      # A12: wording it cannot read, rule blanked
    ws["F5"] = None
    wb.save(tmp_path / "b.xlsx")
    out = run("suggest", tmp_path / "b.xlsx")
    assert out.returncode == 1
    book = openpyxl.load_workbook(tmp_path / "b.xlsx")
    assert book["细则"]["F4"].value == "manual"
    assert book["细则"]["F5"].value is None
    assert book["细则"]["F6"].value == "check n=3"     # hand-written, untouched
    issues = [[c.value for c in r] for r in book["问题"].iter_rows()]
    msgs = {r[2]: r[3] for r in issues[1:]}
    assert "推导规则「manual」" in msgs["F4"] and "酌情" in msgs["F4"]
    assert "未读懂" in msgs["F5"] and "由考核组综合评定" in msgs["F5"]
    assert all(r[0] == "提示" for r in issues[1:])


def test_suggested_notes_survive_libreoffice(tmp_path):
    """LibreOffice, as an independent reader, sees the derived rule and its note."""
    import shutil
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is not installed")
    blank_rules(SAMPLES / "上海_附表2_市级机关城市数字赋能考核.xlsx", tmp_path / "b.xlsx")
    handlers.suggest(FileHost(tmp_path / "b.xlsx"))
    conv = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(conv), str(tmp_path / "b.xlsx")], capture_output=True, timeout=120)
    ws = openpyxl.load_workbook(conv / "b.xlsx")["细则"]
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("band "))
    assert cell.comment is not None and "由评分标准推导" in cell.comment.text


def test_cell_notes_join_the_users_own_comments(tmp_path):
    """A sheet that already has comments (and Excel's VML note boxes) keeps them; ours are added."""
    from openpyxl.comments import Comment

    from xladdin.sheetspec import CellPatch
    from xladdin.xlsxpkg import write_package
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "细则"
    ws["A1"], ws["B2"] = "规则", "旧值"
    ws["A1"].comment = Comment("用户自己的批注", "王科长")
    wb.save(tmp_path / "u.xlsx")
    write_package(tmp_path / "u.xlsx", tmp_path / "v.xlsx",
                  [], [CellPatch("细则", {(1, 0): "manual", (2, 0): "pass 是"},
                                 notes={(1, 0): "由评分标准推导，请核对", (2, 0): "由评分标准推导，请核对"})])
    back = openpyxl.load_workbook(tmp_path / "v.xlsx")["细则"]
    assert back["A1"].comment.text.startswith("用户自己的批注")
    assert back["A2"].value == "manual" and back["A2"].comment.text == "由评分标准推导，请核对"
    assert back["A3"].comment.text == "由评分标准推导，请核对" and back["B2"].value == "旧值"
    # writing again replaces our note instead of stacking a second one
    write_package(tmp_path / "v.xlsx", tmp_path / "w.xlsx", [],
                  [CellPatch("细则", {(1, 0): "manual"}, notes={(1, 0): "再次推导"})])
    again = openpyxl.load_workbook(tmp_path / "w.xlsx")["细则"]
    assert again["A2"].comment.text == "再次推导" and again["A1"].comment is not None


def test_validate_with_reading_prints_every_rule_in_words():
    out = run("validate", SAMPLES / "南京_工信局_2024部门整体绩效自评价.xlsx", "--reading")
    lines = out.stdout.splitlines()
    b13 = next(line for line in lines if "B13结转结余率" in line)
    assert "每增加1个百分点扣分值的10%" in b13 and "不满1个百分点的部分不计" in b13
    assert sum("」" in line and "：" in line for line in lines) >= 42


def test_suggest_names_the_inputs_to_add_and_rescore_asks_for_them(tmp_path):
    # 网站 has no 数据 column of its own: 输入 gets 错误数, and the rescore names that missing column;
    # 执行率 has one (named after the indicator): its 输入 stays blank and it scores 0.9 × 5 = 4.5.
    src = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "细则"
    ws.append(["一级指标", "分值", "规则", "输入", "评分标准"])
    ws.append(["网站", 2, None, None, "每发现一处错误扣0.5分，扣完为止"])
    ws.append(["执行率", 5, None, None, "执行率按完成比例得分"])
    data = wb.create_sheet("数据")
    data.append(["单位", "执行率"])
    data.append(["甲", 0.9])
    wb.save(src)
    suggested = tmp_path / "suggested.xlsx"
    found, _ = handlers.suggest(FileHost(src, suggested))
    assert [s.filled for s in found] == [True, True]
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(suggested)["细则"].iter_rows()]
    assert rows[1][2:4] == ["deduct each=0.5", "错误数"]
    assert rows[2][3] is None
    report = handlers.rescore(FileHost(suggested, tmp_path / "out.xlsx"))
    said = [i.message for i in report.issues]
    assert any("「错误数」在「数据」中不存在：请在「数据」中加上这一列" in m for m in said), said
    got = scores(tmp_path / "out.xlsx")
    assert got[("甲", "执行率")] == 4.5
