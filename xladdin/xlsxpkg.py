"""Write rubricxl's owned sheets straight into an existing .xlsx/.xlsm package.

Round-tripping a user's workbook through openpyxl drops charts, pivot caches, controls and macros.
Here the zip package is edited instead: every part stays byte for byte as it was except the few
that must change (workbook.xml, its rels, [Content_Types].xml, docProps/app.xml, styles.xml, the
owned sheets and their drawings, a patched user sheet, and a calcChain that would go stale).
"""
from __future__ import annotations

import copy
import os
import posixpath
import re
import tempfile
import time
import zipfile
import zlib
from bisect import bisect_left
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal
from numbers import Integral, Real
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from xladdin.sheetspec import (FOOTER, HEADER_FONT, MARGINS, CellPatch, ChartSpec, Formula, PageSetup, Repeats,
                               RowTemplate, SheetSpec, Slot)

__all__ = ["PackageError", "write_package", "new_package", "check_members", "open_package", "package_errors",
           "sheet_parts",
           "MAX_PART_BYTES", "BIG_PART_BYTES", "MAX_RATIO"]

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"

RT_DOC = R + "/officeDocument"
RT_WORKSHEET = R + "/worksheet"
RT_STYLES = R + "/styles"
RT_CALCCHAIN = R + "/calcChain"
RT_DRAWING = R + "/drawing"
RT_CHART = R + "/chart"
RT_APP = R + "/extended-properties"
RT_COMMENTS = R + "/comments"
RT_VML = R + "/vmlDrawing"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
NOTE_AUTHOR = "rubricxl"

_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # new members carry no timestamp, so rewrites are reproducible
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)

# Built-in number formats that mean the same in every locale (ECMA-376 18.8.30).
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                    "0.00%": 10, "0.00E+00": 11, "@": 49}
_BAD_NAME_CHARS = set('[]:*?/\\')


class PackageError(Exception):
    """The workbook file cannot be read as an .xlsx package, or cannot be written."""


# No real workbook holds a part this large once unpacked. The largest part rubricxl writes is
# 评分过程: about 440 bytes a unit and indicator (89 MB for 10,000 units × 20 indicators, so 1 GB at
# about 2.4 million rows), compressed about 8:1, far from a zip bomb's ratio (a run of one byte
# deflates about 1,000:1).
MAX_PART_BYTES = 1 << 30          # 1 GB unpacked, any part
BIG_PART_BYTES = 50 << 20         # parts above 50 MB unpacked ...
MAX_RATIO = 100                   # ... may be compressed at most 100:1


def check_members(infos: Iterable[zipfile.ZipInfo], label: str) -> None:
    """Refuse a package whose parts claim sizes no workbook has, before anything is unpacked.

    The sizes come from the zip's own headers; readers that trust them stop at the stated size
    (Python's zipfile does, and its CRC check then rejects a part that says less than it holds)."""
    for info in infos:
        size, packed = info.file_size, max(info.compress_size, 1)
        mb = f"{size / (1 << 20):,.0f} MB"
        if size > MAX_PART_BYTES:
            why = f"解压后有 {mb}，超过单个部件 1 GB 的上限"
        elif size > BIG_PART_BYTES and size > MAX_RATIO * packed:
            why = f"解压后有 {mb}，压缩比约 {size // packed:,}:1（超过 50 MB 的部件最多 100:1）"
        else:
            continue
        raise PackageError(f"文件“{label}”的部件 {info.filename[:60]} {why}，不像真实的工作簿"
                           "（可能已损坏或是恶意构造的文件）；未读取，文件未被修改")


# ---------------------------------------------------------------- cell values and references

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")  # Excel would decode "_x0041_" as "A"
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def _clean_text(s: str) -> str:
    """Text as Excel must store it: no XML-illegal characters, literal `_xHHHH_` escaped."""
    return _ESCAPE_LIKE.sub(r"_x005F_\1", _ILLEGAL.sub("", s))


def _xml_text(s: str) -> str:
    if s.isprintable() and "_x" not in s:   # the common case (no control character): only & < > to escape
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _SPECIAL.search(s) is None:
        return s
    return _clean_text(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _keeps_space(s: str) -> bool:
    return s != s.strip() or "\n" in s or "  " in s


def _value(v) -> tuple[str | None, str | None]:
    """(cell type, raw payload) of a Python value; (None, None) means an empty cell."""
    t = type(v)
    if t is str:
        return "inlineStr", v if len(v) <= 32767 else v[:32767]  # Excel's limit per cell
    if t is float:
        if v != v:
            return None, None
        if v in (float("inf"), float("-inf")):
            return "e", "#NUM!"
        return "n", repr(v)
    if t is int:
        return "n", str(v)
    if v is None:
        return None, None
    if t is bool:
        return "b", "1" if v else "0"
    if isinstance(v, Decimal):
        if v.is_nan():
            return None, None
        return ("e", "#NUM!") if v.is_infinite() else ("n", str(v))
    if isinstance(v, str):
        return _value(str(v))
    if hasattr(v, "dtype") and hasattr(v, "item"):  # numpy scalar
        return _value(v.item())
    if isinstance(v, Integral):
        return "n", str(int(v))
    if isinstance(v, Real):
        return _value(float(v))
    raise TypeError(f"unsupported cell value {v!r} ({t.__name__})")


def _inline(text: str) -> str:
    """The <is> payload of an inline-string cell."""
    space = ' xml:space="preserve"' if _keeps_space(text) else ""
    return f"<is><t{space}>{_xml_text(text)}</t></is>"


def _formula_xml(ref: str, style: str, v: Formula) -> str:
    """A formula cell with its cached value (a blank result is cached as empty text)."""
    text = v.text
    if _ILLEGAL.search(text) is None and "_x" not in text:     # the common case: only & < > to escape
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    else:
        text = _xml_text(text)
    f = f"<f>{text}</f>"
    kind, payload = _value(v.cached) if v.cached is not None else ("str", "")
    if kind == "inlineStr":
        kind = "str"
    if kind == "n":
        return f'<c r="{ref}"{style}>{f}<v>{payload}</v></c>'
    return f'<c r="{ref}"{style} t="{kind}">{f}<v>{_xml_text(payload)}</v></c>'


def _cell_xml(ref: str, style: str, v) -> str:
    if type(v) is float and v - v == 0.0:  # finite float, the common case: skip _value
        return f'<c r="{ref}"{style}><v>{v!r}</v></c>'
    if type(v) is Formula:
        return _formula_xml(ref, style, v)
    kind, payload = _value(v)
    if kind is None:
        return ""
    if kind == "n":
        return f'<c r="{ref}"{style}><v>{payload}</v></c>'
    if kind == "inlineStr":
        return f'<c r="{ref}"{style} t="inlineStr">{_inline(payload)}</c>'
    return f'<c r="{ref}"{style} t="{kind}"><v>{payload}</v></c>'


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)$")


def _parse_ref(ref: str) -> tuple[int, int]:
    """'B3' -> (2, 1), both 0-based."""
    m = _REF.match(ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _parse_range(ref: str) -> tuple[int, int, int, int]:
    a, _, b = ref.partition(":")
    r1, c1 = _parse_ref(a)
    r2, c2 = _parse_ref(b) if b else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    a, b = f"{_col_letter(c1)}{r1 + 1}", f"{_col_letter(c2)}{r2 + 1}"
    return a if a == b else f"{a}:{b}"


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _check_sheet_name(name: str) -> None:
    problem = None
    if not name or len(name) > 31:
        problem = "长度须为 1 到 31 个字符"
    elif _BAD_NAME_CHARS & set(name):
        problem = "不能包含 [ ] : * ? / \\"
    elif name[0] == "'" or name[-1] == "'":
        problem = "不能以单引号开头或结尾"
    if problem:
        raise ValueError(f"工作表名“{name}”无效：{problem}")


# ---------------------------------------------------------------- the package

def _rels_part(part: str) -> str:
    d, base = posixpath.split(part)
    return posixpath.join(d, "_rels", base + ".rels")


def _resolve(source: str, target: str) -> str:
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


class _Package:
    """Zip members in their original order; XML parts parsed on demand, re-serialised only if edited."""

    def __init__(self, order: list[str], data: dict[str, bytes], infos: dict[str, zipfile.ZipInfo]):
        self.order = order
        self.data = data
        self.infos = infos
        self.trees: dict[str, etree._Element] = {}
        self.dirty: set[str] = set()
        self.label = ""

    @classmethod
    def load(cls, src: Path) -> _Package:
        with package_errors(src), zipfile.ZipFile(src) as z:
            infos = z.infolist()
            check_members(infos, Path(src).name)
            data = {i.filename: z.read(i) for i in infos}
        pkg = cls([i.filename for i in infos], data, {i.filename: i for i in infos})
        pkg.label = str(src)
        return pkg

    def bad(self, what: str) -> PackageError:
        return PackageError(f"文件“{self.label}”不是有效的 Excel 工作簿（.xlsx/.xlsm）：{what}")

    def find(self, part: str) -> str | None:
        """The member name of a part; OPC part names are case-insensitive."""
        if part in self.data:
            return part
        low = part.lower()
        return next((n for n in self.data if n.lower() == low), None)

    def read(self, part: str) -> etree._Element:
        name = self.find(part)
        if name is None:
            raise self.bad(f"缺少部件 {part}")
        if name not in self.trees:
            try:
                self.trees[name] = etree.fromstring(self.data[name], _PARSER)
            except etree.XMLSyntaxError as e:
                raise self.bad(f"部件 {name} 不是合法的 XML（{e}）") from None
        return self.trees[name]

    def edit(self, part: str) -> etree._Element:
        root = self.read(part)
        self.dirty.add(self.find(part))
        return root

    def put(self, part: str, data: bytes) -> None:
        name = self.find(part) or part
        self.trees.pop(name, None)
        self.dirty.discard(name)
        self.data[name] = data

    def delete(self, part: str) -> None:
        name = self.find(part)
        if name is not None:
            del self.data[name]
            self.trees.pop(name, None)
            self.dirty.discard(name)

    def free_name(self, pattern: str) -> str:
        """The lowest-numbered free part name, so repeated writes pick the same names."""
        n = 1
        while self.find(pattern.format(n)) is not None:
            n += 1
        return pattern.format(n)

    # relationships
    def rels(self, part: str, create: bool = False) -> etree._Element | None:
        rp = _rels_part(part)
        if self.find(rp) is None:
            if not create:
                return None
            self.put(rp, _DECL + f'<Relationships xmlns="{PR}"/>'.encode())
        return self.read(rp)

    def relationships(self, part: str) -> list[tuple[etree._Element, str | None]]:
        """(Relationship element, resolved internal target or None for external) of a part."""
        root = self.rels(part)
        if root is None:
            return []
        out = []
        for rel in root.iter(f"{{{PR}}}Relationship"):
            external = rel.get("TargetMode") == "External"
            out.append((rel, None if external else _resolve(part, rel.get("Target", ""))))
        return out

    def add_rel(self, source: str, rtype: str, target: str) -> str:
        root = self.rels(source, create=True)
        self.dirty.add(self.find(_rels_part(source)))
        used = {r.get("Id") for r in root}
        n = 1
        while f"rId{n}" in used:
            n += 1
        rel = etree.SubElement(root, f"{{{PR}}}Relationship")
        rel.set("Id", f"rId{n}")
        rel.set("Type", rtype)
        rel.set("Target", posixpath.relpath(target, posixpath.dirname(source) or "."))
        return f"rId{n}"

    def drop_rel(self, source: str, rel: etree._Element) -> None:
        self.dirty.add(self.find(_rels_part(source)))
        rel.getparent().remove(rel)

    def reachable(self, start: str) -> set[str]:
        """Member names reachable from a part through relationships (the part and rels files included)."""
        seen: set[str] = set()
        stack = [start]
        while stack:
            name = self.find(stack.pop())
            if name is None or name in seen:
                continue
            seen.add(name)
            rp = self.find(_rels_part(name))
            if rp is not None:
                seen.add(rp)
            stack.extend(t for _, t in self.relationships(name) if t)
        return seen

    # content types
    def set_override(self, part: str, content_type: str | None) -> None:
        """Add, change or (content_type None) remove a part's content-type override."""
        types = self.edit("[Content_Types].xml")
        target = "/" + part.lower()
        for o in types.findall(f"{{{CT}}}Override"):
            if o.get("PartName", "").lower() == target:
                if content_type is None:
                    types.remove(o)
                else:
                    o.set("ContentType", content_type)
                return
        if content_type is not None:
            o = etree.SubElement(types, f"{{{CT}}}Override")
            o.set("PartName", "/" + part)
            o.set("ContentType", content_type)

    def remove_part(self, part: str) -> None:
        self.delete(part)
        self.delete(_rels_part(part))
        self.set_override(part, None)

    def serialise(self) -> None:
        for name in sorted(self.dirty):
            old = self.data[name]
            m = re.match(rb"\s*(<\?xml[^>]*\?>\s*)", old)
            decl = m.group(1) if m and b"utf-8" in m.group(1).lower() else _DECL
            body = etree.tostring(self.trees[name].getroottree(), encoding="UTF-8", xml_declaration=False)
            self.data[name] = decl + body
        self.dirty.clear()

    def save(self, dst: Path, like: Path | None, started: float | None = None) -> None:
        """Write atomically: temp file beside dst, fsync, os.replace; dst untouched on any failure."""
        self.serialise()
        listed = set(self.order)
        names = [n for n in self.order if n in self.data] + [n for n in self.data if n not in listed]
        dst = Path(dst)
        mode = _file_mode(dst if dst.exists() else like)
        remove_stale_temps(dst, time.time() if started is None else started)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent or ".")
        except OSError as e:
            raise PackageError(f"无法写入文件“{dst}”：{e.strerror or e}") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as z:
                    for name in names:
                        old = self.infos.get(name)
                        info = zipfile.ZipInfo(name, old.date_time if old else _FIXED_TIME)
                        if old is not None:
                            info.external_attr = old.external_attr
                            info.create_system = old.create_system
                        info.compress_type = zipfile.ZIP_DEFLATED
                        data = self.data[name]
                        # large parts (a 评分过程 of 100k rows) compress 4× faster at level 1
                        z.writestr(info, data, compresslevel=1 if len(data) > 1 << 20 else None)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, dst)
        except BaseException as e:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            if isinstance(e, OSError):
                raise PackageError(
                    f"无法写入文件“{dst}”：{e.strerror or e}（文件是否正在 Excel 中打开？）") from None
            raise
        _fsync_dir(dst.parent)


def remove_stale_temps(dst: Path, started: float) -> None:
    """Delete the temp files an interrupted write of ``dst`` left beside it: our own names only
    (mkstemp's ``.NAME.xxxxxxxx.tmp``), regular files only, last written before this run
    ``started`` (a write still running elsewhere keeps touching its file)."""
    dst = Path(dst)
    ours = re.compile(r"\." + re.escape(dst.name) + r"\.[a-z0-9_]{8}\.tmp\Z")
    try:
        entries = list(os.scandir(dst.parent or "."))
    except OSError:
        return
    for entry in entries:
        try:
            if ours.match(entry.name) and entry.is_file(follow_symlinks=False) and \
                    entry.stat(follow_symlinks=False).st_mtime < started:
                os.unlink(entry.path)
        except OSError:
            continue                  # gone already, or not ours to delete: the write goes on


def _file_mode(like: Path | None) -> int:
    if like is not None and Path(like).exists():
        return Path(like).stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_dir(d: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------- styles

_MINIMAL_STYLES = (
    f'<styleSheet xmlns="{M}">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/></styleSheet>'
)
_STYLE_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
                "dxfs", "tableStyles", "colors", "extLst"]


def _key(el: etree._Element) -> tuple:
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(), tuple(_key(c) for c in el))


class _Styles:
    """Appends the few styles rubricxl needs to styles.xml, reusing identical entries.

    Existing entries are never changed or reordered, so user cells keep their style indexes.
    """

    def __init__(self, pkg: _Package, wb_part: str):
        self.pkg = pkg
        part = next((t for rel, t in pkg.relationships(wb_part) if rel.get("Type") == RT_STYLES and t
                     and pkg.find(t)), None)
        if part is None:
            part = posixpath.join(posixpath.dirname(wb_part), "styles.xml")
            pkg.put(part, _DECL + _MINIMAL_STYLES.encode())
            pkg.add_rel(wb_part, RT_STYLES, part)
            pkg.set_override(part, CT_STYLES)
        self.part = pkg.find(part)
        self.root = pkg.read(self.part)

    def _section(self, name: str) -> etree._Element:
        el = self.root.find(f"{{{M}}}{name}")
        if el is None:
            later = set(_STYLE_ORDER[_STYLE_ORDER.index(name) + 1:])
            pos = next((i for i, c in enumerate(self.root) if etree.QName(c).localname in later),
                       len(self.root))
            el = etree.Element(f"{{{M}}}{name}")
            self.root.insert(pos, el)
            self.pkg.dirty.add(self.part)
        return el

    def _intern(self, section: str, new: etree._Element) -> int:
        sec = self._section(section)
        items = [c for c in sec if etree.QName(c).localname == etree.QName(new).localname]
        k = _key(new)
        for i, c in enumerate(items):
            if _key(c) == k:
                return i
        sec.append(new)
        sec.set("count", str(len(items) + 1))
        self.pkg.dirty.add(self.part)
        return len(items)

    def num_fmt(self, code: str) -> int:
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        sec = self.root.find(f"{{{M}}}numFmts")
        ids = [163]
        for f in (sec if sec is not None else []):
            if f.get("formatCode") == code:
                return int(f.get("numFmtId"))
            ids.append(int(f.get("numFmtId", "0")))
        nf = etree.Element(f"{{{M}}}numFmt")
        nf.set("numFmtId", str(max(ids) + 1))
        nf.set("formatCode", code)
        self._intern("numFmts", nf)
        return max(ids) + 1

    def font(self, bold: bool = False, size: float | None = None) -> int:
        """The workbook's default font, bold and/or resized."""
        fonts = self._section("fonts")
        if not bold and size is None:
            return 0
        font = copy.deepcopy(fonts[0]) if len(fonts) else etree.Element(f"{{{M}}}font")
        for b in font.findall(f"{{{M}}}b"):
            font.remove(b)
        if bold:
            font.insert(0, etree.Element(f"{{{M}}}b"))
        if size is not None:
            sz = font.find(f"{{{M}}}sz")
            if sz is None:
                sz = etree.SubElement(font, f"{{{M}}}sz")
            sz.set("val", f"{size:g}")
        return self._intern("fonts", font)

    def thin_border(self) -> int:
        border = etree.Element(f"{{{M}}}border")
        for side in ("left", "right", "top", "bottom"):
            etree.SubElement(border, f"{{{M}}}{side}", style="thin").append(
                etree.Element(f"{{{M}}}color", indexed="64"))
        etree.SubElement(border, f"{{{M}}}diagonal")
        return self._intern("borders", border)

    def xf(self, num_fmt: str | None = None, bold: bool = False, wrap: bool = False, center: bool = False,
           border: bool = False, size: float | None = None, middle: bool = False) -> int:
        """A cell format on the workbook's default font: number format, bold, size, wrap, alignment, border."""
        xf = etree.Element(f"{{{M}}}xf")
        xf.set("numFmtId", str(self.num_fmt(num_fmt) if num_fmt else 0))
        font = self.font(bold, size)
        xf.set("fontId", str(font))
        xf.set("fillId", "0")
        xf.set("borderId", str(self.thin_border() if border else 0))
        xf.set("xfId", "0")
        if num_fmt:
            xf.set("applyNumberFormat", "1")
        if font:
            xf.set("applyFont", "1")
        if border:
            xf.set("applyBorder", "1")
        if wrap or center or middle:
            xf.set("applyAlignment", "1")
            al = etree.SubElement(xf, f"{{{M}}}alignment")
            if center:
                al.set("horizontal", "center")
            al.set("vertical", "center")
            if wrap:
                al.set("wrapText", "1")
        return self._intern("cellXfs", xf)

    def with_num_fmt(self, base: int, num_fmt: str) -> int:
        """A clone of cell format `base` with another number format (for patched user cells)."""
        xfs = self._section("cellXfs")
        items = [c for c in xfs if etree.QName(c).localname == "xf"]
        xf = copy.deepcopy(items[base]) if base < len(items) else etree.Element(f"{{{M}}}xf")
        xf.set("numFmtId", str(self.num_fmt(num_fmt)))
        xf.set("applyNumberFormat", "1")
        return self._intern("cellXfs", xf)


# ---------------------------------------------------------------- owned sheet parts

def _row_styles(spec: SheetSpec, styles: _Styles, ncols: int) -> dict[str, list[str]]:
    """The ` s="n"` attribute of every column for each kind of row."""
    def attr(n: int) -> str:
        return f' s="{n}"' if n else ""

    wrap = set(spec.wrap_cols)
    fmts = [spec.col_formats.get(c) or None for c in range(ncols)]
    return {
        "data": [attr(styles.xf(fmts[c], wrap=c in wrap, middle=spec.page is not None, border=spec.grid))
                 for c in range(ncols)],
        "head": [attr(styles.xf(bold=True, wrap=True, center=True, border=spec.grid))] * ncols,
        "total": [attr(styles.xf(fmts[c], bold=True, wrap=c in wrap, middle=True, border=spec.grid))
                  for c in range(ncols)],
        "title": [attr(styles.xf(bold=True, size=14, center=True))] * ncols,
        "caption": [attr(styles.xf(bold=True, middle=True))] * ncols,
        "note": [attr(styles.xf(middle=True))] * ncols,
        "plain": [""] * ncols,
    }


_GRID_KINDS = {"data", "head", "total"}


def _sheet_xml(spec: SheetSpec, styles: _Styles, drawing_rid: str | None, selected: bool,
               notes_rid: str | None = None) -> bytes:
    rows = spec.rows
    ncols = max(map(len, rows), default=0) or 1
    nrows = len(rows)
    repeats = spec.repeats
    if repeats is not None:
        ncols = max([ncols] + [len(r) for t in repeats.templates for r in t.rows])
        nrows += sum(len(repeats.templates[t].rows) for t in repeats.order)
    letters = [_col_letter(i) for i in range(ncols)]
    kinds = _row_styles(spec, styles, ncols)
    kind_of = dict(spec.row_styles)
    kind_of.setdefault(0, "head" if spec.header_bold else "plain")
    page = spec.page

    out = [f'<worksheet xmlns="{M}" xmlns:r="{R}">']
    if page is not None and page.scale is None and (page.fit_width or page.fit_page):
        out.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    out += [f'<dimension ref="{_range_ref(0, 0, max(nrows - 1, 0), ncols - 1)}"/>',
            _sheet_view(spec.freeze, selected)]
    if spec.col_widths:
        out.append("<cols>")
        for c in sorted(spec.col_widths):
            out.append(f'<col min="{c + 1}" max="{c + 1}" width="{float(spec.col_widths[c])!r}" customWidth="1"/>')
        out.append("</cols>")
    out.append("<sheetData>")
    texts: dict[str, str] = {}          # unit names, rule texts repeat: escape each once

    heights = spec.row_heights
    for ri, row in enumerate(rows):
        rn = str(ri + 1)
        ht = heights.get(ri)
        out.append(f'<row r="{rn}" ht="{ht:g}" customHeight="1">' if ht else f'<row r="{rn}">')
        kind = kind_of.get(ri, "data")
        styles_row = kinds[kind]
        grid = spec.grid and kind in _GRID_KINDS   # a bordered table: empty cells carry the border too
        for ci, v in enumerate(row):
            t = type(v)
            if t is str and len(v) <= 32767:
                frag = texts.get(v)
                if frag is None:
                    frag = texts[v] = _inline(v)
                out.append(f'<c r="{letters[ci]}{rn}"{styles_row[ci]} t="inlineStr">{frag}</c>')
            elif v is not None:
                out.append(_cell_xml(letters[ci] + rn, styles_row[ci], v))
            elif grid:
                out.append(f'<c r="{letters[ci]}{rn}"{styles_row[ci]}/>')
        out.append("</row>")
    if repeats is not None:
        for pieces in _repeated_rows(spec, repeats, kinds, letters, texts):
            out.extend(pieces)
    out.append("</sheetData>")
    if spec.autofilter and nrows:
        out.append(f'<autoFilter ref="{_range_ref(0, 0, nrows - 1, ncols - 1)}"/>')
    merges = len(spec.merges) + (sum(len(repeats.templates[t].merges) for t in repeats.order)
                                 if repeats is not None else 0)
    if merges:
        out.append(f'<mergeCells count="{merges}">')
        out.extend(f'<mergeCell ref="{_range_ref(*m)}"/>' for m in spec.merges)
        if repeats is not None:
            for pieces in _repeated_merges(repeats, len(spec.rows)):
                out.extend(pieces)
        out.append("</mergeCells>")
    if nrows > 1:
        for prio, c in enumerate(col for col in spec.color_scale_cols if 0 <= col < ncols):
            out.append(
                f'<conditionalFormatting sqref="{_range_ref(1, c, nrows - 1, c)}">'
                f'<cfRule type="colorScale" priority="{prio + 1}"><colorScale>'
                '<cfvo type="min"/><cfvo type="percentile" val="50"/><cfvo type="max"/>'
                '<color rgb="FFF8696B"/><color rgb="FFFFEB84"/><color rgb="FF63BE7B"/>'
                "</colorScale></cfRule></conditionalFormatting>")
    if page is None:
        out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    else:
        out.append(_page_xml(page))
    if drawing_rid:
        out.append(f'<drawing r:id="{drawing_rid}"/>')
    if notes_rid:
        out.append(f'<legacyDrawing r:id="{notes_rid}"/>')
    out.append("</worksheet>")
    return _DECL + "".join(out).encode("utf-8")


class _Pieces:
    """XML that is the same in every copy of a row template but for some pieces: the fixed text
    between them, and each piece's text in every copy (a column over the copies)."""

    def __init__(self, copies: int):
        self.copies = copies
        self.fixed = [""]
        self.columns: list[list[str]] = []

    def text(self, xml: str) -> None:
        self.fixed[-1] += xml

    def column(self, texts: list[str]) -> None:
        self.columns.append(texts)
        self.fixed.append("")

    def each(self) -> Iterable[list[str]]:
        """The XML of every copy in turn, as the fixed text with the copy's pieces slotted in (one
        list, refilled for each copy: extend the output with it, the sheet is joined once)."""
        if not self.columns:
            yield from [self.fixed] * self.copies
            return
        buf = [""] * (2 * len(self.fixed) - 1)
        buf[0::2] = self.fixed
        for pieces in zip(*self.columns):
            buf[1::2] = pieces
            yield buf


def _slot_tails(column: list, texts: dict[str, str]) -> list[str] | None:
    """What follows `<c r=".." s=".."` for each value of a bordered slot cell, or None when a value
    is neither a finite float, text nor blank (such a column is written a whole cell at a time)."""
    out = []
    seen: dict[float, str] = {}      # scores repeat; 0.0 is never looked up (it would find -0.0)
    for v in column:
        t = type(v)
        if t is float and v - v == 0.0:
            tail = seen.get(v)
            if tail is None or not v:
                tail = seen[v] = f"><v>{v!r}</v></c>"
            out.append(tail)
        elif v is None:
            out.append("/>")
        elif t is str and len(v) <= 32767:
            frag = texts.get(v)
            if frag is None:
                frag = texts[v] = _inline(v)
            out.append(f' t="inlineStr">{frag}</c>')
        else:
            return None
    return out


def _whole_cell(ref: str, style: str, v, grid: bool, texts: dict[str, str]) -> str:
    """A cell as the row-by-row writer writes it (a blank one only in a bordered row)."""
    if type(v) is str and len(v) <= 32767:
        frag = texts.get(v)
        if frag is None:
            frag = texts[v] = _inline(v)
        return f'<c r="{ref}"{style} t="inlineStr">{frag}</c>'
    if v is None:
        return f'<c r="{ref}"{style}/>' if grid else ""
    return _cell_xml(ref, style, v)


def _template_rows(tpl: RowTemplate, starts: list[int], spec: SheetSpec, kinds: dict[str, list[str]],
                   letters: list[str], texts: dict[str, str]) -> _Pieces:
    """The <row> elements of every copy of one template (its copies start at 0-based ``starts``),
    byte for byte what writing the expanded rows one cell at a time gives."""
    xml = _Pieces(len(starts))
    tall: dict = {}

    def height(h) -> str:
        if h not in tall:
            tall[h] = f' ht="{h:g}" customHeight="1"' if h else ""
        return tall[h]

    for k, (row, kind, h) in enumerate(zip(tpl.rows, tpl.kinds, tpl.heights)):
        styles_row = kinds[kind]
        grid = spec.grid and kind in _GRID_KINDS
        rn = [str(s + k + 1) for s in starts]
        xml.text('<row r="')
        xml.column(rn)
        xml.text('"')
        if type(h) is list:
            xml.column([height(x) for x in h])
        else:
            xml.text(height(h))
        xml.text(">")
        for ci, v in enumerate(row):
            letter, style = letters[ci], styles_row[ci]
            if type(v) is Slot:
                tails = _slot_tails(tpl.values[v], texts) if grid else None
                if tails is None:
                    xml.column([_whole_cell(letter + r, style, x, grid, texts) for r, x in zip(rn, tpl.values[v])])
                    continue
                xml.text(f'<c r="{letter}')
                xml.column(rn)
                xml.text(f'"{style}')
                xml.column(tails)
                continue
            cell = _whole_cell(letter + "\0", style, v, grid, texts)
            if cell:
                before, after = cell.split("\0", 1)
                xml.text(before)
                xml.column(rn)
                xml.text(after)
        xml.text("</row>")
    return xml


def _repeated_rows(spec: SheetSpec, repeats: Repeats, kinds: dict[str, list[str]], letters: list[str],
                   texts: dict[str, str]) -> Iterable[list[str]]:
    """The <row> elements of every copy in sheet order, each template's XML made once."""
    starts = _copy_starts(repeats, len(spec.rows))
    made = [_template_rows(t, at, spec, kinds, letters, texts).each() for t, at in zip(repeats.templates, starts)]
    for t in repeats.order:
        yield next(made[t])


def _repeated_merges(repeats: Repeats, first: int) -> Iterable[list[str]]:
    """The <mergeCell> elements of every copy in sheet order."""
    made = []
    for tpl, at in zip(repeats.templates, _copy_starts(repeats, first)):
        xml = _Pieces(len(at))
        row_numbers = {}
        for r1, c1, r2, c2 in tpl.merges:
            for r in (r1, r2):
                if r not in row_numbers:
                    row_numbers[r] = [str(s + r + 1) for s in at]
            xml.text(f'<mergeCell ref="{_col_letter(c1)}')
            xml.column(row_numbers[r1])
            if (r1, c1) != (r2, c2):
                xml.text(f":{_col_letter(c2)}")
                xml.column(row_numbers[r2])
            xml.text('"/>')
        made.append(xml.each())
    for t in repeats.order:
        yield next(made[t])


def _copy_starts(repeats: Repeats, first: int) -> list[list[int]]:
    """The 0-based first row of every copy, per template."""
    starts: list[list[int]] = [[] for _ in repeats.templates]
    r = first
    for t in repeats.order:
        starts[t].append(r)
        r += len(repeats.templates[t].rows)
    return starts


def _page_xml(page: PageSetup) -> str:
    """printOptions … rowBreaks of a printable owned sheet: A4, margins, fit, title header, page footer."""
    margins = " ".join(f'{k}="{v:g}"' for k, v in MARGINS.items())
    fit = ""
    if page.scale is not None:
        fit = f' scale="{min(400, max(10, page.scale))}"'
    elif page.fit_page:
        fit = ' fitToWidth="1" fitToHeight="1"'
    elif page.fit_width:
        fit = ' fitToWidth="1" fitToHeight="0"'
    orientation = "landscape" if page.landscape else "portrait"
    title = page.title.replace("&", "&&")
    parts = ['<printOptions horizontalCentered="1"/>', f"<pageMargins {margins}/>",
             f'<pageSetup paperSize="9" orientation="{orientation}"{fit}/>',
             f'<headerFooter><oddHeader>{_xml_text("&C" + HEADER_FONT + title)}</oddHeader>'
             f'<oddFooter>{_xml_text("&C" + FOOTER)}</oddFooter></headerFooter>']
    breaks = sorted({b for b in page.breaks if b > 0})
    if breaks:
        parts.append(f'<rowBreaks count="{len(breaks)}" manualBreakCount="{len(breaks)}">'
                     + "".join(f'<brk id="{b}" max="16383" man="1"/>' for b in breaks) + "</rowBreaks>")
    return "".join(parts)


def _sheet_view(freeze: str | None, selected: bool) -> str:
    sel = ' tabSelected="1"' if selected else ""
    row, col = _parse_ref(freeze) if freeze else (0, 0)
    if not (row or col):
        return f'<sheetViews><sheetView{sel} workbookViewId="0"/></sheetViews>'
    pane = "bottomRight" if row and col else ("bottomLeft" if row else "topRight")
    split = (f' xSplit="{col}"' if col else "") + (f' ySplit="{row}"' if row else "")
    ref = _range_ref(row, col, row, col)
    return (f'<sheetViews><sheetView{sel} workbookViewId="0"><pane{split} topLeftCell="{ref}" '
            f'activePane="{pane}" state="frozen"/><selection pane="{pane}" activeCell="{ref}" sqref="{ref}"/>'
            "</sheetView></sheetViews>")


def _chart_range(spec: SheetSpec, chart: ChartSpec) -> tuple[int, int] | None:
    last = len(spec.rows) - 1 if chart.last_row is None else min(chart.last_row, len(spec.rows) - 1)
    first = max(chart.first_row, 0)
    return (first, last) if first <= last else None


def _drawing_xml(spec: SheetSpec, chart: ChartSpec, rows: tuple[int, int]) -> bytes:
    ncols = max((len(r) for r in spec.rows), default=1)
    col = ncols + 1 if chart.anchor_col is None else chart.anchor_col
    start = (f"<xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{chart.anchor_row}</xdr:row>"
             "<xdr:rowOff>0</xdr:rowOff></xdr:from>")
    if chart.size is not None:   # a fixed size in points (12 700 EMU each): prints the same at any column width
        anchor, close = "<xdr:oneCellAnchor>", "</xdr:oneCellAnchor>"
        where = start + f'<xdr:ext cx="{int(chart.size[0] * 12700)}" cy="{int(chart.size[1] * 12700)}"/>'
    else:
        width = max(8, min(30, 4 + (rows[1] - rows[0] + 1) // 2))
        anchor, close = "<xdr:twoCellAnchor>", "</xdr:twoCellAnchor>"
        where = start + (f"<xdr:to><xdr:col>{col + width}</xdr:col><xdr:colOff>0</xdr:colOff>"
                         f"<xdr:row>{chart.anchor_row + 20}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>")
    return _DECL + (
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">{anchor}{where}'
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="图表 1"/><xdr:cNvGraphicFramePr/>'
        '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:r="{R}" r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame>'
        f"<xdr:clientData/>{close}</xdr:wsDr>"
    ).encode("utf-8")


def _chart_xml(spec: SheetSpec, chart: ChartSpec, rows: tuple[int, int]) -> bytes:
    first, last = rows
    sheet = _quote_sheet(spec.name)

    def ref(col: int) -> str:
        return f"{sheet}!${_col_letter(col)}${first + 1}:${_col_letter(col)}${last + 1}"

    def cell(r: int, c: int):
        row = spec.rows[r]
        v = row[c] if c < len(row) else None
        return v.cached if type(v) is Formula else v

    plotted = [r for r in chart.order if first <= r <= last] if chart.order is not None else range(first, last + 1)
    labels, values = [], []
    for i, r in enumerate(plotted):
        kind, text = _value(cell(r, chart.label_col))
        if kind is not None:
            labels.append(f'<c:pt idx="{i}"><c:v>{_xml_text(text)}</c:v></c:pt>')
        kind, text = _value(cell(r, chart.value_col))
        if kind == "n":
            values.append(f'<c:pt idx="{i}"><c:v>{text}</c:v></c:pt>')
    n = len(plotted)
    fmt = _xml_text(spec.col_formats.get(chart.value_col) or "General")
    if chart.order is None:      # the sheet's cells, in sheet order
        cat = (f'<c:strRef><c:f>{_xml_text(ref(chart.label_col))}</c:f><c:strCache><c:ptCount val="{n}"/>'
               f'{"".join(labels)}</c:strCache></c:strRef>')
        val = (f'<c:numRef><c:f>{_xml_text(ref(chart.value_col))}</c:f><c:numCache>'
               f'<c:formatCode>{fmt}</c:formatCode><c:ptCount val="{n}"/>{"".join(values)}</c:numCache></c:numRef>')
    else:                        # another order than the sheet's: the values themselves (rewritten on rescore)
        cat = f'<c:strLit><c:ptCount val="{n}"/>{"".join(labels)}</c:strLit>'
        val = f'<c:numLit><c:formatCode>{fmt}</c:formatCode><c:ptCount val="{n}"/>{"".join(values)}</c:numLit>'
    header = cell(0, chart.value_col) if spec.rows else None
    series_name = ""
    if header is not None:
        series_name = (f"<c:tx><c:strRef><c:f>{sheet}!${_col_letter(chart.value_col)}$1</c:f><c:strCache>"
                       f'<c:ptCount val="1"/><c:pt idx="0"><c:v>{_xml_text(str(header))}</c:v></c:pt>'
                       "</c:strCache></c:strRef></c:tx>")
    labels_xml = ""
    if chart.data_labels:
        labels_xml = (f'<c:dLbls><c:numFmt formatCode="{fmt}" sourceLinked="0"/><c:spPr><a:noFill/><a:ln><a:noFill/>'
                      '</a:ln></c:spPr><c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="800"/></a:pPr>'
                      '<a:endParaRPr lang="zh-CN"/></a:p></c:txPr><c:dLblPos val="outEnd"/>'
                      '<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/>'
                      '<c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>')
    floor = '<c:min val="0"/>' if chart.from_zero else ""
    return _DECL + (
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="{R}">'
        '<c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/><c:chart>'
        "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr b=\"1\"/></a:pPr>"
        f'<a:r><a:rPr lang="zh-CN" b="1"/><a:t>{_xml_text(chart.title)}</a:t></a:r></a:p></c:rich></c:tx>'
        '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        f'<c:ser><c:idx val="0"/><c:order val="0"/>{series_name}<c:invertIfNegative val="0"/>{labels_xml}'
        f'<c:cat>{cat}</c:cat><c:val>{val}</c:val>'
        '</c:ser><c:gapWidth val="80"/><c:axId val="500000001"/><c:axId val="500000002"/></c:barChart>'
        '<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000002"/>'
        '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        '<c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/>{floor}</c:scaling>'
        '<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/><c:numFmt formatCode="General" sourceLinked="1"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="500000001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>'
        '</c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    ).encode("utf-8")


RT_COMMENTS = R + "/comments"
RT_VML = R + "/vmlDrawing"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"


def _add_notes(pkg: _Package, wb_dir: str, sheet_part: str, spec: SheetSpec) -> str:
    """Cell notes: the comments part Excel, WPS and LibreOffice read, plus the VML shapes Excel
    needs to show them; → the relationship id of the VML part for <legacyDrawing>."""
    comments = pkg.free_name(posixpath.join(wb_dir, "comments{}.xml"))
    items = sorted(spec.notes.items(), key=lambda kv: kv[0])
    body = "".join(f'<comment ref="{_range_ref(r, c, r, c)}" authorId="0"><text><r><t xml:space="preserve">'
                   f"{_xml_text(text)}</t></r></text></comment>" for (r, c), text in items)
    pkg.put(comments, _DECL + (f'<comments xmlns="{M}"><authors><author>rubricxl</author></authors>'
                               f"<commentList>{body}</commentList></comments>").encode("utf-8"))
    pkg.set_override(comments, CT_COMMENTS)
    pkg.add_rel(sheet_part, RT_COMMENTS, comments)
    vml = pkg.free_name(posixpath.join(wb_dir, "drawings/vmlDrawing{}.vml"))
    # Shape ids come in blocks of 1024 that must not overlap between sheets: each VML part takes
    # its own run of blocks, numbered after the part.
    first = (int(re.search(r"(\d+)\.vml$", vml).group(1)) - 1) * 256 + 1
    blocks = ",".join(str(first + b) for b in range(-(-len(items) // 1024) or 1))
    shapes = "".join(
        f'<v:shape id="_x0000_s{1024 * first + 1 + k}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
        'margin-top:1.5pt;width:180pt;height:60pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
        '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
        f"<x:Row>{r}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>"
        for k, ((r, c), _) in enumerate(items))
    pkg.put(vml, (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
        f'<o:idmap v:ext="edit" data="{blocks}"/>'
        '</o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/>'
        f"</v:shapetype>{shapes}</xml>").encode("utf-8"))
    pkg.set_override(vml, CT_VML)
    return pkg.add_rel(sheet_part, RT_VML, vml)


def _check_spec(spec: SheetSpec) -> None:
    _check_sheet_name(spec.name)
    if spec.freeze:
        try:
            _parse_ref(spec.freeze)
        except ValueError:
            raise ValueError(f"工作表“{spec.name}”的冻结位置“{spec.freeze}”不是单元格地址") from None
    if spec.chart is not None:
        ncols = max((len(r) for r in spec.rows), default=0)
        for col in (spec.chart.label_col, spec.chart.value_col):
            if not 0 <= col < ncols:
                raise ValueError(f"工作表“{spec.name}”的图表引用了不存在的第 {col + 1} 列")


# ---------------------------------------------------------------- cell patches

def _row_number(row: etree._Element, previous: int) -> int:
    r = row.get("r")
    return int(r) if r else previous + 1


def _apply_patch(pkg: _Package, part: str, patch: CellPatch, styles: _Styles) -> None:
    """Set the given cells of a user sheet in place; every other cell keeps its XML."""
    root = pkg.edit(part)
    sheet_data = root.find(f"{{{M}}}sheetData")
    if sheet_data is None:
        raise pkg.bad(f"工作表“{patch.sheet}”缺少 sheetData")
    targets = set(patch.cells) | set(patch.formats)
    bad = next(((r, c) for r, c in targets if not (0 <= r < 1048576 and 0 <= c < 16384)), None)
    if bad:
        raise ValueError(f"工作表“{patch.sheet}”的单元格位置 {bad} 超出 Excel 的范围")
    _check_array_formulas(sheet_data, targets, patch.sheet)
    _unshare_formulas(sheet_data, targets)

    rows: dict[int, etree._Element] = {}
    prev = 0
    for row in sheet_data.findall(f"{{{M}}}row"):
        prev = _row_number(row, prev)
        row.set("r", str(prev))  # explicit numbers, so inserted rows cannot shift implied ones
        rows[prev] = row
    col_styles = _column_styles(root)

    for (r0, c0) in sorted(targets):
        value = patch.cells.get((r0, c0))
        rn = r0 + 1
        row = rows.get(rn)
        if row is None:
            row = etree.Element(f"{{{M}}}row")
            row.set("r", str(rn))
            numbers = sorted(rows)
            pos = bisect_left(numbers, rn)
            if pos < len(numbers):
                rows[numbers[pos]].addprevious(row)
            else:
                sheet_data.append(row)
            rows[rn] = row
        cell = _find_or_add_cell(row, r0, c0)
        if cell.get("s") is None:
            style = row.get("s") if row.get("customFormat") in ("1", "true") else col_styles.get(c0)
            if style is not None:
                cell.set("s", style)
        if (r0, c0) in patch.formats:
            cell.set("s", str(styles.with_num_fmt(int(cell.get("s", "0")), patch.formats[(r0, c0)])))
        if (r0, c0) in patch.cells:
            _set_value(cell, value)
        _widen_spans(row, c0)
    _widen_dimension(root, targets)
    if patch.notes:
        _apply_notes(pkg, part, root, patch.notes)


_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst")
_VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
             '<o:idmap v:ext="edit" data="{block}"/></o:shapelayout><v:shapetype id="_x0000_t202" '
             'coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
             '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _vml_shape(n: int, r0: int, c0: int) -> str:
    """A hidden note box anchored beside cell (r0, c0), as Excel writes one."""
    return (f'<v:shape id="_x0000_s{n}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;'
            'margin-top:2pt;width:160pt;height:50pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
            '</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f'<x:Anchor>{c0 + 1}, 15, {r0}, 2, {c0 + 4}, 15, {r0 + 4}, 16</x:Anchor><x:AutoFill>False</x:AutoFill>'
            f'<x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData></v:shape>')


def _apply_notes(pkg: _Package, part: str, root: etree._Element, notes: dict[tuple[int, int], str]) -> None:
    """Cell notes (comments) on a user sheet: its comments part gains or replaces entries, and its
    legacy VML drawing (what Excel shows) gains a note box for each new one."""
    xl_dir = posixpath.dirname(posixpath.dirname(part))
    rels = pkg.relationships(part)
    comments = next((t for rel, t in rels if rel.get("Type") == RT_COMMENTS and t and pkg.find(t)), None)
    if comments is None:
        comments = pkg.free_name(posixpath.join(xl_dir, "comments{}.xml"))
        pkg.put(comments, _DECL + f'<comments xmlns="{M}"><authors/><commentList/></comments>'.encode())
        pkg.set_override(comments, CT_COMMENTS)
        pkg.add_rel(part, RT_COMMENTS, comments)
    croot = pkg.edit(comments)
    authors = croot.find(f"{{{M}}}authors")
    if authors is None:
        authors = etree.Element(f"{{{M}}}authors")
        croot.insert(0, authors)
    names = [a.text or "" for a in authors]
    if NOTE_AUTHOR not in names:
        etree.SubElement(authors, f"{{{M}}}author").text = NOTE_AUTHOR
        names.append(NOTE_AUTHOR)
    clist = croot.find(f"{{{M}}}commentList")
    if clist is None:
        clist = etree.SubElement(croot, f"{{{M}}}commentList")
    had = {c.get("ref"): c for c in clist.findall(f"{{{M}}}comment")}
    fresh = []
    for (r0, c0), text in sorted(notes.items()):
        ref = _range_ref(r0, c0, r0, c0)
        if ref in had:
            clist.remove(had[ref])
        else:
            fresh.append((r0, c0))
        comment = etree.SubElement(clist, f"{{{M}}}comment", ref=ref, authorId=str(names.index(NOTE_AUTHOR)))
        t = etree.SubElement(etree.SubElement(etree.SubElement(comment, f"{{{M}}}text"), f"{{{M}}}r"), f"{{{M}}}t")
        t.text = _clean_text(text)
    _add_note_shapes(pkg, part, root, xl_dir, fresh)


def _add_note_shapes(pkg: _Package, part: str, root: etree._Element, xl_dir: str, cells: list[tuple[int, int]]) -> None:
    legacy = root.find(f"{{{M}}}legacyDrawing")
    if legacy is not None:
        rid = legacy.get(f"{{{R}}}id")
        vml = next((t for rel, t in pkg.relationships(part) if rel.get("Id") == rid and t and pkg.find(t)), None)
        if vml is None or not cells:
            return
        data = pkg.data[pkg.find(vml)]
        ids = [int(x) for x in re.findall(rb'_x0000_s(\d+)', data)]
        start = max(ids, default=1024) + 1
        shapes = "".join(_vml_shape(start + k, r0, c0) for k, (r0, c0) in enumerate(cells)).encode()
        end = data.rfind(b"</xml>")
        if end >= 0:   # legacy VML is not always well-formed XML: splice the text, do not parse it
            pkg.put(pkg.find(vml), data[:end] + shapes + data[end:])
        return
    vml = pkg.free_name(posixpath.join(xl_dir, "drawings/vmlDrawing{}.vml"))
    block = vml.rsplit("vmlDrawing", 1)[1].split(".")[0]
    body = _VML_HEAD.format(block=block) + "".join(_vml_shape(int(block) * 1024 + 1 + k, r0, c0)
                                                   for k, (r0, c0) in enumerate(cells)) + "</xml>"
    pkg.put(vml, body.encode())
    pkg.set_override(vml, CT_VML)
    rid = pkg.add_rel(part, RT_VML, vml)
    el = etree.Element(f"{{{M}}}legacyDrawing", nsmap={"r": R})
    el.set(f"{{{R}}}id", rid)
    later = next((c for c in root if etree.QName(c).localname in _AFTER_LEGACY), None)
    if later is not None:
        later.addprevious(el)
    else:
        root.append(el)


def _find_or_add_cell(row: etree._Element, r0: int, c0: int) -> etree._Element:
    cells = row.findall(f"{{{M}}}c")
    col = -1
    for c in cells:
        col = _parse_ref(c.get("r"))[1] if c.get("r") else col + 1
        c.set("r", _range_ref(r0, col, r0, col))
        if col == c0:
            return c
    new = etree.Element(f"{{{M}}}c")
    new.set("r", _range_ref(r0, c0, r0, c0))
    after = next((c for c in cells if _parse_ref(c.get("r"))[1] > c0), None)
    if after is not None:
        after.addprevious(new)
    elif cells:
        cells[-1].addnext(new)
    else:
        row.insert(0, new)
    return new


def _set_value(cell: etree._Element, value) -> None:
    for child in list(cell):
        cell.remove(child)
    for attr in list(cell.attrib):
        if attr not in ("r", "s"):
            del cell.attrib[attr]
    kind, payload = _value(value)
    if kind is None:
        return
    if kind == "inlineStr":
        cell.set("t", "inlineStr")
        t = etree.SubElement(etree.SubElement(cell, f"{{{M}}}is"), f"{{{M}}}t")
        t.text = _clean_text(payload)
        if _keeps_space(payload):
            t.set(XML_SPACE, "preserve")
        return
    if kind != "n":
        cell.set("t", kind)
    etree.SubElement(cell, f"{{{M}}}v").text = payload


def _column_styles(root: etree._Element) -> dict[int, str]:
    out = {}
    for col in root.iterfind(f"{{{M}}}cols/{{{M}}}col"):
        if col.get("style") is not None:
            for c in range(int(col.get("min")), min(int(col.get("max")), 16384) + 1):
                out[c - 1] = col.get("style")
    return out


def _check_array_formulas(sheet_data: etree._Element, targets: set[tuple[int, int]], sheet: str) -> None:
    for f in sheet_data.iter(f"{{{M}}}f"):
        if f.get("t") in ("array", "dataTable") and f.get("ref"):
            r1, c1, r2, c2 = _parse_range(f.get("ref"))
            if (r1, c1) == (r2, c2):
                continue
            hit = next(((r, c) for r, c in sorted(targets) if r1 <= r <= r2 and c1 <= c <= c2), None)
            if hit:
                raise PackageError(
                    f"工作表“{sheet}”的单元格 {_range_ref(*hit, *hit)} 属于数组公式 {f.get('ref')}，"
                    "rubricxl 无法写入；请先删除该数组公式")


def _unshare_formulas(sheet_data: etree._Element, targets: set[tuple[int, int]]) -> None:
    """A patched shared-formula master would orphan its followers: give each follower its own formula."""
    from openpyxl.formula.translate import Translator

    masters = {}
    for c in sheet_data.iter(f"{{{M}}}c"):
        f = c.find(f"{{{M}}}f")
        if f is not None and f.get("t") == "shared" and f.get("ref") and _parse_ref(c.get("r")) in targets:
            masters[f.get("si")] = (c.get("r"), f.text or "")
    if not masters:
        return
    for c in sheet_data.iter(f"{{{M}}}c"):
        f = c.find(f"{{{M}}}f")
        if f is None or f.get("t") != "shared" or f.get("si") not in masters:
            continue
        origin, text = masters[f.get("si")]
        if c.get("r") != origin:
            f.text = Translator("=" + text, origin=origin).translate_formula(c.get("r"))[1:]
        for attr in ("t", "si", "ref"):
            f.attrib.pop(attr, None)


def _widen_spans(row: etree._Element, c0: int) -> None:
    spans = row.get("spans")
    if spans:
        nums = [int(x) for x in re.findall(r"\d+", spans)] + [c0 + 1]
        row.set("spans", f"{min(nums)}:{max(nums)}")


def _widen_dimension(root: etree._Element, targets: set[tuple[int, int]]) -> None:
    dim = root.find(f"{{{M}}}dimension")
    if dim is None or not targets:
        return
    try:
        r1, c1, r2, c2 = _parse_range(dim.get("ref", "A1"))
    except ValueError:
        return
    rs = [r for r, _ in targets] + [r1, r2]
    cs = [c for _, c in targets] + [c1, c2]
    new = _range_ref(min(rs), min(cs), max(rs), max(cs))
    if new != dim.get("ref"):
        dim.set("ref", new)


# ---------------------------------------------------------------- the workbook edit

class _Sheet:
    def __init__(self, el: etree._Element, rel: etree._Element | None, part: str | None):
        self.el, self.rel, self.part = el, rel, part

    @property
    def name(self) -> str:
        return self.el.get("name", "")

    @property
    def is_worksheet(self) -> bool:
        return self.rel is not None and self.rel.get("Type") == RT_WORKSHEET and self.part is not None


def _workbook(pkg: _Package) -> tuple[str, etree._Element, etree._Element, list["_Sheet"]]:
    """The workbook part, its root, its <sheets> element and the sheets in tab order."""
    if pkg.find("[Content_Types].xml") is None:
        raise pkg.bad("缺少 [Content_Types].xml")
    wb_part = next((t for rel, t in pkg.relationships("") if rel.get("Type") == RT_DOC and t), None)
    if wb_part is None or pkg.find(wb_part) is None:
        raise pkg.bad("找不到工作簿部件（workbook.xml）")
    wb_part = pkg.find(wb_part)
    wb = pkg.read(wb_part)
    if etree.QName(wb).namespace == STRICT_MAIN:
        raise PackageError(f"文件“{pkg.label}”是严格 Open XML 格式，暂不支持；请在 Excel 中另存为普通 .xlsx 工作簿")
    sheets_el = wb.find(f"{{{M}}}sheets")
    if sheets_el is None:
        raise pkg.bad("workbook.xml 缺少 sheets")
    rels_by_id = {rel.get("Id"): (rel, t) for rel, t in pkg.relationships(wb_part)}
    current = []
    for el in sheets_el.findall(f"{{{M}}}sheet"):
        rel, target = rels_by_id.get(el.get(f"{{{R}}}id"), (None, None))
        current.append(_Sheet(el, rel, pkg.find(target) if target else None))
    return wb_part, wb, sheets_el, current


class _Members(dict):
    """Member name → bytes, each member unpacked from the open zip on first use."""

    def __init__(self, z: zipfile.ZipFile):
        super().__init__(dict.fromkeys(z.namelist()))
        self.zip = z

    def __getitem__(self, name: str) -> bytes:
        data = super().__getitem__(name)
        if data is None:
            data = self.zip.read(name)
            self[name] = data
        return data


@contextmanager
def package_errors(path: Path):
    """Turn what zipfile raises on a missing, broken or unreadable file into a PackageError."""
    try:
        yield
    except FileNotFoundError:
        raise PackageError(f"找不到文件“{path}”") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as e:
        raise PackageError(
            f"文件“{path}”不是有效的 Excel 工作簿（.xlsx/.xlsm）：文件可能已损坏、已加密或为旧版 .xls 格式（{e}）"
        ) from None
    except OSError as e:
        raise PackageError(f"无法读取文件“{path}”：{e.strerror or e}") from None


def open_package(path: Path) -> zipfile.ZipFile:
    """The workbook's zip, its part sizes checked (PackageError for what is not a sane .xlsx)."""
    with package_errors(path):
        z = zipfile.ZipFile(path)
    try:
        check_members(z.infolist(), Path(path).name)
    except PackageError:
        z.close()
        raise
    return z


def sheet_parts(z: zipfile.ZipFile, label: str) -> dict[str, str]:
    """Worksheet name → zip member, unpacking only the relationship and workbook parts."""
    pkg = _Package(z.namelist(), _Members(z), {})
    pkg.label = label
    return {s.name: s.part for s in _workbook(pkg)[3] if s.is_worksheet}


def _edit(pkg: _Package, sheets: list[SheetSpec], patches: Iterable[CellPatch], remove: Iterable[str]) -> None:
    patches = list(patches)
    for s in sheets:
        _check_spec(s)
    wanted = [s.name.casefold() for s in sheets]
    if len(set(wanted)) != len(wanted):
        raise ValueError("要写入的工作表名重复：" + "、".join(s.name for s in sheets))

    wb_part, wb, sheets_el, current = _workbook(pkg)
    old_titles = [s.name for s in current if s.is_worksheet]
    by_name = {s.name.casefold(): s for s in current}

    view = wb.find(f"{{{M}}}bookViews/{{{M}}}workbookView")
    replaced = {by_name[k] for k in wanted if k in by_name}
    dropped = [by_name[n.casefold()] for n in dict.fromkeys(remove)
               if n.casefold() in by_name and n.casefold() not in wanted]
    patch_parts = []
    for p in patches:
        target = by_name.get(p.sheet.casefold())
        if target is None or not target.is_worksheet:
            raise PackageError(f"文件“{pkg.label}”中没有工作表“{p.sheet}”")
        if p.sheet.casefold() in wanted or target in dropped:
            raise ValueError(f"工作表“{p.sheet}”既要整表写入又要按单元格修改")
        patch_parts.append((target.part, p))
    if len(current) - len(dropped) + sum(k not in by_name for k in wanted) == 0:
        raise ValueError("工作簿至少要保留一个工作表")

    _unhook(pkg, wb_part, [s for s in current if s in replaced], dropped)
    if dropped:
        pkg.edit(wb_part)
        _fix_sheet_indexes(wb, [i for i, s in enumerate(current) if s in dropped])
    if replaced or dropped or patches:
        _drop_calc_chain(pkg, wb_part)
        _recalc_on_load(pkg, wb_part)

    styles = _Styles(pkg, wb_part)
    order = [s for s in current if s not in dropped]
    sheet_ids = [int(s.el.get("sheetId", "0")) for s in current]
    wb_dir = posixpath.dirname(wb_part)
    targets: list[tuple[_Sheet, SheetSpec]] = []
    for spec in sheets:
        s = by_name.get(spec.name.casefold())
        if s is None:
            el = etree.SubElement(sheets_el, f"{{{M}}}sheet", nsmap={"r": R})
            sheet_ids.append(max(sheet_ids, default=0) + 1)
            el.set("name", spec.name)
            el.set("sheetId", str(sheet_ids[-1]))
            s = _Sheet(el, None, None)
            order.append(s)
        if s.name != spec.name:
            s.el.set("name", spec.name)
            pkg.edit(wb_part)
        if s.part is None:
            s.part = pkg.free_name(posixpath.join(wb_dir, "worksheets/sheet{}.xml"))
            pkg.put(s.part, b"")  # reserve the name
            s.el.set(f"{{{R}}}id", pkg.add_rel(wb_part, RT_WORKSHEET, s.part))
            pkg.set_override(s.part, CT_WORKSHEET)
            pkg.edit(wb_part)
        targets.append((s, spec))

    active = int(view.get("activeTab", "0")) if view is not None else 0
    for s, spec in targets:
        rid = None
        span = _chart_range(spec, spec.chart) if spec.chart is not None else None
        if span is not None:
            drawing = pkg.free_name(posixpath.join(wb_dir, "drawings/drawing{}.xml"))
            pkg.put(drawing, _drawing_xml(spec, spec.chart, span))
            pkg.set_override(drawing, CT_DRAWING)
            chart = pkg.free_name(posixpath.join(wb_dir, "charts/chart{}.xml"))
            pkg.put(chart, _chart_xml(spec, spec.chart, span))
            pkg.set_override(chart, CT_CHART)
            pkg.add_rel(drawing, RT_CHART, chart)
            rid = pkg.add_rel(s.part, RT_DRAWING, drawing)
        notes = _add_notes(pkg, wb_dir, s.part, spec) if spec.notes else None
        pkg.put(s.part, _sheet_xml(spec, styles, rid, order.index(s) == active, notes))

    _print_titles(pkg, wb_part, wb, [(order.index(s), spec) for s, spec in targets])
    for part, p in patch_parts:
        _apply_patch(pkg, part, p, styles)
    owned = {s for s, _ in targets}
    _update_app(pkg, old_titles, [s.name for s in order if s.is_worksheet or s in owned])


def _unhook(pkg: _Package, wb_part: str, replaced: list[_Sheet], dropped: list[_Sheet]) -> None:
    """Detach replaced and removed sheets, then delete every part that only they reached."""
    candidates: set[str] = set()
    for s in replaced + dropped:
        if s.part:
            candidates |= pkg.reachable(s.part)
        if s.is_worksheet and s not in dropped:  # replaced in place: keep the part name, drop its rels
            candidates.discard(s.part)
            pkg.delete(_rels_part(s.part))
            continue
        if s.rel is not None:
            pkg.drop_rel(wb_part, s.rel)
        s.rel, s.part = None, None
        if s in dropped:
            s.el.getparent().remove(s.el)
    for name in sorted(candidates - pkg.reachable("")):
        pkg.remove_part(name)


PRINT_TITLES = "_xlnm.Print_Titles"
_NAMES_AFTER = {"calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"}


def _print_titles(pkg: _Package, wb_part: str, wb: etree._Element, owned: list[tuple[int, SheetSpec]]) -> None:
    """Each owned sheet's repeated header rows as its sheet-local _xlnm.Print_Titles.

    Only the print titles of the sheets written now are replaced; every other defined name (the
    user's, and other sheets' print settings) stays as it was.
    """
    names = wb.find(f"{{{M}}}definedNames")
    ours = {i for i, _ in owned}
    stale = [dn for dn in (names if names is not None else [])
             if dn.get("name") == PRINT_TITLES and dn.get("localSheetId") is not None
             and int(dn.get("localSheetId")) in ours]
    wanted = [(i, spec) for i, spec in owned if spec.page is not None and (spec.page.repeat_rows or spec.page.repeat_cols)]
    if not stale and not wanted:
        return
    pkg.edit(wb_part)
    for dn in stale:
        names.remove(dn)
    if wanted and names is None:
        names = etree.Element(f"{{{M}}}definedNames")
        pos = next((i for i, c in enumerate(wb) if etree.QName(c).localname in _NAMES_AFTER), len(wb))
        wb.insert(pos, names)
    for i, spec in wanted:
        dn = etree.SubElement(names, f"{{{M}}}definedName", name=PRINT_TITLES, localSheetId=str(i))
        sheet, page = _quote_sheet(spec.name), spec.page
        parts = ([f"{sheet}!$A:${_col_letter(page.repeat_cols - 1)}"] if page.repeat_cols else []) + \
            ([f"{sheet}!$1:${page.repeat_rows}"] if page.repeat_rows else [])
        dn.text = ",".join(parts)
    if names is not None and len(names) == 0:
        wb.remove(names)


def _recalc_on_load(pkg: _Package, wb_part: str) -> None:
    """User formulas may read the cells just written; their cached values are stale until Excel recalculates."""
    wb = pkg.read(wb_part)
    calc = wb.find(f"{{{M}}}calcPr")
    if calc is None:
        later = {"oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                 "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"}
        pos = next((i for i, c in enumerate(wb) if etree.QName(c).localname in later), len(wb))
        calc = etree.Element(f"{{{M}}}calcPr")
        wb.insert(pos, calc)
    if calc.get("fullCalcOnLoad") != "1":
        calc.set("fullCalcOnLoad", "1")
        pkg.edit(wb_part)


def _fix_sheet_indexes(wb: etree._Element, removed: list[int]) -> None:
    """Sheet-local names and the active/first tab count sheets by position: shift them past removed sheets."""
    count = len(wb.findall(f"{{{M}}}sheets/{{{M}}}sheet"))

    def shift(i: int) -> int:
        return max(0, min(i - sum(r < i for r in removed), count - 1))

    names = wb.find(f"{{{M}}}definedNames")
    for dn in list(names if names is not None else []):
        local = dn.get("localSheetId")
        if local is None:
            continue
        if int(local) in removed:
            names.remove(dn)
        else:
            dn.set("localSheetId", str(shift(int(local))))
    if names is not None and len(names) == 0:
        wb.remove(names)
    for v in wb.iterfind(f"{{{M}}}bookViews/{{{M}}}workbookView"):
        for attr in ("activeTab", "firstSheet"):
            if v.get(attr) is not None:
                v.set(attr, str(shift(int(v.get(attr)))))


def _drop_calc_chain(pkg: _Package, wb_part: str) -> None:
    for rel, target in pkg.relationships(wb_part):
        if rel.get("Type") == RT_CALCCHAIN:
            pkg.drop_rel(wb_part, rel)
            if target:
                pkg.remove_part(target)


def _update_app(pkg: _Package, old: list[str], new: list[str]) -> None:
    """Keep docProps/app.xml's list of worksheet titles in step; leave it alone if it does not match."""
    app = next((t for rel, t in pkg.relationships("") if rel.get("Type") == RT_APP and t), None)
    if old == new or app is None or pkg.find(app) is None:
        return
    root = pkg.read(app)
    pairs = root.find(f"{{{EP}}}HeadingPairs/{{{VT}}}vector")
    titles = root.find(f"{{{EP}}}TitlesOfParts/{{{VT}}}vector")
    if pairs is None or titles is None:
        return
    variants = pairs.findall(f"{{{VT}}}variant")
    items = titles.findall(f"{{{VT}}}lpstr")
    offset = 0
    for label, count in zip(variants[0::2], variants[1::2]):
        num = count.find(f"{{{VT}}}i4")
        n = int(num.text) if num is not None and num.text else 0
        if n == len(old) and [i.text or "" for i in items[offset:offset + n]] == old:
            anchor = items[offset - 1] if offset else None
            for i in items[offset:offset + n]:
                titles.remove(i)
            for k, name in enumerate(new):
                el = etree.Element(f"{{{VT}}}lpstr")
                el.text = name
                if anchor is None:
                    titles.insert(k, el)
                else:
                    anchor.addnext(el)
                    anchor = el
            num.text = str(len(new))
            titles.set("size", str(len(items) - n + len(new)))
            pkg.edit(app)
            return
        offset += n


# ---------------------------------------------------------------- public API

def write_package(src: Path, dst: Path, sheets: list[SheetSpec], patches: Iterable[CellPatch] = (),
                  remove: Iterable[str] = (), started: float | None = None) -> None:
    """Write owned sheets (and owned cells) into a copy of src at dst; src may be dst.

    Owned sheets already in src are replaced in place, new ones appended; every other zip member
    is copied byte for byte. Raises PackageError if src is not a readable .xlsx package. Temp files
    that interrupted writes of dst left and last touched before ``started`` (default: now) go.
    """
    pkg = _Package.load(Path(src))
    _edit(pkg, list(sheets), patches, remove)
    pkg.save(Path(dst), like=Path(src), started=started)


def new_package(dst: Path, sheets: list[SheetSpec]) -> None:
    """A fresh workbook holding just these sheets."""
    members = {
        "[Content_Types].xml": (
            f'<Types xmlns="{CT}"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'),
        "_rels/.rels": (
            f'<Relationships xmlns="{PR}"><Relationship Id="rId1" Type="{RT_DOC}" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{RT_APP}" Target="docProps/app.xml"/></Relationships>'),
        "docProps/app.xml": (
            f'<Properties xmlns="{EP}" xmlns:vt="{VT}"><Application>rubricxl</Application>'
            '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>工作表</vt:lpstr>'
            '</vt:variant><vt:variant><vt:i4>0</vt:i4></vt:variant></vt:vector></HeadingPairs>'
            '<TitlesOfParts><vt:vector size="0" baseType="lpstr"/></TitlesOfParts></Properties>'),
        "xl/workbook.xml": (
            f'<workbook xmlns="{M}" xmlns:r="{R}"><bookViews><workbookView activeTab="0"/></bookViews>'
            '<sheets/><calcPr calcId="191029"/></workbook>'),
    }
    pkg = _Package(list(members), {k: _DECL + v.encode() for k, v in members.items()}, {})
    pkg.label = str(dst)
    _edit(pkg, list(sheets), (), ())
    pkg.save(Path(dst), like=None)
