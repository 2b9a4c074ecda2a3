"""The sample workbooks of workbooks/: each rescores without errors, and the results match the seeds.

Every sample is rescored into tmp_path (the committed files are never touched) and the output is
read back with openpyxl, an independent reader.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.seed_nanjing import PUBLISHED_GRADE, PUBLISHED_TOTAL, ROWS
from workbooks.build_samples import SAMPLES, build
from xladdin import handlers
from xladdin.hosts.files import FileHost

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "workbooks"
SH1 = "上海_附表1_各区产业和信息化考核.xlsx"
NANJING = "南京_工信局_2024部门整体绩效自评价.xlsx"
# Seed 000 附表1 headings: the three district groups.
V1 = ["黄浦", "静安", "徐汇", "长宁", "普陀", "虹口", "杨浦"]
V2 = ["宝山", "嘉定", "金山", "松江", "奉贤", "崇明"]
V3 = ["浦东新区", "闵行", "青浦"]


def rescore(tmp_path: Path, name: str) -> tuple[handlers.Report, openpyxl.Workbook]:
    out = tmp_path / name
    report = handlers.rescore(FileHost(SAMPLE_DIR / name, out))
    return report, openpyxl.load_workbook(out)


def table(ws) -> list[dict]:
    """An owned output sheet (header in row 1) as one dict per row."""
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def cells(path: Path) -> dict:
    """Every sheet's values and merged ranges (what a rebuild may change; bytes depend on zlib/openpyxl)."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: (list(ws.iter_rows(values_only=True)), sorted(map(str, ws.merged_cells.ranges)))
            for ws in wb}


def test_committed_samples_are_what_the_builder_writes(tmp_path):
    """The committed .xlsx files are up to date with build_samples.py."""
    for path in build(tmp_path):
        assert cells(path) == cells(SAMPLE_DIR / path.name), f"{path.name}：请重新运行 python -m workbooks.build_samples"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_rescores_without_errors(tmp_path, name):
    report, wb = rescore(tmp_path, name)
    assert report.exit_code == 0, [i.line() for i in report.errors]
    assert {"得分", "平均", "评分过程", "问题"} <= set(wb.sheetnames)
    assert all(row[0] != "错误" for row in wb["问题"].iter_rows(values_only=True))
    if "数据" in wb.sheetnames:            # invented data must say so above the header
        head = [c for row in wb["数据"].iter_rows(max_row=3, values_only=True) for c in row if c]
        assert any("虚构" in str(c) for c in head)


def test_nanjing_total_grade_and_row_scores(tmp_path):
    report, wb = rescore(tmp_path, NANJING)
    [unit] = table(wb["得分"])
    assert unit["单位"] == "南京市工业和信息化局"
    assert Decimal(str(unit["总分"])) == Decimal(PUBLISHED_TOTAL)          # seed 001: 93.98
    assert unit["等级"] == PUBLISHED_GRADE                                   # 优
    ws = wb["细则"]
    rows = list(ws.iter_rows(values_only=True))
    hr = next(k for k, r in enumerate(rows) if "三级指标" in r)
    col = {h: k for k, h in enumerate(rows[hr]) if h}
    scores = {r[col["三级指标"]][:3]: r[col["得分"]] for r in rows[hr + 1:] if r[col["三级指标"]]}
    assert len(scores) == len(ROWS) == 42
    for ident, *_rest, published in ROWS:
        assert Decimal(str(scores[ident])).quantize(Decimal("0.01")) == Decimal(published), ident
    working = {r[col["三级指标"]][:3]: r[col["评分过程"]] for r in rows[hr + 1:] if r[col["三级指标"]]}
    assert "21.24%" in working["B11"] and "94.12%" in working["B12"]      # the seed's printed rates


def test_shanghai_1_broadband_step_from_the_best_district(tmp_path):
    _, wb = rescore(tmp_path, SH1)
    scores = {r["单位"]: r for r in table(wb["得分"])}
    speed = "2.1 宽带用户下载速率"
    # 徐汇 has the highest speed of all 16 districts (315.6) → full 50.
    assert scores["徐汇"][speed] == 50
    # 静安 299.82: (315.6 − 299.82) / 315.6 = 15.78 / 315.6 = exactly 5% → one step → 49.
    assert scores["静安"][speed] == 49
    # 青浦 284.04: 31.56 / 315.6 = exactly 10% → two steps (no extra step for float noise) → 48.
    assert scores["青浦"][speed] == 48
    # 崇明 252.8: 62.8 / 315.6 = 19.9% → ⌈3.98⌉ = 4 steps → 46.
    assert scores["崇明"][speed] == 46


def test_shanghai_1_each_district_uses_its_group_variant(tmp_path):
    _, wb = rescore(tmp_path, SH1)
    scores = {r["单位"]: r for r in table(wb["得分"])}
    assert sorted(scores) == sorted(V1 + V2 + V3)
    labels = [{scores[d]["组别"] for d in v} for v in (V1, V2, V3)]
    assert all(len(s) == 1 for s in labels) and len(set.union(*labels)) == 3
    only_v23 = ["1.2 工业增加值占地区生产总值比重提升情况", "1.4 规模以上工业企业预测监测情况", "1.7 制造业投资规模情况"]
    for d in V1:                                   # not assessed: blank, never 0
        assert all(scores[d][c] is None for c in only_v23), d
    for d in V2 + V3:
        assert all(isinstance(scores[d][c], float) for c in only_v23), d
    # group variants: 软信业发展水平 is 40 / 15 / 20 points and 重大产业项目引进 a band in V1, a gated band in V2/V3.
    software = {**dict.fromkeys(V1, "band 好=36-40; 较好=32-35; 一般=24-31; 较差=<24"),
                **dict.fromkeys(V2, "band 好=12-15; 较好=9-11; 一般=<9"),
                **dict.fromkeys(V3, "band 好=16-20; 较好=12-15; 一般=<12")}
    project = {**dict.fromkeys(V1, "band 好=16-20; 较好=12-15; 一般=<12"),
               **dict.fromkeys(V2 + V3, "band >=90% => 7-10; <90% => <=6")}
    rules = {(r["单位"], r["指标"]): r["规则"] for r in table(wb["评分过程"])}
    for d in V1 + V2 + V3:
        assert rules[(d, "1.5 软信业发展水平")] == software[d]
        assert rules[(d, "1.6 重大产业项目引进")] == project[d]


def test_shanghai_1_total_is_the_sum_of_the_two_blocks(tmp_path):
    _, wb = rescore(tmp_path, SH1)
    for row in table(wb["得分"]):
        blocks = Decimal(str(row["工业和信息服务业发展"])) + Decimal(str(row["城市数字赋能"]))
        assert Decimal(str(row["总分"])) == blocks, row["单位"]
        assert Decimal(str(row["城市数字赋能"])) == \
            Decimal(str(row["2.1 宽带用户下载速率"])) + Decimal(str(row["2.2 住宅小区地下车库移动通信网络覆盖工程完成情况"]))
