"""Host-independent description of what rubricxl writes: owned sheets and owned cells.

The layout code fills these; a host (the .xlsx package writer, xlwings) turns them into cells.
Plain data, no I/O, so every host writes the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass
class ChartSpec:
    """A clustered column chart of one value column by a label column of the sheet's own table."""

    title: str
    label_col: int  # 0-based column in rows holding the category labels
    value_col: int  # 0-based column holding the values
    first_row: int = 1  # first data row index in rows (0-based; header is row 0)
    last_row: int | None = None  # inclusive; None = last row
    anchor_col: int | None = None  # 0-based column of the chart's left edge; None = 2 right of the table


class Formula(NamedTuple):
    """A cell holding a native formula (text without the leading '=') and the value it shows until
    the spreadsheet recalculates (None or '' for a blank result). A tuple: hundreds of thousands
    are made for one copy."""

    text: str
    cached: object = None


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
    header_bold: bool = True
    autofilter: bool = True
    notes: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) in rows -> cell note


@dataclass
class CellPatch:
    """Owned cells inside a user sheet (the single-unit layout's 得分/评分过程 columns).

    A None value clears the cell's value and keeps its style.
    """

    sheet: str
    cells: dict[tuple[int, int], object]  # (0-based row, 0-based col) -> value
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # number format per cell
    notes: dict[tuple[int, int], str] = field(default_factory=dict)    # a cell note (comment) per cell
