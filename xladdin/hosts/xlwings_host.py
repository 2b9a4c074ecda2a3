"""The Excel host: the WorkbookHost protocol over an xlwings Book.

One class serves both engines xlwings offers a ribbon button:
- ``excel``: a live workbook (``xw.Book.caller()`` from the add-in's VBA dispatcher). Every call
  is a COM round trip, so sheets are read and written in whole blocks.
- ``remote``: ``xw.Book(json=payload)`` in xlwings Server and xlwings Lite. Reads come from the
  payload the Office.js client posted; writes queue actions that Excel applies after the script
  returns, so a failing script changes nothing. (Live Excel has no such transaction: an error
  halfway through a write leaves the sheets written so far.)

Values, number formats, bold headers, column widths, colour scales, the chart and frozen panes
are written on both engines, and so is the printable layout: wrapped text, merged cells, title and
subtotal rows, borders, row heights (Excel's own autofit, which measures the text exactly), the
chart's value axis from 0 and its place below the table. What an engine cannot do (xlwings 0.37.8)
is skipped:
- page setup on ``remote``: its PageSetup offers only ``print_area``: no orientation, fit to
  width, print titles, margins, header/footer or page breaks (Office.js's own page layout API is
  not reachable through xlwings). A workbook rescored through xlwings Server/Lite prints with
  Excel's defaults until 重新评分 runs once on the desktop or on the file (``rubricxl``);
- the chart's rank order and data labels on ``remote``: a series can only be a range of the sheet
  (in the sheet's order) and data labels have no action; on Windows both go through COM;
- merged ranges on ``remote``: the payload carries none; ``merged`` returns [] (the layout also
  inherits blank level cells, and merged cells other than the top-left one read blank);
- autofilter on ``remote``: xlwings can filter an existing autofilter but not create one;
- freeze panes and autofilter on Excel for Mac: xlwings freezes panes only on ``remote``; on
  Windows both go through COM (the sheet's window, Range.AutoFilter).
This module imports no xlwings: it only talks to the Book it is given.
"""
from __future__ import annotations

import sys
from decimal import Decimal

from ..layout import cell_ref
from ..protocol import MAX_GRID, ReadError
from ..sheetspec import FOOTER, HEADER_FONT, MARGINS, CellPatch, Formula, PageSetup, SheetSpec, width_points

COLOR_SCALE = ["#F8696B", "#FFEB84", "#63BE7B"]  # red-yellow-green, Excel's default 3-colour scale
XL_FORMULAS, XL_PART, XL_BY_ROWS, XL_BY_COLUMNS, XL_PREVIOUS = -4123, 2, 1, 2, 2  # Excel's enum values


def _trimmed(rows: list[list]) -> list[list]:
    """The rows without trailing rows and columns that hold nothing (None or "")."""
    def filled(v) -> bool:
        return v is not None and v != ""

    while rows and not any(filled(v) for v in rows[-1]):
        rows.pop()
    width = max((next((c + 1 for c in range(len(r) - 1, -1, -1) if filled(r[c])), 0) for r in rows), default=0)
    return [r[:width] for r in rows]


def _check_grid(sheet: str, rows: int, cols: int) -> None:
    if rows * cols > MAX_GRID:
        raise ReadError(f"工作表「{sheet}」的内容延伸到 {cell_ref(rows - 1, cols - 1)}，超过 rubricxl 可读取的 "
                        f"{MAX_GRID:,} 个单元格；请删除远离表格的单元格（按 Ctrl+End 可找到最后一个单元格）")


def _text_safe(value):
    """A cell value Excel stores as given. Excel parses a written str as if typed ("1" → 1, "50%",
    "=x", "#N/A", "TRUE"), so a str that does not start with a letter (CJK included), or is
    TRUE/FALSE, gets the quote prefix that keeps it text. Decimal → float; a Formula is written as one."""
    if type(value) is Formula:
        return "=" + value.text
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value and (not value[0].isalpha() or value.upper() in ("TRUE", "FALSE")):
        return "'" + value
    return value


def _note(cell, text: str) -> None:
    """Set a cell's note; hosts without notes (older Office.js) keep the value and skip the note."""
    try:
        if cell.note is not None:
            cell.note.text = text
        else:
            cell.add_note(text)
    except NotImplementedError:
        pass


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows: one Excel call per run."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and out[-1][1] == r - 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def _body(spec: SheetSpec, n: int) -> list[tuple[int, int]]:
    """Runs of the table's body rows (data and total rows below row 0): number formats and wrapping
    go there, never onto titles, captions or headings."""
    return _runs([r for r in range(1, n) if spec.row_styles.get(r, "data") in ("data", "total")])


class XlwingsHost:
    """An xlwings Book, live in Excel or posted by xlwings Server/Lite."""

    def __init__(self, book):
        self.book = book
        self.name = book.name
        self.hints: list[tuple[str, str, str]] = []
        self.remote = book.app.engine.name == "remote"

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _last_cell(self, ws) -> tuple[int, int]:
        """Row and column (1-based) of the last cell holding something. UsedRange also counts cells
        that only carry formatting (up to XFD1048576 after a whole-column format); on Windows Excel's
        own Find("*", backwards by rows, then by columns) skips those. Elsewhere (the remote engine,
        whose payload is already in memory, and Excel for Mac) ``read`` trims what it got instead."""
        last = ws.used_range.last_cell
        if self.remote or not sys.platform.startswith("win"):
            return last.row, last.column
        cells = ws.api.Cells
        by_rows = cells.Find(What="*", After=cells(1, 1), LookIn=XL_FORMULAS, LookAt=XL_PART,
                             SearchOrder=XL_BY_ROWS, SearchDirection=XL_PREVIOUS)
        if by_rows is None:
            return 0, 0
        by_cols = cells.Find(What="*", After=cells(1, 1), LookIn=XL_FORMULAS, LookAt=XL_PART,
                             SearchOrder=XL_BY_COLUMNS, SearchDirection=XL_PREVIOUS)
        return by_rows.Row, by_cols.Column

    def read(self, sheet: str) -> list[list]:
        ws = self.book.sheets[sheet]
        rows, cols = self._last_cell(ws)
        if not (rows and cols):
            return []
        if not self.remote:
            _check_grid(sheet, rows, cols)  # before Excel is asked to hand the cells over
        # Coordinates, not Range objects: the remote engine cannot span a range to a Range.
        values = _trimmed(ws.range((1, 1), (rows, cols)).options(ndim=2).value)
        _check_grid(sheet, len(values), max((len(r) for r in values), default=0))
        return values

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        if self.remote:
            return []
        ws = self.book.sheets[sheet]
        values = self.read(sheet)                # the table's extent, not the formatted one
        rows, cols = len(values), max((len(r) for r in values), default=0)
        found = []
        for c in range(1, cols + 1):
            if ws.range((1, c), (rows, c)).merge_cells is False:  # one call rules out a column
                continue
            r = 1
            while r <= rows:
                cell = ws.range((r, c))
                if not cell.merge_cells:
                    r += 1
                    continue
                area = cell.merge_area
                end = area.last_cell
                if area.column == c:  # each area once, from its first column
                    found.append((area.row - 1, area.column - 1, end.row - 1, end.column - 1))
                r = end.row + 1
        return found

    def write(self, sheets: list[SheetSpec], patches: list[CellPatch], remove: list[str]) -> None:
        active = self.book.sheets.active
        existing = {s.name.lower(): s for s in self.book.sheets}
        for spec in sheets:
            ws = existing.get(spec.name.lower())
            if ws is None:
                ws = self.book.sheets.add(spec.name, after=self.book.sheets[len(self.book.sheets) - 1])
            else:
                ws.clear()
                for chart in reversed(list(ws.charts)):  # last first: deleting renumbers the rest
                    chart.delete()
            self._fill(ws, spec.expanded())    # score cards come as row templates
        for patch in patches:
            ws = self.book.sheets[patch.sheet]
            for (r, c), value in patch.cells.items():
                ws.range((r + 1, c + 1)).value = _text_safe(value)
            for (r, c), fmt in patch.formats.items():
                ws.range((r + 1, c + 1)).number_format = fmt
            for (r, c), text in patch.notes.items():
                _note(ws.range((r + 1, c + 1)), text)
        for name in remove:
            if name.lower() in existing:
                existing[name.lower()].delete()
        if active.name.lower() not in {n.lower() for n in remove}:
            active.activate()

    def _fill(self, ws, spec: SheetSpec) -> None:
        """Values in one call, then the formats, widths and decorations each engine supports."""
        width = max((len(row) for row in spec.rows), default=0)
        if not width:
            return
        rows = [[_text_safe(v) for v in row] + [None] * (width - len(row)) for row in spec.rows]
        n = len(rows)
        ws.range((1, 1)).value = rows
        body = _body(spec, n)
        for c, fmt in spec.col_formats.items():
            for a, b in body:
                ws.range((a + 1, c + 1), (b + 1, c + 1)).number_format = fmt
        for c, chars in spec.col_widths.items():
            ws.range((1, c + 1)).column_width = width_points(chars) if self.remote else chars
        if spec.header_bold:
            ws.range((1, 1), (1, width)).font.bold = True
        self._layout(ws, spec, n, width)
        for c in spec.color_scale_cols:
            if n > 1:
                ws.range((2, c + 1), (n, c + 1)).conditional_formats.add_color_scale(COLOR_SCALE)
        if spec.chart is not None:
            self._chart(ws, spec, n, width)
        if spec.freeze:
            self._freeze(ws, spec.freeze)
        if spec.autofilter and not self.remote and sys.platform.startswith("win"):
            ws.api.AutoFilterMode = False
            ws.range((1, 1), (n, width)).api.AutoFilter()

    def _layout(self, ws, spec: SheetSpec, n: int, width: int) -> None:
        """Wrapped text, row kinds (title, caption, head, total), merges, borders, row heights, page."""
        kinds = dict(spec.row_styles)
        if spec.header_bold:
            kinds.setdefault(0, "head")
        for c in spec.wrap_cols:
            for a, b in _body(spec, n):
                ws.range((a + 1, c + 1), (b + 1, c + 1)).wrap_text = True
        for kind in ("title", "caption", "head", "total"):
            for a, b in _runs(sorted(r for r, k in kinds.items() if k == kind)):
                block = ws.range((a + 1, 1), (b + 1, width))
                block.font.bold = True
                if kind == "title":
                    block.font.size = 14
                if kind in ("title", "head"):
                    block.horizontal_alignment = "center"
                if kind == "head":
                    block.wrap_text = True
        for r1, c1, r2, c2 in spec.merges:
            ws.range((r1 + 1, c1 + 1), (r2 + 1, c2 + 1)).merge()
        if spec.grid:
            framed = [r for r in range(n) if kinds.get(r, "data") in ("data", "head", "total") and spec.rows[r]]
            for a, b in _runs(framed):
                ws.range((a + 1, 1), (b + 1, max(len(spec.rows[r]) for r in range(a, b + 1)))).borders.line_style = \
                    "continuous"
        if spec.page is not None:
            if spec.wrap_cols or spec.row_heights:
                ws.range((1, 1), (n, width)).vertical_alignment = "center"
                ws.autofit("rows")                 # Excel measures wrapped text itself
            for r, k in kinds.items():
                if k == "title" and r in spec.row_heights:   # autofit skips merged cells
                    ws.range((r + 1, 1)).row_height = spec.row_heights[r]
            self._page(ws, spec.page)

    def _page(self, ws, page: PageSetup) -> None:
        """Excel's PageSetup over COM (Windows); the remote engine has no page setup to set."""
        if self.remote or not sys.platform.startswith("win"):
            return
        setup = ws.api.PageSetup
        setup.PaperSize = 9                                # xlPaperA4
        setup.Orientation = 2 if page.landscape else 1     # xlLandscape / xlPortrait
        if page.scale is not None:
            setup.Zoom = page.scale
        elif page.fit_width or page.fit_page:
            setup.Zoom = False
            setup.FitToPagesWide = 1
            setup.FitToPagesTall = 1 if page.fit_page else False
        setup.PrintTitleRows = f"$1:${page.repeat_rows}" if page.repeat_rows else ""
        setup.PrintTitleColumns = f"$A:${chr(64 + page.repeat_cols)}" if page.repeat_cols else ""
        setup.LeftMargin, setup.RightMargin = MARGINS["left"] * 72, MARGINS["right"] * 72
        setup.TopMargin, setup.BottomMargin = MARGINS["top"] * 72, MARGINS["bottom"] * 72
        setup.HeaderMargin, setup.FooterMargin = MARGINS["header"] * 72, MARGINS["footer"] * 72
        setup.CenterHorizontally = True
        setup.CenterHeader = HEADER_FONT + page.title.replace("&", "&&")
        setup.CenterFooter = FOOTER
        ws.api.ResetAllPageBreaks()
        for r in page.breaks:
            ws.api.HPageBreaks.Add(ws.range((r + 1, 1)).api)

    def _chart(self, ws, spec: SheetSpec, n: int, width: int) -> None:
        chart = spec.chart
        last = n if chart.last_row is None else min(chart.last_row + 1, n)
        first = chart.first_row + 1
        if last < first:
            return
        col = width + 2 if chart.anchor_col is None else chart.anchor_col
        size = chart.size or (480, 288)
        # One value column as the source, the labels as categories: the two columns need not touch.
        made = ws.charts.add(chart_type="column_clustered", plot_by="columns",
                             anchor=ws.range((chart.anchor_row + 1, col + 1)),
                             source=ws.range((first, chart.value_col + 1), (last, chart.value_col + 1)),
                             width=size[0], height=size[1])
        made.set_x_axis_values(ws.range((first, chart.label_col + 1), (last, chart.label_col + 1)))
        made.title = chart.title
        made.legend.visible = False
        if chart.from_zero:
            made.value_axis.minimum_scale = 0
        if not self.remote and sys.platform.startswith("win"):
            series = made.api[1].SeriesCollection(1)
            if chart.order is not None:           # rank order: the values themselves, as the file host
                rows = [r for r in chart.order if first - 1 <= r <= last - 1]
                series.XValues = [spec.rows[r][chart.label_col] for r in rows]
                series.Values = [spec.rows[r][chart.value_col] for r in rows]
            series.HasDataLabels = chart.data_labels

    def _freeze(self, ws, cell: str) -> None:
        if self.remote:
            ws.freeze_panes.freeze_at(cell)
            return
        if not sys.platform.startswith("win"):
            return
        # xlwings 0.37 freezes panes on the remote engine only; on Windows freeze the sheet's window.
        target = ws.range(cell)
        ws.activate()
        window = self.book.app.api.ActiveWindow
        window.FreezePanes = False
        window.ScrollRow, window.ScrollColumn = 1, 1
        window.SplitRow, window.SplitColumn = target.row - 1, target.column - 1
        window.FreezePanes = True

    def selection(self) -> tuple[str, int, int] | None:
        rng = self.book.selection  # None in Excel when a shape or chart is selected
        if rng is None:
            return None
        try:
            return rng.sheet.name, rng.row - 1, rng.column - 1
        except TypeError:  # the remote engine's selection of a shape: a Range without cells
            return None
