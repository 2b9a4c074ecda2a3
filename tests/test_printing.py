"""What officials print: page setup in the package, and the PDF LibreOffice makes of it.

The package is read back with openpyxl and lxml (print titles, fit to width, wrapping, the chart);
the PDFs come from LibreOffice headless and are measured with poppler's pdfinfo/pdftotext (page
count, orientation, what each page shows), as ``python -m tools.render_samples`` does for all samples.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.test_workbooks_reading import write_book
from tools.render_samples import pages, split_sheets
from xladdin import cli, handlers, pdf
from xladdin.hosts.files import FileHost
from xladdin.pdf import to_pdf

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks"
FUJIAN1 = SAMPLES / "上海_附表1_各区产业和信息化考核.xlsx"
DISTRICTS = ["黄浦", "静安", "徐汇", "长宁", "普陀", "虹口", "杨浦", "宝山", "嘉定", "金山", "松江", "奉贤", "崇明",
             "浦东新区", "闵行", "青浦"]      # in 数据's order: 黄浦等七区, 宝山等六区, 浦东闵行青浦
HAVE_TOOLS = pdf.soffice() is not None and shutil.which("pdfinfo") and shutil.which("pdftotext")


def page_texts(path: Path) -> list[str]:
    """The text of every page (pdftotext separates pages with a form feed)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Path:
    """附表1 rescored with its report, as ``rubricxl report`` writes it."""
    out = tmp_path_factory.mktemp("report") / FUJIAN1.name
    assert cli.main(["report", str(FUJIAN1), "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def printed(reported, tmp_path_factory) -> dict[str, Path]:
    """得分, 评分过程, 问题, 评分表 and 排名表 of 附表1, each printed alone by LibreOffice (one run)."""
    if not HAVE_TOOLS:
        pytest.skip("needs LibreOffice (soffice) and poppler-utils (pdfinfo, pdftotext)")
    folder = tmp_path_factory.mktemp("printed")
    parts = split_sheets(reported, folder)
    names = ["得分", "评分过程", "问题", "评分表", "排名表"]
    return dict(zip(names, to_pdf([parts[n] for n in names], folder / "pdf")))


# ------------------------------------------------------------------ the package

def test_scores_sheet_prints_landscape_one_page_wide_with_its_header_on_every_page(reported):
    wb = openpyxl.load_workbook(reported)
    ws = wb["得分"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert "第 &P 页，共 &N 页" in ws.oddFooter.center.text and ws.oddHeader.center.text == "得分" and ws.oddHeader.center.font == "-,Bold"
    head = [c for c in ws[1] if c.value is not None]
    assert all(c.alignment.wrap_text and c.font.b for c in head)
    assert ws.row_dimensions[1].height >= 30                  # long headings wrap onto a taller row
    # CJK counts double: 浦东新区 (4 characters) needs a column at least 8 wide
    assert ws.column_dimensions["A"].width >= 8
    assert [c.value for c in ws[1]][:2] == ["单位", "组别"]   # 附表1 groups its districts


def test_working_and_issues_wrap_their_long_text(reported):
    wb = openpyxl.load_workbook(reported)
    for name, col in (("评分过程", "F"), ("问题", "D")):
        ws = wb[name]
        assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"
        assert ws[f"{col}2"].alignment.wrap_text
    tall = [r for r, d in wb["评分过程"].row_dimensions.items() if d.height and d.height > 20]
    assert tall                                               # rows as tall as their wrapped working


def test_chart_starts_at_zero_plots_units_by_rank_with_labels(reported):
    with zipfile.ZipFile(reported) as z:
        [chart] = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    assert '<c:min val="0"/>' in chart and "<c:showVal val=\"1\"/>" in chart
    labels = re.findall(r"<c:v>(.*?)</c:v>", re.search(r"<c:cat>(.*?)</c:cat>", chart).group(1))
    values = [float(v) for v in re.findall(r"<c:v>(.*?)</c:v>", re.search(r"<c:val>(.*?)</c:val>", chart).group(1))]
    assert sorted(labels) == sorted(DISTRICTS) and values == sorted(values, reverse=True)
    ws = openpyxl.load_workbook(reported)["得分"]
    head = [c.value for c in ws[1]]
    total = {row[0]: row[head.index("总分")] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert dict(zip(labels, values)) == total                 # each bar is its unit's 总分
    assert ws.row_breaks.brk[0].id == len(DISTRICTS) + 2      # the chart starts a page of its own


def test_print_titles_replace_only_our_own_defined_names(tmp_path):
    """The user's names (a named range, 细则's own print titles) stay byte for byte; rescoring twice
    leaves one print-titles name per owned sheet, not two."""
    src = tmp_path / "names.xlsx"
    wb = openpyxl.load_workbook(FUJIAN1)
    wb.defined_names["基准"] = openpyxl.workbook.defined_name.DefinedName("基准", attr_text="'数据'!$B$2")
    wb["细则"].print_title_rows = "1:2"
    wb.save(src)
    handlers.rescore(FileHost(src))
    handlers.report(FileHost(src))

    def names(path: Path) -> list[str]:
        with zipfile.ZipFile(path) as z:
            return re.findall(r"<definedName [^>]*>[^<]*</definedName>", z.read("xl/workbook.xml").decode())

    found = names(src)
    assert '<definedName name="基准">\'数据\'!$B$2</definedName>' in found
    assert '<definedName name="_xlnm.Print_Titles" localSheetId="0">\'细则\'!$1:$2</definedName>' in found
    sheets = openpyxl.load_workbook(src).sheetnames
    ours = [n for n in found if "Print_Titles" in n and "细则" not in n]
    assert sorted(ours) == sorted(f'<definedName name="_xlnm.Print_Titles" localSheetId="{sheets.index(s)}">'
                                  f"'{s}'!$1:$1</definedName>" for s in ("得分", "平均", "评分过程", "问题"))


# ------------------------------------------------------------------ the report sheets

def test_score_card_lays_out_a_unit_as_the_rubric_table(reported):
    ws = openpyxl.load_workbook(reported)["评分表"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][0] == "黄浦评分表" and rows[1][0] == "被考核单位：黄浦　　组别：黄浦等七区"
    assert rows[2] == ["一级指标", "二级指标", "分值", "评分标准", "得分", "评分过程"]
    first = next(k for k, r in enumerate(rows) if k and r[0] == "静安评分表")
    card = rows[:first]
    total = next(r for r in card if r[0] == "总分")
    scores = openpyxl.load_workbook(reported)["得分"]
    head = [c.value for c in scores[1]]
    huangpu = [c.value for c in scores[2]]
    assert total[2] == 200 and total[4] == huangpu[head.index("总分")]
    subtotals = [r for r in card if isinstance(r[0], str) and r[0].endswith("小计")]
    # each first-level block ends in its 小计, whose score is that block's column on 得分
    assert [(r[0], r[4]) for r in subtotals] == [(f"{h}小计", huangpu[head.index(h)])
                                                for h in head if f"{h}小计" in {r[0] for r in subtotals}]
    assert len(subtotals) == 2
    assert next(r for r in card if r[0] == "排名")[2].startswith(f"第{huangpu[head.index('排名')]}名（共16个单位）")
    assert ws.row_breaks.brk[0].id == first                   # the next card starts a new page
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.scale


def test_ranking_tables_rank_total_and_every_aggregate_overall_and_per_group(reported):
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(reported)["排名表"].iter_rows()]
    captions = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("表")]
    assert captions[:4] == ["表1　总分排名（全部单位）", "表2　总分排名（黄浦等七区）", "表3　总分排名（宝山等六区）",
                            "表4　总分排名（浦东闵行青浦）"]
    assert len(captions) == 3 * 4                             # 总分 and two first-level blocks, × 4 scopes
    start = next(k for k, r in enumerate(rows) if r[0] == captions[1]) + 2
    centre = [r for r in rows[start:start + 7]]
    assert [r[0] for r in centre] == sorted(r[0] for r in centre) and centre[0][0] == 1
    assert [r[2] for r in centre] == sorted((r[2] for r in centre), reverse=True)


def test_report_setting_writes_the_report_on_every_rescore(tmp_path):
    book = write_book(tmp_path / "设置报表.xlsx", {
        "细则": [["编号", "一级指标", "二级指标", "分值", "规则", "输入"],
                 ["1", "工作", "完成率", 10, "ratio", "完成数, 计划数"]],
        "数据": [["单位", "完成数", "计划数"], ["甲", 9, 10], ["乙", 10, 10]],
        "设置": [["项目", "值"], ["报表", "是"]],
    })
    assert cli.main(["rescore", str(book), "-q"]) == 0
    wb = openpyxl.load_workbook(book)
    assert {"评分表", "排名表"} <= set(wb.sheetnames)
    assert wb["评分表"]["A1"].value == "甲评分表"
    assert wb["设置"]["B2"].value == "是"                     # the user's cells untouched


# ------------------------------------------------------------------ the PDF

@pytest.mark.libreoffice
def test_sixteen_districts_print_on_two_landscape_pages_table_then_chart(printed):
    sizes = pages(printed["得分"])
    assert len(sizes) <= 2 and all(w > h for w, h in sizes)
    texts = page_texts(printed["得分"])
    assert all(d in texts[0] for d in DISTRICTS)              # the whole table on page 1
    assert "总分（按排名）" in texts[-1] and all(d in texts[-1] for d in DISTRICTS)   # the chart, whole


@pytest.mark.libreoffice
def test_each_score_card_prints_on_one_page(printed):
    texts = page_texts(printed["评分表"])
    assert len(texts) == len(DISTRICTS)
    for text, district in zip(texts, DISTRICTS):
        assert f"{district}评分表" in text and "总分" in text and "排名" in text
    assert all(w < h for w, h in pages(printed["评分表"]))


@pytest.mark.libreoffice
def test_working_issues_and_rankings_print_with_titles_and_page_numbers(printed):
    for name in ("评分过程", "问题", "排名表"):
        texts = page_texts(printed[name])
        assert texts and all(name in t and f"共 {len(texts)} 页" in t for t in texts), name
    assert len(pages(printed["评分过程"])) < 9                 # 9 portrait pages before


def test_report_pdf_without_libreoffice_says_so_in_chinese(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pdf, "soffice", lambda: None)
    out = tmp_path / "无LO.xlsx"
    assert cli.main(["report", str(FUJIAN1), "-o", str(out), "--pdf"]) == 2
    assert "未找到 LibreOffice（soffice），无法生成 PDF" in capsys.readouterr().err
    assert "评分表" in openpyxl.load_workbook(out).sheetnames   # the workbook part is written all the same


def test_ranking_tables_leave_out_groups_of_one_unit(tmp_path):
    # 附表3: each zone is its own 组别, so only the tables over all units are worth printing
    book = tmp_path / "附表3.xlsx"
    shutil.copy(Path(__file__).resolve().parent.parent / "workbooks" / "上海_附表3_特定功能区考核.xlsx", book)
    assert cli.main(["report", str(book), "-q"]) in (0, 1)
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(book)["排名表"].iter_rows()]
    captions = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("表")]
    assert captions and all(c.endswith("（全部单位）") for c in captions)
