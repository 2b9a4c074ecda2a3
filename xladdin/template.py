"""The blank rubric an official starts from (新建细则 / ``rubricxl new``): example rows of the common rule
kinds (points, a capped deduction, a bonus, a shown-only rate); docs/rules.md lists every kind."""
from __future__ import annotations

from .sheetspec import SheetSpec

RUBRIC_HEADER = ["编号", "一级指标", "二级指标", "分值", "规则", "输入", "评分标准", "组别", "权重"]
RUBRIC_ROWS = [
    ["1", "工作成效", "重点工作完成情况", 10, "band 好=8-10; 较好=6-7; 一般=<6", "重点工作评定",
     "完成好的得8-10分，完成较好的得6-7分，完成一般的得6分以下", None, None],
    ["2", "工作成效", "重大项目引进", 10, "band >=90% => 7-10; <90% => <=6", "项目完成率, 项目评定",
     "完成目标90%以上的得7-10分，低于90%的得6分及以下", None, None],
    ["3", "工作成效", "宽带用户下载速率", 20, "step per=5% deduct=1 from=best round=up", "下载速率",
     "最高下载速率的单位为满分；每低于最高下载速率5%扣1分（不足5%的按5%计算）", None, None],
    ["4", "工作成效", "覆盖工程完成情况", 20, "ratio", "覆盖完成数, 应覆盖总数",
     "得分=覆盖完成数/应覆盖总数×分值", None, None],
    ["5", "预算管理", "预算执行率", 10, "ratio over=0 rate_dp=2", "预算执行数, 调整预算数",
     "=100%得满分；<100%按完成比例得分；>100%得0分", None, None],
    ["6", "预算管理", "预算调整率", 10, "step per=1% deduct=5%w round=down zero_at=20% rate_dp=2",
     "预算调整数, 年初预算数", "每增加1%扣5%的权重分；≥20%不得分", None, None],
    ["7", "满意度", "服务对象满意度", 10, "threshold >=90%: 10; >=80%: 8; >=60%: 6; else: 0", "满意度",
     "90%以上得10分，80%-90%得8分，60%-80%得6分，低于60%不得分", None, None],
    ["8", "满意度", "工作时效性", 10, "deduct each=0.5 cap=5", "延误事项数", "每发现一例延误扣0.5分，最多扣5分", None, None],
    ["9", "加分项", "表彰加分", None, "bonus each=0.5 cap=2", "表彰数",
     "每获得一项市级以上表彰加0.5分，最多加2分（加分计入总分）", None, None],
    ["10", "参考指标", "预算执行率（仅展示）", None, "info", "预算执行数, 调整预算数", "仅计算展示，不计分", None, None],
]
DATA_HEADER = ["单位", "组别", "重点工作评定", "项目完成率", "项目评定", "下载速率", "覆盖完成数", "应覆盖总数",
               "预算执行数", "调整预算数", "预算调整数", "年初预算数", "满意度", "延误事项数", "表彰数"]
DATA_ROWS = [
    ["示例单位甲", "一组", "好 9", 0.95, 8, 315.6, 48, 50, 940.5, 1000, 30, 1000, 0.93, 0, 0],
    ["示例单位乙", "一组", "较好", 0.88, 6, 299.82, 50, 50, 1000, 1000, 0, 1000, 0.85, 2, 0],
    ["示例单位丙", "二组", 5, 0.9, 7, 280, 30, 45, 1003, 1000, 120, 1000, 0.78, 1, 0],
]
SETTINGS_ROWS = [["项目", "值"], ["等级", "优>=90; 良>=80; 中>=60; 差"], ["小数位", 2], ["排名", "competition"],
                 ["汇总", "求和"]]


def template_sheets() -> list[SheetSpec]:
    return [
        SheetSpec(name="细则", rows=[RUBRIC_HEADER] + RUBRIC_ROWS,
                  col_widths={1: 12, 2: 20, 4: 48, 5: 24, 6: 50}, autofilter=False),
        SheetSpec(name="数据", rows=[DATA_HEADER] + DATA_ROWS, col_widths={0: 14}, freeze="B2", autofilter=False),
        SheetSpec(name="设置", rows=SETTINGS_ROWS, col_widths={0: 12, 1: 40}, freeze=None, autofilter=False),
    ]
