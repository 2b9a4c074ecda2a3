"""PDF through LibreOffice headless: ``rubricxl report --pdf`` and the sample renderer use it.

LibreOffice prints a workbook the way the package's page setup says (orientation, fit to width,
print titles, page breaks), so the PDF is what an official gets from Excel's 打印.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .protocol import ReadError

TIMEOUT = 600


def soffice() -> str | None:
    """The LibreOffice executable, or None where it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(files: list[Path], outdir: Path) -> list[Path]:
    """Convert workbooks to PDF in one LibreOffice run (one start-up); returns the PDF paths.

    Raises ReadError (Chinese) when LibreOffice is missing or fails.
    """
    exe = soffice()
    if exe is None:
        raise ReadError("未找到 LibreOffice（soffice），无法生成 PDF；请安装 LibreOffice 后重试，"
                        "或在 Excel/WPS 中打开工作簿另存为 PDF")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rubricxl-lo-") as profile:
        try:
            run = subprocess.run([exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                                  "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)],
                                 capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ReadError(f"LibreOffice 转换 PDF 超过 {TIMEOUT} 秒仍未完成") from None
    pdfs = [outdir / (Path(f).stem + ".pdf") for f in files]
    missing = [p.name for p in pdfs if not p.exists()]
    if run.returncode != 0 or missing:
        raise ReadError(f"LibreOffice 未能生成 PDF（{'、'.join(missing) or run.returncode}）：{run.stderr.strip()[-300:]}")
    return pdfs
