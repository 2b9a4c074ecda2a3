"""The ribbon's handlers on xlwings' remote engine (the engine of xlwings Server and xlwings Lite).

A book payload is built from a real .xlsx the way the Office.js client builds it (getBookData:
values from A1 to the last used cell, "" for blanks, dates as ISO strings), handed to
``xw.Book(json=...)``, and the handler runs over an XlwingsHost. ``book.json()`` is the list of
actions Excel would apply; ``apply_actions`` applies them to an openpyxl copy of the workbook, which
must then equal the headless result (FileHost + the same handler) cell by cell: values, number
formats, bold, column widths, frozen panes, colour scales and the 总分 chart.

The remote engine lives in xlwings/pro (PolyForm Noncommercial; testing use), so this group runs
in its own process and is skipped without the key (and, with the key but no engine, fails under
CI=true):
    XLWINGS_LICENSE_KEY=noncommercial XLWINGS_ON_SERVER=true python -m pytest -m remote tests/test_xlwings_remote.py
"""
from __future__ import annotations

import os

import pytest

HOW = ("XLWINGS_LICENSE_KEY=noncommercial XLWINGS_ON_SERVER=true "
       "python -m pytest -m remote tests/test_xlwings_remote.py")
if os.environ.get("XLWINGS_LICENSE_KEY") is None:
    pytest.skip(f"needs xlwings' remote engine: run with {HOW}", allow_module_level=True)

import asyncio
import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import xlwings as xw
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils import get_column_letter

from xladdin import handlers, ribbon
from xladdin.hosts.files import FileHost
from xladdin.hosts.xlwings_host import XlwingsHost
from xladdin.template import DATA_HEADER, DATA_ROWS, RUBRIC_HEADER, template_sheets
from xladdin.sheetscan import scan_sheet
from xladdin.xlsxpkg import new_package, open_package, sheet_parts

pytestmark = pytest.mark.remote
# With the key set the group means to run: if the engine is still unavailable, every test skips
# with the reason, and under CI=true tests/conftest.py turns those skips into failures.
if not xw.__pro__:
    UNAVAILABLE = "XLWINGS_LICENSE_KEY is set but xlwings rejected it: the remote engine is not active"
elif os.environ.get("XLWINGS_ON_SERVER") != "true":
    UNAVAILABLE = f"XLWINGS_ON_SERVER=true was not set before xlwings was imported; run with {HOW}"
else:
    UNAVAILABLE = None


@pytest.fixture(autouse=True, scope="module")
def remote_engine():
    if UNAVAILABLE:
        pytest.skip(UNAVAILABLE)

SAMPLES = sorted(p for p in (Path(__file__).resolve().parent.parent / "workbooks").glob("*.xlsx")
                 if not p.name.startswith("~$"))
OWNED = {"得分", "平均", "评分过程", "问题"}


# --- the Office.js side, imitated -------------------------------------------------------------

def _js_value(v):
    """A cell as getBookData posts it: blank → "", a date → ISO string (numberFormatCategories)."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.isoformat(timespec="milliseconds") + "Z"
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day).isoformat(timespec="milliseconds") + "Z"
    return v


def book_payload(path: Path, selection: str | None = "A1", active: int = 0,
                 charts: dict[str, list[str]] | None = None) -> dict:
    """The JSON the Office.js client posts for this workbook (cached values, as Excel shows them).

    Sheet keys are getBookData's (name, values, pictures, tables) plus those xlwings 0.37.8's own
    Sheets.add gives a sheet (charts, shapes, notes, ...), which its chart code reads.
    """
    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        values = [[_js_value(v) for v in row] for row in ws.iter_rows(
            min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column, values_only=True)]
        used = [(r, c) for r, row in enumerate(values) for c, v in enumerate(row) if v != ""]
        address = None
        if used:
            r1, c1 = min(r for r, _ in used), min(c for _, c in used)
            r2, c2 = max(r for r, _ in used), max(c for _, c in used)
            address = f"${get_column_letter(c1 + 1)}${r1 + 1}:${get_column_letter(c2 + 1)}${r2 + 1}"
        sheets.append({
            "name": ws.title, "values": values, "used_range_address": address, "visibility": "Visible",
            "pictures": [], "shapes": [], "notes": [], "tables": [], "print_area": None,
            "show_gridlines": True, "pivot_tables": [],
            "charts": [{"name": n, "chart_type": "ColumnClustered"} for n in (charts or {}).get(ws.title, [])],
        })
    payload = {"client": "Office.js", "version": xw.__version__, "names": [], "sheets": sheets,
               "book": {"name": path.name, "active_sheet_index": active, "selection": selection}}
    return json.loads(json.dumps(payload))  # over the wire: whole floats arrive as ints, as from JS


def remote_book(path: Path, **kw) -> xw.Book:
    book = xw.Book(json=book_payload(path, **kw))
    assert book.app.engine.name == "remote"
    return book


# --- Excel's side, imitated: apply book.json()'s actions to an openpyxl workbook ---------------

NUMBER_LIKE = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?\s*$")


def _stored(v):
    """What Excel stores when a value is written as if typed: "'" keeps the rest as text, a
    number-looking string would become a number, "=..." a formula."""
    if v == "":
        return None
    if isinstance(v, str):
        if v.startswith("'"):
            return v[1:]
        assert not v.startswith(("=", "+", "-", "@")), f"Excel would read {v!r} as a formula"
        assert not NUMBER_LIKE.match(v) and v.upper() not in ("TRUE", "FALSE"), \
            f"Excel would turn the text {v!r} into a number"
    return v


@dataclass
class Applied:
    charts: dict[str, list[dict]] = field(default_factory=dict)  # sheet → charts, in Excel's order
    alerts: list[list] = field(default_factory=list)
    borders: dict[str, set] = field(default_factory=dict)   # sheet → (first row, rows, side, style)
    rows: dict[str, list] = field(default_factory=dict)     # sheet → row sizing actions


def _cells(ws, a):
    for r in range(a["start_row"] + 1, a["start_row"] + a["row_count"] + 1):
        for c in range(a["start_column"] + 1, a["start_column"] + a["column_count"] + 1):
            yield ws.cell(r, c)


def apply_actions(wb: openpyxl.Workbook, actions: list[dict], charts: dict[str, list[dict]] | None = None) -> Applied:
    """Apply the action types a rubricxl handler emits, as the Office.js client would; any other
    action type fails the test, so a new one cannot slip through unchecked."""
    out = Applied(charts={k: list(v) for k, v in (charts or {}).items()})
    for a in actions:
        func, args = a["func"], a["args"]
        ws = wb.worksheets[a["sheet_position"]] if a["sheet_position"] is not None else None
        if func == "addSheet":
            wb.create_sheet(args[1], args[0])
        elif func == "sheetClear":  # contents and formats, conditional formats included
            for key in list(ws._cells):
                del ws._cells[key]
            ws.conditional_formatting = ConditionalFormattingList()
        elif func == "setValues":
            for r, row in enumerate(a["values"]):
                for c, v in enumerate(row):
                    ws.cell(a["start_row"] + r + 1, a["start_column"] + c + 1).value = _stored(v)
        elif func == "setNumberFormat":
            for cell in _cells(ws, a):
                cell.number_format = args[0]
        elif func == "setFontProperty":
            assert args[0] in ("bold", "size")
            for cell in _cells(ws, a):
                cell.font = cell.font.copy(**{"b" if args[0] == "bold" else "sz": args[1]})
        elif func in ("setWrapText", "setHorizontalAlignment", "setVerticalAlignment"):
            key = {"setWrapText": "wrap_text", "setHorizontalAlignment": "horizontal",
                   "setVerticalAlignment": "vertical"}[func]
            value = args[0].lower() if isinstance(args[0], str) else args[0]
            for cell in _cells(ws, a):
                cell.alignment = cell.alignment.copy(**{key: value})
        elif func == "rangeMerge":
            ws.merge_cells(start_row=a["start_row"] + 1, start_column=a["start_column"] + 1,
                           end_row=a["start_row"] + a["row_count"], end_column=a["start_column"] + a["column_count"])
        elif func == "setBorderProperty":   # borders round a block of the printable sheets: kept as a note
            out.borders.setdefault(ws.title, set()).add((a["start_row"], a["row_count"], args[0], args[2]))
        elif func in ("setSheetAutofit", "setRowHeight"):   # Excel sizes rows itself; the file host estimates
            out.rows.setdefault(ws.title, []).append((func, a["start_row"], args))
        elif func == "setColumnWidth":  # points → characters, inverting 7 px a character + 5 px
            for c in range(a["start_column"], a["start_column"] + a["column_count"]):
                ws.column_dimensions[get_column_letter(c + 1)].width = (args[0] / 0.75 - 5) / 7
        elif func == "freezePaneAtRange":
            ws.freeze_panes = args[0]
        elif func == "addConditionalFormat":
            spec = args[0]
            assert spec["type"] == "ColorScale"
            assert spec["threshold_types"] == ["LowestValue", "Percentile", "HighestValue"]
            low, mid, high = (c.lstrip("#").upper() for c in spec["colors"])
            first = f"{get_column_letter(a['start_column'] + 1)}{a['start_row'] + 1}"
            last = f"{get_column_letter(a['start_column'] + a['column_count'])}{a['start_row'] + a['row_count']}"
            ws.conditional_formatting.add(f"{first}:{last}", ColorScaleRule(
                start_type="min", start_color=low, mid_type="percentile", mid_value=spec["thresholds"][1],
                mid_color=mid, end_type="max", end_color=high))
        elif func == "addChart":
            name, kind, sheet, source = args[:4]
            out.charts.setdefault(ws.title, []).append(
                {"type": kind, "values": f"'{sheet}'!{source}", "anchor": args[9]})
        elif func == "setChartXAxisValues":
            out.charts[ws.title][args[0]]["categories"] = f"'{args[1]}'!{args[2]}"
        elif func == "setChartTitle":
            out.charts[ws.title][args[0]]["title"] = args[1]
        elif func == "setChartAxis":
            out.charts[ws.title][args[0]][f"{args[1]}_axis"] = args[2]
        elif func == "setChartLegend":
            out.charts[ws.title][args[0]]["legend_" + args[1]] = args[2]
        elif func == "deleteChart":
            del out.charts[ws.title][args[0]]
        elif func == "activateSheet":
            wb.active = args[0]
        elif func == "alert":
            out.alerts.append(args)
        else:
            raise AssertionError(f"apply_actions does not know the action {func!r}")
    return out


# --- comparison with the headless result -------------------------------------------------------

def package_charts(path: Path) -> list[dict]:
    """Each chart of an .xlsx: title, its categories (as a reference, or the literal labels of a
    chart in rank order) and whether the value axis starts at 0, read from the chart XML."""
    found = []
    with zipfile.ZipFile(path) as z:
        for part in sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            xml = z.read(part).decode("utf-8")
            cat = re.search(r"<c:cat>(.*?)</c:cat>", xml, re.S).group(1)
            ref = re.search(r"<c:f>(.*?)</c:f>", cat)
            title = re.search(r"<c:title>.*?<a:t>(.*?)</a:t>", xml, re.S)
            sheet = re.search(r"<c:tx><c:strRef><c:f>(.*?)!", xml).group(1).strip("'")
            found.append({"sheet": sheet, "title": title and title.group(1),
                          "categories": ref.group(1) if ref else re.findall(r"<c:v>(.*?)</c:v>", cat),
                          "from_zero": '<c:min val="0"/>' in xml})
    return found


def _blank(v):
    """An empty string is a blank: Excel cannot hold one written as a value, the package writer can."""
    return None if v == "" else v


def assert_same_workbook(actual: openpyxl.Workbook, expected: openpyxl.Workbook) -> None:
    assert actual.sheetnames == expected.sheetnames
    for name in expected.sheetnames:
        a, e = actual[name], expected[name]
        for r in range(1, max(a.max_row, e.max_row) + 1):
            for c in range(1, max(a.max_column, e.max_column) + 1):
                got, want = a.cell(r, c), e.cell(r, c)
                where = f"{name}!{got.coordinate}"
                assert got.value == _blank(want.value), where
                if _blank(want.value) is not None:
                    assert got.number_format == want.number_format, where
                    assert bool(got.font.b) == bool(want.font.b), where
                    assert bool(got.alignment.wrap_text) == bool(want.alignment.wrap_text), where
        assert a.freeze_panes == e.freeze_panes, name
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, e.merged_cells.ranges)), name
        assert sorted(str(cf.sqref) for cf in a.conditional_formatting) == \
            sorted(str(cf.sqref) for cf in e.conditional_formatting), name
        for letter, dim in e.column_dimensions.items():
            if dim.customWidth:
                assert a.column_dimensions[letter].width == pytest.approx(dim.width, abs=0.01), f"{name}!{letter}"


def assert_same_charts(applied: Applied, headless: Path, copy: openpyxl.Workbook) -> None:
    """The owned sheets' charts (总分 by unit, value axis from 0) match the headless package's.
    The package plots the units in rank order (literal values); the remote engine can only plot
    a range of the sheet, so the same units appear in sheet order."""
    want = [ch for ch in package_charts(headless) if ch["sheet"] in OWNED]
    got = []
    for sheet in OWNED:
        for ch in applied.charts.get(sheet, []):
            got.append({"sheet": sheet, "title": ch.get("title"), "labels": _labels(copy, ch["categories"]),
                        "from_zero": ch.get("value_axis", {}).get("minimum_scale") == 0})
    assert got == [{"sheet": ch["sheet"], "title": ch["title"],
                    "labels": sorted(ch["categories"]) if isinstance(ch["categories"], list)
                    else _labels(copy, ch["categories"]),
                    "from_zero": ch["from_zero"]} for ch in want]


def _labels(wb: openpyxl.Workbook, ref: str) -> list:
    """The sorted values of a one-column reference such as '得分'!$A$2:$A$17."""
    sheet, cells = _ref(ref).rsplit("!", 1)
    found = wb[sheet.strip("'")][cells]
    rows = found if isinstance(found, tuple) else ((found,),)
    return sorted(c.value for row in rows for c in row)


def _ref(v: str | None) -> str | None:
    """'S'!$A$2:$A$2 and 'S'!A2 are the same reference."""
    if v is None or "!" not in v:
        return v
    sheet, cells = v.replace("$", "").rsplit("!", 1)
    first, _, last = cells.partition(":")
    return f"{sheet}!{first}" if last in ("", first) else f"{sheet}!{first}:{last}"


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """What ``rubricxl new`` writes."""
    path = tmp_path_factory.mktemp("template") / "细则模板.xlsx"
    new_package(path, template_sheets())
    return path


def headless_rescore(src: Path, out: Path) -> handlers.Report:
    return handlers.rescore(FileHost(src, out))


@pytest.fixture(params=["template", *[p.name for p in SAMPLES]])
def workbook(request, template) -> Path:
    return template if request.param == "template" else next(p for p in SAMPLES if p.name == request.param)


# --- rescore -----------------------------------------------------------------------------------

def test_rescore_on_remote_engine_equals_headless_rescore(workbook, tmp_path):
    headless = tmp_path / "headless.xlsx"
    expected_report = headless_rescore(workbook, headless)

    book = remote_book(workbook)
    report = handlers.rescore(XlwingsHost(book))
    assert len(report.result) == len(expected_report.result)
    assert [i.line() for i in report.issues] == [i.line() for i in expected_report.issues]

    copy = openpyxl.load_workbook(workbook)
    applied = apply_actions(copy, book.json()["actions"])
    assert_same_workbook(copy, openpyxl.load_workbook(headless))
    assert_same_charts(applied, headless, copy)


def test_rescore_of_rescored_book_clears_owned_sheets_in_place(template, tmp_path):
    """A second 重新评分: the four owned sheets exist, so they are cleared (not added again) and
    得分's old chart is replaced, never duplicated."""
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    headless_rescore(template, once)
    headless_rescore(once, twice)

    old_chart = {"得分": [{"type": "ColumnClustered", "values": "'得分'!$N$2:$N$4", "title": "总分"}]}
    book = remote_book(once, charts={"得分": ["总分"]})
    handlers.rescore(XlwingsHost(book))
    actions = book.json()["actions"]
    assert [a["func"] for a in actions].count("addSheet") == 0
    cleared = [book.sheets[a["sheet_position"]].name for a in actions if a["func"] == "sheetClear"]
    assert cleared == ["得分", "平均", "评分过程", "问题"]

    copy = openpyxl.load_workbook(once)
    applied = apply_actions(copy, actions, charts=old_chart)
    assert len(applied.charts["得分"]) == 1
    assert_same_workbook(copy, openpyxl.load_workbook(twice))
    assert_same_charts(applied, twice, copy)


def test_rescore_restores_the_active_sheet(template):
    book = remote_book(template, active=1)  # the user is on 数据
    handlers.rescore(XlwingsHost(book))
    assert book.json()["actions"][-1]["func"] == "activateSheet"
    assert book.json()["actions"][-1]["args"] == [1]


# --- reading -----------------------------------------------------------------------------------

def _trimmed(rows: list[list]) -> list[list]:
    """Without trailing blank rows and columns (readers differ on formatted empty cells)."""
    rows = [list(r) for r in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((max((c + 1 for c, v in enumerate(r) if v is not None), default=0) for r in rows), default=0)
    return [r[:width] + [None] * (width - len(r)) for r in rows]


def test_read_returns_the_values_calamine_reads(workbook):
    remote, local = XlwingsHost(remote_book(workbook)), FileHost(workbook)
    assert remote.sheet_names() == local.sheet_names()
    for sheet in local.sheet_names():
        # A formula never calculated (the sample's 合计 =SUM, written by openpyxl) has no value to
        # post; the file host shows it as its formula text so that it is never taken for a blank.
        rows = [list(row) for row in local.read(sheet)]
        with open_package(workbook) as z:
            uncached = scan_sheet(z, sheet_parts(z, workbook.name)[sheet], sheet).formulas
        for r, c in uncached:
            rows[r][c] = None
        assert _trimmed(remote.read(sheet)) == _trimmed(rows), sheet


def test_read_is_two_dimensional_for_a_single_cell_and_a_single_row(tmp_path):
    path = tmp_path / "small.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "一格"
    wb.active["A1"] = "只有一格"
    row = wb.create_sheet("一行")
    row.append(["单位", 3, None, "末"])
    tail = wb.create_sheet("右下")  # the used range starts away from A1: read still starts at A1
    tail["C3"] = 7
    wb.save(path)
    host = XlwingsHost(remote_book(path))
    assert host.read("一格") == [["只有一格"]]
    assert host.read("一行") == [["单位", 3, None, "末"]]
    assert host.read("右下") == [[None, None, None], [None, None, None], [None, None, 7]]


def test_a_used_range_inflated_by_formatting_reads_to_the_last_filled_cell(template):
    """Formatting makes Excel's used range (and so the posted values) reach far past the table:
    ``read`` returns the table only, and the rescore is the one of the plain book."""
    payload = book_payload(template)
    data = next(s for s in payload["sheets"] if s["name"] == "数据")
    plain = [list(r) for r in data["values"]]
    width = len(plain[0]) + 150
    data["values"] = [r + [""] * 150 for r in plain] + [[""] * width for _ in range(2000)]
    data["used_range_address"] = f"$A$1:${get_column_letter(width)}${len(plain) + 2000}"
    host = XlwingsHost(xw.Book(json=payload))
    assert host.read("数据") == XlwingsHost(remote_book(template)).read("数据")
    assert len(host.read("数据")) == len(plain)
    inflated = handlers.rescore(host)
    assert [i.line() for i in inflated.issues] == [i.line() for i in handlers.evaluate(FileHost(template)).issues]
    assert inflated.result.summary(0) == handlers.evaluate(FileHost(template)).result.summary(0)


def test_remote_payload_has_no_merged_ranges_and_the_layout_still_inherits_levels(tmp_path, template):
    """The payload carries no merge information: merged level cells read blank below their first
    row, and the layout inherits blank level cells, so the scores are the same."""
    merged = tmp_path / "合并.xlsx"
    wb = openpyxl.load_workbook(template)
    rubric = wb["细则"]
    rubric.merge_cells("B2:B4")  # 一级指标 工作成效 over the first three indicators
    wb.save(merged)
    host = XlwingsHost(remote_book(merged))
    assert host.merged("细则") == []
    assert [row[1] for row in host.read("细则")[1:5]] == ["工作成效", None, None, "工作成效"]
    remote = handlers.evaluate(host).result.scores_frame()
    local = handlers.evaluate(FileHost(merged)).result.scores_frame()
    assert remote.equals(local)


# --- validate, new, explain --------------------------------------------------------------------

def test_validate_writes_only_the_issues_sheet(template, tmp_path):
    headless = tmp_path / "validated.xlsx"
    expected = handlers.validate(FileHost(template, headless), write=True)

    book = remote_book(template)
    found = handlers.validate(XlwingsHost(book), write=True)
    assert [i.line() for i in found] == [i.line() for i in expected]
    actions = book.json()["actions"]
    assert [a["args"][1] for a in actions if a["func"] == "addSheet"] == ["问题"]
    copy = openpyxl.load_workbook(template)
    apply_actions(copy, actions)
    assert_same_workbook(copy, openpyxl.load_workbook(headless))


def test_new_adds_the_three_example_sheets_after_the_users_sheet(tmp_path):
    path = tmp_path / "空白.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "本表由用户填写"
    wb.save(path)

    book = remote_book(path)
    assert handlers.insert_template(XlwingsHost(book)) == ["细则", "数据", "设置"]
    copy = openpyxl.load_workbook(path)
    apply_actions(copy, book.json()["actions"])
    assert copy.sheetnames == ["说明", "细则", "数据", "设置"]
    assert copy["说明"]["A1"].value == "本表由用户填写"
    # The spec's 细则 columns, then the 数据 sheet: 单位, 组别, then the inputs.
    assert [c.value for c in copy["细则"][1]][:6] == ["编号", "一级指标", "二级指标", "分值", "规则", "输入"]
    assert [c.value for c in copy["细则"][1]] == RUBRIC_HEADER
    assert [c.value for c in copy["数据"][1]] == DATA_HEADER
    assert [c.value for c in copy["数据"][2]] == DATA_ROWS[0]
    assert copy["细则"]["A2"].value == "1"  # an id typed as text stays text


def test_new_leaves_a_book_that_has_the_sheets_alone(template):
    book = remote_book(template)
    assert handlers.insert_template(XlwingsHost(book)) == []
    assert book.json()["actions"] == []


def scored_book(template: Path, tmp_path: Path) -> xw.Book:
    """The rescored template with 示例单位甲's 工作时效性 score selected on 得分."""
    scored = tmp_path / "scored.xlsx"
    headless_rescore(template, scored)
    wb = openpyxl.load_workbook(scored)
    col = [c.value for c in wb["得分"][1]].index("8 工作时效性")
    cell = f"{get_column_letter(col + 1)}2"  # row 2: 示例单位甲, the first 数据 row
    return remote_book(scored, selection=cell, active=wb.sheetnames.index("得分"))


def test_explain_reads_the_selected_score(template, tmp_path):
    book = scored_book(template, tmp_path)
    text = handlers.explain(XlwingsHost(book))
    # 示例单位甲 has 0 延误事项数: "deduct each=0.5" takes nothing off, full marks.
    assert text.startswith("示例单位甲 · 8 工作时效性：")
    assert "满分" in text
    assert book.json()["actions"] == []  # explaining writes nothing


def test_explain_outside_the_scores_sheet_asks_for_a_score(template):
    book = remote_book(template, selection="B3", active=0)
    assert handlers.explain(XlwingsHost(book)) == "请先选中「得分」表中的一个分数"


def test_explain_without_a_cell_selection(template):
    book = remote_book(template, selection=None)  # a shape is selected
    assert XlwingsHost(book).selection() is None
    assert handlers.explain(XlwingsHost(book)) == "请先选中「得分」表中的一个分数"


# --- the xlwings Server / Lite scripts ---------------------------------------------------------

def call_script(name: str, book: xw.Book) -> xw.Book:
    """What xlwings Server does on POST /xlwings/custom-scripts-call/{name}."""
    from xlwings.server import custom_scripts_call
    return asyncio.run(custom_scripts_call(ribbon, name, typehint_to_value={xw.Book: book}))


def test_scripts_are_the_ribbon_buttons():
    from xlwings.server import custom_scripts_meta
    meta = {m["function_name"]: m["name"] for m in custom_scripts_meta(ribbon)}
    assert meta == {"rescore_script": "重新评分", "validate_script": "校验细则",
                    "new_script": "新建细则", "suggest_script": "推导规则", "explain_script": "说明",
                    "export_script": "导出公式版", "report_script": "生成报表"}


def test_export_script_asks_for_a_saved_file_on_a_remote_engine(template):
    """xlwings Server and Lite post the book's cells, not its file: the copy needs the file."""
    book = call_script("export_script", remote_book(template))
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert actions[0]["args"][0].startswith("导出公式版需要已保存在磁盘上的工作簿")


def test_report_on_remote_engine_lays_out_the_same_cards_and_tables(tmp_path):
    """生成报表 through xlwings Server/Lite: 评分表 and 排名表 with the headless values, merges, wrapping
    and bold rows; borders framed and rows autofitted by Excel. Page setup has no remote action
    (xlwings' remote PageSetup offers only print_area), so none is sent."""
    sample = next(p for p in SAMPLES if "附表1" in p.name)
    headless = tmp_path / "report.xlsx"
    handlers.report(FileHost(sample, headless))
    book = remote_book(sample)
    handlers.report(XlwingsHost(book))
    actions = book.json()["actions"]
    copy = openpyxl.load_workbook(sample)
    applied = apply_actions(copy, actions)
    assert_same_workbook(copy, openpyxl.load_workbook(headless))
    assert {"评分表", "排名表"} <= set(applied.borders)
    assert ("setSheetAutofit", None, ["rows"]) in applied.rows["评分表"]
    assert not [a for a in actions if "print" in a["func"].lower() or "page" in a["func"].lower()]
    cards = copy["评分表"]
    assert cards["A1"].value == "黄浦评分表" and cards["A1"].font.sz == 14 and cards["A1"].font.b


def test_rescore_script_writes_and_reports_in_a_message_box(template):
    book = call_script("rescore_script", remote_book(template))
    actions = book.json()["actions"]
    assert {"得分", "平均", "评分过程", "问题"} <= {a["args"][1] for a in actions if a["func"] == "addSheet"}
    alert = actions[-1]
    assert alert["func"] == "alert"
    # 3 example units; no error; no hint: the band "好=8-10; 较好=6-7" leaves open only (7,8),
    # which whole-point scores never reach.
    assert alert["args"][:2] == ["重新评分完成：3个单位，0个错误", "评分"]
    assert alert["args"][3] == "info"


def test_validate_and_new_scripts_report(template):
    book = call_script("validate_script", remote_book(template))
    assert book.json()["actions"][-1]["args"][0] == "校验完成：未发现问题"
    book = call_script("new_script", remote_book(template))
    assert book.json()["actions"] == [book.json()["actions"][-1]]  # nothing written, one message
    assert book.json()["actions"][-1]["args"][0] == "「细则」「数据」「设置」工作表都已存在，未作改动"


def test_explain_script_shows_the_working(template, tmp_path):
    book = scored_book(template, tmp_path)
    expected = handlers.explain(XlwingsHost(book))
    book = call_script("explain_script", book)
    assert book.json()["actions"] == [book.json()["actions"][-1]]
    assert book.json()["actions"][-1]["args"][0] == expected
    assert expected.startswith("示例单位甲 · 8 工作时效性：")


def test_unreadable_book_gives_a_chinese_message_not_a_traceback(tmp_path):
    path = tmp_path / "无细则.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = 1
    wb.save(path)
    book = call_script("rescore_script", remote_book(path))
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]  # nothing written
    assert actions[0]["args"][0] == ("工作簿「无细则.xlsx」中没有「细则」工作表：请先点击“新建细则”插入示例，"
                                     "或打开含细则的工作簿。")
    assert actions[0]["args"][3] == "critical"


def test_dispatch_uses_the_calling_book(template, monkeypatch):
    """The VBA dispatcher's route: RunPython → dispatch(tag) → xw.Book.caller()."""
    book = remote_book(template)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    ribbon.dispatch("validate")
    assert book.json()["actions"][-1]["args"][0] == "校验完成：未发现问题"
    ribbon.dispatch("no-such-button")
    assert book.json()["actions"][-1]["args"][0] == "未知的按钮：no-such-button"


def test_suggest_script_fills_the_blank_rule_with_a_note(template, tmp_path):
    """推导规则 from Excel: the blank 规则 of row 1 gets the rule read from its 评分标准, with a note."""
    path = tmp_path / "blank.xlsx"
    wb = openpyxl.load_workbook(template)
    wb["细则"]["E2"] = None                                   # band 好=8-10; 较好=6-7; 一般=<6
    wb.save(path)
    book = call_script("suggest_script", remote_book(path))
    actions = book.json()["actions"]
    values = [a for a in actions if a["func"] == "setValues" and a["start_row"] == 1 and a["start_column"] == 4]
    assert values and values[-1]["values"] == [["band 好=8-10; 较好=6-7; 一般=<6"]]
    notes = [a for a in actions if a["func"] == "addNote"]
    assert notes and notes[0]["args"] == ["$E$2", "由评分标准推导，请核对"]
    assert actions[-1]["func"] == "alert" and actions[-1]["args"][0].startswith("推导规则完成：1行中已填写1行（0行确定，1行存疑）")
