"""Find the cells a sheet really holds before a reader builds its grid.

calamine turns a sheet into a dense grid from A1 to the farthest cell holding a value, so one
stray space at XFD1048576 asks for a 1,048,576 × 16,384 grid and aborts the process. Here each
sheet we read is streamed (1 MB at a time, so memory stays bounded; once for a well-formed sheet)
to learn which rows and columns hold cells, how long their texts are, and which formulas carry no
computed value.

- A sheet whose cells form one block is read by calamine as it is (the common case; the scan
  costs a regular expression pass over the sheet's XML).
- A sheet with cells far from the table (more than ``ROW_GAP`` empty rows or ``COL_GAP`` empty
  columns away from the block holding most cells) is rewritten without them, streaming, and
  calamine reads the rewritten sheet; each left-out cell becomes a 提示 naming it.
- What Excel itself cannot hold stops the reading with a plain message: a cell of more than
  32,767 characters, a cell beyond XFD1048576, a table of more than ``MAX_GRID`` cells.
"""
from __future__ import annotations

import html
import io
import re
import zipfile
from array import array
from dataclasses import dataclass, field

from lxml import etree

from engine.numbers import is_blank

from .layout import cell_ref, clip
from .protocol import MAX_GRID, ReadError

MAX_CELL_CHARS = 32_767              # Excel's limit on the text of one cell
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
ROW_GAP, COL_GAP = 1_000, 100        # empty rows / columns that set a cell apart from the table
SHOWN_FAR = 3                        # far cells named one by one; more are summed up in one 提示
_CHUNK = 1 << 20

_MAINS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "http://purl.oclc.org/ooxml/spreadsheetml/main")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_LONG = re.compile(rb">([^<]{%d,})" % (MAX_CELL_CHARS + 1))   # bytes ≥ characters: a cheap sieve
_ADDRESS = re.compile(r"([A-Z]{1,3})([0-9]+)$")
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?\bt="e"[^>]*>(?:(?!</c>).)*?<v>([^<]*)</v>', re.S)
_UNCACHED = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?>\s*<f[^>]*?(?:/>|>([^<]*)</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


def _col_number(letters: str) -> int:
    """'A' → 0, 'XFD' → 16383."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class SheetScan:
    """What one sheet holds, as far as reading it needs to know."""

    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # uncached: (row, col) → '=…'
    errors: dict[tuple[int, int], str] = field(default_factory=dict)    # error values: (row, col) → '#DIV/0!'
    far: list[tuple[int, int, str]] = field(default_factory=list)       # left out: (row, col, text)
    cleaned: bytes | None = None        # the sheet's XML without the far cells, when there are any

    def hints(self, sheet: str) -> list[tuple[str, str, str]]:
        """(sheet, cell, message) of the far cells left out, for the 问题 sheet."""
        if len(self.far) > SHOWN_FAR:
            refs = "、".join(cell_ref(r, c) for r, c, _ in self.far[:SHOWN_FAR])
            return [(sheet, cell_ref(*self.far[0][:2]),
                     f"有 {len(self.far)} 个远离表格的单元格（{refs} 等），已忽略")]
        out = []
        for r, c, text in self.far:
            what = "空白单元格" if is_blank(text) else f"孤立单元格（内容「{clip(text, 20)}」）"
            out.append((sheet, cell_ref(r, c), f"有一个远离表格的{what}，已忽略"))
        return out


def scan_sheet(z: zipfile.ZipFile, member: str, sheet: str) -> SheetScan:
    """Stream one worksheet part; raise ReadError for what no Excel sheet holds."""
    found = _Cheap(sheet)
    with z.open(member) as stream:
        found.run(stream)
    longest = max(map(len, found.rows), default=0)     # cells' row numbers have at most this many digits
    widest = max((_col_number(c.decode()) for c in found.cols), default=0)
    if found.unsure or 10 ** longest * (widest + 1) > MAX_GRID:
        # A malformed file may place a cell in a row its row tags do not name; where that could make
        # too large a grid (big sheets only), every cell's address is read.
        found = _Cheap(sheet, exact=True)
        with z.open(member) as stream:
            found.run(stream)
    rows = sorted(int(r) for r in found.rows)
    cols = sorted(_col_number(c.decode()) for c in found.cols)
    if rows and rows[-1] > MAX_ROWS or cols and cols[-1] >= MAX_COLS:
        raise ReadError(f"工作表「{sheet}」有单元格超出 Excel 的最大范围（{MAX_ROWS:,} 行 × {MAX_COLS:,} 列，"
                        "即 A1:XFD1048576）；文件不是 Excel 能打开的工作簿")
    scan = SheetScan(formulas=found.formulas, errors=found.errors)
    if not found.odd and not _gapped(rows, ROW_GAP) and not _gapped(cols, COL_GAP) and \
            (not rows or not cols or rows[-1] * (cols[-1] + 1) <= MAX_GRID):
        return scan
    # Rare: cells far apart, or cells without an address (positions to count): look closer.
    try:
        if found.odd:          # an XML parser counts the positions, as calamine does
            with z.open(member) as stream:
                kept_rows, kept_cols = _table(_valued_cells(stream))
            with z.open(member) as stream:
                scan.cleaned, scan.far = _rewrite(stream, kept_rows, kept_cols)
        else:                  # every cell addressed: regular expressions, ten times faster
            cells = _Cells(found.prefix)
            with z.open(member) as stream:
                kept_rows, kept_cols = _table(cells.valued(stream))
            with z.open(member) as stream:
                scan.cleaned, scan.far = cells.without(stream, kept_rows, kept_cols)
    except etree.XMLSyntaxError as exc:
        raise ReadError(f"工作表「{sheet}」的内容不是合法的 XML，文件可能已损坏（{clip(exc, 120)}）") from None
    if scan.far:
        scan.far = _resolve_shared(z, scan.far)
        kept = lambda k: kept_rows[0] <= k[0] <= kept_rows[1] and kept_cols[0] <= k[1] <= kept_cols[1]  # noqa: E731
        scan.formulas = {k: v for k, v in scan.formulas.items() if kept(k)}
        scan.errors = {k: v for k, v in scan.errors.items() if kept(k)}
    else:
        scan.cleaned = None
    if (kept_rows[1] + 1) * (kept_cols[1] + 1) > MAX_GRID:
        raise ReadError(f"工作表「{sheet}」的表格占 A1:{cell_ref(kept_rows[1], kept_cols[1])}，超过 rubricxl 可读取的 "
                        f"{MAX_GRID:,} 个单元格；请删除多余的行列，或把数据分到多个工作簿")
    return scan


def _pieces(stream, prefix: bytes):
    """The XML in pieces of about a megabyte, each ending after a row, a cell or an empty element."""
    buf, ends = b"", (b"</" + prefix + b"row>", b"</" + prefix + b"c>", b"/>")
    while True:
        chunk = stream.read(_CHUNK)
        buf += chunk
        if not chunk:
            if buf:
                yield buf
            return
        cut = max(buf.rfind(end) + len(end) for end in ends)
        if cut > 2:
            yield buf[:cut]
            buf = buf[cut:]


class _Cells:
    """Every cell of a sheet whose cells all carry their address, by regular expression."""

    def __init__(self, prefix: bytes):
        self.prefix, p = prefix, re.escape(prefix)
        self.cell = re.compile(b"<" + p + rb'c r="([A-Z]+)([0-9]+)"([^>]*?)(?:/>|>(.*?)</' + p + rb"c>)", re.S)
        self.value = re.compile(b"<" + p + rb"(?:v|is)[\s/>]")
        self.v = re.compile(b"<" + p + rb"v>([^<]*)</" + p + b"v>")
        self.t = re.compile(b"<" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + b"t>")

    def valued(self, stream) -> tuple[array, array]:
        rows, cols = array("l"), array("l")
        for piece in _pieces(stream, self.prefix):
            for col, row, _, content in self.cell.findall(piece):
                if content and self.value.search(content):
                    rows.append(int(row) - 1)
                    cols.append(_col_number(col.decode()))
        return rows, cols

    def without(self, stream, rows: tuple[int, int], cols: tuple[int, int]) -> tuple[bytes, list]:
        """The sheet's XML without the cells outside the table, and those cells' texts."""
        far: list[tuple[int, int, str]] = []

        def keep(m: re.Match) -> bytes:
            r, c = int(m.group(2)) - 1, _col_number(m.group(1).decode())
            if rows[0] <= r <= rows[1] and cols[0] <= c <= cols[1]:
                return m.group(0)
            content = m.group(4)
            if content and self.value.search(content):
                far.append((r, c, self._text(m.group(3), content)))
            return b""

        out = b"".join(self.cell.sub(keep, piece) for piece in _pieces(stream, self.prefix))
        return out, far

    def _text(self, attrs: bytes, content: bytes) -> str:
        if b"<is" in content or self.t.search(content) and not self.v.search(content):
            raw = b"".join(self.t.findall(content))
        else:
            m = self.v.search(content)
            raw = (b"\0" if b't="s"' in attrs else b"") + (m.group(1) if m else b"")
        return html.unescape(raw.decode("utf-8", "replace"))


def _gapped(sorted_numbers: list[int], gap: int) -> bool:
    return any(b - a > gap for a, b in zip(sorted_numbers, sorted_numbers[1:]))


def _beyond(letters: bytes) -> bytes:
    """A regular expression for column letters after ``letters`` ('AB' → longer, or AC-AZ, B?-Z?)."""
    alts = [b"[A-Z]{%d,}" % (len(letters) + 1)]
    for i, ch in enumerate(letters):
        if ch < ord("Z"):
            alts.append(letters[:i] + b"[%c-Z]" % (ch + 1) + b"[A-Z]" * (len(letters) - i - 1))
    return b"(?:" + b"|".join(alts) + b")"


class _Cheap:
    """One regular-expression pass over the XML, 1 MB at a time: the rows and columns cells sit in,
    over-long texts, uncached formulas.

    The cheap way takes rows from the row tags, and columns from the first megabyte's cells as long
    as no later cell lies beyond them (one search, not a match per cell); ``unsure`` asks for an
    ``exact`` pass that reads every cell's address: columns wider than ``COL_GAP``, a cell beyond
    them, or a cell naming a longer row number than any row tag (a malformed file).
    ``odd`` marks what neither pass can place: cells whose address is missing or not their first
    attribute; calamine then counts positions, and so does the precise pass."""

    def __init__(self, sheet: str, exact: bool = False):
        self.sheet, self.exact = sheet, exact
        self.rows: set[bytes] = set()
        self.cols: set[bytes] = set()
        self.odd = self.unsure = False
        self.prefix = b""
        self.formulas: dict[tuple[int, int], str] = {}
        self.errors: dict[tuple[int, int], str] = {}
        self.last = "A1"

    def run(self, stream) -> None:
        buf = stream.read(_CHUNK)
        m = _ROOT.search(buf)
        pre = self.prefix = (m.group(1) or b"") if m else b""   # a prefixed main namespace: <x:c r="A1">
        p = re.escape(pre)
        cell = re.compile(b"<" + p + rb'c r="([A-Z]+)([0-9]+)"')
        col_rx = re.compile(b"<" + p + rb'c r="([A-Z]+)')
        row_rx = re.compile(b"<" + p + (rb'c r="[A-Z]+([0-9]+)"' if self.exact else rb'row r="([0-9]+)"'))
        unaddressed = re.compile(b"<" + p + rb'c(?:>| (?!r="))')
        widest, digits = b"", 0
        while True:
            chunk = stream.read(_CHUNK) if buf else b""
            buf += chunk
            if not chunk:
                work, buf = buf, b""
            else:
                cut = buf.rfind(b"</row>")
                cut = cut + 6 if cut >= 0 else buf.rfind(b"<")
                if cut <= 0:
                    if len(buf) > 2 * _CHUNK:           # megabytes without a tag: one giant text
                        self._too_long(None)
                    continue
                work, buf = buf[:cut], buf[cut:]
            rows = row_rx.findall(work)
            self.rows.update(rows)
            if self.exact or not widest:
                self.cols.update(col_rx.findall(work))
            if not self.exact:
                if not widest and self.cols:          # the first megabyte's columns bound the rest
                    widest = max(self.cols, key=lambda c: (len(c), c))
                    if _col_number(widest.decode()) >= COL_GAP:
                        self.unsure = True
                        return
                digits = max([digits] + [len(r) for r in rows[-1:]])
                farther = [rb"[A-Z]+[0-9]{%d}" % (digits + 1)] + ([_beyond(widest) + rb"[0-9]"] if widest else [])
                farther = rb'c r="(?:' + b"|".join(farther) + b")"
                m = re.search(b"<" + p + rb'(?:c(?P<odd>>| (?!r="))|' + farther + b")", work)  # one pass for both
                if m is not None and m.group("odd") is not None:
                    self.odd = True
                    m = re.search(b"<" + p + farther, work)
                if m is not None:
                    self.unsure = True
                    return
            elif unaddressed.search(work):
                self.odd = True
            at = work.rfind(b"<" + pre + b'c r="')
            if at >= 0:
                self.last = work[at:].split(b'"', 2)[1].decode()
            for long in _LONG.finditer(work):
                self._check_length(work, long, cell)
            if work[:1] != b"<" and work.find(b"<", 0, MAX_CELL_CHARS + 1) < 0:   # a text cut after its ">"
                self._check_length(work, re.match(rb"([^<]*)", work), cell)
            if b't="e"' in work:       # #DIV/0! and the like: calamine gives a blank, which they are not
                for col, row, v in _ERROR_CELL.findall(work):
                    self.errors[(int(row) - 1, _col_number(col.decode()))] = html.unescape(v.decode("utf-8", "replace"))
            if b"<f" in work:
                for col, row, f in _UNCACHED.findall(work):
                    text = f.decode("utf-8", "replace") if f else "…"
                    self.formulas[(int(row) - 1, _col_number(col.decode()))] = "=" + html.unescape(text)
            if not chunk:
                return

    def _check_length(self, work: bytes, long: re.Match, cell: re.Pattern) -> None:
        if work.rfind(b"</sheetData>", 0, long.start()) >= 0:
            return                                          # after the cells: not a cell's text
        n = len(html.unescape(long.group(1).decode("utf-8", "replace")))
        if n > MAX_CELL_CHARS:
            before = list(cell.finditer(work, 0, max(long.start() - 1, 0)))
            self._too_long(n, (before[-1].group(1) + before[-1].group(2)).decode() if before else None)

    def _too_long(self, n: int | None, ref: str | None = None) -> None:
        raise too_long(self.sheet, ref or self.last, n)


def too_long(sheet: str, ref: str, n: int | None) -> ReadError:
    """A cell beyond Excel's length limit, named and never echoed (``n`` None: megabytes, not counted)."""
    size = f"{n:,} 个字符" if n else "上百万个字符"
    return ReadError(f"工作表「{sheet}」的单元格 {ref} 有{size}，超过 Excel 每个单元格最多 "
                     f"{MAX_CELL_CHARS:,} 个字符的上限；请检查该单元格（文件可能不是由 Excel 保存的）")


def _parser_events(stream):
    tags = [f"{{{ns}}}{t}" for ns in _MAINS for t in ("row", "c", "mergeCell")]
    return etree.iterparse(stream, events=("start", "end"), tag=tags, resolve_entities=False,
                           no_network=True, huge_tree=False)


def _positions(events):
    """(event, element, local tag name, row, col) with calamine's positions: the cell's r, else the
    next column of its row."""
    row, col = -1, -1
    for event, el in events:
        name = el.tag.rpartition("}")[2]
        if name == "row":
            if event == "start":
                r = el.get("r")
                row, col = (int(r) - 1 if r and r.isdigit() else row + 1), -1
            yield event, el, name, row, col
        elif name == "c":
            if event == "end":
                m = _ADDRESS.match(el.get("r") or "")
                col, r = (_col_number(m.group(1)), int(m.group(2)) - 1) if m else (col + 1, row)
                yield event, el, name, r, col
        else:
            yield event, el, name, -1, -1


def _has_value(el) -> bool:
    return any(ch.tag.endswith(("}v", "}is")) for ch in el)


def _drop_done(row) -> None:
    """Free a finished row and the rows before it: the tree never grows past one row."""
    row.clear()
    while row.getprevious() is not None:
        del row.getparent()[0]


def _valued_cells(stream) -> tuple[array, array]:
    """Rows and columns of every cell holding a value (style-only cells make no grid)."""
    rows, cols = array("l"), array("l")
    for event, el, name, r, c in _positions(_parser_events(stream)):
        if event != "end":
            continue
        if name == "c" and _has_value(el):
            rows.append(r)
            cols.append(c)
        elif name == "row":
            _drop_done(el)
    return rows, cols


def _cluster(values: list[int], gap: int) -> tuple[int, int]:
    """The run of sorted values without a gap wider than ``gap`` that holds the most values."""
    best, start, count, best_count = (values[0], values[0]), values[0], 1, 0
    for a, b in zip(values, values[1:] + [values[-1] + gap + 1]):
        if b - a > gap:
            if count > best_count:
                best, best_count = (start, a), count
            start, count = b, 0
        count += 1
    return best


def _table(cells: tuple[array, array]) -> tuple[tuple[int, int], tuple[int, int]]:
    """First and last row, first and last column of the block holding most cells."""
    rows, cols = cells
    if not rows:
        return (0, 0), (0, 0)
    r1, r2 = _cluster(sorted(rows), ROW_GAP)
    inside = sorted(c for r, c in zip(rows, cols) if r1 <= r <= r2)
    c1, c2 = _cluster(inside, COL_GAP)
    return (r1, r2), (c1, c2)


def _text(el) -> str:
    """What a cell holds, as written (a shared string's index stays an index: see _resolve_shared)."""
    t = el.get("t", "")
    for ch in el:
        name = ch.tag.rpartition("}")[2]
        if name == "is":
            return "".join(x.text or "" for x in ch.iter() if x.tag.endswith("}t"))
        if name == "v":
            return ("\0" if t == "s" else "") + (ch.text or "")
    return ""


def _rewrite(stream, rows: tuple[int, int], cols: tuple[int, int]) -> tuple[bytes, list[tuple[int, int, str]]]:
    """The sheet's rows and merged ranges without the cells outside the table, every cell addressed."""
    far: list[tuple[int, int, str]] = []
    merged: list[str] = []
    main = f"{{{_MAINS[0]}}}"
    row_tag = main + "row"
    out = io.BytesIO()
    with etree.xmlfile(out, encoding="utf-8") as xf:
        with xf.element(f"{{{_MAINS[0]}}}worksheet", nsmap={None: _MAINS[0]}):
            with xf.element(f"{{{_MAINS[0]}}}sheetData"):
                for event, el, name, r, c in _positions(_parser_events(stream)):
                    if event == "end" and name == "mergeCell" and el.get("ref"):
                        merged.append(el.get("ref"))
                    elif event == "end" and name == "c":
                        if rows[0] <= r <= rows[1] and cols[0] <= c <= cols[1]:
                            el.set("r", cell_ref(r, c))
                        else:
                            if _has_value(el):
                                far.append((r, c, _text(el)))
                            el.getparent().remove(el)
                    elif event == "end" and name == "row":
                        if len(el) and rows[0] <= r <= rows[1]:
                            row = etree.Element(row_tag, r=str(r + 1))
                            for cell in el:
                                if not cell.tag.startswith(main):       # a strict-namespace sheet
                                    cell.tag = main + cell.tag.rpartition("}")[2]
                                row.append(cell)
                            xf.write(row)
                        _drop_done(el)
            if merged:
                with xf.element(f"{{{_MAINS[0]}}}mergeCells", count=str(len(merged))):
                    for ref in merged:
                        xf.write(etree.Element(f"{{{_MAINS[0]}}}mergeCell", ref=ref))
    return out.getvalue(), far


def _resolve_shared(z: zipfile.ZipFile, far: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Replace shared-string indexes of the far cells shown by their text (streaming sharedStrings)."""
    wanted = {int(t[1:]) for _, _, t in far[:SHOWN_FAR] if t.startswith("\0") and t[1:].isdigit()}
    texts: dict[int, str] = {}
    member = next((n for n in z.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if wanted and member:
        with z.open(member) as stream:
            tags = [f"{{{ns}}}si" for ns in _MAINS]
            for i, (_, el) in enumerate(etree.iterparse(stream, tag=tags, huge_tree=False, resolve_entities=False,
                                                        no_network=True)):
                if i in wanted:
                    texts[i] = clip("".join(x.text or "" for x in el.iter() if etree.QName(x).localname == "t"), 40)
                el.clear()
                if i >= max(wanted):
                    break
    return [(r, c, texts.get(int(t[1:]), "") if t.startswith("\0") and t[1:].isdigit() else t)
            for r, c, t in far]


def long_strings(z: zipfile.ZipFile) -> bool:
    """Whether the shared-string table holds a text longer than a cell may be (a cheap sieve: runs of
    more than 32,767 bytes, then their characters counted). Streamed, so a giant text costs no memory."""
    member = next((n for n in z.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if member is None:
        return False
    with z.open(member) as stream:
        buf = b""
        while True:
            chunk = stream.read(_CHUNK)
            buf += chunk
            cut = buf.rfind(b"<") if chunk else len(buf)
            if cut <= 0 and len(buf) > 2 * _CHUNK:
                return True
            work, buf = buf[:max(cut, 0)], buf[max(cut, 0):]
            if any(len(html.unescape(m.group(1).decode("utf-8", "replace"))) > MAX_CELL_CHARS
                   for m in _LONG.finditer(work)):
                return True
            if not chunk:
                return False


def cleaned_package(z: zipfile.ZipFile, parts: dict[str, str], member: str, sheet_xml: bytes) -> bytes:
    """A small package calamine can open: the workbook, its styles and strings, this sheet cleaned,
    every other sheet empty (calamine reads a sheet only when asked for it)."""
    empty = f'<worksheet xmlns="{_MAINS[0]}"><sheetData/></worksheet>'.encode()
    sheets = set(parts.values())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for name in z.namelist():
            if name == member:
                dst.writestr(name, sheet_xml)
            elif name in sheets:
                dst.writestr(name, empty)
            elif name.endswith((".xml", ".rels")) and "/worksheets/" not in name and "/charts/" not in name \
                    and "/drawings/" not in name:
                dst.writestr(name, z.read(name))
    return out.getvalue()
