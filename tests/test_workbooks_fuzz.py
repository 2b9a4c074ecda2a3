"""Whatever officials type into 细则/数据/设置, rubricxl answers with a result and 问题 rows, or a
clear ReadError (exit 2) — never a traceback. Random workbooks, real files, the real handlers."""
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings, strategies as st

from xladdin import handlers
from xladdin.hosts.files import FileHost
from xladdin.protocol import ReadError

RULES = ["band 好=8-10; 较好=6-7; 一般=<6", "band >=90% => 7-10; <90% => <=6", "ratio", "ratio over=0",
         "step per=5% deduct=1 from=best round=up", "step per=1% deduct=5%w round=down zero_at=20%",
         "threshold >=90%: 3; >=80%: 2.5; else: 0", "deduct each=0.5", "deduct each=0.1-0.5", "check n=3",
         "pass <=100%", "pass 是", "manual", "relative to=max", "info", "value", "band 好=8-", "foo",
         "step per=0", "档次 好＝8－10", "", None]
CELLS = st.one_of(st.none(), st.integers(-5, 200), st.floats(-10, 1e6, allow_nan=False),
                  st.sampled_from(["是", "否", "90%", "８分", "较好", "好 9", "1,234.5", "=A1", " ", "abc", "—"]),
                  st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=6))
SETTINGS = st.fixed_dictionaries({}, optional={
    "等级": st.sampled_from(["优>=90; 良>=80; 中>=60; 差", "A>=x", "优>=90%; 差", ""]),
    "小数位": st.sampled_from([0, 2, "二", -1, 11]),
    "排名": st.sampled_from(["competition", "dense", "密集", "bogus"]),
    "汇总": st.sampled_from(["求和", "加权平均", "一级=几何平均; 二级=求和", "五级=求和", "乱写"]),
    "系数": st.sampled_from(["系数", "不存在的列"]),
    "分类": st.sampled_from(["A<=25%; B<=70%; C<=95%; D", "A<=x"]),
    "遴选名额": st.sampled_from(["市=3; 县=13", "乱"]),
})


@st.composite
def workbooks(draw):
    inputs = ["甲", "乙", "丙"]
    rubric = [["编号", "一级指标", "二级指标", "分值", "规则", "输入", "组别", "权重"]]
    for k in range(draw(st.integers(1, 6))):
        rubric.append([draw(st.sampled_from([f"{k}", "1", None])), draw(st.sampled_from(["A", "B", None])),
                       draw(st.sampled_from([f"指标{k}", None, "A"])), draw(CELLS), draw(st.sampled_from(RULES)),
                       draw(st.sampled_from(["甲", "甲, 乙", "丁", None, "乙,丙"])),
                       draw(st.sampled_from([None, "一组", "一组、二组", "三组"])), draw(CELLS)])
    data = [["单位", "组别", *inputs, "系数"]]
    for u in range(draw(st.integers(0, 5))):
        data.append([draw(st.sampled_from([f"单位{u}", "单位0", None])), draw(st.sampled_from(["一组", "二组", None])),
                     *[draw(CELLS) for _ in inputs], draw(CELLS)])
    return rubric, data, draw(SETTINGS)


def write_book(path: Path, rubric, data, conf) -> None:
    """A drawn workbook as an .xlsx (no 数据 sheet when data is None)."""
    wb = openpyxl.Workbook()
    wb.active.title = "细则"
    sheets = {"细则": rubric, "数据": data, "设置": [[k, v] for k, v in conf.items()] if conf else None}
    for name, rows in sheets.items():
        if rows is None:
            continue
        ws = wb[name] if name in wb.sheetnames else wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def _rescored(path: Path, rubric, data, conf):
    """Write the workbook and rescore it: the report, or None when it cannot be read — then with
    a sentence for the user and nothing written."""
    write_book(path, rubric, data, conf)
    try:
        report = handlers.rescore(FileHost(path))
    except ReadError as exc:
        assert str(exc)
        return None
    assert report.exit_code in (0, 1)
    for issue in report.issues:
        assert issue.severity in ("错误", "提示") and issue.message
    return report


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(workbooks())
def test_any_workbook_rescores_or_says_why(tmp_path_factory, book):
    path = tmp_path_factory.mktemp("fuzz") / "book.xlsx"
    if _rescored(path, *book) is None:
        return
    names = openpyxl.load_workbook(path).sheetnames
    assert {"得分", "平均", "评分过程", "问题"} <= set(names)


@st.composite
def self_evaluations(draw):
    """The single-unit layout: no 数据 sheet, inputs in 业绩值 (';'-separated)."""
    rubric = [["一级指标", "二级指标", "三级指标", "分值", "规则", "业绩值", "得分", "评分过程"]]
    for k in range(draw(st.integers(1, 6))):
        rubric.append([draw(st.sampled_from(["A决策(12分)", "B过程", None])), draw(st.sampled_from(["A1", None])),
                       draw(st.sampled_from([f"A1{k}指标", None])), draw(CELLS), draw(st.sampled_from(RULES)),
                       draw(st.one_of(CELLS, st.sampled_from(["2; 1.5", "93367667.77; 77011000", "是; 24; 5028",
                                                              "3.2%; 8600; 7.5%", ";", "较好 7"]))),
                       draw(st.one_of(st.none(), st.just("=SUM(A1)"), st.just(1))), None])
    rubric.append(["合计", None, None, 100, None, None, None, None])
    return rubric, None, draw(st.fixed_dictionaries({}, optional={"单位": st.sampled_from(["南京市工信局", ""])}))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(self_evaluations())
def test_any_self_evaluation_rescores_or_says_why(tmp_path_factory, book):
    path = tmp_path_factory.mktemp("fuzz1") / "book.xlsx"
    if _rescored(path, *book) is None:
        return
    sheet = openpyxl.load_workbook(path)["细则"]
    assert sheet.cell(1, 7).value == "得分" and sheet.cell(1, 8).value == "评分过程"
