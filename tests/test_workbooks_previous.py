"""Rank change against last period's rescored workbook (`rubricxl rescore --previous OLD.xlsx`)."""
from pathlib import Path

import openpyxl

from xladdin.cli import main


def _scores(path: Path) -> dict[str, dict]:
    ws = openpyxl.load_workbook(path)["得分"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    return {r[0]: dict(zip(head, r)) for r in rows[1:] if r[0]}


def test_previous_workbook_gives_rank_change(tmp_path):
    book = tmp_path / "本期.xlsx"
    assert main(["new", str(book)]) == 0
    last = tmp_path / "上期.xlsx"
    assert main(["rescore", str(book), "-o", str(last), "-q"]) == 0
    before = _scores(last)
    # the template ranks 甲 > 乙 > 丙 overall; make 丙 the best this period by editing its inputs
    wb = openpyxl.load_workbook(book)
    ws = wb["数据"]
    head = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "示例单位丙")
    for name, value in {"重点工作评定": 10, "下载速率": 320, "覆盖完成数": 45, "预算执行数": 1000,
                        "预算调整数": 0, "满意度": 0.99, "延误事项数": 0}.items():
        ws.cell(row, head.index(name) + 1).value = value
    wb.save(book)
    out = tmp_path / "结果.xlsx"
    assert main(["rescore", str(book), "-o", str(out), "--previous", str(last), "-q"]) in (0, 1)
    now = _scores(out)
    for unit, row in now.items():
        assert row["上期排名"] == before[unit]["组内排名"]   # the template has groups: 组内 ranks compare
    # 丙 is alone in 二组, so its group rank stays 1; 甲 and 乙 keep theirs: everyone 持平 here,
    # while the overall 排名 moved: 丙 rose from 3rd to 1st
    assert before["示例单位丙"]["排名"] == 3 and now["示例单位丙"]["排名"] == 1
    assert {row["排名变化"] for row in now.values()} == {"持平"}


def test_previous_workbook_without_scores_is_exit_2(tmp_path):
    book = tmp_path / "本期.xlsx"
    main(["new", str(book)])
    other = tmp_path / "空.xlsx"
    main(["new", str(other)])           # never rescored: no 得分 sheet
    assert main(["rescore", str(book), "--previous", str(other), "-q"]) == 2
