"""The ribbon dispatcher's polite refusals, on a stand-in for an xlwings Book (Excel is not
needed to decide them): each shows one Chinese message box and runs no handler."""
from __future__ import annotations

import sys
import types

import pytest
import xlwings

from xladdin import ribbon


class Book:
    """What ribbon.run touches of an xlwings Book: its name, sheets and app.alert."""

    def __init__(self, name: str, sheets: list[str]):
        self.name = name
        self.sheets = [types.SimpleNamespace(name=n) for n in sheets]
        self.alerts: list[tuple[str, str]] = []
        self.app = types.SimpleNamespace(engine=types.SimpleNamespace(name="excel"), alert=self._alert)

    def _alert(self, message, title, mode):
        self.alerts.append((title, message, mode))


@pytest.fixture
def no_handler(monkeypatch):
    """Every button's handler replaced by one that records it ran."""
    ran = []
    for tag in list(ribbon.ACTIONS):
        monkeypatch.setitem(ribbon.ACTIONS, tag, lambda host, tag=tag: ran.append(tag) or f"{tag} 完成")
    return ran


def test_a_read_only_workbook_is_refused_for_buttons_that_write(no_handler):
    book = Book("考核.xlsx", ["细则", "数据"])
    message = ribbon.run("rescore", book, read_only=True)
    assert message == ("工作簿「考核.xlsx」是以只读方式打开的，结果无法保存：请关闭它，以可编辑方式重新打开"
                       "（或先另存为），再点击按钮。")
    assert book.alerts == [("评分", message, "critical")] and no_handler == []
    # 说明 only reads: allowed
    assert ribbon.run("explain", book, read_only=True) == "explain 完成"


def test_a_workbook_without_a_rubric_is_refused_except_for_new(no_handler):
    book = Book("空白.xlsx", ["Sheet1"])
    message = ribbon.run("validate", book)
    assert message == "工作簿「空白.xlsx」中没有「细则」工作表：请先点击“新建细则”插入示例，或打开含细则的工作簿。"
    assert no_handler == []
    assert ribbon.run("new", book) == "new 完成"
    # the English sheet name is a rubric too
    assert ribbon.run("validate", Book("en.xlsx", ["Rubric"])) == "validate 完成"


def test_an_addin_built_for_another_xlwings_says_to_install_again(no_handler):
    book = Book("考核.xlsx", ["细则"])
    message = ribbon.run("rescore", book, built_for="0.30.0")
    assert message == (f"加载项是为 xlwings 0.30.0 生成的，而 Python 中安装的是 xlwings {xlwings.__version__}，"
                       "工作表函数因此无法加载：请在命令提示符中运行 rubricxl addin install，然后重新启动 Excel。")
    assert no_handler == []
    assert ribbon.run("rescore", book, built_for=xlwings.__version__) == "rescore 完成"


def test_a_foreign_engine_package_is_named_and_refused(no_handler, monkeypatch, tmp_path):
    foreign = types.ModuleType("engine")
    foreign.__file__ = str(tmp_path / "engine" / "__init__.py")
    monkeypatch.setitem(sys.modules, "engine", foreign)
    message = ribbon.run("rescore", Book("考核.xlsx", ["细则"]))
    assert message == (f"以下 Python 包不是本 rubricxl 安装中的，按钮不能可靠运行：engine（来自 {foreign.__file__}）。"
                       "请给同名的文件夹或 .py 文件改名或移走，然后运行 rubricxl addin check。")
    assert no_handler == []


def test_dispatch_passes_what_the_vba_dispatcher_sends(no_handler, monkeypatch):
    """Rubricxl.bas runs r.dispatch('<tag>', '<XLWINGS_VERSION>', <ActiveWorkbook.ReadOnly>)."""
    book = Book("考核.xlsx", ["细则"])
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book), raising=False)
    ribbon.dispatch("rescore", xlwings.__version__, True)
    assert book.alerts[-1][1].startswith("工作簿「考核.xlsx」是以只读方式打开的")
    ribbon.dispatch("rescore", xlwings.__version__, False)
    assert book.alerts[-1] == ("评分", "rescore 完成", "info")
