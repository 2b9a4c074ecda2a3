"""Outputs on top of a scored workbook: percentile classes, rank change, selection (入选) and rank
sensitivity (敏感性). Driven by 设置 keys the layout keeps in ``book.options``; the maths lives in
engine/ (classes, rank, select, sensitivity), this module only reads the sheets' words and lays
the answers out. A bad setting or input cell becomes an Issue naming the cell, and the output
it would have fed is left out rather than guessed.
"""
from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pandas as pd

from engine.classes import parse_scheme, classify
from engine.numbers import normalize_text, parse_bool, parse_number_text, yes_no_word
from engine.rank import rank_change
from engine.result import SEVERITY_ERROR, SEVERITY_HINT, Result
from engine.rules import InputColumn
from engine.score import build_tree
from engine.select import CITY, COUNTY, SelectionRules, select
from engine.sensitivity import MODES, rank_sensitivity

from .layout import SETTING_KEYS, Book, Issue, _text, cell_ref
from .sheetspec import SheetSpec

SELECTION_SHEET, SENSITIVITY_SHEET = "入选", "敏感性"
LEVEL_WORDS = {CITY: ("市", "设区市", "地级市"),
               COUNTY: ("县", "区", "县级市", "县(市,区)", "县(市区)", "县市区", "县区")}
DEFAULT_COLUMNS = {"level_column": "层级", "category_column": "类别", "county_count": "所辖县数"}
ALL_CATEGORIES = "全部"
SENSITIVITY_DEFAULTS = {"n_runs": 1000, "mode": "uniform", "spread": 0.2, "seed": 0}
SENSITIVITY_KEYS = {"次数": "n_runs", "n": "n_runs", "runs": "n_runs", "方式": "mode", "mode": "mode",
                    "幅度": "spread", "spread": "spread", "种子": "seed", "seed": "seed"}
MODE_WORDS = {"uniform": "uniform", "均匀": "uniform", "dirichlet": "dirichlet", "狄利克雷": "dirichlet"}
MODE_TEXT = {"uniform": "uniform：每个权重乘以 1±幅度 内的均匀随机数",
             "dirichlet": "dirichlet：同一上级下各权重的份额按狄利克雷分布随机抽取（集中度100）"}
_VETO_ARTICLES = "第六条（六）、第七条（七）"


# ------------------------------------------------------------------------------- settings access

def _setting(book: Book, field: str) -> str:
    """The 设置 value of `field` as text ('' when absent or blank)."""
    raw = book.options.get(field)
    return _text(raw[0]) if raw is not None else ""


def _setting_cell(book: Book, field: str) -> tuple[str, str]:
    """Sheet and value cell of a 设置 key (the value sits right of the key)."""
    r, c = book.options[field][1]
    return book.sheets.get("settings", "设置"), cell_ref(r, c + 1)


def _bad_setting(book: Book, issues: list[Issue], field: str, message: str, severity: str = SEVERITY_ERROR) -> None:
    sheet, cell = _setting_cell(book, field)
    issues.append(Issue(severity, sheet, cell, f"设置「{SETTING_KEYS[field][0]}」：{message}"))


def _data_cell(book: Book, i: int, column: str | None) -> tuple[str, str]:
    col = book.data_cols.get(column) if column else None
    col = book.data_cols.get("__unit__", 0) if col is None else col
    return book.sheets.get("data", "数据"), cell_ref(book.data_rows[i], col)


def _bad_cell(book: Book, issues: list[Issue], i: int, column: str | None, message: str) -> None:
    sheet, cell = _data_cell(book, i, column)
    issues.append(Issue(SEVERITY_ERROR, sheet, cell, f"「{book.units.names[i]}」{message}"))


def _column(book: Book, issues: list[Issue], field: str, name: str, owner: str) -> InputColumn | None:
    """The 数据 column `name` named by 设置 `field` (or its default, reported on `owner`'s cell)."""
    if name in book.units.columns:
        return InputColumn(name, book.units.columns[name])
    if field in book.options:
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
    if _setting(book, "classes"):
        classes = _classes(book, result, issues)
        if classes is not None:
            out.append(("分类", classes, None))
    if _setting(book, "previous"):
        out += _rank_change(book, result, issues)
    return out


def _classes(book: Book, result: Result, issues: list[Issue]) -> np.ndarray | None:
    """设置 分类 on 总分, within 分类分组, exempt units (免评列 = 是) classed 不定等级."""
    try:
        rules = parse_scheme(_setting(book, "classes"))
    except ValueError as exc:
        _bad_setting(book, issues, "classes", f"{exc}，未输出「分类」列")
        return None
    groups = exempt = None
    if name := _setting(book, "class_groups"):
        col = _column(book, issues, "class_groups", name, "classes")
        if col is None:
            return None
        groups = _labels(col)
    if name := _setting(book, "exempt"):
        col = _column(book, issues, "exempt", name, "classes")
        exempt = None if col is None else _yes_no(book, issues, col)
        if exempt is None:
            return None
    return classify(result.total, rules, exempt=exempt, groups=groups, decimals=result.settings.decimals)


def _rank_change(book: Book, result: Result, issues: list[Issue]) -> list[tuple[str, np.ndarray, str | None]]:
    """上期排名 from the 数据 column named by 上期排名列 (`列名` or `列名; 组内|全部`), and 排名变化.

    The previous rank is compared with 组内排名 when the units have rank groups, else with 排名;
    `; 全部` or `; 组内` says which explicitly.
    """
    name, _, scope = (p.strip() for p in _setting(book, "previous").partition(";"))
    if scope not in ("", "组内", "全部"):
        _bad_setting(book, issues, "previous", f"比较范围「{scope}」无效，应为「组内」或「全部」")
        return []
    col = _column(book, issues, "previous", name, "previous")
    if col is None:
        return []
    previous, bad = col.numbers
    bad = bad | (~np.isnan(previous) & ((previous < 1) | (previous != np.floor(previous))))
    for i in np.flatnonzero(bad).tolist():
        _bad_cell(book, issues, i, name, f"的上期排名「{col.text(i)}」应为正整数")
    previous = np.where(bad, np.nan, previous)
    grouped = scope == "组内" or (scope == "" and not np.isnan(result.group_rank).all())
    current = result.group_rank if grouped else result.rank
    return [("上期排名", previous, "0"), ("排名变化", np.array(rank_change(current, previous), dtype=object), None)]


# ------------------------------------------------------------------------------- owned sheets

def extra_sheets(book: Book, result: Result, issues: list[Issue]) -> list[SheetSpec]:
    """Extra owned sheets: 入选 when 遴选名额 is set, 敏感性 when 设置 敏感性 asks for it."""
    sheets = []
    if _setting(book, "quotas"):
        sheet = _selection_sheet(book, result, issues)
        if sheet is not None:
            sheets.append(sheet)
    if _setting(book, "sensitivity"):
        params = _sensitivity_params(book, issues)
        if params is not None:
            try:
                sheets.append(sensitivity_sheet(book, result, **params))
            except ValueError as exc:
                _bad_setting(book, issues, "sensitivity", f"{exc}，未输出「{SENSITIVITY_SHEET}」表")
    return sheets


def _quotas(book: Book, issues: list[Issue]) -> dict[str, int] | None:
    """`市=3; 县=13` → {市: 3, 县: 13}; a level left out keeps the 第五条 number."""
    out = {}
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", _setting(book, "quotas")))):
        key, eq, value = (p.strip() for p in part.partition("="))
        level = _level(key)
        try:
            number = parse_number_text(value.removesuffix("个")) if eq else None
        except ValueError:
            number = None
        if level is None or number is None or number < 0 or number != int(number):
            _bad_setting(book, issues, "quotas", f"「{part}」无法识别，应形如「市=3; 县=13」，未输出「{SELECTION_SHEET}」表")
            return None
        out[level] = int(number)
    return out


def _selection_rules(book: Book, issues: list[Issue]) -> SelectionRules | None:
    """SelectionRules from 设置: 遴选名额, 推荐比例 (`1/5`, `20%` or `无`, optionally `; 条款文本`),
    不重复激励 (`是`/`否`, optionally `; 条款文本` with {上级} for the upper unit), 名额条款, 排序条款."""
    quotas = _quotas(book, issues)
    if quotas is None:
        return None
    values: dict = {"quotas": quotas}
    share, share_text = _value_and_text(_setting(book, "share"))
    if share:
        if share in ("无", "不限", "none"):
            values["share"] = None
        else:
            try:
                values["share"] = _fraction(share)
            except (ValueError, ArithmeticError):
                _bad_setting(book, issues, "share", f"「{share}」无法识别，应形如「1/5」「20%」或「无」，"
                                                    f"未输出「{SELECTION_SHEET}」表")
                return None
        if share_text:
            values["cap_article"] = share_text
    rule, rule_text = _value_and_text(_setting(book, "no_double"))
    if rule:
        try:
            values["exclude_lower_of_selected_upper"] = parse_bool(rule)
        except ValueError:
            _bad_setting(book, issues, "no_double", f"「{rule}」应为 是/否，未输出「{SELECTION_SHEET}」表")
            return None
        if rule_text:
            values["exclusion_article"] = rule_text
    for field, name in (("quota_article", "quota_article"), ("order_article", "order_article")):
        if text := _setting(book, field):
            values[name] = text
    return SelectionRules(**values)


def _value_and_text(setting: str) -> tuple[str, str]:
    """`值; 条款文本` → (值, 条款文本); the article text is optional."""
    value, _, text = normalize_text(setting).partition(";")
    return value.strip(), text.strip()


def _fraction(text: str) -> Fraction:
    """`1/5`, `20%` or `0.2` → a Fraction in (0, 1]; ValueError otherwise."""
    num, slash, den = text.replace(" ", "").partition("/")
    value = Fraction(int(num), int(den)) if slash else Fraction(str(parse_number_text(text)))
    if not 0 < value <= 1:
        raise ValueError(text)
    return value


def _level(text: str) -> str | None:
    t = normalize_text(text).replace(" ", "")
    return next((lv for lv, words in LEVEL_WORDS.items() if t in words), None)


def _vetoes(book: Book, issues: list[Issue]) -> list[tuple[str, str]] | None:
    """否决条件: `列名` or `列名=理由`, `;`-separated → [(column, reason shown)]."""
    out = []
    for part in filter(None, (p.strip() for p in re.split(r"[;；\n]", str(book.options["vetoes"][0])))):
        name, _, reason = part.replace("＝", "=").partition("=")
        name, reason = normalize_text(name), reason.strip()
        if not name:
            _bad_setting(book, issues, "vetoes", f"「{part}」缺少列名")
            return None
        out.append((name, reason or f"{_VETO_ARTICLES}：不具备申报基本条件（{name}）"))
    return out


def _selection_sheet(book: Book, result: Result, issues: list[Issue]) -> SheetSpec | None:
    """入选: the selection measures of 设置 (seed 002's articles by default) applied by engine.select."""
    rules = _selection_rules(book, issues)
    if rules is None:
        return None
    units, n, failed = book.units, len(book.units), len(issues)
    owner = "quotas"
    name_of = lambda f: _setting(book, f) or DEFAULT_COLUMNS[f]

    level_col = _column(book, issues, "level_column", name_of("level_column"), owner)
    levels = np.full(n, "", dtype=object)
    if level_col is not None:
        for i, text in enumerate(level_col.texts):
            levels[i] = _level(text) or ""
            if not levels[i]:
                _bad_cell(book, issues, i, level_col.name, f"的层级「{text}」应为「市」或「县」")

    category_name = name_of("category_column")
    categories = np.full(n, ALL_CATEGORIES, dtype=object)
    if category_name in units.columns or "category_column" in book.options:
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
    if count_name in units.columns or "county_count" in book.options:
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
    for k, (name, reason) in enumerate((_vetoes(book, issues) or []) if "vetoes" in book.options else []):
        col = _column(book, issues, "vetoes", name, owner)
        flags = None if col is None else _yes_no(book, issues, col)
        if flags is not None:
            frame[f"veto{k}"], vetoes[f"veto{k}"] = flags, reason

    if any(i.severity == SEVERITY_ERROR for i in issues[failed:]):
        _bad_setting(book, issues, owner, f"遴选所需的数据有误（见上），未输出「{SELECTION_SHEET}」表")
        return None
    try:
        chosen = select(frame, vetoes, rules, county_count, decimals=result.settings.decimals)
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

def _sensitivity_params(book: Book, issues: list[Issue]) -> dict | None:
    """设置 敏感性: 是 (defaults), 否, or `次数=1000; 方式=uniform; 幅度=20%; 种子=0`."""
    text = _setting(book, "sensitivity")
    answer = yes_no_word(text) if text not in ("0", "1") else text == "1"
    if answer is False:
        return None
    params = dict(SENSITIVITY_DEFAULTS)
    if answer:
        return params
    for part in filter(None, (p.strip() for p in re.split(r"[;,\n]", text))):
        key, _, value = (p.strip() for p in part.partition("="))
        field = SENSITIVITY_KEYS.get(key.lower())
        try:
            if field == "mode":
                params[field] = MODE_WORDS[value.lower()]
            elif field == "spread":
                params[field] = float(parse_number_text(value))
            elif field in ("n_runs", "seed"):
                number = parse_number_text(value.removesuffix("次"))
                if number != int(number) or number < (1 if field == "n_runs" else 0):
                    raise ValueError
                params[field] = int(number)
            else:
                raise ValueError
        except (ValueError, KeyError):
            _bad_setting(book, issues, "sensitivity", f"「{part}」无法识别，应形如「次数=1000; 方式=uniform; 幅度=20%; 种子=0」"
                         f"，未输出「{SENSITIVITY_SHEET}」表")
            return None
    return params


def sensitivity_sheet(book: Book, result: Result, n_runs: int, mode: str, spread: float, seed: int) -> SheetSpec:
    """敏感性: each unit's rank under `n_runs` random weight sets (median and 5%–95% interval).

    Raises ValueError (Chinese) for bad arguments or weights that differ between unit groups.
    """
    if mode not in MODES:
        raise ValueError(f"扰动方式「{mode}」无效，应为 uniform 或 dirichlet")
    if not 0 <= spread < 1:
        raise ValueError(f"扰动幅度「{spread:g}」无效，应在0到1之间（如0.2表示±20%）")
    if n_runs < 1:
        raise ValueError(f"扰动次数「{n_runs}」无效，应为正整数")
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
