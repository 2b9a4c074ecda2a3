"""The 评分 tab's buttons: the add-in's VBA dispatcher calls ``dispatch(tag)`` with the button's tag;
xlwings Server and xlwings Lite call the ``@xw.script`` shims at the bottom with the posted book.

Both routes end in ``run(tag, book)``: one handler over an XlwingsHost, one message box.
"""
from __future__ import annotations

from typing import Callable

import xlwings as xw

from . import handlers, outputs, report as printout
from .hosts.xlwings_host import XlwingsHost
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


ACTIONS: dict[str, Callable[[XlwingsHost], str]] = {
    "rescore": _rescore,
    "validate": _validate,
    "new": _new,
    "explain": handlers.explain,
    "report": _report,
}


def run(tag: str, book) -> str:
    """Do one button's work on ``book`` and tell the user in a message box; returns the message."""
    action = ACTIONS.get(tag)
    if action is None:
        message, mode = f"未知的按钮：{tag}", "critical"
    else:
        try:
            message, mode = action(XlwingsHost(book)), "info"
        except ReadError as exc:
            message, mode = str(exc), "critical"
        except Exception as exc:     # a bug of ours: a plain message box, not a traceback
            message, mode = f"rubricxl 内部错误（{type(exc).__name__}: {exc}），工作簿未被修改，请反馈给维护者", "critical"
    book.app.alert(message, title=TITLE, mode=mode)
    return message


def dispatch(tag: str) -> None:
    """Called by Rubricxl.bas (RunPython) with the clicked button's tag."""
    run(tag, xw.Book.caller())


@xw.script(name="重新评分")
def rescore_script(book: xw.Book):
    run("rescore", book)


@xw.script(name="校验细则")
def validate_script(book: xw.Book):
    run("validate", book)


@xw.script(name="新建细则")
def new_script(book: xw.Book):
    run("new", book)


@xw.script(name="说明")
def explain_script(book: xw.Book):
    run("explain", book)


@xw.script(name="生成报表")
def report_script(book: xw.Book):
    run("report", book)
