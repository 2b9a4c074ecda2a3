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

from engine.numbers import fmt_num
from engine.rank import rank
from engine.result import Result

from .sheetspec import LINE_POINTS, PageSetup, SheetSpec, fit_heights, width_points

SCORE_CARDS, RANKINGS = "评分表", "排名表"
LEVEL_HEADS = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标")
PORTRAIT_POINTS = (537.0, 745.0)   # A4 portrait less the margins (sheetspec.MARGINS), in points
MAX_BREAKS = 1026                  # Excel keeps at most this many manual page breaks on a sheet


def _num(v):
    return None if v is None or v != v else float(v)


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
    shown = [ind.score if ind.scored else ind.value for ind in result.indicators]
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
    card_heights: list[float] = []
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
            v = ind.variant(i)
            if v is not None:
                path = v.indicator.path
                row = [None] * ncols
                for d, cell in enumerate(path):
                    row[d] = cell
                row[c_points] = _num(ind.points[i])
                row[c_rule] = v.indicator.criteria or v.indicator.rule.text
                row[c_score] = _num(shown[k][i])
                row[c_work] = texts[k][i]
                r = add(row)
                span(r, len(path) - 1, L - 1)
                keys.append([path[:d + 1] if d < len(path) - 1 else None for d in range(L)])
            for p in sorted((p for p, at in last_leaf.items() if at == k and p in node_index), key=len, reverse=True):
                node = node_index[p]
                value = result.nodes[i, node]
                if np.isnan(value) and result.node_reason(i, node) == "不评估（无适用的指标）":
                    continue
                under = [j for j, o in enumerate(result.indicators)
                         if o.scored and o.variant(i) is not None and o.variant(i).indicator.path[:len(p)] == p]
                points = sum(_num(result.indicators[j].points[i]) or 0 for j in under) if sums_only else None
                row = [None] * ncols
                for d in range(len(p) - 1):
                    row[d] = p[d]
                row[len(p) - 1] = f"{p[-1]}小计"
                row[c_points] = points
                row[c_score] = _num(value)
                row[c_work] = result.node_reason(i, node) or None
                r = add(row, "total")
                span(r, len(p) - 1, L - 1)
                keys.append([p[:d + 1] if d < len(p) - 1 else None for d in range(L)])
        _merge_levels(rows, keys, first, L, merges)
        total = _num(result.total[i])
        r = add(["总分"] + [None] * (L - 1) + [_num(result.full[i]), None, total], "total")
        span(r, 0, L - 1)
        r = add(["等级"] + [None] * (L - 1) + [result.grade[i] or None], "total")
        span(r, 0, L - 1)
        span(r, L, ncols - 1)
        r = add(["排名"] + [None] * (L - 1) + [_rank_text(result, i, grouped)], "total")
        span(r, 0, L - 1)
        span(r, L, ncols - 1)
        for r, h in fit_heights(rows[first:], widths, [c for c in wrap if c >= L - 1]).items():
            heights[first + r] = h
        card_heights.append(sum(heights.get(r, LINE_POINTS) for r in range(top, len(rows))))

    width = sum(width_points(w) for w in widths.values())
    fit = min(1.0, PORTRAIT_POINTS[0] * 0.95 / width, PORTRAIT_POINTS[1] * 0.95 / max(card_heights, default=1))
    page = PageSetup(title=name, landscape=False, fit_width=False, repeat_rows=0, breaks=breaks[:MAX_BREAKS],
                     scale=max(10, math.floor(fit * 100)))
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


def _rank_text(result: Result, i: int, grouped: bool) -> str | None:
    if np.isnan(result.rank[i]):
        return None
    text = f"第{int(result.rank[i])}名（共{len(result)}个单位）"
    if grouped and not np.isnan(result.group_rank[i]):
        size = int((result.groups == result.groups[i]).sum())
        text += f"；{result.groups[i]}组内第{int(result.group_rank[i])}名（共{size}个）"
    return text


def ranking_tables(result: Result, name: str = RANKINGS) -> SheetSpec:
    """排名表: 总分 and every aggregate ranked for all units and within each group, as published."""
    dp = result.settings.decimals
    method = result.settings.ranking
    top = [k for k, p in enumerate(result.node_paths) if len(p) == 1]
    order = sorted(range(len(result.node_paths)), key=lambda k: (len(result.node_paths[k]), k))
    measures = [("总分", result.total, [(result.node_names[k], result.nodes[:, k]) for k in top])]
    measures += [(result.node_names[k], result.nodes[:, k], []) for k in order]
    groups = result.groups.astype(str)
    labels = [g for g in dict.fromkeys(groups.tolist()) if g]
    rows: list[list] = []
    kinds: dict[int, str] = {}
    width = 3 + max(len(m[2]) for m in measures)
    number = 0
    for title, values, beside in measures:
        scopes = [("全部单位", np.ones(len(result), bool))] + [(g, groups == g) for g in labels]
        for scope, members in scopes:
            number += 1
            ranks = rank(np.where(members, values, np.nan), method, decimals=dp).rank
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
    heights = fit_heights([r for r in rows], widths, [c for c in range(width)])
    heights = {r: h for r, h in heights.items() if kinds.get(r) == "head"}
    return SheetSpec(name=name, rows=rows, col_formats={0: "0", **{c: _fmt(dp) for c in range(2, width)}},
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
