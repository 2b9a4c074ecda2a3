"""公式版 sheets: 得分 and 平均 rewritten as native formulas over 数据, plus the 公式参数 sheet.

The cell positions come from the SheetSpecs that xladdin.outputs built (header row found by its
headings, one row per unit in unit order), so the formulas follow whatever layout 得分 has. Every
formula cell carries rubricxl's value as its cached value; a cell with no faithful formula keeps
its value and gets a note saying why, and the reasons are summed up as 提示 rows of 问题.
"""
from __future__ import annotations

import re

import numpy as np

from engine.aggregate import resolve_weights
from engine.numbers import normalize_text
from engine.result import SEVERITY_HINT, Result
from engine.rules import CheckRule, InputColumn, VetoRule
from engine.rules.base import SCALE_SLIP
from engine.score import build_tree

from . import outputs
from .formulas import (Compiled, NotCompiled, Summary, compile_rule, formula_misreads, lit, not_applicable, rounded,
                       text_lit)
from .layout import Book, Issue, cell_ref
from .sheetspec import Formula, SheetSpec

PARAMS_SHEET = "公式参数"
NORMALIZED = ("ratio_to_benchmark", "ratio_to_reference")
D, S = "\x00d", "\x00s"            # row placeholders: the unit's 数据 row, its 得分 row
_CRITERIA_SPECIAL = set("*?~<>=")


def groups_of(ind) -> set[str] | None:
    """The 组别 an indicator's rubric rows apply to (None: a row applies to every unit)."""
    if any(v.indicator.groups is None for v in ind.variants):
        return None
    return set().union(*(v.indicator.groups for v in ind.variants))


def col_letter(c: int) -> str:
    return cell_ref(0, c)[:-1]


def quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


class _Copy:
    """Builds the formula copy of one rescored workbook."""

    def __init__(self, book: Book, result: Result, scores: SheetSpec):
        self.book, self.result, self.scores = book, result, scores
        self.dp = result.settings.decimals
        self.summary = Summary()
        self.params: list[list] = [["公式版参数：「得分」「平均」的公式引用本表的单元格；等级分数线可以修改，请勿删除或移动本表"]]
        rows = scores.rows
        self.h = next((r for r, row in enumerate(rows) if "单位" in row and "总分" in row), None)
        if self.h is None:
            raise NotCompiled("「得分」表中找不到表头")
        self.col = {v: c for c, v in enumerate(rows[self.h]) if isinstance(v, str)}
        n = len(result)
        self.first, self.last = self.h + 2, self.h + 1 + n           # Excel rows of the units
        if len(rows) < self.h + 1 + n or any(rows[self.h + 1 + i][self.col["单位"]] != u
                                             for i, u in enumerate(result.units.tolist())):
            raise NotCompiled("「得分」表的行与单位不对应")
        self.sname = quote(scores.name)
        self.g = f"${col_letter(self.col['组别'])}{S}" if "组别" in self.col else '""'
        self.data = quote(book.sheets["data"]) if not book.single else None
        rows_ = book.data_rows
        self.contiguous = bool(rows_) and rows_[-1] - rows_[0] + 1 == len(rows_)
        self.cells: dict[tuple[int, int], object] = {}          # (spec row, col) -> Formula
        self.notes: dict[tuple[int, int], str] = {}

    # -------------------------------------------------------------- references
    def score_col(self, heading: str) -> str:
        return col_letter(self.col[heading])

    def score_range(self, heading: str) -> str:
        c = self.score_col(heading)
        return f"${c}${self.first}:${c}${self.last}"

    def input_ref(self, name: str) -> str:
        """The unit's cell of an input column (a template over the 数据 row). In the single-unit
        layout the 业绩值 cell of the rubric row, or the k-th ';'-separated part of it, read
        through VALUE as the engine reads text ('3.2%' is 0.032, '是' stays 是, '' stays blank)."""
        if not self.book.single:
            return f"{self.data}!${col_letter(self.book.data_cols[name])}{D}"
        at = self.book.input_cells[name]
        x = f"{quote(self.book.sheets['rubric'])}!${col_letter(at[1])}${at[0] + 1}"
        keys = [k for k, v in self.book.input_cells.items() if v == at]
        if len(keys) > 1:
            k = keys.index(name)
            x = f'TRIM(MID(SUBSTITUTE(SUBSTITUTE({x},"；",";"),";",REPT(" ",99)),{k * 99 + 1},99))'
        return f'IF({x}="","",IFERROR(VALUE({x}),{x}))'

    def compiled(self, variant) -> Compiled:
        spec = variant.indicator
        missing = [n for n in spec.inputs if n not in self.book.units.columns]
        if missing:
            raise NotCompiled(f"「数据」表中没有输入列「{'」「'.join(missing)}」")
        if getattr(spec, "impute", None) is not None or getattr(spec, "outliers", None):
            raise NotCompiled("插补或异常值处理需要整列的统计，暂无对应公式")
        if spec.normalize is not None and spec.normalize.method not in NORMALIZED:
            raise NotCompiled(f"标准化（{spec.normalize.method}）暂无对应公式")
        cols = [InputColumn(n, self.book.units.columns[n]) for n in spec.inputs]
        two_points = isinstance(spec.rule, CheckRule) and len(cols) == spec.rule.n == 2
        all_bool = two_points and all(not c.booleans[1].any() for c in cols)
        pairs = any(isinstance(v, str) and len(v.split()) == 2 for c in cols[:1] for v in c.raw.tolist())
        return compile_rule(spec.rule, spec.points, len(spec.inputs), self.dp, all_bool, pairs)

    def input_range(self, name: str) -> str:
        if self.book.single:
            return self.input_ref(name)
        if not self.contiguous:
            raise NotCompiled("「数据」表的单位行之间有空行或被跳过的行，无法对整列取最高值")
        c = col_letter(self.book.data_cols[name])
        return f"{self.data}!${c}${self.book.data_rows[0] + 1}:${c}${self.book.data_rows[-1] + 1}"

    def assessed_cond(self, ind) -> str | None:
        """The condition 'this unit is assessed on the indicator' (None: every unit): its 组别 has a
        row of the indicator, and, under na=exclude, no input of that row says 不涉及."""
        if not any(v.indicator.rule.na == "exclude" for v in ind.variants):
            return self.group_cond(groups_of(ind))
        chain = "FALSE"
        for v in reversed(ind.variants):
            spec = v.indicator
            here = "TRUE" if spec.rule.na != "exclude" else f"NOT({self.said_not_applicable(spec)})"
            cond = self.group_cond(spec.groups)
            chain = here if cond is None else f"IF({cond},{here},{chain})"
        return chain

    def said_not_applicable(self, spec) -> str:
        """The condition 'an input cell of this rubric row says 不涉及' for the unit's row."""
        return not_applicable([self.input_ref(n) for n in spec.inputs])

    def group_cond(self, groups) -> str | None:
        """The condition 'this unit's 组别 is one of groups' (None: every unit)."""
        if groups is None:
            return None
        parts = [f"{self.g}={text_lit(g)}" for g in sorted(groups)]
        return parts[0] if len(parts) == 1 else f"OR({','.join(parts)})"

    # -------------------------------------------------------------- indicators
    def leaf_template(self, ind) -> str:
        """One formula for the indicator column: IF on 组别 over its group variants."""
        chain = '""'
        for v in reversed(ind.variants):
            spec = v.indicator
            compiled = self.compiled(v)
            text = compiled.text
            if compiled.best is not None:
                text = text.replace("{best}", self.best(ind, v, compiled.best))
            if compiled.ranked is not None:
                text = text.replace("{rank}", self.rank_among_peers(ind, v, compiled.ranked))
                if spec.rule.among == "group":             # no 组别: no rank within it (blank)
                    text = f'IF({self.g}="","",{text})'
            for k, name in enumerate(spec.inputs):
                text = text.replace(f"{{{k}}}", self.input_ref(name))
            if spec.normalize is not None:
                text = self.normalized(text, spec.normalize, len(ind.variants))
            cond = self.group_cond(spec.groups)
            chain = text if cond is None else f"IF({cond},{text},{chain})"
        return chain

    def normalized(self, x: str, norm, n_variants: int) -> str:
        """The raw value x as a ratio to a benchmark or to the reference unit's value × base,
        capped; equal to the divisor gives base (as the engine's normalisation)."""
        if norm.method == "ratio_to_benchmark":
            div = lit(norm.benchmark)
        else:
            hits = np.flatnonzero(self.book.units.names.astype(str) == norm.reference)
            if not hits.size or n_variants > 1 or self.book.single:
                raise NotCompiled(f"标准化参照单位「{norm.reference}」无法引用")
            div = x.replace(D, str(self.book.data_rows[int(hits[0])] + 1))
        base = lit(norm.base)
        cap = (lambda v: f"MIN({v},{lit(norm.cap)})") if norm.cap is not None else (lambda v: v)
        if norm.higher_is_better:
            ratio = f'IF({div}>0,{rounded(cap(f"{x}/{div}*{base}"), self.dp)},"")'
        else:
            zero = rounded(lit(norm.cap), self.dp) if norm.cap is not None else '""'
            ratio = f'IF({div}>=0,IF({x}=0,{zero},{rounded(cap(f"{div}/{x}*{base}"), self.dp)}),"")'
        return (f'IF(OR({x}="",NOT(ISNUMBER({div}))),"",IF({x}<0,"",IF({x}={div},'
                f'{rounded(cap(base), self.dp)},{ratio})))')

    def best(self, ind, variant, how: str) -> str:
        """The best peer's value ('max' or 'min'): a cell of 公式参数 (one per indicator) or,
        within the unit's own group, an expression per unit. Negative values cannot lift a
        maximum above 0, and a best of 0 or less blanks the score in the engine and here alike."""
        lowest = how == "min"
        name = variant.indicator.inputs[0]
        col = InputColumn(name, self.book.units.columns[name])
        peers = groups_of(ind)
        among = getattr(variant.indicator.rule, "among", "all")
        rng = self.input_range(name)
        if formula_misreads(col, "num").any():
            raise NotCompiled(f"「{name}」列中有以文本填写的数值，最高值无法用公式取得")
        if self.scale_slips(ind):
            raise NotCompiled(f"「{name}」列中有比率按百分数填写（如8.2表示8.2%），最高值无法用公式取得")
        if (peers is None and among == "all") or self.book.single:
            fn = "MIN" if lowest else "MAX"
            return self.param(f"{ind.column}：{'最低值' if lowest else '最高值'}", f"{fn}({rng})",
                              self.engine_best(variant), f"{fn}（数据列「{name}」）")
        if lowest:
            raise NotCompiled("按组别取最低值暂无对应公式")
        if (col.raw.dtype.kind not in "fiu" and any(isinstance(v, str) and v.strip() for v in col.raw.tolist())):
            raise NotCompiled(f"「{name}」列中有文本，按组别取最高值的公式无法计算")
        groups = f"{self.sname}!{self.score_range('组别')}"
        if among == "group":
            return f"SUMPRODUCT(MAX(({groups}={self.g})*{rng}))"
        cond = "+".join(f"({groups}={text_lit(g)})" for g in sorted(peers))
        return self.param(f"{ind.column}：最高值", f"SUMPRODUCT(MAX(({cond})*{rng}))", self.engine_best(variant),
                          f"组别为{'、'.join(sorted(peers))}的单位中「{name}」的最高值")

    def rank_among_peers(self, ind, variant, order: str) -> str:
        """The unit's competition rank (1 + peers strictly better; 并列 1,1,3) by its input, among
        every unit or within its 组别 (among=group). Text cells (不涉及) are not counted, as rubricxl
        leaves them out of the field."""
        name = variant.indicator.inputs[0]
        col = InputColumn(name, self.book.units.columns[name])
        if any(v.indicator.groups is not None for v in ind.variants):
            raise NotCompiled("按组别分行的名次计分暂无对应公式")
        if self.book.single:
            raise NotCompiled("单表布局中名次计分需要整列数据，暂无对应公式")
        if formula_misreads(col, "num").any():
            raise NotCompiled(f"「{name}」列中有以文本填写的数值，名次无法用公式取得")
        if self.scale_slips(ind):
            raise NotCompiled(f"「{name}」列中有比率按百分数填写（如8.2表示8.2%），名次无法用公式取得")
        x, rng, better = self.input_ref(name), self.input_range(name), ">" if order == "desc" else "<"
        if getattr(variant.indicator.rule, "among", "all") != "group":
            return f'(COUNTIF({rng},"{better}"&{x})+1)'
        if "组别" not in self.col or any(_CRITERIA_SPECIAL & set(g) for g in self.result.groups.tolist()):
            raise NotCompiled("组内名次需要「得分」表的组别列（组别名称不含条件符号）")
        groups = f"{self.sname}!{self.score_range('组别')}"
        return f'(COUNTIFS({groups},{self.g},{rng},"{better}"&{x})+1)'

    @staticmethod
    def engine_best(variant):
        extra = variant.outcome.extra
        values = extra.get("best", extra.get("ref"))
        if values is None:
            return None
        values = np.asarray(values, dtype=float)
        return float(np.nanmax(values)) if np.isfinite(values).any() else None

    def param(self, label: str, formula: str, cached, note: str) -> str:
        if not any(row[:1] == ["项目"] for row in self.params):
            self.params += [[], ["项目", "值", "说明"]]
        self.params.append([label, Formula(formula, cached), note])
        return f"{quote(PARAMS_SHEET)}!$B${len(self.params)}"

    def indicators(self) -> None:
        result = self.result
        for ind in result.indicators:
            c = self.col.get(ind.column)
            if c is None:
                continue
            shown = ind.shown
            try:
                template = self.leaf_template(ind)
                if len(template) > 8000:
                    raise NotCompiled("公式超过 Excel 的长度上限")
                misread = self.misreads(ind)
            except NotCompiled as exc:
                self.keep_column(ind.column, c, str(exc), ind.which >= 0)
                continue
            slipped = self.scale_slips(ind)
            for i in range(len(result)):
                r = self.h + 1 + i
                if i in slipped:        # a formula compares 8.2 with 0.065 as typed: rubricxl's blank stays
                    self.keep(ind.column, r, c, slipped[i], "两个相互比较的比率填写的单位不一致（如8.2与0.065），已留空")
                    continue
                if misread[i]:
                    name, text = misread[i]
                    self.keep(ind.column, r, c, f"「{name}」填写为「{text}」，公式按单元格原值读取，"
                              "与 rubricxl 的理解不同：请改为数值或标准写法",
                              f"「{name}」中有公式按原值读不出的写法（如以文本填写的数值）")
                    continue
                self.put(r, c, template, i, shown[i])

    @staticmethod
    def scale_slips(ind) -> dict[int, str]:
        """Units rubricxl left blank because two compared rates were typed on different scales."""
        out = {}
        for k, v in enumerate(ind.variants):
            mask = v.outcome.extra.get(SCALE_SLIP)
            if mask is not None:
                out.update((i, v.outcome.messages[i]) for i in np.flatnonzero(mask & (ind.which == k)).tolist())
        return out

    def misreads(self, ind) -> list[tuple[str, str] | None]:
        """Per unit: None, or (input, cell text) the formula would read differently from rubricxl."""
        out: list[tuple[str, str] | None] = [None] * len(self.result)
        for k, v in enumerate(ind.variants):
            spec = v.indicator
            compiled = self.compiled(v)
            units = ind.which == k
            for name, mode in zip(spec.inputs, compiled.modes):
                bad = formula_misreads(InputColumn(name, self.book.units.columns[name]), mode, compiled.labels,
                                       text_numbers=self.book.single)
                col = InputColumn(name, self.book.units.columns[name])
                for i in np.flatnonzero(bad & units).tolist():
                    out[i] = (name, col.text(i))
        return out

    def put(self, r: int, c: int, template: str, i: int, cached) -> None:
        d = str(self.book.data_rows[i] + 1) if self.book.data_rows else ""
        text = template.replace(D, d).replace(S, str(r + 1))
        value = None if cached is None or (isinstance(cached, float) and cached != cached) else cached
        self.cells[(r, c)] = Formula(text, value)
        self.summary.formulas += 1

    def keep(self, heading: str, r: int, c: int, reason: str, summary: str | None = None) -> None:
        """The cell keeps rubricxl's value; its note says why (``summary``: the 提示 row's wording,
        when the note is particular to the cell)."""
        self.notes[(r, c)] = "公式版：此格保留 rubricxl 的结果，未写公式。原因：" + reason
        self.summary.kept += 1
        said = self.summary.reasons.setdefault(heading, [])
        if (summary or reason) not in said:
            said.append(summary or reason)

    def keep_column(self, heading: str, c: int, reason: str, which: np.ndarray | None = None) -> None:
        for i in range(len(self.result)):
            if which is None or which[i]:
                self.keep(heading, self.h + 1 + i, c, reason)

    # -------------------------------------------------------------- 组别, aggregates, 总分
    def groups(self) -> None:
        """组别 follows 数据 where it is plain text (so changing it changes which rows apply)."""
        if "组别" not in self.col or self.book.single or "组别" not in self.book.data_cols:
            return
        c, raw = self.col["组别"], self.book.units.columns["组别"]
        for i, (v, g) in enumerate(zip(raw.tolist(), self.result.groups.tolist())):
            if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v == normalize_text(v)):
                r = self.h + 1 + i
                self.put(r, c, f'{self.data}!${col_letter(self.book.data_cols["组别"])}{D}&""', i, g or None)

    def aggregates(self) -> None:
        result, book = self.result, self.book
        scored = [r for r in result.indicators if r.scored]
        if not scored:
            return
        settings = book.rubric.settings
        tree, _, weights = build_tree(book.rubric, result.indicators, book.units, settings)
        n_leaves, root = tree.n_leaves, tree.n - 1
        heads = [r.column for r in scored]
        n_ind = len(result.indicators)
        header = self.scores.rows[self.h]
        first = self.col.get(result.indicators[0].column)    # 组别 is left out of books without groups
        if first is None:
            return
        for k, name in enumerate(result.node_names):
            at = first + n_ind + k
            if at >= len(header) or header[at] not in (name, f"{name}（小计）"):
                return                       # the sheet does not show every node: leave the values
            heads.append(header[at])
        heads.append("总分")
        conds: list[str | None] = [self.assessed_cond(r) for r in scored]
        vectors = []
        for mask, w in weights:
            rw = resolve_weights(tree, w)
            vectors.append(([g for g in dict.fromkeys(book.units.groups[mask].tolist())], rw))
        for p in range(n_leaves, tree.n):
            kids = tree.children[p].tolist()
            kid_conds = [conds[c] for c in kids]
            conds.append(None if any(k is None for k in kid_conds) else
                         (kid_conds[0] if len(kid_conds) == 1 else f"OR({','.join(kid_conds)})"))
            heading = heads[p]
            c = self.col[heading]
            try:
                if {getattr(settings, "missing", "blank"), *getattr(settings, "missing_levels", {}).values()} != {"blank"}:
                    raise NotCompiled("设置「缺失值」为跳过（或按比例折算）的汇总暂无对应公式")
                if "汇总" in settings.blank or (settings.coefficient and settings.coefficient not in book.units.columns):
                    raise NotCompiled("设置「汇总」或「系数」有误，合计按 rubricxl 留空")
                template = self.node_template(tree, p, kids, kid_conds, [heads[k] for k in kids], vectors,
                                              p == root, settings)
                if p == root:
                    template = self.vetoed_total(template)
            except NotCompiled as exc:
                self.keep_column(heading, c, str(exc))
                continue
            values = result.total if p == root else result.nodes[:, p - n_leaves]
            for i in range(len(result)):
                self.put(self.h + 1 + i, c, template, i, values[i])

    def node_template(self, tree, p, kids, kid_conds, kid_heads, vectors, is_root, settings) -> str:
        """Blank if an assessed child is blank (or none is assessed); else the sum or the weighted
        mean renormalised over the assessed children, × 系数 at the root, rounded half-up."""
        method = tree.method[p]
        refs = [f"${self.score_col(h)}{S}" for h in kid_heads]
        guards = [f'{x}=""' if cond is None else f'AND({cond},{x}="")' for x, cond in zip(refs, kid_conds)]
        if method == "sum":
            core = f"SUM({','.join(refs)})"
        elif method == "wmean":
            ws = [self.weight(c, vectors) for c in kids]
            num = "+".join(f"{w}*{x}" if cond is None else f"IF({cond},{w}*{x},0)"
                           for w, x, cond in zip(ws, refs, kid_conds))
            den = "+".join(w if cond is None else f"IF({cond},{w},0)" for w, cond in zip(ws, kid_conds))
            core = f"({num})/({den})"
            guards.append(f"({den})<=0")
        else:                                   # weighted geometric mean: 0 if a weighted child is 0
            ws = [self.weight(c, vectors) for c in kids]
            on = [(w, x) if cond is None else (f"IF({cond},{w},0)", f"IF({cond},{x},1)")
                  for w, x, cond in zip(ws, refs, kid_conds)]
            den = "+".join(w for w, _ in on)
            logs = "+".join(f"IF({w}>0,{w}*LN({x}),0)" for w, x in on)
            zero = ",".join(f"AND({w}>0,{x}=0)" for w, x in on)
            core = f"IF(OR({zero}),0,EXP(({logs})/({den})))"
            guards.append(f"({den})<=0")
            guards += [f"{x}<0" if cond is None else f"AND({cond},{x}<0)" for x, cond in zip(refs, kid_conds)]
        coefficient = settings.coefficient
        if is_root and coefficient and not self.book.single and coefficient in self.book.data_cols:
            coef = self.input_ref(coefficient)
            core = f"{core}*{coef}"
            guards.insert(0, f"NOT(ISNUMBER({coef}))")
        value = rounded(core, self.dp) if settings.round_each_level or is_root else core
        if is_root and settings.total_cap is not None:       # 总分上限: a number or the full points
            cap = self.full_points() if settings.total_cap == "full" else lit(settings.total_cap)
            value = f"MIN({value},{cap})"
        text = f'IF(OR({",".join(guards)}),"",{value})'
        if any(k is None for k in kid_conds):
            return text
        return f'IF(NOT(OR({",".join(kid_conds)})),"",{text})'

    def vetoes(self) -> list[tuple[VetoRule, str, str | None]]:
        """(rule, the 得分 cell showing 是/否, the condition that the unit is assessed on it) for
        every 一票否决 row; one rule per indicator (variants with different vetoes: NotCompiled)."""
        out = []
        for ind in self.result.indicators:
            rules = {v.indicator.rule for v in ind.variants if isinstance(v.indicator.rule, VetoRule)}
            if not rules:
                continue
            if len(rules) > 1 or len(rules) < len(ind.variants):
                raise NotCompiled(f"「{ind.column}」各组别的一票否决规则不同，暂无对应公式")
            if ind.column not in self.col:
                raise NotCompiled(f"「得分」表中没有一票否决列「{ind.column}」")
            out.append((rules.pop(), f"${self.score_col(ind.column)}{S}", self.group_cond(groups_of(ind))))
        return out

    def vetoed_total(self, template: str) -> str:
        """一票否决 on the total, as rubricxl applies it after the sum: a blank answer of a unit
        the veto applies to blanks the total; a fired veto with total=N caps it at N."""
        vetoes = self.vetoes()
        if not vetoes:
            return template
        value = template
        for rule, cell, _ in vetoes:
            if rule.total is not None:
                value = f'IF({cell}="是",IF({value}="","",MIN({value},{lit(rule.total)})),{value})'
        blanks = [f'{cell}=""' if cond is None else f'AND({cond},{cell}="")' for _, cell, cond in vetoes]
        return f'IF(OR({",".join(blanks)}),"",{value})'

    def weight(self, child: int, vectors) -> str:
        values = [float(rw[child]) for _, rw in vectors]
        if len(set(values)) == 1:
            return lit(values[0])
        chain = lit(values[-1])
        for groups, rw in reversed(vectors[:-1]):
            cond = self.group_cond(set(groups)) if groups else "FALSE"
            chain = f"IF({cond},{lit(float(rw[child]))},{chain})"
        return chain

    # -------------------------------------------------------------- 等级, 排名, 组内排名
    def grades(self) -> None:
        if "等级" not in self.col or "总分" not in self.col:
            return
        scheme = self.result.settings.scheme(self.result.share is not None)
        t = f"${self.score_col('总分')}{S}"
        self.params.append([])
        self.params.append(["等级", "分数线", "条件"])
        rows = []
        for g in scheme.grades:
            cond = "其余" if g.bound is None else (g.op + ("满分的比例" if g.share else ""))
            self.params.append([g.label, None if g.bound is None else float(g.bound), cond])
            rows.append(len(self.params))
        try:
            vetoes = self.vetoes()
            if "等级" in self.result.settings.blank:
                raise NotCompiled("设置「等级」有误，等级按 rubricxl 留空")
            full = self.full_points() if any(g.share for g in scheme.grades) else None
        except NotCompiled as exc:
            self.keep_column("等级", self.col["等级"], str(exc))
            return
        chain = '""'
        for g, r in reversed(list(zip(scheme.grades, rows))):
            label = f"{quote(PARAMS_SHEET)}!$A${r}"
            if g.bound is None:
                chain = label
                continue
            bound = f"{quote(PARAMS_SHEET)}!$B${r}"
            if g.share:
                bound = f"ROUND({bound}*({full}),9)"
            chain = f"IF({t}{g.op}{bound},{label},{chain})"
        labels = [g.label for g in scheme.grades]
        listed = "{" + ",".join(text_lit(x) for x in labels) + "}"
        for rule, cell, _ in vetoes:          # 不得评为X: X or above becomes the grade below X
            if rule.below in labels[:-1]:
                j = labels.index(rule.below)
                chain = (f'IF(AND({cell}="是",MATCH({chain},{listed},0)<={j + 1}),'
                         f'{text_lit(labels[j + 1])},{chain})')
        for rule, cell, _ in vetoes:          # 定为X: the grade is X, whatever the total
            if rule.grade is not None:
                chain = f'IF({cell}="是",{text_lit(rule.grade)},{chain})'
        template = f'IF({t}="","",{chain})'
        c = self.col["等级"]
        for i in range(len(self.result)):
            self.put(self.h + 1 + i, c, template, i, self.result.grade[i] or None)

    def full_points(self) -> str:
        """The unit's full points: the points of the rows that apply to its 组别, bonus rows left out."""
        parts = []
        for ind in self.result.indicators:
            if not ind.scored or getattr(ind.indicator.rule, "bonus", False):
                continue
            chain = "0"
            for v in reversed(ind.variants):
                if v.indicator.points is None:
                    raise NotCompiled("有指标缺少分值，按满分比例的等级无法计算")
                got = lit(v.indicator.points)
                if v.indicator.rule.na == "exclude":          # a 不涉及 unit's full points leave this row
                    got = f"IF({self.said_not_applicable(v.indicator)},0,{got})"
                cond = self.group_cond(v.indicator.groups)
                chain = got if cond is None else f"IF({cond},{got},{chain})"
            parts.append(chain)
        return "+".join(parts) or "0"

    def shares(self) -> None:
        """满分 (the unit's full points) and 得分率 (总分 ÷ 满分), where 得分 shows them."""
        if self.result.share is None or "满分" not in self.col or "得分率" not in self.col:
            return
        try:
            full = self.full_points()
        except NotCompiled as exc:
            for heading in ("满分", "得分率"):
                self.keep_column(heading, self.col[heading], str(exc))
            return
        t, f = f"${self.score_col('总分')}{S}", f"${self.score_col('满分')}{S}"
        for i in range(len(self.result)):
            r = self.h + 1 + i
            self.put(r, self.col["满分"], full, i, float(self.result.full[i]))
            self.put(r, self.col["得分率"], f'IF(OR({t}="",NOT({f}>0)),"",{t}/{f})', i, self.result.share[i])

    def ranks(self) -> None:
        if "总分" not in self.col:
            return
        settings = self.result.settings
        grouped = any(self.result.groups.tolist())
        for heading, by_group in (("排名", False), ("组内排名", True)):
            if heading not in self.col:
                continue
            c = self.col[heading]
            values = self.result.rank if not by_group else self.result.group_rank
            try:
                if "排名" in settings.blank:
                    raise NotCompiled("设置「排名」有误，排名按 rubricxl 留空")
                if settings.rank_by != "总分":
                    raise NotCompiled(f"按{settings.rank_by}排名暂无对应公式（公式按总分排名）")
                if by_group and grouped:
                    if settings.rank_groups != "组别":
                        raise NotCompiled(f"按「{settings.rank_groups}」分组的组内排名暂无对应公式")
                    if "组别" not in self.col:
                        raise NotCompiled("「得分」表没有组别列")
                    if any(_CRITERIA_SPECIAL & set(g) for g in self.result.groups.tolist()):
                        raise NotCompiled("组别名称含 * ? ~ < > = 等条件符号，COUNTIFS 无法按其分组")
                template = self.rank(settings.ranking, heading, by_group and grouped)
            except NotCompiled as exc:
                self.keep_column(heading, c, str(exc))
                continue
            for i in range(len(self.result)):
                v = values[i]
                self.put(self.h + 1 + i, c, template, i, None if v != v else int(v))

    def rank(self, method: str, heading: str, by_group: bool, sheet: str = "") -> str:
        """competition: 1 + units above; ordinal: + equal totals up to this row; dense: 1 + distinct
        totals above, counted on a helper column. Within 组别 with COUNTIFS/SUMIFS."""
        tc = self.score_col("总分")
        t, rng, upto = f"${tc}{S}", f"${tc}${self.first}:${tc}${self.last}", f"${tc}${self.first}:${tc}{S}"
        if not by_group:
            above, here, blank = f'COUNTIF({rng},">"&{t})', f"COUNTIF({upto},{t})", f'{t}=""'
        else:
            gc = self.score_col("组别")
            g, g_rng, g_upto = f"${gc}{S}", f"${gc}${self.first}:${gc}${self.last}", f"${gc}${self.first}:${gc}{S}"
            above = f'COUNTIFS({g_rng},{g},{rng},">"&{t})'
            here = f"COUNTIFS({g_upto},{g},{upto},{t})"
            blank = f'OR({t}="",{g}="")'
        if method == "competition":
            return f'IF({blank},"",{above}+1)'
        if method == "ordinal":
            return f'IF({blank},"",{above}+{here})'
        flags = self.flag_column(heading, here, blank)
        if not by_group:
            return f'IF({blank},"",SUMIF({rng},">"&{t},{flags})+1)'
        return f'IF({blank},"",SUMIFS({flags},{g_rng},{g},{rng},">"&{t})+1)'

    def flag_column(self, heading: str, here: str, blank: str) -> str:
        """A helper column of 公式参数 aligned with 得分's rows: 1 on the first unit of each distinct
        total (within its group), so SUMIF over it counts the distinct totals above (密集 ranks)."""
        c = 4 if heading == "排名" else 5
        while len(self.params) < self.last:
            self.params.append([])
        for row in self.params:
            row.extend([None] * (c + 1 - len(row)))
        self.params[self.h][c] = f"{heading}辅助：并列只计一次"
        here, blank = _on_sheet(here, self.sname), _on_sheet(blank, self.sname)
        for i in range(len(self.result)):
            r = self.h + 1 + i
            self.params[r][c] = Formula(f"IF({blank},0,IF({here}=1,1,0))".replace(S, str(r + 1)), None)
        letter = col_letter(c)
        return f"{quote(PARAMS_SHEET)}!${letter}${self.first}:${letter}${self.last}"

    # -------------------------------------------------------------- 平均
    def averages(self, spec: SheetSpec) -> None:
        rows = spec.rows
        if not rows or "组别" not in self.col:
            return
        head = rows[0]
        g_rng = f"{self.sname}!{self.score_range('组别')}"
        special = any(_CRITERIA_SPECIAL & set(g) for g in self.result.groups.tolist())
        for r in range(1, len(rows)):
            label = rows[r][0]
            everyone = r == len(rows) - 1
            for c in range(1, len(head)):
                heading = head[c]
                if c == 1:
                    text = (f"COUNTA({self.sname}!{self.score_range('单位')})" if everyone
                            else f"COUNTIF({g_rng},{text_lit(label)})")
                elif heading in self.col:
                    x = f"{self.sname}!{self.score_range(heading)}"
                    mean = f"AVERAGE({x})" if everyone else f"AVERAGEIFS({x},{g_rng},{text_lit(label)})"
                    text = f'IFERROR({rounded(mean, self.dp)},"")'
                else:
                    continue
                if special and not everyone:
                    spec.notes[(r, c)] = "公式版：组别名称含条件符号，此格保留 rubricxl 的结果"
                    continue
                v = rows[r][c]
                rows[r][c] = Formula(text, None if isinstance(v, float) and v != v else v)
                self.summary.formulas += 1

    # -------------------------------------------------------------- the copy
    def apply(self) -> None:
        for (r, c), f in self.cells.items():
            self.scores.rows[r][c] = f
        self.scores.notes.update(self.notes)


def _on_sheet(expr: str, sheet: str) -> str:
    """Every bare $-reference of an expression over 得分 prefixed with the sheet's name."""
    return re.sub(r"(?<![!\w$:])\$[A-Z]+\$?(?:\d+|\x00s)", lambda m: f"{sheet}!{m.group(0)}", expr)


def formula_copy(book: Book, result: Result, sheets: list[SheetSpec], existing: list[str],
                 issues: list[Issue], ranks: bool = True) -> tuple[list[SheetSpec], Summary]:
    """The owned sheets of the formula copy: 得分 and 平均 as formulas, 公式参数, and 问题 with the
    提示 rows that say which cells kept their value and why. ``ranks=False`` leaves 排名 and
    组内排名 as values (a benchmark times the formulas without them)."""
    names = outputs.owned_names(existing)
    by_name = {s.name: s for s in sheets}
    scores = by_name[names["scores"]]
    summary = Summary()
    extra: list[Issue] = []
    try:
        copy = _Copy(book, result, scores)
    except NotCompiled as exc:
        extra.append(Issue(SEVERITY_HINT, scores.name, "", f"公式版：{exc}，各表保留 rubricxl 的结果"))
        copy = None
    if copy is not None:
        copy.groups()
        copy.indicators()
        copy.aggregates()
        copy.grades()
        copy.shares()
        if ranks:
            copy.ranks()
        copy.apply()
        if names["averages"] in by_name:
            copy.averages(by_name[names["averages"]])
        summary = copy.summary
        for heading, reasons in summary.reasons.items():
            at = cell_ref(copy.h, copy.col[heading]) if heading in copy.col else ""
            kept = sum(1 for (r, c) in copy.notes if c == copy.col.get(heading))
            for reason in reasons:
                extra.append(Issue(SEVERITY_HINT, scores.name, at,
                                   f"公式版「{heading}」：{reason}（共{kept}格保留 rubricxl 的结果，见批注）"))
        extra.insert(0, Issue(SEVERITY_HINT, scores.name, "",
                              f"公式版：{summary.formulas}个单元格为公式，{summary.kept}个单元格保留 rubricxl 的结果"
                              "（见批注）；在 Excel、WPS 或 LibreOffice 中修改「数据」后，得分随之重算"))
        params = SheetSpec(name=PARAMS_SHEET, rows=copy.params, col_widths={0: 28, 1: 14, 2: 36, 4: 14, 5: 14},
                           freeze=None, autofilter=False)
        sheets = [s for s in sheets if s.name != PARAMS_SHEET] + [params]
    out = []
    for s in sheets:
        if s.name == names["issues"]:
            s = outputs.issues_sheet(s.name, list(issues) + extra)
        out.append(s)
    return out, summary
