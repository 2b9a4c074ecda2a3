"""What the ribbon buttons and the command line do, as plain functions over a WorkbookHost."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from engine.numbers import is_blank, parse_bool
from engine.rank import PreviousRankSettings
from engine.result import SEVERITY_ERROR, SEVERITY_HINT, Result
from engine.score import score
from engine.sensitivity import SensitivitySettings
from engine.wording import Proposal, read_wording

from . import formula_book, indices, outputs, report as printout
from .formulas import Summary
from .layout import (DATA_COLUMNS, RUBRIC_COLUMNS, SETTING_KEYS, UNIT_SHOWN, Book, Issue, cell_ref, clip,
                     find_header, find_sheet, read_book)
from .protocol import ReadError, WorkbookHost
from .sheetspec import CellPatch
from .template import template_sheets

Progress = Callable[[str, float], None]


def _quiet(stage: str, share: float) -> None:
    """No progress display."""


@dataclass
class Report:
    book: Book
    result: Result
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == SEVERITY_ERROR]

    @property
    def exit_code(self) -> int:
        """0: every score computed; 1: 问题 lists errors (the file is still written)."""
        return 1 if self.errors else 0


def evaluate(host: WorkbookHost, progress: Progress = _quiet, previous: WorkbookHost | None = None) -> Report:
    """Read and score without writing anything (raises ReadError when nothing can be read).

    ``previous``: last period's rescored workbook; its 得分 ranks become the 上期排名 column."""
    progress("读取", 0.0)
    book = read_book(host)
    if previous is not None:
        _previous_ranks(book, previous)
    progress("评分", 0.4)
    result = score(book.rubric, book.units)
    issues = book.issues + [book.issue(p) for p in result.problems if not _reported_by_layout(p, book)]
    basis = outputs.rank_basis_issue(result, outputs.owned_names(host.sheet_names())["scores"])
    return Report(book, result, issues + ([basis] if basis else []))


def _reported_by_layout(p, book: Book) -> bool:
    """The layout already named a missing 数据 column (with the closest existing name)."""
    return p.unit is None and bool(p.inputs) and all(i not in book.units.columns for i in p.inputs)


def _previous_ranks(book: Book, previous: WorkbookHost) -> None:
    """Take each unit's 排名 (组内排名 where the book ranks by group) from an earlier 得分 sheet."""
    sheet = outputs.owned_names(previous.sheet_names())["scores"]
    if sheet not in previous.sheet_names():
        raise ReadError(f"上期工作簿「{previous.name}」中没有「得分」工作表")
    rows = previous.read(sheet)
    head = [str(v) if v is not None else "" for v in rows[0]] if rows else []
    if "单位" not in head or "排名" not in head:
        raise ReadError(f"上期工作簿「{previous.name}」的「得分」表缺少「单位」或「排名」列")
    grouped = any(book.units.groups.tolist()) and "组内排名" in head
    unit_col, rank_col = head.index("单位"), head.index("组内排名" if grouped else "排名")
    ranks = {str(r[unit_col]): r[rank_col] for r in rows[1:] if r and r[unit_col] is not None}
    book.units.columns["上期排名"] = np.array([ranks.get(str(u)) for u in book.units.names], dtype=object)
    if "previous" not in book.options:    # an own 上期排名列 setting wins (and was checked on reading)
        book.indices = replace(book.indices, previous=PreviousRankSettings(column="上期排名", grouped=grouped))


def rescore(host: WorkbookHost, progress: Progress = _quiet, previous: WorkbookHost | None = None,
            with_report: bool | None = None) -> Report:
    """重新评分: score the workbook and replace the owned output sheets (nothing else is touched).

    ``with_report``: also write 评分表 and 排名表; None follows 设置 报表 (是/否, default 否)."""
    report = evaluate(host, progress, previous)
    progress("写入", 0.7)
    if with_report is None:
        with_report = _report_setting(report)
    sheets, patches = outputs.build(report.book, report.result, report.issues, host.sheet_names())
    if with_report:
        progress("报表", 0.8)
        sheets += printout.report_sheets(report.result)
    made = {s.name for s in sheets}
    stale = [n for n in host.sheet_names() if n == indices.SELECTION_SHEET and n not in made]
    host.write(sheets, patches, remove=stale)
    progress("完成", 1.0)
    return report


def export(host: WorkbookHost, progress: Progress = _quiet, ranks: bool = True) -> tuple[Report, Summary]:
    """导出公式版: the rescored workbook with 得分 and 平均 as native formulas over 数据 (written to
    the host's output), for colleagues without rubricxl; → the report and what was compiled."""
    report = evaluate(host, progress)
    progress("写入", 0.7)
    sheets, patches = outputs.build(report.book, report.result, report.issues, host.sheet_names())
    sheets, summary = formula_book.formula_copy(report.book, report.result, sheets, host.sheet_names(),
                                                report.issues, ranks)
    made = {s.name for s in sheets}
    stale = [n for n in host.sheet_names() if n == indices.SELECTION_SHEET and n not in made]
    host.write(sheets, patches, remove=stale)
    progress("完成", 1.0)
    return report, summary


def report(host: WorkbookHost, progress: Progress = _quiet) -> Report:
    """生成报表: rescore and write the printable 评分表 and 排名表 beside the other owned sheets."""
    return rescore(host, progress, with_report=True)


def _report_setting(report: Report) -> bool:
    """设置 报表: 是 writes the printable report on every rescore; a value not 是/否 is a 提示 and means 否."""
    raw = report.book.options.get("report")
    if raw is None:
        return False
    try:
        return parse_bool(raw[0])
    except ValueError as exc:
        r, c = raw[1]
        report.issues.append(Issue(SEVERITY_HINT, report.book.sheets.get("settings", "设置"), cell_ref(r, c + 1),
                                   f"设置「{SETTING_KEYS['report'][0]}」：{exc}，未生成报表"))
        return False


def validate(host: WorkbookHost, write: bool = False) -> list[Issue]:
    """校验细则: the problems of the rubric and its data; with ``write`` they fill the 问题 sheet."""
    report = evaluate(host)
    outputs.build(report.book, report.result, report.issues, host.sheet_names())  # settings problems too
    if write:
        name = outputs.owned_names(host.sheet_names())["issues"]
        host.write([outputs.issues_sheet(name, report.issues)], [], remove=[])
    return report.issues


DERIVED_NOTE = "由评分标准推导，请核对"


@dataclass
class Suggestion:
    """One 细则 row whose 规则 was blank: what the wording reader proposed and what was filled."""

    row: int                    # 0-based sheet row
    proposal: Proposal
    filled: bool


def suggest(host: WorkbookHost) -> tuple[list[Suggestion], list[Issue]]:
    """推导规则: fill each blank 规则 (and blank 输入) of 细则 from its 评分标准; list every row in 问题.

    Only blank cells are written, each with a note saying it was derived. A proposal without points
    that the reader is unsure of is not filled (such rows are often aggregate nodes), only listed.
    """
    sheet = find_sheet(host, "rubric")
    if sheet is None:
        raise ReadError(f"工作簿「{host.name}」中没有「细则」（Rubric）工作表")
    rows = host.read(sheet)
    header = find_header(rows, RUBRIC_COLUMNS, ("criteria",))
    if header is None:
        raise ReadError(f"工作表「{sheet}」中找不到「评分标准」列，无从推导规则")
    hr, cols = header
    if "rule" not in cols:
        raise ReadError(f"工作表「{sheet}」没有「规则」列：请先在表头加一列「规则」，再推导规则")
    rule_col, input_col = cols["rule"], cols.get("input")
    data_sheet = find_sheet(host, "data")
    single = data_sheet is None
    data_columns = set() if single else _data_headings(host, data_sheet)
    cells, notes, issues, found = {}, {}, [], []
    for r in range(hr + 1, len(rows)):
        row = rows[r]

        def at(key):
            c = cols.get(key)
            return row[c] if c is not None and c < len(row) else None
        if is_blank(at("criteria")) or not is_blank(at("rule")):
            continue
        points = at("points")
        name = next((str(at(k)).strip() for k in ("level3", "name", "level2", "level1") if not is_blank(at(k))), "")
        p = read_wording(str(at("criteria")), points, name)
        where = cell_ref(r, rule_col)
        fill = p.rule is not None and (p.sure or not is_blank(points) or not is_blank(at("input")))
        if fill:
            cells[(r, rule_col)] = p.rule
            notes[(r, rule_col)] = DERIVED_NOTE
            # a blank 输入 reads the 数据 column named after the indicator: keep it blank when that column
            # is there for a one-input rule; otherwise name the inputs, so the user sees which columns to add
            default = any(str(at(k)).strip() in data_columns for k in ("level3", "name", "level2", "level1", "id")
                          if not is_blank(at(k)))
            if input_col is not None and is_blank(at("input")) and p.inputs and not single \
                    and not (len(p.inputs) == 1 and default):
                cells[(r, input_col)] = ", ".join(i["name"] for i in p.inputs)
                notes[(r, input_col)] = DERIVED_NOTE
            doubt = "" if p.sure else "（存疑，请核对）"
            issues.append(Issue(SEVERITY_HINT, sheet, where, f"「{name}」推导规则「{p.rule}」{doubt}：{p.reading}"))
        elif p.rule is not None:
            issues.append(Issue(SEVERITY_HINT, sheet, where,
                                f"「{name}」未填写规则（没有分值，且推导存疑）：可考虑「{p.rule}」，{p.reading}"))
        else:
            phrase = "；".join(f"「{u}」" for u in p.unread) or "（全文）"
            issues.append(Issue(SEVERITY_HINT, sheet, where, f"「{name}」未能由评分标准推导规则，未读懂：{phrase}"))
        found.append(Suggestion(r, p, fill))
    patches = [CellPatch(sheet, cells, notes=notes)] if cells else []
    name = outputs.owned_names(host.sheet_names())["issues"]
    host.write([outputs.issues_sheet(name, issues)], patches, remove=[])
    return found, issues


def _data_headings(host: WorkbookHost, sheet: str) -> set[str]:
    """The column headings of the 数据 sheet (empty when it has no 单位 header)."""
    rows = host.read(sheet)
    header = find_header(rows, DATA_COLUMNS, ("unit",))
    return {str(v).strip() for v in rows[header[0]] if not is_blank(v)} if header else set()


def readings(host: WorkbookHost) -> list[tuple[int | None, str, str, str]]:
    """Each rubric row's reading (规则说明): (row, name, rule text, reading), in sheet order.

    A rule that could not be parsed reads as its error, so the list has every rule row."""
    from engine.reading import read_rule
    from engine.rules.base import UnreadableRule
    book = read_book(host)
    out = []
    for ind in book.rubric.indicators:
        if isinstance(ind.rule, UnreadableRule):
            out.append((ind.row, ind.name, "", ind.rule.reason))
        else:
            out.append((ind.row, ind.name, ind.rule.text, read_rule(ind.rule, ind.points)))
    return out


def insert_template(host: WorkbookHost) -> list[str]:
    """新建细则: add example 细则/数据/设置 sheets that are missing; never replaces a user's sheet."""
    existing = {n.lower() for n in host.sheet_names()}
    sheets = [s for s in template_sheets() if s.name.lower() not in existing]
    if sheets:
        host.write(sheets, [], remove=[])
    return [s.name for s in sheets]


def sensitivity(host: WorkbookHost, n_runs: int = 1000, mode: str = "uniform", spread: float = 0.2,
                seed: int = 0) -> Report:
    """Rank sensitivity to the weights: writes the 敏感性 sheet (median rank, 5–95% interval)."""
    params = SensitivitySettings.checked(n_runs, mode, spread, seed)
    report = evaluate(host)
    sheet = indices.sensitivity_sheet(report.book, report.result, params)
    host.write([sheet], [], remove=[])
    return report


def explain(host: WorkbookHost) -> str:
    """说明: the working behind the selected score on 得分 (or the single-unit rubric row)."""
    where = host.selection()
    if where is None:
        return "请先选中「得分」表中的一个分数"
    sheet, row, col = where
    report = evaluate(host)
    result, book = report.result, report.book
    if book.single and sheet == book.sheets["rubric"]:
        for ind in result.indicators:
            if any(v.indicator.row == row + 1 for v in ind.variants):
                return f"{ind.column}：{ind.explain(0)}"
    if sheet != outputs.owned_names(host.sheet_names())["scores"]:
        return "请先选中「得分」表中的一个分数"
    rows = host.read(sheet)
    header = [str(v) if v is not None else "" for v in rows[0]] if rows else []  # columns as written
    if row < 1 or row > len(result) or col >= len(header):
        return "所选单元格不是分数"
    unit, column = row - 1, header[col]
    name = clip(result.units[unit], UNIT_SHOWN)
    for ind in result.indicators:
        if ind.column == column:
            return f"{name} · {column}：{ind.explain(unit)}"
    if column in result.node_names:
        k = result.node_names.index(column)
        reason = result.node_reason(unit, k)
        return f"{name} · {column}：由下级指标汇总（{result.settings.method_for(1)}）" + \
            (f"；{reason}" if reason else "")
    if column == "总分":
        return f"{name} · 总分：{result.summary(unit, name)}"
    return f"{name} · {column}"
