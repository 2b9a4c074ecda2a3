"""The headless host: reads an .xlsx with calamine (values, fast) and writes owned sheets straight
into the package (xlsxpkg), so every part of the user's workbook stays byte for byte.

Every sheet is scanned (sheetscan) before calamine sees it: calamine builds a dense grid up to the
farthest cell, so a sheet with a stray far cell is handed over rewritten without it."""
from __future__ import annotations

import io
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from ..layout import cell_ref
from ..protocol import ReadError
from ..sheetscan import MAX_CELL_CHARS, SheetScan, cleaned_package, long_strings, scan_sheet, too_long
from ..sheetspec import CellPatch, SheetSpec
from ..xlsxpkg import PackageError, open_package, package_errors, sheet_parts, write_package


def _check_lengths(sheet: str, rows: list[list]) -> None:
    """Refuse a cell whose (shared) text is longer than Excel allows."""
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if type(v) is str and len(v) > MAX_CELL_CHARS:
                raise too_long(sheet, cell_ref(r, c), len(v))


class FileHost:
    """An .xlsx/.xlsm file on disk; ``out`` (default: the file itself) receives the writes."""

    def __init__(self, path: Path | str, out: Path | str | None = None):
        self.path = Path(path)
        self.out = Path(out) if out else self.path
        self.name = self.path.name
        self.hints: list[tuple[str, str, str]] = []
        if not self.path.exists():
            raise ReadError(f"找不到文件「{self.path}」")
        try:
            with package_errors(self.path), open_package(self.path) as z:  # sizes checked before calamine
                self._parts = sheet_parts(z, self.name)
                self._long_strings = long_strings(z)
        except PackageError as exc:
            raise ReadError(str(exc)) from None
        try:
            self._book = CalamineWorkbook.from_path(str(self.path))
        except (CalamineError, OSError, ValueError, Exception) as exc:  # calamine raises several types
            raise ReadError(f"无法读取工作簿「{self.path.name}」：{exc}") from None
        self._cache: dict[str, list[list]] = {}
        self._scans: dict[str, tuple[SheetScan, CalamineWorkbook]] = {}
        self._sheets: dict[str, object] = {}       # calamine sheets, parsed once for read and merged

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def _scanned(self, sheet: str) -> tuple[SheetScan, CalamineWorkbook]:
        """The sheet's scan and the calamine book to read it from (a cleaned copy when cells lay far)."""
        if sheet not in self._scans:
            member = self._parts.get(sheet)
            scan, book = SheetScan(), self._book
            if member is not None:
                try:
                    with package_errors(self.path), open_package(self.path) as z:
                        scan = scan_sheet(z, member, sheet)
                        if scan.cleaned is not None:
                            book = CalamineWorkbook.from_filelike(
                                io.BytesIO(cleaned_package(z, self._parts, member, scan.cleaned)))
                except PackageError as exc:
                    raise ReadError(str(exc)) from None
                self.hints.extend(scan.hints(sheet))
            self._scans[sheet] = scan, book
        return self._scans[sheet]

    def _sheet(self, sheet: str):
        if sheet not in self._sheets:
            try:
                self._sheets[sheet] = self._scanned(sheet)[1].get_sheet_by_name(sheet)
            except (CalamineError, ValueError, Exception) as exc:  # calamine raises several types
                raise ReadError(f"无法读取工作表「{sheet}」：{exc}") from None
        return self._sheets[sheet]

    def read(self, sheet: str) -> list[list]:
        if sheet not in self._cache:
            scan = self._scanned(sheet)[0]
            try:
                rows = self._sheet(sheet).to_python(skip_empty_area=False)
            except Exception as exc:
                raise ReadError(f"无法读取工作表「{sheet}」：{exc}") from None
            rows = [[None if v == "" else v for v in row] for row in rows]
            if self._long_strings:   # a shared text beyond Excel's limit: find the cells that use it
                _check_lengths(sheet, rows)
            for (r, c), formula in scan.formulas.items():
                if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
                    rows[r][c] = formula       # shown as what it is, never read as a blank
            self._cache[sheet] = rows
        return self._cache[sheet]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        ranges = self._sheet(sheet).merged_cell_ranges or []
        return [(a[0], a[1], b[0], b[1]) for a, b in ranges]

    def write(self, sheets: list[SheetSpec], patches: list[CellPatch], remove: list[str]) -> None:
        try:
            write_package(self.path, self.out, sheets, patches, remove)
        except PackageError as exc:
            raise ReadError(str(exc)) from None

    def selection(self) -> tuple[str, int, int] | None:
        return None
