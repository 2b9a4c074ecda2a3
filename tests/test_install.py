"""A plain (non-editable) install runs: the sample workbooks ship as package data, so `rubricxl
demo` and `rubricxl new` work from a wheel in any folder, not only from a clone."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = set(find_packages(str(ROOT), include=["engine*", "udfs*", "xladdin*"]))
    assert listed == found | {"xladdin.samples"}


def test_pip_install_then_demo_and_new_in_another_folder(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "out", "build", "*.egg-info", "__pycache__",
                                                              ".pytest_cache", ".hypothesis"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(src)],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}      # only the installed package
    demo = subprocess.run([str(venv / "bin" / "rubricxl"), "demo", "--limit", "1"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode in (0, 1), demo.stderr
    samples = sorted(p.name for p in (ROOT / "workbooks").glob("*.xlsx"))
    assert sorted(p.name for p in (work / "out").glob("*.xlsx")) == samples
    assert "南京市工业和信息化局：总分93.98，优，第1名" in demo.stdout
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import xladdin; print(xladdin.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=60).stdout
    assert str(venv) in where                       # not the checkout
    new = subprocess.run([str(venv / "bin" / "rubricxl"), "new", "细则.xlsx"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=120)
    assert new.returncode == 0, new.stderr
    assert openpyxl.load_workbook(work / "细则.xlsx").sheetnames == ["细则", "数据", "设置"]
