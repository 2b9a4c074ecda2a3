"""`rubricxl addin install` and `rubricxl addin check` on Linux, as a user would run them with
--dir; the written add-in is read back with python-calamine, the imports are checked by a real
subprocess of the configured interpreter (see xladdin.addin_install.PROBE)."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import xlwings
from python_calamine import CalamineWorkbook

from xladdin import addin_install, cli
from xladdin.addin_build import build_addin

ROOT = Path(__file__).resolve().parent.parent


def config_of(addin: Path) -> dict[str, str]:
    rows = CalamineWorkbook.from_path(str(addin)).get_sheet_by_name("xlwings.conf").to_python()
    return {key.upper(): value for key, value in rows}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """`rubricxl addin install --dir <tmp>/out/xlstart`: (folder, exit code, printed text)."""
    folder = tmp_path_factory.mktemp("user") / "out" / "xlstart"
    capture = pytest.MonkeyPatch()
    out = io.StringIO()
    capture.setattr(sys, "stdout", out)
    try:
        code = cli.main(["addin", "install", "--dir", str(folder)])
    finally:
        capture.undo()
    return folder, code, out.getvalue()


def test_install_with_dir_writes_the_addin_and_this_pythons_settings(installed):
    folder, code, printed = installed
    assert code == 0, printed
    assert config_of(folder / "rubricxl.xlam") == {
        "UDF MODULES": "udfs",
        "ADD_WORKBOOK_TO_PYTHONPATH": "false",
        "RUBRICXL_XLWINGS_VERSION": xlwings.__version__,
        "INTERPRETER_WIN": sys.executable,
        "PYTHONPATH": str(ROOT),
    }
    assert f"已生成加载项（为 xlwings {xlwings.__version__}）：{folder / 'rubricxl.xlam'}" in printed
    assert f"INTERPRETER_WIN = {sys.executable}" in printed
    assert sorted(p.name for p in folder.iterdir()) == ["rubricxl.xlam"]   # Excel opens every file here


def test_install_passes_its_own_check(installed):
    _, _, printed = installed
    assert "[失败]" not in printed and printed.rstrip().endswith(
        "请重新启动 Excel：功能区出现“评分”选项卡，函数向导的“评分”类别中列出全部函数。")
    for name in ("engine", "udfs", "xladdin"):
        assert f"[通过] {name} 从本安装导入：{ROOT / name / '__init__.py'}" in printed


def test_check_changes_nothing_and_passes(installed, capsys):
    folder, _, _ = installed
    addin = folder / "rubricxl.xlam"
    before = addin.read_bytes(), addin.stat().st_mtime_ns
    assert cli.main(["addin", "check", "--dir", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("检查 rubricxl 加载项（不作任何改动）：") and "检查通过" in printed
    assert (addin.read_bytes(), addin.stat().st_mtime_ns) == before
    assert sorted(p.name for p in folder.iterdir()) == ["rubricxl.xlam"]


def test_install_without_dir_on_linux_says_where_the_addin_goes(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["addin", "install"]) == 2
    err = capsys.readouterr().err
    assert r"%APPDATA%\Microsoft\Excel\XLSTART" in err and "--dir" in err
    assert list(tmp_path.iterdir()) == []


def test_xlstart_is_found_from_appdata_on_windows(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", r"C:\Users\li\AppData\Roaming")
    assert addin_install.xlstart() == Path(r"C:\Users\li\AppData\Roaming") / "Microsoft" / "Excel" / "XLSTART"


def test_check_after_upgrading_xlwings_says_to_install_again(installed, monkeypatch):
    # `pip install -U xlwings`: the add-in still loads xlwings64-<old>.dll
    built_for = xlwings.__version__
    monkeypatch.setattr(xlwings, "__version__", "0.99.0")
    findings = addin_install.check(installed[0])
    failed = [f.text for f in findings if f.ok is False]
    assert failed == [f"加载项为 xlwings {built_for} 生成，而已安装的是 0.99.0：工作表函数会报找不到 "
                      "xlwings DLL。请运行 rubricxl addin install"]


def test_check_of_a_plain_build_names_the_missing_interpreter(tmp_path):
    build_addin(tmp_path)   # `rubricxl addin build`: no interpreter for this PC
    failed = [f.text for f in addin_install.check(tmp_path) if f.ok is False]
    assert len(failed) == 1 and failed[0].startswith("加载项没有设置 INTERPRETER_WIN：xlwings 会启动 PATH 上的 python")


def test_check_catches_a_foreign_engine_package_that_shadows_ours(tmp_path, monkeypatch):
    """Another top-level ``engine`` package first on the interpreter's path (here through the
    add-in's PYTHONPATH) is imported instead of ours: the check fails and names it."""
    shadow = tmp_path / "elsewhere"
    (shadow / "engine").mkdir(parents=True)
    (shadow / "engine" / "__init__.py").write_text("")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))    # ours still importable, but later on sys.path
    build_addin(tmp_path / "xlstart", settings=[("INTERPRETER_WIN", sys.executable), ("PYTHONPATH", str(shadow))])
    findings = addin_install.check(tmp_path / "xlstart")
    failed = [f.text for f in findings if f.ok is False]
    assert failed == [f"engine 从 {shadow / 'engine' / '__init__.py'} 导入，而不是本安装（{ROOT}）："
                      "同名的包遮住了 rubricxl 的包。请给它改名或移走"]
    assert [f.text for f in findings if f.ok and "udfs" in f.text] == [f"udfs 从本安装导入：{ROOT / 'udfs' / '__init__.py'}"]


def test_a_udfs_py_and_engine_beside_the_workbook_do_not_replace_ours(installed, tmp_path, monkeypatch):
    """A colleague keeps a udfs.py and an engine/ folder beside the assessment workbook. Excel
    hands xlwings' prepare_sys_path the add-in's settings and the workbook's path: with the
    installed settings ours are imported; with xlwings' defaults (the workbook's folder first, no
    PYTHONPATH) theirs would be."""
    folder = tmp_path / "考核"
    (folder / "engine").mkdir(parents=True)
    (folder / "engine" / "__init__.py").write_text("")
    (folder / "udfs.py").write_text("")
    workbook, addin = str(folder / "考核.xlsx"), str(installed[0] / "rubricxl.xlam")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))          # ours importable in both runs
    config = config_of(Path(addin))
    installed_run = addin_install.probe(sys.executable, addin_install.sys_path_args(
        config["ADD_WORKBOOK_TO_PYTHONPATH"], workbook, addin, config["PYTHONPATH"]))
    assert installed_run["modules"]["engine"] == str(ROOT / "engine" / "__init__.py")
    assert installed_run["modules"]["udfs"] == str(ROOT / "udfs" / "__init__.py")
    defaults_run = addin_install.probe(sys.executable, addin_install.sys_path_args("true", workbook, addin, ""))
    assert defaults_run["modules"]["engine"] == str(folder / "engine" / "__init__.py")
    assert defaults_run["modules"]["udfs"] == str(folder / "udfs.py")


def test_check_warns_of_a_foreign_engine_later_on_the_path(tmp_path, monkeypatch):
    shadow = tmp_path / "elsewhere"
    (shadow / "engine").mkdir(parents=True)
    (shadow / "engine" / "__init__.py").write_text("")
    monkeypatch.setenv("PYTHONPATH", str(shadow))  # e.g. a user's PYTHONPATH: after the add-in's
    build_addin(tmp_path / "xlstart", settings=addin_install.settings())
    findings = addin_install.check(tmp_path / "xlstart")
    assert not [f for f in findings if f.ok is False]
    hints = [f.text for f in findings if f.ok is None and "engine" in f.text]
    assert hints == [f"sys.path 上另有一个 engine：{shadow / 'engine' / '__init__.py'}。现在它排在后面，不会被导入；"
                     "若它所在的文件夹被放到前面，就会遮住 rubricxl 的包"]


class FakeRegistry:
    """winreg over a dict: key path -> {value name: data}; subkeys are the paths below."""

    HKEY_CURRENT_USER = "HKCU"

    def __init__(self, values: dict[str, dict[str, str]]):
        self.values = values

    def OpenKey(self, key, sub):
        path = f"{key}\\{sub}"
        if not any(k == path or k.startswith(path + "\\") for k in self.values):
            raise OSError(path)
        return path

    def EnumKey(self, key, i):
        children = sorted({k[len(key) + 1:].split("\\")[0] for k in self.values if k.startswith(key + "\\")})
        if i >= len(children):
            raise OSError
        return children[i]

    def EnumValue(self, key, i):
        items = sorted(self.values.get(key, {}).items())
        if i >= len(items):
            raise OSError
        return items[i][0], items[i][1], 1


def test_an_old_copy_ticked_in_the_addins_dialog_is_found(monkeypatch, tmp_path):
    """Before `addin install`, the docs said to browse to out\\rubricxl.xlam in the add-ins dialog:
    that copy would load beside the one in XLSTART (two 评分 tabs)."""
    xlstart = tmp_path / "XLSTART"
    registry = FakeRegistry({
        r"HKCU\Software\Microsoft\Office\16.0\Excel\Options": {
            "OPEN": rf'/R "{tmp_path / "out" / "rubricxl.xlam"}"',
            "OPEN1": r'"C:\tools\other.xlam"',
            "OPEN2": f'"{xlstart / "rubricxl.xlam"}"',      # the installed one itself
            "Font": "Calibri,11"},
        r"HKCU\Software\Microsoft\Office\16.0\Common": {},
    })
    monkeypatch.setitem(sys.modules, "winreg", registry)
    assert addin_install.other_copies(xlstart) == [str(tmp_path / "out" / "rubricxl.xlam")]
