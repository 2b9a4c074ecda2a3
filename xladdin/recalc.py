"""A real client recalculates the formula copy: LibreOffice headless, recalculation forced on load.

LibreOffice keeps the cached values of an .xlsx unless its profile says to recalculate on load
(``OOXMLRecalcMode`` = 0), so a private profile with that setting is written first. Many workbooks
go through one soffice run (one start-up). ``compare`` then puts every formula cell's recalculated
value beside the value rubricxl cached there.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from .protocol import ReadError

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""
TIMEOUT = 1800


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def profile(folder: Path) -> Path:
    """A LibreOffice user profile that recalculates every formula of an .xlsx when loading it."""
    xcu = folder / "user" / "registrymodifications.xcu"
    if not xcu.exists():
        xcu.parent.mkdir(parents=True, exist_ok=True)
        xcu.write_text(RECALC_ALWAYS, encoding="utf-8")
    return folder


def recalculate(files: list[Path], outdir: Path, profile_dir: Path) -> list[Path]:
    """Load, recalculate and save each workbook as .xlsx into outdir, in one soffice run."""
    exe = soffice()
    if exe is None:
        raise ReadError("未找到 LibreOffice（soffice），无法用它重算公式版")
    outdir.mkdir(parents=True, exist_ok=True)
    prof = profile(profile_dir)
    run = subprocess.run([exe, f"-env:UserInstallation={prof.as_uri()}", "--headless", "--convert-to", "xlsx",
                          "--outdir", str(outdir), *map(str, files)], capture_output=True, text=True, timeout=TIMEOUT)
    xcu = prof / "user" / "registrymodifications.xcu"
    if "OOXMLRecalcMode" not in xcu.read_text(encoding="utf-8"):
        raise ReadError("LibreOffice 丢弃了“加载时重算”的设置，结果不可信")
    out = [outdir / (Path(f).stem + ".xlsx") for f in files]
    missing = [p.name for p in out if not p.exists()]
    if run.returncode != 0 or missing:
        raise ReadError(f"LibreOffice 未能重算（{'、'.join(missing) or run.returncode}）：{run.stderr.strip()[-300:]}")
    return out


@dataclass
class Comparison:
    """Formula cells compared, and the ones whose recalculated value differs from rubricxl's."""

    cells: int = 0
    mismatches: list[tuple[str, str, object, object, str]] = field(default_factory=list)  # sheet, cell, ours, theirs, formula


def same(ours, theirs) -> bool:
    """Equal as a reader sees them: blank is blank ('' or None), numbers to 1e-9 relative."""
    ours, theirs = (None if v == "" else v for v in (ours, theirs))
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)) \
            and not isinstance(ours, bool) and not isinstance(theirs, bool):
        return abs(ours - theirs) <= 1e-9 * max(1.0, abs(ours))
    return ours == theirs


def compare(exported: Path, recalculated: Path, sheets: tuple[str, ...] = ("得分", "平均")) -> Comparison:
    """Every formula cell of ``sheets``: its cached value (rubricxl's) against LibreOffice's."""
    result = Comparison()
    formulas = openpyxl.load_workbook(exported, read_only=True)
    cached = openpyxl.load_workbook(exported, read_only=True, data_only=True)
    theirs = openpyxl.load_workbook(recalculated, read_only=True, data_only=True)
    for name in sheets:
        if name not in formulas.sheetnames:
            continue
        rows = zip(formulas[name].iter_rows(), cached[name].iter_rows(values_only=True),
                   theirs[name].iter_rows(values_only=True))
        for f_row, c_row, t_row in rows:
            for k, cell in enumerate(f_row):
                if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    continue
                result.cells += 1
                ours = c_row[k] if k < len(c_row) else None
                got = t_row[k] if k < len(t_row) else None
                if not same(ours, got):
                    result.mismatches.append((name, cell.coordinate, ours, got, cell.value))
    return result
