"""Seed 001 (Nanjing 工信局 2024 综合评分表) through engine.score.score: every row's published score,
the five first-level subtotals, total 93.98 and grade 优; E11 without 业绩值; B15 on the 年初 budget."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from engine.language import parse_rule
from engine.model import Indicator, Rubric
from engine.score import Units, score
from tests.seed_nanjing import PUBLISHED_GRADE, PUBLISHED_SUBTOTALS, PUBLISHED_TOTAL, ROWS

UNIT = "南京市工业和信息化局"
E11_THRESHOLD = "threshold >=90%: 3; >=80%: 2.5; >=70%: 2; >=60%: 1.5; >=50%: 1; else: 0"


def nanjing(replace: dict[str, tuple[str, str]] | None = None):
    """Score the 42 rows as one unit; `replace` maps a row id to another (rule, 业绩值)."""
    indicators, columns = [], {}
    for id_, level1, level2, name, points, rule, values, _ in ROWS:
        rule, values = (replace or {}).get(id_, (rule, values))
        cells = [v.strip() for v in values.split(";")]
        inputs = tuple(f"{id_}_{k}" for k in range(len(cells)))
        columns.update(zip(inputs, cells))
        indicators.append(Indicator(id=id_, path=(level1, level2, id_ + name), points=Decimal(points),
                                    rule=parse_rule(rule), inputs=inputs))
    return score(Rubric(indicators=tuple(indicators)), Units.single(UNIT, columns))


@pytest.fixture(scope="module")
def published():
    return nanjing()


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_every_row_scores_as_published(published, row):
    id_, *_, expected = row
    assert published.indicator(id_).score[0] == float(expected)


def test_first_level_subtotals(published):
    # A 11.50, B 21.48, C 37.00, D 21.00, E 3.00 (additive subtotals, recomputed from the rows)
    for name, expected in PUBLISHED_SUBTOTALS.items():
        assert published.nodes[0, published.node_names.index(name)] == float(expected), name


def test_total_and_grade(published):
    # 11.50 + 21.48 + 37.00 + 21.00 + 3.00 = 93.98 → 优 (≥ 90)
    assert published.total[0] == float(PUBLISHED_TOTAL)
    assert published.grade[0] == PUBLISHED_GRADE
    assert not published.errors


def test_working_of_the_budget_rows(published):
    # the evaluator's 业绩值 lines: 21.24% ≥ 20% 不得分; 94.12% → 1.88; 2.91% 扣0.2 → 0.8; 96.42%; 95.44%
    working = {id_: published.indicator(id_).explain(0) for id_ in ("B11", "B12", "B13", "B14", "B15")}
    assert "预算调整率=" in working["B11"] and "21.24%≥20%，不得分" in working["B11"]
    assert "94.12%" in working["B12"] and "1.88" in working["B12"]
    assert "2.91%" in working["B13"] and "扣0.2分" in working["B13"] and "得0.8分" in working["B13"]
    assert "96.42%" in working["B14"] and "95.44%" in working["B15"]
    assert "1/2" in published.indicator("D11").explain(0) and "未达成" in published.indicator("D11").explain(0)


def test_e11_threshold_without_value_is_blank_and_an_error():
    # threshold table: E11's 业绩值 is empty in the seed → unscoreable, an 错误, never 0; missing is never 0 upward
    res = nanjing({"E11": (E11_THRESHOLD, "")})
    e11 = res.indicator("E11")
    assert np.isnan(e11.score[0])
    assert any(p.severity == "错误" and p.indicator == "E11" for p in res.problems)
    assert np.isnan(res.total[0])            # not 90.98: a blank row is not a 0 row


def test_e11_threshold_with_a_value():
    # the same rule with a satisfaction of 90% gives the published 3.00 and the published total
    res = nanjing({"E11": (E11_THRESHOLD, "90%")})
    assert res.indicator("E11").score[0] == 3.0 and res.total[0] == 93.98


def test_b15_on_the_initial_budget():
    # ceiling: 年初 三公 budget 16.50万 → 528426.05 / 165000 = 320.26% > 100% → 0; total 93.98 − 2 = 91.98, still 优
    res = nanjing({"B15": ("pass <=100%", "528426.05; 165000")})
    assert res.indicator("B15").score[0] == 0.0
    assert res.total[0] == 91.98 and res.grade[0] == "优"
    assert "不得分" in res.indicator("B15").explain(0)
