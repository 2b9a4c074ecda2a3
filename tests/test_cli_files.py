"""What the command line does with the files people actually have: other formats, folders, empty
and password-protected files, workbooks open in Excel/WPS/LibreOffice, read-only files, missing
output folders, `new` on a workbook that holds data — and that it speaks Chinese throughout."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from tests.test_workbooks_reading import sheet_rows, write_book
from xladdin import cli

ROOT = Path(__file__).resolve().parent.parent
HEAD = ["编号", "一级指标", "二级指标", "分值", "规则", "输入"]
SAVE_AS = "请在 Excel 或 WPS 中打开，「另存为」Excel 工作簿（.xlsx）后再试"


def small_book(path: Path) -> Path:
    return write_book(path, {"细则": [HEAD, ["1", "工作", "完成情况", 100, "ratio", "完成率"]],
                             "数据": [["单位", "完成率"], ["甲", 0.95]]})


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


# ------------------------------------------------------------------ files that are not .xlsx

@pytest.mark.parametrize("suffix, what", [
    (".xls", "旧版 Excel 97-2003 工作簿（.xls）"), (".et", "WPS 表格文件（.et）"),
    (".ods", "OpenDocument 电子表格（.ods）"), (".csv", "CSV 文本文件（.csv）"),
])
def test_rescored_a_file_of_another_format(tmp_path, capsys, suffix, what):
    path = tmp_path / f"考核{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 if suffix != ".csv" else "单位,完成率\n甲,95%\n".encode())
    code, out, err = run_cli(capsys, "rescore", path)
    assert code == 2 and not out
    assert err.strip() == f"错误：「考核{suffix}」是{what}，rubricxl 只读写 .xlsx/.xlsm 工作簿：{SAVE_AS}"
    assert "内部错误" not in err


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_rescored_an_old_xls_renamed_to_xlsx(tmp_path, capsys):
    """A real .xls (written by LibreOffice) whose name was changed to .xlsx is told apart by content."""
    src = small_book(tmp_path / "book.xlsx")
    subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "xls",
                    "--outdir", str(tmp_path / "xls"), str(src)], check=True, capture_output=True, timeout=120)
    renamed = tmp_path / "改过名.xlsx"
    shutil.copy(tmp_path / "xls" / "book.xls", renamed)
    code, _, err = run_cli(capsys, "validate", renamed)
    assert code == 2
    assert err.strip() == f"错误：「改过名.xlsx」实为旧版 Excel 97-2003 工作簿（.xls 格式），rubricxl 只读写 .xlsx/.xlsm：{SAVE_AS}"


def test_rescored_a_folder(tmp_path, capsys):
    code, _, err = run_cli(capsys, "rescore", tmp_path)
    assert code == 2 and err.strip() == f"错误：「{tmp_path}」是文件夹，不是工作簿：请给出其中一个 .xlsx 文件"


def test_rescored_an_empty_file(tmp_path, capsys):
    (tmp_path / "空.xlsx").touch()
    code, _, err = run_cli(capsys, "rescore", tmp_path / "空.xlsx")
    assert code == 2 and err.strip() == "错误：「空.xlsx」是空文件（0字节），不是工作簿"


def test_rescored_a_password_protected_workbook(tmp_path, capsys):
    plain = small_book(tmp_path / "plain.xlsx")
    locked = tmp_path / "加密.xlsx"
    with plain.open("rb") as fh, locked.open("wb") as out:
        OOXMLFile(fh).encrypt("密码", out)
    before = locked.read_bytes()
    code, _, err = run_cli(capsys, "rescore", locked)
    assert code == 2 and "「加密.xlsx」设有打开密码（已加密），rubricxl 无法读取" in err
    assert locked.read_bytes() == before


def test_rescored_a_text_file_named_xlsx(tmp_path, capsys):
    (tmp_path / "x.xlsx").write_text("单位,完成率\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "rescore", tmp_path / "x.xlsx")
    assert code == 2 and err.strip() == f"错误：「x.xlsx」不是 Excel 工作簿（.xlsx/.xlsm）：{SAVE_AS}"


# ------------------------------------------------------------------ where the result is written

@pytest.mark.parametrize("lock", ["~$考核.xlsx", ".~lock.考核.xlsx#"])
def test_rescored_a_workbook_open_in_excel_wps_or_libreoffice(tmp_path, capsys, lock):
    book = small_book(tmp_path / "考核.xlsx")
    (tmp_path / lock).write_bytes(b"user")
    before = book.read_bytes()
    code, _, err = run_cli(capsys, "rescore", book, "-q")
    assert code == 2 and book.read_bytes() == before
    assert err.strip() == (f"错误：「考核.xlsx」正在 Excel、WPS 或 LibreOffice 中打开（发现锁定文件「{lock}」），"
                           "未写入：请先关闭该工作簿，或用 -o 写入另一个文件")
    assert run_cli(capsys, "rescore", book, "-q", "-o", tmp_path / "副本.xlsx")[0] == 0
    assert sheet_rows(tmp_path / "副本.xlsx", "得分")[0]["总分"] == 95
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["考核.xlsx", "副本.xlsx", lock])


def test_rescored_a_read_only_workbook(tmp_path, capsys):
    book = small_book(tmp_path / "只读.xlsx")
    book.chmod(0o444)
    before = book.read_bytes()
    code, _, err = run_cli(capsys, "rescore", book, "-q")
    assert code == 2 and book.read_bytes() == before
    assert err.strip() == "错误：「只读.xlsx」是只读文件，未修改：请取消只读属性，或用 -o 写入另一个文件"


def test_output_into_folders_that_do_not_exist_yet(tmp_path, capsys):
    book = small_book(tmp_path / "b.xlsx")
    target = tmp_path / "结果" / "2024" / "b.xlsx"
    assert run_cli(capsys, "rescore", book, "-q", "-o", target)[0] == 0
    assert sheet_rows(target, "得分")[0]["总分"] == 95


def test_output_named_xls(tmp_path, capsys):
    book = small_book(tmp_path / "b.xlsx")
    code, _, err = run_cli(capsys, "rescore", book, "-o", tmp_path / "b.xls")
    assert code == 2 and err.strip() == "错误：输出文件「b.xls」应以 .xlsx 或 .xlsm 结尾（rubricxl 写出的是 Excel 工作簿）"
    assert not (tmp_path / "b.xls").exists()


# ------------------------------------------------------------------ new never overwrites data

def test_new_on_a_workbook_full_of_data_even_with_force(tmp_path, capsys):
    book = small_book(tmp_path / "mywork.xlsx")
    before = book.read_bytes()
    for extra in ([], ["--force"]):
        code, _, err = run_cli(capsys, "new", book, *extra)
        assert code == 2 and book.read_bytes() == before
        assert err.strip() == ("错误：「" + str(book) + "」已有「细则」工作表，未修改（rubricxl new 不会覆盖已有数据，"
                               "--force 也只替换空工作簿）：请换一个文件名")


def test_new_on_a_workbook_without_a_rubric_adds_the_example_sheets(tmp_path, capsys):
    book = write_book(tmp_path / "台账.xlsx", {"台账": [["单位", "备注"], ["甲", "保留"]]})
    code, out, _ = run_cli(capsys, "new", book)
    assert code == 0 and out.strip() == f"已在「{book}」中加入示例工作表：细则、数据、设置（原有工作表未改动）"
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["台账", "细则", "数据", "设置"]
    assert [[c.value for c in r] for r in wb["台账"].iter_rows()] == [["单位", "备注"], ["甲", "保留"]]


def test_new_with_force_on_an_empty_workbook(tmp_path, capsys):
    book = write_book(tmp_path / "空白.xlsx", {"Sheet1": []})
    code, out, _ = run_cli(capsys, "new", book, "--force")
    assert code == 0 and "原工作簿为空，已替换" in out
    assert openpyxl.load_workbook(book).sheetnames == ["细则", "数据", "设置"]


def test_new_into_a_folder_that_does_not_exist(tmp_path, capsys):
    assert run_cli(capsys, "new", tmp_path / "新" / "细则.xlsx")[0] == 0
    assert openpyxl.load_workbook(tmp_path / "新" / "细则.xlsx").sheetnames == ["细则", "数据", "设置"]


# ------------------------------------------------------------------ the command line in Chinese

def _subcommands(parser, prefix=()):
    yield prefix, parser
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield from _subcommands(sub, prefix + (name,))


ENGLISH = re.compile(r"\b(usage|options|positional arguments|show this help|error|required|invalid|"
                     r"unrecognized|expected|argument)\b", re.I)


def test_asked_every_command_for_help(capsys):
    commands = list(_subcommands(cli.parser()))
    assert {c for c, _ in commands} >= {(), ("rescore",), ("validate",), ("new",), ("demo",), ("sensitivity",),
                                        ("addin",), ("addin", "build")}
    for command, _ in commands:
        with pytest.raises(SystemExit) as done:
            cli.main([*command, "--help"])
        assert done.value.code == 0, command
        text = capsys.readouterr().out
        assert text.startswith("用法：rubricxl") and "选项" in text, command
        assert not ENGLISH.search(text), (command, ENGLISH.search(text))


def test_every_option_says_what_it_does():
    for command, parser in _subcommands(cli.parser()):
        for action in parser._actions:
            if action.__class__.__name__ != "_SubParsersAction":
                assert action.help and re.search(r"[\u4e00-\u9fff]", action.help), (command, action.dest)


@pytest.mark.parametrize("argv, said", [
    (["rescore"], "rubricxl rescore：错误：缺少必需的参数：工作簿"),
    (["rescroe", "a.xlsx"], "rubricxl：错误：没有命令 'rescroe'（可用：'rescore', 'export', 'report', 'validate', 'new', "
                            "'rule', 'suggest', 'demo', 'sensitivity', 'addin'"),
    (["demo", "--limit", "几个"], "rubricxl demo：错误：参数 --limit 应为整数，而不是 '几个'"),
    (["sensitivity", "a.xlsx", "--mode", "random"], "rubricxl sensitivity：错误：参数 --mode 的值 'random' 无效"),
    (["validate", "a.xlsx", "--fast"], "rubricxl：错误：无法识别的参数：--fast"),
    (["rule", "每发现一处错误扣0.5分", "--points", "abc"], "rubricxl rule：错误：参数 --points：分值应为不小于0的数，而不是「abc」"),
])
def test_mistyped_the_command_line(capsys, argv, said):
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：rubricxl") and said in err
    assert not ENGLISH.search(err), ENGLISH.search(err)


def test_readme_lists_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command, _ in _subcommands(cli.parser()):
        if command:
            assert f"rubricxl {' '.join(command)}" in readme, command


def test_help_runs_as_a_program():
    """`python -m xladdin.cli sensitivity --help` in a fresh interpreter (its help text holds a '%')."""
    done = subprocess.run([sys.executable, "-m", "xladdin.cli", "sensitivity", "--help"], capture_output=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0 and "±20%" in done.stdout.decode("utf-8")
