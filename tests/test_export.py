"""导出公式版 without a spreadsheet engine: what the copy holds, read back with openpyxl.
(LibreOffice recalculating the copies is tests/test_export_libreoffice.py.)"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from engine.language import parse_rule
from tests.test_workbooks_fuzz import write_book
from xladdin import cli, ribbon
from xladdin.formulas import NotCompiled, compile_rule, lit


def _cells(path: Path, sheet: str, data_only: bool = False) -> list[list]:
    return [list(r) for r in openpyxl.load_workbook(path, data_only=data_only)[sheet].iter_rows(values_only=True)]


def test_export_of_the_template_writes_formulas_with_rubricxls_scores_cached(tmp_path):
    book, copy, scored = tmp_path / "细则.xlsx", tmp_path / "公式版.xlsx", tmp_path / "已评分.xlsx"
    assert cli.main(["new", str(book)]) == 0
    assert cli.main(["export", str(book), "-o", str(copy), "-q"]) == 0
    assert cli.main(["rescore", str(book), "-o", str(scored), "-q"]) == 0
    formulas, cached, values = _cells(copy, "得分"), _cells(copy, "得分", True), _cells(scored, "得分")
    head = formulas[0]
    assert head == values[0]
    for row in formulas[1:]:
        for h in head[1:head.index("组内排名") + 1]:      # 组别, every score, 总分, 等级, 排名, 组内排名
            assert str(row[head.index(h)]).startswith("="), h
    assert cached == values                              # viewers that never recalculate see rubricxl's scores
    assert all(str(v).startswith("=") for row in _cells(copy, "平均")[1:] for v in row[1:] if v is not None)
    issues = [r[3] for r in _cells(copy, "问题")[1:]]
    assert any(i.startswith("公式版：") and "0个单元格保留" in i for i in issues)
    assert "公式参数" in openpyxl.load_workbook(copy).sheetnames
    assert openpyxl.load_workbook(book).sheetnames == ["细则", "数据", "设置"]      # the source is untouched


def test_ribbon_export_writes_the_copy_beside_the_saved_workbook(tmp_path):
    book = tmp_path / "考核.xlsx"
    assert cli.main(["new", str(book)]) == 0
    host = SimpleNamespace(remote=False, book=SimpleNamespace(fullname=str(book)))
    message = ribbon._export(host)
    copy = tmp_path / "考核_公式版.xlsx"
    assert message.startswith("已导出公式版「考核_公式版.xlsx」") and copy.exists()
    unsaved = SimpleNamespace(remote=False, book=SimpleNamespace(fullname="工作簿1"))
    assert ribbon._export(unsaved).startswith("导出公式版需要已保存在磁盘上的工作簿")


def test_a_rule_the_compiler_does_not_know_is_refused_in_chinese():
    rule = parse_rule("step per=5% deduct=1 from=best round=up")
    changed = rule.model_copy(update={"among": "group"})
    assert "{best}" in compile_rule(changed, Decimal(5), 1, 2).text
    with pytest.raises(NotCompiled, match="缺少分值"):
        compile_rule(rule, None, 1, 2)
    with pytest.raises(NotCompiled, match="输入个数"):
        compile_rule(rule, Decimal(5), 2, 2)


def test_literals_are_written_without_exponents():
    assert lit(1e-7) == "0.0000001" and lit(Decimal("1E+3")) == "1000" and lit(0.05) == "0.05"


def test_cell_notes_on_two_sheets_read_back_with_their_own_shape_ids(tmp_path):
    """Notes are a comments part plus VML shapes (Excel shows a note only with its shape); shape id
    blocks must not overlap between sheets."""
    import re
    import zipfile
    from xladdin.sheetspec import Formula, SheetSpec
    from xladdin.xlsxpkg import new_package
    path = tmp_path / "notes.xlsx"
    new_package(path, [SheetSpec("甲", [["a", "b"], [1, Formula("A2*2", 2.0)]], notes={(1, 1): "说明 <1> & 2"}),
                       SheetSpec("乙", [["a"], [1]], notes={(1, 0): "另一条"})])
    wb = openpyxl.load_workbook(path)
    assert wb["甲"]["B2"].value == "=A2*2" and wb["甲"]["B2"].comment.text == "说明 <1> & 2"
    assert wb["乙"]["A2"].comment.text == "另一条"
    with zipfile.ZipFile(path) as z:
        blocks = [re.search(rb'idmap v:ext="edit" data="([\d,]+)"', z.read(n)).group(1)
                  for n in z.namelist() if n.endswith(".vml")]
    assert len(blocks) == 2 and len(set(blocks)) == 2


def test_export_refuses_to_overwrite_the_workbook_itself(tmp_path, capsys):
    book = tmp_path / "考核.xlsx"
    assert cli.main(["new", str(book)]) == 0
    before = book.read_bytes()
    assert cli.main(["export", str(book), "-o", str(book)]) == 2
    assert "公式版应写入另一个文件" in capsys.readouterr().err and book.read_bytes() == before
