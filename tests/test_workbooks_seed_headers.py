"""Seed 000's own table heads: 考核指标 | 二级指标 | 分值 | 评分标准 | 说明 (plus our 规则/输入), the
first-level cell merged down its block. 考核指标 is the first level, not a name column."""
import openpyxl

from xladdin.handlers import evaluate
from xladdin.hosts.files import FileHost


def test_seed_000_heads_read_as_levels(tmp_path):
    path = tmp_path / "附表1.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "细则"
    ws.append(["2024年度各区产业和信息化工作考核评分细则表"])           # a title row above the header
    ws.append(["考核指标", "二级指标", "分值", "评分标准", "说明", "规则", "输入"])
    ws.append(["工业和信息服务业发展", "规模以上工业总产值较上年度增长情况", 10, "完成好的得8-10分…", "/",
               "band 好=8-10; 较好=6-7; 一般=<6", "产值"])
    ws.append([None, "规模以上工业企业培育情况", 10, "完成好的得8-10分…", None,
               "band 好=8-10; 较好=6-7; 一般=<6", "培育"])
    ws.append(["城市数字赋能", "宽带用户下载速率", 50, "每低于最高下载速率5%扣1分（不足5%的按5%计算）",
               "权威第三方监测机构报告", "step per=5% deduct=1 from=best round=up", "下载速率"])
    ws.merge_cells("A3:A4")
    data = wb.create_sheet("数据")
    data.append(["单位", "产值", "培育", "下载速率"])
    data.append(["黄浦", 9, "较好", 315.6])
    data.append(["静安", 7, "好", 299.82])
    wb.save(path)
    report = evaluate(FileHost(path))
    assert not [i for i in report.issues if i.severity == "错误"]
    paths = [r.indicator.path for r in report.result.indicators]
    assert paths == [("工业和信息服务业发展", "规模以上工业总产值较上年度增长情况"),
                     ("工业和信息服务业发展", "规模以上工业企业培育情况"),
                     ("城市数字赋能", "宽带用户下载速率")]
    res = report.result
    k = res.node_names.index("工业和信息服务业发展")
    # 黄浦 9 + 较好 → top of 6-7 = 7 → 16; 静安 7 + 好 → 10 → 17 (by hand)
    assert list(res.nodes[:, k]) == [16, 17]
    # broadband: 黄浦 is the best (50); 静安 is exactly 5% below 315.6 → one step → 49
    assert list(res.total) == [66, 66]
