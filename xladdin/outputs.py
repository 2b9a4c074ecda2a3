"""Results → owned sheets (得分, 平均, 评分过程, 问题) and the single-unit layout's owned cells."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from engine.aggregate import group_means
from engine.result import Result
from engine.rules import InfoRule

from . import indices
from .layout import SHEET_NAMES, Book, Issue
from .sheetspec import PRINT_WIDTH_POINTS, CellPatch, ChartSpec, PageSetup, SheetSpec, printable, width_points

OUTPUT_KINDS = ("scores", "averages", "explain", "issues")


def owned_names(existing: list[str]) -> dict[str, str]:
    """Each output's sheet name: an existing sheet under the English alias keeps it, else Chinese."""
    lower = {n.lower(): n for n in existing}
    out = {}
    for kind in OUTPUT_KINDS:
        zh, en = SHEET_NAMES[kind]
        out[kind] = zh if zh in existing else lower.get(en.lower(), zh)
    return out


def _cell(v):
    """A cell value: NaN → blank, numpy scalars → Python, whole floats kept as floats."""
    if v is None or v is pd.NA or (isinstance(v, str) and not v):
        return None
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _score_format(decimals: int) -> str:
    return "0" if decimals == 0 else "0." + "0" * decimals


def _is_rate(ind) -> bool:
    """An unscored (info) indicator shown as a percent."""
    v = ind.variants[0].indicator
    return isinstance(v.rule, InfoRule) and v.rule.shows_percent(len(v.inputs))


def scores_sheet(name: str, result: Result, extra: list[tuple[str, np.ndarray, str | None]] = ()) -> SheetSpec:
    """得分: one row per unit; 组别 and 组内排名 only where the book has groups; the 总分 chart
    (in rank order, from 0, labelled) on a page of its own below the table."""
    frame = result.scores_frame()
    for heading, values, _ in extra:
        frame[heading] = values
    if not any(result.groups.astype(str)):       # no groups: neither column means anything
        frame = frame.drop(columns="组别")
        if result.settings.rank_groups == "组别":
            frame = frame.drop(columns="组内排名")
    header = list(frame.columns)
    dp = result.settings.decimals
    fmt_of = {ind.column: ("0.00%" if _is_rate(ind) else "General") if not ind.scored else _score_format(dp)
              for ind in result.indicators}
    fmt_of.update({c: _score_format(dp) for c in result.node_names + [f"{c}（小计）" for c in result.node_names]})
    fmt_of.update({"总分": _score_format(dp), "排名": "0", "组内排名": "0"})
    fmt_of.update({heading: fmt for heading, _, fmt in extra if fmt})
    formats = {c: fmt_of[h] for c, h in enumerate(header) if h in fmt_of}
    for col in ("排名", "组内排名"):
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    rows = [header] + [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    total_col = header.index("总分")
    frozen = 2 if "组别" in header else 1
    wide = len(header) > 24      # many indicators: narrower columns under taller headings
    spec = printable(SheetSpec(name=name, rows=rows, col_formats=formats, freeze=f"{chr(65 + frozen)}2",
                               color_scale_cols=[total_col]), title=name, low=5, high=9 if wide else 14,
                     caps={0: 24}, head_lines=6 if wide else 3)
    if len(rows) > 2:            # a chart of one bar compares nothing
        below = len(rows) + 1
        spec.page.breaks = [below]
        order = sorted(range(1, len(rows)), key=lambda r: -rows[r][total_col] if rows[r][total_col] is not None
                       else np.inf)
        table = sum(width_points(w) for w in spec.col_widths.values())
        # as wide as the table where it fits to the page width, else as wide as one page at its scale
        width = max(table, PRINT_WIDTH_POINTS) if spec.page.fit_width else \
            PRINT_WIDTH_POINTS * 0.95 * 100 / spec.page.scale
        spec.chart = ChartSpec(title="总分（按排名）", label_col=0, value_col=total_col, anchor_col=0,
                               anchor_row=below, order=order, size=(width, width * 0.55))
    return spec


def share_columns(result: Result) -> list[tuple[str, np.ndarray, str | None]]:
    """满分 and 得分率 beside 总分 where full points are not all 100 (grades then read 得分率)."""
    if result.share is None:
        return []
    return [("满分", result.full, "General"), ("得分率", result.share, "0.00%")]


def rank_basis_issue(result: Result, sheet: str) -> Issue | None:
    """Where units' full points differ, say what 排名 compares (设置 排名依据 chooses)."""
    full = result.full[np.isfinite(result.full) & (result.full > 0)]
    if result.share is None or len(np.unique(full)) < 2:
        return None
    maxima = "、".join(f"{v:g}" for v in sorted(np.unique(full).tolist()))
    if result.settings.rank_by == "得分率":
        said = "排名按得分率（总分÷满分）"
    else:
        said = "排名按总分（满分高的单位占优；设置「排名依据」为「得分率」可按得分率排名）"
    return Issue("提示", sheet, "", f"各单位满分不同（{maxima}分）：{said}")


def averages_sheet(name: str, result: Result) -> SheetSpec:
    """Mean of every score and aggregate per group and over all units (seed 003's 中心城区/郊区/全市)."""
    frame = result.scores_frame()
    cols = [c for c in frame.columns if c not in ("单位", "组别", "等级", "排名", "组内排名")]
    info = {ind.column for ind in result.indicators if not ind.scored}
    cols = [c for c in cols if c not in info]
    values = frame[cols].to_numpy(dtype=float)
    groups = result.groups.astype(str)
    dp = result.settings.decimals
    by_group, overall = group_means(values, groups, dp)
    rows = [["范围", "单位数"] + cols]
    labels = [g for g in dict.fromkeys(groups.tolist()) if g]
    for g in labels:
        rows.append([g, int((groups == g).sum())] + [_cell(v) for v in by_group.loc[g]])
    rows.append(["全部", len(groups)] + [_cell(v) for v in overall])
    formats = {c: _score_format(dp) for c in range(2, len(cols) + 2)}
    return printable(SheetSpec(name=name, rows=rows, col_formats=formats, freeze="B2", autofilter=False),
                     title=name, low=5, high=14)


EXCEL_ROWS = 1_048_576


def explain_sheet(name: str, result: Result, issues: list[Issue]) -> SheetSpec:
    """One row per unit × indicator; a book too big for one Excel sheet keeps the first rows and says so."""
    rows = [["单位", "指标", "输入", "规则", "得分", "评分过程"]]
    for u, ind, inputs, rule, s, text in result.working():
        if len(rows) == EXCEL_ROWS:
            issues.append(Issue("提示", name, "", f"评分过程共{len(result) * len(result.indicators)}行以内，超过Excel单表"
                                f"{EXCEL_ROWS}行上限，只列出前{EXCEL_ROWS - 1}行；完整过程可用「说明」按钮逐项查看"))
            break
        rows.append([u, ind, inputs, rule, _cell(s), text])
    return printable(SheetSpec(name=name, rows=rows, col_formats={4: _score_format(result.settings.decimals)}),
                     title=name, wrap=[1, 2, 3, 5], caps={0: 16, 1: 20, 2: 30, 3: 34, 4: 7, 5: 60})


def issues_sheet(name: str, issues: list[Issue]) -> SheetSpec:
    rows = [["严重程度", "工作表", "单元格", "说明"]]
    ordered = sorted(issues, key=lambda i: i.severity != "错误")
    rows += [[i.severity, i.sheet, i.cell, i.message] for i in ordered] or [["提示", "", "", "未发现问题"]]
    return printable(SheetSpec(name=name, rows=rows), title=name, wrap=[3], caps={0: 9, 1: 14, 2: 9, 3: 90})


def single_unit_patch(book: Book, result: Result) -> CellPatch:
    """The single-unit layout writes each row's 得分 and 评分过程 into the rubric sheet itself."""
    hr, cols = book.rubric_header, book.rubric_cols
    last = max(cols.values())
    score_col = cols.get("score", last + 1)
    working_col = cols.get("working", max(score_col, last) + 1)
    cells: dict = {}
    formats: dict = {}
    if "score" not in cols:
        cells[(hr, score_col)] = "得分"
    if "working" not in cols:
        cells[(hr, working_col)] = "评分过程"
    by_row = {}
    for ind in result.indicators:
        for v in ind.variants:
            by_row[v.indicator.row - 1] = ind
    fmt = _score_format(result.settings.decimals)
    for r in book.leaf_rows:
        ind = by_row[r]
        shown = ind.shown[0]
        cells[(r, score_col)] = _cell(shown)
        cells[(r, working_col)] = ind.explain(0)
        formats[(r, score_col)] = fmt if ind.scored else ("0.00%" if _is_rate(ind) else "General")
    return CellPatch(sheet=book.sheets["rubric"], cells=cells, formats=formats)


def build(book: Book, result: Result, issues: list[Issue], existing: list[str]) -> tuple[list[SheetSpec], list[CellPatch]]:
    """The owned sheets and cells; problems found on the way (classes, selection) join ``issues``."""
    names = owned_names(existing)
    extra = share_columns(result) + indices.score_columns(book, result, issues)
    sheets = [scores_sheet(names["scores"], result, extra), averages_sheet(names["averages"], result),
              explain_sheet(names["explain"], result, issues)]
    for extra_sheet in indices.extra_sheets(book, result, issues):   # 入选, 敏感性: printed like the rest
        extra_sheet.page = extra_sheet.page or PageSetup(title=extra_sheet.name)
        sheets.append(extra_sheet)
    sheets.append(issues_sheet(names["issues"], list(issues)))
    patches = [single_unit_patch(book, result)] if book.single else []
    return sheets, patches
