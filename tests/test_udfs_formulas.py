"""A small workbook whose cells call the worksheet functions, evaluated by the independent
``formulas`` engine (not Excel, not our code): single cells, whole-column array formulas, and
native SUM / RANK over our results. Every value is compared with the engine called directly.

``formulas`` hands a custom function numpy arrays (blank cells as ``EMPTY``, whole numbers as
int); ``xlwings_values`` turns them into what xlwings would pass (None, floats, a list of rows),
and a list result back into the array ``formulas`` spills over an array formula's range.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

import udfs
from engine.aggregate import Tree, aggregate
from engine.language import parse_rule
from engine.model import GradeScheme
from engine.rank import rank
from engine.rules import OK, InputColumn
from engine.score import score_rule

formulas = pytest.importorskip("formulas")
import formulas.functions  # noqa: E402
import schedula  # noqa: E402

N = 6                                   # units, rows 2..7
ROWS = f"2:{N + 1}"
BANDS_TEXT = "好=8-10; 较好=6-7; 一般=<6"
THRESHOLDS = "threshold >=90%: 3; >=80%: 2.5; >=70%: 2; >=60%: 1.5; >=50%: 1; else: 0"
SCHEME = "优>=60; 良>=50; 中>=40; 差"
DATA = {                                 # column letter: (header, values of units 1..6)
    "A": ("单位", ["黄浦", "静安", "徐汇", "宝山", "嘉定", "金山"]),
    "B": ("组别", ["中心城区", "中心城区", "中心城区", "郊区", "郊区", "郊区"]),
    "C": ("评定", ["好", 7, "较好", None, "一般", "好 9"]),
    "D": ("执行数", [87877569.18, 100, 101, 50, None, 0]),
    "E": ("预算数", [93367667.77, 100, 100, 100, 100, 0]),
    "F": ("下载速率", [315.6, 299.82, 284.04, 310, None, 0]),
    "G": ("满意度", [0.95, 0.85, 0.75, 0.65, 0.55, 0.3]),
    "H": ("指标1", [100, 90, 80, 70, None, 60]),
    "I": ("指标2", [80, 90, 100, 70, 50, "x"]),
    "J": ("系数", [1, 0.98, 1, 1, 1, 1]),
}
BAND_TABLE = [["档次", "下限", "上限"], ["好", 8, 10], ["较好", 6, 7], ["一般", None, 5]]  # N1:P4
WEIGHTS = [3, 1]                                                                       # N6:O6


def xlwings_values(arg):
    """A formulas argument as xlwings would pass it: a value for one cell, else a list of rows."""
    def cell(v):
        if v is schedula.EMPTY:
            return None
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return float(v)
        return v.item() if isinstance(v, np.generic) else v
    if isinstance(arg, np.ndarray):
        if arg.ndim == 0 or arg.size == 1:
            return cell(arg.reshape(-1)[0])
        return [[cell(v) for v in row] for row in np.atleast_2d(arg).tolist()]
    return cell(arg)


def registered(name: str):
    func = getattr(udfs, name)

    def adapter(*args):
        result = func(*(xlwings_values(a) for a in args))
        return np.asarray(result if isinstance(result, list) else [[result]], dtype=object)
    adapter.__name__ = name
    return formulas.functions.wrap_func(adapter)


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """Write the fixture workbook with openpyxl, evaluate it with formulas; cell → value."""
    for name in ("BAND_SCORE", "RATIO_SCORE", "STEP_SCORE", "THRESHOLD_SCORE", "RULE_SCORE", "RULE_EXPLAIN",
                 "GRADE", "GROUP_RANK", "COMPOSITE_INDEX"):
        formulas.get_functions()[name] = registered(name)
    path = tmp_path_factory.mktemp("udfs") / "udfs.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    for letter, (header, values) in DATA.items():
        ws[f"{letter}1"] = header
        for i, v in enumerate(values, start=2):
            ws[f"{letter}{i}"] = v
    for r, row in enumerate(BAND_TABLE, start=1):
        for c, v in enumerate(row):
            ws.cell(r, 14 + c, v)
    ws["N6"], ws["O6"] = WEIGHTS
    last = N + 1
    for i in range(2, last + 1):            # single cells, one per row
        ws[f"K{i}"] = f'=BAND_SCORE(C{i}, "{BANDS_TEXT}")'
        ws[f"S{i}"] = f"=SUM(L{i}:M{i}, Q{i}:R{i})"     # native total over our results
        ws[f"U{i}"] = f"=RANK(S{i}, $S$2:$S${last})"
    arrays = {                              # whole-column array formulas
        "L": "=BAND_SCORE(C2:C{n}, $N$1:$P$4)",
        "M": "=RATIO_SCORE(D2:D{n}, E2:E{n}, 2, 0)",
        "Q": "=STEP_SCORE(F2:F{n}, $Z$1, 50, 0.05, 1, \"up\")",      # Z1 blank: best of the range
        "R": "=THRESHOLD_SCORE(G2:G{n}, \">=90%: 3; >=80%: 2.5; >=70%: 2; >=60%: 1.5; >=50%: 1; else: 0\")",
        "T": f"=RULE_SCORE(\"{THRESHOLDS}\", 3, G2:G{{n}})",
        "V": "=GROUP_RANK(S2:S{n}, B2:B{n})",
        "W": f"=GRADE(S2:S{{n}}, \"{SCHEME}\")",
        "X": "=COMPOSITE_INDEX(H2:I{n}, $N$6:$O$6, J2:J{n})",
        "Y": "=RULE_EXPLAIN(\"ratio over=0\", 2, D2:D{n}, E2:E{n})",
    }
    for letter, formula in arrays.items():
        ws[f"{letter}2"] = ArrayFormula(f"{letter}2:{letter}{last}", formula.format(n=last))
    ws["M9"] = f"=SUM(M2:M{last})"         # a native total under our column
    wb.save(path)
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    cells = {}
    for key, value in solution.items():
        ref = key.split("!")[-1]
        grid = np.asarray(getattr(value, "value", value), dtype=object)
        if ":" in ref:
            first, _ = ref.split(":")
            col, row = first.rstrip("0123456789"), int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            for k, v in enumerate(grid[:, 0].tolist()):
                cells.setdefault(f"{col}{row + k}", v)
        else:
            cells[ref] = grid.reshape(-1)[0]
    return cells


def column(cells, letter: str) -> list:
    return [cells[f"{letter}{i}"] for i in range(2, N + 2)]


def engine_cells(rule_text: str, points, *inputs) -> list:
    """The engine called directly: score where OK, '' where an input is blank, else the reason."""
    cols = [InputColumn(f"x{k}", np.asarray(v, dtype=object)) for k, v in enumerate(inputs)]
    out = score_rule(parse_rule(rule_text), None if points is None else Decimal(str(points)), cols)
    return [float(out.score[i]) if out.status[i] == OK else ("" if i not in out.messages
            or any(c.blank[i] for c in cols) else out.messages[i]) for i in range(len(cols[0]))]


def assert_same(got: list, expected: list) -> None:
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if isinstance(e, float):
            assert isinstance(g, (int, float)) and g == pytest.approx(e, abs=1e-12), (got, expected)
        elif e == "":
            assert g in ("", None, schedula.EMPTY), (got, expected)
        else:                       # a reason: same wording, input names aside
            assert isinstance(g, str) and g.split("」")[-1] == e.split("」")[-1], (got, expected)


def test_band_scores_single_cells_and_array(solved):
    levels = DATA["C"][1]
    expected = engine_cells("band " + BANDS_TEXT, None, levels)
    assert expected[:3] == [10.0, 7.0, 7.0]           # 好 → top 10; 7 checked; 较好 → top 7
    assert_same(column(solved, "K"), expected)
    # the range table gives 一般 = <=5, whose top is the same 5 as <6's
    assert_same(column(solved, "L"), engine_cells("band 好=8-10; 较好=6-7; 一般=<=5", None, levels))


def test_ratio_step_threshold_columns(solved):
    m = engine_cells("ratio over=0", 2, DATA["D"][1], DATA["E"][1])
    assert m[:4] == [1.88, 2.0, 0.0, 1.0]             # 0 above 100%: 94.12% → 1.88; 101% → 0 with over=0
    assert_same(column(solved, "M"), m)
    q = engine_cells("step per=5% deduct=1 from=best round=up", 50, DATA["F"][1])
    assert q == [50.0, 49.0, 48.0, 49.0, "", 30.0]     # step below the best unit, worked values
    assert_same(column(solved, "Q"), q)
    r = engine_cells(THRESHOLDS, 3, DATA["G"][1])
    assert r == [3.0, 2.5, 2.0, 1.5, 1.0, 0.0]
    assert_same(column(solved, "R"), r)
    assert_same(column(solved, "T"), r)               # RULE_SCORE with the same rule


def test_native_sum_and_rank_over_our_results(solved):
    parts = [column(solved, c) for c in "LMQR"]
    totals = [sum(v for v in row if isinstance(v, (int, float))) for row in zip(*parts)]
    assert column(solved, "S") == pytest.approx(totals)
    assert column(solved, "U") == rank(np.array(totals), "competition").rank.tolist()
    assert solved["M9"] == pytest.approx(sum(v for v in column(solved, "M") if isinstance(v, (int, float))))


def test_group_rank_grade_and_index(solved):
    totals = np.array(column(solved, "S"), dtype=float)
    expected_rank = rank(totals, "competition", groups=DATA["B"][1]).rank.tolist()
    assert column(solved, "V") == expected_rank
    assert column(solved, "W") == GradeScheme.parse(SCHEME).grade(totals).tolist()
    # weighted mean of 指标1, 指标2 with weights 3:1, times 系数; rows with a blank or text → reason
    leaf = np.array([[100, 80], [90, 90], [80, 100], [70, 70]], dtype=float)
    tree = Tree(parent=np.array([2, 2, -1]), n_leaves=2, method=("", "", "wmean"), weight=np.array([3, 1, 1.0]))
    expected = aggregate(tree, leaf, coefficient=np.array(DATA["J"][1][:4], dtype=float)).values[:, -1]
    got = column(solved, "X")
    assert got[:4] == pytest.approx(expected.tolist())
    assert got[:2] == pytest.approx([95.0, 88.2])     # (300 + 80) / 4; 90 × 0.98
    assert "缺少第1项" in got[4] and "不是数值" in got[5]


def test_explain_column(solved):
    working = column(solved, "Y")
    assert "94.12%" in working[0] and "1.88分" in working[0]
    assert "得0分" in working[2] and working[4] in ("", None)
