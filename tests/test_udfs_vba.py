"""The VBA module that xlwings' "Import Functions" injects into Excel for ``udfs``, checked on Linux.

``xlwings.udfs`` needs pywin32; with ``pythoncom``, ``pywintypes`` and ``win32com.client`` stubbed
(FakeWindowsComModules) it imports, and ``import_udfs`` runs against a fake workbook that records
what Excel would receive: the .bas text (written by ``generate_vba_wrapper``) handed to
``VBComponents.Import`` and the ``MacroOptions`` (category, help text, argument help).

The .bas text is compared with xladdin/addin/xlwings_udfs.bas, the module the add-in ships. To rewrite the golden file after a
deliberate change: RUBRICXL_UPDATE_GOLDEN=1 python -m pytest tests/test_udfs_vba.py, then review
the diff by eye. The properties Excel needs are also checked directly.
"""
from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
import types
from pathlib import Path

import pytest

import udfs

# The golden file is the module the add-in ships, so the functions work without Import Functions.
GOLDEN = Path(__file__).parent.parent / "xladdin" / "addin" / "xlwings_udfs.bas"
FUNCTIONS = {"BAND_SCORE", "RATIO_SCORE", "STEP_SCORE", "THRESHOLD_SCORE", "RULE_SCORE", "RULE_EXPLAIN",
             "GRADE", "GROUP_RANK", "COMPOSITE_INDEX", "RULE_FROM_TEXT", "RULE_READING"}

# MS-VBAL 3.3.5.2 reserved identifiers (statement and marker keywords, operators, reserved names,
# special forms, types, literals) plus statement words that break a parameter list in practice.
VBA_RESERVED = {w.lower() for w in """
Abs Access AddressOf Alias And Any Append Array As Attribute Base Binary Boolean ByRef Byte ByVal
Call Case CBool CByte CCur CDate CDbl CDec CDecl CInt Circle CLng CLngLng CLngPtr Close Compare
Const CSng CStr Currency CVar CVErr Database Date Debug Decimal Declare DefBool DefByte DefCur
DefDate DefDbl DefDec DefInt DefLng DefLngLng DefLngPtr DefObj DefSng DefStr DefVar Dim Do DoEvents
Double Each Else ElseIf Empty End EndIf Enum Eqv Erase Error Event Exit Explicit False Fix For Friend
Function Get Global GoSub GoTo If Imp Implements In Input InputB Int Integer Is LBound Len LenB Let
Lib Like Line LINEINPUT Lock Long LongLong LongPtr Loop LSet Me Mid Mod Module Name New Next Not
Nothing Null Object On Open Option Optional Or Output ParamArray Preserve Print Private Property
PSet PtrSafe Public Put RaiseEvent Random Read ReDim Rem Reset Resume Return RSet Scale Seek Select
Set Sgn Shared Single Spc Static Step Stop String Sub Tab Text Then Time To True Type TypeOf UBound
Unlock Until Variant VB_Base VB_Control VB_Creatable VB_Customizable VB_Description VB_Exposed
VB_Ext_KEY VB_GlobalNameSpace VB_HelpID VB_Invoke_Func VB_Invoke_Property VB_Invoke_PropertyPut
VB_Invoke_PropertyPutRef VB_MemberFlags VB_Name VB_PredeclaredId VB_ProcData VB_TemplateDerived
VB_UserMemId VB_VarDescription VB_VarHelpID VB_VarMemberFlags VB_VarProcData VB_VarUserMemId Wend
While Width With WithEvents Write Xor
""".split()}
# VBA library functions: legal as parameter names, but a parameter shadows them in the wrapper.
VBA_FUNCTIONS = {w.lower() for w in """
Asc Chr Choose CurDir Day Dir Environ Exp Filter Format Hex Hour IIf InStr Join LCase Left Log
LTrim Minute Month Now Oct Replace Right Rnd Round RTrim Second Shell Space Split Sqr Str StrComp
Switch Timer Trim UCase Val Weekday Year
""".split()}
# Names the generated wrapper itself uses (the ParamArray loop).
WRAPPER_LOCALS = {"k", "argsarray"}


class FakeWindowsComModules:
    """Stand-ins for pywin32's modules, just enough for ``import xlwings.udfs`` on Linux."""

    class com_error(Exception):
        """pywintypes.com_error"""

    def __init__(self):
        self.pythoncom = types.ModuleType("pythoncom")
        self.pythoncom.CoInitialize = lambda: None
        self.pywintypes = types.ModuleType("pywintypes")
        self.pywintypes.com_error = self.com_error
        self.win32com = types.ModuleType("win32com")
        self.win32com_client = types.ModuleType("win32com.client")
        self.win32com_client.Dispatch = self._no_dispatch
        self.win32com.client = self.win32com_client

    @staticmethod
    def _no_dispatch(*args):
        raise AssertionError("the fake Excel session must not need COM dispatch")

    def install(self, monkeypatch) -> None:
        for name, module in (("pythoncom", self.pythoncom), ("pywintypes", self.pywintypes),
                             ("win32com", self.win32com), ("win32com.client", self.win32com_client)):
            monkeypatch.setitem(sys.modules, name, module)


class FakeWorkbook:
    """The add-in workbook as import_udfs sees it; records the imported module and MacroOptions."""

    Name = "rubricxl.xlam"

    def __init__(self, com_error):
        self.bas = None
        self.macro_options = {}
        book = self

        class Components:
            def __call__(self, name):
                return name

            def Remove(self, component):
                raise com_error("no module xlwings_udfs yet")

            def Import(self, path):
                book.bas = Path(path).read_text(encoding="utf-8")

        class Application:
            Version = "16.0"

            def MacroOptions(self, macro, **options):
                book.macro_options[macro.split("!")[-1]] = options

        self.VBProject = types.SimpleNamespace(VBComponents=Components())
        self.Application = Application()


@pytest.fixture(scope="module")
def windows_udfs():
    """The udfs module as Windows xlwings imports it: decorators that record ``__xlfunc__``.

    On Windows ``xlwings.func/arg/ret`` are ``xlwings.udfs.xlfunc/xlarg/xlret``; elsewhere they are
    identity decorators. A fresh copy of ``udfs`` is imported under the Windows ones; the original
    module (used by the other tests) is restored afterwards.
    """
    mp = pytest.MonkeyPatch()
    fake = FakeWindowsComModules()
    fake.install(mp)
    import xlwings
    mp.delitem(sys.modules, "xlwings.udfs", raising=False)
    try:
        import xlwings.udfs as xlwings_udfs
        mp.setattr(xlwings, "func", xlwings_udfs.xlfunc)
        mp.setattr(xlwings, "arg", xlwings_udfs.xlarg)
        mp.setattr(xlwings, "ret", xlwings_udfs.xlret)
        mp.delitem(sys.modules, "udfs")
        module = importlib.import_module("udfs")
        yield xlwings_udfs, module
    finally:
        sys.modules.pop("xlwings.udfs", None)
        if "udfs" in vars(xlwings):
            delattr(xlwings, "udfs")
        mp.undo()


@pytest.fixture(scope="module")
def imported(windows_udfs):
    """Run xlwings' Import Functions for the udfs module; returns the fake workbook."""
    xlwings_udfs, module = windows_udfs
    # the registry get_udf_module fills on first use (its embedded-code scan needs a live Excel)
    xlwings_udfs.udf_modules["udfs"] = {"module": module, "filetime": None, "filename": module.__file__}
    book = FakeWorkbook(FakeWindowsComModules.com_error)
    try:
        xlwings_udfs.import_udfs("udfs", book)
    finally:
        del xlwings_udfs.udf_modules["udfs"]
    return book


def declarations(bas: str) -> dict[str, list[str]]:
    """Function name → its VBA parameter list as written (Optional / ParamArray kept)."""
    found = re.findall(r"^Function (\w+)\((.*)\)$", bas, flags=re.M)
    return {name: [p.strip() for p in params.split(",") if p.strip()] for name, params in found}


def test_matches_golden_file(imported):
    if os.environ.get("RUBRICXL_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(imported.bas, encoding="utf-8")
    assert imported.bas == GOLDEN.read_text(encoding="utf-8")


def test_every_function_is_imported_once(imported):
    decl = declarations(imported.bas)
    assert set(decl) == FUNCTIONS
    assert len(re.findall(r"^Function ", imported.bas, flags=re.M)) == len(FUNCTIONS)
    assert imported.bas.startswith('Attribute VB_Name = "xlwings_udfs"')
    for name in FUNCTIONS:   # the add-in calls into the udfs module for the active workbook
        assert f'XLPy.CallUDF("udfs", "{name}", ' in imported.bas
        assert "ActiveWorkbook, Application.Caller)" in imported.bas


def test_parameters_follow_the_python_signatures(imported):
    for name, params in declarations(imported.bas).items():
        sig = inspect.signature(getattr(udfs, name)).parameters.values()   # the plain module
        expected = []
        for p in sig:
            if p.kind is p.VAR_POSITIONAL:
                expected.append(f"ParamArray {p.name}()")
            elif p.default is not p.empty:
                expected.append(f"Optional {p.name}")
            else:
                expected.append(p.name)
        assert params == expected, name


def test_parameter_names_are_safe_in_vba(imported):
    functions = {f.lower() for f in FUNCTIONS}
    for name, params in declarations(imported.bas).items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name) and len(name) <= 31, name
        words = [p.split()[-1].removesuffix("()") for p in params]
        assert len({w.lower() for w in words}) == len(words), name
        for w in words:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", w), (name, w)
            low = w.lower()
            assert low not in VBA_RESERVED, (name, w)
            assert low not in VBA_FUNCTIONS, (name, w)
            assert low not in functions | WRAPPER_LOCALS, (name, w)


def test_excel_gets_chinese_help_and_category(imported):
    assert set(imported.macro_options) == FUNCTIONS
    for name, options in imported.macro_options.items():
        func = getattr(udfs, name)
        assert options["Category"] == "评分"
        assert options["Description"] == func.__doc__ and re.search(r"[\u4e00-\u9fff]", func.__doc__)
        assert len(options["Description"]) <= 255
        argdocs = options["ArgumentDescriptions"]
        assert len(argdocs) == len(inspect.signature(func).parameters), name
        assert all(re.search(r"[\u4e00-\u9fff]", d) and len(d) <= 255 for d in argdocs), name


def test_ranges_arrive_as_two_dimensional_lists(windows_udfs):
    """Every argument that may be a range is read with ndim=2, so a column is a list of rows."""
    _, module = windows_udfs
    scalar_only = {"pick", "points", "over", "reference", "per", "deduct", "rounding", "rule", "scheme", "order"}
    for name in FUNCTIONS:
        for arg in getattr(module, name).__xlfunc__["args"]:
            if arg["name"] not in scalar_only:
                assert arg["options"].get("ndim") == 2, (name, arg["name"])


def test_the_addin_registers_every_function_with_the_help_xlwings_would_give(imported, tmp_path):
    """Workbook_Open of the built add-in runs RubricxlText.RegisterFunctions: read back with
    oletools and run, it makes one MacroOptions call per function, with the category, description
    and argument help that xlwings' own Import Functions takes from udfs/."""
    from oletools.olevba import VBA_Parser

    from tests import vba_text
    from xladdin.addin_build import build_addin

    parser = VBA_Parser(str(build_addin(tmp_path)))
    try:
        modules = {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    _, registered = vba_text.run(modules["RubricxlText"])
    assert set(registered) == FUNCTIONS
    for name, options in registered.items():
        expected = imported.macro_options[name]
        assert options == {key: expected[key] for key in ("Description", "Category", "ArgumentDescriptions")}
        assert options["Category"] == "评分"
