"""Rubric + unit inputs → Result: every rule over its column of units, then totals, grades, ranks."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from .aggregate import NOT_ASSESSED as NODE_NOT_ASSESSED, TOO_FEW_CHILDREN, Tree, aggregate
from .impute import IMPUTE_TEXT, impute
from .normalize import CONSTANT, normalize
from .model import Indicator, Rubric
from .numbers import fmt_num, fmt_nums
from .outliers import WIN_MAX, treat
from .rank import rank
from .rounding import round_half_up
from .result import SEVERITY_ERROR, SEVERITY_HINT, IndicatorResult, Problem, Result, Variant
from .rules import INVALID, MISSING, NOT_ASSESSED, OK, Ctx, InputColumn, Outcome, Rule, VetoRule, apply_rule


@dataclass
class Units:
    """The 数据 sheet: one entry per unit, input columns by name (raw cell values)."""

    names: np.ndarray
    groups: np.ndarray                                  # '' where the unit has no group
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    parents: np.ndarray | None = None

    def __post_init__(self):
        self.names = np.asarray(self.names, dtype=object)
        self.groups = np.array(["" if g is None else str(g).strip() for g in self.groups], dtype=object)

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def single(cls, name: str, columns: dict[str, object]) -> "Units":
        return cls(np.array([name], dtype=object), np.array([""], dtype=object),
                   {k: np.array([v], dtype=object) for k, v in columns.items()})


def score_rule(rule: Rule, points: Decimal | None, inputs: list[InputColumn], decimals: int = 2,
               label: str = "", groups: np.ndarray | None = None) -> Outcome:
    """One rule over columns of units (every unit scored, every unit a peer)."""
    n = len(inputs[0]) if inputs else 0
    everyone = np.ones(n, dtype=bool)
    ctx = Ctx(rows=everyone, peers=everyone, decimals=decimals, label=label,
              groups=np.asarray(groups if groups is not None else [""] * n, dtype=object))
    out = apply_rule(rule, inputs, points, ctx)
    out.cols = inputs
    return out


def score(rubric: Rubric, units: Units) -> Result:
    """Score every unit on every indicator of the rubric and aggregate through the hierarchy."""
    problems: list[Problem] = []
    settings = rubric.settings
    n = len(units)
    results = [_score_indicator(key, rows, units, settings.decimals, problems)
               for key, rows in _variants(rubric).items()]
    for r in results:                              # the Handbook's order: impute, treat, normalise
        r.skipped = settings.missing_for(len(r.indicator.path)) != "blank"
        _impute(r, units, problems)
        _treat(r, problems)
        _normalize(r, units, settings.decimals, problems)
    scored = [r for r in results if r.scored]
    leaf = np.column_stack([r.score for r in scored]) if scored else np.zeros((n, 0))
    assessed = np.column_stack([r.assessed for r in scored]) if scored else np.zeros((n, 0), bool)
    points = np.column_stack([r.points for r in scored]) if scored else None
    coefficient = _coefficient(units, settings.coefficient, problems)
    paths: list[tuple[str, ...]] = []
    values = np.full((n, 1), np.nan)               # only the (blank) total when nothing is scored
    reasons = np.zeros((n, 1), dtype=np.int8)
    points_sum = False                             # the total is a plain sum of leaf points
    if scored:
        tree, paths, weights = build_tree(rubric, results, units, settings)
        values = np.full((n, tree.n), np.nan)
        reasons = np.zeros((n, tree.n), dtype=np.int8)
        for members, w in weights:
            agg = aggregate(tree, leaf[members], assessed[members], settings.decimals, settings.round_each_level,
                            weights=w, coefficient=None if coefficient is None else coefficient[members],
                            points=points[members])
            values[members] = agg.values
            reasons[members] = agg.reason
        problems += _too_few_problems(tree, values, reasons)
        points_sum = settings.coefficient is None and all(m in ("", "sum") for m in tree.method) \
            and not any(r.indicator.normalize for r in scored)
    n_leaves = len(scored)
    if "汇总" in settings.blank or (settings.coefficient and coefficient is None):
        values[:, n_leaves:] = np.nan              # a broken 汇总/系数 setting: no total is a guess
    total = values[:, -1]
    base = [r for r in scored if not r.indicator.rule.bonus]       # bonus points come on top
    full = np.column_stack([np.where(r.assessed, r.points, 0) for r in base]).sum(axis=1) if base \
        else np.zeros(n)
    total = _capped(total, full, settings)
    total, vetoed = _vetoes(results, total, units, problems)
    ceiling = _ceiling(results, full, settings)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(full > 0, total / full, np.nan) if points_sum else None
    on_share = share is not None and bool(np.any(np.isfinite(full) & (full != 100)))
    grade = _graded(settings, settings.scheme(on_share), total, full, vetoed, problems)
    by = _rank_values(settings, total, share, problems)
    rank_groups = units.groups
    if settings.rank_groups != "组别":
        if settings.rank_groups in units.columns:
            rank_groups = units.columns[settings.rank_groups]
        else:
            problems.append(Problem(SEVERITY_ERROR, f"排名分组列「{settings.rank_groups}」在数据表中不存在，"
                                    "组内排名留空", setting="排名分组"))
            rank_groups = None
    dp = settings.decimals + (2 if by is share else 0)     # ties as shown: 得分率 is a percent
    ranked = "排名" not in settings.blank and by is not None
    blank = np.full(n, np.nan)
    return Result(
        units=units.names, groups=units.groups, indicators=results,
        node_names=[p[-1] for p in paths], node_paths=list(paths), nodes=values[:, n_leaves:-1],
        node_reasons=reasons[:, n_leaves:-1], total=total, full=full, grade=grade,
        share=share if on_share else None,
        rank=rank(by, settings.ranking, decimals=dp).rank if ranked else blank,
        group_rank=blank if not ranked or rank_groups is None else
        rank(by, settings.ranking, decimals=dp,
             groups=None if not any(np.asarray(rank_groups, dtype=str)) else rank_groups).rank,
        settings=settings, problems=problems + _unit_problems(results), ceiling=ceiling)


def _rank_values(settings, total: np.ndarray, share: np.ndarray | None, problems: list[Problem]):
    """What 排名 orders: 总分, or 得分率 where 设置 排名依据 asks for it and the total is a sum of points."""
    if settings.rank_by == "总分":
        return total
    if share is None:
        problems.append(Problem(SEVERITY_ERROR, "排名依据为「得分率」，但总分不是各指标分值之和（加权平均、系数或"
                                "标准化），没有得分率：排名留空", setting="排名依据"))
        return None
    return share


def _capped(total: np.ndarray, full: np.ndarray, settings) -> np.ndarray:
    """总分上限: bonus rows may lift a total above the base points; the setting caps it."""
    if settings.total_cap is None:
        return total
    cap = full if settings.total_cap == "full" else float(settings.total_cap)
    with np.errstate(invalid="ignore"):
        return np.where(total > cap, cap, total)


def _veto_rows(results: list[IndicatorResult], n: int):
    """(indicator result, variant, rule, blank answers, fired) for every 一票否决 variant."""
    for r in results:
        for k, v in enumerate(r.variants):
            if isinstance(v.indicator.rule, VetoRule):
                rows = r.which == k
                blank = rows & (v.outcome.status != OK) & (v.outcome.status != NOT_ASSESSED)
                yield r, v, v.indicator.rule, blank, rows & v.outcome.extra.get("fired", np.zeros(n, bool))


def _ceiling(results: list[IndicatorResult], full: np.ndarray, settings) -> np.ndarray:
    """Per unit, the most its total may be whatever the weights: 总分上限 and fired veto totals
    (inf: no ceiling; NaN: a blank veto answer blanks the total). Recomputations of the total
    (敏感性) apply it as scoring does."""
    ceiling = np.full(len(full), np.inf)
    if settings.total_cap is not None:
        ceiling = np.minimum(ceiling, full if settings.total_cap == "full" else float(settings.total_cap))
    for _, _, rule, blank, fired in _veto_rows(results, len(full)):
        ceiling[blank] = np.nan
        if rule.total is not None:
            ceiling[fired] = np.minimum(ceiling[fired], float(rule.total))
    return ceiling


def _vetoes(results: list[IndicatorResult], total: np.ndarray, units: Units, problems: list[Problem]):
    """Apply every fired 一票否决 to the totals; a blank veto answer blanks the total (never 否).

    Returns the totals and, per unit, the fired veto rules with their indicator names."""
    total = total.copy()
    vetoed: list[list[tuple[VetoRule, str]]] = [[] for _ in range(len(total))]
    for r, v, rule, blank, fired in _veto_rows(results, len(total)):
        total[blank] = np.nan
        for i in np.flatnonzero(fired).tolist():
            vetoed[i].append((rule, r.indicator.name))
            before = total[i]
            if rule.total is not None and total[i] > float(rule.total):
                total[i] = float(rule.total)
            said = (f"总分由{fmt_num(before, 2)}计为{fmt_num(total[i], 2)}" if before != total[i]
                    else rule.consequence())
            problems.append(Problem(SEVERITY_HINT, f"「{r.indicator.name}」一票否决：{said}", unit=i,
                                    indicator=r.key, inputs=tuple(c.name for c in v.outcome.cols),
                                    rubric_row=v.indicator.row))
    return total, vetoed


def _graded(settings, scheme, total, full, vetoed, problems: list[Problem]) -> np.ndarray:
    """Grades from the totals, then the grade vetoes: 不得评为X moves a grade at or above X to the
    grade below it; 定为X sets it. A broken 等级 setting leaves every grade blank."""
    if "等级" in settings.blank:
        return np.full(len(total), "", dtype=object)
    grade = scheme.grade(total, full)
    labels = [g.label for g in scheme.grades]
    for i, fired in enumerate(vetoed):
        for rule, name in fired:
            if rule.below is not None and grade[i]:
                if rule.below not in labels[:-1]:
                    problems.append(Problem(SEVERITY_ERROR, f"「{name}」：等级方案中没有可低于的等级「{rule.below}」"
                                            f"（等级：{'、'.join(labels)}）", unit=i))
                elif grade[i] in labels and labels.index(grade[i]) <= labels.index(rule.below):
                    grade[i] = labels[labels.index(rule.below) + 1]
        for rule, _ in fired:
            if rule.grade is not None and not np.isnan(total[i]):
                grade[i] = rule.grade
    return grade


def _variants(rubric: Rubric) -> dict[str, list[Indicator]]:
    """The rows of each indicator, group-specific rows first: a row with a blank 组别 beside them
    is the indicator's rule for every other group, so whoever takes the first matching row (scores,
    weights, the formula copy's IF chain) gives a group its own row."""
    out: dict[str, list[Indicator]] = {}
    for ind in rubric.indicators:
        out.setdefault(ind.key, []).append(ind)
    return {key: sorted(rows, key=lambda ind: ind.groups is None) for key, rows in out.items()}


def _left_out_peers(rows: list[Indicator], out: np.ndarray, units: Units, problems: list[Problem], key: str) -> None:
    """A 提示 where units compared with each other (the best value, a rank) lost one to a blank
    or wrong input: the others' scores were made without it and change once it is put right."""
    basis = next((b for b in (r.rule.peer_basis() for r in rows) if b), None)
    if basis is None or not out.any():
        return
    names = [str(u) for u in units.names[out].tolist()]
    said = "、".join(f"「{u}」" for u in names[:5]) + (f"等{len(names)}个单位" if len(names) > 5 else "")
    problems.append(Problem(SEVERITY_HINT, f"「{rows[0].name}」按各单位的{basis}计分，{said}的输入空白或有误，"
                            f"未参与比较：补正后其他单位的得分可能变化", indicator=key, rubric_row=rows[0].row))


def _rows_said(a: Indicator, b: Indicator) -> str:
    return f"细则第{a.row}行和第{b.row}行" if a.row and b.row else "多行细则"


def _score_indicator(key: str, rows: list[Indicator], units: Units, decimals: int,
                     problems: list[Problem]) -> IndicatorResult:
    n = len(units)
    which = np.full(n, -1, dtype=np.int32)
    applies = [ind.applies_to(units.groups) for ind in rows]
    peers = np.logical_or.reduce(applies) if applies else np.zeros(n, bool)
    variants = []
    for k, (ind, mask) in enumerate(zip(rows, applies)):
        if ind.groups is None and k and all(r.groups is not None for r in rows[:k]):
            mask = mask & (which < 0)        # the blank-组别 row: every unit without a row of its group
        for i in np.flatnonzero(mask & (which >= 0)).tolist():      # two rows for one unit: no guess
            group = f"单位所在组别「{units.groups[i]}」" if units.groups[i] else ""     # no 组别: no empty 「」
            first = rows[which[i]]
            said = f"{group}同时适用指标「{ind.name}」的{_rows_said(first, ind)}，无法确定按哪一行评分，本项不评分"
            problems.append(Problem(SEVERITY_ERROR, said, unit=i, indicator=key, rubric_row=ind.row))
            variants[which[i]].outcome.fail(np.arange(n) == i, INVALID, said)
        rows_mask = mask & (which < 0)
        which[rows_mask] = k
        ctx = Ctx(rows=rows_mask, peers=peers, groups=units.groups, decimals=decimals, label=ind.label)
        variants.append(Variant(ind, _evaluate(ind, units, ctx, problems), ctx))
    pick = np.clip(which, 0, None)

    def stack(attr: str) -> np.ndarray:
        if len(variants) == 1:
            return getattr(variants[0].outcome, attr)
        return np.array([getattr(v.outcome, attr) for v in variants])[pick, np.arange(n)]
    assessed = which >= 0
    score = np.where(assessed, stack("score"), np.nan)
    status = np.where(assessed, stack("status"), NOT_ASSESSED).astype(np.int8)
    _left_out_peers(rows, peers & ((status == MISSING) | (status == INVALID)), units, problems, key)
    points = np.array([float(v.indicator.points) if v.indicator.points is not None else np.nan
                       for v in variants])[pick]
    return IndicatorResult(key=key, indicator=rows[0], variants=variants, which=which, score=score,
                           status=status, value=np.where(assessed, stack("value"), np.nan),
                           points=np.where(assessed, points, np.nan), scored=rows[0].rule.scored)


def _normalize(r: IndicatorResult, units: Units, decimals: int, problems: list[Problem]) -> None:
    """Turn the indicator's raw scores into normalised ones (minmax, benchmark …) before aggregation."""
    spec = r.indicator.normalize
    if spec is None or not r.scored:
        return
    reference = None
    if spec.reference is not None:
        hits = np.flatnonzero(units.names.astype(str) == spec.reference)
        if not hits.size:
            problems.append(Problem(SEVERITY_ERROR, f"指标「{r.indicator.name}」的标准化参照单位「{spec.reference}」不在数据表中",
                                    indicator=r.key, rubric_row=r.indicator.row))
            r.score = np.full(len(r.score), np.nan)
            return
        reference = int(hits[0])
    res = normalize(np.where(r.which >= 0, r.score, np.nan), spec.method, spec.higher_is_better,
                    benchmark=None if spec.benchmark is None else float(spec.benchmark), reference=reference,
                    cap=None if spec.cap is None else float(spec.cap), base=float(spec.base))
    messages = res.messages()
    constant = (r.which >= 0) & (res.reason == CONSTANT)
    if constant.any():
        problems.append(Problem(SEVERITY_HINT, f"「{r.indicator.name}」：{messages[constant][0]}",
                                indicator=r.key, rubric_row=r.indicator.row))
    for i in np.flatnonzero((r.which >= 0) & ~res.missing & np.isnan(res.values) & ~constant).tolist():
        problems.append(Problem(SEVERITY_ERROR, f"「{r.indicator.name}」标准化失败：{messages[i]}", unit=i,
                                indicator=r.key, rubric_row=r.indicator.row))
    r.raw = r.score
    r.score = round_half_up(res.values, decimals)
    r.norm_messages = messages


def _impute(r: IndicatorResult, units: Units, problems: list[Problem]) -> None:
    """插补: fill the blank inputs of the indicator's assessed units, each fill shown and listed (提示)."""
    spec = r.indicator.impute
    if spec is None or not r.scored:
        return
    groups = previous = None
    if spec.column is not None and spec.column not in units.columns:
        problems.append(Problem(SEVERITY_ERROR, f"指标「{r.indicator.name}」的插补列「{spec.column}」在数据表中不存在，未插补",
                                indicator=r.key, rubric_row=r.indicator.row))
        return
    if spec.method == "previous":
        numbers, bad = InputColumn(spec.column, units.columns[spec.column]).numbers
        previous = np.where(bad, np.nan, numbers)
    elif spec.method.startswith("group"):
        groups = units.groups if spec.column is None else \
            np.array(InputColumn(spec.column, units.columns[spec.column]).texts, dtype=object)
    gap = r.status == MISSING
    res = impute(r.score, spec.method, groups=groups, previous=previous,
                 among=r.assessed & ((r.status == OK) | gap))
    filled = res.filled & gap
    how = IMPUTE_TEXT[spec.method] + (f"（{spec.column}）" if spec.column else "")
    for i in np.flatnonzero(filled).tolist():
        r.filled[i] = f"插补：{how} {fmt_num(res.values[i], 4)}"
        problems.append(Problem(SEVERITY_HINT, f"「{r.indicator.name}」：缺少数值，{r.filled[i]}", unit=i,
                                indicator=r.key, inputs=r.indicator.inputs, rubric_row=r.indicator.row))
    r.score = np.where(filled, res.values, r.score)


def _treat(r: IndicatorResult, problems: list[Problem]) -> None:
    """异常值: winsorise or log-transform the indicator's values; the change is shown per unit and listed."""
    method = r.indicator.outliers
    if method is None or not r.scored:
        return
    assessed = r.assessed
    res = treat(np.where(assessed, r.score, np.nan), method)
    name = r.indicator.name
    if res.note:
        problems.append(Problem(SEVERITY_HINT, f"「{name}」异常值未处理：{res.note}", indicator=r.key,
                                rubric_row=r.indicator.row))
    if not res.method:
        return
    word = "缩尾" if res.method == "winsorise" else "对数变换"
    changed = np.flatnonzero(res.points)
    r.treated.update({i: f"{word}：{a} → {b}" for i, a, b in
                      zip(changed.tolist(), fmt_nums(r.score[changed], 4), fmt_nums(res.values[changed], 4))})
    stats = (f"偏度{res.skew[0]:.2f}、峰度{res.kurt[0]:.2f}，处理后偏度{res.skew[1]:.2f}、峰度{res.kurt[1]:.2f}"
             if not np.isnan(res.skew[0]) else "")
    if res.method == "winsorise":
        what = f"缩尾{int(res.points.sum())}个点（{stats}）"
    elif method == "winsorise":
        what = f"缩尾{WIN_MAX}个点后仍偏斜，改为对原值做对数变换（{stats}）"
    else:
        what = f"对数变换（{stats}）" if stats else "对数变换"
    problems.append(Problem(SEVERITY_HINT, f"「{name}」异常值处理：{what}", indicator=r.key, rubric_row=r.indicator.row))
    r.score = np.where(assessed, res.values, r.score)


def _too_few_problems(tree: Tree, values: np.ndarray, reasons: np.ndarray) -> list[Problem]:
    """A 提示 per unit and node left blank by 最少数据, with the counts that decided it."""
    out = []
    for u, p in zip(*np.nonzero(reasons == TOO_FEW_CHILDREN)):
        c = tree.children[p]
        assessed = reasons[u, c] != NODE_NOT_ASSESSED
        present = int((assessed & ~np.isnan(values[u, c])).sum())
        need = int(np.ceil(tree.min_share[p] * assessed.sum() - 1e-9))
        out.append(Problem(SEVERITY_HINT, f"「{tree.names[p]}」：{int(assessed.sum())}个下级指标中只有{present}个有数据，"
                           f"少于最少数据（{need}个），汇总为空", unit=int(u)))
    return out


def _evaluate(ind: Indicator, units: Units, ctx: Ctx, problems: list[Problem]) -> Outcome:
    """Run the row's rule, or blank every unit with one rubric-level problem when it cannot run."""
    missing = [name for name in ind.inputs if name not in units.columns]
    lo, hi = ind.rule.arity()
    reason = None
    if missing:
        reason = f"数据表中没有输入列「{'」「'.join(missing)}」"
    elif not lo <= len(ind.inputs) <= hi:
        want = str(lo) if lo == hi else f"{lo}-{hi}"
        reason = f"规则 {ind.rule.KIND} 需要{want}个输入，而「输入」列给了{len(ind.inputs)}个"
    elif ind.points is None and ind.rule.needs_points():
        reason = "缺少分值"
    if reason:
        problems.append(Problem(SEVERITY_ERROR, f"指标「{ind.name}」：{reason}", indicator=ind.key,
                                inputs=tuple(missing), rubric_row=ind.row))
        out = Outcome.empty(ctx.n)
        out.status[ctx.rows] = INVALID
        for i in np.flatnonzero(ctx.rows).tolist():
            out.messages[i] = reason
        return out
    cols = [InputColumn(name, units.columns[name]) for name in ind.inputs]
    out = apply_rule(ind.rule, cols, ind.points, ctx)
    out.cols = cols
    out.status[~ctx.rows] = NOT_ASSESSED
    return out


def _unit_problems(results: list[IndicatorResult]) -> list[Problem]:
    """Per-unit errors (missing or invalid input) and hints (a score in a band overlap)."""
    out = []
    for r in results:
        for v in r.variants:
            inputs = tuple(c.name for c in v.outcome.cols)
            rubric_level = not v.outcome.cols or v.indicator.rule.KIND == "unreadable"  # said once, at the rule
            culprit = v.outcome.culprit
            for i, msg in sorted(v.outcome.messages.items()):
                if v.ctx.rows[i] and not rubric_level and v.outcome.status[i] != NOT_ASSESSED and i not in r.filled:
                    skipped = r.skipped and v.outcome.status[i] == MISSING   # 设置 缺失值=跳过: expected gaps
                    at = (culprit[i], *inputs) if i in culprit else inputs   # the cell at fault first
                    out.append(Problem(SEVERITY_HINT if skipped else SEVERITY_ERROR,
                                       f"「{r.indicator.name}」：{msg}{'，汇总时跳过' if skipped else ''}", unit=i,
                                       indicator=r.key, inputs=at, rubric_row=v.indicator.row))
            for i, msg in sorted(v.outcome.notes.items()):
                if v.ctx.rows[i] and v.outcome.status[i] == OK:
                    out.append(Problem(SEVERITY_HINT, f"「{r.indicator.name}」：{msg}", unit=i,
                                       indicator=r.key, inputs=inputs, rubric_row=v.indicator.row))
    return out


def _coefficient(units: Units, column: str | None, problems: list[Problem]) -> np.ndarray | None:
    if not column:
        return None
    if column not in units.columns:
        problems.append(Problem(SEVERITY_ERROR, f"设置的系数列「{column}」在数据表中不存在，总分留空", setting="系数"))
        return None
    col = InputColumn(column, units.columns[column])
    values, bad = col.numbers
    for i in np.flatnonzero(bad | col.blank).tolist():
        problems.append(Problem(SEVERITY_ERROR, f"系数「{col.text(i) or '空'}」不是数值", unit=i, inputs=(column,)))
    return values


def build_tree(rubric: Rubric, results: list[IndicatorResult], units: Units, settings):
    """The aggregation tree over the scored leaves, the aggregate nodes' paths (in tree order) and
    the weight vector(s) to use per unit set."""
    scored = [r for r in results if r.scored]
    paths = [r.indicator.path for r in scored]
    prefixes = sorted({p[:d] for p in paths for d in range(1, len(p))}, key=lambda p: (-len(p), _paths_order(p, paths)))
    index = {p: len(scored) + k for k, p in enumerate(prefixes)}
    root = len(scored) + len(prefixes)
    parent = [index.get(p[:-1], root) for p in paths] + [index.get(p[:-1], root) for p in prefixes] + [-1]
    method = tuple([""] * len(scored) + [settings.method_for(len(p) + 1) for p in prefixes]
                   + [settings.method_for(1)])
    missing = tuple([""] * len(scored) + [settings.missing_for(len(p) + 1) for p in prefixes]
                    + [settings.missing_for(1)])
    min_share = [np.nan] * len(scored) + [settings.min_share_for(len(p) + 1) for p in prefixes] \
        + [settings.min_share_for(1)]
    names = tuple(r.indicator.column for r in scored) + tuple(p[-1] for p in prefixes) + ("总分",)
    # Weights may differ between unit groups (group variants of a row): one vector per distinct set.
    vectors: dict[tuple, np.ndarray] = {}
    for g in dict.fromkeys(units.groups.tolist()):
        w = tuple(_leaf_weight(r, g) for r in scored) + tuple(_node_weight(rubric, p, g) for p in prefixes) + (1.0,)
        members = units.groups == g
        vectors[w] = vectors[w] | members if w in vectors else members
    weights = [(mask, np.array(w, dtype=float)) for w, mask in vectors.items()]
    if not weights:
        weights = [(np.zeros(0, bool), np.ones(root + 1))]
    tree = Tree(parent=np.array(parent), n_leaves=len(scored), method=method,
                weight=weights[0][1], names=names, missing=missing,
                min_share=np.array([np.nan if m is None else m for m in min_share], dtype=float))
    return tree, prefixes, weights


def _paths_order(prefix: tuple, paths: list[tuple]) -> int:
    """Keep aggregate nodes in the order their first leaf appears in the rubric."""
    return next(k for k, p in enumerate(paths) if p[:len(prefix)] == prefix)


def _leaf_weight(r: IndicatorResult, group: str) -> float:
    for v in r.variants:
        if v.indicator.groups is None or group in v.indicator.groups:
            return float(v.indicator.weight) if v.indicator.weight is not None else np.nan
    return np.nan


def _node_weight(rubric: Rubric, path: tuple, group: str) -> float:
    for node in rubric.nodes:
        if node.path == path and (node.groups is None or group in node.groups):
            return float(node.weight) if node.weight is not None else np.nan
    return np.nan

