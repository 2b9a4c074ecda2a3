"""Classes, rank change, selection (入选) and sensitivity (敏感性) through real .xlsx files.

Each workbook is written with openpyxl, rescored with xladdin.handlers, and the owned sheets are
read back with openpyxl. Expected values are worked out by hand in comments from the class scheme
(亩均效益 A 前25%（含）/ B 26–70% / C 71–95% / D 后5%), seed 002 (第五、六、八、九、十三条) and
the normalise → weighted mean → coefficient → round pipeline (seed 003, 设置 汇总/系数).
"""
from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.test_workbooks_reading import sheet_rows, write_book
from workbooks.build_indices_samples import SAMPLES, build
from xladdin import handlers
from xladdin.hosts.files import FileHost

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "workbooks"
VALUE_RUBRIC = [["一级指标", "规则", "输入"], ["评议", "value", "得分"]]   # 总分 = the 数据 column 得分


def rescore(path: Path) -> handlers.Report:
    return handlers.rescore(FileHost(path))


def by_unit(path: Path, sheet: str) -> dict[str, dict]:
    return {r["单位"]: r for r in sheet_rows(path, sheet) if r.get("单位")}


def problems(path: Path) -> list[tuple]:
    return [(r["严重程度"], r["工作表"], r["单元格"], r["说明"]) for r in sheet_rows(path, "问题")
            if r["说明"] != "未发现问题"]


def settings(*pairs) -> list[list]:
    return [["项目", "值"], *map(list, pairs)]


# ----------------------------------------------------------------------------------- classes

CLASS_DATA = [
    ["单位", "组别", "得分", "免评", "上期排名"],
    ["新建厂", "规上", 95, "是", None],      # exempt: scored, 不定等级, not counted
    ["一厂", "规上", 90, "否", 3],
    ["二厂", "规上", 88, "否", 1],
    ["三厂", "规上", 88, "否", 2],
    ["四厂", "规上", 80, "否", 4],
    ["五厂", "规上", 75, None, 5],
    ["六厂", "规上", 75, "否", 8],
    ["七厂", "规上", 70, "否", 6],
    ["八厂", "规上", 60, "否", 7],
    ["甲坊", "规下", 50, "否", 2],
    ["乙坊", "规下", 40, "否", 1],
    ["丙坊", "规下", 30, "否", None],
    ["丁坊", "规下", 20, "否", 4],
]
SCHEME = "A<=25%; B<=70%; C<=95%; D"


def test_classes_within_groups_ties_share_the_better_class_exempt_not_counted(tmp_path):
    path = write_book(tmp_path / "classes.xlsx", {
        "细则": VALUE_RUBRIC, "数据": CLASS_DATA,
        "设置": settings(("分类", SCHEME), ("分类分组", "组别"), ("免评列", "免评"))})
    report = rescore(path)
    assert report.exit_code == 0 and problems(path) == []
    got = {u: r["分类"] for u, r in by_unit(path, "得分").items()}
    # 规上: 8 ranked units (新建厂 exempt). Positions 90→1, 88,88→2, 80→4, 75,75→5, 70→7, 60→8.
    # A: pos/8 <= 25% → pos <= 2, so both 88s are A (the tie straddles 2/8 | 3/8 and shares the better class).
    # B: pos <= 5.6 → 80 and both 75s; C: pos <= 7.6 → 70; D: 60.
    # 规下 ranked apart (n = 4): A pos <= 1, B <= 2.8, C <= 3.8, D the rest.
    assert got == {"新建厂": "不定等级", "一厂": "A", "二厂": "A", "三厂": "A", "四厂": "B", "五厂": "B", "六厂": "B",
                   "七厂": "C", "八厂": "D", "甲坊": "A", "乙坊": "B", "丙坊": "C", "丁坊": "D"}


def test_rank_change_against_group_rank_or_overall_rank(tmp_path):
    path = write_book(tmp_path / "change.xlsx", {
        "细则": VALUE_RUBRIC, "数据": CLASS_DATA, "设置": settings(("上期排名列", "上期排名"))})
    rescore(path)
    rows = by_unit(path, "得分")
    # 组内排名 (competition) in 规上: 新建厂1 一厂2 二厂3 三厂3 四厂5 五厂6 六厂6 七厂8 八厂9; 规下 1..4.
    assert rows["一厂"]["排名变化"] == "上升1位"          # 3 → 2
    assert rows["二厂"]["排名变化"] == "下降2位"          # 1 → 3
    assert rows["四厂"]["排名变化"] == "下降1位"          # 4 → 5
    assert rows["八厂"]["排名变化"] == "下降2位"          # 7 → 9
    assert rows["甲坊"]["排名变化"] == "上升1位"          # 2 → 1
    assert rows["丁坊"]["排名变化"] == "持平"             # 4 → 4
    assert rows["丙坊"]["上期排名"] is None and not rows["丙坊"]["排名变化"]   # no previous rank
    assert rows["新建厂"]["上期排名"] is None
    assert rows["一厂"]["上期排名"] == 3

    wb = openpyxl.load_workbook(path)
    wb["设置"]["B2"] = "上期排名; 全部"                     # compare with 排名 over all 13 units
    wb.save(path)
    rescore(path)
    rows = by_unit(path, "得分")
    assert rows["甲坊"]["排名变化"] == "下降8位"          # overall 10th (behind the 9 规上) vs 2
    assert rows["一厂"]["排名变化"] == "上升1位"          # 2 overall as in its group


def test_bad_class_settings_are_errors_naming_the_cell_and_the_column_is_left_out(tmp_path):
    data = [row[:] for row in CLASS_DATA]
    data[3][3] = "待定"                                    # 二厂's 免评 cell (D4) is not 是/否
    path = write_book(tmp_path / "bad.xlsx", {
        "细则": VALUE_RUBRIC, "数据": data,
        "设置": settings(("分类", "A<=25%; B<=20%; C"), ("上期排名列", "去年名次"))})
    rescore(path)
    issues = problems(path)
    assert [(s, sh, c) for s, sh, c, _ in issues] == [("错误", "设置", "B2"), ("错误", "设置", "B3")]
    assert "分类方案的比例须逐项递增" in issues[0][3]
    assert "去年名次" in issues[1][3]
    head = list(sheet_rows(path, "得分")[0])
    assert "分类" not in head and "上期排名" not in head

    wb = openpyxl.load_workbook(path)
    wb["设置"]["B2"], wb["设置"]["B3"] = SCHEME, "上期排名"
    wb["设置"].append(["免评列", "免评"])
    wb.save(path)
    rescore(path)
    issues = problems(path)
    assert [(s, sh, c) for s, sh, c, _ in issues] == [("错误", "数据", "D4")]
    assert "二厂" in issues[0][3] and "待定" in issues[0][3]
    assert "分类" not in sheet_rows(path, "得分")[0]


# --------------------------------------------------------------------------- selection (002)

INDUSTRY, DIGITAL = "促进工业稳增长和转型升级", "建设信息基础设施和推进产业数字化、数字产业化"
SELECTION_DATA = [
    ["单位", "层级", "上级", "所辖县数", "类别", "得分", "安全事故"],
    ["甲市", "市", None, 12, INDUSTRY, 95, "否"],
    ["乙市", "市", None, 4, INDUSTRY, 90, "否"],
    ["丙市", "市", None, 10, INDUSTRY, 99, "是"],
    ["丁市", "市", None, 5, INDUSTRY, 80, "否"],
    ["甲一县", "县", "甲市", None, INDUSTRY, 88, "否"],
    ["甲二县", "县", "甲市", None, INDUSTRY, 86, "否"],
    ["甲三县", "县", "甲市", None, INDUSTRY, 84, "否"],
    ["乙一县", "县", "乙市", None, INDUSTRY, 92, "否"],
    ["丁一县", "县", "丁市", None, INDUSTRY, 85, "否"],
    ["戊一县", "县", "戊市", 10, INDUSTRY, 85, "否"],
    ["戊二县", "县", "戊市", 10, INDUSTRY, 70, "否"],
    ["己一县", "县", "己市", 5, INDUSTRY, 87, "否"],
    ["庚市", "市", None, 7, DIGITAL, 70, "否"],
    ["甲四县", "县", "甲市", None, DIGITAL, 60, "否"],
]
SELECTION_SETTINGS = settings(("遴选名额", "市=2; 县=2"),
                              ("否决条件", "安全事故=第六条（六）：近三年发生重大、特大安全生产事故"))


def test_selection_applies_every_article_of_seed_002(tmp_path):
    path = write_book(tmp_path / "select.xlsx", {"细则": VALUE_RUBRIC, "数据": SELECTION_DATA,
                                                  "设置": SELECTION_SETTINGS})
    assert rescore(path).exit_code == 0 and problems(path) == []
    rows = sheet_rows(path, "入选")
    got = {r["单位"]: r for r in rows}
    status = {u: r["状态"] for u, r in got.items()}
    assert status == {
        # 工业, cities (2 places): 丙市 vetoed (第六条（六）) despite the best score; 甲 95, 乙 90 in; 丁 80 out.
        "甲市": "入选", "乙市": "入选", "丙市": "不符合条件", "丁市": "未入选",
        # 第八条: 甲市 12 counties → at most 2: its third-best 甲三县 is over; 乙市 4 → 0.
        "甲三县": "超出推荐名额", "乙一县": "超出推荐名额",
        # 第十三条: 甲市 is 入选 in this category, so 甲一县 and 甲二县 are not rewarded again.
        "甲一县": "所属市已入选", "甲二县": "所属市已入选",
        # 第五条/第九条 (2 places): 己一县 87 first; 丁一县 and 戊一县 tie at 85 for the one place left.
        "己一县": "入选", "丁一县": "并列待定", "戊一县": "并列待定", "戊二县": "未入选",
        # 数字化: fewer candidates than places → all selected. 甲市 was selected in the other
        # category only, so 甲四县 is not excluded (第十三条 read per category).
        "庚市": "入选", "甲四县": "入选",
    }
    assert "第六条（六）" in got["丙市"]["理由"]
    assert "第八条" in got["甲三县"]["理由"] and "至多推荐2个" in got["甲三县"]["理由"]
    assert "第八条" in got["乙一县"]["理由"] and "至多推荐0个" in got["乙一县"]["理由"]
    assert "第十三条" in got["甲一县"]["理由"]
    assert "并列" in got["丁一县"]["理由"] and "剩余1个名额" in got["丁一县"]["理由"]
    assert got["丙市"]["类别内排名"] is None                  # vetoed: not in the committee's sorting
    assert [r["单位"] for r in rows][:4] == ["甲市", "乙市", "丁市", "丙市"]   # 市 first, by rank
    assert got["甲市"]["总分"] == 95 and got["甲一县"]["上级"] == "甲市" and got["庚市"]["类别"] == DIGITAL

    wb = openpyxl.load_workbook(path)
    table = list(wb["入选"].iter_rows(values_only=True))
    start = table[0].index("名额") - 2
    summary = {(r[start], r[start + 1]): r[start + 2:start + 6] for r in table[1:] if r[start]}
    assert summary == {(INDUSTRY, "市"): (2, 2, 0, 0), (INDUSTRY, "县"): (2, 1, 2, 1),
                       (DIGITAL, "市"): (2, 1, 0, 1), (DIGITAL, "县"): (2, 1, 0, 1)}


def test_another_provinces_measures_are_settings_not_code(tmp_path):
    # A province whose measures recommend a quarter of the counties, reward a county even when its
    # city is rewarded, and cite its own articles: 设置 alone says so.
    settings_rows = settings(("遴选名额", "市=2; 县=2"),
                             ("否决条件", "安全事故=第六条（六）：近三年发生重大、特大安全生产事故"),
                             ("推荐比例", "1/4; 第七条：推荐数量不超过所辖县总数的四分之一"),
                             ("不重复激励", "否"), ("名额条款", "第四条"), ("排序条款", "第十条"))
    path = write_book(tmp_path / "other.xlsx", {"细则": VALUE_RUBRIC, "数据": SELECTION_DATA, "设置": settings_rows})
    assert rescore(path).exit_code == 0 and problems(path) == []
    got = {r["单位"]: r for r in sheet_rows(path, "入选")}
    # 工业 counties: 甲市 12 → ⌊12/4⌋ = 3 (甲一 88, 甲二 86, 甲三 84 all kept); 乙市 4 → 1 (乙一县 92 kept);
    # 戊市 10 → 2; 己市 5 → 1; 丁市 5 → 1. No exclusion: the two best of 92, 88, 87, 86, 85, 85, 84, 70
    # are 乙一县 and 甲一县.
    status = {u: got[u]["状态"] for u in ("乙一县", "甲一县", "己一县", "甲二县", "甲三县")}
    assert status == {"乙一县": "入选", "甲一县": "入选", "己一县": "未入选", "甲二县": "未入选", "甲三县": "未入选"}
    assert got["乙一县"]["理由"] == "第四条、第十条：按得分排序列第1名，在2个名额内，入选"
    assert got["己一县"]["理由"] == "第四条：按得分排序列第3名，未进入前2名"


def test_a_selection_share_that_is_not_a_share_is_named(tmp_path):
    path = write_book(tmp_path / "bad_share.xlsx", {"细则": VALUE_RUBRIC, "数据": SELECTION_DATA,
                                                   "设置": settings(("遴选名额", "市=2; 县=2"), ("推荐比例", "五个"))})
    rescore(path)
    assert [(s, sh, c) for s, sh, c, _ in problems(path)] == [("错误", "设置", "B3")]
    assert "推荐比例" in problems(path)[0][3] and "1/5" in problems(path)[0][3]
    assert "入选" not in openpyxl.load_workbook(path).sheetnames


def test_a_veto_without_its_column_is_one_error_at_its_cell(tmp_path):
    # 否决条件 B3's second condition names a reason but no column: one 错误 there, said once, no 入选 sheet.
    path = write_book(tmp_path / "bad_veto.xlsx", {
        "细则": VALUE_RUBRIC, "数据": SELECTION_DATA,
        "设置": settings(("遴选名额", "市=2; 县=2"), ("否决条件", "安全事故; ＝近三年发生重大安全生产事故"))})
    report = rescore(path)
    got = problems(path)
    assert [(s, sh, c) for s, sh, c, _ in got] == [("错误", "设置", "B3")]
    assert got[0][3] == "设置「否决条件」：「＝近三年发生重大安全生产事故」缺少列名，未输出「入选」表"
    assert [i.message for i in report.issues].count(got[0][3]) == 1
    assert "入选" not in openpyxl.load_workbook(path).sheetnames


def test_selection_with_bad_data_names_the_cells_and_writes_no_sheet(tmp_path):
    data = [row[:] for row in SELECTION_DATA]
    data[2][1] = "镇"                                  # 乙市's 层级 (B3)
    data[4][6] = "可能"                                # 丁市's 安全事故 (G5)
    data[5][2] = None                                  # 甲一县 without 上级 (C6)
    path = write_book(tmp_path / "bad.xlsx", {"细则": VALUE_RUBRIC, "数据": data, "设置": SELECTION_SETTINGS})
    rescore(path)
    cells = {(s, sh, c) for s, sh, c, _ in problems(path)}
    assert {("错误", "数据", "B3"), ("错误", "数据", "G5"), ("错误", "数据", "C6"), ("错误", "设置", "B2")} <= cells
    assert "入选" not in openpyxl.load_workbook(path).sheetnames


# ------------------------------------------------------------------------------ sensitivity

SENS_RUBRIC = [["一级指标", "二级指标", "权重", "规则", "输入"],
               ["效益", None, 0.5, None, None],
               [None, "产出", 1, "value", "产出"],
               ["创新", None, 0.5, None, None],
               [None, "研发", 1, "value", "研发"]]
SENS_DATA = [["单位", "产出", "研发"],
             ["全优", 100, 100],          # best on both: first whatever the weights
             ["偏产出", 90, 60],          # 75.0 with equal weights
             ["偏研发", 62, 86],          # 74.0: swaps with 偏产出 when 研发 weighs more
             ["全差", 10, 10]]


def sens_book(tmp_path: Path, name: str = "sens.xlsx", extra=()) -> Path:
    return write_book(tmp_path / name, {"细则": SENS_RUBRIC, "数据": SENS_DATA,
                                        "设置": settings(("汇总", "加权平均"), *extra)})


def sens_rows(path: Path) -> dict[str, dict]:
    return by_unit(path, "敏感性")


def test_sensitivity_sheet_intervals(tmp_path):
    path = sens_book(tmp_path)
    handlers.sensitivity(FileHost(path), n_runs=400, mode="uniform", spread=0.3, seed=7)
    rows = sens_rows(path)
    assert list(rows) == ["全优", "偏产出", "偏研发", "全差"]
    for r in rows.values():
        assert 1 <= r["排名5%分位"] <= r["中位排名"] <= r["排名95%分位"] <= 4
    # dominance: 全优 beats everyone on every leaf, 全差 loses on every leaf
    assert (rows["全优"]["排名5%分位"], rows["全优"]["排名95%分位"]) == (1, 1)
    assert (rows["全差"]["排名5%分位"], rows["全差"]["排名95%分位"]) == (4, 4)
    # 偏产出 − 偏研发 = 28·w产出 − 26·w研发 (shares): negative once w研发 > 0.519, which ±30% reaches
    assert rows["偏产出"]["排名5%分位"] == 2 and rows["偏产出"]["排名95%分位"] == 3
    assert rows["偏产出"]["排名"] == 2 and rows["偏研发"]["排名"] == 3
    params = {r[8]: r[9] for r in openpyxl.load_workbook(path)["敏感性"].iter_rows(values_only=True) if r[8]}
    assert params["扰动次数"] == 400 and params["随机种子"] == 7 and params["扰动幅度"] == "±30%"
    assert params["扰动方式"].startswith("uniform")


def test_sensitivity_is_deterministic_for_a_seed_and_zero_spread_gives_the_rank(tmp_path):
    a, b = sens_book(tmp_path, "a.xlsx"), sens_book(tmp_path, "b.xlsx")
    for p in (a, b):
        handlers.sensitivity(FileHost(p), n_runs=200, mode="dirichlet", spread=0.2, seed=3)
    assert sens_rows(a) == sens_rows(b)
    handlers.sensitivity(FileHost(a), n_runs=50, mode="uniform", spread=0.0, seed=3)
    for r in sens_rows(a).values():
        assert r["排名5%分位"] == r["中位排名"] == r["排名95%分位"] == r["排名"]


def test_sensitivity_of_a_unit_with_a_row_marked_not_applicable(tmp_path):
    # 乙's 研发 is 不涉及 (na=exclude): its total is 产出 alone, 90, and it ranks; not blank
    rubric = [["一级指标", "二级指标", "分值", "规则", "输入"],
              ["效益", "产出", 100, "manual", "产出"],
              ["效益", "研发", 100, "manual na=exclude", "研发"]]
    data = [["单位", "产出", "研发"], ["甲", 80, 70], ["乙", 90, "不涉及"], ["丙", 50, 60]]
    path = write_book(tmp_path / "na.xlsx", {"细则": rubric, "数据": data})
    handlers.sensitivity(FileHost(path), n_runs=20, mode="uniform", spread=0.2, seed=1)
    rows = sens_rows(path)
    assert [(rows[u]["总分"], rows[u]["排名"]) for u in "甲乙丙"] == [(150, 1), (90, 3), (110, 2)]
    for u in "甲乙丙":         # sums: weights move nothing, every run gives the rank itself
        assert rows[u]["排名5%分位"] == rows[u]["中位排名"] == rows[u]["排名95%分位"] == rows[u]["排名"]


def test_sensitivity_of_vetoed_and_capped_units_follows_the_real_ranking(tmp_path):
    # 丙 is vetoed to 0 (安全事故 是), 乙 capped by 总分上限=满分 (100 + bonus 5 → 100):
    # sums only, so every run must give each unit its real rank (丙 last, not first on 190).
    rubric = [["一级指标", "二级指标", "分值", "规则", "输入"],
              ["效益", "产出", 50, "manual", "产出"],
              ["效益", "研发", 50, "manual", "研发"],
              ["加分", "表彰", None, "bonus each=5 cap=5", "表彰"],
              ["否决", "安全事故", None, "veto", "安全事故"]]
    data = [["单位", "产出", "研发", "表彰", "安全事故"], ["甲", 48, 49, 0, "否"], ["乙", 50, 50, 1, "否"],
            ["丙", 50, 49, 1, "是"]]
    path = write_book(tmp_path / "veto.xlsx", {"细则": rubric, "数据": data, "设置": settings(("总分上限", "满分"))})
    handlers.sensitivity(FileHost(path), n_runs=20, mode="uniform", spread=0.2, seed=1)
    rows = sens_rows(path)
    assert [(rows[u]["总分"], rows[u]["排名"]) for u in "甲乙丙"] == [(97, 2), (100, 1), (0, 3)]
    for u in "甲乙丙":
        assert rows[u]["排名5%分位"] == rows[u]["中位排名"] == rows[u]["排名95%分位"] == rows[u]["排名"]


def test_sensitivity_from_settings_on_rescore(tmp_path):
    path = sens_book(tmp_path, extra=[("敏感性", "次数=100; 方式=dirichlet; 种子=5")])
    assert rescore(path).exit_code == 0 and problems(path) == []
    params = {r[8]: r[9] for r in openpyxl.load_workbook(path)["敏感性"].iter_rows(values_only=True) if r[8]}
    assert params["扰动次数"] == 100 and params["随机种子"] == 5 and params["扰动方式"].startswith("dirichlet")
    bad = sens_book(tmp_path, "bad.xlsx", extra=[("敏感性", "次数=很多")])
    rescore(bad)
    assert [(s, sh, c) for s, sh, c, _ in problems(bad)] == [("错误", "设置", "B3")]
    assert "敏感性" not in openpyxl.load_workbook(bad).sheetnames


# ---------------------------------------------------------------------- composite index (003)

def half_up(x: Decimal, places: str = "0.01") -> Decimal:
    return x.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def test_composite_index_worked_by_hand(tmp_path):
    rubric = [["一级指标", "二级指标", "三级指标", "权重", "规则", "标准化", "方向"],
              ["基础设施", None, None, 0.6, None, None, None],
              [None, "网络", None, 2, None, None, None],
              [None, None, "5G密度", 3, "value", "benchmark=10", None],
              [None, None, "光纤覆盖率", 1, "value", "benchmark=80%", None],
              [None, "感知", None, 1, None, None, None],
              [None, None, "宽带速率", 1, "value", "reference=基准区", None],
              ["应用", None, None, 0.4, None, None, None],
              [None, "政务", None, 1, None, None, None],
              [None, None, "办理时长", 1, "value", "benchmark=5", "逆向"]]
    data = [["单位", "组别", "5G密度", "光纤覆盖率", "宽带速率", "办理时长", "网络安全状况系数"],
            ["测试区", "中心城区", 12, 0.9, 330, 4, 0.98],
            ["基准区", "郊区", 8, 0.8, 300, 5, 1.0],
            ["对照区", "郊区", 10, 0.72, 270, 6.25, 0.99]]
    path = write_book(tmp_path / "index.xlsx", {"细则": rubric, "数据": data, "设置": settings(
        ("汇总", "加权平均"), ("系数", "网络安全状况系数"), ("逐级取整", "是"), ("小数位", 2))})
    assert rescore(path).exit_code == 0 and problems(path) == []
    t = by_unit(path, "得分")["测试区"]
    # normalise: 12/10·100 = 120; 0.9/0.8·100 = 112.5; 330/300·100 = 110; lower is better: 5/4·100 = 125
    assert (t["5G密度"], t["光纤覆盖率"], t["宽带速率"], t["办理时长"]) == (120, 112.5, 110, 125)
    # 网络 = (3·120 + 1·112.5)/4 = 118.125 → 118.13; 感知 = 110
    assert t["网络"] == 118.13 and t["感知"] == 110
    # 基础设施 = (2·118.13 + 1·110)/3 = 346.26/3 = 115.42; 应用 = 政务 = 125
    assert t["基础设施"] == 115.42 and t["应用"] == 125
    # 总分 = (0.6·115.42 + 0.4·125) × 0.98 = 119.252 × 0.98 = 116.86696 → 116.87
    assert t["总分"] == 116.87
    c = by_unit(path, "得分")["对照区"]
    # 对照区: 100, 90, 90, 80 → 网络 (300+90)/4 = 97.5; 基础设施 (195+90)/3 = 95; 应用 80
    # 总分 = (57 + 32) × 0.99 = 88.11; 基准区: 100·1.00 except 5G 80 → 网络 85, 基础设施 90 → 94
    assert (c["网络"], c["基础设施"], c["总分"]) == (97.5, 95, 88.11)
    assert by_unit(path, "得分")["基准区"]["总分"] == 94
    means = {r["范围"]: r["总分"] for r in sheet_rows(path, "平均")}
    # 平均 (seed 003): 中心城区 = 116.87; 郊区 = (94 + 88.11)/2 = 91.055 → 91.06; 全部 = 298.98/3 = 99.66
    assert means == {"中心城区": 116.87, "郊区": 91.06, "全部": 99.66}


# ---------------------------------------------------------------------------------- samples

def cell_values(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}


def test_committed_index_samples_are_what_the_builder_writes(tmp_path):
    for path in build(tmp_path):
        assert cell_values(path) == cell_values(SAMPLE_DIR / path.name), \
            f"{path.name}：请重新运行 python -m workbooks.build_indices_samples"


@pytest.fixture
def sample(tmp_path):
    def rescored(name: str) -> Path:
        path = tmp_path / name
        shutil.copy(SAMPLE_DIR / name, path)
        report = rescore(path)
        assert report.exit_code == 0 and problems(path) == [], [i.line() for i in report.errors]
        head = [c for row in openpyxl.load_workbook(path)["数据"].iter_rows(max_row=3, values_only=True) for c in row if c]
        assert any("虚构" in str(c) for c in head)
        return path
    return rescored


def test_sample_shandong_selection(sample):
    path = sample("山东_督查激励遴选.xlsx")
    status = {r["单位"]: r["状态"] for r in sheet_rows(path, "入选")}
    assert set(status.values()) == {"入选", "未入选", "不符合条件", "超出推荐名额", "所属市已入选", "并列待定"}
    # designed cases: 戊市 vetoed (安全事故), 丙市 4 counties → 0, 甲市 12 → 2 and 入选 (第十三条),
    # 辛二县 and 壬四县 have identical inputs, hence equal scores, and straddle the 13th place
    assert status["戊市"] == "不符合条件" and status["丙一县"] == status["丙二县"] == "超出推荐名额"
    assert status["甲市"] == "入选" and status["甲一县"] == status["甲二县"] == "所属市已入选"
    assert status["甲三县"] == "超出推荐名额" and status["甲四县"] == "入选"
    assert status["辛二县"] == status["壬四县"] == "并列待定"
    assert status["乙市"] == status["丁市"] == "入选"             # 2 cities for 3 places


def test_sample_mu_jun_classes_follow_the_scheme(sample):
    path = sample("亩均效益_企业评价.xlsx")
    rows = list(by_unit(path, "得分").values())
    exempt = {r[0] for r in openpyxl.load_workbook(path)["数据"].iter_rows(values_only=True) if r[9] == "是"}
    assert exempt and all(r["分类"] == "不定等级" for r in rows if r["单位"] in exempt)
    for r in rows:                     # position = 1 + non-exempt units of the group with a higher 总分
        if r["单位"] in exempt:
            continue
        peers = [p for p in rows if p["组别"] == r["组别"] and p["单位"] not in exempt]
        share = Decimal(1 + sum(p["总分"] > r["总分"] for p in peers)) / len(peers)
        expected = "A" if share <= Decimal("0.25") else "B" if share <= Decimal("0.7") else \
            "C" if share <= Decimal("0.95") else "D"
        assert r["分类"] == expected, r["单位"]
    assert all(r["排名变化"] for r in rows if r["上期排名"] is not None)


def test_sample_smart_city_index_means_and_sensitivity(sample):
    path = sample("智慧城市_综合指数.xlsx")
    rows = list(by_unit(path, "得分").values())
    means = {r["范围"]: r for r in sheet_rows(path, "平均")}
    for group in ("中心城区", "郊区"):
        totals = [Decimal(str(r["总分"])) for r in rows if r["组别"] == group]
        assert Decimal(str(means[group]["总分"])) == half_up(sum(totals) / len(totals))
    assert means["全部"]["单位数"] == len(rows) == 8
    sens = by_unit(path, "敏感性")               # 设置 敏感性 asks for it on every rescore
    assert set(sens) == {r["单位"] for r in rows}
    assert all(r["排名5%分位"] <= r["中位排名"] <= r["排名95%分位"] for r in sens.values())


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if "缺数据" not in n))  # gaps: tests/test_indices_gaps.py
def test_index_samples_rescore_without_errors(sample, name):
    sample(name)
