"""A rescore touches only rubricxl's own sheets: the user's cells, formats, comments, names,
validation, charts and sheet order survive, failures leave the file as it was, exit codes hold.

Checked through the command line (``xladdin.cli.main`` and once the installed ``rubricxl``) and an
independent reader (openpyxl); package-level byte checks live in test_xlsxpkg.py.
"""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from tests.test_workbooks_reading import sheet_rows, write_book
from xladdin import cli

OWNED = ("得分", "平均", "评分过程", "问题")
USER_ORDER = ["封面", "细则", "数据", "得分", "图表", "设置"]     # 得分 is a stale one from an earlier run


def _user_book(path: Path) -> Path:
    """A workbook an official has worked on: formulas, formats, comments, names, validation, a chart."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "封面"
    cover["A1"] = "2024年度部门考核"
    cover["A1"].font = Font(name="黑体", size=18, bold=True, color="FFC00000")
    cover.merge_cells("A1:D1")
    cover.append(["预算合计", "=SUM(数据!E2:E4)"])
    cover.append(["单位数", "=COUNTA(数据!A2:A100)"])
    cover.append(["平均满意度", "=AVERAGE(数据!C2:C4)"])
    cover["B2"].number_format = "#,##0.00"
    cover["B4"].number_format = "0.0%"
    cover["A3"].fill = PatternFill("solid", fgColor="FFFFF2CC")
    cover.column_dimensions["A"].width = 24
    cover.freeze_panes = "A2"

    rubric = wb.create_sheet("细则")
    rubric.append(["编号", "一级指标", "二级指标", "分值", "规则", "输入", "评分标准"])
    rubric.append(["1", "服务", "满意度", 5, "threshold >=90%: 5; >=80%: 3; else: 0", "满意度", '="满分"&D2&"分"'])
    rubric.append(["2", "预算", "执行率", 4, "ratio over=0", "执行数, 预算数", '="满分"&D3&"分"'])
    rubric.append(["3", "服务", "达标", 1, "pass 是", "是否达标", None])
    rubric["E2"].comment = Comment("90%以上得满分", "考核办")
    for cell in rubric[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFDDEBF7")
    rubric.column_dimensions["E"].width = 40

    data = wb.create_sheet("数据")
    data.append(["单位", "组别", "满意度", "执行数", "预算数", "是否达标", "合计"])
    for r, row in enumerate([["甲", "一组", 0.95, 96, 100, "是"], ["乙", "一组", 0.85, 90, 100, "否"],
                             ["丙", "二组", 0.7, 105, 100, "是"]], start=2):
        data.append(row + [f"=D{r}+E{r}"])
        data.cell(r, 3).number_format = "0.00%"
        data.cell(r, 4).number_format = data.cell(r, 5).number_format = "#,##0.00"
        data.cell(r, 7).number_format = '0.0"万元"'
    data["A2"].comment = Comment("数据来源：区统计局", "统计科")
    data["C3"].font = Font(italic=True, color="FF0000FF")
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    share = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
    data.add_data_validation(yes_no)
    data.add_data_validation(share)
    yes_no.add("F2:F50")
    share.add("C2:C50")

    stale = wb.create_sheet("得分")
    stale.append(["单位", "总分"])
    stale.append(["旧单位", 1])

    chart_sheet = wb.create_sheet("图表")
    chart_sheet["A1"] = "满意度对比"
    chart = BarChart()
    chart.title = "满意度"
    chart.add_data(Reference(data, min_col=3, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(data, min_col=1, min_row=2, max_row=4))
    chart_sheet.add_chart(chart, "B3")

    settings = wb.create_sheet("设置")
    settings.append(["项目", "值"])
    settings.append(["小数位", 2])

    wb.defined_names["预算总额"] = DefinedName("预算总额", attr_text="数据!$E$2:$E$4")
    cover.defined_names["标题"] = DefinedName("标题", attr_text="封面!$A$1")
    wb.save(path)
    return path


@pytest.fixture
def book(tmp_path) -> Path:
    return _user_book(tmp_path / "考核.xlsx")


def _color(col) -> tuple | None:
    return None if col is None else (col.type, getattr(col, col.type), col.tint)


def _style(c) -> tuple:
    f, fill = c.font, c.fill
    return (c.number_format, (f.name, f.sz, f.b, f.i, f.u, _color(f.color)),
            (fill.fill_type, _color(fill.fgColor), _color(fill.bgColor)))


def _cells(path: Path) -> dict[tuple[str, str], tuple]:
    """Value (a formula as its text), number format, font and fill of every user cell."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title in OWNED:
            continue
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c, MergedCell) and (c.value is not None or c.has_style):
                    out[ws.title, c.coordinate] = (c.value, *_style(c))
    return out


def _meta(path: Path) -> dict:
    """Everything else of the user's that openpyxl can see."""
    wb = openpyxl.load_workbook(path)
    user = [ws for ws in wb.worksheets if ws.title not in OWNED]
    return {
        "order": [n for n in wb.sheetnames if n not in OWNED or n == "得分"],
        "names": {n: d.attr_text for n, d in wb.defined_names.items()},
        "local names": {ws.title: {n: d.attr_text for n, d in ws.defined_names.items()} for ws in user},
        "comments": {(ws.title, c.coordinate): (c.comment.text, c.comment.author)
                     for ws in user for row in ws.iter_rows() for c in row if c.comment},
        "validation": {ws.title: sorted((str(v.sqref), v.type, v.formula1, v.formula2)
                                        for v in ws.data_validations.dataValidation) for ws in user},
        "merged": {ws.title: sorted(str(m) for m in ws.merged_cells.ranges) for ws in user},
        "widths": {ws.title: {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth}
                   for ws in user},
        "freeze": {ws.title: ws.freeze_panes for ws in user},
        "charts": {ws.title: len(ws._charts) for ws in user},
    }


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _chart_parts(members: dict[str, bytes]) -> dict[str, bytes]:
    return {n: b for n, b in members.items() if n.startswith(("xl/charts/", "xl/drawings/"))}


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ the user's work survives

def test_user_cells_and_objects_survive_rescore(book):
    cells, meta = _cells(book), _meta(book)
    chart_parts = _chart_parts(_members(book))
    assert cli.main(["rescore", str(book), "-q"]) == 0
    after = _cells(book)
    assert after.keys() == cells.keys()
    changed = {k: (cells[k], after[k]) for k in cells if cells[k] != after[k]}
    assert changed == {}
    assert _meta(book) == meta
    assert meta["charts"]["图表"] == 1 and meta["validation"]["数据"] and meta["comments"]
    # The user's chart and its drawing are the very same bytes (the new 得分 chart comes on top).
    members = _members(book)
    assert all(members[n] == b for n, b in chart_parts.items())


def test_owned_sheets_replaced_in_place(book):
    assert cli.main(["rescore", str(book), "-q"]) == 0
    wb = openpyxl.load_workbook(book)
    # 得分 keeps its tab; the other owned sheets are added after the user's sheets.
    assert wb.sheetnames == USER_ORDER + ["平均", "评分过程", "问题"]
    scores = {r["单位"]: r for r in sheet_rows(book, "得分")}
    assert "旧单位" not in scores
    # 甲: 95% → 5; 96/100 × 4 = 3.84; 是 → 1; total 9.84.  丙: 70% → 0; 105% with over=0 → 0; 1.
    assert (scores["甲"]["总分"], scores["乙"]["总分"], scores["丙"]["总分"]) == (9.84, 6.6, 1)


def test_rescoring_twice_is_identical(book, tmp_path):
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    assert cli.main(["rescore", str(book), "-o", str(once), "-q"]) == 0
    assert cli.main(["rescore", str(once), "-o", str(twice), "-q"]) == 0
    first, second = _members(once), _members(twice)
    assert list(first) == list(second)
    assert [n for n in first if first[n] != second[n]] == []
    for sheet in OWNED:
        assert sheet_rows(once, sheet) == sheet_rows(twice, sheet)


def test_output_option_leaves_source_untouched(book, tmp_path):
    before, stat = book.read_bytes(), book.stat()
    out = tmp_path / "out" / "结果.xlsx"
    out.parent.mkdir()
    assert cli.main(["rescore", str(book), "-o", str(out), "-q"]) == 0
    assert book.read_bytes() == before and book.stat().st_mtime_ns == stat.st_mtime_ns
    assert "得分" in openpyxl.load_workbook(out).sheetnames
    assert _cells(out) == _cells(book)


# ------------------------------------------------------------------ failures leave the file as it was

def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("target", ["os.replace", "zip writer"])
def test_crash_mid_write_leaves_original(book, monkeypatch, capsys, target):
    before, listing = book.read_bytes(), _listing(book.parent)
    if target == "os.replace":
        monkeypatch.setattr(os, "replace", _disk_full)
    else:
        calls = []
        real = zipfile.ZipFile.writestr

        def writestr(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 4:               # a few members in
                _disk_full()
            return real(self, *args, **kwargs)
        monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    assert cli.main(["rescore", str(book), "-q"]) == 2
    assert book.name in capsys.readouterr().err
    assert book.read_bytes() == before
    assert _listing(book.parent) == listing               # no temp file left behind


def test_interrupted_write_leaves_original(book, monkeypatch):
    """Not an OSError (Ctrl+C while zipping): it propagates, and still nothing is half-written."""
    before, listing = book.read_bytes(), _listing(book.parent)

    def interrupt(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupt)
    with pytest.raises(KeyboardInterrupt):
        cli.main(["rescore", str(book), "-q"])
    assert book.read_bytes() == before
    assert _listing(book.parent) == listing


def test_unreadable_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a workbook" + bytes(range(256)))
    before, listing = bad.read_bytes(), _listing(tmp_path)
    assert cli.main(["rescore", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "坏文件.xlsx" in err and "错误" in err
    assert bad.read_bytes() == before and _listing(tmp_path) == listing
    assert cli.main(["validate", str(bad)]) == 2


def test_missing_file_exit_2(tmp_path, capsys):
    assert cli.main(["rescore", str(tmp_path / "没有.xlsx")]) == 2
    assert "没有.xlsx" in capsys.readouterr().err
    assert _listing(tmp_path) == []


def test_no_rubric_sheet_exit_2(tmp_path, capsys):
    book = write_book(tmp_path / "无细则.xlsx", {"数据": [["单位", "满意度"], ["甲", 0.9]], "备注": [["x"]]})
    before, listing = book.read_bytes(), _listing(tmp_path)
    assert cli.main(["rescore", str(book), "-o", str(tmp_path / "out.xlsx")]) == 2
    assert "细则" in capsys.readouterr().err
    assert book.read_bytes() == before and _listing(tmp_path) == listing


def test_errors_exit_1_and_file_is_written(book):
    wb = openpyxl.load_workbook(book)
    wb["数据"]["C3"] = None                                      # 乙's 满意度 goes missing
    wb.save(book)
    assert cli.main(["rescore", str(book), "-q"]) == 1
    issues = sheet_rows(book, "问题")
    assert [(i["严重程度"], i["工作表"], i["单元格"]) for i in issues] == [("错误", "数据", "C3")]
    scores = {r["单位"]: r for r in sheet_rows(book, "得分")}
    assert scores["乙"]["总分"] is None and scores["甲"]["总分"] == 9.84


def test_console_entry_point(book, tmp_path):
    exe = shutil.which("rubricxl") or pytest.skip("the rubricxl console script is not installed")
    out = tmp_path / "结果.xlsx"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run([exe, "rescore", str(book), "-o", str(out)], capture_output=True, text=True,
                         encoding="utf-8", env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "已重新评分" in run.stdout and "甲：总分9.84" in run.stdout
    assert openpyxl.load_workbook(out).sheetnames == USER_ORDER + ["平均", "评分过程", "问题"]
    # And the module form, for environments without the script on PATH.
    run = subprocess.run([sys.executable, "-m", "xladdin.cli", "validate", str(book)], capture_output=True,
                         text=True, encoding="utf-8", env=env, timeout=120)
    assert run.returncode == 0 and "未发现问题" in run.stdout


def test_an_internal_error_is_one_plain_line_and_exit_2(tmp_path, monkeypatch, capsys):
    """A bug of ours must not show officials a traceback, and must not touch the file."""
    from xladdin import cli, handlers
    book = tmp_path / "book.xlsx"
    assert cli.main(["new", str(book)]) == 0
    before = book.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("模拟的程序错误")
    monkeypatch.setattr(handlers, "score", broken)
    assert cli.main(["rescore", str(book)]) == 2
    err = capsys.readouterr().err
    assert "内部错误" in err and "模拟的程序错误" in err and "Traceback" not in err
    assert book.read_bytes() == before


def test_a_working_longer_than_an_excel_sheet_keeps_the_first_rows_and_says_so(book, monkeypatch):
    """评分过程 has one row per unit and indicator; past Excel's row limit (made 5 here) the sheet
    keeps the first rows, in order, and 问题 says how many were listed."""
    from xladdin import outputs
    monkeypatch.setattr(outputs, "EXCEL_ROWS", 5)
    assert cli.main(["rescore", str(book), "-q"]) == 0
    rows = sheet_rows(book, "评分过程")
    assert len(rows) == 4 and [r["单位"] for r in rows] == ["甲"] * 3 + ["乙"]
    notes = [r["说明"] for r in sheet_rows(book, "问题") if r["工作表"] == "评分过程"]
    assert len(notes) == 1 and "超过Excel单表5行上限，只列出前4行" in notes[0]
