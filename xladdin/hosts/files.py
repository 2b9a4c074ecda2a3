"""The headless host: reads an .xlsx with calamine (values, fast) and writes owned sheets straight
into the package (xlsxpkg), so every part of the user's workbook stays byte for byte."""
from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from ..protocol import ReadError
from ..sheetspec import CellPatch, SheetSpec
from ..xlsxpkg import PackageError, uncached_formulas, write_package


class FileHost:
    """An .xlsx/.xlsm file on disk; ``out`` (default: the file itself) receives the writes."""

    def __init__(self, path: Path | str, out: Path | str | None = None):
        self.path = Path(path)
        self.out = Path(out) if out else self.path
        self.name = self.path.name
        if not self.path.exists():
            raise ReadError(f"找不到文件「{self.path}」")
        try:
            self._book = CalamineWorkbook.from_path(str(self.path))
        except (CalamineError, OSError, ValueError, Exception) as exc:  # calamine raises several types
            raise ReadError(f"无法读取工作簿「{self.path.name}」：{exc}") from None
        self._cache: dict[str, list[list]] = {}

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def read(self, sheet: str) -> list[list]:
        if sheet not in self._cache:
            try:
                rows = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as exc:
                raise ReadError(f"无法读取工作表「{sheet}」：{exc}") from None
            rows = [[None if v == "" else v for v in row] for row in rows]
            for (r, c), formula in uncached_formulas(self.path, sheet).items():
                if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
                    rows[r][c] = formula       # shown as what it is, never read as a blank
            self._cache[sheet] = rows
        return self._cache[sheet]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        ranges = self._book.get_sheet_by_name(sheet).merged_cell_ranges or []
        return [(a[0], a[1], b[0], b[1]) for a, b in ranges]

    def write(self, sheets: list[SheetSpec], patches: list[CellPatch], remove: list[str]) -> None:
        try:
            write_package(self.path, self.out, sheets, patches, remove)
        except PackageError as exc:
            raise ReadError(str(exc)) from None

    def selection(self) -> tuple[str, int, int] | None:
        return None
