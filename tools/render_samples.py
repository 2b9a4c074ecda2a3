"""Render every sample's owned sheets to PDF and PNG, so anyone can look at what officials print.

    python -m tools.render_samples [--out out/render] [--samples workbooks] [--dpi 60] [--no-png]

Each sample is rescored (and its 评分表/排名表 written) into OUT; each owned sheet is then cut into
a workbook of its own (the package writer drops the other sheets, page setup kept), all of them
converted to PDF in one LibreOffice run, and every page turned into a PNG by pdftoppm. The last
line printed is JSON: sample → sheet → {pages, landscape}.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from xladdin import handlers
from xladdin.hosts.files import FileHost
from xladdin.pdf import to_pdf
from xladdin.xlsxpkg import write_package

ROOT = Path(__file__).resolve().parent.parent
OWNED = ("得分", "平均", "评分过程", "问题", "入选", "敏感性", "评分表", "排名表")
_PAGE = re.compile(r"^Page\s+\d+\s+size:\s+([\d.]+)\s+x\s+([\d.]+)", re.M)


def pages(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page, read by poppler's pdfinfo."""
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "100000", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return [(float(w), float(h)) for w, h in _PAGE.findall(out)]


def split_sheets(book: Path, folder: Path) -> dict[str, Path]:
    """One workbook per owned sheet of ``book`` (every other sheet removed), named <book>__<sheet>."""
    names = FileHost(book).sheet_names()
    out = {}
    for sheet in (n for n in names if n in OWNED):
        target = folder / f"{book.stem}__{sheet}.xlsx"
        write_package(book, target, [], remove=[n for n in names if n != sheet])
        out[sheet] = target
    return out


def rescore(book: Path, folder: Path) -> Path:
    """Rescore a sample into ``folder`` and add the printable report where the code offers one."""
    target = folder / book.name
    host = FileHost(book, target)
    handlers.rescore(host)
    if hasattr(handlers, "report"):
        handlers.report(FileHost(target))
    return target


def render(samples: list[Path], out: Path, dpi: int = 60, png: bool = True) -> dict:
    """Rescore, split, convert; → {sample stem: {sheet: {"pages": n, "landscape": bool}}}."""
    books, split = out / "books", out / "sheets"
    for d in (books, split, out / "pdf", out / "png"):
        d.mkdir(parents=True, exist_ok=True)
    parts: dict[str, dict[str, Path]] = {}
    for sample in samples:
        parts[sample.stem] = split_sheets(rescore(sample, books), split)
    files = [p for sheets in parts.values() for p in sheets.values()]
    to_pdf(files, out / "pdf")
    summary: dict = {}
    for stem, sheets in parts.items():
        for sheet, part in sheets.items():
            pdf = out / "pdf" / (part.stem + ".pdf")
            sizes = pages(pdf)
            summary.setdefault(stem, {})[sheet] = {"pages": len(sizes),
                                                   "landscape": all(w > h for w, h in sizes)}
            if png:
                subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / "png" / part.stem)],
                               check=True)
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.render_samples", description="把示例工作簿的输出表渲染为 PDF 和 PNG")
    p.add_argument("--out", default=str(ROOT / "out" / "render"), help="输出目录（默认 out/render）")
    p.add_argument("--samples", default=str(ROOT / "workbooks"), help="示例目录（默认 workbooks/）")
    p.add_argument("--dpi", type=int, default=60)
    p.add_argument("--no-png", action="store_true", help="只生成 PDF 和页数")
    args = p.parse_args(argv)
    samples = sorted(b for b in Path(args.samples).glob("*.xlsx") if not b.name.startswith("~$"))
    summary = render(samples, Path(args.out), args.dpi, not args.no_png)
    for stem, sheets in summary.items():
        print(stem + "：" + "，".join(f"{s} {v['pages']}页{'横向' if v['landscape'] else '纵向'}" for s, v in sheets.items()))
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
