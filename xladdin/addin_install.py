"""``rubricxl addin install`` and ``rubricxl addin check``: put the add-in where Excel loads it,
point it at this Python, and check what most often goes wrong in an office.

What the classic add-in needs on a user's PC, and where each need is met:
- the interpreter: xlwings starts ``INTERPRETER_WIN`` (``INTERPRETER_MAC`` on a Mac) and, when it
  is unset, whatever ``python`` / ``pythonw`` is first on PATH (on a fresh Windows, the Microsoft
  Store stub). The add-in's own ``xlwings.conf`` sheet gets this Python (``sys.executable``),
  which xlwings reads before the user's config file;
- the DLL: the add-in's xlwings module loads ``xlwings64-<version>.dll`` from beside that
  interpreter, which only the same xlwings version installs; so the add-in is rebuilt for the
  installed xlwings, and records the version (``RUBRICXL_XLWINGS_VERSION``) for this check;
- our packages: ``engine``, ``udfs`` and ``xladdin`` are generic names. xlwings would put the
  active workbook's folder first on sys.path (``ADD_WORKBOOK_TO_PYTHONPATH``, off in the add-in),
  and any other installed ``engine`` package could win the import. ``PYTHONPATH`` in the sheet
  puts this installation's folder first (xlwings prepends it), and the check imports the three
  packages with that interpreter and that path, as Excel will, and compares their locations.

The ribbon imports ``foreign_imports`` also under xlwings Lite (Pyodide, no lxml), so the add-in
build is imported only by the functions that need it.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the folder holding engine/, udfs/, xladdin/
PACKAGES = ("engine", "udfs", "xladdin")
INTERPRETER_KEY = "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"
XLSTART_HINT = r"%APPDATA%\Microsoft\Excel\XLSTART"

# Run by the configured interpreter as Excel runs it: sys.path prepared by xlwings' own
# prepare_sys_path from the add-in's settings, then each package imported. It prints where each
# came from, and every other place on sys.path that also offers one of them.
PROBE = r"""
import importlib, importlib.machinery, json, os, sys
out = {"python": sys.executable, "modules": {}, "others": {}}
try:
    import xlwings, xlwings.utils
    xlwings.utils.prepare_sys_path(sys.argv[1])
    out["xlwings"] = xlwings.__version__
except Exception as exc:
    out["xlwings_error"] = "%s: %s" % (type(exc).__name__, exc)
for name in sys.argv[2:]:
    try:
        out["modules"][name] = importlib.import_module(name).__file__
    except Exception as exc:
        out["modules"][name] = None
        out.setdefault("errors", {})[name] = "%s: %s" % (type(exc).__name__, exc)
    found = []
    for entry in sys.path:
        try:
            spec = importlib.machinery.PathFinder.find_spec(name, [entry or os.getcwd()])
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.origin not in (None, "namespace"):
            found.append(spec.origin)
    out["others"][name] = found
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Finding:
    """One line of the check: ``ok`` True (通过), False (失败) or None (提示, no verdict)."""

    ok: bool | None
    text: str

    def line(self) -> str:
        return {True: "[通过] ", False: "[失败] ", None: "[提示] "}[self.ok] + self.text


def xlstart() -> Path | None:
    """The user's XLSTART folder (Windows: %APPDATA%\\Microsoft\\Excel\\XLSTART), else None."""
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "Microsoft" / "Excel" / "XLSTART"
    return None


def settings(python: str = sys.executable) -> tuple[tuple[str, str], ...]:
    """The rows ``install`` adds to the add-in's xlwings.conf sheet for this PC."""
    return ((INTERPRETER_KEY, python), ("PYTHONPATH", str(ROOT)))


def is_ours(module_file: str) -> bool:
    """Whether a package's ``__init__.py`` (or a module's .py) lies in this installation's folder.
    Compared case-folded on Windows: xlwings' prepare_sys_path lower-cases the paths it adds."""
    path = Path(module_file).resolve()
    root = path.parent.parent if path.name == "__init__.py" else path.parent
    return os.path.normcase(root) == os.path.normcase(ROOT)


def _same_file(a: str, b: str) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def foreign_imports() -> dict[str, str]:
    """Packages of ours that this process imported from somewhere else: name -> file."""
    found = {}
    for name in PACKAGES:
        module = importlib.import_module(name)
        if not is_ours(module.__file__):
            found[name] = module.__file__
    return found


def read_config(addin: Path) -> dict[str, str]:
    """The add-in's xlwings.conf sheet as xlwings reads it: upper-case key -> value."""
    from python_calamine import CalamineWorkbook

    from .addin_build import CONFIG_SHEET

    rows = CalamineWorkbook.from_path(str(addin)).get_sheet_by_name(CONFIG_SHEET).to_python()
    return {str(row[0]).upper(): str(row[1]) for row in rows if row and row[0] != ""}


def sys_path_args(add_workbook: str, workbook: str, addin: str, pythonpath: str) -> str:
    """The string xlwings' VBA hands to ``xlwings.utils.prepare_sys_path`` (RunPython and the UDF
    server alike): ADD_WORKBOOK_TO_PYTHONPATH; the active workbook; the add-in; three OneDrive/
    SharePoint settings; PYTHONPATH."""
    return ";".join([add_workbook, workbook, addin, "", "", "", pythonpath])


def probe(python: str, args: str) -> dict:
    """Import our packages in ``python`` with the sys.path that xlwings builds from ``args``
    (``sys_path_args``), started from the interpreter's folder as xlwings starts it (see PROBE)."""
    cwd = Path(python).parent if Path(python).is_file() else None  # xlwings cds there first
    done = subprocess.run([python, "-B", "-c", PROBE, args, *PACKAGES], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=120, cwd=cwd)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"退出码 {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(folder: Path | None) -> list[Finding]:
    """Everything ``rubricxl addin check`` reports; changes nothing."""
    import xlwings

    from .addin_build import ADDIN_FILENAME

    findings: list[Finding] = []
    if folder is None:
        findings.append(Finding(None, f"未指定加载项所在文件夹，且此系统上没有 Excel 的 XLSTART：只检查本 Python"
                                      f"（Windows 上加载项位于 {XLSTART_HINT}）"))
        python, pythonpath = sys.executable, str(ROOT)
    else:
        addin = Path(folder) / ADDIN_FILENAME
        if not addin.is_file():
            return [Finding(False, f"未找到加载项 {addin}：请运行 rubricxl addin install")]
        findings.append(Finding(True, f"加载项：{addin}"))
        config = read_config(addin)
        findings += _config_findings(config, xlwings.__version__)
        python = config.get(INTERPRETER_KEY) or sys.executable
        pythonpath = config.get("PYTHONPATH", "")
        if sys.platform == "win32":
            findings += [Finding(False, f"Excel 还会加载另一个 rubricxl.xlam：{path}（在“加载项”对话框中勾选的旧副本）。"
                                        "两个副本会带来两个“评分”选项卡和同名函数冲突：请在 Excel 的“文件 → 选项 → 加载项 → "
                                        "转到…”中取消勾选它")
                         for path in other_copies(addin.parent)]
    findings += _dll_findings(python, xlwings.__version__)
    if not Path(python).is_file():
        return findings
    try:
        found = probe(python, sys_path_args("false", "", "", pythonpath))
    except (OSError, RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
        return findings + [Finding(False, f"无法用 {python} 运行检查：{exc}")]
    return findings + _import_findings(found)


def _config_findings(config: dict[str, str], installed: str) -> list[Finding]:
    from .addin_build import VERSION_KEY

    findings = []
    python = config.get(INTERPRETER_KEY, "")
    if not python:
        findings.append(Finding(False, f"加载项没有设置 {INTERPRETER_KEY}：xlwings 会启动 PATH 上的 python"
                                       "（可能是微软商店的占位程序）。请运行 rubricxl addin install"))
    elif not Path(python).is_file():
        findings.append(Finding(False, f"{INTERPRETER_KEY} 指向的 {python} 不存在：请用要使用的 Python 运行 "
                                       "rubricxl addin install"))
    elif not _same_file(python, sys.executable):
        findings.append(Finding(None, f"{INTERPRETER_KEY} = {python}，与运行本检查的 {sys.executable} 不同；"
                                      "下面的导入检查用前者"))
    else:
        findings.append(Finding(True, f"{INTERPRETER_KEY} = {python}（本 Python）"))
    built_for = config.get(VERSION_KEY, "")
    if built_for == installed:
        findings.append(Finding(True, f"加载项为 xlwings {built_for} 生成，与已安装的版本一致"))
    else:
        findings.append(Finding(False, f"加载项为 xlwings {built_for or '（未知版本）'} 生成，而已安装的是 "
                                       f"{installed}：工作表函数会报找不到 xlwings DLL。请运行 rubricxl addin install"))
    if config.get("ADD_WORKBOOK_TO_PYTHONPATH", "").lower() == "false":
        findings.append(Finding(True, "ADD_WORKBOOK_TO_PYTHONPATH = false：工作簿所在文件夹不会加入 sys.path"))
    else:
        findings.append(Finding(False, "加载项没有关闭 ADD_WORKBOOK_TO_PYTHONPATH：工作簿旁的 udfs.py 或 engine "
                                       "文件夹会遮住 rubricxl 的包。请运行 rubricxl addin install"))
    if config.get("UDF MODULES") != "udfs":
        findings.append(Finding(False, "加载项的 UDF Modules 不是 udfs：工作表函数无法调用。请运行 rubricxl addin install"))
    return findings


def _dll_findings(python: str, version: str) -> list[Finding]:
    """Windows only: the DLL the add-in's xlwings module loads, where that module looks for it."""
    if sys.platform != "win32":
        return [Finding(None, f"xlwings64-{version}.dll 只在 Windows 上需要，此处不检查")]
    folders = [Path(python).parent, Path(python).parent.parent]  # a standard install, a virtualenv
    names = [f"xlwings{bits}-{version}.dll" for bits in (64, 32)]
    if any((folder / name).is_file() for folder in folders for name in names):
        return [Finding(True, f"找到 xlwings{{64,32}}-{version}.dll")]
    return [Finding(False, f"在 {folders[0]} 及其上级文件夹中找不到 {names[0]}：工作表函数会显示“找不到文件”。"
                           f"请用这个 Python 重新安装 xlwings（{python} -m pip install --force-reinstall xlwings=={version}）")]


def other_copies(folder: Path) -> list[str]:
    """Windows: rubricxl.xlam files that Excel also loads from elsewhere (ticked in the add-ins
    dialog, as older instructions said). Excel lists them as OPEN, OPEN1, … values under
    HKCU\\Software\\Microsoft\\Office\\<version>\\Excel\\Options, e.g. ``/R "D:\\xl\\rubricxl.xlam"``."""
    import winreg

    from .addin_build import ADDIN_FILENAME

    found = []
    try:
        office = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Office")
    except OSError:
        return found
    versions, i = [], 0
    while True:
        try:
            versions.append(winreg.EnumKey(office, i))
        except OSError:
            break
        i += 1
    for version in versions:
        try:
            options = winreg.OpenKey(office, version + r"\Excel\Options")
        except OSError:
            continue
        i = 0
        while True:
            try:
                name, data, _ = winreg.EnumValue(options, i)
            except OSError:
                break
            i += 1
            if not name.upper().startswith("OPEN") or not isinstance(data, str):
                continue
            path = data.rsplit('"', 2)[-2] if data.count('"') >= 2 else data.split()[-1]
            if (Path(path).name.lower() == ADDIN_FILENAME
                    and os.path.normcase(os.path.abspath(Path(path).parent)) != os.path.normcase(os.path.abspath(folder))):
                found.append(path)
    return sorted(set(found))


def _import_findings(found: dict) -> list[Finding]:
    findings = []
    if "xlwings_error" in found:
        findings.append(Finding(False, f"{found['python']} 中无法导入 xlwings：{found['xlwings_error']}"))
    for name in PACKAGES:
        file = found["modules"].get(name)
        if file is None:
            findings.append(Finding(False, f"{found['python']} 无法导入 {name}：{found.get('errors', {}).get(name)}"))
        elif not is_ours(file):
            findings.append(Finding(False, f"{name} 从 {file} 导入，而不是本安装（{ROOT}）：同名的包遮住了 "
                                           "rubricxl 的包。请给它改名或移走"))
        else:
            findings.append(Finding(True, f"{name} 从本安装导入：{file}"))
        others = sorted({f for f in found["others"].get(name, []) if not is_ours(f)})
        for other in others:
            findings.append(Finding(None, f"sys.path 上另有一个 {name}：{other}。现在它排在后面，不会被导入；"
                                          "若它所在的文件夹被放到前面，就会遮住 rubricxl 的包"))
    return findings


def install(folder: Path) -> tuple[list[str], list[Finding]]:
    """Build the add-in for the installed xlwings with this PC's settings into ``folder``.

    Returns what was done (Chinese lines) and the check that followed.
    """
    import xlwings

    from .addin_build import build_addin

    path = build_addin(folder, settings=settings())
    done = [
        f"已生成加载项（为 xlwings {xlwings.__version__}）：{path}",
        f"已在加载项的 xlwings.conf 工作表中写入 {INTERPRETER_KEY} = {sys.executable}",
        f"已写入 PYTHONPATH = {ROOT}（本安装的 engine、udfs、xladdin 排在 sys.path 最前）",
        "已关闭 ADD_WORKBOOK_TO_PYTHONPATH（工作簿旁的同名文件不会遮住 rubricxl 的包）",
    ]
    return done, check(folder)
