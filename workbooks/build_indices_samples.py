"""Build the index, class and selection sample workbooks of workbooks/ (settings read by
xladdin/indices.py): Shandong 督查激励 selection (seed 002), a 亩均效益 enterprise evaluation with
A/B/C/D classes, and a three-level smart-city composite index in the style of seed 003 (also with
three missing values, skipped or imputed).

Run ``python -m workbooks.build_indices_samples`` (or ``python workbooks/build_indices_samples.py``)
to rewrite the .xlsx files next to this script; the bytes are the same on every run. Wording comes
from the seeds where they have it; every unit, value, weight and benchmark is invented, and each
workbook says so above its data.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):                       # run as a script: make `workbooks` importable
    sys.path.insert(0, str(HERE.parent))

from workbooks.build_samples import INVENTED, Table, settings_table  # noqa: E402
from workbooks.build_samples import build as build_samples  # noqa: E402

RUBRIC_HEADER = ["编号", "一级指标", "二级指标", "组别", "分值", "规则", "输入", "评分标准"]
RUBRIC_WIDTHS = {"编号": 6, "一级指标": 14, "二级指标": 34, "组别": 10, "分值": 6, "规则": 22, "输入": 22,
                 "评分标准": 60}


# ---------------------------------------------------------------------------------------------
# Seed 002: 山东省工业和信息化厅 督查激励措施实施办法. Two categories (第二条), 3 cities and 13
# counties each (第五条), sorted by the committee's score (第九条). The 附件4–7 forms list indicators
# without weights, so the score below (four form indicators relative to the best applicant plus the
# committee's own 评议 points) is an invented example.

INDUSTRY = "促进工业稳增长和转型升级"
DIGITAL = "建设信息基础设施和推进产业数字化、数字产业化"
G_IND, G_DIG = "工业稳增长", "信息化数字化"             # 组别: which form's indicators apply
SAFETY, ENVIRONMENT, SOCIAL, APPROVAL = "近三年重大安全事故", "近三年重大环境事故", "近三年恶劣社会事件", "未经设区市政府同意"
VETOES = [
    (SAFETY, "第六条（六）、第七条（七）：近三年发生重大、特大安全生产事故"),
    (ENVIRONMENT, "第六条（六）、第七条（七）：近三年发生重大、特大环境事故"),
    (SOCIAL, "第六条（六）、第七条（七）：近三年发生造成恶劣影响的社会事件"),
    (APPROVAL, "第八条：推荐未经所在设区市人民政府同意"),
]
BEST = "relative to=max"
SD_RUBRIC = [
    ["G1", "工业稳增长", "规模以上工业增加值增速（%）", G_IND, 20, BEST, "规上工业增加值增速",
     "附件4/5 2023年值；得分=20×本地增速/申报地区最高增速"],
    ["G2", "工业稳增长", "制造业增加值占本区域生产总值比重（%）", G_IND, 15, BEST, "制造业增加值占比",
     "附件4/5；得分=15×本地比重/最高比重"],
    ["G3", "转型升级", "高技术制造业占工业增加值比重（%）", G_IND, 15, BEST, "高技术制造业占比",
     "附件4/5；得分=15×本地比重/最高比重"],
    ["G4", "转型升级", "工业技术改造投资增速（%）", G_IND, 10, BEST, "技改投资增速",
     "附件4/5；得分=10×本地增速/最高增速"],
    ["D1", "信息基础设施", "千兆光纤网络家庭覆盖率（%）", G_DIG, 20, BEST, "千兆光纤覆盖率",
     "附件6/7；得分=20×本地覆盖率/最高覆盖率"],
    ["D2", "信息基础设施", "每万人拥有5G基站数（个）", G_DIG, 20, BEST, "每万人5G基站数",
     "附件6/7；得分=20×本地数量/最高数量"],
    ["D3", "产业数字化", "当年通过两化融合管理体系贯标评定企业数量（个）", G_DIG, 20, BEST, "两化融合贯标企业数",
     "附件6/7；得分=20×本地数量/最高数量"],
    ["P", "评审委员会评议", "申报书评议审查（第九条）", None, None, "value", "评议得分",
     "评审委员会对申报书（附件2/3）评议审查的得分，0–40分"],
]
SD_DATA_HEADER = ["单位", "层级", "上级", "所辖县数", "类别", "组别", "规上工业增加值增速", "制造业增加值占比",
                  "高技术制造业占比", "技改投资增速", "千兆光纤覆盖率", "每万人5G基站数", "两化融合贯标企业数", "评议得分",
                  SAFETY, ENVIRONMENT, SOCIAL, APPROVAL]


def _sd(unit, level, parent, counties, category, inputs, score, veto=None) -> list:
    """One 数据 row: inputs are the four form values of the unit's category; veto names a 是 column."""
    industry = category == INDUSTRY
    values = list(inputs) + [None] * 3 if industry else [None] * 4 + list(inputs)
    flags = ["是" if veto == name else "否" for name, _ in VETOES]
    return [unit, level, parent, counties, category, G_IND if industry else G_DIG, *values, score, *flags]


# 所辖县数 sits on the city's row; for a city that does not apply itself, on its counties' rows.
SD_DATA = [
    # 工业: cities (3 places). 戊市 has the best score but is vetoed (第六条（六）).
    _sd("甲市", "市", None, 12, INDUSTRY, (0.092, 0.36, 0.28, 0.15), 36),
    _sd("丙市", "市", None, 4, INDUSTRY, (0.085, 0.33, 0.25, 0.12), 34),
    _sd("己市", "市", None, 5, INDUSTRY, (0.080, 0.30, 0.22, 0.11), 33),
    _sd("庚市", "市", None, 11, INDUSTRY, (0.071, 0.28, 0.20, 0.09), 30),
    _sd("戊市", "市", None, 10, INDUSTRY, (0.095, 0.38, 0.30, 0.16), 38, veto=SAFETY),
    # 工业: counties (13 places).
    _sd("甲一县", "县", "甲市", None, INDUSTRY, (0.110, 0.45, 0.30, 0.18), 38),   # 甲市 入选 → 第十三条
    _sd("甲二县", "县", "甲市", None, INDUSTRY, (0.100, 0.42, 0.27, 0.16), 36),
    _sd("甲三县", "县", "甲市", None, INDUSTRY, (0.080, 0.35, 0.20, 0.10), 30),   # 12个县 → 至多2个 (第八条)
    _sd("丙一县", "县", "丙市", None, INDUSTRY, (0.105, 0.44, 0.29, 0.17), 37),   # 4个县 → 0个 (第八条)
    _sd("乙一县", "县", "乙市", None, INDUSTRY, (0.108, 0.46, 0.31, 0.18), 39),   # 乙市只申报数字化：不排除
    _sd("乙二县", "县", "乙市", None, INDUSTRY, (0.098, 0.41, 0.26, 0.14), 35),
    _sd("丁一县", "县", "丁市", None, INDUSTRY, (0.102, 0.40, 0.28, 0.15), 36),
    _sd("戊一县", "县", "戊市", None, INDUSTRY, (0.096, 0.39, 0.25, 0.14), 34),
    _sd("戊二县", "县", "戊市", None, INDUSTRY, (0.090, 0.37, 0.24, 0.13), 33),
    _sd("庚一县", "县", "庚市", None, INDUSTRY, (0.094, 0.40, 0.26, 0.15), 35),
    _sd("庚二县", "县", "庚市", None, INDUSTRY, (0.086, 0.36, 0.22, 0.12), 34),
    _sd("辛一县", "县", "辛市", 15, INDUSTRY, (0.104, 0.43, 0.29, 0.16), 37),
    _sd("辛二县", "县", "辛市", 15, INDUSTRY, (0.088, 0.38, 0.23, 0.12), 31),    # 与壬四县并列，跨第13名
    _sd("辛三县", "县", "辛市", 15, INDUSTRY, (0.093, 0.38, 0.25, 0.13), 34),
    _sd("辛四县", "县", "辛市", 15, INDUSTRY, (0.112, 0.47, 0.32, 0.19), 40, veto=ENVIRONMENT),
    _sd("壬一县", "县", "壬市", 20, INDUSTRY, (0.097, 0.41, 0.27, 0.15), 35),
    _sd("壬二县", "县", "壬市", 20, INDUSTRY, (0.091, 0.39, 0.24, 0.13), 33),
    _sd("壬三县", "县", "壬市", 20, INDUSTRY, (0.087, 0.37, 0.23, 0.12), 32),
    _sd("壬四县", "县", "壬市", 20, INDUSTRY, (0.088, 0.38, 0.23, 0.12), 31),    # 与辛二县并列
    _sd("癸一县", "县", "癸市", 8, INDUSTRY, (0.070, 0.30, 0.18, 0.08), 28),
    # 数字化: only two cities apply (3 places: both 入选, one vacant); few counties.
    _sd("乙市", "市", None, 10, DIGITAL, (0.82, 28.5, 46), 35),
    _sd("丁市", "市", None, 9, DIGITAL, (0.78, 25.1, 38), 33),
    _sd("甲四县", "县", "甲市", None, DIGITAL, (0.80, 24.0, 12), 34),            # 甲市未申报数字化：不排除
    _sd("丙二县", "县", "丙市", None, DIGITAL, (0.85, 26.3, 15), 36),            # 4个县 → 0个
    _sd("己二县", "县", "己市", None, DIGITAL, (0.76, 22.8, 10), 31, veto=APPROVAL),
    _sd("辛五县", "县", "辛市", 15, DIGITAL, (0.79, 23.5, 11), 33),
    _sd("壬五县", "县", "壬市", 20, DIGITAL, (0.74, 21.9, 9), 30),
    _sd("癸二县", "县", "癸市", 8, DIGITAL, (0.77, 22.0, 8), 29),
]
SD_FORMATS = {h: "0.0%" for h in ("规上工业增加值增速", "制造业增加值占比", "高技术制造业占比", "技改投资增速", "千兆光纤覆盖率")}


def shandong() -> list[Table]:
    rubric = Table("细则", RUBRIC_HEADER, SD_RUBRIC, titles=[
        "山东省工业和信息化厅 督查激励评审评分表（示例）",
        "指标取自《实施办法》附件4–7推荐表；附件未规定权重，本表的分值与计分方式为虚构示例。"
        "「组别」区分两类督查激励各自的推荐表指标"], widths=RUBRIC_WIDTHS, wrap=("二级指标", "评分标准"),
        merge_down=("一级指标",))
    data = Table("数据", SD_DATA_HEADER, SD_DATA, titles=["督查激励申报市、县（市、区）推荐表数据与评议得分"],
                 notes=[INVENTED + "；市、县名称为代称"], formats=SD_FORMATS,
                 widths={"单位": 10, "层级": 6, "上级": 8, "所辖县数": 8, "类别": 40, "组别": 12,
                         **{h: 12 for h in SD_DATA_HEADER[6:]}})
    settings = settings_table([
        ["遴选名额", "市=3; 县=13"],
        ["否决条件", "; ".join(f"{name}={reason}" for name, reason in VETOES)],
        ["类别列", "类别"], ["层级列", "层级"], ["所辖县数列", "所辖县数"],
        ["汇总", "求和"], ["小数位", 2], ["等级", "较好>=80; 一般"],
    ])
    return [rubric, data, settings]


# ---------------------------------------------------------------------------------------------
# 亩均效益 enterprise evaluation: each 亩均 indicator scored against a benchmark (得分 = 分值 ×
# 实际值 / 基准值, at most 分值), a safety/environment deduction, a bonus, A/B/C/D classes by
# position within 规上 and 规下 enterprises (前25%（含）A, 26%–70% B, 71%–95% C, 后5% D), new
# enterprises exempt (免评, 不定等级), and last year's rank.

ABOVE, BELOW = "规上", "规下"
MJ_RUBRIC = [
    ["1.1", "亩均效益", "亩均税收（万元/亩）", ABOVE, 30, "relative to=25", "亩均税收",
     "得分=30×亩均税收/基准值25万元，最高30分"],
    ["1.1", "亩均效益", "亩均税收（万元/亩）", BELOW, 50, "relative to=15", "亩均税收",
     "得分=50×亩均税收/基准值15万元，最高50分"],
    ["1.2", "亩均效益", "亩均营业收入（万元/亩）", ABOVE, 20, "relative to=400", "亩均营业收入",
     "得分=20×亩均营业收入/基准值400万元，最高20分"],
    ["1.2", "亩均效益", "亩均营业收入（万元/亩）", BELOW, 40, "relative to=250", "亩均营业收入",
     "得分=40×亩均营业收入/基准值250万元，最高40分"],
    ["1.3", "绿色发展", "单位能耗增加值（万元/吨标准煤）", ABOVE, 20, "relative to=2.5", "单位能耗增加值",
     "得分=20×单位能耗增加值/基准值2.5，最高20分"],
    ["1.4", "创新驱动", "研发经费支出占营业收入比重", ABOVE, 15, "relative to=3%", "R&D占比",
     "得分=15×R&D占比/基准值3%，最高15分"],
    ["1.5", "创新驱动", "全员劳动生产率（万元/人）", ABOVE, 5, "relative to=40", "全员劳动生产率",
     "得分=5×全员劳动生产率/基准值40万元，最高5分"],
    ["2.1", "安全环保", "安全生产和环境违法事件（扣分项）", None, 10, "deduct each=5", "安全环保事件数",
     "每发生一起安全生产事故或环境违法事件扣5分，扣完为止"],
    ["3.1", "加分项", "高新技术企业、专精特新等（加分项）", None, None, "value", "加分",
     "高新技术企业加2分，省级以上专精特新企业加3分，可累加"],
]
MJ_DATA_HEADER = ["单位", "组别", "亩均税收", "亩均营业收入", "单位能耗增加值", "R&D占比", "全员劳动生产率",
                  "安全环保事件数", "加分", "免评", "免评原因", "上期排名"]


def _mj(unit, group, tax, revenue, energy=None, rd=None, labour=None, events=0, bonus=0, exempt=None, previous=None):
    return [unit, group, tax, revenue, energy, rd, labour, events, bonus, "是" if exempt else "否", exempt, previous]


MJ_DATA = [
    _mj("机械企业01", ABOVE, 31.2, 520, 3.1, 0.041, 46, 0, 5, previous=1),
    _mj("机械企业02", ABOVE, 22.4, 380, 2.2, 0.028, 35, 0, 2, previous=5),
    _mj("化工企业03", ABOVE, 27.9, 610, 1.4, 0.019, 52, 1, 0, previous=4),
    _mj("电子企业04", ABOVE, 29.5, 450, 3.4, 0.052, 41, 0, 3, previous=2),
    _mj("纺织企业05", ABOVE, 12.3, 210, 1.9, 0.011, 22, 0, 0, previous=12),
    _mj("食品企业06", ABOVE, 18.6, 330, 2.6, 0.015, 30, 0, 0, previous=8),
    _mj("建材企业07", ABOVE, 15.1, 280, 0.9, 0.008, 28, 2, 0, previous=13),
    _mj("医药企业08", ABOVE, 26.3, 400, 2.9, 0.047, 44, 0, 5, previous=3),
    _mj("机械企业09", ABOVE, 20.2, 350, 2.4, 0.024, 33, 0, 2, previous=7),
    _mj("电子企业10", ABOVE, 24.8, 420, 2.5, 0.030, 38, 0, 0, previous=6),
    _mj("汽配企业11", ABOVE, 17.5, 310, 2.1, 0.021, 31, 0, 0, previous=9),
    _mj("化工企业12", ABOVE, 14.0, 260, 1.2, 0.012, 27, 1, 0, previous=11),
    _mj("塑料企业13", ABOVE, 16.2, 300, 2.0, 0.016, 29, 0, 0, previous=10),
    _mj("新材料企业14", ABOVE, 9.8, 150, 2.8, 0.036, 25, 0, 2, exempt="投产不满一年"),
    _mj("装备企业15", ABOVE, 6.1, 90, 1.5, 0.020, 18, 0, 0, previous=14),
    _mj("电池企业16", ABOVE, 4.3, 120, 1.1, 0.025, 20, 0, 0, exempt="投产不满一年"),
    _mj("五金企业21", BELOW, 16.4, 270, events=0, bonus=0, previous=1),
    _mj("包装企业22", BELOW, 11.2, 190, events=0, bonus=0, previous=3),
    _mj("家具企业23", BELOW, 8.7, 160, events=1, bonus=0, previous=4),
    _mj("服装企业24", BELOW, 13.9, 240, events=0, bonus=2, previous=2),
    _mj("印刷企业25", BELOW, 6.2, 110, events=0, bonus=0, previous=6),
    _mj("模具企业26", BELOW, 9.5, 175, events=0, bonus=0, previous=5),
    _mj("陶瓷企业27", BELOW, 3.8, 80, events=1, bonus=0, previous=7),
    _mj("软件企业28", BELOW, 2.1, 60, events=0, bonus=0, exempt="新入驻企业"),
]


def mu_jun() -> list[Table]:
    rubric = Table("细则", RUBRIC_HEADER, MJ_RUBRIC, titles=[
        "工业企业亩均效益综合评价计分办法（示例）",
        "规上企业按5项指标计分，规下企业按亩均税收、亩均营业收入计分；各项得分=分值×实际值/基准值（最高为分值）。"
        "分类：规上、规下企业分别按综合得分排序，前25%（含）为A类，26%–70%为B类，71%–95%为C类，后5%为D类；"
        "免评企业参与计分，不定等级"], widths=RUBRIC_WIDTHS, wrap=("二级指标", "评分标准"),
        merge_down=("一级指标",))
    data = Table("数据", MJ_DATA_HEADER, MJ_DATA, titles=["企业亩均效益评价数据"], notes=[INVENTED + "；企业名称为代称"],
                 formats={"R&D占比": "0.0%"}, widths={"单位": 14, "组别": 6, **{h: 11 for h in MJ_DATA_HEADER[2:]}})
    settings = settings_table([
        ["分类", "A<=25%; B<=70%; C<=95%; D"], ["分类分组", "组别"], ["免评列", "免评"],
        ["上期排名列", "上期排名"], ["排名分组", "组别"], ["汇总", "求和"], ["小数位", 2],
        ["等级", "优>=85; 良>=70; 中>=55; 差"],
    ])
    return [rubric, data, settings]


# ---------------------------------------------------------------------------------------------
# Seed 003 style composite index: three levels, 权重 on aggregate and leaf rows, weighted means
# (汇总 = 加权平均), raw values normalised (ratio to a target = 100, ratio to a base district = 100,
# a given sub-index kept as is), a 网络安全状况系数 multiplying each district's index (系数), and
# 中心城区 / 郊区 groups whose means 平均 shows next to the overall mean.

CITY_HEADER = ["编号", "一级指标", "二级指标", "三级指标", "权重", "规则", "输入", "标准化", "方向", "评分标准"]
CITY_RUBRIC = [
    [None, "新型基础设施指数", None, None, 0.3, None, None, None, None, "一级指标权重30%"],
    [None, None, "基础能力", None, 0.5, None, None, None, None, None],
    ["1", None, None, "5G基站密度（个/平方公里）", 0.6, "value", None, "benchmark=12 cap=150", None, "目标值12=100，上限150"],
    ["2", None, None, "千兆光纤网络覆盖率", 0.4, "value", None, "benchmark=95% cap=150", None, "目标值95%=100"],
    [None, None, "应用感知", None, 0.5, None, None, None, None, None],
    ["3", None, None, "固定宽带用户感知速率（Mbps）", 1, "value", None, "reference=辛区", None, "基准区（辛区）=100"],
    [None, "智慧应用指数", None, None, 0.45, None, None, None, None, "一级指标权重45%"],
    [None, None, "政务服务", None, 0.5, None, None, None, None, None],
    ["4", None, None, "“一网通办”网上办理率", 0.5, "value", None, "benchmark=90% cap=150", None, "目标值90%=100"],
    ["5", None, None, "政务服务事项平均办理时长（天）", 0.5, "value", None, "benchmark=5 cap=150", "逆向",
     "越短越好：指数=100×目标值5天/实际天数"],
    [None, None, "城市运行", None, 0.5, None, None, None, None, None],
    ["6", None, None, "城市网格化综合管理水平", 1, "value", None, None, None, "评估机构给出的分项指数，直接取值"],
    [None, "发展环境指数", None, None, 0.25, None, None, None, None, "一级指标权重25%"],
    [None, None, "机制保障", None, 0.4, None, None, None, None, None],
    ["7", None, None, "制度规划", 1, "value", None, None, None, "评估机构给出的分项指数，直接取值"],
    [None, None, "区域创新", None, 0.6, None, None, None, None, None],
    ["8", None, None, "单位地区生产总值发明专利授权量（件/亿元）", 1, "value", None, "reference=辛区 cap=150", None,
     "基准区（辛区）=100，上限150"],
]
CITY_DATA_HEADER = ["单位", "组别", "5G基站密度（个/平方公里）", "千兆光纤网络覆盖率", "固定宽带用户感知速率（Mbps）",
                    "“一网通办”网上办理率", "政务服务事项平均办理时长（天）", "城市网格化综合管理水平", "制度规划",
                    "单位地区生产总值发明专利授权量（件/亿元）", "网络安全状况系数"]
CENTRE, SUBURB = "中心城区", "郊区"
CITY_DATA = [
    ["甲区", CENTRE, 16.8, 0.99, 312.5, 0.96, 3.2, 128.4, 118.0, 1.35, 1.00],
    ["乙区", CENTRE, 14.2, 0.98, 305.1, 0.94, 3.8, 121.7, 104.5, 1.12, 0.98],
    ["丙区", CENTRE, 11.5, 0.97, 298.7, 0.93, 4.1, 119.2, 118.0, 1.30, 0.98],
    ["丁区", CENTRE, 11.9, 0.96, 290.4, 0.91, 4.5, 112.6, 104.3, 1.15, 0.98],
    ["戊区", SUBURB, 8.4, 0.93, 276.2, 0.89, 5.2, 104.8, 101.2, 1.05, 1.00],
    ["己区", SUBURB, 7.1, 0.91, 268.9, 0.87, 5.6, 99.5, 97.6, 0.98, 0.99],
    ["庚区", SUBURB, 6.3, 0.90, 262.0, 0.85, 6.0, 95.3, 92.8, 0.92, 0.98],
    ["辛区", SUBURB, 5.2, 0.88, 255.0, 0.84, 6.4, 92.1, 90.5, 0.88, 0.99],
]


def smart_city(data: list[list] = CITY_DATA, gaps: list[list] = (), note: str = "") -> list[Table]:
    """The index sample; `gaps` adds 设置 rows on missing data and `note` a red line above the data."""
    rubric = Table("细则", CITY_HEADER, CITY_RUBRIC, titles=[
        "智慧城市发展水平评估指标体系（示例，参照上海市智慧城市发展水平评估报告的结构）",
        "三级指标先标准化为指数（目标值或基准区=100），再按权重逐级加权平均；各区指数乘以网络安全状况系数。"
        "指标、权重、目标值均为虚构示例"],
        widths={"编号": 6, "一级指标": 16, "二级指标": 10, "三级指标": 34, "权重": 6, "规则": 8, "输入": 6,
                "标准化": 22, "方向": 6, "评分标准": 36}, wrap=("三级指标", "评分标准"))
    data = Table("数据", CITY_DATA_HEADER, data, titles=["各区智慧城市发展水平评估原始数据"],
                 notes=[INVENTED + "；区名为代称"] + ([note] if note else []),
                 formats={"千兆光纤网络覆盖率": "0%", "“一网通办”网上办理率": "0%"},
                 widths={"单位": 8, "组别": 10, **{h: 14 for h in CITY_DATA_HEADER[2:]}}, wrap=())
    settings = settings_table([
        ["汇总", "加权平均"], ["系数", "网络安全状况系数"], ["逐级取整", "是"], ["小数位", 2],
        ["排名分组", "组别"], ["等级", "领先>=110; 较好>=100; 一般>=90; 待提升"],
        ["敏感性", "次数=500; 方式=uniform; 幅度=20%; 种子=1"], *gaps,
    ])
    return [rubric, data, settings]


# The same index with three district values missing (乙区 5G基站密度, 戊区 办理时长, 庚区 制度规划),
# built the two ways index builders use: skip the gap and re-weight over the indicators present,
# or fill it with the mean of the district's group (中心城区 / 郊区) first.
GAPS = {("乙区", "5G基站密度（个/平方公里）"), ("戊区", "政务服务事项平均办理时长（天）"), ("庚区", "制度规划")}
CITY_GAP_DATA = [[None if (row[0], head) in GAPS else v for head, v in zip(CITY_DATA_HEADER, row)] for row in CITY_DATA]
BLANK_NOTE = "按默认的「缺失值=空白」计算时，缺数据的区（乙区、戊区、庚区）逐级汇总均为空、不排名，问题表逐格列出错误"


def smart_city_skip() -> list[Table]:
    return smart_city(CITY_GAP_DATA, [["缺失值", "跳过"], ["最少数据", "50%"]],
                      "本表有3个空格（缺数据）：设置「缺失值=跳过」，加权平均时跳过缺失的指标，权重在其余指标间重新归一；"
                      + BLANK_NOTE)


def smart_city_impute() -> list[Table]:
    return smart_city(CITY_GAP_DATA, [["插补", "组内均值"]],
                      "本表有3个空格（缺数据）：设置「插补=组内均值」，先以所在组别（中心城区/郊区）其他区的均值补齐，"
                      "评分过程与问题表逐格注明；" + BLANK_NOTE)


SAMPLES = {
    "山东_督查激励遴选.xlsx": shandong,
    "亩均效益_企业评价.xlsx": mu_jun,
    "智慧城市_综合指数.xlsx": smart_city,
    "智慧城市_综合指数_缺数据跳过.xlsx": smart_city_skip,
    "智慧城市_综合指数_缺数据插补.xlsx": smart_city_impute,
}


def build(out_dir: Path = HERE) -> list[Path]:
    """Write every sample workbook of this module into out_dir; returns their paths."""
    return build_samples(out_dir, SAMPLES)


if __name__ == "__main__":
    for path in build():
        print(path)
