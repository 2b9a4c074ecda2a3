"""Benchmark: the 公式版 of a 10,000-unit × 20-indicator rubric, recalculated by LibreOffice.

Times ``rubricxl export`` (read, score, compile, write the copy), then LibreOffice headless
recalculating every formula of the copy (forced on load) and saving it, then compares every
formula cell of 得分 and 平均 with the value rubricxl cached there. Prints progress, then one JSON
line last: units, indicators, export_seconds, libreoffice_seconds, cells_compared, mismatches, and
the CPU seconds of both sides with the load average (wall time on a shared machine is noisy).

Run: python -m bench.export [--quick] [--keep DIR]   (--quick: 1,000 units)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.rescore import INDICATORS, generate_data, libreoffice_recalc, write_rubric_book
from xladdin import cli
from xladdin.recalc import compare


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 units instead of 10,000")
    ap.add_argument("--keep", help="keep the generated and recalculated workbooks in this folder")
    args = ap.parse_args(argv)
    n = 1_000 if args.quick else 10_000
    with tempfile.TemporaryDirectory(prefix="rubricxl-export-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        book, copy = work / "rubric.xlsx", work / "公式版.xlsx"
        print(f"generating {n} units x {len(INDICATORS)} indicators", flush=True)
        write_rubric_book(book, generate_data(n))
        t0, c0 = time.perf_counter(), cpu(resource.RUSAGE_SELF)
        code = cli.main(["export", str(book), "-o", str(copy), "-q"])
        export_seconds, export_cpu = time.perf_counter() - t0, cpu(resource.RUSAGE_SELF) - c0
        if code != 0:
            sys.exit(f"rubricxl export exited with {code}: the generated rubric should have no errors")
        print(f"  export {export_seconds:.2f}s ({copy.stat().st_size / 1e6:.1f} MB)", flush=True)
        libreoffice_recalc(book, work / "warm-up", work)         # untimed: makes the recalculating profile
        c0 = cpu(resource.RUSAGE_CHILDREN)
        lo_seconds = libreoffice_recalc(copy, work / "recalculated", work)
        lo_cpu = cpu(resource.RUSAGE_CHILDREN) - c0
        back = work / "recalculated" / copy.name
        print(f"  LibreOffice recalculation {lo_seconds:.2f}s", flush=True)
        result = compare(copy, back)
        for sheet, cell, ours, theirs, formula in result.mismatches[:5]:
            print(f"  mismatch {sheet}!{cell}: rubricxl {ours!r} vs LibreOffice {theirs!r}  ={formula[:200]}", flush=True)
    print(json.dumps({"units": n, "indicators": len(INDICATORS), "export_seconds": round(export_seconds, 3),
                      "libreoffice_seconds": round(lo_seconds, 3), "cells_compared": result.cells,
                      "mismatches": len(result.mismatches), "export_cpu_seconds": round(export_cpu, 3),
                      "libreoffice_cpu_seconds": round(lo_cpu, 3), "load_average": round(os.getloadavg()[0], 1)}))
    if result.mismatches:
        sys.exit(1)


def cpu(who: int) -> float:
    """User + system CPU seconds of this process or of its finished children: on a shared machine
    the wall-clock seconds say more about the neighbours than about the work."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
