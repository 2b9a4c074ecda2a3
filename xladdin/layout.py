"""Sheets ↔ engine: read 细则/数据/设置 as officials write them, and lay results out as owned sheets.

Reading tolerates what real rubrics contain: title rows above the header, Chinese or English
headers, merged or blank level cells, numbers as text with full-width digits, 分 and %, blank rows.
Everything wrong is reported as an Issue naming the sheet and cell; nothing is guessed silently.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from engine.classes import ClassSettings
from engine.clauses import RuleError, SettingError
from engine.language import parse_rule
from engine.model import (RANK_BASES, RANKINGS, GradeScheme, Imputation, Indicator, NodeSpec, Normalization, Rubric,
                          Settings, parse_outliers)
from engine.numbers import fmt_num, is_blank, normalize_text, parse_number_text, to_decimal
from engine.rank import PreviousRankSettings
from engine.result import SEVERITY_ERROR, SEVERITY_HINT, Problem
from engine.rules.base import EXCEL_ERROR, UnreadableRule
from engine.score import Units
from engine.select import SelectionSettings
from engine.sensitivity import SensitivitySettings

from .protocol import ReadError, WorkbookHost

SHEET_NAMES = {
    "rubric": ("细则", "Rubric", "评分细则", "考核细则", "评分标准", "考核评分细则", "细则表"),
    "data": ("数据", "Data", "基础数据", "考核数据", "数据表", "评分数据"),
    "settings": ("设置", "Settings", "评分设置", "考核设置", "参数设置"),
    "scores": ("得分", "Scores"), "averages": ("平均", "Averages"), "explain": ("评分过程", "Explain"),
    "issues": ("问题", "Issues"),
}
RUBRIC_COLUMNS = {
    "id": ("编号", "id", "指标编号"), "level1": ("一级指标", "level1", "考核指标"), "level2": ("二级指标", "level2"),
    "level3": ("三级指标", "level3"), "name": ("指标", "指标名称", "name"),
    "points": ("分值", "points", "权重分", "满分"), "rule": ("规则", "rule", "计分规则"),
    "input": ("输入", "input", "inputs"), "criteria": ("评分标准", "criteria", "评分细则", "评分规则"),
    "group": ("组别", "group", "适用组别"), "weight": ("权重", "weight"), "value": ("业绩值", "value"),
    "score": ("得分", "score"), "working": ("评分过程", "working", "explain"),
    "normalize": ("标准化", "normalize", "normalise"), "direction": ("方向", "direction", "指标方向"),
    "impute": ("插补", "impute", "插补方法"), "outliers": ("异常值", "outliers", "异常值处理"),
}
DATA_COLUMNS = {"unit": ("单位", "unit", "单位名称", "被考核单位"), "group": ("组别", "group"),
                "parent": ("上级", "parent", "所属上级")}
SETTING_KEYS = {
    "grades": ("等级", "grades"), "decimals": ("小数位", "decimals"), "ranking": ("排名", "ranking"),
    "rank_groups": ("排名分组", "rank_groups"), "aggregate": ("汇总", "aggregate"),
    "rank_by": ("排名依据", "rank_by"),
    "coefficient": ("系数", "coefficient"), "unit": ("单位", "unit", "被评价单位"),
    "round": ("逐级取整", "round_each_level"), "normalize": ("标准化", "normalize"),
    "total_cap": ("总分上限", "total_cap"),
    "missing": ("缺失值", "missing", "缺失值处理"), "min_share": ("最少数据", "min_data"),
    "impute": ("插补", "impute"), "outliers": ("异常值", "outliers"),
    # outputs laid out by xladdin/indices.py, read into IndexSettings by _read_index_settings
    "classes": ("分类", "classes"), "class_groups": ("分类分组", "class_groups"),
    "exempt": ("免评列", "exempt"), "previous": ("上期排名列", "previous_rank"),
    "quotas": ("遴选名额", "quotas"), "vetoes": ("否决条件", "vetoes"), "level_column": ("层级列", "level_column"),
    "category_column": ("类别列", "category_column"), "county_count": ("所辖县数列", "county_count"),
    "share": ("推荐比例", "recommend_share"), "no_double": ("不重复激励", "no_double_reward"),
    "quota_article": ("名额条款", "quota_article"), "order_article": ("排序条款", "order_article"),
    "sensitivity": ("敏感性", "sensitivity"),
    "report": ("报表", "report"),   # 是: every rescore also writes 评分表 and 排名表 (xladdin/report.py)
}
ENGINE_SETTINGS = ("grades", "decimals", "ranking", "rank_groups", "aggregate", "coefficient", "unit", "round",
                   "rank_by", "total_cap", "missing", "min_share")
BLANK_WHEN_BROKEN = {"grades": "等级", "ranking": "排名", "rank_by": "排名", "aggregate": "汇总"}
SELECTION_SHEET, SENSITIVITY_SHEET = "入选", "敏感性"
LEVELS = ("level1", "level2", "level3")
TOTAL_WORDS = ("合计", "总计", "总分", "total")
SUMMARY_ROWS = ("合计", "小计", "总计", "平均", "平均值", "平均分", "均值", "全市平均", "全省平均", "汇总")
_STATED = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")


UNIT_SHOWN, MESSAGE_SHOWN = 50, 300     # characters of a unit name / a message shown on a screen line


def clip(text, limit: int) -> str:
    """At most ``limit`` characters of a text shown to the user, with an ellipsis when cut: a cell
    may hold 32,767 characters, and a name or a value echoed in full would flood the screen."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass(frozen=True)
class Issue:
    """One row of the 问题 sheet."""

    severity: str
    sheet: str
    cell: str
    message: str

    def line(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"[{self.severity}] {where}: {clip(self.message, MESSAGE_SHOWN)}"


@dataclass(frozen=True)
class IndexSettings:
    """The outputs 设置 asks for beyond scores, each read once into its engine model (None: not
    asked, or asked with a value that cannot be read, which is then an 错误 at its cell)."""

    classes: ClassSettings | None = None               # 分类 (+ 分类分组, 免评列)
    previous: PreviousRankSettings | None = None       # 上期排名列
    selection: SelectionSettings | None = None         # 遴选名额 (+ 推荐比例, 否决条件, … )
    sensitivity: SensitivitySettings | None = None     # 敏感性


@dataclass
class Book:
    """A workbook read into engine terms, with what is needed to point back at its cells."""

    rubric: Rubric
    units: Units
    single: bool
    sheets: dict[str, str]                           # kind -> actual sheet name (rubric, data, settings)
    issues: list[Issue] = field(default_factory=list)
    rubric_header: int = 0
    rubric_cols: dict[str, int] = field(default_factory=dict)
    leaf_rows: list[int] = field(default_factory=list)          # 0-based sheet row of each indicator
    data_rows: list[int] = field(default_factory=list)          # 0-based sheet row of each unit
    data_cols: dict[str, int] = field(default_factory=dict)     # input column -> 0-based col
    input_cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # single layout: key -> cell
    setting_cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    options: dict[str, tuple[object, tuple[int, int]]] = field(default_factory=dict)  # other 设置: raw value, cell
    ambiguous: dict[str, list[str]] = field(default_factory=dict)   # 数据 heading written twice -> its cells
    indices: IndexSettings = field(default_factory=IndexSettings)

    def setting_cell(self, field: str) -> tuple[str, str]:
        """Sheet and value cell of the 设置 key `field` (the value sits right of the key)."""
        r, c = self.setting_cells.get(SETTING_KEYS[field][0], (0, 0))
        return self.sheets.get("settings", "设置"), cell_ref(r, c + 1)

    def locate(self, p: Problem) -> tuple[str, str]:
        """Sheet and cell an engine problem points at."""
        if p.setting:
            r, c = self.setting_cells.get(p.setting, (0, 1))
            return self.sheets.get("settings", "设置"), cell_ref(r, c + 1)
        if p.inputs and self.single and p.inputs[0] in self.input_cells:
            return self.sheets["rubric"], cell_ref(*self.input_cells[p.inputs[0]])
        if p.unit is not None and not self.single:
            col = self.data_cols.get(p.inputs[0]) if p.inputs else None
            return self.sheets["data"], cell_ref(self.data_rows[p.unit], col if col is not None else
                                                 self.data_cols.get("__unit__", 0))
        if p.rubric_row is not None:
            return self.sheets["rubric"], cell_ref(p.rubric_row - 1, self.rubric_cols.get("rule", 0))
        return self.sheets.get("rubric", "细则"), ""

    def issue(self, p: Problem) -> Issue:
        sheet, cell = self.locate(p)
        unit = f"「{clip(self.units.names[p.unit], UNIT_SHOWN)}」" if p.unit is not None and not self.single else ""
        return Issue(p.severity, sheet, cell, f"{unit}{p.message}")


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) → A1."""
    letters, c = "", col + 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def find_sheet(host: WorkbookHost, kind: str) -> str | None:
    names = {normalize_text(n).lower(): n for n in host.sheet_names()}
    for alias in SHEET_NAMES[kind]:
        if alias.lower() in names:
            return names[alias.lower()]
    return None


def _key(text) -> str:
    return normalize_text(str(text)).replace(" ", "").lower() if not is_blank(text) else ""


def find_header(rows: list[list], columns: dict[str, tuple[str, ...]], need: tuple[str, ...],
                scan: int = 15) -> tuple[int, dict[str, int]] | None:
    """The first row (of the first `scan`) naming the `need` columns; → (row index, field → col)."""
    lookup = {_key(a): f for f, aliases in columns.items() for a in aliases}
    for r, row in enumerate(rows[:scan]):
        found: dict[str, int] = {}
        for c, v in enumerate(row):
            f = lookup.get(_key(v))
            if f and f not in found:
                found[f] = c
        if all(n in found for n in need):
            return r, found
    return None


def _text(v) -> str:
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return normalize_text(str(v)) if isinstance(v, str) else str(v)


def _split_list(v) -> list[str]:
    return [p.strip() for p in re.split(r"[,、;]", _text(v).replace("、", ",")) if p.strip()]


def _fill_merged(rows: list[list], merged: list[tuple[int, int, int, int]]) -> None:
    """Copy a merged range's top-left value into its other cells (officials merge level cells),
    within the table read: a range merged out to column XFD fills no columns beyond it."""
    width = max((len(r) for r in rows), default=0)
    for r1, c1, r2, c2 in merged:
        if r1 >= len(rows) or c1 >= len(rows[r1]):
            continue
        c2 = min(c2, width - 1)
        value = rows[r1][c1]
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            row.extend([None] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    row[c] = value


def read_book(host: WorkbookHost) -> Book:
    """Read the rubric, the units and the settings. Raises ReadError when there is nothing to score."""
    rubric_sheet = find_sheet(host, "rubric")
    if rubric_sheet is None:
        names = host.sheet_names()
        close = difflib.get_close_matches("细则", names, n=1, cutoff=0.3) or \
            [n for n in names if "细则" in n or "评分" in n or "考核" in n][:1]
        hint = f"，是否为「{close[0]}」？请将其改名为「细则」" if close else f"（现有工作表：{'、'.join(names)}）"
        raise ReadError(f"工作簿「{host.name}」中没有「细则」（Rubric）工作表{hint}")
    data_sheet = find_sheet(host, "data")
    settings_sheet = find_sheet(host, "settings")
    sheets = {"rubric": rubric_sheet}
    if data_sheet:
        sheets["data"] = data_sheet
    if settings_sheet:
        sheets["settings"] = settings_sheet
    issues: list[Issue] = []
    settings, setting_cells, unit_name, options, index_settings = _read_settings(host, settings_sheet, issues)
    rows = [list(r) for r in host.read(rubric_sheet)]
    _fill_merged(rows, [m for m in host.merged(rubric_sheet) if m[1] <= 12])
    header = find_header(rows, RUBRIC_COLUMNS, ("rule",))
    if header is None:
        raise ReadError(f"工作表「{rubric_sheet}」中找不到表头（需要「规则」列，以及「分值」「一级指标」等列）")
    hr, cols = header
    single = data_sheet is None
    if single and "value" not in cols:
        close = [n for n in host.sheet_names() if "数据" in n or n.lower().startswith("data")]
        hint = f"（是否为「{close[0]}」？请将其改名为「数据」）" if close else ""
        raise ReadError(f"工作簿中没有「数据」工作表{hint}，「{rubric_sheet}」也没有「业绩值」列：无从取得输入")
    book = Book(rubric=Rubric(indicators=()), units=Units(np.array([], dtype=object), np.array([], dtype=object)),
                single=single, sheets=sheets, issues=issues, rubric_header=hr, rubric_cols=cols,
                setting_cells=setting_cells, options=options, indices=index_settings)
    indicators, nodes, single_inputs = _read_rubric(rows, hr, cols, rubric_sheet, book)
    if single:
        name = unit_name or host.name.rsplit(".", 1)[0]
        book.units = Units.single(name, single_inputs)
    else:
        book.units = _read_data(host, data_sheet, book)
        if not len(book.units):
            raise ReadError(f"工作表「{data_sheet}」中没有单位（表头下没有填写单位名称的行）")
        indicators = _check_inputs(indicators, book, rubric_sheet)
        _check_groups(indicators, book)
    if not indicators:
        raise ReadError(f"工作表「{rubric_sheet}」中没有带规则的指标行")
    settings = _check_missing(settings, max(len(i.path) for i in indicators), settings_sheet, setting_cells, issues)
    settings = _check_weight_scales(indicators, nodes, settings, rubric_sheet, book)
    book.rubric = Rubric(indicators=tuple(indicators), nodes=tuple(nodes), settings=settings)
    _check_stated_points(book, rubric_sheet)
    _check_ambiguous_unread(book)
    issues.extend(Issue(SEVERITY_HINT, sheet, cell, message) for sheet, cell, message in host.hints)
    return book


def _check_weight_scales(indicators: list[Indicator], nodes: list[NodeSpec], settings: Settings, sheet: str,
                         book: Book) -> Settings:
    """Sibling weights written two ways, as fractions and as percent points (0.4 beside 20, 20,
    20: 40% read as 0.4 would weigh 1/50 of its siblings), are an 错误, and the aggregates are
    left blank: the sign is that reading the larger ones as percents makes the weights sum to 100%."""
    siblings: dict[tuple, list] = {}
    for item in (*indicators, *nodes):
        if item.weight is not None and item.groups is None and item.row is not None:
            siblings.setdefault(item.path[:-1], []).append(item)
    col = book.rubric_cols.get("weight", 0)
    for parent, items in siblings.items():
        if settings.method_for(len(parent) + 1) == "sum":
            continue
        small = [i for i in items if i.weight <= 1]
        big = [i for i in items if i.weight > 1]
        if small and big and sum(i.weight for i in small) + sum(i.weight for i in big) / 100 == 1:
            said = "、".join(f"「{i.path[-1]}」{fmt_num(i.weight)}" for i in items)
            book.issues.append(Issue(SEVERITY_ERROR, sheet, cell_ref(small[0].row - 1, col),
                                     f"同级权重的写法不一致（{said}）：有的按小数或百分比、有的按百分点填写，"
                                     f"请统一（如 0.4 与 0.2，或 40 与 20）；汇总结果留空"))
            settings = settings.model_copy(update={"blank": settings.blank | {"汇总"}})
    return settings


def _check_missing(settings: Settings, depth: int, sheet, cells, issues: list[Issue]) -> Settings:
    """缺失值 against the rubric's levels: 跳过 on a 求和 level is an 错误 (空白 is used instead);
    最少数据 with no skipping level does nothing, which a 提示 says."""
    try:
        settings.check_missing(depth)
    except ValueError as exc:
        r, c = cells[SETTING_KEYS["missing"][0]]
        issues.append(Issue(SEVERITY_ERROR, sheet, cell_ref(r, c + 1), f"设置「缺失值」无效：{exc}，已按空白处理"))
        settings = settings.model_copy(update={"missing": "blank", "missing_levels": {}})
    if settings.min_share is not None or settings.min_share_levels:
        if all(settings.missing_for(level) == "blank" for level in range(1, depth + 1)):
            r, c = cells[SETTING_KEYS["min_share"][0]]
            issues.append(Issue(SEVERITY_HINT, sheet, cell_ref(r, c + 1),
                                "设置「最少数据」只在「缺失值=跳过」的层级起作用，现在各层级均为空白，未使用"))
    return settings


def _read_settings(host, sheet: str | None, issues: list[Issue]):
    values: dict = {}
    cells: dict[str, tuple[int, int]] = {}
    lookup = {_key(a): f for f, aliases in SETTING_KEYS.items() for a in aliases}
    if sheet:
        for r, row in enumerate(host.read(sheet)):
            filled = [(c, v) for c, v in enumerate(row) if not is_blank(v)]
            if len(filled) < 2:
                continue
            (kc, key), (_, value) = filled[0], filled[1]
            f = lookup.get(_key(key))
            if f is None:
                if r > 0 or _key(key) not in ("项目", "设置", "key", "名称", "参数", "设置项"):
                    issues.append(Issue(SEVERITY_HINT, sheet, cell_ref(r, kc), f"不认识的设置项「{key}」，已忽略"))
                continue
            values[f] = value
            cells[SETTING_KEYS[f][0]] = (r, kc)
    kwargs: dict = {}
    blank: set[str] = set()
    options = {f: (v, cells[SETTING_KEYS[f][0]]) for f, v in values.items() if f not in ENGINE_SETTINGS}
    for f, value in values.items():
        r, c = cells[SETTING_KEYS[f][0]]
        where = cell_ref(r, c + 1)
        try:
            if f == "grades":
                kwargs["grades"] = GradeScheme.parse(_text(value))
            elif f == "decimals":
                places = parse_number_text(_text(value))
                if places != int(places) or not 0 <= places <= 10:
                    raise ValueError(f"小数位应为0到10的整数，而不是「{_text(value)}」")
                kwargs["decimals"] = int(places)
            elif f == "ranking":
                kwargs["ranking"] = RANKINGS[_text(value).lower()]
            elif f == "rank_by":
                if _text(value).lower() not in RANK_BASES:
                    raise ValueError(f"排名依据应为「总分」或「得分率」，而不是「{_text(value)}」")
                kwargs["rank_by"] = RANK_BASES[_text(value).lower()]
            elif f == "rank_groups":
                kwargs["rank_groups"] = _text(value)
            elif f == "aggregate":
                kwargs["aggregate"], kwargs["aggregate_levels"] = Settings.parse_aggregate(_text(value))
            elif f == "coefficient":
                kwargs["coefficient"] = _text(value)
            elif f == "total_cap":
                kwargs["total_cap"] = Settings.parse_total_cap(_text(value))
            elif f == "round":
                kwargs["round_each_level"] = _text(value) not in ("否", "no", "false", "0", "仅总分")
            elif f == "missing":
                kwargs["missing"], kwargs["missing_levels"] = Settings.parse_missing(_text(value))
            elif f == "min_share":
                kwargs["min_share"], kwargs["min_share_levels"] = Settings.parse_min_share(_text(value))
        except (ValueError, KeyError) as exc:
            msg = str(exc) if isinstance(exc, ValueError) else f"排名方式「{value}」无效（可用：competition/dense/ordinal）"
            left = BLANK_WHEN_BROKEN.get(f)
            if left:         # guessing a scheme would give grades or ranks nobody asked for
                blank.add(left)
                tail = f"「{left}」留空" if left != "汇总" else "各级汇总和总分留空（各指标得分照常计算）"
            else:
                tail = "已用默认值"
            issues.append(Issue(SEVERITY_ERROR, sheet, where, f"设置「{SETTING_KEYS[f][0]}」无效：{msg}，{tail}"))
    if blank:
        kwargs["blank"] = frozenset(blank)
    try:
        settings = Settings(**kwargs)
    except ValueError as exc:
        issues.append(Issue(SEVERITY_ERROR, sheet or "设置", "", f"设置无效：{exc}，已用默认值"))
        settings = Settings()
    return settings, cells, _text(values.get("unit")) or None, options, _read_index_settings(values, cells, sheet, issues)


INDEX_OUTPUTS = {   # IndexSettings field: (设置 key that asks for it, its model from the 设置 texts, what is left out)
    "classes": ("classes", lambda t: ClassSettings.parse(t["classes"], t.get("class_groups", ""), t.get("exempt", "")),
                "，未输出「分类」列"),
    "previous": ("previous", lambda t: PreviousRankSettings.parse(t["previous"]), ""),
    "selection": ("quotas", SelectionSettings.parse, f"，未输出「{SELECTION_SHEET}」表"),
    "sensitivity": ("sensitivity", lambda t: SensitivitySettings.parse(t["sensitivity"]),
                    f"，未输出「{SENSITIVITY_SHEET}」表"),
}


def _read_index_settings(values: dict, cells: dict, sheet: str | None, issues: list[Issue]) -> IndexSettings:
    """分类, 上期排名列, 遴选 and 敏感性 settings into engine models, once: a value that cannot be read
    is one 错误 at its own cell, and the output it asks for is left out rather than guessed."""
    text = {f: _text(v) for f, v in values.items()}
    if "vetoes" in values:                 # a veto's reason is shown as typed (full-width brackets kept)
        text["vetoes"] = str(values["vetoes"])
    models = {}
    for name, (key, parse, left_out) in INDEX_OUTPUTS.items():
        if not text.get(key):
            continue
        try:
            models[name] = parse(text)
        except SettingError as exc:
            r, c = cells[SETTING_KEYS[exc.field][0]]
            issues.append(Issue(SEVERITY_ERROR, sheet, cell_ref(r, c + 1),
                                f"设置「{SETTING_KEYS[exc.field][0]}」：{exc}{left_out}"))
    return IndexSettings(**models)


def _read_rubric(rows, hr, cols, sheet, book: Book):
    """Leaves and aggregate nodes, with inherited level cells; single-layout inputs on the side."""
    levels = [f for f in LEVELS if f in cols] or (["name"] if "name" in cols else [])
    if "name" in cols and levels != ["name"]:
        levels = levels + ["name"]
    if not levels:
        raise ReadError(f"工作表「{sheet}」缺少指标名称列（一级指标/二级指标/三级指标 或 指标）")
    get = lambda row, f: row[cols[f]] if f in cols and cols[f] < len(row) else None
    current: list[str] = [""] * len(levels)
    last_leaf: tuple[str, ...] | None = None
    indicators, nodes, single_inputs = [], [], {}
    seen_ids: dict[str, list[tuple[frozenset | None, int]]] = {}
    notes: list[tuple[int, str, str]] = []           # (row, cell, text) of every band 提示
    for r in range(hr + 1, len(rows)):
        row = rows[r]
        cells = [_text(get(row, f)) for f in levels]
        rule_text, input_text = _text(get(row, "rule")), _text(get(row, "input"))
        value_cell = get(row, "value")
        if not rule_text and not input_text and not any(cells) and is_blank(get(row, "points")):
            continue
        at = lambda f: cell_ref(r, cols.get(f, 0))
        depth = max((k for k, v in enumerate(cells) if v), default=-1)
        if depth < 0 and rule_text and last_leaf:
            path = last_leaf                      # a group variant whose name cells are merged
        elif depth < 0:
            book.issues.append(Issue(SEVERITY_ERROR, sheet, at(levels[0]), "此行缺少指标名称，已跳过"))
            continue
        else:
            path = tuple(cells[k] or (current[k] if k < depth else "") for k in range(depth + 1))
            if any(not p for p in path):
                book.issues.append(Issue(SEVERITY_ERROR, sheet, at(levels[0]), "上级指标名称为空，无法确定层级"))
                continue
        points = _points(get(row, "points"), sheet, at("points"), book)
        weight = _decimal(get(row, "weight"), sheet, at("weight"), book, "权重")
        if weight is not None and weight < 0:
            book.issues.append(Issue(SEVERITY_ERROR, sheet, at("weight"), f"权重「{fmt_num(weight)}」不能为负，按空白处理"))
            weight = None
        groups = frozenset(_split_list(get(row, "group"))) or None
        if not rule_text:
            if input_text:
                book.issues.append(Issue(SEVERITY_ERROR, sheet, at("rule"), f"指标「{path[-1]}」填了输入但没有规则"))
                continue
            if path and path[-1].strip().lower() in TOTAL_WORDS:
                continue
            current = list(path) + [""] * (len(levels) - len(path))
            nodes.append(NodeSpec(path=path, weight=weight, points=points, groups=groups, row=r + 1))
            continue
        current = list(path) + [""] * (len(levels) - len(path))
        last_leaf = path
        ident = _text(get(row, "id")) or None
        try:
            rule = parse_rule(rule_text)
        except RuleError as exc:
            book.issues.append(Issue(SEVERITY_ERROR, sheet, at("rule"), str(exc)))
            rule = UnreadableRule(text=rule_text, reason=f"规则无法识别（{exc.reason}）")
        if ident:
            _check_repeated_id(ident, groups, r + 1, seen_ids.get(ident, []), book, sheet, at("id"))
            seen_ids.setdefault(ident, []).append((groups, r + 1))
        for severity, message in rule.remarks(points):
            if severity == SEVERITY_HINT:   # gaps and overlaps of bands: one 提示 for the rubric, below
                notes.append((r, at("rule"), f"第{r + 1}行「{path[-1]}」{message}"))
            else:
                book.issues.append(Issue(severity, sheet, at("rule"), f"指标「{path[-1]}」：{message}"))
        if book.single:
            inputs = _single_inputs(value_cell, ident or f"第{r + 1}行", rule, single_inputs, book, (r, cols["value"]))
        else:
            inputs = tuple(_split_list(input_text)) if input_text else ()
        norm_text = _text(get(row, "normalize")) or book_default_normalize(book)
        normalization = None
        if norm_text and norm_text.lower() not in ("none", "无") and rule.scored:
            try:
                normalization = Normalization.parse(norm_text, _text(get(row, "direction")))
            except ValueError as exc:
                book.issues.append(Issue(SEVERITY_ERROR, sheet, at("normalize"), f"指标「{path[-1]}」：{exc}"))
        impute, outliers = _gap_options(book, sheet, at, path[-1], _text(get(row, "impute")),
                                        _text(get(row, "outliers"))) if rule.scored else (None, None)
        indicators.append(Indicator(id=ident, path=path, points=points, rule=rule, inputs=inputs, groups=groups,
                                    weight=weight, criteria=_text(get(row, "criteria")), normalize=normalization,
                                    impute=impute, outliers=outliers, row=r + 1))
        book.leaf_rows.append(r)
    if notes:
        book.issues.append(Issue(SEVERITY_HINT, sheet, notes[0][1], f"{len(notes)}行规则的档次有空档或重叠（得分落在空档内"
                                 "会报错，落在重叠处两档均可）：" + "；".join(text for _, _, text in notes)))
    return indicators, nodes, single_inputs


def _check_repeated_id(ident: str, groups, row: int, seen: list, book: Book, sheet: str, cell: str) -> None:
    """An 编号 on several rows: group variants. A blank 组别 beside a row for named groups is the
    rule for every other group (a 提示 says so); two rows for one group are an 错误, never a guess."""
    for other_groups, other_row in seen:
        if (groups is None) != (other_groups is None):
            named, own, rest = (groups, row, other_row) if groups is not None else (other_groups, other_row, row)
            book.issues.append(Issue(SEVERITY_HINT, sheet, cell, f"编号「{ident}」：组别「{'、'.join(sorted(named))}」"
                                     f"的单位按第{own}行评分，其余单位按第{rest}行（组别为空）评分"))
        elif groups is None or groups & other_groups:
            book.issues.append(Issue(SEVERITY_ERROR, sheet, cell, f"编号「{ident}」与第{other_row}行重复（且适用的组别重叠）"))


def book_default_normalize(book: Book) -> str:
    """The 设置 标准化 value applies to every indicator whose own 标准化 cell is blank."""
    return _book_default(book, "normalize")


def _book_default(book: Book, key: str) -> str:
    value = book.options.get(key)
    return _text(value[0]) if value else ""


def _gap_options(book: Book, sheet: str, at, name: str, impute_text: str, outlier_text: str):
    """插补 and 异常值 of a row (or the 设置 default for a blank cell); a bad word is an 错误 at its cell."""
    out = []
    for key, text, parse in (("impute", impute_text, Imputation.parse), ("outliers", outlier_text, parse_outliers)):
        own = bool(text)
        text = text or _book_default(book, key)
        try:
            out.append(parse(text) if text else None)
        except ValueError as exc:
            if own:
                book.issues.append(Issue(SEVERITY_ERROR, sheet, at(key), f"指标「{name}」：{exc}"))
            elif not any(i.message.startswith(f"设置「{SETTING_KEYS[key][0]}」") for i in book.issues):
                r, c = book.setting_cells[SETTING_KEYS[key][0]]
                book.issues.append(Issue(SEVERITY_ERROR, book.sheets.get("settings", "设置"), cell_ref(r, c + 1),
                                         f"设置「{SETTING_KEYS[key][0]}」无效：{exc}"))
            out.append(None)
    return tuple(out)


def _single_inputs(cell, label: str, rule, store: dict, book: Book, at: tuple[int, int]) -> tuple[str, ...]:
    """Single-unit layout: the 业绩值 cell holds the inputs, ';'-separated, in the rule's order."""
    if isinstance(cell, str):
        parts = [p.strip() for p in normalize_text(cell).split(";")]
    else:
        parts = [cell]
    lo, _ = rule.arity()
    parts += [None] * max(0, lo - len(parts))
    keys = []
    for k, part in enumerate(parts, start=1):
        key = f"{label}业绩值" + (f"{k}" if len(parts) > 1 else "")
        store[key] = None if is_blank(part) else part
        book.input_cells[key] = at
        keys.append(key)
    return tuple(keys)


def _decimal(v, sheet, where, book: Book, what: str) -> Decimal | None:
    if is_blank(v):
        return None
    try:
        return to_decimal(v)
    except ValueError:
        book.issues.append(Issue(SEVERITY_ERROR, sheet, where, f"{what}「{v}」不是数值"))
        return None


def _points(v, sheet, where, book: Book) -> Decimal | None:
    """分值 as full points: a percent (20% is 0.2 points) or a negative number is an 错误 and blank,
    never a score of 0.19 or −19.2."""
    points = _decimal(v, sheet, where, book, "分值")
    if points is None:
        return None
    if isinstance(v, str) and re.search(r"[%％‰]", v):
        said = f"分值「{_text(v)}」是百分比：分值应填分数（如 {fmt_num(points * 100)}），已按空白处理"
    elif points < 0:
        said = f"分值「{_text(v)}」不能为负（扣分项的分值填0，扣分写在规则里，如 deduct each=1 cap=5），已按空白处理"
    else:
        return points
    book.issues.append(Issue(SEVERITY_ERROR, sheet, where, said))
    return None


def _read_data(host, sheet: str, book: Book) -> Units:
    rows = host.read(sheet)
    header = find_header(rows, DATA_COLUMNS, ("unit",))
    if header is None:
        raise ReadError(f"工作表「{sheet}」中找不到表头（需要「单位」列）")
    hr, cols = header
    head = rows[hr]
    uc = cols["unit"]
    _fill_merged_down(host, sheet, rows, hr, uc, cols, book)
    listed: dict[str, list[int]] = {}
    for r in range(hr + 1, len(rows)):
        row = rows[r]
        if all(is_blank(v) for v in row):
            continue
        unit = _text(row[uc]) if uc < len(row) else ""
        if not unit:
            book.issues.append(Issue(SEVERITY_ERROR, sheet, cell_ref(r, uc), "此行有数据但缺少单位名称，已跳过"))
        elif EXCEL_ERROR.fullmatch(unit):
            book.issues.append(Issue(SEVERITY_ERROR, sheet, cell_ref(r, uc),
                                     f"单位名称是错误值「{unit}」（单元格的公式出错），此行已跳过"))
        elif re.sub(r"[\s:：]", "", unit) in SUMMARY_ROWS:
            book.issues.append(Issue(SEVERITY_HINT, sheet, cell_ref(r, uc),
                                     f"「{clip(unit, UNIT_SHOWN)}」行不是被考核单位，已跳过"))
        else:
            listed.setdefault(unit, []).append(r)
    for unit, at in listed.items():
        if len(at) > 1:        # which row is meant is a guess: score and rank neither
            rows_said = "、".join(f"第{r + 1}行" for r in at)
            for r in at:
                book.issues.append(Issue(SEVERITY_ERROR, sheet, cell_ref(r, uc),
                                         f"单位「{clip(unit, UNIT_SHOWN)}」重复列出（{rows_said}）：这些行均不评分、不排名，"
                                         "请删去多余的行或改正单位名称"))
    kept = sorted(at[0] for at in listed.values() if len(at) == 1)
    names = [_text(rows[r][uc]) for r in kept]
    field_of = lambda r, f: _text(rows[r][cols[f]]) if f in cols and cols[f] < len(rows[r]) else ""
    groups = [field_of(r, "group") for r in kept]
    parents = [field_of(r, "parent") for r in kept]
    columns: dict[str, np.ndarray] = {}
    book.data_cols["__unit__"] = uc
    titles: dict[str, list[int]] = {}
    for c, title in enumerate(head):
        if _text(title):
            titles.setdefault(_text(title), []).append(c)
    for name, at in titles.items():
        if len(at) > 1:        # the same heading twice: which column is meant is a guess
            book.ambiguous[name] = [cell_ref(hr, c) for c in at]
            continue
        c = at[0]
        values = [rows[r][c] if c < len(rows[r]) else None for r in kept]
        columns[name] = _column(values)
        book.data_cols[name] = c
    book.data_rows = kept
    return Units(np.array(names, dtype=object), np.array(groups, dtype=object), columns,
                 np.array(parents, dtype=object))


def _fill_merged_down(host, sheet: str, rows: list[list], hr: int, uc: int, cols: dict, book: Book) -> None:
    """A cell merged down several unit rows shows one value for each of them (a 组别 block, the
    city's growth beside every district), so each row reads it; an input filled so gets a 提示.
    A merged 单位 cell is left alone: a row without its own name is reported, never guessed."""
    down = [m for m in host.merged(sheet) if m[0] > hr and m[1] == m[3] and m[2] > m[0] and m[1] != uc]
    _fill_merged(rows, down)
    quiet = {cols.get("group"), cols.get("parent")}
    for r1, c, r2, _ in down:
        if c not in quiet and r1 < len(rows) and c < len(rows[r1]) and not is_blank(rows[r1][c]):
            value = rows[r1][c]
            shown = fmt_num(value) if isinstance(value, float) else _text(value)
            book.issues.append(Issue(SEVERITY_HINT, sheet, cell_ref(r1, c),
                                     f"{cell_ref(r1, c)}:{cell_ref(r2, c)}为合并单元格，其值「{clip(shown, UNIT_SHOWN)}」"
                                     f"用于第{r1 + 1}-{r2 + 1}行的每个单位"))


def _column(values: list) -> np.ndarray:
    """A float column where every cell is a number or blank (the fast path), else raw objects."""
    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return np.array(values, dtype=object)


def _check_inputs(indicators: list[Indicator], book: Book, sheet: str) -> list[Indicator]:
    """Resolve default inputs (the indicator's own name) and report input columns 数据 lacks."""
    available = [c for c in book.units.columns]
    out = []
    for ind, r in zip(indicators, book.leaf_rows):
        inputs = ind.inputs
        if not inputs:
            inputs = next(((c,) for c in (ind.name, ind.column, ind.id) if c and c in book.units.columns), (ind.name,))
            ind = ind.model_copy(update={"inputs": inputs})
        for name in inputs:
            if name in book.ambiguous:
                cells = "、".join(book.ambiguous[name])
                book.issues.append(Issue(SEVERITY_ERROR, book.sheets["data"], book.ambiguous[name][-1],
                                         f"「{book.sheets['data']}」有{len(book.ambiguous[name])}列都叫「{name}」"
                                         f"（{cells}），无法确定用哪一列：指标「{ind.name}」不评分"))
            elif name not in book.units.columns:
                close = difflib.get_close_matches(name, available, n=1, cutoff=0.4)
                hint = f"，是否应为「{close[0]}」？" if close else f"：请在「{book.sheets['data']}」中加上这一列"
                col = "input" if "input" in book.rubric_cols else "rule"
                book.issues.append(Issue(SEVERITY_ERROR, sheet, cell_ref(r, book.rubric_cols[col]),
                                         f"指标「{ind.name}」的输入列「{name}」在「{book.sheets['data']}」中不存在{hint}"))
        out.append(ind)
    return out


def _check_ambiguous_unread(book: Book) -> None:
    """A heading written twice that no indicator reads is still worth a hint."""
    read = {name for i in book.rubric.indicators for name in i.inputs}
    for name, cells in book.ambiguous.items():
        if name not in read:
            book.issues.append(Issue(SEVERITY_HINT, book.sheets["data"], cells[-1],
                                     f"「{book.sheets['data']}」有{len(cells)}列都叫「{name}」（{'、'.join(cells)}），"
                                     "没有指标读取它"))


def _check_groups(indicators: list[Indicator], book: Book) -> None:
    """A unit whose 组别 no rubric row names is assessed on nothing group-specific: say so (a typo
    such as 黄浦区 for 黄浦 would otherwise silently lower its total). Where every such indicator
    also has a blank-组别 row, the unit is scored by those rows: a 提示 says so."""
    named = set().union(*(i.groups for i in indicators if i.groups)) if any(i.groups for i in indicators) else set()
    if not named:
        return
    general = {i.key for i in indicators if i.groups is None}
    missed = any(i.groups and i.key not in general for i in indicators)
    col = book.data_cols.get("组别", book.data_cols.get("group", book.data_cols["__unit__"]))
    for k, g in enumerate(book.units.groups.tolist()):
        if g not in named:
            what = f"组别「{g}」" if g else "组别为空，"
            said = f"单位「{book.units.names[k]}」的{what}不在细则「组别」列中（{'、'.join(sorted(named))}），"
            book.issues.append(Issue(SEVERITY_ERROR, book.sheets["data"], cell_ref(book.data_rows[k], col),
                                     said + "按组别区分的指标均不考核") if missed else
                               Issue(SEVERITY_HINT, book.sheets["data"], cell_ref(book.data_rows[k], col),
                                     said + "按组别为空的细则行评分"))


def _check_stated_points(book: Book, sheet: str) -> None:
    """Aggregate rows' 分值 (or '(12分)' in a name) against the points of the leaves below them."""
    groups = sorted({g for g in book.units.groups.tolist()}) or [""]
    points_col = book.rubric_cols.get("points", 0)
    stated = {n.path: (n.points, n.row, points_col) for n in book.rubric.nodes if n.points is not None}
    levels = [f for f in LEVELS if f in book.rubric_cols]
    for ind in book.rubric.indicators:
        for d in range(1, len(ind.path)):
            m = _STATED.search(ind.path[d - 1])
            if m and ind.path[:d] not in stated:   # '(12分)' in a level cell: point at that cell
                col = book.rubric_cols[levels[d - 1]] if d - 1 < len(levels) else points_col
                stated[ind.path[:d]] = (Decimal(m.group(1)), ind.row, col)
    for path, (points, row, col) in stated.items():
        for g in groups:
            leaves = [i for i in book.rubric.indicators if i.path[:len(path)] == path and i.rule.scored
                      and not i.rule.bonus and (i.groups is None or g in i.groups or not g)]
            if not leaves or any(i.points is None for i in leaves):
                continue
            total = sum(i.points for i in _one_per_key(leaves))
            if total != points:
                where = cell_ref(row - 1, col) if row else ""
                scope = f"（组别「{g}」）" if g and len(groups) > 1 else ""
                book.issues.append(Issue(SEVERITY_HINT, sheet, where,
                                         f"「{path[-1]}」标明{fmt_num(points)}分，其下指标分值合计{fmt_num(total)}分{scope}"))
                break


def _one_per_key(leaves: list[Indicator]) -> list[Indicator]:
    seen, out = set(), []
    for i in leaves:
        if i.key not in seen:
            seen.add(i.key)
            out.append(i)
    return out
