"""Owned sheets written straight into a user's .xlsx/.xlsm package (xladdin/xlsxpkg.py).

The user workbook is made with openpyxl and then touched up the way Excel writes files
(mc:Ignorable prefixes, app.xml titles, a calcChain, customXml, a vbaProject.bin), so the checks
see the parts a real rescore meets.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from xladdin import xlsxpkg
from xladdin.sheetspec import CellPatch, ChartSpec, PageSetup, Repeats, RowTemplate, SheetSpec, Slot
from xladdin.xlsxpkg import PackageError, new_package, write_package

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
VBA_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not really a vba project"
UNITS = [f"单位{i:02d}" for i in range(1, 17)]


# ------------------------------------------------------------------ fixtures

def _rezip(path: Path, edit: dict, add: dict) -> None:
    """Rewrite some members (edit: name -> function of old text) and append others (add: name -> bytes)."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename in edit:
                data = edit[info.filename](data.decode()).encode()
            z.writestr(info, data)
        for name, data in add.items():
            z.writestr(name, data)


def _user_book(path: Path) -> None:
    """细则, 数据, a stale 得分 (with a chart), a stale 问题, 设置: in that tab order."""
    wb = openpyxl.Workbook()
    rubric = wb.active
    rubric.title = "细则"
    rubric.append(["编号", "分值", "得分", "说明"])
    rubric.append([1, 10, "=B2*2", "甲"])
    rubric.append([2, 20, "=B3*2", "乙"])
    rubric.append([3, 30.5, None, "丙"])
    for r in (2, 3, 4):
        rubric.cell(r, 2).number_format = "0.0"
        rubric.cell(r, 2).font = Font(italic=True)
        rubric.cell(r, 3).font = Font(bold=True)
    rubric["B2"].comment = Comment("满分以文件为准", "科室")
    rubric.merge_cells("A5:D5")
    rubric["A5"] = "合计"
    dv = DataValidation(type="list", formula1='"甲,乙,丙"')
    rubric.add_data_validation(dv)
    dv.add("D2:D4")

    data = wb.create_sheet("数据")
    data.append(["单位", "人口"])
    for i, u in enumerate(UNITS[:4]):
        data.append([u, 1000 * (i + 1)])
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=5), titles_from_data=True)
    data.add_chart(chart, "D2")

    stale = wb.create_sheet("得分")
    stale.append(["单位", "总分"])
    stale.append(["旧单位", 1])
    old_chart = BarChart()
    old_chart.add_data(Reference(stale, min_col=2, min_row=1, max_row=2))
    stale.add_chart(old_chart, "D2")

    issues = wb.create_sheet("问题")
    issues.append(["旧问题"])
    issues.print_area = "A1:A1"
    settings = wb.create_sheet("设置")
    settings.append(["小数位", 2])
    settings.print_area = "A1:B1"
    wb.defined_names["满分"] = DefinedName("满分", attr_text="细则!$B$2")
    wb.save(path)

    ns = ('xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
          'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"')
    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           '<Application>Microsoft Excel</Application><HeadingPairs><vt:vector size="4" baseType="variant">'
           '<vt:variant><vt:lpstr>工作表</vt:lpstr></vt:variant><vt:variant><vt:i4>5</vt:i4></vt:variant>'
           '<vt:variant><vt:lpstr>命名范围</vt:lpstr></vt:variant><vt:variant><vt:i4>3</vt:i4></vt:variant>'
           '</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="8" baseType="lpstr">'
           + "".join(f"<vt:lpstr>{n}</vt:lpstr>" for n in ["细则", "数据", "得分", "问题", "设置",
                                                            "问题!Print_Area", "设置!Print_Area", "满分"])
           + "</vt:vector></TitlesOfParts></Properties>")

    def workbook(x: str) -> str:
        x = x.replace(f'<workbook xmlns="{MAIN}">',
                      f'<workbook xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility'
                      '/2006" mc:Ignorable="x15 xr" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml'
                      '/2010/11/main" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">')
        return x.replace('<calcPr calcId="124519" fullCalcOnLoad="1"/>', '<calcPr calcId="191029"/>')

    def rubric_sheet(x: str) -> str:
        # Excel-style root and a shared formula C2:C3 with cached values.
        x = x.replace(f'<worksheet xmlns="{MAIN}">', f'<worksheet xmlns="{MAIN}" {ns}>')
        x = x.replace('<row r="1">', '<row r="1" x14ac:dyDescent="0.25">')
        x = re.sub(r'<c r="C2"( s="\d+")?><f>B2\*2</f><v></v></c>',
                   r'<c r="C2"\1><f t="shared" ref="C2:C3" si="0">B2*2</f><v>20</v></c>', x)
        x = re.sub(r'<c r="C3"( s="\d+")?><f>B3\*2</f><v></v></c>', r'<c r="C3"\1><f t="shared" si="0"/><v>40</v></c>', x)
        assert 't="shared" si="0"/>' in x
        return x

    rels_add = ('<Relationship Id="rId90" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/calcChain" Target="calcChain.xml"/>'
                '<Relationship Id="rId91" Type="http://schemas.microsoft.com/office/2006/relationships/'
                'vbaProject" Target="vbaProject.bin"/>'
                '<Relationship Id="rId92" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/customXml" Target="../customXml/item1.xml"/></Relationships>')
    types_add = ('<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.calcChain+xml"/><Override PartName="/xl/vbaProject.bin" '
                 'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    _rezip(path, {
        "xl/workbook.xml": workbook,
        "xl/worksheets/sheet1.xml": rubric_sheet,
        "docProps/app.xml": lambda _: app,
        "xl/_rels/workbook.xml.rels": lambda x: x.replace("</Relationships>", rels_add),
        "[Content_Types].xml": lambda x: x.replace("</Types>", types_add).replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
    }, {
        "xl/calcChain.xml": f'<calcChain xmlns="{MAIN}"><c r="C2" i="1"/><c r="C3"/></calcChain>'.encode(),
        "xl/vbaProject.bin": VBA_BYTES,
        "customXml/item1.xml": b"<root>keep me</root>",
    })


@pytest.fixture(scope="module")
def user_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("user") / "考核.xlsm"
    _user_book(path)
    return path


def _scores() -> SheetSpec:
    rows = [["单位", "组别", "总分", "得分率", "备注"]]
    for i, unit in enumerate(UNITS):
        # 总分 = 15.78 + i exactly (Decimal), 得分率 = (i+1)/16
        rows.append([unit, "中心城区" if i < 8 else "郊区", Decimal("15.78") + i, (i + 1) / 16,
                     "=SUM(A1)" if i == 0 else ("  前后空格 " if i == 1 else None)])
    return SheetSpec("得分", rows, col_formats={2: "0.00", 3: "0.0%"}, col_widths={0: 14, 4: 30},
                     color_scale_cols=[2], chart=ChartSpec("总分", label_col=0, value_col=2))


def _owned() -> list[SheetSpec]:
    means = SheetSpec("平均", [["组别", "总分"], ["中心城区", 19.28], ["郊区", 27.28], ["全市", 23.28]],
                      col_formats={1: "0.00"}, freeze="B2")
    explain = SheetSpec("评分过程", [["单位", "说明", "达标"], ["单位01", "预算调整率=21.24%≥20%，不得分", False],
                                      ["单位02", "a < b & c _x0041_ \x01ok", True]], freeze=None, autofilter=False)
    return [means, _scores(), explain]


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rels(members: dict[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type suffix, resolved target) of a part's internal relationships."""
    d, base = os.path.split(part)
    rels = os.path.join(d, "_rels", base + ".rels")
    if rels not in members:
        return {}
    out = {}
    for rel in ET.fromstring(members[rels]).iter(PKG_RELS + "Relationship"):
        target = rel.get("Target")
        resolved = target[1:] if target.startswith("/") else os.path.normpath(os.path.join(d, target))
        out[rel.get("Id")] = (rel.get("Type").rsplit("/", 1)[-1], resolved)
    return out


def _sheet_parts(members: dict[str, bytes]) -> dict[str, str]:
    wb = ET.fromstring(members["xl/workbook.xml"])
    rels = _rels(members, "xl/workbook.xml")
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    return {s.get("name"): rels[s.get(rid)][1] for s in wb.iter(f"{{{MAIN}}}sheet")}


# ------------------------------------------------------------------ whole-package behaviour

def test_user_parts_stay_byte_identical(user_book, tmp_path):
    dst = tmp_path / "out.xlsm"
    write_package(user_book, dst, _owned(), remove=["问题"])
    before, after = _members(user_book), _members(dst)
    old = _sheet_parts(before)
    old_score = old["得分"]
    old_drawing = _rels(before, old_score)["rId1"][1]
    old_chart = next(iter(_rels(before, old_drawing).values()))[1]

    allowed_changes = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                       "docProps/app.xml", "xl/styles.xml", old_score,
                       "xl/worksheets/_rels/" + os.path.basename(old_score) + ".rels"}
    gone = {old["问题"], "xl/calcChain.xml", old_drawing, old_chart,
            "xl/drawings/_rels/" + os.path.basename(old_drawing) + ".rels"}
    for name, data in before.items():
        if name in allowed_changes:
            continue
        if name in gone:
            assert name not in after or after[name] != data, name
            continue
        assert after.get(name) == data, f"{name} changed"
    assert after["xl/vbaProject.bin"] == VBA_BYTES
    assert "xl/calcChain.xml" not in after

    types = after["[Content_Types].xml"].decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert 'PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    assert "calcChain" not in types and "calcChain" not in after["xl/_rels/workbook.xml.rels"].decode()
    # every override names an existing part, and every part is reachable from the root (no orphans)
    for part in re.findall(r'PartName="/([^"]+)"', types):
        assert part in after, part
    reached, todo = set(), [t for _, t in _rels(after, "").values()]
    while todo:
        p = todo.pop()
        if p not in reached:
            reached.add(p)
            todo += [t for _, t in _rels(after, p).values()]
    orphans = {n for n in after if n != "[Content_Types].xml" and "_rels/" not in n} - reached
    assert orphans == set()

    # Excel's ignorable prefixes survive the edit of workbook.xml
    wbxml = after["xl/workbook.xml"].decode()
    assert 'mc:Ignorable="x15 xr"' in wbxml
    assert 'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"' in wbxml

    # app.xml: 5 - 问题 + 平均 + 评分过程 = 6 worksheet titles, then the 3 named-range titles
    app = after["docProps/app.xml"].decode()
    assert "<vt:i4>6</vt:i4>" in app and "<vt:i4>3</vt:i4>" in app
    titles = re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", app.split("TitlesOfParts")[1])
    assert titles == ["细则", "数据", "得分", "设置", "平均", "评分过程",
                      "问题!Print_Area", "设置!Print_Area", "满分"]
    assert 'size="9"' in app.split("TitlesOfParts")[1]


def test_sheet_order_and_user_content_through_openpyxl(user_book, tmp_path):
    dst = tmp_path / "out.xlsm"
    write_package(user_book, dst, _owned(), remove=["问题"])
    src, out = openpyxl.load_workbook(user_book), openpyxl.load_workbook(dst)
    # 得分 replaced in place, 问题 dropped, 平均 and 评分过程 appended in the given order
    assert out.sheetnames == ["细则", "数据", "得分", "设置", "平均", "评分过程"]
    assert out.active.title == "细则"

    for name in ("细则", "数据", "设置"):
        a, b = src[name], out[name]
        assert a.max_row == b.max_row and a.max_column == b.max_column
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows()):
            for ca, cb in zip(row_a, row_b):
                assert (ca.value, ca.number_format, ca.font.b, ca.font.i) == \
                       (cb.value, cb.number_format, cb.font.b, cb.font.i), (name, ca.coordinate)
    rubric = out["细则"]
    assert rubric["C2"].value == "=B2*2" and rubric["C3"].value == "=B3*2"
    assert rubric["B2"].comment.text == "满分以文件为准"
    assert [str(r) for r in rubric.merged_cells.ranges] == ["A5:D5"]
    assert [str(v.sqref) for v in rubric.data_validations.dataValidation] == ["D2:D4"]
    assert out.defined_names["满分"].attr_text == "细则!$B$2"
    # 设置's print area moved from localSheetId 4 to 3; 问题's print area went with the sheet
    assert "$A$1:$B$1" in out["设置"].print_area
    assert len(out["数据"]._charts) == 1

    scores = out["得分"]
    assert scores["A1"].value == "单位" and scores["A1"].font.b
    assert scores["A2"].value == "单位01" and scores["C2"].value == 15.78 and scores["C17"].value == 30.78
    assert scores["C2"].number_format == "0.00" and scores["D2"].number_format == "0.0%"
    assert scores["D9"].value == 0.5  # (8)/16
    assert scores["E2"].value == "=SUM(A1)" and scores["E2"].data_type == "s"  # text, not a formula
    assert scores["E3"].value == "  前后空格 "
    assert scores.freeze_panes == "A2" and scores.auto_filter.ref == "A1:E17"
    assert scores.column_dimensions["A"].width == 14
    rules = [r for cf in scores.conditional_formatting for r in cf.rules]
    assert [r.type for r in rules] == ["colorScale"]
    assert str(next(iter(scores.conditional_formatting)).sqref) == "C2:C17"
    assert scores.max_row == 17  # the stale 旧单位 row is gone
    (chart,) = scores._charts  # the stale chart is gone, ours is there
    ser = chart.series[0]
    assert ser.cat.strRef.f == "'得分'!$A$2:$A$17" and ser.val.numRef.f == "'得分'!$C$2:$C$17"
    assert ser.val.numRef.numCache.ptCount == 16 and ser.val.numRef.numCache.pt[0].v == 15.78
    assert [p.v for p in ser.cat.strRef.strCache.pt][:2] == ["单位01", "单位02"]
    assert out["平均"].freeze_panes == "B2" and out["评分过程"].freeze_panes is None
    assert out["评分过程"]["C2"].value is False and out["评分过程"]["C3"].value is True


def test_values_through_calamine(user_book, tmp_path):
    dst = tmp_path / "out.xlsm"
    write_package(user_book, dst, _owned())
    book = CalamineWorkbook.from_path(str(dst))
    assert book.sheet_names == ["细则", "数据", "得分", "问题", "设置", "平均", "评分过程"]
    scores = book.get_sheet_by_name("得分").to_python()
    assert scores[0] == ["单位", "组别", "总分", "得分率", "备注"]
    assert [r[2] for r in scores[1:]] == [float(f"{15 + i}.78") for i in range(16)]  # 15.78 … 30.78
    assert scores[16][3] == 1.0 and scores[1][4] == "=SUM(A1)"
    explain = book.get_sheet_by_name("评分过程").to_python()
    # "_x0041_" stays literal text, the control character is dropped
    assert explain[2][1] == "a < b & c _x0041_ ok"
    assert explain[1][1] == "预算调整率=21.24%≥20%，不得分"
    raw = _members(dst)[_sheet_parts(_members(dst))["得分"]].decode()
    assert "<v>15.78</v>" in raw and "15.780000" not in raw


def test_rewrite_is_idempotent(user_book, tmp_path):
    first, second = tmp_path / "a.xlsm", tmp_path / "b.xlsm"
    patch = CellPatch("细则", {(3, 2): Decimal("61.00"), (3, 4): "已评分"}, formats={(3, 2): "0.00"})
    write_package(user_book, first, _owned()[:2], patches=[patch], remove=["问题"])
    write_package(first, second, _owned()[:2], patches=[patch], remove=["问题"])
    assert _members(first) == _members(second)
    assert first.read_bytes() == second.read_bytes()


def test_src_may_be_dst(user_book, tmp_path):
    book = tmp_path / "same.xlsm"
    shutil.copy(user_book, book)
    write_package(book, book, _owned())
    write_package(book, book, _owned())
    assert openpyxl.load_workbook(book).sheetnames[-2:] == ["平均", "评分过程"]
    assert sorted(os.listdir(tmp_path)) == ["same.xlsm"]


def test_appending_only_keeps_calc_chain(user_book, tmp_path):
    dst = tmp_path / "out.xlsm"
    write_package(user_book, dst, [SheetSpec("入选", [["单位"], ["单位01"]])])
    before, after = _members(user_book), _members(dst)
    assert after["xl/calcChain.xml"] == before["xl/calcChain.xml"]
    assert "fullCalcOnLoad" not in after["xl/workbook.xml"].decode()
    assert after[_sheet_parts(after)["得分"]] == before[_sheet_parts(before)["得分"]]


def test_crash_leaves_dst_untouched(user_book, tmp_path, monkeypatch):
    dst = tmp_path / "out.xlsm"
    shutil.copy(user_book, dst)
    original = dst.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(xlsxpkg, "_chart_xml", boom)
    with pytest.raises(RuntimeError):
        write_package(dst, dst, _owned())
    monkeypatch.undo()
    monkeypatch.setattr(zipfile.ZipFile, "writestr", boom)  # dies half way through the zip
    with pytest.raises(RuntimeError):
        write_package(dst, dst, _owned())
    monkeypatch.undo()

    def denied(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(PackageError, match="无法写入文件"):
        write_package(dst, dst, _owned())
    monkeypatch.undo()
    assert dst.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["out.xlsm"]


def test_corrupt_source_raises_package_error(tmp_path):
    dst = tmp_path / "out.xlsx"
    dst.write_bytes(b"keep")
    garbage = tmp_path / "坏文件.xlsx"
    garbage.write_bytes(b"this is not a zip at all")
    with pytest.raises(PackageError, match="坏文件.xlsx"):
        write_package(garbage, dst, [_scores()])
    no_workbook = tmp_path / "空包.xlsx"
    with zipfile.ZipFile(no_workbook, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(PackageError, match="空包.xlsx"):
        write_package(no_workbook, dst, [_scores()])
    with pytest.raises(PackageError, match="找不到文件"):
        write_package(tmp_path / "missing.xlsx", dst, [_scores()])
    assert dst.read_bytes() == b"keep"
    assert sorted(os.listdir(tmp_path)) == ["out.xlsx", "坏文件.xlsx", "空包.xlsx"]


def test_cell_patches_change_only_those_cells(user_book, tmp_path):
    dst = tmp_path / "out.xlsm"
    patch = CellPatch("细则", {
        (1, 2): 99,                  # C2: the shared-formula master becomes a value
        (2, 1): Decimal("20.5"),     # B3: value with a new number format
        (1, 0): None,                # A2: cleared, style kept
        (0, 4): "得分说明",           # E1: new cell at the end of an existing row
        (6, 1): "新行",              # B7: new row after the last one
    }, formats={(2, 1): "0.000"})
    write_package(user_book, dst, [], patches=[patch])
    before, after = _members(user_book), _members(dst)
    sheet = _sheet_parts(before)["细则"]
    changed = {n for n in before if after.get(n) != before[n]}
    assert changed == {sheet, "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels",
                       "xl/calcChain.xml", "xl/workbook.xml"}
    # workbook.xml only asks Excel to recalculate the user's formulas that read the patched cells
    assert ET.canonicalize(after["xl/workbook.xml"].decode().split("?>", 1)[1]) == ET.canonicalize(
        before["xl/workbook.xml"].decode().replace('<calcPr calcId="191029"/>',
                                                   '<calcPr calcId="191029" fullCalcOnLoad="1"/>'))
    assert "xl/calcChain.xml" not in after and set(after) <= set(before)
    raw = after[sheet].decode()
    assert 'mc:Ignorable="x14ac"' in raw and 'x14ac:dyDescent="0.25"' in raw
    assert '<f>B3*2</f>' in raw and 't="shared"' not in raw
    # styles.xml only grew: every old cellXf is still there, in order
    xfs = lambda m: re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", m["xl/styles.xml"].decode()).group(1)
    assert xfs(after).startswith(xfs(before)) and len(xfs(after)) > len(xfs(before))

    a, b = openpyxl.load_workbook(user_book)["细则"], openpyxl.load_workbook(dst)["细则"]
    patched = {"C2", "B3", "A2", "E1", "B7"}
    for row in a.iter_rows(min_row=1, max_row=6, max_col=5):
        for ca in row:
            if ca.coordinate not in patched:
                cb = b[ca.coordinate]
                assert (ca.value, ca.number_format, ca.font.b, ca.font.i) == \
                       (cb.value, cb.number_format, cb.font.b, cb.font.i), ca.coordinate
    assert b["C2"].value == 99 and b["C2"].font.b  # keeps its bold style
    assert b["C3"].value == "=B3*2"  # the shared formula's follower keeps its formula
    assert b["B3"].value == 20.5 and b["B3"].number_format == "0.000" and b["B3"].font.i
    assert b["A2"].value is None
    assert b["E1"].value == "得分说明" and b["B7"].value == "新行"
    assert b["B2"].comment.text == "满分以文件为准"
    assert b.dimensions == "A1:E7"
    cal = CalamineWorkbook.from_path(str(dst)).get_sheet_by_name("细则").to_python()
    assert cal[1][2] == 99 and cal[2][1] == 20.5 and cal[6][1] == "新行"


def test_patch_inside_array_formula_is_refused(user_book, tmp_path):
    book = tmp_path / "array.xlsm"
    shutil.copy(user_book, book)
    _rezip(book, {"xl/worksheets/sheet1.xml": lambda x: x.replace(
        '<f t="shared" ref="C2:C3" si="0">', '<f t="array" ref="C2:C3">').replace('<f t="shared" si="0"/>', "")}, {})
    original = book.read_bytes()
    with pytest.raises(PackageError, match="单元格 C3 属于数组公式 C2:C3"):
        write_package(book, book, [], patches=[CellPatch("细则", {(2, 2): 1})])
    assert book.read_bytes() == original


def test_patch_on_missing_sheet_names_it(user_book, tmp_path):
    with pytest.raises(PackageError, match="没有工作表“汇总”"):
        write_package(user_book, tmp_path / "out.xlsm", [], patches=[CellPatch("汇总", {(0, 0): 1})])
    assert os.listdir(tmp_path) == []


def test_new_package(tmp_path):
    dst = tmp_path / "新建.xlsx"
    new_package(dst, [_scores(), SheetSpec("问题", [["严重性", "工作表", "单元格", "信息"]])])
    wb = openpyxl.load_workbook(dst)
    assert wb.sheetnames == ["得分", "问题"]
    assert wb["得分"]["C17"].value == 30.78 and len(wb["得分"]._charts) == 1
    cal = CalamineWorkbook.from_path(str(dst))
    assert cal.get_sheet_by_name("问题").to_python() == [["严重性", "工作表", "单元格", "信息"]]


def _cards() -> SheetSpec:
    """Two shapes of card, interleaved, below two plain rows: every kind of slot value, blanks in
    bordered and unbordered rows, fixed and per-copy heights, merges over one and several rows."""
    long = Slot(2)
    wide = RowTemplate(
        rows=[[Slot(0)], ["指标", "分值", "得分", "说明"], ["一、效率", 10, Slot(1), long], [None, 5, Slot(3), None],
              ["合计", None, Slot(4)]],
        kinds=["title", "head", "data", "data", "total"],
        merges=[(0, 0, 0, 3), (2, 0, 3, 0)],
        values=[["甲评分表", "乙评分表", "丙评分表"], [8.0, -0.0, float("nan")], ["A&B <1>", "_x0041_ 照录", None],
                [Decimal("2.50"), True, 3], [13.0, float("inf"), None]],
        heights=[26.0, None, [33.0, None, 48.0], None, None])
    short = RowTemplate(
        rows=[[Slot(0), None, None], ["总分", Slot(1), "　前导全角空格"]],
        kinds=["note", "total"],
        merges=[(0, 0, 0, 2)],
        values=[[" 前后空格 ", "多行\n说明"], [0.0, 1e-7]],
        heights=[None, 20.0])
    return SheetSpec("评分表", rows=[["标题"], ["单位", "说明"]], col_widths={0: 9.0, 3: 30.0}, freeze=None,
                     header_bold=False, autofilter=False, wrap_cols=[3], merges=[(0, 0, 0, 1)],
                     row_styles={0: "title"}, page=PageSetup(title="评分表", breaks=[2, 7]), grid=True,
                     repeats=Repeats(templates=[wide, short], order=[0, 1, 0, 0, 1]))


def test_cards_from_row_templates_write_the_same_sheet_as_their_rows_one_by_one(tmp_path):
    """A 10 000-unit report writes its score cards from row templates: the sheet must be byte for
    byte the one the row-by-row writer makes of the same cards written out."""
    templated, plain = tmp_path / "模板.xlsx", tmp_path / "逐行.xlsx"
    new_package(templated, [_cards()])
    new_package(plain, [_cards().expanded()])
    with zipfile.ZipFile(templated) as a, zipfile.ZipFile(plain) as b:
        assert a.read("xl/worksheets/sheet1.xml") == b.read("xl/worksheets/sheet1.xml")
        assert a.read("xl/styles.xml") == b.read("xl/styles.xml")
    ws = openpyxl.load_workbook(templated)["评分表"]
    # rows 1-2 plain; cards at rows 3-7 (甲), 8-9, 10-14 (乙), 15-19 (丙), 20-21
    assert [ws.cell(r, 1).value for r in (3, 8, 10, 15, 20)] == ["甲评分表", " 前后空格 ", "乙评分表", "丙评分表",
                                                                 "多行\n说明"]
    assert (ws["C5"].value, ws["D5"].value, ws["C6"].value, ws["C7"].value) == (8, "A&B <1>", 2.5, 13)
    # stored escaped, as Excel stores a literal _x0041_ (openpyxl does not decode it; Excel shows _x0041_ 照录)
    assert ws["D12"].value == "_x005F_x0041_ 照录" and ws["C13"].value is True and ws["B21"].value == 1e-7
    assert ws["C17"].value is None and ws["D17"].value is None       # NaN and a blank text: empty cells
    assert {"A1:B1", "A3:D3", "A5:A6", "A8:C8", "A10:D10", "A12:A13", "A20:C20"} <= {str(m) for m in ws.merged_cells}
    assert len(ws.merged_cells.ranges) == 1 + 3 * 2 + 2
    assert (ws.row_dimensions[3].height, ws.row_dimensions[5].height, ws.row_dimensions[12].height,
            ws.row_dimensions[17].height, ws.row_dimensions[9].height) == (26, 33, None, 48, 20)
    assert ws["D6"].border.left.style == "thin" and ws["B8"].border.left.style is None   # bordered blanks only


@pytest.mark.libreoffice
def test_libreoffice_renders_pdf(user_book, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    book = tmp_path / "out.xlsm"
    write_package(user_book, book, _owned(), remove=["问题"])
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(book)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pdf = tmp_path / "out.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF")


def _awkward_rows(n: int) -> list[list]:
    """n data rows of the values a 评分过程 sheet can hold, awkward ones included: texts that only
    need & < > escaped or spaces kept, texts that need more, numbers, blanks, a short row."""
    plain = ["a < b & c > d", " leading space", "two\nlines", "双  空格", "普通文字"]
    hard = ["_x0041_ stays", "bell\x07rings", "长" * 40_000, "过程"]
    rows = [[f"单位{i % 7}", plain[i % 5], [0.0, -0.0, 2.5, float("nan"), None][i % 5], hard[i % 4],
             [True, 1.0, "1", 2][i % 4]] for i in range(n)]      # True is a yes/no cell, 1.0 a number
    rows[5] = rows[5][:2]                    # a short row: no cells past its end, bordered or not
    return rows


@pytest.mark.parametrize("grid", [False, True])
def test_a_long_owned_sheet_of_awkward_values_reads_back_as_written(tmp_path, grid):
    """A 评分过程-like sheet of awkward values: what Excel readers get back is what was written."""
    rows = [["单位", "说明", "得分", "评分过程", "其他"]] + _awkward_rows(70)
    dst = tmp_path / "过程.xlsx"
    new_package(dst, [SheetSpec("评分过程", rows, row_heights={2: 33.0, 9: 48.0}, grid=grid)])
    got = CalamineWorkbook.from_path(str(dst)).get_sheet_by_name("评分过程").to_python()
    assert [r[1] for r in got[1:6]] == ["a < b & c > d", " leading space", "two\nlines", "双  空格", "普通文字"]
    assert [r[3] for r in got[1:5]] == ["_x0041_ stays", "bellrings", "长" * 32_767, "过程"]   # cut to Excel's limit
    assert got[1][2] == 0.0 and got[3][2] == 2.5 and got[4][2] == "" and got[5][2] == ""
    assert got[6][2:] == ["", "", ""]                        # the short row
    assert [r[4] for r in got[1:5]] == [True, 1.0, "1", 2.0]
    raw = _members(dst)["xl/worksheets/sheet1.xml"].decode()
    assert re.search(r'<c r="C3"( s="\d+")?><v>-0\.0</v></c>', raw) and '<row r="3" ht="33" customHeight="1">' in raw
    assert ('<c r="C6"' in raw) == grid and '<c r="C5"' not in raw and '<c r="C7"' not in raw  # a blank is bordered in
    # a grid, NaN and cells past a short row's end are not written at all
    assert '<t xml:space="preserve"> leading space</t>' in raw and "a &lt; b &amp; c &gt; d" in raw
