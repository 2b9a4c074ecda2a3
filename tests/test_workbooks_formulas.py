"""Formula cells that were never calculated (a file written by a program, not saved by Excel/WPS)
carry no value: they must be reported as formulas, never read as blanks or zeros."""
import shutil
import subprocess

import openpyxl
import pytest

from xladdin.cli import main
from xladdin.hosts.files import FileHost
from xladdin.handlers import evaluate


def test_uncached_formula_input_is_named_at_its_cell(tmp_path):
    book = tmp_path / "book.xlsx"
    main(["new", str(book)])
    wb = openpyxl.load_workbook(book)
    ws = wb["数据"]
    ws["F2"] = "=315.6*1"            # 下载速率 of 示例单位甲, as a formula openpyxl cannot compute
    wb.save(book)
    report = evaluate(FileHost(book))
    errors = [i for i in report.issues if i.severity == "错误"]
    assert [(i.sheet, i.cell) for i in errors] == [("数据", "F2")]
    assert "尚未计算的公式" in errors[0].message and "=315.6*1" in errors[0].message
    unit = report.result.unit_index("示例单位甲")
    assert report.result.indicator("宽带用户下载速率").score[unit] != report.result.indicator("宽带用户下载速率").score[unit]


@pytest.mark.libreoffice
def test_formulas_with_cached_values_read_as_values(tmp_path):
    # LibreOffice recalculates and stores values: the same workbook then scores without errors
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice (LibreOffice) is not installed")
    book = tmp_path / "book.xlsx"
    main(["new", str(book)])
    wb = openpyxl.load_workbook(book)
    wb["数据"]["F2"] = "=315.6*1"
    wb.save(book)
    out = tmp_path / "lo"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(out), str(book)], check=True, capture_output=True, timeout=180)
    report = evaluate(FileHost(out / "book.xlsx"))
    assert not [i for i in report.issues if i.severity == "错误"]
    assert report.result.indicator("宽带用户下载速率").score[report.result.unit_index("示例单位甲")] == 20
