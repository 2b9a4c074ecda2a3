"""Pulling the plug mid-write never leaves a broken workbook: a rescore process killed with
SIGKILL at random moments while it writes a large workbook leaves either the original, byte for
byte, or the complete new file — never a half-written one."""
from __future__ import annotations

import os
import random
import re
import signal
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xladdin import cli

UNITS, INDICATORS, LEDGER_ROWS = 300, 10, 15_000


def big_book(path: Path) -> Path:
    """A rubric with a large ledger sheet of the user's beside it: what the rescore copies byte
    for byte is most of what it writes (several MB), so the write takes a while."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("细则")
    ws.append(["编号", "一级指标", "二级指标", "分值", "规则", "输入"])
    for k in range(INDICATORS):
        ws.append([str(k + 1), "工作", f"指标{k + 1}", 10, "ratio", f"完成率{k + 1}"])
    data = wb.create_sheet("数据")
    data.append(["单位"] + [f"完成率{k + 1}" for k in range(INDICATORS)])
    rng = random.Random(7)
    for u in range(UNITS):
        data.append([f"单位{u:04d}"] + [round(rng.random(), 4) for _ in range(INDICATORS)])
    ledger = wb.create_sheet("台账")
    for r in range(LEDGER_ROWS):
        ledger.append([r, rng.random(), rng.random(), f"项目{rng.getrandbits(40):x}"])
    wb.save(path)
    return path


def rescore_in_child(path: Path, kill_after: float | None = None) -> float:
    """Fork a process that rescores ``path`` in place. With ``kill_after``, SIGKILL it that many
    seconds after its temp file appears beside ``path`` (the write has begun); → seconds from the
    temp file's appearance to the child's end (its write time, when not killed)."""
    pid = os.fork()
    if pid == 0:                                    # the child: a rescore, nothing else
        code = 3
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            code = cli.main(["rescore", str(path), "-q"])
        finally:
            os._exit(code)
    earlier = {p.name for p in path.parent.iterdir()}      # temp files of killed runs stay
    writing = None
    while writing is None:
        if any(p.name.endswith(".tmp") and p.name not in earlier for p in path.parent.iterdir()):
            writing = time.perf_counter()
        elif os.waitpid(pid, os.WNOHANG) != (0, 0):
            raise AssertionError("the rescore ended without writing")
        else:
            time.sleep(0.0005)
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if kill_after is None:
        assert os.waitstatus_to_exitcode(status) == 0
    return time.perf_counter() - writing


def complete(path: Path) -> bool:
    """A whole, readable workbook whose 得分 lists every unit."""
    with zipfile.ZipFile(path) as z:
        if z.testzip() is not None:
            return False
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("得分").to_python()
    return len(rows) == UNITS + 1 and rows[-1][0] == f"单位{UNITS - 1:04d}"


@pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL are POSIX")
def test_rescore_killed_at_random_moments_while_writing(tmp_path):
    book = big_book(tmp_path / "大表.xlsx")
    rescore_in_child(book)                         # the first rescore adds the output sheets
    assert complete(book)
    write = rescore_in_child(book)                 # how long writing takes once they exist
    rng = random.Random(2024)
    outcomes = {"original": 0, "new": 0}
    for _ in range(20):
        before, inode = book.read_bytes(), book.stat().st_ino
        rescore_in_child(book, rng.uniform(0, 1.3 * write))
        if book.stat().st_ino == inode:             # never replaced: the original, byte for byte
            assert book.read_bytes() == before
            outcomes["original"] += 1
        else:                                       # renamed into place: the whole new file
            assert complete(book)
            outcomes["new"] += 1
        debris = [p.name for p in tmp_path.iterdir() if p.name != book.name]
        assert all(re.fullmatch(r"\.大表\.xlsx\..+\.tmp", n) for n in debris), debris
    assert outcomes["original"] >= 1 and outcomes["new"] >= 1, outcomes   # kills on both sides of the rename
    # A temp file that a killed process could not remove is never mistaken for the workbook:
    # an uninterrupted rescore afterwards writes a complete file and removes them.
    rescore_in_child(book)
    assert complete(book)
    assert [p.name for p in tmp_path.iterdir()] == [book.name]
