"""Host-independent description of what rubricxl writes: owned sheets and owned cells.

The layout code fills these; a host (the .xlsx package writer, xlwings) turns them into cells.
Plain data, no I/O, so every host writes the same thing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

LINE_POINTS = 15.0        # one line of the default 11 pt font, in points
MAX_ROW_POINTS = 409.0    # Excel's highest row
PRINT_WIDTH_POINTS = 770.0  # A4 landscape less the margins below
MIN_FIT = 0.45              # narrower than this, fitting to one page wide is no longer legible
WIDE_SCALE = 60             # the print scale (percent) of such a table instead
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.75, "bottom": 0.6, "header": 0.3, "footer": 0.3}  # inches
FOOTER = "第 &P 页，共 &N 页"   # Excel's header/footer codes: page number, page count
HEADER_FONT = '&"-,Bold"&12'     # the page header's title: bold, 12 pt


@dataclass
class ChartSpec:
    """A clustered column chart of one value column by a label column of the sheet's own table."""

    title: str
    label_col: int  # 0-based column in rows holding the category labels
    value_col: int  # 0-based column holding the values
    first_row: int = 1  # first data row index in rows (0-based; header is row 0)
    last_row: int | None = None  # inclusive; None = last row
    anchor_col: int | None = None  # 0-based column of the chart's left edge; None = 2 right of the table
    anchor_row: int = 1  # 0-based row of the chart's top edge
    order: list[int] | None = None  # rows in plot order (e.g. by rank); None = sheet order
    size: tuple[float, float] | None = None  # (width, height) in points; None = the hosts' default
    from_zero: bool = True  # value axis starts at 0, so bar lengths compare
    data_labels: bool = True


@dataclass
class PageSetup:
    """How an owned sheet prints (A4): every host writes the same page setup from it."""

    title: str  # printed centred at the top of every page
    landscape: bool = True
    fit_width: bool = True  # all columns on one page width, as many pages tall as needed
    fit_page: bool = False  # the whole sheet on one page (a single score card)
    repeat_rows: int = 1  # header rows printed again on every page (0: none)
    repeat_cols: int = 0  # leading columns printed again on every page (a table wider than a page)
    breaks: list[int] = field(default_factory=list)  # 0-based rows that start a new page
    scale: int | None = None  # a fixed print scale in percent instead of fitting (keeps manual breaks)


class Formula(NamedTuple):
    """A cell holding a native formula (text without the leading '=') and the value it shows until
    the spreadsheet recalculates (None or '' for a blank result). A tuple: hundreds of thousands
    are made for one copy."""

    text: str
    cached: object = None


class Slot(int):
    """A template cell filled from each copy's values: the int is the number of its column in
    RowTemplate.values."""


@dataclass
class RowTemplate:
    """Rows that repeat once per copy, the same in every copy but for their Slot cells and row
    heights (a score card per unit: the rubric's rows with each unit's scores and texts)."""

    rows: list[list]        # cell values as in SheetSpec.rows; a Slot marks a value that differs per copy
    kinds: list[str]        # per row, as SheetSpec.row_styles: data | head | total | title | caption | note
    merges: list[tuple[int, int, int, int]]     # rows counted from the template's first row
    values: list[list]      # per Slot, its value in each copy of this template, in sheet order
    heights: list           # per row, its height in points: one for all copies, a list per copy, or None


@dataclass
class Repeats:
    """Sheet rows made of copies of row templates, one after the other below SheetSpec.rows.

    The package writer renders each template's XML once and fills in the values of every copy a
    column at a time, instead of writing hundreds of thousands of cells one by one;
    ``SheetSpec.expanded`` turns them into plain rows for hosts that write cell by cell.
    """

    templates: list[RowTemplate]
    order: list[int]        # the template of each copy, in sheet order


@dataclass
class SheetSpec:
    """An owned sheet, replaced whole on every write.

    Cell values are str, int, float, Decimal, bool, Formula or None. A str is always text, never a
    formula: formulas are written only as Formula values.
    """

    name: str
    rows: list[list]  # row 0 is the header
    col_formats: dict[int, str] = field(default_factory=dict)  # number format of data rows per column
    col_widths: dict[int, float] = field(default_factory=dict)
    freeze: str | None = "A2"  # top-left cell of the scrolling pane
    color_scale_cols: list[int] = field(default_factory=list)  # red-yellow-green, low to high
    chart: ChartSpec | None = None
    header_bold: bool = True  # row 0 bold, wrapped and centred
    autofilter: bool = True
    notes: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) in rows -> cell note
    page: PageSetup | None = None
    wrap_cols: list[int] = field(default_factory=list)  # data columns whose text wraps
    row_heights: dict[int, float] = field(default_factory=dict)  # points, per 0-based row
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based inclusive ranges
    row_styles: dict[int, str] = field(default_factory=dict)  # row -> title | caption | note | head | total
    grid: bool = False  # thin borders round the cells of data, head and total rows
    repeats: Repeats | None = None  # more rows after `rows`, as copies of row templates

    def expanded(self) -> SheetSpec:
        """The same sheet with its repeated rows written out as plain rows, merges and heights."""
        if self.repeats is None:
            return self
        rows, merges = list(self.rows), list(self.merges)
        heights, kinds = dict(self.row_heights), dict(self.row_styles)
        templates = self.repeats.templates
        seen = [0] * len(templates)
        for t in self.repeats.order:
            tpl, top, j = templates[t], len(rows), seen[t]
            seen[t] += 1
            for k, (row, kind, h) in enumerate(zip(tpl.rows, tpl.kinds, tpl.heights)):
                rows.append([tpl.values[v][j] if type(v) is Slot else v for v in row])
                if kind != "data":
                    kinds[top + k] = kind
                h = h[j] if type(h) is list else h
                if h:
                    heights[top + k] = h
            merges += [(top + r1, c1, top + r2, c2) for r1, c1, r2, c2 in tpl.merges]
        return replace(self, rows=rows, merges=merges, row_heights=heights, row_styles=kinds, repeats=None)


@dataclass
class CellPatch:
    """Owned cells inside a user sheet (the single-unit layout's 得分/评分过程 columns).

    A None value clears the cell's value and keeps its style.
    """

    sheet: str
    cells: dict[tuple[int, int], object]  # (0-based row, 0-based col) -> value
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # number format per cell
    notes: dict[tuple[int, int], str] = field(default_factory=dict)    # a cell note (comment) per cell


def text_width(value) -> int:
    """Columns a value needs in the default font: CJK and full-width characters count double
    (UTF-8 spends 3 bytes on them and 1 on ASCII, so (bytes + characters) / 2 counts them)."""
    if type(value) is str:
        if "\n" in value:
            return max(text_width(line) for line in value.split("\n"))
        return (len(value.encode()) + len(value)) >> 1
    if value is None:
        return 0
    if isinstance(value, float):    # shown with up to two decimals (the score formats)
        return len(f"{value:.2f}") if value == value else 0
    return text_width(str(value))


def fit_widths(rows: list[list], low: float = 6, high: float = 40, head_lines: int = 3,
               sample: int = 3000) -> dict[int, float]:
    """Column widths (characters) fitted to the data; a header may wrap onto ``head_lines`` lines.

    Only the first ``sample`` rows are measured: the widths of a 200 000-row working sheet are set
    by its first rows as well as by all of them, at a fraction of the time.
    """
    width = max((len(r) for r in rows), default=0)
    data = [0] * width
    for row in rows[1:sample]:
        for c, v in enumerate(row):
            if v is not None:
                w = text_width(v)
                if w > data[c]:
                    data[c] = w
    head = rows[0] if rows else []
    out = {}
    for c in range(width):
        h = text_width(head[c]) if c < len(head) else 0
        out[c] = float(min(high, max(low, data[c] + 2, math.ceil(h / head_lines) + 2)))
    return out


def fit_heights(rows: list[list], widths: dict[int, float], cols: list[int], first: int = 0) -> dict[int, float]:
    """Row heights (points) that show every line of the wrapped ``cols`` from row ``first`` on.

    Worked a column at a time over all rows (a 200 000-row working sheet takes a fraction of a second)."""
    body = rows[first:]
    lines = np.ones(len(body))
    for c in cols:
        per = max(1.0, widths.get(c, 8.43) - 1)
        cells = [row[c] if c < len(row) else None for row in body]
        # each distinct text measured once (criteria and names repeat on every card), then looked up
        need = {v: _lines(v, per) for v in set(cells)}
        lines = np.maximum(lines, np.array([need[v] for v in cells], dtype=float))
    tall = np.flatnonzero(lines > 1)
    heights = np.minimum(MAX_ROW_POINTS, LINE_POINTS * lines[tall] + 3)
    return dict(zip((tall + first).tolist(), heights.tolist()))


def _lines(value, per: float) -> int:
    """Lines a value takes in a wrapped cell ``per`` characters wide (its own line breaks too)."""
    if type(value) is str and "\n" in value:
        return sum(max(1, math.ceil(text_width(t) / per)) for t in value.split("\n"))
    return max(1, math.ceil(text_width(value) / per))


def width_points(chars: float) -> float:
    """A column width in characters → points (7 px a character plus 5 px padding, 0.75 pt a pixel)."""
    return round((chars * 7 + 5) * 0.75, 2)


def printable(spec: SheetSpec, title: str, wrap: list[int] = (), caps: dict[int, float] | None = None,
              low: float = 6, high: float = 24, head_lines: int = 3) -> SheetSpec:
    """Make a one-header-row table sheet print well: fitted widths (``caps`` per column, else
    ``high``), a wrapped header row as tall as its longest heading, ``wrap`` columns wrapped with
    fitted row heights, and a landscape A4 page one page wide with the header on every page."""
    caps = caps or {}
    widths = fit_widths(spec.rows, low=low, high=max([high, *caps.values()]), head_lines=head_lines)
    for c, w in widths.items():
        percent = "%" in spec.col_formats.get(c, "")     # 0.9091 shows as 90.91%: three more
        widths[c] = min(w + (3 if percent else 0), caps.get(c, high))
    widths.update(spec.col_widths)          # a width the sheet insists on
    spec.col_widths = widths
    spec.wrap_cols = sorted(set(spec.wrap_cols) | set(wrap))
    heights = fit_heights(spec.rows[:1], widths, list(range(len(widths))))
    if spec.wrap_cols:
        heights.update(fit_heights(spec.rows, widths, spec.wrap_cols, first=1))
    spec.row_heights = {**heights, **spec.row_heights}
    spec.page = spec.page or PageSetup(title=title)
    width = sum(width_points(w) for w in widths.values())
    if spec.page.fit_width and PRINT_WIDTH_POINTS / width < MIN_FIT:
        # dozens of indicators: one page wide would print too small to read; instead the pages run
        # across at a legible scale and the first column (the unit) repeats on each of them
        spec.page.fit_width, spec.page.scale, spec.page.repeat_cols = False, WIDE_SCALE, 1
    return spec
