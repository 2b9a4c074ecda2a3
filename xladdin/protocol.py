"""The few operations a workbook host offers. Handlers see only this, so the command line (files),
Excel (a live xlwings Book) and xlwings Server/Lite payloads all run the same handler code."""
from __future__ import annotations

from typing import Protocol

from .sheetspec import CellPatch, SheetSpec


MAX_GRID = 1 << 24   # cells a read may return (A1 to the table's last cell): 160,000 rows × 100 columns


class ReadError(Exception):
    """The workbook cannot be read at all (exit code 2): the message is for the user, in Chinese."""


class WorkbookHost(Protocol):
    name: str
    hints: list[tuple[str, str, str]]   # (sheet, cell, message): cells a read left out, for the 问题 sheet

    def sheet_names(self) -> list[str]:
        """Sheet names in tab order."""

    def read(self, sheet: str) -> list[list]:
        """The sheet's values from A1 to the table's last cell holding a value: float, int, str,
        bool, date or None. Cells far from the table are left out, each with an entry in ``hints``."""

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """Merged ranges as 0-based inclusive (first_row, first_col, last_row, last_col)."""

    def write(self, sheets: list[SheetSpec], patches: list[CellPatch], remove: list[str]) -> None:
        """Replace or add the owned sheets, set the owned cells, drop owned sheets no longer wanted:
        all or nothing."""

    def selection(self) -> tuple[str, int, int] | None:
        """The active cell as (sheet, 0-based row, 0-based col), where the host has one."""
