"""Benchmark of `rubricxl addin install` and `rubricxl addin check` (the one-command install).

Installs into a temporary folder (as `--dir` does) three times, checks three times, and reports
medians: the build alone, install (build + write + check) and check (mostly the interpreter
subprocess that imports engine, udfs and xladdin as Excel would). Also the size of the add-in,
the number of functions its Workbook_Open registers, and whether every VBA module is ASCII.
No target: both run once per installation; they should stay well under the few seconds a
user waits for a command.
Run: python -m bench.addin
"""
from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import olefile
from oletools.olevba import decompress_stream

from xladdin import addin_install
from xladdin.addin_build import build_addin

REPEATS = 3


def median_seconds(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "xlstart"
        build = median_seconds(lambda: build_addin(Path(tmp) / "plain"))
        print(f"build: {build:.2f} s", flush=True)
        results = []
        install = median_seconds(lambda: results.append(addin_install.install(folder)))
        print(f"install: {install:.2f} s", flush=True)
        check = median_seconds(lambda: results.append((None, addin_install.check(folder))))
        print(f"check: {check:.2f} s", flush=True)
        failed = sorted({f.text for _, findings in results for f in findings if f.ok is False})
        addin = folder / "rubricxl.xlam"
        with zipfile.ZipFile(addin) as archive:
            ole = olefile.OleFileIO(archive.read("xl/vbaProject.bin"))
        modules = {path[-1]: bytes(decompress_stream(bytearray(ole.openstream(path).read())))
                   for path in ole.listdir() if path[0] == "VBA" and path[-1] not in ("dir", "_VBA_PROJECT")
                   and not path[-1].startswith("__SRP")}
        registered = len(re.findall(rb"^\s*Application\.MacroOptions ", modules["RubricxlText"], re.MULTILINE))
        print(json.dumps({
            "build_s": round(build, 2), "install_s": round(install, 2), "check_s": round(check, 2),
            "xlam_bytes": addin.stat().st_size, "functions_registered": registered,
            "vba_modules": len(modules), "vba_ascii": all(code.isascii() for code in modules.values()),
            "check_failures": failed,
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()
