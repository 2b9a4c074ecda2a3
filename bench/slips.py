"""Benchmark of the entry-slip checks: what reading every one-cell rate against its rule's scale
costs, and that it catches what it should.

A 200,000-unit column of satisfaction rates, 1% of them typed as plain numbers (95 for 95%), is
scored by `pass >=90%` with the check (the default) and without it
(`rate_max=不限`): medians of five runs each. Without the check the slips pass (88 read as 8800%);
with it every slip is blank with its message and every other unit scores the same.
No target: the check should cost a small share of scoring the column.
Run: python -m bench.slips
"""
from __future__ import annotations

import json
import statistics
import time
from decimal import Decimal

import numpy as np

from engine.language import parse_rule
from engine.rules import InputColumn
from engine.score import score_rule

UNITS, SLIP_SHARE, REPEATS = 200_000, 0.01, 5
RULE = "pass >=90%"


def timed(rule_text: str, values: np.ndarray):
    rule = parse_rule(rule_text)
    times, out = [], None
    for _ in range(REPEATS):
        col = InputColumn("满意度", values)          # fresh: no cached parsing between runs
        start = time.perf_counter()
        out = score_rule(rule, Decimal(10), [col])
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    rng = np.random.default_rng(9)
    values = np.round(rng.uniform(0.5, 1.0, UNITS), 4)
    slips = rng.random(UNITS) < SLIP_SHARE
    values[slips] = np.round(values[slips] * 100, 2)
    checked_s, checked = timed(RULE, values)
    unchecked_s, unchecked = timed(RULE + "; rate_max=不限", values)
    blank = np.isnan(checked.score)
    same = np.array_equal(checked.score[~slips], unchecked.score[~slips])
    print(json.dumps({
        "units": UNITS, "slips_typed": int(slips.sum()),
        "slips_caught": int((blank & slips).sum()), "other_units_blanked": int((blank & ~slips).sum()),
        "slips_scored_without_check": int((~np.isnan(unchecked.score) & slips).sum()),
        "other_scores_unchanged": bool(same),
        "checked_ms": round(checked_s * 1000, 1), "unchecked_ms": round(unchecked_s * 1000, 1),
        "check_overhead_ms": round((checked_s - unchecked_s) * 1000, 1),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
