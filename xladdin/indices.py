"""Outputs on top of a scored workbook: percentile classes, rank change, selection (入选) and rank
sensitivity (敏感性). Driven by the engine models the layout read from 设置 once
(``book.indices``, where a bad setting was already reported at its cell); the maths lives in
engine/ (classes, rank, select, sensitivity), this module checks the 数据 columns those settings
name and lays the answers out. A bad 数据 cell becomes an Issue naming the cell, and the output
it would have fed is left out rather than guessed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.classes import ClassSettings, classify
from engine.numbers import normalize_text
from engine.rank import PreviousRankSettings, rank_change
from engine.result import SEVERITY_ERROR, SEVERITY_HINT, Result
from engine.rules import InputColumn
from engine.score import build_tree
from engine.select import COUNTY, SelectionSettings, level_of, select
from engine.sensitivity import SensitivitySettings, rank_sensitivity

from .layout import SELECTION_SHEET, SENSITIVITY_SHEET, SETTING_KEYS, Book, Issue, cell_ref
from .sheetspec import SheetSpec

DEFAULT_COLUMNS = {"level_column": "层级", "category_column": "类别", "county_count": "所辖县数"}
ALL_CATEGORIES = "全部"
MODE_TEXT = {"uniform": "uniform：每个权重乘以 1±幅度 内的均匀随机数",
             "dirichlet": "dirichlet：同一上级下各权重的份额按狄利克雷分布随机抽取（集中度100）"}


# ------------------------------------------------------------------------------- cells

def _bad_setting(book: Book, issues: list[Issue], field: str, message: str, severity: str = SEVERITY_ERROR) -> None:
    sheet, cell = book.setting_cell(field)
    issues.append(Issue(severity, sheet, cell, f"设置「{SETTING_KEYS[field][0]}」：{message}"))


def _data_cell(book: Book, i: int, column: str | None) -> tuple[str, str]:
    col = book.data_cols.get(column) if column else None
    col = book.data_cols.get("__unit__", 0) if col is None else col
    return book.sheets.get("data", "数据"), cell_ref(book.data_rows[i], col)


def _bad_cell(book: Book, issues: list[Issue], i: int, column: str | None, message: str) -> None:
    sheet, cell = _data_cell(book, i, column)
    issues.append(Issue(SEVERITY_ERROR, sheet, cell, f"「{book.units.names[i]}」{message}"))


def _column(book: Book, issues: list[Issue], field: str, name: str, owner: str, named: bool = True) -> InputColumn | None:
    """The 数据 column `name` named by 设置 `field` (`named`), or its default (reported on `owner`'s cell)."""
    if name in book.units.columns:
        return InputColumn(name, book.units.columns[name])
    if named:
        _bad_setting(book, issues, field, f"数据表中没有「{name}」列")
    else:
        _bad_setting(book, issues, owner, f"数据表中没有「{name}」列（可在设置「{SETTING_KEYS[field][0]}」中指定列名）")
    return None


def _yes_no(book: Book, issues: list[Issue], col: InputColumn) -> np.ndarray | None:
    """是/否 cells as booleans (blank = 否); None after reporting every unreadable cell."""
    values, bad = col.booleans
    for i in np.flatnonzero(bad).tolist():
        _bad_cell(book, issues, i, col.name, f"的「{col.name}」应为 是/否，实际为「{col.text(i)}」")
    return None if bad.any() else values == 1


def _labels(col: InputColumn) -> np.ndarray:
    """Text labels of a column as the layout normalises names ('' for blank)."""
    return np.array([normalize_text(t) for t in col.texts], dtype=object)


# ----------------------------------------------------------------------------- 得分 columns

def score_columns(book: Book, result: Result, issues: list[Issue]) -> list[tuple[str, np.ndarray, str | None]]:
    """Extra 得分 columns: (heading, values per unit, number format)."""
    out = []
    if book.indices.classes is not None:
        classes = _classes(book, result, issues, book.indices.classes)
        if classes is not None:
            out.append(("分类", classes, None))
    if book.indices.previous is not None:
        out += _rank_change(book, result, issues, book.indices.previous)
    return out


def _classes(book: Book, result: Result, issues: list[Issue], asked: ClassSettings) -> np.ndarray | None:
    """设置 分类 on 总分, within 分类分组, exempt units (免评列 = 是) classed 不定等级."""
    groups = exempt = None
    if name := asked.groups_column:
        col = _column(book, issues, "class_groups", name, "classes")
        if col is None:
            return None
        groups = _labels(col)
    if name := asked.exempt_column:
        col = _column(book, issues, "exempt", name, "classes")
        exempt = None if col is None else _yes_no(book, issues, col)
        if exempt is None:
            return None
    return classify(result.total, asked.scheme, exempt=exempt, groups=groups, decimals=result.settings.decimals)


def _rank_change(book: Book, result: Result, issues: list[Issue],
                 asked: PreviousRankSettings) -> list[tuple[str, np.ndarray, str | None]]:
    """上期排名 from the 数据 column named by 上期排名列, and 排名变化.

    The previous rank is compared with 组内排名 when the units have rank groups, else with 排名;
    `; 全部` or `; 组内` in the setting says which explicitly.
    """
    name = asked.column
    col = _column(book, issues, "previous", name, "previous")
    if col is None:
        return []
    previous, bad = col.numbers
    bad = bad | (~np.isnan(previous) & ((previous < 1) | (previous != np.floor(previous))))
    for i in np.flatnonzero(bad).tolist():
        _bad_cell(book, issues, i, name, f"的上期排名「{col.text(i)}」应为正整数")
    previous = np.where(bad, np.nan, previous)
    grouped = asked.grouped if asked.grouped is not None else not np.isnan(result.group_rank).all()
    current = result.group_rank if grouped else result.rank
    return [("上期排名", previous, "0"), ("排名变化", np.array(rank_change(current, previous), dtype=object), None)]


# ------------------------------------------------------------------------------- owned sheets

def extra_sheets(book: Book, result: Result, issues: list[Issue]) -> list[SheetSpec]:
    """Extra owned sheets: 入选 when 遴选名额 is set, 敏感性 when 设置 敏感性 asks for it."""
    sheets = []
    if book.indices.selection is not None:
        sheet = _selection_sheet(book, result, issues, book.indices.selection)
        if sheet is not None:
            sheets.append(sheet)
    if book.indices.sensitivity is not None:
        try:
            sheets.append(sensitivity_sheet(book, result, book.indices.sensitivity))
        except ValueError as exc:
            _bad_setting(book, issues, "sensitivity", f"{exc}，未输出「{SENSITIVITY_SHEET}」表")
    return sheets


def _selection_sheet(book: Book, result: Result, issues: list[Issue], asked: SelectionSettings) -> SheetSpec | None:
    """入选: the selection measures of 设置 (seed 002's articles by default) applied by engine.select."""
    units, n, failed = book.units, len(book.units), len(issues)
    owner = "quotas"
    given = {"level_column": asked.level_column, "category_column": asked.category_column,
             "county_count": asked.county_count_column}
    name_of = lambda f: given[f] or DEFAULT_COLUMNS[f]

    level_col = _column(book, issues, "level_column", name_of("level_column"), owner, given["level_column"] is not None)
    levels = np.full(n, "", dtype=object)
    if level_col is not None:
        for i, text in enumerate(level_col.texts):
            levels[i] = level_of(text) or ""
            if not levels[i]:
                _bad_cell(book, issues, i, level_col.name, f"的层级「{text}」应为「市」或「县」")

    category_name = name_of("category_column")
    categories = np.full(n, ALL_CATEGORIES, dtype=object)
    if category_name in units.columns or given["category_column"] is not None:
        col = _column(book, issues, "category_column", category_name, owner)
        if col is not None:
            categories = np.array(col.texts, dtype=object)
            for i in np.flatnonzero(categories == "").tolist():
                _bad_cell(book, issues, i, col.name, f"缺少「{col.name}」（申报的督查激励类别）")

    parents = np.array(["" if p is None else str(p) for p in units.parents], dtype=object) \
        if units.parents is not None else np.full(n, "", dtype=object)
    for i in np.flatnonzero((levels == COUNTY) & (parents == "")).tolist():
        _bad_cell(book, issues, i, "上级", "是县（市、区），缺少「上级」（所属设区市）")

    frame = pd.DataFrame({"unit": units.names, "level": levels, "parent": parents, "category": categories,
                          "score": result.total})
    count_name = name_of("county_count")
    county_count = None
    if count_name in units.columns or given["county_count"] is not None:
        col = _column(book, issues, "county_count", count_name, owner)
        if col is not None:
            counts, bad = col.numbers
            for i in np.flatnonzero(bad).tolist():
                _bad_cell(book, issues, i, col.name, f"的所辖县数「{col.text(i)}」不是数值")
            frame["所辖县数"], county_count = counts, "所辖县数"
    else:
        _bad_setting(book, issues, owner, f"数据表中没有「{count_name}」列，未按第八条检查各市推荐名额（所辖县数的五分之一）",
                     SEVERITY_HINT)

    vetoes = {}
    for k, (name, reason) in enumerate(asked.vetoes):
        col = _column(book, issues, "vetoes", name, owner)
        flags = None if col is None else _yes_no(book, issues, col)
        if flags is not None:
            frame[f"veto{k}"], vetoes[f"veto{k}"] = flags, reason

    if any(i.severity == SEVERITY_ERROR for i in issues[failed:]):
        _bad_setting(book, issues, owner, f"遴选所需的数据有误（见上），未输出「{SELECTION_SHEET}」表")
        return None
    try:
        chosen = select(frame, vetoes, asked.rules, county_count, decimals=result.settings.decimals)
    except ValueError as exc:
        _bad_setting(book, issues, owner, f"遴选无法进行：{exc}")
        return None
    return _selection_spec(chosen, result)


def _selection_spec(chosen, result: Result) -> SheetSpec:
    """The candidates sorted by category, 市 before 县, committee order; the summary beside them."""
    t = chosen.table
    order = list(dict.fromkeys(t["category"]))
    t = t.assign(_c=t["category"].map(order.index), _l=(t["level"] == COUNTY).astype(int),
                 _r=t["rank"].fillna(np.inf), _i=np.arange(len(t)))
    t = t.sort_values(["_c", "_l", "_r", "_i"])
    head = ["单位", "类别", "层级", "上级", "总分", "类别内排名", "状态", "理由"]
    main = [head] + [[u, c, lv, p or None, _num(s), _num(r), st, why] for u, c, lv, p, s, r, st, why in
                     zip(t["unit"], t["category"], t["level"], t["parent"], t["score"], t["rank"], t["status"],
                         t["reason"])]
    side = [["遴选类别", "遴选层级", "名额", "入选", "待定", "剩余", "说明"]]   # headings unique in the row
    side += [[row.category, row.level, row.quota, row.selected, row.pending, row.remaining, row.note or None]
             for row in chosen.summary.itertuples()]
    rows = _side_by_side(main, side)
    gap = len(head) + 1
    dp = result.settings.decimals
    return SheetSpec(name=SELECTION_SHEET, rows=rows,
                     col_formats={4: "0" if dp == 0 else "0." + "0" * dp, 5: "0",
                                  **{gap + k: "0" for k in range(2, 6)}},
                     col_widths={0: 14, 1: 28, 2: 6, 3: 10, 4: 9, 5: 10, 6: 12, 7: 70,
                                 gap: 28, gap + 1: 6, gap + 6: 60},
                     freeze="B2", autofilter=False)


def _num(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)


def _side_by_side(main: list[list], side: list[list]) -> list[list]:
    """Two tables in one sheet: `side` starts two columns right of `main`, both headed on row 1."""
    width = len(main[0]) + 1
    return [(main[k] if k < len(main) else [None] * (width - 1)) + [None] + (side[k] if k < len(side) else [])
            for k in range(max(len(main), len(side)))]


# ----------------------------------------------------------------------------------- 敏感性

def sensitivity_sheet(book: Book, result: Result, params: SensitivitySettings) -> SheetSpec:
    """敏感性: each unit's rank under `params.n_runs` random weight sets (median and 5%–95% interval).

    Raises ValueError (Chinese) for weights that differ between unit groups.
    """
    n_runs, mode, spread, seed = params.n_runs, params.mode, params.spread, params.seed
    settings = result.settings
    tree, _, weights = build_tree(book.rubric, result.indicators, book.units, settings)
    moving = np.array([p >= 0 and tree.method[p] != "sum" for p in tree.parent])   # weights that matter
    if any(not np.array_equal(w[moving], weights[0][1][moving], equal_nan=True) for _, w in weights[1:]):
        raise ValueError("各组别的加权平均权重不同，暂不能对全部单位做统一的权重扰动")
    scored = [r for r in result.indicators if r.scored]
    leaf = np.column_stack([r.score for r in scored])
    assessed = np.column_stack([r.assessed for r in scored])     # 不涉及 (na=exclude) rows leave the total
    notes = []
    sens = rank_sensitivity(tree, leaf, assessed, n_runs=n_runs, mode=mode, spread=spread, seed=seed,
                            decimals=settings.decimals, method=settings.ranking,
                            round_each_level=settings.round_each_level,
                            coefficient=_coefficient(book, settings.coefficient),
                            points=np.column_stack([r.points for r in scored]), ceiling=result.ceiling)
    if not moving.any():
        notes.append("各级汇总均为求和，权重不影响总分，排名不随权重变化")
    if any(m != "blank" for m in tree.missing[tree.n_leaves:]):
        notes.append("缺失的指标在每次重算中按设置「缺失值」跳过，与评分相同")
    head = ["单位", "组别", "总分", "排名", "中位排名", "排名5%分位", "排名95%分位"]
    main = [head] + [[u, g or None, _num(t), _num(r), _num(m), _num(lo), _num(hi)] for u, g, t, r, m, lo, hi in
                     zip(result.units, result.groups, result.total, result.rank, sens.median_rank, sens.p05, sens.p95)]
    side = [["参数", "值"], ["扰动次数", n_runs], ["扰动方式", MODE_TEXT[mode]],
            ["扰动幅度", f"±{spread:.0%}" if mode == "uniform" else "不适用"], ["随机种子", seed],
            ["说明", "每次按扰动后的权重重算总分与排名；5%–95%分位为排名的90%区间，区间越窄，排名越不依赖权重的取值"]]
    side += [["注意", note] for note in notes]
    dp = settings.decimals
    gap = len(head) + 1
    return SheetSpec(name=SENSITIVITY_SHEET, rows=_side_by_side(main, side),
                     col_formats={2: "0" if dp == 0 else "0." + "0" * dp, 3: "0", 4: "0.0", 5: "0.0", 6: "0.0"},
                     col_widths={0: 16, 1: 10, 2: 9, 3: 7, 4: 9, 5: 11, 6: 12, gap: 10, gap + 1: 70},
                     freeze="B2", autofilter=False)


def _coefficient(book: Book, column: str | None) -> np.ndarray | None:
    """The 系数 column as numbers (blank or text → NaN: scoring already reported it)."""
    if not column or column not in book.units.columns:
        return None
    values, bad = InputColumn(column, book.units.columns[column]).numbers
    return np.where(bad, np.nan, values)
