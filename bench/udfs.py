"""Benchmark of the worksheet functions as xlwings calls them (Python side only).

Array calls: RULE_SCORE (a threshold table) and BAND_SCORE (a column of level names, and a
column of assessors' scores) on 100,000-row ranges passed as xlwings passes them, a list of
1-element lists. Single-cell calls: 10,000 warm RULE_SCORE calls on [[value]], each with a new
value (every call reaches the engine), then the same calls repeated (answered by the memo).
Prints progress, then one JSON line last. Target: an array call on 100,000 rows < 50 ms. The
single-cell figure has no target: in every Excel host the crossing from Excel to Python costs
milliseconds per call (about 13 ms for classic xlwings), far more than the engine's share, so
docs/addin.md recommends one call per column.
Run: python -m bench.udfs
"""
from __future__ import annotations

import json
import statistics
import time
from decimal import Decimal

import numpy as np

import udfs
from engine.language import parse_rule
from engine.rules import InputColumn
from engine.score import score_rule

ROWS = 100_000
SCALAR_CALLS = 10_000
REPEATS = 5
THRESHOLDS = "threshold >=90%: 3; >=80%: 2.5; >=70%: 2; >=60%: 1.5; >=50%: 1; else: 0"
BANDS = "好=8-10; 较好=6-7; 一般=<6"


def median_seconds(fn, *args) -> float:
    fn(*args)                                   # warm: parse cache, imports
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_call_us(calls) -> float:
    start = time.perf_counter()
    for fn, args in calls:
        fn(*args)
    return (time.perf_counter() - start) / len(calls) * 1e6


def main() -> None:
    rng = np.random.default_rng(2024)
    rates = [[float(v)] for v in np.round(rng.uniform(0, 1, ROWS), 4)]
    rates[7] = [None]                            # blanks, as real columns have
    levels = [[v] for v in rng.choice(["好", "较好", "一般", "较好 7"], ROWS).tolist()]
    scores = [[float(v)] for v in rng.integers(0, 11, ROWS)]

    rule_s = median_seconds(udfs.RULE_SCORE, THRESHOLDS, 3, rates)
    print(f"RULE_SCORE threshold, {ROWS} rows: {rule_s * 1000:.1f} ms")
    band_levels_s = median_seconds(udfs.BAND_SCORE, levels, BANDS)
    print(f"BAND_SCORE levels, {ROWS} rows: {band_levels_s * 1000:.1f} ms")
    band_scores_s = median_seconds(udfs.BAND_SCORE, scores, BANDS)
    print(f"BAND_SCORE scores, {ROWS} rows: {band_scores_s * 1000:.1f} ms")

    values = [[[0.5 + i / (2 * SCALAR_CALLS)]] for i in range(SCALAR_CALLS)]
    per_call_us([(udfs.RULE_SCORE, (THRESHOLDS, 3, [[0.42 + i / 1e6]])) for i in range(100)])   # warm
    scalar_us = per_call_us([(udfs.RULE_SCORE, (THRESHOLDS, 3, v)) for v in values])
    print(f"RULE_SCORE single cell, new value each call: {scalar_us:.1f} µs")
    memo_us = per_call_us([(udfs.RULE_SCORE, (THRESHOLDS, 3, v)) for v in values[-1000:] * 4])   # still remembered
    print(f"RULE_SCORE single cell, repeated value (memo): {memo_us:.1f} µs")
    rule = parse_rule(THRESHOLDS)
    engine_us = per_call_us([(score_rule, (rule, Decimal(3), [InputColumn("x", np.array(v[0]))]))
                             for v in values[:2000]])
    print(f"engine.score.score_rule alone on one cell: {engine_us:.1f} µs")

    print(json.dumps({
        "array_rows": ROWS,
        "array_seconds": round(max(rule_s, band_levels_s, band_scores_s), 4),
        "rule_score_seconds": round(rule_s, 4),
        "band_levels_seconds": round(band_levels_s, 4),
        "band_scores_seconds": round(band_scores_s, 4),
        "scalar_us": round(scalar_us, 1),
        "scalar_memo_us": round(memo_us, 1),
        "scalar_engine_us": round(engine_us, 1),
    }))


if __name__ == "__main__":
    main()
