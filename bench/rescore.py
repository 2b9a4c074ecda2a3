"""Benchmark: rescoring a 10,000-unit × 20-indicator rubric with rubricxl against the same rubric
written as native spreadsheet formulas (the 公式版 rubricxl export gives users) and recalculated by
LibreOffice headless.

Both sides do the whole job on a file: rubricxl reads the workbook, scores, aggregates, grades,
ranks and writes its sheets; LibreOffice loads the formula workbook, recalculates every formula
(forced by its profile) and saves it. A sample of LibreOffice's totals and ranks must equal
rubricxl's, which shows the two did the same work. Prints progress, then one JSON line last.

Run: python -m bench.rescore [--quick] [--profile] [--keep DIR]   (--quick: 1,000 units)
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from xladdin import cli, handlers
from xladdin.hosts.files import FileHost
from xladdin.recalc import recalculate, soffice

GROUPS = ("一组", "二组", "三组", "四组")
GRADES = "优>=90; 良>=80; 中>=60; 差"


@dataclass(frozen=True)
class Ind:
    """One indicator: its rubricxl row (the LibreOffice side gets the same rule from the compiler)."""

    level1: str
    name: str
    points: int | None
    rule: str
    inputs: tuple[str, ...]


INDICATORS = [
    Ind("工作成效", "重点工作", 10, "band 好=8-10; 较好=6-7; 一般=<6", ("重点工作评分",)),
    Ind("工作成效", "项目引进", 10, "band >=90% => 7-10; <90% => <=6", ("项目完成率", "项目评分")),
    Ind("工作成效", "工作评定", 5, "band 好=5; 较好=4; 一般=<=3", ("工作评定",)),
    Ind("工作成效", "下载速率", 5, "step per=5% deduct=1 from=best round=up", ("下载速率",)),
    Ind("工作成效", "覆盖率", 5, "step per=2% deduct=0.5 from=best round=up", ("覆盖率",)),
    Ind("预算管理", "预算执行率", 5, "ratio over=0 rate_dp=2", ("预算执行数", "调整预算数")),
    Ind("预算管理", "预算调整率", 5, "step per=1% deduct=5%w round=down zero_at=20% rate_dp=2",
        ("预算调整数", "年初预算数")),
    Ind("预算管理", "结转结余率", 5, "step per=1% deduct=10%w round=down rate_dp=2", ("结转结余数", "调整预算数")),
    Ind("预算管理", "公用经费控制率", 5, "pass <=100%", ("公用经费支出", "公用经费预算")),
    Ind("预算管理", "资金到位率", None, "info", ("到位资金", "应到位资金")),
    Ind("服务", "满意度", 5, "threshold >=90%: 5; >=80%: 4; >=70%: 3; >=60%: 2; else: 0", ("满意度",)),
    Ind("服务", "办结率", 5, "threshold >=95%: 5; >=85%: 3; else: 1", ("办结率",)),
    Ind("服务", "覆盖工程", 5, "ratio", ("完成小区数", "小区总数")),
    Ind("服务", "时效性", 5, "deduct each=0.5", ("延误事项数",)),
    Ind("服务", "信息公开", 5, "pass 是", ("是否公开",)),
    Ind("发展", "产值增速", 5, "relative to=max", ("产值增速",)),
    Ind("发展", "要点落实", 5, "check n=3", ("落实要点数",)),
    Ind("发展", "自评分", 5, "manual", ("自评分",)),
    Ind("发展", "达标率", 5, "pass >=90%", ("达标率",)),
    Ind("发展", "任务完成率", 5, "ratio", ("任务完成率",)),
]


def generate_data(n: int, seed: int = 2024) -> dict[str, list]:
    """Valid inputs for every indicator (no errors), money with 2 decimals, rates with 4."""
    rng = np.random.default_rng(seed)
    u = lambda lo, hi, dp: np.round(rng.uniform(lo, hi, n), dp)
    adjusted = u(1e6, 1e8, 2)
    initial = np.round(adjusted * rng.uniform(0.7, 1.0, n), 2)
    rate = u(0.6, 1.1, 4)
    cols = {
        "单位": [f"单位{i:05d}" for i in range(1, n + 1)],
        "组别": rng.choice(GROUPS, n).tolist(),
        "重点工作评分": rng.integers(0, 11, n),
        "项目完成率": rate,
        "项目评分": np.where(rate >= 0.9, rng.integers(7, 11, n), rng.integers(0, 7, n)),
        "工作评定": rng.choice(["好", "较好", "一般"], n).tolist(),
        "下载速率": u(340, 400, 2),
        "覆盖率": u(0.85, 1.0, 4),
        "预算执行数": np.round(adjusted * rng.uniform(0.8, 1.02, n), 2),
        "调整预算数": adjusted,
        "预算调整数": np.round(initial * rng.uniform(0, 0.25, n), 2),
        "年初预算数": initial,
        "结转结余数": np.round(adjusted * rng.uniform(0, 0.12, n), 2),
        "公用经费预算": u(1e5, 1e7, 2),
        "到位资金": u(1e5, 1e6, 2),
        "满意度": u(0.6, 1.0, 4),
        "办结率": u(0.7, 1.0, 4),
        "小区总数": rng.integers(100, 1000, n),
        "延误事项数": rng.integers(0, 13, n),
        "是否公开": rng.choice(["是", "否"], n, p=[0.8, 0.2]).tolist(),
        "产值增速": u(0.01, 0.2, 4),
        "落实要点数": rng.integers(0, 4, n),
        "自评分": u(0, 5, 1),
        "达标率": u(0.85, 1.0, 4),
        "任务完成率": u(0.5, 1.2, 4),
    }
    cols["公用经费支出"] = np.round(cols["公用经费预算"] * rng.uniform(0.85, 1.03, n), 2)
    cols["应到位资金"] = np.round(cols["到位资金"] * rng.uniform(1.0, 1.5, n), 2)
    cols["完成小区数"] = np.minimum(cols["小区总数"], rng.integers(50, 1000, n))
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in cols.items()}


def data_columns() -> list[str]:
    names = ["单位", "组别"]
    for ind in INDICATORS:
        names += [c for c in ind.inputs if c not in names]
    return names


def write_rubric_book(path: Path, data: dict[str, list]) -> None:
    """The rubric in rubricxl's layout: 细则, 数据, 设置."""
    wb = Workbook(write_only=True)
    rubric = wb.create_sheet("细则")
    rubric.append(["编号", "一级指标", "二级指标", "分值", "规则", "输入"])
    for k, ind in enumerate(INDICATORS, start=1):
        rubric.append([str(k), ind.level1, ind.name, ind.points, ind.rule, ", ".join(ind.inputs)])
    sheet = wb.create_sheet("数据")
    names = data_columns()
    sheet.append(names)
    for row in zip(*(data[c] for c in names)):
        sheet.append(list(row))
    settings = wb.create_sheet("设置")
    for row in (["项目", "值"], ["等级", GRADES], ["小数位", 2], ["排名", "competition"]):
        settings.append(row)
    wb.save(path)


def write_formula_book(path: Path, rubric: Path, ranks: bool = True) -> dict[str, int]:
    """The 公式版 of the rubric (what ``rubricxl export`` gives users): every score, total, grade
    and rank a native formula over 数据; → 1-based columns of 总分 (排名, 组内排名) on its 得分.

    Without ``ranks`` 排名 and 组内排名 stay values, to show the share of their whole-column formulas.
    """
    report, summary = handlers.export(FileHost(rubric, path), ranks=ranks)
    if report.exit_code or summary.kept:
        sys.exit(f"the formula copy kept {summary.kept} values: the generated rubric should compile whole")
    head = column_heads(path, "得分")
    return {h: head.index(h) + 1 for h in ("总分", "排名", "组内排名")}


def column_heads(path: Path, sheet: str) -> list:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(nrows=1)[0]


def libreoffice_recalc(src: Path, out_dir: Path, work: Path) -> float:
    """Load, recalculate every formula and save as .xlsx; → seconds of the timed soffice run.

    The profile forces recalculation on load (OOXMLRecalcMode = 0) and is created by an untimed
    warm-up conversion, so the timing covers start-up, load, recalculation and save only.
    """
    if soffice() is None:
        sys.exit("LibreOffice (soffice) is not installed: the benchmark needs it")
    profile = work / "lo-profile"
    if not profile.exists():
        tiny = work / "warm-up.xlsx"
        wb = Workbook()
        wb.active["A1"] = "=1+1"
        wb.save(tiny)
        recalculate([tiny], work / "warm-up", profile)
    t0 = time.perf_counter()
    recalculate([src], out_dir, profile)
    return time.perf_counter() - t0


def column(path: Path, sheet: str, header: str | int) -> list:
    """One column's cached values below the header (by header text or 1-based index)."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    k = rows[0].index(header) if isinstance(header, str) else header - 1
    return [r[k] for r in rows[1:]]


def compare(ours: Path, theirs: Path, cols: dict[str, int], sample: int, seed: int = 7) -> int:
    """Mismatches between rubricxl's 得分 and LibreOffice's recalculated totals and ranks, on a sample."""
    ref = {h: column(ours, "得分", h) for h in ("单位", *cols)}
    got = {h: column(theirs, "得分", k) for h, k in cols.items()}
    n = len(ref["总分"])
    picks = np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False)
    bad = 0
    for i in picks.tolist():
        a = [ref[h][i] for h in cols]
        b = [got[h][i] for h in cols]
        if any(not isinstance(x, (int, float)) or not isinstance(y, (int, float)) or abs(x - y) > 1e-9
               for x, y in zip(a, b)):
            if bad < 5:
                print(f"  mismatch at {ref['单位'][i]}: rubricxl {a} vs LibreOffice {b}", flush=True)
            bad += 1
    print(f"  compared 总分/排名/组内排名 of {len(picks)} sampled units: {bad} mismatches", flush=True)
    return bad


def run_rubricxl(src: Path, out: Path) -> float:
    t0 = time.perf_counter()
    code = cli.main(["rescore", str(src), "-o", str(out), "-q"])
    seconds = time.perf_counter() - t0
    if code != 0:
        sys.exit(f"rubricxl rescore exited with {code}: the generated rubric should have no errors")
    return seconds


def run_report(src: Path, out: Path) -> float:
    """`rubricxl report`: the rescore plus 评分表 (a card per unit) and 排名表."""
    t0 = time.perf_counter()
    code = cli.main(["report", str(src), "-o", str(out)])
    if code != 0:
        sys.exit(f"rubricxl report exited with {code}")
    return time.perf_counter() - t0


def profile_rubricxl(src: Path, out: Path, top: int = 30) -> None:
    """Where rubricxl's time goes: cProfile of one more rescore, by cumulative and own time."""
    prof = cProfile.Profile()
    prof.runcall(cli.main, ["rescore", str(src), "-o", str(out), "-q"])
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(top)
        print(f"profile by {key}:", buf.getvalue(), sep="\n", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 units instead of 10,000")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of the rubricxl rescore")
    ap.add_argument("--keep", help="keep the generated and converted workbooks in this folder")
    ap.add_argument("--sample", type=int, default=1000, help="units whose totals and ranks are compared")
    args = ap.parse_args(argv)
    n = 1_000 if args.quick else 10_000
    with tempfile.TemporaryDirectory(prefix="rubricxl-bench-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"generating {n} units x {len(INDICATORS)} indicators", flush=True)
        data = generate_data(n)
        book, scored = work / "rubric.xlsx", work / "rubric-scored.xlsx"
        write_rubric_book(book, data)
        print(f"rubricxl rescore {book.name} ({book.stat().st_size / 1e6:.1f} MB)", flush=True)
        rubricxl_seconds = run_rubricxl(book, scored)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {rubricxl_seconds:.2f}s, peak {peak_mb:.0f} MB", flush=True)
        report_seconds = run_report(book, work / "rubric-report.xlsx")
        print(f"rubricxl report: {report_seconds:.2f}s", flush=True)
        if args.profile:
            profile_rubricxl(book, work / "rubric-profiled.xlsx")

        formulas, recalculated = work / "formulas.xlsx", work / "recalculated"
        cols = write_formula_book(formulas, book)
        print(f"LibreOffice recalculates {formulas.name} ({formulas.stat().st_size / 1e6:.1f} MB)", flush=True)
        lo_seconds = libreoffice_recalc(formulas, recalculated, work)
        print(f"  {lo_seconds:.2f}s", flush=True)
        bad = compare(scored, recalculated / formulas.name, cols, args.sample)
        unranked = work / "formulas-unranked.xlsx"
        write_formula_book(unranked, book, ranks=False)
        lo_unranked = libreoffice_recalc(unranked, recalculated, work)
        print(f"  the same without 排名/组内排名 (COUNTIF and COUNTIFS over the column): {lo_unranked:.2f}s; "
              f"rubricxl / that = {rubricxl_seconds / lo_unranked:.2f}", flush=True)
    print(json.dumps({"units": n, "indicators": len(INDICATORS), "rubricxl_seconds": round(rubricxl_seconds, 3),
                      "libreoffice_seconds": round(lo_seconds, 3), "ratio": round(rubricxl_seconds / lo_seconds, 3),
                      "peak_mb": round(peak_mb, 1), "report_seconds": round(report_seconds, 3)}))
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
