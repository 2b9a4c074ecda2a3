"""The printable report: 评分表 (one score card per unit) and 排名表 (ranking tables).

评分表 lays each unit out the way rubrics are published and filled in by hand: 一级/二级/三级指标,
分值, 评分标准, 得分, 评分过程, a 小计 row under every aggregate, then 总分, 等级 and 排名. Each card
starts a new page; one print scale is chosen so that the longest card still fits on one A4 page.

排名表 publishes the ranks as seed 003's tables 3-x do: 总分 with the first-level values beside it,
then every aggregate on its own, each for all units and again within every group (中心城区/郊区).
"""
from __future__ import annotations

import math

import numpy as np

from engine.aggregate import NOT_ASSESSED as _NOT_ASSESSED, REASONS
from engine.numbers import fmt_num
from engine.rank import rank
from engine.result import Result

from .sheetspec import (LINE_POINTS, PageSetup, Repeats, RowTemplate, SheetSpec, Slot, fit_heights,
                        width_points)

SCORE_CARDS, RANKINGS = "评分表", "排名表"
NOT_ASSESSED = REASONS[_NOT_ASSESSED]   # an aggregate none of whose indicators applies: no 小计 row
LEVEL_HEADS = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标")
PORTRAIT_POINTS = (537.0, 745.0)   # A4 portrait less the margins (sheetspec.MARGINS), in points
LO_CHAR_POINTS = 7.0
MIN_SCALE = 50                     # a card too long for one page at this scale flows onto the next page
TITLE_POINTS = 26.0
MAX_BREAKS = 1026                  # Excel keeps at most this many manual page breaks on a sheet


def _num(v):
    """A number cell, blank for NaN; words a row shows instead of a score (a veto's 是/否) kept."""
    return None if v is None or v != v else v if isinstance(v, str) else float(v)


def _fmt(decimals: int) -> str:
    return "0" if decimals == 0 else "0." + "0" * decimals


def score_cards(result: Result, name: str = SCORE_CARDS) -> SheetSpec:
    """One score card per unit, a page each, in the rubric's own table layout.

    Units whose cards have the same rows (the same variants apply, the same aggregates are assessed)
    share one row template; each card is that template filled with the unit's values, so a
    10 000-card sheet is written without building its 300 000 rows one cell at a time.
    """
    depth = max(len(v.indicator.path) for ind in result.indicators for v in ind.variants)
    heads = ["指标"] if depth == 1 else [LEVEL_HEADS[d] if d < len(LEVEL_HEADS) else f"{d + 1}级指标"
                                         for d in range(depth)]
    L = len(heads)
    c_points, c_rule, c_score, c_work = L, L + 1, L + 2, L + 3
    ncols = L + 4
    widths = {**{d: 9.0 for d in range(L)}, c_points: 6.0, c_rule: 30.0, c_score: 8.0, c_work: 32.0}
    if L > 3:
        widths.update({c_rule: 26.0, c_work: 26.0})
    dp = result.settings.decimals
    wrap = list(range(L)) + [c_rule, c_work]
    fitted = [c for c in wrap if c >= L - 1]          # the columns whose wrapped text sets a row's height
    n_units = len(result)
    node_index = {p: k for k, p in enumerate(result.node_paths)}
    last_leaf: dict[tuple, int] = {}                 # node path -> position of its last indicator
    for k, ind in enumerate(result.indicators):
        for v in ind.variants:
            for d in range(1, len(v.indicator.path)):
                last_leaf[v.indicator.path[:d]] = k
    closing = {k: sorted((p for p, at in last_leaf.items() if at == k and p in node_index), key=len, reverse=True)
               for k in range(len(result.indicators))}
    sums_only = all(result.settings.method_for(d) == "sum" for d in range(1, depth + 1))
    grouped = any(result.groups.astype(str)) and not np.isnan(result.group_rank).all()

    # every value a card shows, as one list over the units per row and column (the templates' slots)
    which = [ind.which.tolist() for ind in result.indicators]
    points_of = [_nums(ind.points) for ind in result.indicators]
    shown_of = [_nums(ind.shown) for ind in result.indicators]
    texts = [ind.explanations() for ind in result.indicators]
    node_points = {}
    if sums_only:
        for p, node in node_index.items():
            total = np.zeros(n_units)
            for ind in result.indicators:
                if ind.scored:
                    under = [j for j, v in enumerate(ind.variants) if v.indicator.path[:len(p)] == p]
                    total += np.where(np.isin(ind.which, under), np.nan_to_num(ind.points), 0)
            node_points[p] = total.tolist()
    node_values = [_nums(col) for col in result.nodes.T]
    reasons = [[REASONS[c] or None for c in codes] if codes.any() else None
               for codes in result.node_reasons.T.astype(int)]
    sizes = dict(zip(*np.unique(result.groups.astype(str), return_counts=True)))
    unit_names = [str(u) for u in result.units]
    groups = [str(g) if g else "" for g in result.groups]
    titles = [f"{u}评分表" for u in unit_names]
    notes = [f"被考核单位：{u}" + (f"　　组别：{g}" if g else "") for u, g in zip(unit_names, groups)]
    fulls, totals = _nums(result.full), _nums(result.total)
    grades = [g or None for g in result.grade.tolist()]
    ranks_text = [_rank_text(result, i, grouped, sizes) for i in range(n_units)]

    def template(i: int) -> RowTemplate:
        """The rows of unit i's card with Slots for what differs between units, read from lists
        over all the units."""
        rows: list[list] = []
        kinds: list[str] = []
        merges: list[tuple[int, int, int, int]] = []
        columns: list[list] = []

        def slot(column: list) -> Slot:
            columns.append(column)
            return Slot(len(columns) - 1)

        def add(row: list, kind: str = "data") -> int:
            rows.append(row + [None] * (ncols - len(row)))
            kinds.append(kind)
            return len(rows) - 1

        def span(r: int, c1: int, c2: int) -> None:
            if c2 > c1:
                merges.append((r, c1, r, c2))

        span(add([slot(titles)], "title"), 0, ncols - 1)
        span(add([slot(notes)], "note"), 0, ncols - 1)
        add(heads + ["分值", "评分标准", "得分", "评分过程"], "head")
        keys: list[list] = []                          # per row: the merge key of each level column
        first = len(rows)
        for k, ind in enumerate(result.indicators):
            w = which[k][i]
            if w >= 0:
                v = ind.variants[w].indicator
                path = v.path
                row = [None] * ncols
                row[:len(path)] = path
                row[c_points] = slot(points_of[k])
                row[c_rule] = v.criteria or v.rule.text
                row[c_score] = slot(shown_of[k])
                row[c_work] = slot(texts[k])
                r = add(row)
                span(r, len(path) - 1, L - 1)
                keys.append([path[:d + 1] if d < len(path) - 1 else None for d in range(L)])
            for p in closing[k]:
                node = node_index[p]
                if reasons[node] is not None and reasons[node][i] == NOT_ASSESSED:
                    continue
                row = [None] * ncols
                row[:len(p) - 1] = p[:-1]
                row[len(p) - 1] = f"{p[-1]}小计"
                row[c_points] = slot(node_points[p]) if sums_only else None
                row[c_score] = slot(node_values[node])
                row[c_work] = slot(reasons[node]) if reasons[node] is not None else None
                r = add(row, "total")
                span(r, len(p) - 1, L - 1)
                keys.append([p[:d + 1] if d < len(p) - 1 else None for d in range(L)])
        _merge_levels(rows, keys, first, L, merges)
        r = add(["总分"] + [None] * (L - 1) + [slot(fulls), None, slot(totals)], "total")
        span(r, 0, L - 1)
        r = add(["等级"] + [None] * (L - 1) + [slot(grades)], "total")
        span(r, 0, L - 1)
        span(r, L, ncols - 1)
        r = add(["排名"] + [None] * (L - 1) + [slot(ranks_text)], "total")
        span(r, 0, L - 1)
        span(r, L, ncols - 1)
        fitted_heights = [_row_height(row, kind, columns, widths, fitted) for row, kind in zip(rows, kinds)]
        return RowTemplate(rows=rows, kinds=kinds, merges=merges, values=columns, heights=fitted_heights)

    # units with the same variants and the same unassessed aggregates have the same rows
    marks = np.vstack([np.asarray(which).reshape(len(which), n_units),
                       (result.node_reasons == _NOT_ASSESSED).T.reshape(-1, n_units)]).T
    _, first_of, shape_of = np.unique(marks, axis=0, return_index=True, return_inverse=True)
    shape_of = shape_of.ravel()
    templates, card_heights = [], [1.0]
    for t, i in enumerate(first_of.tolist()):
        tpl = template(i)
        members = np.flatnonzero(shape_of == t)
        if len(members) < n_units:      # the template's columns over its own units only
            tpl.values = [[col[j] for j in members.tolist()] for col in tpl.values]
            tpl.heights = [[h[j] for j in members.tolist()] if type(h) is list else h for h in tpl.heights]
        tall = np.zeros(len(members))
        for h in tpl.heights:
            tall += np.array([x or LINE_POINTS for x in h]) if type(h) is list else (h or LINE_POINTS)
        card_heights.append(tall.max())
        templates.append(tpl)
    order = shape_of.tolist()
    breaks, top = [], 0
    for t in order[:MAX_BREAKS + 1]:
        if top:
            breaks.append(top)
        top += len(templates[t].rows)

    # LibreOffice draws a character of the default font about 7 pt wide where Excel uses 5.25 pt:
    # measure with the wider so that the card fits the page width in both
    width = max(sum(width_points(w) for w in widths.values()), sum(widths.values()) * LO_CHAR_POINTS)
    fit = min(1.0, PORTRAIT_POINTS[0] * 0.95 / width, PORTRAIT_POINTS[1] * 0.95 / max(card_heights))
    page = PageSetup(title=name, landscape=False, fit_width=False, repeat_rows=0, breaks=breaks[:MAX_BREAKS],
                     scale=max(MIN_SCALE, math.floor(fit * 100)))
    formats = {c_points: "General", c_score: _fmt(dp)}
    return SheetSpec(name=name, rows=[], col_formats=formats, col_widths=widths, freeze=None, header_bold=False,
                     autofilter=False, page=page, wrap_cols=wrap, row_styles={}, grid=True,
                     repeats=Repeats(templates=templates, order=order))


def _row_height(row: list, kind: str, columns: list[list], widths: dict[int, float], fitted: list[int]):
    """A card row's height in every card: fixed for the title, fitted to the wrapped text of data
    and total rows (one height, or a list over the units where a slot's text decides), else None."""
    if kind == "title":
        return TITLE_POINTS
    if kind not in ("data", "total"):
        return None
    own = fit_heights([[None if type(v) is Slot else v for v in row]], widths, fitted).get(0)
    varying = [(c, columns[v]) for c, v in enumerate(row) if type(v) is Slot and c in fitted]
    if not varying:
        return own
    out = [own or 0.0] * len(varying[0][1])
    for c, column in varying:
        distinct = list(dict.fromkeys(column))
        need = fit_heights([[x] for x in distinct], {0: widths[c]}, [0])   # texts repeat: each measured once
        height = {x: need.get(j, 0.0) for j, x in enumerate(distinct)}
        out = [max(h, height[x]) for h, x in zip(out, column)]
    return [h or None for h in out]


def _merge_levels(rows: list[list], keys: list[list], first: int, levels: int, merges: list) -> None:
    """Merge each level column's runs of rows under the same parent, as rubrics are drawn."""
    for d in range(levels):
        start = 0
        for k in range(1, len(keys) + 1):
            if k < len(keys) and keys[k][d] is not None and keys[k][d] == keys[start][d]:
                continue
            if keys[start][d] is not None and k - 1 > start:
                merges.append((first + start, d, first + k - 1, d))
                for j in range(start + 1, k):
                    rows[first + j][d] = None
            start = k


def _rank_text(result: Result, i: int, grouped: bool, sizes: dict[str, int]) -> str | None:
    if np.isnan(result.rank[i]):
        return None
    text = f"第{int(result.rank[i])}名（共{len(result)}个单位）"
    if grouped and not np.isnan(result.group_rank[i]):
        text += f"；{result.groups[i]}组内第{int(result.group_rank[i])}名（共{sizes[str(result.groups[i])]}个）"
    return text


def ranking_tables(result: Result, name: str = RANKINGS) -> SheetSpec:
    """排名表: 总分 and every aggregate ranked for all units and within each group, as published."""
    dp = result.settings.decimals
    method = result.settings.ranking
    top = [k for k, p in enumerate(result.node_paths) if len(p) == 1]
    order = sorted(range(len(result.node_paths)), key=lambda k: (len(result.node_paths[k]), k))
    by_share = result.settings.rank_by == "得分率" and result.share is not None   # ranked as 得分 ranks
    tops = [(result.node_names[k], result.nodes[:, k]) for k in top]
    measures = [("总分", result.share if by_share else result.total, result.total,
                 ([("得分率", result.share)] if by_share else []) + tops)]
    measures += [(result.node_names[k], result.nodes[:, k], result.nodes[:, k], []) for k in order]
    groups = result.groups.astype(str)
    # a group of one unit has nothing to rank (附表3: each zone its own group)
    labels = [g for g in dict.fromkeys(groups.tolist()) if g and (groups == g).sum() > 1]
    width = 3 + max(len(m[3]) for m in measures)
    units = [str(u) for u in result.units]
    widths = {0: 6.0, 1: float(max(8, min(30, max((len(u) * 2 for u in units), default=8) + 2)))}
    widths.update({c: 11.0 for c in range(2, width)})
    # each table: its caption and head (a template used once), then a row per unit (a template of slots)
    templates: list[RowTemplate] = []
    order: list[int] = []
    number = 0
    for title, basis, values, beside in measures:
        scopes = [("全部单位", np.ones(len(result), bool))] + [(g, groups == g) for g in labels]
        for scope, members in scopes:
            number += 1
            shown_dp = dp + (2 if basis is not values else 0)      # 得分率 ties as shown, in percent
            ranks = rank(np.where(members, basis, np.nan), method, decimals=shown_dp).rank
            head = ["排名", "单位", title] + [b for b, _ in beside]
            top = [[f"表{number}　{title}排名（{scope}）"], head]
            kinds = ["caption", "head"] if not templates else ["data", "caption", "head"]
            top = top if not templates else [[]] + top
            tall = fit_heights([head], widths, list(range(width))).get(0)
            templates.append(RowTemplate(rows=top, kinds=kinds, merges=[], values=[],
                                         heights=[None] * (len(top) - 1) + [tall]))
            order.append(len(templates) - 1)
            idx = np.flatnonzero(members)
            idx = idx[np.lexsort((idx, np.where(np.isnan(ranks[idx]), np.inf, ranks[idx])))]
            columns = [_nums(ranks[idx]), [units[i] for i in idx.tolist()], _nums(values[idx])] + \
                [_nums(v[idx]) for _, v in beside]
            templates.append(RowTemplate(rows=[[Slot(c) for c in range(len(columns))]], kinds=["data"], merges=[],
                                         values=columns, heights=[None]))
            order += [len(templates) - 1] * len(idx)
    formats = {0: "0", **{c: _fmt(dp) for c in range(2, width)}, **({3: "0.00%"} if by_share else {})}
    return SheetSpec(name=name, rows=[], col_formats=formats,
                     col_widths=widths, freeze=None, header_bold=False, autofilter=False,
                     page=PageSetup(title=name, landscape=False, repeat_rows=0), wrap_cols=[1],
                     grid=True, repeats=Repeats(templates=templates, order=order))


def _nums(values: np.ndarray) -> list:
    """A column's cells as _num makes them, a float column without a call per value."""
    if values.dtype.kind == "f":
        return [None if x != x else x for x in values.tolist()]
    return [_num(x) for x in values.tolist()]


def report_sheets(result: Result) -> list[SheetSpec]:
    """评分表 and 排名表, replaced whole on every write like the other owned sheets."""
    return [score_cards(result), ranking_tables(result)]


def describe(result: Result) -> str:
    """One line for the command line and the message box."""
    return f"评分表{len(result)}张（每单位一页），排名表含总分及{len(result.node_names)}个汇总指标" + \
        (f"；{fmt_num(len(result))}个单位超过Excel分页符上限{MAX_BREAKS}，其后各张不再单独分页" if len(result) > MAX_BREAKS + 1 else "")
