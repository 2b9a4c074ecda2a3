"""Workbooks at the edges: a stray far cell, giant cells, oversized parts, interrupted writes.

Each case is a real .xlsx (a sample workbook with one part edited as another program would write
it), rescored through the command line in a subprocess under a memory limit, so that a crash in
native code (an abort on a failed allocation) shows as what it is instead of taking pytest down.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from xladdin import cli
from xladdin.hosts.files import FileHost
from xladdin.protocol import ReadError
from xladdin.sheetscan import MAX_CELL_CHARS, scan_sheet

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "workbooks" / "上海_附表1_各区产业和信息化考核.xlsx"
PARTS = {"细则": "xl/worksheets/sheet1.xml", "数据": "xl/worksheets/sheet2.xml", "设置": "xl/worksheets/sheet3.xml"}
MEMORY = 768 << 20            # a normal rescore of the sample needs well under this much address space
SECONDS = 10                  # every case ends within seconds (the machine is shared: generous)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def rescore(*args: str) -> tuple[int, str, str, float]:
    """``rubricxl rescore ARGS`` in a subprocess under the memory limit: exit code, stdout, stderr, seconds."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), RUST_BACKTRACE="0")
    env.pop("RUBRICXL_DEBUG", None)
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "xladdin.cli", "rescore", *args], capture_output=True,
                         text=True, env=env, preexec_fn=_limited, timeout=120)
    return run.returncode, run.stdout, run.stderr, time.perf_counter() - t0


def edited(dst: Path, part: str, edit=None, extra: dict[str, bytes] | None = None) -> Path:
    """The sample with one part's XML edited and extra parts added (each streamed, deflated)."""
    with zipfile.ZipFile(SAMPLE) as src, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part and edit is not None:
                data = edit(data)
            out.writestr(info, data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return dst


def with_row(row: str):
    """An edit appending a row of cells to a sheet, as a program writing sparse cells would."""
    return lambda xml: xml.replace(b"</sheetData>", row.encode() + b"</sheetData>")


def sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """The sample rescored as it is: what every stray-cell case must score like."""
    out = tmp_path_factory.mktemp("clean") / "clean.xlsx"
    code, _, err, _ = rescore(str(SAMPLE), "-o", str(out), "-q")
    assert code == 0, err
    return out


STRAYS = {   # one far cell in each input sheet, as other programs write them (a space, a number, an empty text)
    "数据": '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>',
    "细则": '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    "设置": '<row r="1048576"><c r="XFD1048576" t="str"><v></v></c></row>',
}


def test_stray_far_cells_in_each_input_sheet_are_hints_and_scores_do_not_change(tmp_path, clean):
    book = edited(tmp_path / "考核.xlsx", PARTS["细则"], with_row(STRAYS["细则"]))
    with zipfile.ZipFile(book) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    for name in ("数据", "设置"):
        members[PARTS[name]] = with_row(STRAYS[name])(members[PARTS[name]])
    # and a note 600 columns right of the data: calamine would read a 700-column grid
    members[PARTS["数据"]] = with_row('<row r="20"><c r="ZZ20" t="inlineStr"><is><t>备注</t></is></c></row>')(
        members[PARTS["数据"]])
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    before = book.read_bytes()
    out = tmp_path / "结果.xlsx"
    code, stdout, stderr, seconds = rescore(str(book), "-o", str(out))
    assert code == 0, stderr
    assert seconds < SECONDS and stderr == ""
    assert book.read_bytes() == before
    assert sheet(out, "得分") == sheet(clean, "得分")
    added = [r for r in sheet(out, "问题") if r not in sheet(clean, "问题")]
    assert sorted(added) == sorted([
        ["提示", "细则", "XFD1048576", "有一个远离表格的孤立单元格（内容「1」），已忽略"],
        ["提示", "数据", "ZZ20", "有一个远离表格的孤立单元格（内容「备注」），已忽略"],
        ["提示", "数据", "XFD1048576", "有一个远离表格的空白单元格，已忽略"],
        ["提示", "设置", "XFD1048576", "有一个远离表格的空白单元格，已忽略"],
    ])
    assert "6个提示" in stdout     # the sample's own 2 (one band-overlap note, one score in the overlap) and these four


def test_many_stray_cells_are_one_hint(tmp_path):
    cells = "".join(f'<row r="{1048570 + i}"><c r="A{1048570 + i}"><v>{i}</v></c></row>' for i in range(5))
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"], with_row(cells))
    host = FileHost(book)
    assert len(host.read("数据")) == len(sheet(SAMPLE, "数据"))
    assert host.hints == [("数据", "A1048570", "有 5 个远离表格的单元格（A1048570、A1048571、A1048572 等），已忽略")]


def _refused(tmp_path: Path, book: Path) -> str:
    """Rescore in place; the run must end at once with exit 2 and a short message, nothing written."""
    before = listing(tmp_path)
    code, stdout, stderr, seconds = rescore(str(book))
    assert code == 2, (stdout, stderr[-2000:])
    assert seconds < SECONDS
    assert stdout == "" and len(stderr) < 400 and stderr.startswith("错误：")
    assert "Traceback" not in stderr and "内部错误" not in stderr
    assert listing(tmp_path) == before               # the workbook byte for byte, and no file beside it
    return stderr


def test_a_giant_text_cell_behind_a_small_zip_is_refused(tmp_path):
    """60 MB of one letter in one cell packs into about 60 KB: refused from the zip's headers."""
    row = '<row r="30"><c r="A30" t="inlineStr"><is><t>' + "a" * (60 << 20) + "</t></is></c></row>"
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"], with_row(row))
    del row
    assert book.stat().st_size < 1 << 20
    message = _refused(tmp_path, book)
    assert "xl/worksheets/sheet2.xml" in message and "压缩比" in message and "100:1" in message


def test_a_zip_bomb_part_no_sheet_uses_is_refused(tmp_path):
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"], extra={"xl/media/image1.bin": bytes(60 << 20)})
    with pytest.raises(ReadError, match=r"部件 xl/media/image1\.bin 解压后有 60 MB，压缩比约 [0-9,]+:1"):
        FileHost(book)


def test_a_40000_character_cell_is_named_not_echoed(tmp_path):
    text = "甲" * 40_000
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"], with_row(
        f'<row r="30"><c r="A30" t="inlineStr"><is><t>{text}</t></is></c></row>'))
    message = _refused(tmp_path, book)
    assert "工作表「数据」的单元格 A30 有40,000 个字符" in message and "32,767" in message
    assert "甲甲甲" not in message


def with_shared_strings(book: Path, texts: list[str]) -> Path:
    """Give the book a shared-string table, where Excel keeps texts (a cell holds an index)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    items = "".join(f"<si><t>{t}</t></si>" for t in texts)
    with zipfile.ZipFile(book) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    members["xl/sharedStrings.xml"] = f'<sst xmlns="{main}" count="{len(texts)}">{items}</sst>'.encode()
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return book


def test_a_shared_text_longer_than_excel_allows_is_named(tmp_path):
    book = with_shared_strings(edited(tmp_path / "考核.xlsx", PARTS["数据"], with_row(
        '<row r="30"><c r="A30" t="s"><v>0</v></c></row>')), ["丙" * 40_000])
    host = FileHost(book)
    host.read("细则")                                  # sheets without it read as usual
    with pytest.raises(ReadError, match="工作表「数据」的单元格 A30 有40,000 个字符"):
        host.read("数据")


def test_a_far_shared_text_is_named_by_its_text(tmp_path):
    book = with_shared_strings(edited(tmp_path / "考核.xlsx", PARTS["数据"], with_row(
        '<row r="1048576"><c r="B1048576" t="s"><v>1</v></c><c r="XFD1048576" t="s"><v>0</v></c></row>')),
        ["   ", "远处的备注"])
    host = FileHost(book)
    assert len(host.read("数据")) == len(sheet(SAMPLE, "数据"))
    assert host.hints == [("数据", "B1048576", "有一个远离表格的孤立单元格（内容「远处的备注」），已忽略"),
                          ("数据", "XFD1048576", "有一个远离表格的空白单元格，已忽略")]


def test_megabytes_of_text_in_one_cell_stop_the_reading_early(tmp_path):
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"], with_row(
        '<row r="30"><c r="A30" t="inlineStr"><is><t>' + "x" * 5_000_000 + "</t></is></c></row>"))
    with pytest.raises(ReadError, match="工作表「数据」的单元格 A30 有上百万个字符"):
        FileHost(book).read("数据")


def test_a_cell_of_exactly_excels_limit_is_read_and_shown_short(tmp_path, capsys):
    name = "乙" * MAX_CELL_CHARS
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"], with_row(
        f'<row r="30"><c r="A30" t="inlineStr"><is><t>{name}</t></is></c></row>'))
    out = tmp_path / "结果.xlsx"
    assert cli.main(["rescore", str(book), "-o", str(out)]) in (0, 1)
    assert name in [r[0] for r in sheet(out, "得分")]
    shown = capsys.readouterr().out
    assert max(len(line) for line in shown.splitlines()) < 400
    assert "  " + "乙" * 49 + "…：总分" in shown


def test_a_cell_beyond_xfd1048576_is_refused(tmp_path):
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"], with_row('<row r="5"><c r="XFE5"><v>1</v></c></row>'))
    with pytest.raises(ReadError, match="有单元格超出 Excel 的最大范围"):
        FileHost(book).read("数据")


def test_a_broken_zip_member_is_refused(tmp_path):
    """A sheet whose stated size is smaller than its data: the reader stops at the stated size and
    the checksum then fails."""
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"])
    raw = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as z:
        info = z.getinfo(PARTS["数据"])
    size = info.file_size.to_bytes(4, "little")
    at = raw.index(size, raw.index(b"PK\x01\x02"))     # the central directory's uncompressed size
    raw[at:at + 4] = (info.file_size // 2).to_bytes(4, "little")
    book.write_bytes(bytes(raw))
    with pytest.raises(ReadError, match="不是有效的 Excel 工作簿"):
        FileHost(book).read("数据")


def test_stale_temp_files_of_an_interrupted_rescore_are_removed(tmp_path):
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"])
    stale = tmp_path / ".考核.xlsx.k3j_9x2a.tmp"          # what a rescore killed mid-write leaves
    others = [tmp_path / ".考核.xlsx.k3j_9x2a.tmp.bak", tmp_path / ".其他.xlsx.k3j_9x2a.tmp",
              tmp_path / "考核.xlsx.k3j_9x2a.tmp", tmp_path / ".考核.xlsx.toolong99.tmp"]
    for p in [stale, *others]:
        p.write_bytes(b"PK partial")
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    running = tmp_path / ".考核.xlsx.abcd1234.tmp"       # another write, started after this run began
    running.write_bytes(b"PK partial")
    os.utime(running, (time.time() + 3600, time.time() + 3600))
    assert cli.main(["rescore", str(book), "-q"]) == 0
    assert not stale.exists()
    assert all(p.read_bytes() == b"PK partial" for p in [*others, running])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in [book, *others, running])


def test_a_cell_addressed_outside_its_row_tag_in_a_big_sheet_is_left_out(tmp_path):
    """A malformed writer puts CV999999 inside row 5 of a 150,000-row sheet: the row tags do not
    show it, the cell's own address does (that is where calamine would put it)."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>' for r in range(1, 150_001))
    rows = rows.replace('<row r="5"><c r="A5">', '<row r="5"><c r="CV999999">')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(tmp_path / "sheet.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sheet.xml", f'<worksheet xmlns="{main}"><sheetData>{rows}</sheetData></worksheet>')
    with zipfile.ZipFile(tmp_path / "sheet.zip") as z:
        scan = scan_sheet(z, "sheet.xml", "数据")
    assert scan.far == [(999_998, 99, "5")] and scan.cleaned is not None
    assert scan.hints("数据") == [("数据", "CV999999", "有一个远离表格的孤立单元格（内容「5」），已忽略")]


def test_a_far_cell_whose_address_is_not_its_first_attribute_is_left_out(tmp_path):
    """Writers order attributes freely: such a sheet is read with an XML parser instead."""
    book = edited(tmp_path / "考核.xlsx", PARTS["数据"],
                  with_row('<row r="1048576"><c s="0" r="XFD1048576" t="n"><v>7</v></c></row>'))
    host = FileHost(book)
    assert host.read("数据") == FileHost(SAMPLE).read("数据")
    assert host.hints == [("数据", "XFD1048576", "有一个远离表格的孤立单元格（内容「7」），已忽略")]
