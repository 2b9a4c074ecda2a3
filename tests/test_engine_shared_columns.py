"""Scoring shares columns instead of copying them (typed inputs, blank placeholders, a score that
equals the value): nothing it writes may reach the 数据 columns or another field.

Each check scores more units than the exact shortcut (`engine.exact.SMALL`), so the float pass
with its shared columns runs. Expected values are worked out by hand in the comments.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from engine.exact import SMALL
from engine.language import parse_rule
from engine.model import Indicator, Rubric
from engine.score import Units, score
from tests.test_engine_rules import assert_scores, score_one

UNITS = 20


def test_scoring_leaves_the_typed_data_columns_as_they_were():
    # blanks, a negative amount and a zero denominator make the rules blank scores (writes);
    # the 数据 columns they read must come back bit for bit as typed
    assert UNITS > SMALL
    rate = np.array([0.95, np.nan, 0.85, -0.1] + [0.9] * (UNITS - 4))
    spent = np.array([90.0, 50.0, np.nan, -5.0] + [100.0] * (UNITS - 4))
    budget = np.array([100.0, 0.0, 80.0, 100.0] + [100.0] * (UNITS - 4))
    speed = np.array([315.6, 299.82, np.nan, 250.0] + [300.0] * (UNITS - 4))
    typed = {"满意度": rate, "支出": spent, "预算": budget, "速率": speed}
    before = {k: v.copy() for k, v in typed.items()}
    rows = [("满意度", "threshold >=90%: 3; >=80%: 2; else: 0", ("满意度",)),
            ("执行率", "ratio over=0 rate_dp=2", ("支出", "预算")),
            ("下载速率", "step per=5% deduct=1 from=best round=up", ("速率",)),
            ("控制率", "pass <=100%", ("支出", "预算"))]
    rubric = Rubric(indicators=tuple(Indicator(path=(name,), points=Decimal(3), rule=parse_rule(rule), inputs=inputs)
                                     for name, rule, inputs in rows))
    units = Units(np.array([f"单位{i}" for i in range(UNITS)], dtype=object), np.array([""] * UNITS, dtype=object),
                  typed)
    res = score(rubric, units)
    for name, col in typed.items():
        assert col.tobytes() == before[name].tobytes(), name
    # 满意度 95% → 3; blank → blank; 85% → 2; -10% is outside 0-100% → blank (an 错误)
    assert_scores(res.indicators[0].score[:4], [3, np.nan, 2, np.nan])
    # 下载速率: best 315.6; 299.82 is 5% below exactly → 1 step → 2; blank → blank; 250 is 20.79% below → 5 steps → 0
    assert_scores(res.indicators[2].score[:4], [3, 2, np.nan, 0])


def test_not_applicable_band_row_scores_full_and_keeps_its_value_blank():
    # a band row's score and value are one shared column; na=full writes the 不涉及 unit's score
    # (10 points) and blanks its value, and neither write may show in the other field
    col = ["不涉及", 9, 7, 5] + [8] * (UNITS - 4)
    ind, _ = score_one("band 好=8-10; 较好=6-7; 一般=<6 na=full", 10, col)
    assert_scores(ind.score[:4], [10, 9, 7, 5])
    assert_scores(ind.value[:4], [np.nan, 9, 7, 5])
    assert_scores(ind.variants[0].outcome.value[:4], [np.nan, 9, 7, 5])
