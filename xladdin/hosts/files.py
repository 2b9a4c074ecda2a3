"""The headless host: reads an .xlsx with calamine (values, fast) and writes owned sheets straight
into the package (xlsxpkg), so every part of the user's workbook stays byte for byte.

Every sheet is scanned (sheetscan) before calamine sees it: calamine builds a dense grid up to the
farthest cell, so a sheet with a stray far cell is handed over rewritten without it."""
from __future__ import annotations

import io
import time
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


SAVE_AS = "请在 Excel 或 WPS 中打开，「另存为」Excel 工作簿（.xlsx）后再试"
OTHER_FORMATS = {".xls": "旧版 Excel 97-2003 工作簿（.xls）", ".et": "WPS 表格文件（.et）",
                 ".ods": "OpenDocument 电子表格（.ods）", ".csv": "CSV 文本文件（.csv）",
                 ".xlsb": "Excel 二进制工作簿（.xlsb）", ".ett": "WPS 表格模板（.ett）",
                 ".numbers": "Numbers 表格（.numbers）"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def check_workbook_file(path: Path) -> None:
    """Refuse, in plain words, what is not an .xlsx/.xlsm package: a folder, an empty file, another
    format (by name or by content), a password-protected workbook. Calamine would read some of
    them, but the result could not be written back, so the user is told what to do instead."""
    if not path.exists():
        raise ReadError(f"找不到文件「{path}」")
    if path.is_dir():
        raise ReadError(f"「{path}」是文件夹，不是工作簿：请给出其中一个 .xlsx 文件")
    what = OTHER_FORMATS.get(path.suffix.lower())
    if what:
        raise ReadError(f"「{path.name}」是{what}，rubricxl 只读写 .xlsx/.xlsm 工作簿：{SAVE_AS}")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            encrypted = head == _OLE and _ENCRYPTED in head + fh.read()
    except OSError as exc:
        raise ReadError(f"无法读取文件「{path}」：{exc.strerror or exc}") from None
    if not head:
        raise ReadError(f"「{path.name}」是空文件（0字节），不是工作簿")
    if encrypted:
        raise ReadError(f"「{path.name}」设有打开密码（已加密），rubricxl 无法读取：请在 Excel 或 WPS 中打开，"
                        "取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后保存，再试")
    if head == _OLE:
        raise ReadError(f"「{path.name}」实为旧版 Excel 97-2003 工作簿（.xls 格式），rubricxl 只读写 .xlsx/.xlsm："
                        f"{SAVE_AS}")
    if not head.startswith(b"PK"):
        raise ReadError(f"「{path.name}」不是 Excel 工作簿（.xlsx/.xlsm）：{SAVE_AS}")


def lock_files(path: Path) -> list[Path]:
    """Lock files that say the workbook is open: Excel and WPS (``~$`` + name, Excel dropping the
    first two characters of long names) and LibreOffice (``.~lock.`` + name + ``#``)."""
    names = {f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#"}
    return [path.parent / n for n in sorted(names) if (path.parent / n).exists()]


def check_writable(out: Path) -> None:
    """Replace a workbook only when nobody has it open and it is not read-only; create folders."""
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ReadError(f"输出文件「{out.name}」应以 .xlsx 或 .xlsm 结尾（rubricxl 写出的是 Excel 工作簿）")
    locks = lock_files(out)
    if locks:
        raise ReadError(f"「{out.name}」正在 Excel、WPS 或 LibreOffice 中打开（发现锁定文件「{locks[0].name}」），"
                        "未写入：请先关闭该工作簿，或用 -o 写入另一个文件")
    if out.exists() and not out.stat().st_mode & 0o222:
        raise ReadError(f"「{out.name}」是只读文件，未修改：请取消只读属性，或用 -o 写入另一个文件")
    if out.parent.exists() and not out.parent.is_dir():
        raise ReadError(f"无法写入「{out}」：「{out.parent}」不是文件夹")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReadError(f"无法创建文件夹「{out.parent}」：{exc.strerror or exc}") from None


class FileHost:
    """An .xlsx/.xlsm file on disk; ``out`` (default: the file itself) receives the writes."""

    def __init__(self, path: Path | str, out: Path | str | None = None):
        self.path = Path(path)
        self.out = Path(out) if out else self.path
        self.name = self.path.name
        self.hints: list[tuple[str, str, str]] = []
        self.started = time.time()   # temp files beside the output older than this are debris
        check_workbook_file(self.path)
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
            except Exception as exc:  # calamine raises several types
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
            for (r, c), formula in (*scan.formulas.items(), *scan.errors.items()):
                if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
                    rows[r][c] = formula       # shown as what it is (=A1/B1, #DIV/0!), never read as a blank
            self._cache[sheet] = rows
        return self._cache[sheet]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        ranges = self._sheet(sheet).merged_cell_ranges or []
        return [(a[0], a[1], b[0], b[1]) for a, b in ranges]

    def write(self, sheets: list[SheetSpec], patches: list[CellPatch], remove: list[str]) -> None:
        check_writable(self.out)
        try:
            write_package(self.path, self.out, sheets, patches, remove, started=self.started)
        except PackageError as exc:
            raise ReadError(str(exc)) from None

    def selection(self) -> tuple[str, int, int] | None:
        return None
