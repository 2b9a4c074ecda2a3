"""Build the Excel add-in ``rubricxl.xlam`` from the text sources in ``xladdin/addin/``, the
installed xlwings' VBA module, and a module generated here (Chinese messages and the function
wizard's help, spelled with ChrW so every module stays ASCII).

An .xlam is a zip package. Its VBA lives in ``xl/vbaProject.bin``, an OLE compound file
(MS-CFB) that holds a VBA project (MS-OVBA). We write that project "source only", as MS-OVBA
tells writers to: every module stream is the compressed source text with no p-code
(MODULEOFFSET 0), and ``_VBA_PROJECT`` has version 0xFFFF and no performance cache, so Excel
compiles the modules itself when it opens the add-in. xlwings ships the main module of its own
add-ins the same way, and LibreOffice's VBA export writes whole projects like this.

Nothing depends on the clock or on chance (fixed project GUID, encryption seed, zip
timestamps), so the same sources, the same xlwings and the same settings give a
byte-identical file.
"""

from __future__ import annotations

import ast
import datetime
import io
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

ADDIN_FILENAME = "rubricxl.xlam"
SOURCE_DIR = Path(__file__).with_name("addin")
UDFS_SOURCE = Path(__file__).resolve().parent.parent / "udfs" / "__init__.py"
CONFIG_SHEET = "xlwings.conf"
VERSION_KEY = "RUBRICXL_XLWINGS_VERSION"  # the xlwings the add-in was built for (read by `addin check`)
PROJECT_NAME = "RubricxlAddin"  # differs from every module name: VBA reports a clash as a conflict
TEXT_MODULE = "RubricxlText"

CUSTOM_UI_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"
UI_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
VBA_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"

# What Rubricxl.bas says where Python cannot be asked: a button with no workbook, or one in
# Protected View (ActiveWorkbook is Nothing; xlwings' RunPython would stop with error 91), and
# the check when Excel loads the add-in.
VBA_MESSAGES = {
    "title": "评分",
    "no_workbook": "没有打开的工作簿：请先打开含「细则」的工作簿（或新建一个空白工作簿后点击“新建细则”），再点击按钮。",
    "protected_view": "当前工作簿处于“受保护的视图”中，无法修改：请先点击黄色提示栏中的“启用编辑”，再点击按钮。",
    # shown when Excel starts (Rubricxl.CheckPython), followed by the missing file's name
    "python_missing": "rubricxl 加载项设置的 Python 不存在，工作表函数和按钮都无法运行。请关闭 Excel，"
                      "用装有 rubricxl 的 Python 运行 rubricxl addin install。找不到：",
    "dll_missing": "rubricxl 加载项所需的 xlwings 文件不在 Python 中（多半是升级了 xlwings），工作表函数将无法计算。"
                   "请关闭 Excel，在命令提示符中运行 rubricxl addin install。缺少：",
}


# --------------------------------------------------------------------------- sources

@dataclass(frozen=True)
class AddinSources:
    """What the add-in is made of: the repository's text files, the installed xlwings' VBA
    module and the module generated from udfs/ (function help) and VBA_MESSAGES."""

    custom_ui: bytes
    modules: tuple[tuple[str, str], ...]  # (module name, source text with CRLF line ends)
    this_workbook: str  # code of the ThisWorkbook document module (CRLF), attributes excluded
    config: tuple[tuple[str, str], ...]  # rows of the xlwings.conf sheet
    xlwings_version: str  # the xlwings whose DLL the xlwings module loads


_VB_NAME = re.compile(r'Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"')


def read_sources(source_dir: Path = SOURCE_DIR, udfs_source: Path = UDFS_SOURCE) -> AddinSources:
    """Read customUI.xml, every *.bas module, ThisWorkbook.cls and xlwings.conf.txt from
    ``source_dir``; add the installed xlwings' module and the generated text module."""
    source_dir = Path(source_dir)
    custom_ui = (source_dir / "customUI.xml").read_bytes()
    etree.fromstring(custom_ui)  # a malformed ribbon would only fail inside Excel
    modules = [_read_module(path) for path in sorted(source_dir.glob("*.bas"))]
    if not modules:
        raise ValueError(f"{source_dir} 中没有 VBA 模块（*.bas）")
    xlwings_module, version = xlwings_vba_module()
    modules.append(xlwings_module)
    modules.append((TEXT_MODULE, text_module(function_help(udfs_source))))
    for name, text in modules:
        ascii_only(f"{name}.bas", text)
    this_workbook = (source_dir / "ThisWorkbook.cls").read_text(encoding="utf-8")
    ascii_only("ThisWorkbook.cls", this_workbook)
    config = _read_config(source_dir / f"{CONFIG_SHEET}.txt")
    return AddinSources(custom_ui, tuple(sorted(modules)), _crlf(this_workbook), config, version)


def _crlf(text: str) -> str:
    return "\r\n".join(text.splitlines()) + "\r\n"


def _read_module(path: Path) -> tuple[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    match = _VB_NAME.fullmatch(lines[0].strip()) if lines else None
    if match is None or match.group(1) != path.stem:
        raise ValueError(f'{path.name} 第 1 行应为 Attribute VB_Name = "{path.stem}"')
    return path.stem, _crlf("\n".join(lines))


def ascii_only(name: str, text: str) -> None:
    """Refuse VBA source with a non-ASCII character.

    The VBA editor and compiler read module text in the system's ANSI code page: a Chinese
    literal written on one PC turns into question marks on another. Chinese text is built with
    ChrW instead (``vba_string``).
    """
    for number, line in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(line, start=1):
            if ord(char) > 0x7F:
                raise ValueError(
                    f"VBA 模块 {name} 第 {number} 行第 {column} 个字符“{char}”不是 ASCII 字符："
                    "VBA 源码只能用 ASCII，中文须用 ChrW 拼出（见 xladdin/addin_build.py 的 vba_string）"
                )


def xlwings_vba_module() -> tuple[tuple[str, str], str]:
    """The installed xlwings' custom add-in module (name "xlwings") and the version it loads.

    The module declares the DLL as ``xlwings64-<version>.dll``, which only the same xlwings
    version installs; so the add-in is built from the installed package, never from a copy.
    Its PROJECT_NAME becomes "xlwings": the module reads its settings from the sheet
    PROJECT_NAME & ".conf" and from %USERPROFILE%\\.xlwings\\xlwings.conf.
    """
    import xlwings

    path = Path(xlwings.__file__).parent / "xlwings_custom_addin.bas"
    text = path.read_text(encoding="utf-8")
    placeholder = 'Public Const PROJECT_NAME As String = "myaddin"'
    version = re.search(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"', text, re.MULTILINE)
    if placeholder not in text or version is None or version.group(1) != xlwings.__version__:
        raise ValueError(f"已安装的 xlwings {xlwings.__version__} 的 {path.name} 与 rubricxl 预期的格式不同，"
                         "无法生成加载项：请安装 pyproject.toml 中指定的 xlwings 版本")
    text = text.replace(placeholder, 'Public Const PROJECT_NAME As String = "xlwings"')
    return ("xlwings", _crlf(text)), version.group(1)


def _read_config(path: Path) -> tuple[tuple[str, str], ...]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition("\t")
        if not key.strip() or not value.strip():
            raise ValueError(
                f"{path.name} 第 {number} 行应为“键<TAB>值”且值不能为空"
                "（空值会遮住用户自己的 xlwings 设置）"
            )
        rows.append((key.strip(), value.strip()))
    return tuple(rows)


# --------------------------------------------------------------------------- generated VBA text

@dataclass(frozen=True)
class FunctionHelp:
    """What Excel's function wizard shows for one worksheet function."""

    name: str
    category: str
    description: str
    arguments: tuple[tuple[str, str], ...]  # (parameter, help) in signature order


def function_help(path: Path = UDFS_SOURCE) -> tuple[FunctionHelp, ...]:
    """Read the help of every ``@xw.func`` in ``path`` without importing it.

    Outside Windows the xlwings decorators are no-ops and keep nothing, so the decorators are
    read from the source: ``category`` of ``@xw.func``, ``doc`` of each ``@xw.arg`` and the
    docstring, exactly what xlwings' Import Functions hands to Application.MacroOptions.
    """
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets
                 if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant)}

    def value(node: ast.expr):
        return constants.get(node.id) if isinstance(node, ast.Name) else ast.literal_eval(node)

    found = []
    for node in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        decorators = [(d.func.attr if isinstance(d.func, ast.Attribute) else getattr(d.func, "id", ""), d)
                      for d in node.decorator_list if isinstance(d, ast.Call)]
        func = [d for kind, d in decorators if kind == "func"]
        if not func:
            continue
        options = {kw.arg: value(kw.value) for kw in func[0].keywords}
        docs = {value(d.args[0]): value(kw.value) for kind, d in decorators if kind == "arg"
                for kw in d.keywords if kw.arg == "doc"}
        params = [a.arg for a in node.args.args] + ([node.args.vararg.arg] if node.args.vararg else [])
        name = options.get("name") or node.name
        description = ast.get_docstring(node, clean=False)
        where = f"{Path(path).name} 中的函数 {name}"
        if not description or not options.get("category"):
            raise ValueError(f"{where} 缺少说明（docstring）或类别（category）：函数向导里会没有帮助")
        missing = [p for p in params if not docs.get(p)]
        if missing:
            raise ValueError(f"{where} 的参数 {'、'.join(missing)} 没有 @xw.arg(doc=…) 说明")
        for text in [description, *docs.values()]:
            if len(text) > 255:
                raise ValueError(f"{where} 的说明超过 255 个字符（Excel 函数向导的上限）：{text[:20]}…")
        found.append(FunctionHelp(name, options["category"], description,
                                  tuple((p, docs[p]) for p in params)))
    return tuple(found)


def vba_string(text: str) -> list[str]:
    """``text`` as VBA expression pieces (ASCII only): printable ASCII as quoted literals, every
    other character as ChrW of its UTF-16 code unit. Join the pieces with " & "."""
    pieces: list[str] = []
    literal = ""
    for char in text:
        if " " <= char <= "~":
            literal += char.replace('"', '""')
            continue
        if literal:
            pieces.append(f'"{literal}"')
            literal = ""
        units = char.encode("utf-16-le")
        pieces += [f"ChrW(&H{int.from_bytes(units[i:i + 2], 'little'):04X}&)" for i in range(0, len(units), 2)]
    if literal or not pieces:
        pieces.append(f'"{literal}"')
    return pieces


def _assign(target: str, text: str, indent: str) -> list[str]:
    """Lines assigning ``text`` to ``target``, each well under VBA's 1023-character line limit."""
    lines, line = [], []
    for piece in vba_string(text):
        if line and sum(len(p) + 3 for p in line) + len(piece) > 600:
            lines.append(line)
            line = []
        line.append(piece)
    lines.append(line)
    return [f"{indent}{target} = " + (f"{target} & " if i else "") + " & ".join(parts)
            for i, parts in enumerate(lines)]


def text_module(functions: Sequence[FunctionHelp]) -> str:
    """The generated VBA module: the dispatcher's messages and the function wizard's help."""
    lines = [
        f'Attribute VB_Name = "{TEXT_MODULE}"',
        "' Generated by xladdin/addin_build.py from udfs/ and VBA_MESSAGES: do not edit.",
        "' Chinese text is spelled with ChrW, so the source stays ASCII (VBA reads module text in",
        "' the system's ANSI code page).",
        "Option Explicit",
        "",
        "Public Function MessageText(which As String) As String",
        "    Dim s As String",
        "    Select Case which",
    ]
    for key, text in VBA_MESSAGES.items():
        lines.append(f'        Case "{key}"')
        lines += _assign("s", text, " " * 12)
    lines += [
        "    End Select",
        "    MessageText = s",
        "End Function",
        "",
        "' Called by ThisWorkbook's Workbook_Open: the function wizard lists every worksheet function",
        "' under its category with Chinese help, as xlwings' Import Functions would register them.",
        "' A failure (an older Excel, a locked session) only costs the help, never the functions.",
        "Public Sub RegisterFunctions()",
        "    Dim category As String, desc As String",
        "    Dim argHelp() As String",
        "    On Error Resume Next",
    ]
    for function in functions:
        lines.append(f"    ' {function.name}")
        lines += _assign("category", function.category, "    ")
        lines += _assign("desc", function.description, "    ")
        lines.append(f"    ReDim argHelp(1 To {len(function.arguments)})")
        for number, (_, text) in enumerate(function.arguments, start=1):
            lines += _assign(f"argHelp({number})", text, "    ")
        lines.append(f"    Application.MacroOptions Macro:=\"'\" & ThisWorkbook.Name & \"'!{function.name}\", "
                     "Description:=desc, Category:=category, ArgumentDescriptions:=argHelp")
    lines += [
        "    ThisWorkbook.Saved = True  ' MacroOptions marks the add-in changed; there is nothing to save",
        "    On Error GoTo 0",
        "End Sub",
    ]
    return _crlf("\n".join(lines))


# --------------------------------------------------------------------------- MS-OVBA

_CODEPAGE = 1252
_PROJECT_ID = "{5F0C5B7E-2D1A-4C3B-9E8F-52C1A0B7D6E4}"  # fixed, for reproducible builds
_VISIBLE = bytes([0xFF])
_ENCRYPTION_SEED = 0x91  # MS-OVBA 2.4.3: any seed decrypts; a fixed one keeps builds equal
# Excel's own document modules: the workbook and the one (config) sheet, by code name.
_DOCUMENT_MODULES = (
    ("ThisWorkbook", "{00020819-0000-0000-C000-000000000046}"),
    ("Sheet1", "{00020820-0000-0000-C000-000000000046}"),
)
# References every new Excel project has; Office (MSO.DLL) defines IRibbonControl.
_REFERENCES = (
    ("stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
               r"C:\Windows\System32\stdole2.tlb#OLE Automation"),
    ("Office", r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
               r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL#"
               r"Microsoft Office 16.0 Object Library"),
)


def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1 compression: a signature byte, then one chunk per 4096 input bytes."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        out += _compress_chunk(data[start:start + 4096])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    seen: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions in this chunk
    pos = 0
    while pos < len(chunk):
        flag_at = len(body)
        body.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length, bit_count = _longest_match(chunk, pos, seen)
            if length >= 3:
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                body += token.to_bytes(2, "little")
                body[flag_at] |= 1 << bit
            else:
                length = 1
                body.append(chunk[pos])
            for p in range(pos, pos + length):
                seen.setdefault(chunk[p:p + 3], []).append(p)
            pos += length
    if len(body) <= 4096:
        return (0xB000 | (len(body) - 1)).to_bytes(2, "little") + bytes(body)
    if len(chunk) < 4096:  # a raw chunk always decompresses to 4096 bytes
        raise ValueError("VBA 源码无法压缩（短块压缩后超过 4096 字节）")
    return (0x3000 | 4095).to_bytes(2, "little") + chunk


def _longest_match(chunk: bytes, pos: int, seen: dict[bytes, list[int]]) -> tuple[int, int, int]:
    """Longest earlier match at ``pos`` (offset, length) and the copy token's offset bits."""
    bit_count = max((pos - 1).bit_length(), 4)
    max_length = min((0xFFFF >> bit_count) + 3, len(chunk) - pos)
    best_offset = best_length = 0
    for candidate in reversed(seen.get(chunk[pos:pos + 3], [])[-64:]):
        length = 0
        while length < max_length and chunk[candidate + length] == chunk[pos + length]:
            length += 1
        if length > best_length:
            best_offset, best_length = pos - candidate, length
    return best_offset, best_length, bit_count


def _encrypt(data: bytes) -> str:
    """MS-OVBA 2.4.3 data encryption of a PROJECT stream value, as upper-case hex."""
    seed = _ENCRYPTION_SEED
    project_key = sum(_PROJECT_ID.encode("ascii")) & 0xFF
    version_enc, key_enc = seed ^ 2, seed ^ project_key
    out = [seed, version_enc, key_enc]
    unencrypted_1, encrypted_1, encrypted_2 = project_key, key_enc, version_enc
    ignored = bytes((seed & 6) // 2)
    for byte in ignored + len(data).to_bytes(4, "little") + data:
        encrypted = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(encrypted)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, encrypted, byte
    return bytes(out).hex().upper()


def _record(record_id: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _mbcs(text: str) -> bytes:
    return text.encode(f"cp{_CODEPAGE}")


def _twin(record_id: int, unicode_id: int, text: str) -> bytes:
    """A record in the project code page followed by its UTF-16 twin."""
    return _record(record_id, _mbcs(text)) + _record(unicode_id, text.encode("utf-16-le"))


def _dir_stream(modules: Sequence[tuple[str, bool]]) -> bytes:
    """MS-OVBA 2.3.4.2, uncompressed: project information, references, modules."""
    out = bytearray()
    out += _record(0x01, struct.pack("<I", 1))  # SysKind: 32-bit Windows, as Excel writes it
    out += _record(0x02, struct.pack("<I", 0x0409))  # LCID
    out += _record(0x14, struct.pack("<I", 0x0409))  # LCID invoke
    out += _record(0x03, struct.pack("<H", _CODEPAGE))
    out += _record(0x04, _mbcs(PROJECT_NAME))
    out += _record(0x05) + _record(0x40)  # doc string, and its Unicode twin
    out += _record(0x06) + _record(0x3D)  # help file paths
    out += _record(0x07, struct.pack("<I", 0))  # help context
    out += _record(0x08, struct.pack("<I", 0))  # lib flags
    out += struct.pack("<HIIH", 0x09, 4, 1, 0)  # version: reserved 4, major 1, minor 0
    out += _record(0x0C) + _record(0x3C)  # conditional compilation constants
    for name, libid in _REFERENCES:
        out += _twin(0x16, 0x3E, name)
        out += _record(0x0D, struct.pack("<I", len(libid)) + _mbcs(libid) + bytes(6))
    out += _record(0x0F, struct.pack("<H", len(modules)))
    out += _record(0x13, struct.pack("<H", 0xFFFF))  # project cookie
    for name, document in modules:
        out += _record(0x19, _mbcs(name)) + _record(0x47, name.encode("utf-16-le"))
        out += _twin(0x1A, 0x32, name)  # stream name
        out += _record(0x1C) + _record(0x48)  # doc string
        out += _record(0x31, struct.pack("<I", 0))  # text offset: source only, no p-code
        out += _record(0x1E, struct.pack("<I", 0))  # help context
        out += _record(0x2C, struct.pack("<H", 0xFFFF))  # module cookie
        out += _record(0x22 if document else 0x21)  # type: document/class or procedural
        out += _record(0x2B)  # module terminator
    out += _record(0x10)  # dir terminator
    return bytes(out)


def _project_stream(modules: Sequence[tuple[str, bool]]) -> bytes:
    """MS-OVBA 2.3.1: the PROJECT stream text (module list, name, protection, workspace)."""
    lines = [f'ID="{_PROJECT_ID}"']
    lines += [f"Document={name}/&H00000000" if document else f"Module={name}"
              for name, document in modules]
    lines += [
        f'Name="{PROJECT_NAME}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{_encrypt(bytes(4))}"',  # protection state: none
        f'DPB="{_encrypt(bytes(1))}"',  # password: none
        f'GC="{_encrypt(_VISIBLE)}"',  # visibility: visible
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{name}=0, 0, 0, 0, C" for name, _ in modules]
    return _mbcs("\r\n".join(lines) + "\r\n")


def _document_source(name: str, base: str) -> str:
    return "\r\n".join([
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "0{base}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
        "",
    ])


def vba_project_bin(modules: Sequence[tuple[str, str]], this_workbook: str = "") -> bytes:
    """vbaProject.bin holding the standard ``modules`` (name, source) plus the document
    modules of the add-in's workbook (ThisWorkbook with the code ``this_workbook``, Sheet1),
    all as source only. A document module's stream is its attribute lines, then its code."""
    code = {_DOCUMENT_MODULES[0][0]: this_workbook}
    sources = [(name, _document_source(name, base) + code.get(name, ""), True)
               for name, base in _DOCUMENT_MODULES]
    sources += [(name, source, False) for name, source in modules]
    listing = [(name, document) for name, _, document in sources]
    vba: dict[str, bytes | dict] = {
        "dir": compress(_dir_stream(listing)),
        "_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x01\x00",  # version 0xFFFF: recompile
    }
    vba.update((name, compress(_mbcs(source))) for name, source, _ in sources)
    names = b"".join(_mbcs(name) + b"\x00" + name.encode("utf-16-le") + b"\x00\x00"
                     for name, _ in listing)
    return compound_file({
        "PROJECT": _project_stream(listing),
        "PROJECTwm": names + b"\x00\x00",
        "VBA": vba,
    })


# --------------------------------------------------------------------------- MS-CFB

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI_SECTOR, _MINI_CUTOFF = 512, 64, 4096


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: tuple[int, ...] = ()
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    black: bool = True
    start: int = 0
    size: int = 0


def compound_file(root: dict[str, bytes | dict]) -> bytes:
    """A version 3 compound file (MS-CFB) from nested {name: bytes or storage dict}.

    Streams under 4096 bytes go to the mini stream; each storage's children form a
    balanced, validly coloured red-black tree ordered as MS-CFB 2.6.4 compares names.
    """
    entries: list[_Entry] = []

    def add(name: str, node: bytes | dict, kind: int) -> int:
        index = len(entries)
        entries.append(_Entry(name, kind))
        if isinstance(node, dict):
            entries[index].children = tuple(
                add(child, value, 1 if isinstance(value, dict) else 2)
                for child, value in node.items())
        else:
            entries[index].data = node
        return index

    add("Root Entry", root, 5)
    for entry in entries:
        if entry.children:
            entry.child = _link_siblings(entries, entry.children)

    mini, mini_fat, large = bytearray(), [], []
    for entry in entries:
        if entry.kind != 2:
            continue
        entry.size = len(entry.data)
        if entry.size == 0:
            entry.start = _END
        elif entry.size < _MINI_CUTOFF:
            entry.start = len(mini_fat)
            count = -(-entry.size // _MINI_SECTOR)
            mini_fat += [entry.start + i + 1 for i in range(count - 1)] + [_END]
            mini += entry.data.ljust(count * _MINI_SECTOR, b"\x00")
        else:
            large.append(entry)

    def sectors(size: int) -> int:
        return -(-size // _SECTOR)

    mini_fat += [_FREE] * (-len(mini_fat) % (_SECTOR // 4))
    mini_fat_bytes = b"".join(struct.pack("<I", v) for v in mini_fat)
    chains = [sectors(len(mini_fat_bytes)), sectors(len(entries) * 128), sectors(len(mini))]
    chains += [sectors(entry.size) for entry in large]
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < sum(chains) + fat_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("vbaProject.bin 过大（需要 DIFAT 扇区）")
    fat = [_FATSECT] * fat_sectors
    starts = []
    for count in chains:
        starts.append(len(fat) if count else _END)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + ([_END] if count else [])
    fat += [_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat))
    mini_fat_start, directory_start, mini_start = starts[:3]
    for entry, start in zip(large, starts[3:]):
        entry.start = start
    entries[0].start, entries[0].size = mini_start, len(mini)

    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x003E, 0x0003, 0xFFFE, 9, 6,
        bytes(6), 0, fat_sectors, directory_start, 0, _MINI_CUTOFF,
        mini_fat_start, sectors(len(mini_fat_bytes)), _END, 0,
    ) + b"".join(struct.pack("<I", i) for i in range(fat_sectors))
    header = header.ljust(_SECTOR, b"\xff")
    directory = b"".join(_pack_entry(entry) for entry in entries)
    unused = _pack_entry(_Entry("", 0, black=False, start=0))
    directory += unused * (-len(entries) % (_SECTOR // 128))
    body = [b"".join(struct.pack("<I", v) for v in fat), mini_fat_bytes, directory, bytes(mini)]
    body += [entry.data for entry in large]
    return header + b"".join(part.ljust(sectors(len(part)) * _SECTOR, b"\x00") for part in body)


def _link_siblings(entries: list[_Entry], children: tuple[int, ...]) -> int:
    """Arrange siblings as a balanced binary search tree; returns the root's index.

    Nodes on the deepest level are red when that level is not full, all others black:
    then every path from the root to a leaf passes the same number of black nodes.
    """
    ordered = sorted(children, key=lambda i: (len(entries[i].name), entries[i].name.upper()))
    depth: dict[int, int] = {}

    def build(low: int, high: int, level: int) -> int:
        if low >= high:
            return _NOSTREAM
        middle = (low + high) // 2
        node = ordered[middle]
        depth[node] = level
        entries[node].left = build(low, middle, level + 1)
        entries[node].right = build(middle + 1, high, level + 1)
        return node

    top = build(0, len(ordered), 0)
    deepest = max(depth.values())
    if len(ordered) != 2 ** (deepest + 1) - 1:
        for node, level in depth.items():
            entries[node].black = level < deepest
    return top


def _pack_entry(entry: _Entry) -> bytes:
    name = (entry.name + "\x00").encode("utf-16-le") if entry.name else b""
    if len(name) > 64:  # MS-CFB 2.6.1: 31 characters and the terminator
        raise ValueError(f"复合文件中的名称“{entry.name}”超过 31 个字符")
    return struct.pack(
        "<64sHBBIII16sIQQIQ", name, len(name), entry.kind, int(entry.black),
        entry.left, entry.right, entry.child, bytes(16), 0, 0, 0, entry.start, entry.size,
    )


# --------------------------------------------------------------------------- package

_FIXED_TIME = datetime.datetime(2024, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _workbook_parts(config: Sequence[tuple[str, str]]) -> dict[str, bytes]:
    """The parts of a one-sheet workbook whose sheet ``xlwings.conf`` holds ``config``."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = CONFIG_SHEET
    for key, value in config:
        sheet.append([key, value])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 40
    workbook.code_name = _DOCUMENT_MODULES[0][0]
    sheet.sheet_properties.codeName = _DOCUMENT_MODULES[1][0]
    workbook.properties.creator = "rubricxl"
    workbook.properties.created = workbook.properties.modified = _FIXED_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # ExcelWriter rather than Workbook.save, which stamps the current time.
        ExcelWriter(workbook, archive).write_data()
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _content_types(xml: bytes) -> bytes:
    """Declare the workbook an add-in and give the VBA project its content type."""
    root = etree.fromstring(xml)
    for override in root.iter(f"{{{_CT_NS}}}Override"):
        if override.get("PartName") == "/xl/workbook.xml":
            override.set("ContentType", ADDIN_CONTENT_TYPE)
    etree.SubElement(root, f"{{{_CT_NS}}}Override",
                     PartName=f"/{VBA_PART}", ContentType=VBA_CONTENT_TYPE)
    if not any(d.get("Extension") == "xml" for d in root.iter(f"{{{_CT_NS}}}Default")):
        etree.SubElement(root, f"{{{_CT_NS}}}Override",
                         PartName=f"/{CUSTOM_UI_PART}", ContentType="application/xml")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_relationship(xml: bytes, rel_type: str, target: str) -> bytes:
    root = etree.fromstring(xml)
    used = {rel.get("Id") for rel in root}
    number = 1
    while f"rId{number}" in used:
        number += 1
    etree.SubElement(root, f"{{{_REL_NS}}}Relationship",
                     Id=f"rId{number}", Type=rel_type, Target=target)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def config_rows(sources: AddinSources, settings: Sequence[tuple[str, str]] = ()) -> tuple[tuple[str, str], ...]:
    """The xlwings.conf sheet: the repository's rows, the xlwings version the add-in was built
    for, then ``settings`` (what ``rubricxl addin install`` adds for this PC)."""
    rows = (*sources.config, (VERSION_KEY, sources.xlwings_version), *settings)
    seen: set[str] = set()
    for key, _ in rows:
        if key.upper() in seen:  # GetConfigFromSheet adds each key to a Dictionary: a repeat fails
            raise ValueError(f"xlwings.conf 工作表中的键 {key} 重复")
        seen.add(key.upper())
    return rows


def addin_bytes(sources: AddinSources, settings: Sequence[tuple[str, str]] = ()) -> bytes:
    """The .xlam file for ``sources``: workbook + customUI + vbaProject.bin, zipped."""
    parts = _workbook_parts(config_rows(sources, settings))
    parts[VBA_PART] = vba_project_bin(sources.modules, sources.this_workbook)
    parts[CUSTOM_UI_PART] = sources.custom_ui
    parts["[Content_Types].xml"] = _content_types(parts["[Content_Types].xml"])
    parts["_rels/.rels"] = _add_relationship(parts["_rels/.rels"], UI_REL_TYPE, CUSTOM_UI_PART)
    parts["xl/_rels/workbook.xml.rels"] = _add_relationship(
        parts["xl/_rels/workbook.xml.rels"], VBA_REL_TYPE, "vbaProject.bin")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(parts, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # the default depends on the building platform
            archive.writestr(info, parts[name])
    return buffer.getvalue()


def build_addin(out_dir: Path, source_dir: Path = SOURCE_DIR,
                settings: Sequence[tuple[str, str]] = ()) -> Path:
    """Write ``rubricxl.xlam`` into ``out_dir`` (created if missing); returns its path.

    The whole file is built in memory first, so a failed build leaves the folder as it was. No
    temporary file is written beside it: Excel opens every file in XLSTART, whatever its name."""
    data = addin_bytes(read_sources(source_dir), settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ADDIN_FILENAME
    path.write_bytes(data)
    return path
