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

from .sheetspec import LINE_POINTS, PageSetup, SheetSpec, fit_heights, width_points

SCORE_CARDS, RANKINGS = "评分表", "排名表"
NOT_ASSESSED = REASONS[_NOT_ASSESSED]   # an aggregate none of whose indicators applies: no 小计 row
LEVEL_HEADS = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标")
PORTRAIT_POINTS = (537.0, 745.0)   # A4 portrait less the margins (sheetspec.MARGINS), in points
LO_CHAR_POINTS = 7.0
MIN_SCALE = 50                     # a card too long for one page at this scale flows onto the next page
MAX_BREAKS = 1026                  # Excel keeps at most this many manual page breaks on a sheet


def _num(v):
    """A number cell, blank for NaN; words a row shows instead of a score (a veto's 是/否) kept."""
    return None if v is None or v != v else v if isinstance(v, str) else float(v)


def _fmt(decimals: int) -> str:
    return "0" if decimals == 0 else "0." + "0" * decimals


def score_cards(result: Result, name: str = SCORE_CARDS) -> SheetSpec:
    """One score card per unit, a page each, in the rubric's own table layout."""
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
    texts = [ind.explanations() for ind in result.indicators]
    shown = [ind.shown for ind in result.indicators]
    node_index = {p: k for k, p in enumerate(result.node_paths)}
    last_leaf: dict[tuple, int] = {}                 # node path -> position of its last indicator
    for k, ind in enumerate(result.indicators):
        for v in ind.variants:
            for d in range(1, len(v.indicator.path)):
                last_leaf[v.indicator.path[:d]] = k
    sums_only = all(result.settings.method_for(d) == "sum" for d in range(1, depth + 1))
    grouped = any(result.groups.astype(str)) and not np.isnan(result.group_rank).all()
    n_units = len(result)

    rows: list[list] = []
    kinds: dict[int, str] = {}
    merges: list[tuple[int, int, int, int]] = []
    heights: dict[int, float] = {}
    breaks: list[int] = []
    wrap = list(range(L)) + [c_rule, c_work]

    def add(row: list, kind: str = "data", height: float | None = None) -> int:
        r = len(rows)
        rows.append(row + [None] * (ncols - len(row)))
        if kind != "data":
            kinds[r] = kind
        if height:
            heights[r] = height
        return r

    def span(r: int, c1: int, c2: int) -> None:
        if c2 > c1:
            merges.append((r, c1, r, c2))

    # everything per unit read once, as plain lists (a 10 000-card sheet is built in a few seconds)
    which = [ind.which.tolist() for ind in result.indicators]
    points_of = [ind.points.tolist() for ind in result.indicators]
    shown_of = [v.tolist() for v in shown]
    closing = {k: sorted((p for p, at in last_leaf.items() if at == k and p in node_index), key=len, reverse=True)
                for k in range(len(result.indicators))}
    node_points = {}
    for p, node in node_index.items():
        total = np.zeros(n_units)
        for ind in result.indicators:
            if ind.scored:
                under = [j for j, v in enumerate(ind.variants) if v.indicator.path[:len(p)] == p]
                total += np.where(np.isin(ind.which, under), np.nan_to_num(ind.points), 0)
        node_points[p] = total.tolist()
    node_values = result.nodes.T.tolist()
    reasons = [[result.node_reason(i, k) for i in range(n_units)] if result.node_reasons[:, k].any() else None
               for k in range(len(result.node_names))]
    sizes = dict(zip(*np.unique(result.groups.astype(str), return_counts=True)))
    ranks_text = [_rank_text(result, i, grouped, sizes) for i in range(n_units)]
    cards: list[tuple[int, int]] = []

    for i in range(n_units):
        top = len(rows)
        if top:
            breaks.append(top)
        unit = str(result.units[i])
        span(add([f"{unit}评分表"], "title", 26.0), 0, ncols - 1)
        group = str(result.groups[i]) if result.groups[i] else ""
        span(add([f"被考核单位：{unit}" + (f"　　组别：{group}" if group else "")], "note"), 0, ncols - 1)
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
                row[c_points] = _num(points_of[k][i])
                row[c_rule] = v.criteria or v.rule.text
                row[c_score] = _num(shown_of[k][i])
                row[c_work] = texts[k][i]
                r = add(row)
                span(r, len(path) - 1, L - 1)
                keys.append([path[:d + 1] if d < len(path) - 1 else None for d in range(L)])
            for p in closing[k]:
                node = node_index[p]
                reason = reasons[node][i] if reasons[node] is not None else ""
                if reason == NOT_ASSESSED:
                    continue
                row = [None] * ncols
                row[:len(p) - 1] = p[:-1]
                row[len(p) - 1] = f"{p[-1]}小计"
                row[c_points] = node_points[p][i] if sums_only else None
                row[c_score] = _num(node_values[node][i])
                row[c_work] = reason or None
                r = add(row, "total")
                span(r, len(p) - 1, L - 1)
                keys.append([p[:d + 1] if d < len(p) - 1 else None for d in range(L)])
        _merge_levels(rows, keys, first, L, merges)
        r = add(["总分"] + [None] * (L - 1) + [_num(result.full[i]), None, _num(result.total[i])], "total")
        span(r, 0, L - 1)
        r = add(["等级"] + [None] * (L - 1) + [result.grade[i] or None], "total")
        span(r, 0, L - 1)
        span(r, L, ncols - 1)
        r = add(["排名"] + [None] * (L - 1) + [ranks_text[i]], "total")
        span(r, 0, L - 1)
        span(r, L, ncols - 1)
        cards.append((top, len(rows)))

    fitted = fit_heights(rows, widths, [c for c in wrap if c >= L - 1])
    heights.update((r, h) for r, h in fitted.items() if kinds.get(r, "data") in ("data", "total"))
    tall = np.full(len(rows), LINE_POINTS)
    for r, h in heights.items():
        tall[r] = h
    ends = np.concatenate([[0.0], np.cumsum(tall)])
    card_heights = [ends[b] - ends[a] for a, b in cards]

    # LibreOffice draws a character of the default font about 7 pt wide where Excel uses 5.25 pt:
    # measure with the wider so that the card fits the page width in both
    width = max(sum(width_points(w) for w in widths.values()), sum(widths.values()) * LO_CHAR_POINTS)
    fit = min(1.0, PORTRAIT_POINTS[0] * 0.95 / width, PORTRAIT_POINTS[1] * 0.95 / max(card_heights, default=1))
    page = PageSetup(title=name, landscape=False, fit_width=False, repeat_rows=0, breaks=breaks[:MAX_BREAKS],
                     scale=max(MIN_SCALE, math.floor(fit * 100)))
    formats = {c_points: "General", c_score: _fmt(dp)}
    return SheetSpec(name=name, rows=rows, col_formats=formats, col_widths=widths, freeze=None, header_bold=False,
                     autofilter=False, page=page, wrap_cols=wrap, row_heights=heights, merges=merges,
                     row_styles=kinds, grid=True)


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
    rows: list[list] = []
    kinds: dict[int, str] = {}
    width = 3 + max(len(m[3]) for m in measures)
    number = 0
    for title, basis, values, beside in measures:
        scopes = [("全部单位", np.ones(len(result), bool))] + [(g, groups == g) for g in labels]
        for scope, members in scopes:
            number += 1
            shown_dp = dp + (2 if basis is not values else 0)      # 得分率 ties as shown, in percent
            ranks = rank(np.where(members, basis, np.nan), method, decimals=shown_dp).rank
            if rows:
                rows.append([])
            kinds[len(rows)] = "caption"
            rows.append([f"表{number}　{title}排名（{scope}）"])
            kinds[len(rows)] = "head"
            rows.append(["排名", "单位", title] + [b for b, _ in beside])
            idx = np.flatnonzero(members)
            idx = idx[np.lexsort((idx, np.where(np.isnan(ranks[idx]), np.inf, ranks[idx])))]
            for i in idx.tolist():
                rows.append([_num(ranks[i]), str(result.units[i]), _num(values[i])]
                            + [_num(v[i]) for _, v in beside])
    widths = {0: 6.0, 1: float(max(8, min(30, max((len(str(u)) * 2 for u in result.units), default=8) + 2)))}
    widths.update({c: 11.0 for c in range(2, width)})
    heads = [r for r, k in kinds.items() if k == "head"]
    heights = {heads[r]: h for r, h in fit_heights([rows[r] for r in heads], widths, list(range(width))).items()}
    formats = {0: "0", **{c: _fmt(dp) for c in range(2, width)}, **({3: "0.00%"} if by_share else {})}
    return SheetSpec(name=name, rows=rows, col_formats=formats,
                     col_widths=widths, freeze=None, header_bold=False, autofilter=False,
                     page=PageSetup(title=name, landscape=False, repeat_rows=0), wrap_cols=[1],
                     row_heights=heights, row_styles=kinds, grid=True)


def report_sheets(result: Result) -> list[SheetSpec]:
    """评分表 and 排名表, replaced whole on every write like the other owned sheets."""
    return [score_cards(result), ranking_tables(result)]


def describe(result: Result) -> str:
    """One line for the command line and the message box."""
    return f"评分表{len(result)}张（每单位一页），排名表含总分及{len(result.node_names)}个汇总指标" + \
        (f"；{fmt_num(len(result))}个单位超过Excel分页符上限{MAX_BREAKS}，其后各张不再单独分页" if len(result) > MAX_BREAKS + 1 else "")
