"""The worksheet functions' logic, callable without xlwings or Excel.

Each function turns its arguments into a rule of the rule language (parsed once and cached by
the engine), scores every cell of its input range in one engine call, and hands back cells: a
score, a blank where the input is blank, the Chinese reason where an input cell is invalid.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from engine.aggregate import Tree, aggregate
from engine.clauses import RuleError, interval
from engine.language import parse_rule
from engine.model import DEFAULT_GRADES, GradeScheme
from engine.numbers import fmt_num, is_blank, normalize_text, to_decimal, to_float
from engine.rank import rank
from engine.reading import read_rule
from engine.rules import MISSING, OK, BandRule, Ctx, InputColumn, Outcome, Rule
from engine.rules.base import numeric_inputs
from engine.score import score_rule
from engine.wording import read_wording

from .cells import BLANK, ArgError, Grid, common_shape, grid, option_text, shaped, single, stretch, \
    worksheet_function

#: Scores are rounded half-up to this many decimals, the product default (设置 小数位).
DECIMALS = 2
#: How the working names the value when the sheet gives no indicator name.
LABEL = "指标值"
#: GROUP_RANK ties values equal to this many decimals: sums of 2-decimal scores differ in the last bit.
TIE_DECIMALS = 6
#: Options probed one at a time to find which argument a rule error comes from; the kinds that
#: require options get harmless values for the others.
_PROBE_DEFAULTS = {"step": {"per": "1", "deduct": "1"}}
_ELSE_WORDS = ("else", "其他", "否则", "其余")


# --- the functions ------------------------------------------------------------------------------

@worksheet_function
def band_score(rating, bands, pick=None):
    """An assessor's level (好), score (7) or both (较好 7) checked against bands and scored."""
    text, rows = _bands_text(bands)
    rule = _rule("band", text, "bands", [("pick", "pick", option_text(pick, "pick"))], rows)
    return _scores(rule, None, [("rating", rating)])


@worksheet_function
def ratio_score(numerator, denominator, points, over=None):
    """points × numerator / denominator; above 100%: full points, or 0 with over=0."""
    rule = _rule("ratio", "", "", [("over", "over", option_text(over, "over"))])
    return _scores(rule, _points(points), [("numerator", numerator), ("denominator", denominator)])


@worksheet_function
def step_score(value, reference, points, per, deduct, rounding=None):
    """Points off per started/whole step below a reference (a number, or blank: the best value)."""
    ref = option_text(reference, "reference") or "best"
    opts = [("per", "per", _required(per, "per", "步长（如 5%）")),
            ("deduct", "deduct", _required(deduct, "deduct", "每档扣分（如 1 或 5%w）")),
            ("reference", "from", ref), ("rounding", "round", option_text(rounding, "rounding"))]
    return _scores(_rule("step", "", "", opts), _points(points), [("value", value)])


@worksheet_function
def threshold_score(value, table):
    """The points of the first clause of the table the value meets."""
    text, rows = _threshold_text(table)
    return _scores(_rule("threshold", text, "table", [], rows), None, [("value", value)])


@worksheet_function
def rule_score(rule, points, *inputs):
    """Any rule of the rule language over one or more input ranges."""
    parsed, pts, named = _rule_call(rule, points, inputs)
    return _scores(parsed, pts, named)


@worksheet_function
def rule_explain(rule, points, *inputs):
    """The working in words for every cell RULE_SCORE scores (the reason where it cannot)."""
    parsed, pts, named = _rule_call(rule, points, inputs)
    return _scores(parsed, pts, named, explain=True)


@worksheet_function
def rule_from_text(wording, points=None):
    """The rule the wording reader proposes for each 评分标准 cell (a column spills a column);
    ``#未能推导`` with the phrases it did not understand where it proposes none, blank for blank."""
    g = grid(wording, "wording")
    pts = _points(points, required=False)
    out = np.empty(g.size, dtype=object)
    for k, text in enumerate(g.values.tolist()):
        out[k] = BLANK if is_blank(text) else _proposed(str(text) if not isinstance(text, float) else fmt_num(text),
                                                        pts)
    return shaped(out, g.shape)


def _proposed(text: str, points: Decimal | None) -> str:
    proposal = read_wording(text, points)
    if proposal.rule is None:
        unread = "；".join(f"「{u}」" for u in proposal.unread[:2])
        return f"#未能推导: {proposal.reading}" + (f"，未读懂{unread}" if unread else "")
    return proposal.rule


@worksheet_function
def rule_reading(rule, points=None):
    """The plain-Chinese reading (规则说明) of any rule, so a rule written by hand can be checked."""
    return read_rule(_rule_arg(rule), _points(points, required=False))


@worksheet_function
def grade(score, scheme=None):
    """The grade of each score under a scheme such as 优>=90; 良>=80; 中>=60; 差."""
    gs = _scheme(_text_arg(scheme, "scheme") or DEFAULT_GRADES)
    g = grid(score, "score")
    out, cols, values = _numbers([("score", g)])
    labels = gs.grade(np.where(out.status == OK, values[0], np.nan))
    return shaped(_cells(out, cols, labels.astype(object)), g.shape)


@worksheet_function
def group_rank(values, groups=None, order=None):
    """Competition ranks (1,1,3) within groups, highest first (order 1: lowest first)."""
    g = grid(values, "values")
    out, cols, (v,) = _numbers([("values", g)])
    labels = _group_labels(groups, g)
    ascending = _order(order)
    ranks = rank(np.where(out.status == OK, v, np.nan), "competition", ascending=ascending,
                 groups=labels, decimals=TIE_DECIMALS).rank
    return shaped(_cells(out, cols, _numbers_or_blank(ranks)), g.shape)


@worksheet_function
def composite_index(values, weights, coefficient=None):
    """Per row: the weighted mean of the indicator values (weights renormalised) × a coefficient."""
    g = grid(values, "values")
    w = grid(weights, "weights")
    table = g.values.reshape(g.shape)
    if g.shape[1] != w.size and g.shape[1] == 1 and g.shape[0] == w.size:
        table = table.T                      # one unit's indicators laid down a column
    units, k = table.shape
    if w.size != k:
        raise ArgError("weights", f"有{w.size}个权重，而 values 每行有{k}项")
    wv = _weights(w)
    if np.nansum(wv) == 0 and not np.isnan(wv).all():
        raise ArgError("weights", "权重之和为0")
    coef = _coefficient(coefficient, units)
    leaf, messages = _index_inputs(table)
    try:
        tree = Tree(parent=np.r_[np.full(k, k), -1], n_leaves=k, method=("",) * k + ("wmean",),
                    weight=np.r_[wv, 1.0])
        agg = aggregate(tree, leaf, decimals=DECIMALS, coefficient=coef)
    except ValueError as exc:
        raise ArgError("weights", str(exc)) from None
    result = _numbers_or_blank(agg.values[:, -1])
    reasons = agg.messages()[:, -1]
    for i in np.flatnonzero(np.isnan(agg.values[:, -1])).tolist():
        result[i] = messages.get(i, reasons[i])
    return shaped(result, (units, 1))


# --- scoring a rule over cells -----------------------------------------------------------------

def _scores(rule: Rule, points: Decimal | None, named: list[tuple[str, object]], explain: bool = False):
    """Score (or explain) every cell of the inputs with one engine call; single cells stretch.

    A band score depends on its own cell alone (no peers), so a column of level names is scored
    once per distinct level: the engine reads text cell by cell, numbers column-wise.
    """
    grids = [(name, grid(arg, name)) for name, arg in named]
    shape = common_shape(grids)
    n = shape[0] * shape[1]
    values = [stretch(g, n) for _, g in grids]
    codes = None
    if isinstance(rule, BandRule) and len(values) == 1 and values[0].dtype == object and n > 1:
        codes, distinct = pd.factorize(values[0], use_na_sentinel=False)
        if len(distinct) < n and _plain_text(distinct):
            values, n = [np.asarray(distinct, dtype=object)], len(distinct)
        else:
            codes = None
    cols = [InputColumn(name, v) for (name, _), v in zip(grids, values)]
    out = score_rule(rule, points, cols, decimals=DECIMALS, label=LABEL)
    if explain:
        everyone = np.ones(n, dtype=bool)   # the Ctx score_rule scores under
        ctx = Ctx(rows=everyone, peers=everyone, decimals=DECIMALS, label=LABEL,
                  groups=np.full(n, "", dtype=object))
        ok = np.full(n, BLANK, dtype=object)
        for i in np.flatnonzero(out.status == OK).tolist():
            ok[i] = rule.working(out, [i], points, ctx)[0]
    else:       # an unscored row shows what 得分 shows: a veto's 是/否, never a score of 1
        ok = _numbers_or_blank(out.score if rule.scored else rule.shown(out))
        for i in np.flatnonzero((out.status == OK) & np.isnan(out.score)).tolist():
            ok[i] = out.notes.get(i, BLANK)     # e.g. info on a zero denominator
    cells = _cells(out, cols, ok)
    return shaped(cells if codes is None else cells[codes], shape)


def _plain_text(distinct: np.ndarray) -> bool:
    """Only text and blanks: hashing would merge True with 1.0, so anything else is not compressed."""
    return all(type(v) is str or v is None for v in distinct.tolist())


def _cells(out: Outcome, cols: list[InputColumn], ok_values: np.ndarray) -> np.ndarray:
    """ok_values where the outcome is OK; blank where an input cell is blank; else the reason."""
    result = ok_values
    result[out.status != OK] = BLANK
    if out.messages:
        blank = np.logical_or.reduce([c.blank for c in cols])
        for i, message in out.messages.items():
            if not (out.status[i] == MISSING and blank[i]):
                result[i] = message
    return result


def _numbers_or_blank(values: np.ndarray) -> np.ndarray:
    """Numbers (or a rule's shown words, 是/否) as cells; NaN or None as a blank cell."""
    result = values.astype(object)
    result[pd.isna(values)] = BLANK
    return result


def _numbers(named: list[tuple[str, Grid]]) -> tuple[Outcome, list[InputColumn], list[np.ndarray]]:
    """Numeric cells read the engine's way: blank → missing, text that is no number → its reason."""
    cols = [InputColumn(name, g.values) for name, g in named]
    n = len(cols[0])
    everyone = np.ones(n, dtype=bool)
    out = Outcome.empty(n)
    values = numeric_inputs(cols, out, Ctx(rows=everyone, peers=everyone, groups=np.full(n, "", dtype=object)))
    return out, cols, values


# --- arguments -> rule text --------------------------------------------------------------------

def _rule(kind: str, clauses: str, clause_arg: str, options: list[tuple[str, str, str | None]],
          rows: list[int] | None = None) -> Rule:
    """Parse ``kind clauses; key=value…``; a rule error is reported on the argument that caused it.

    options: (argument name, option key, option text); None (a blank argument) is left out.
    rows: for clauses built from a range, the range row of each clause (errors name the row).
    """
    opts = {key: (arg, text) for arg, key, text in options if text is not None}
    try:
        return parse_rule(_compose(kind, clauses, {k: t for k, (_, t) in opts.items()}))
    except RuleError as exc:
        raise _blame(kind, clauses, clause_arg, opts, rows, exc) from None


def _compose(kind: str, clauses: str, options: dict[str, str]) -> str:
    return " ".join([kind, clauses] + [f"; {k}={v}" for k, v in options.items()])


def _blame(kind, clauses, clause_arg, opts, rows, exc: RuleError) -> ArgError:
    """Which argument broke the rule: the clauses, or the first option that fails on its own."""
    probe = dict(_PROBE_DEFAULTS.get(kind, {}))
    try:
        parse_rule(_compose(kind, clauses, probe))
    except RuleError as own:
        return _clause_error(clause_arg, own, rows)
    for key, (arg, text) in opts.items():
        try:
            parse_rule(_compose(kind, clauses, {**probe, key: text}))
        except RuleError as own:
            return ArgError(arg, own.reason)
    return ArgError(clause_arg or next(iter(opts.values()))[0], exc.reason)


def _clause_error(arg: str, exc: RuleError, rows: list[int] | None) -> ArgError:
    if exc.segment is None:
        return ArgError(arg, exc.reason)
    if rows is not None and exc.segment <= len(rows):
        return ArgError(arg, exc.reason, f"第{rows[exc.segment - 1]}行")
    return ArgError(arg, exc.reason, f"第{exc.segment}段")


def _required(value, arg: str, what: str) -> str:
    text = option_text(value, arg)
    if text is None:
        raise ArgError(arg, f"缺少{what}")
    return text


def _text_arg(value, arg: str) -> str | None:
    """A text argument kept as typed (a grade scheme, a rule): one cell, None when blank."""
    v = single(value, arg)
    return None if v is None else str(v).strip() if isinstance(v, str) else fmt_num(v)


def _points(value, required: bool = True) -> Decimal | None:
    v = single(value, "points")
    if v is None:
        if required:
            raise ArgError("points", "缺少分值")
        return None
    try:
        points = to_decimal(v)
    except ValueError:
        raise ArgError("points", f"「{v}」不是数值") from None
    if points <= 0:
        shown = fmt_num(points)
        shown = shown if len(shown) <= 20 else f"{float(points):.6g}"      # -1e273 is not 274 characters long
        raise ArgError("points", f"分值应大于0，而不是{shown}")
    return points


def _rule_arg(rule) -> Rule:
    """The ``rule`` argument, parsed; a readable ArgError where it is missing or malformed."""
    text = _text_arg(rule, "rule")
    if text is None:
        raise ArgError("rule", "缺少规则（如 ratio 或 threshold >=90%: 3; else: 0）")
    try:
        return parse_rule(text)
    except RuleError as exc:
        raise _clause_error("rule", exc, None) from None


def _rule_call(rule, points, inputs) -> tuple[Rule, Decimal | None, list[tuple[str, object]]]:
    """RULE_SCORE / RULE_EXPLAIN arguments: the parsed rule, its points, the named inputs."""
    parsed = _rule_arg(rule)
    pts = _points(points, required=parsed.needs_points())
    named = [(f"input{k + 1}", arg) for k, arg in enumerate(inputs)]
    while len(named) > 1 and named[-1][1] is None:      # trailing omitted optional inputs
        named.pop()
    lo, hi = parsed.arity()
    want = str(lo) if lo == hi else f"{lo}-{hi}"
    if len(named) < lo:
        raise ArgError(f"input{len(named) + 1}", f"规则 {parsed.KIND} 需要{want}个输入，缺少此输入")
    if len(named) > hi:
        raise ArgError(f"input{hi + 1}", f"规则 {parsed.KIND} 只需要{want}个输入，而给了{len(named)}个")
    return parsed, pts, named


def _bands_text(bands) -> tuple[str, list[int] | None]:
    """Bands as clause text: typed text as is, or a range of level | min | max (or level | range) rows."""
    g = grid(bands, "bands")
    if g.size == 1:
        text = _text_arg(bands, "bands")
        if text is None:
            raise ArgError("bands", "缺少档次（如 好=8-10; 较好=6-7; 一般=<6，或 档次|下限|上限 区域）")
        return text, None
    if g.shape[1] not in (2, 3):
        raise ArgError("bands", "区域应为两列（档次|分数区间）或三列（档次|下限|上限）")
    clauses, rows = [], []
    for r, (level, *bounds) in _table_rows(g, "bands"):
        if is_blank(level):
            raise ArgError("bands", "缺少档次名称", f"第{r}行")
        clauses.append(f"{_clause_cell(level, 'bands', r, ';=')}={_band_range(bounds, r)}")
        rows.append(r)
    return "; ".join(clauses), rows


def _band_range(bounds: list, r: int) -> str:
    if len(bounds) == 1:                                   # level | 8-10
        if is_blank(bounds[0]):
            raise ArgError("bands", "缺少分数区间", f"第{r}行")
        return _cell_text(bounds[0])
    lo, hi = (None if is_blank(b) else _bound(b, name, r) for b, name in zip(bounds, ("下限", "上限")))
    if lo is None and hi is None:
        raise ArgError("bands", "缺少下限和上限", f"第{r}行")
    if lo is None:
        return f"<={hi}"
    if hi is None:
        return f">={lo}"
    return lo if lo == hi else f"{lo}-{hi}"


def _bound(cell, name: str, r: int) -> str:
    try:
        return fmt_num(to_decimal(cell))
    except ValueError:
        raise ArgError("bands", f"{name}「{cell}」不是数值", f"第{r}行") from None


def _threshold_text(table) -> tuple[str, list[int] | None]:
    """Clause text, or a range of condition | points rows; a number as condition means ≥ it."""
    g = grid(table, "table")
    if g.size == 1:
        text = _text_arg(table, "table")
        if text is None:
            raise ArgError("table", "缺少区间（如 >=90%: 3; >=80%: 2; else: 0，或 条件|分数 两列区域）")
        return text, None
    if g.shape[1] != 2:
        raise ArgError("table", "区域应为两列：条件|分数")
    rows = _table_rows(g, "table")
    for r, (cond, pts) in rows:
        if is_blank(cond) or is_blank(pts):
            raise ArgError("table", "缺少条件或分数", f"第{r}行")
    otherwise = [row for row in rows if _is_else(row[1][0])]
    if len(otherwise) < len(rows) and all(_is_number(c) for _, (c, _) in rows if not _is_else(c)):
        # A table of thresholds: the highest one met wins, in any row order; else comes last.
        rows = sorted((row for row in rows if not _is_else(row[1][0])), key=lambda row: -to_float(row[1][0]))
        rows += otherwise
    clauses = [f"{'>=' if _is_number(c) else ''}{_clause_cell(c, 'table', r, ';')}: {_clause_cell(p, 'table', r, ';')}"
               for r, (c, p) in rows]
    return "; ".join(clauses), [r for r, _ in rows]


def _table_rows(g: Grid, arg: str) -> list[tuple[int, list]]:
    """(range row number, cells) of the non-blank rows, a header row (no bound readable) skipped."""
    rows = [(r, cells) for r, cells in enumerate(g.rows(), start=1) if any(not is_blank(c) for c in cells)]
    if rows and not any(_readable_bound(c) for c in rows[0][1][1:]):
        rows = rows[1:]
    if not rows:
        raise ArgError(arg, "区域中没有内容")
    return rows


def _readable_bound(cell) -> bool:
    if is_blank(cell):
        return False
    if _is_else(cell):
        return True
    try:
        interval(_cell_text(cell))
        return True
    except ValueError:
        return False


def _is_else(cell) -> bool:
    return isinstance(cell, str) and normalize_text(cell).lower() in _ELSE_WORDS


def _is_number(cell) -> bool:
    """A number, or text that reads as one (90%, 8分)."""
    try:
        to_decimal(cell)
        return True
    except ValueError:
        return False


def _cell_text(cell) -> str:
    return fmt_num(cell) if isinstance(cell, (int, float)) and not isinstance(cell, bool) else str(cell).strip()


def _clause_cell(cell, arg: str, r: int, forbidden: str) -> str:
    """A range cell as part of a clause; characters that would split the clause are refused."""
    text = _cell_text(cell)
    if any(c in normalize_text(text) for c in forbidden):
        raise ArgError(arg, f"「{text}」中不能有 {' 或 '.join(forbidden)}", f"第{r}行")
    return text


# --- grades, ranks, indices --------------------------------------------------------------------

@lru_cache(maxsize=256)
def _scheme(text: str) -> GradeScheme:
    try:
        scheme = GradeScheme.parse(text)
    except ValueError as exc:
        raise ArgError("scheme", str(exc)) from None
    if any(g.share for g in scheme.grades):
        raise ArgError("scheme", "分数线应为分数（如 优>=90），GRADE 不知道满分，不能用百分比")
    return scheme


def _group_labels(groups, values: Grid):
    if groups is None:
        return None
    g = grid(groups, "groups")
    if g.size == 1:
        label = single(groups, "groups")
        return None if label is None else [label] * values.size
    if g.shape != values.shape:
        raise ArgError("groups", f"区域大小（{g.shape[0]}行{g.shape[1]}列）与 values"
                                 f"（{values.shape[0]}行{values.shape[1]}列）不一致")
    return ["" if is_blank(v) else v.strip() if isinstance(v, str) else v for v in g.values.tolist()]


def _order(order) -> bool:
    v = single(order, "order")
    if v is None or (not isinstance(v, str) and v in (0, 1)):
        return bool(v)
    raise ArgError("order", f"应为 0（从高到低）或 1（从低到高），而不是「{_cell_text(v)}」")


def _weights(w: Grid) -> np.ndarray:
    out, cols, (values,) = _numbers([("weights", w)])
    bad = np.flatnonzero((out.status != OK) & ~cols[0].blank)
    if bad.size:
        i = int(bad[0])
        raise ArgError("weights", f"第{i + 1}个权重「{cols[0].text(i)}」不是数值")
    return values


def _coefficient(coefficient, units: int) -> np.ndarray | None:
    """One number for every row, or one per row; a single blank cell means no coefficient."""
    c = grid(coefficient, "coefficient")
    if c.size == 1 and single(coefficient, "coefficient") is None:
        return None
    if c.size not in (1, units):
        raise ArgError("coefficient", f"应为一个数值或每行一个（共{units}个），而不是{c.size}个")
    out, cols, (values,) = _numbers([("coefficient", c)])
    bad = np.flatnonzero((out.status != OK) & ~cols[0].blank)
    if bad.size:
        i = int(bad[0])
        raise ArgError("coefficient", f"「{cols[0].text(i)}」不是数值")
    return np.repeat(values, units) if c.size == 1 else values


def _index_inputs(table: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
    """Indicator values (units × k) and, per unit, why its index cannot be computed."""
    units, k = table.shape
    cols = [InputColumn(f"第{j + 1}项", table[:, j]) for j in range(k)]
    values = np.column_stack([c.numbers[0] for c in cols])
    messages = {}
    for j, col in enumerate(cols):
        for i in np.flatnonzero(col.numbers[1]).tolist():
            messages.setdefault(i, f"第{j + 1}项「{col.text(i)}」不是数值")
    blank = np.column_stack([c.blank for c in cols])
    for i in np.flatnonzero(blank.any(axis=1)).tolist():
        if blank[i].all():
            messages[i] = BLANK
        else:
            messages.setdefault(i, f"缺少第{int(np.flatnonzero(blank[i])[0]) + 1}项指标值")
    return values, messages
