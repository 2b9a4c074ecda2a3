"""The 评分 tab's buttons: the add-in's VBA dispatcher calls ``dispatch(tag)`` with the button's tag;
xlwings Server and xlwings Lite call the ``@xw.script`` shims at the bottom with the posted book.

Both routes end in ``run(tag, book)``: one handler over an XlwingsHost, one message box. Before
the handler, ``refusal`` says politely why a button must not run (Chinese, nothing changed).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import xlwings as xw

from . import addin_install, handlers, outputs, report as printout
from .hosts.xlwings_host import XlwingsHost
from .layout import find_sheet
from .protocol import ReadError

TITLE = "评分"


def _rescore(host: XlwingsHost) -> str:
    report = handlers.rescore(host)
    issues = outputs.owned_names(host.sheet_names())["issues"]
    hints = len(report.issues) - len(report.errors)
    return (f"重新评分完成：{len(report.result)}个单位，{len(report.errors)}个错误"
            + (f"，{hints}个提示" if hints else "") + (f"（详见「{issues}」表）" if report.issues else ""))


def _report(host: XlwingsHost) -> str:
    report = handlers.report(host)
    return (f"报表已生成：「{printout.SCORE_CARDS}」「{printout.RANKINGS}」（{printout.describe(report.result)}）；"
            "可直接打印，或另存为 PDF")


def _validate(host: XlwingsHost) -> str:
    found = handlers.validate(host, write=True)
    if not found:
        return "校验完成：未发现问题"
    errors = sum(1 for i in found if i.severity == "错误")
    issues = outputs.owned_names(host.sheet_names())["issues"]
    return f"校验完成：{errors}个错误，{len(found) - errors}个提示（详见「{issues}」表）"


def _new(host: XlwingsHost) -> str:
    added = handlers.insert_template(host)
    if not added:
        return "「细则」「数据」「设置」工作表都已存在，未作改动"
    return "已插入示例工作表：" + "、".join(f"「{name}」" for name in added)


def _suggest(host: XlwingsHost) -> str:
    found, _ = handlers.suggest(host)
    if not found:
        return "没有需要推导的行：每个有「评分标准」的细则行都已写有规则"
    filled = sum(s.filled for s in found)
    sure = sum(s.filled and s.proposal.sure for s in found)
    issues = outputs.owned_names(host.sheet_names())["issues"]
    return (f"推导规则完成：{len(found)}行中已填写{filled}行（{sure}行确定，{filled - sure}行存疑），"
            f"{len(found) - filled}行未能推导；已填写的单元格带有批注，请逐行核对（详见「{issues}」表）")


def _export(host: XlwingsHost) -> str:
    """导出公式版: the copy is written beside the saved workbook file (the file is what is copied)."""
    path = None if host.remote else Path(host.book.fullname)
    if path is None or not path.is_file():
        return ("导出公式版需要已保存在磁盘上的工作簿：请先保存，"
                "或在命令行运行 rubricxl export 工作簿.xlsx -o 公式版.xlsx")
    from .hosts.files import FileHost    # here, not at the top: xlwings Lite (Pyodide) has no calamine
    out = path.with_name(f"{path.stem}_公式版{path.suffix}")
    _, summary = handlers.export(FileHost(path, out))
    kept = f"，{summary.kept}个单元格保留数值（见批注）" if summary.kept else ""
    return (f"已导出公式版「{out.name}」（与本工作簿在同一文件夹，按最近一次保存的内容）："
            f"{summary.formulas}个单元格为公式{kept}。对方无需 rubricxl，在 Excel、WPS 或 LibreOffice 中即可重算")


ACTIONS: dict[str, Callable[[XlwingsHost], str]] = {
    "rescore": _rescore,
    "validate": _validate,
    "new": _new,
    "suggest": _suggest,
    "explain": handlers.explain,
    "export": _export,
    "report": _report,
}


# Buttons that change nothing in the workbook (allowed on a read-only one: 导出公式版 writes a
# separate file), and those that work without a 细则 sheet. Every other button writes and needs
# a rubric.
READS_ONLY = {"explain", "export"}
WITHOUT_RUBRIC = {"new"}


def refusal(tag: str, host: XlwingsHost, read_only: bool = False, built_for: str | None = None) -> str | None:
    """Why button ``tag`` must not run on ``host`` (a Chinese message), or None.

    ``built_for`` is the xlwings version the add-in's VBA module loads (its DLL name); after
    ``pip install -U xlwings`` it differs from the Python package and the worksheet functions fail.
    """
    if built_for and built_for != xw.__version__:
        return (f"加载项是为 xlwings {built_for} 生成的，而 Python 中安装的是 xlwings {xw.__version__}，"
                "工作表函数因此无法加载：请在命令提示符中运行 rubricxl addin install，然后重新启动 Excel。")
    foreign = addin_install.foreign_imports()
    if foreign:
        return ("以下 Python 包不是本 rubricxl 安装中的，按钮不能可靠运行："
                + "；".join(f"{name}（来自 {path}）" for name, path in foreign.items())
                + "。请给同名的文件夹或 .py 文件改名或移走，然后运行 rubricxl addin check。")
    if read_only and tag not in READS_ONLY:
        return (f"工作簿「{host.name}」是以只读方式打开的，结果无法保存：请关闭它，以可编辑方式重新打开"
                "（或先另存为），再点击按钮。")
    if tag not in WITHOUT_RUBRIC and find_sheet(host, "rubric") is None:
        return (f"工作簿「{host.name}」中没有「细则」工作表：请先点击“新建细则”插入示例，"
                "或打开含细则的工作簿。")
    return None


def run(tag: str, book, read_only: bool = False, built_for: str | None = None) -> str:
    """Do one button's work on ``book`` and tell the user in a message box; returns the message."""
    action = ACTIONS.get(tag)
    host = XlwingsHost(book)
    refused = refusal(tag, host, read_only, built_for) if action else f"未知的按钮：{tag}"
    if refused:
        message, mode = refused, "critical"
    else:
        try:
            message, mode = action(host), "info"
        except ReadError as exc:
            message, mode = str(exc), "critical"
        except Exception as exc:     # a bug of ours: a plain message box, not a traceback
            message, mode = f"rubricxl 内部错误（{type(exc).__name__}: {exc}），工作簿未被修改，请反馈给维护者", "critical"
    book.app.alert(message, title=TITLE, mode=mode)
    return message


def dispatch(tag: str, built_for: str | None = None, read_only: bool = False) -> None:
    """Called by Rubricxl.bas (RunPython) with the clicked button's tag, the xlwings version
    the add-in was built for and whether the active workbook is read-only."""
    run(tag, xw.Book.caller(), read_only, built_for)


@xw.script(name="重新评分")
def rescore_script(book: xw.Book):
    run("rescore", book)


@xw.script(name="校验细则")
def validate_script(book: xw.Book):
    run("validate", book)


@xw.script(name="新建细则")
def new_script(book: xw.Book):
    run("new", book)


@xw.script(name="推导规则")
def suggest_script(book: xw.Book):
    run("suggest", book)


@xw.script(name="说明")
def explain_script(book: xw.Book):
    run("explain", book)


@xw.script(name="导出公式版")
def export_script(book: xw.Book):
    run("export", book)


@xw.script(name="生成报表")
def report_script(book: xw.Book):
    run("report", book)
