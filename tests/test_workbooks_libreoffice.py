"""Rescored workbooks open in a real spreadsheet client: LibreOffice headless renders every one
to PDF and, converting one back to .xlsx, shows the same 得分 numbers rubricxl wrote."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_workbooks_reading import sheet_rows
from xladdin import cli

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")]


def soffice(tmp: Path, fmt: str, outdir: Path, files: list[Path]) -> None:
    """One headless conversion run over all files (one start-up), with a throwaway profile."""
    profile = (tmp / "lo-profile").as_uri()
    run = subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                          "--outdir", str(outdir), *map(str, files)],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr


@pytest.fixture(scope="module")
def rescored(tmp_path_factory) -> list[Path]:
    """The blank template and every sample, rescored into a scratch folder."""
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("rescored")
    template = src / "模板.xlsx"
    assert cli.main(["new", str(template)]) == 0
    books = []
    for book in [template, *sorted(SAMPLES.glob("*.xlsx"))]:
        if book.name.startswith("~$"):
            continue
        target = out / book.name
        assert cli.main(["rescore", str(book), "-o", str(target), "-q"]) in (0, 1), book.name
        books.append(target)
    return books


def test_every_rescored_workbook_renders_to_pdf(rescored, tmp_path):
    pdfs = tmp_path / "pdf"
    soffice(tmp_path, "pdf", pdfs, rescored)
    for book in rescored:
        pdf = pdfs / (book.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice produced no PDF for {book.name}"
        head = pdf.read_bytes()[:5]
        assert head == b"%PDF-" and pdf.stat().st_size > 1000, book.name


def test_libreoffice_reads_the_same_scores(rescored, tmp_path):
    book = rescored[0]                                        # the template: always present
    back = tmp_path / "back"
    soffice(tmp_path, "xlsx", back, [book])
    ours = sheet_rows(book, "得分")
    theirs = sheet_rows(back / book.name, "得分", data_only=True)
    assert len(ours) == len(theirs) == 3
    blank = lambda v: None if v == "" else v
    for a, b in zip(ours, theirs):
        assert {k: blank(v) for k, v in a.items()} == {k: blank(v) for k, v in b.items()}
    # And those are the template's scores (xladdin/template.py, worked out by hand): of 100 points
    # 甲 loses 1 on 1 (好 9 of 10), 2 on 2 (8 of 10), 0.8 on 4 (48/50 of 20), 0.59 on 5 (94.05% of
    # 10 = 9.405 → 9.41 half-up), 1.5 on 6 (3 whole 1% steps × 5% of 10), nothing on 3, 7, 8: 94.11.
    assert theirs[0]["单位"] == "示例单位甲" and theirs[0]["总分"] == pytest.approx(94.11, abs=1e-9)


def test_libreoffice_keeps_the_chart_and_the_colour_scale(rescored, tmp_path):
    """The 总分 chart and colour scale are real Excel objects: LibreOffice reads them and writes
    them back (a picture or a broken part would be dropped on the way)."""
    import re
    import zipfile
    book = rescored[0]
    back = tmp_path / "back"
    soffice(tmp_path, "xlsx", back, [book])
    with zipfile.ZipFile(back / book.name) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)]
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(charts) == 1 and "barChart" in charts[0]
    # the 3 units of the template, plotted by rank with their totals, on an axis from 0
    assert all(u in charts[0] for u in ("示例单位甲", "示例单位乙", "示例单位丙")) and "94.11" in charts[0]
    assert re.search(r'<c:min val="0"/>', charts[0])
    assert any("colorScale" in s for s in sheets)
