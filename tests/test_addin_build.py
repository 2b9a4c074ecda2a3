"""rubricxl.xlam, built from xladdin/addin/, read back by independent readers.

zipfile and lxml read the package, olefile/olevba the VBA project, python-calamine the config
sheet, and (marked) LibreOffice imports the VBA project and exports it again.
"""

from __future__ import annotations

import os
import posixpath
import random
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from oletools.olevba import VBA_Parser, decompress_stream
from python_calamine import CalamineWorkbook

from xladdin import ribbon
from xladdin.addin_build import SOURCE_DIR, build_addin, compound_file, compress

CUI = "{http://schemas.microsoft.com/office/2006/01/customui}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin"))


@pytest.fixture(scope="module")
def vba_modules(addin) -> dict[str, str]:
    """Module name -> source text, as olevba extracts it from the built add-in."""
    parser = VBA_Parser(str(addin))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="module")
def package(addin) -> dict[str, bytes]:
    with zipfile.ZipFile(addin) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")


_SUB = re.compile(r"^[ \t]*(?:(Public|Private|Friend)[ \t]+)?Sub[ \t]+(\w+)[ \t]*\(([^)]*)\)",
                  re.IGNORECASE | re.MULTILINE)


def _subs(code: str) -> dict[str, tuple[str, str]]:
    """Sub name (lower case, VBA ignores case) -> (scope, parameter list)."""
    return {name.lower(): ((scope or "Public").lower(), " ".join(params.split()))
            for scope, name, params in _SUB.findall(code)}


def test_vba_read_back_equals_the_repository_sources(vba_modules):
    sources = {path.stem: path.read_text(encoding="utf-8") for path in SOURCE_DIR.glob("*.bas")}
    assert set(sources) == {"xlwings", "Rubricxl", "xlwings_udfs"}
    for name, text in sources.items():
        assert _lines(vba_modules[name]) == _lines(text), name
    # Excel binds the workbook and its one sheet to these document modules by code name.
    assert set(vba_modules) == set(sources) | {"ThisWorkbook", "Sheet1"}


def test_every_button_calls_a_ribbon_callback_that_exists(package, vba_modules):
    ui = etree.fromstring(package["customUI/customUI.xml"])
    actions = {button.get("onAction") for button in ui.iter(f"{CUI}button")}
    assert actions == {"RubricxlButton"}  # one dispatcher for every button
    for action in actions:
        module, _, sub = action.rpartition(".")
        codes = [vba_modules[module]] if module else list(vba_modules.values())
        found = [_subs(code)[sub.lower()] for code in codes if sub.lower() in _subs(code)]
        assert len(found) == 1, f"{action} must name exactly one Sub"
        scope, params = found[0]
        assert scope == "public"
        assert re.fullmatch(r"(ByRef )?control As IRibbonControl", params, re.IGNORECASE)


def test_worksheet_functions_ship_with_the_addin(vba_modules):
    # the wrappers xlwings' Import Functions generates (tests/test_udfs_vba.py checks they are
    # exactly that) are part of the add-in, each calling Python's udfs module
    for name in ("BAND_SCORE", "RATIO_SCORE", "STEP_SCORE", "THRESHOLD_SCORE", "RULE_SCORE", "RULE_EXPLAIN",
                 "GRADE", "GROUP_RANK", "COMPOSITE_INDEX"):
        assert re.search(rf"^Function {name}\(", vba_modules["xlwings_udfs"], re.MULTILINE), name
        assert f'XLPy.CallUDF("udfs", "{name}"' in vba_modules["xlwings_udfs"]
    assert re.search(r"^Function XLPy\(\)", vba_modules["xlwings"], re.MULTILINE)


def test_dispatcher_hands_the_button_tag_to_python(vba_modules):
    body = vba_modules["Rubricxl"]
    assert ("RunPython \"import xladdin.ribbon as r; r.dispatch('\" & control.Tag & \"')\""
            in body)
    # RunPython is the xlwings module's public entry point.
    assert re.search(r"^Public Function RunPython\(PythonCommand As String\)",
                     vba_modules["xlwings"], re.MULTILINE)


def test_ribbon_tab_and_buttons(package):
    ui = etree.fromstring(package["customUI/customUI.xml"])
    tabs = list(ui.iter(f"{CUI}tab"))
    assert [tab.get("label") for tab in tabs] == ["评分"]
    buttons = list(tabs[0].iter(f"{CUI}button"))
    # The spec's Ribbon buttons, with the tags ribbon.dispatch receives (and an action for each).
    assert [(b.get("label"), b.get("tag")) for b in buttons] == [
        ("重新评分", "rescore"), ("校验细则", "validate"), ("新建细则", "new"), ("说明", "explain"),
        ("生成报表", "report")]
    assert {b.get("tag") for b in buttons} <= set(ribbon.ACTIONS)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for button in buttons:
        assert button.get("imageMso")
        assert cjk.search(button.get("screentip")) and cjk.search(button.get("supertip"))
    assert len({b.get("id") for b in ui.iter(f"{CUI}button")}) == len(buttons)


def test_config_sheet_names_the_udf_module(addin, vba_modules):
    book = CalamineWorkbook.from_path(str(addin))
    assert book.sheet_names == ["xlwings.conf"]
    rows = book.get_sheet_by_name("xlwings.conf").to_python()
    assert {key.upper(): value for key, value in rows} == {"UDF MODULES": "udfs"}
    # xlwings.bas looks for the sheet PROJECT_NAME & ".conf", so the constant must be "xlwings".
    assert 'Public Const PROJECT_NAME As String = "xlwings"' in vba_modules["xlwings"]


def test_workbook_is_an_addin_bound_to_its_document_modules(package, vba_modules):
    types = etree.fromstring(package["[Content_Types].xml"])
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    workbook = etree.fromstring(package["xl/workbook.xml"])
    assert workbook.find(f"{MAIN}workbookPr").get("codeName") == "ThisWorkbook"
    sheet = etree.fromstring(package["xl/worksheets/sheet1.xml"])
    assert sheet.find(f"{MAIN}sheetPr").get("codeName") == "Sheet1"
    # Workbook and Worksheet class IDs from the Excel type library.
    assert '"0{00020819-0000-0000-C000-000000000046}"' in vba_modules["ThisWorkbook"]
    assert '"0{00020820-0000-0000-C000-000000000046}"' in vba_modules["Sheet1"]


def test_content_types_and_relationships_are_consistent(package):
    parts = set(package) - {"[Content_Types].xml"}
    types = etree.fromstring(package["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in types.iter(f"{CT}Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{CT}Override")}
    assert overrides <= parts
    for part in parts:
        assert part in overrides or part.rsplit(".", 1)[-1].lower() in defaults, part

    targets: dict[str, set[str]] = {}
    for rels in (p for p in parts if p.endswith(".rels")):
        folder = posixpath.dirname(posixpath.dirname(rels))
        source = posixpath.join(folder, posixpath.basename(rels)[:-len(".rels")])
        assert rels == "_rels/.rels" or source in parts, rels
        for rel in etree.fromstring(package[rels]).iter(f"{REL}Relationship"):
            target = rel.get("Target")
            resolved = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            assert resolved in parts, f"{rels} -> {target}"
            targets.setdefault(rel.get("Type"), set()).add(resolved)
    referenced = set().union(*targets.values())
    assert {p for p in parts if not p.endswith(".rels")} == referenced
    ui_type = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
    vba_type = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
    assert targets[ui_type] == {"customUI/customUI.xml"}
    assert targets[vba_type] == {"xl/vbaProject.bin"}
    workbook = etree.fromstring(package["xl/workbook.xml"])
    sheet_ids = {s.get(f"{OFFICE_REL}id") for s in workbook.iter(f"{MAIN}sheet")}
    workbook_rels = etree.fromstring(package["xl/_rels/workbook.xml.rels"])
    assert sheet_ids <= {rel.get("Id") for rel in workbook_rels}


def _dir_records(dir_stream: bytes) -> list[tuple[int, bytes]]:
    """MS-OVBA 2.3.4.2 records (id, data); PROJECTVERSION's size field is a reserved 4."""
    records, pos = [], 0
    while pos < len(dir_stream):
        record_id, size = struct.unpack_from("<HI", dir_stream, pos)
        size = 6 if record_id == 0x09 else size
        records.append((record_id, dir_stream[pos + 6:pos + 6 + size]))
        pos += 6 + size
    return records


def test_vba_project_is_source_only_as_ms_ovba_prescribes(package):
    ole = olefile.OleFileIO(package["xl/vbaProject.bin"], raise_defects=olefile.DEFECT_INCORRECT)
    # 2.3.4.1: Version MUST be 0xFFFF on write, PerformanceCache MUST NOT be present.
    project = ole.openstream("VBA/_VBA_PROJECT").read()
    assert len(project) == 7 and project[:4] == b"\xcc\x61\xff\xff"
    records = _dir_records(bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read()))))
    names = [data.decode("cp1252") for rid, data in records if rid == 0x19]
    offsets = [struct.unpack("<I", data)[0] for rid, data in records if rid == 0x31]
    assert offsets == [0] * len(names)  # no p-code before any module's source
    assert records[-1] == (0x10, b"")
    for name in names:
        text = bytes(decompress_stream(bytearray(ole.openstream(f"VBA/{name}").read())))
        assert text.startswith(f'Attribute VB_Name = "{name}"\r\n'.encode())
    # The Office library defines IRibbonControl, the callback's parameter type.
    libids = [data for rid, data in records if rid == 0x0D]
    assert any(b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in libid for libid in libids)


def test_project_is_unprotected_and_visible(package):
    crypto = pytest.importorskip("ms_ovba_crypto").MsOvbaCrypto
    ole = olefile.OleFileIO(package["xl/vbaProject.bin"])
    text = ole.openstream("PROJECT").read().decode("cp1252")
    value = {key: bytes.fromhex(hexed)
             for key, hexed in re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"\r$', text, re.MULTILINE)}
    # MS-OVBA 2.3.1.15-17: no protection flags, empty password, project visible.
    assert crypto.decrypt(value["CMG"]) == bytes(4)
    assert crypto.decrypt(value["DPB"]) == b"\x00"
    assert crypto.decrypt(value["GC"]) == b"\xff"


def _assert_valid_directory_trees(ole: olefile.OleFileIO) -> None:
    """Each storage's children: a binary search tree in MS-CFB 2.6.4 order, red-black valid."""
    entries = ole.direntries
    nil = olefile.NOSTREAM
    red, black = 0, 1  # MS-CFB 2.6.1 colour flag values

    def walk(sid: int) -> tuple[list[str], int]:
        """In-order names and the black height of the subtree at ``sid``."""
        if sid == nil:
            return [], 1
        entry = entries[sid]
        if entry.color == red:
            for child in (entry.sid_left, entry.sid_right):
                assert child == nil or entries[child].color == black
        left, left_height = walk(entry.sid_left)
        right, right_height = walk(entry.sid_right)
        assert left_height == right_height
        return left + [entry.name] + right, left_height + (entry.color == black)

    for storage in (e for e in entries if e and e.entry_type in (olefile.STGTY_ROOT,
                                                                    olefile.STGTY_STORAGE)):
        names, _ = walk(storage.sid_child)
        # Shorter names first, equal lengths by upper-case comparison.
        assert names == sorted(names, key=lambda n: (len(n), n.upper()))


def test_vba_project_directory_trees_are_valid(package):
    ole = olefile.OleFileIO(package["xl/vbaProject.bin"], raise_defects=olefile.DEFECT_INCORRECT)
    _assert_valid_directory_trees(ole)
    assert {"/".join(path) for path in ole.listdir()} >= {"PROJECT", "PROJECTwm", "VBA/dir"}


STREAM_NAMES = st.text(alphabet="abcdefghij_0123", min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(STREAM_NAMES, st.binary(max_size=9_000), min_size=1, max_size=20),
       st.dictionaries(STREAM_NAMES, st.binary(max_size=5_000), max_size=3))
def test_compound_file_round_trips_through_olefile(streams, top_level):
    # Small streams live in the mini stream, those of 4096 bytes and more in regular sectors.
    ole = olefile.OleFileIO(compound_file({**top_level, "Storage": streams}),
                            raise_defects=olefile.DEFECT_INCORRECT)
    _assert_valid_directory_trees(ole)
    for name, data in streams.items():
        assert ole.openstream(f"Storage/{name}").read() == data
    for name, data in top_level.items():
        assert ole.openstream(name).read() == data


def test_two_builds_are_byte_identical(tmp_path):
    first = build_addin(tmp_path / "a").read_bytes()
    second = build_addin(tmp_path / "b").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a" / "rubricxl.xlam") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


VBA_TEXT = st.text(alphabet="Sub End If Then\r\n'\"()=&._ab01", max_size=10_000)


@settings(max_examples=60, deadline=None)
@given(st.one_of(VBA_TEXT.map(str.encode), st.binary(max_size=3_000)))
def test_compression_round_trips_through_oletools(data):
    assert bytes(decompress_stream(bytearray(compress(data)))) == data


def test_incompressible_full_chunks_are_stored_raw():
    data = random.Random(0).randbytes(2 * 4096)
    compressed = compress(data)
    # Signature byte, then two raw chunks: a 2-byte header (flag bit clear) and 4096 bytes.
    assert len(compressed) == 1 + 2 * (2 + 4096)
    assert bytes(decompress_stream(bytearray(compressed))) == data


def test_xlwings_module_is_the_installed_custom_addin_module():
    shipped = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text()
    ours = (SOURCE_DIR / "xlwings.bas").read_text()
    changed = [(a, b) for a, b in zip(_lines(shipped), _lines(ours)) if a != b]
    assert len(_lines(shipped)) == len(_lines(ours))
    assert changed == [('Public Const PROJECT_NAME As String = "myaddin"',
                        'Public Const PROJECT_NAME As String = "xlwings"')]
    # The module loads xlwings64-<version>.dll: it must match the Python package.
    assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in ours


@pytest.fixture
def sources(tmp_path) -> Path:
    return Path(shutil.copytree(SOURCE_DIR, tmp_path / "addin"))


def test_non_western_characters_in_vba_are_refused(sources, tmp_path):
    module = sources / "Rubricxl.bas"
    module.write_text(module.read_text() + "' 评分\r\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"Rubricxl\.bas 第 10 行"):
        build_addin(tmp_path / "out", sources)


def test_module_name_must_match_file_name(sources, tmp_path):
    (sources / "Rubricxl.bas").rename(sources / "Ribbon.bas")
    with pytest.raises(ValueError, match=r'Ribbon\.bas 第 1 行应为 Attribute VB_Name = "Ribbon"'):
        build_addin(tmp_path / "out", sources)


def test_empty_config_value_is_refused(sources, tmp_path):
    config = sources / "xlwings.conf.txt"
    config.write_text(config.read_text() + "Interpreter_Win\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"xlwings\.conf\.txt 第 \d+ 行"):
        build_addin(tmp_path / "out", sources)


LO_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry">
<item oor:path="/org.openoffice.Office.Calc/Filter/Import/VBA">
<prop oor:name="Save" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_imports_the_vba_project(addin, vba_modules, tmp_path):
    """LibreOffice's VBA importer parses our vbaProject.bin and exports it again itself.

    LibreOffice 7.4 opens no add-in content type, so the package is relabelled .xlsm. With
    "save original Basic code" off, the exported project is rebuilt from what it imported.
    """
    xlsm = tmp_path / "rubricxl.xlsm"
    with zipfile.ZipFile(addin) as source, zipfile.ZipFile(xlsm, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"ms-excel.addin.macroEnabled", b"ms-excel.sheet.macroEnabled")
            target.writestr(name, data)
    profile = tmp_path / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(LO_PROFILE)
    out = tmp_path / "out"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         "xlsm:Calc MS Excel 2007 VBA XML", "--outdir", str(out), str(xlsm)],
        check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    exported = out / "rubricxl.xlsm"
    with zipfile.ZipFile(exported) as archive:
        project = olefile.OleFileIO(archive.read("xl/vbaProject.bin")).openstream("PROJECT")
        assert 'Name="RubricxlAddin"' in project.read().decode("cp1252")
    parser = VBA_Parser(str(exported))
    try:
        again = {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert set(again) == set(vba_modules)
    for name, code in vba_modules.items():
        assert _lines(again[name]) == _lines(code), name
