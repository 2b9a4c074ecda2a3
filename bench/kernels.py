"""Benchmark of the rule kernels alone: bench.engine's rubric, per rule kind.

For each kind of bench.engine's 40 rows, the CPU seconds of scoring its rows with
engine.score.score_rule (reading the inputs, statuses, the float pass, the exact redo near
boundaries, the outcome columns the working reads), against bench.engine's hand-written float
numpy version of the same rows. Totals, aggregation, grades and ranks are left out: bench.engine times the whole.
Each figure is the fastest of --repeats passes, CPU time (time.process_time), engine and numpy
passes alternating, since the machine may be shared; the rows' results are kept until the pass
ends, as score() keeps them. Prints a table, then one JSON line last.
Run: python -m bench.kernels [--quick] [--repeats N]   (--quick: 10,000 units)
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from bench.engine import ROWS, build, make_inputs, numpy_row
from engine.rules import InputColumn
from engine.score import score_rule


def cpu(fn) -> float:
    """CPU seconds of one call; its results are kept until it returns, then dropped."""
    t = time.process_time()
    kept = fn()
    seconds = time.process_time() - t
    del kept
    return seconds


def engine_row(ind, units):
    """One row scored as engine.score scores it: its input columns read afresh, every unit scored."""
    return score_rule(ind.rule, ind.points, [InputColumn(name, units.columns[name]) for name in ind.inputs])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 units instead of 100,000")
    ap.add_argument("--repeats", type=int, default=8, help="passes per figure (the fastest counts)")
    args = ap.parse_args(argv)
    n = 10_000 if args.quick else 100_000
    inputs = make_inputs(n, np.random.default_rng(2024))
    rubric, units = build(inputs, n)
    rows = list(zip(ROWS, rubric.indicators, inputs))
    report = {"units": n}
    print(f"{n} units; CPU ms, fastest of {args.repeats}")
    print(f"{'kind':10s} {'rows':>4s} {'engine':>8s} {'numpy':>8s} {'ratio':>6s}")
    for kind in [*dict.fromkeys(r.kind for r in ROWS), "all"]:
        sel = [(row, ind, cols) for row, ind, cols in rows if kind in (row.kind, "all")]
        engine = numpy = float("inf")
        for _ in range(args.repeats):       # alternate, so both see the same load
            engine = min(engine, cpu(lambda: [engine_row(ind, units) for _, ind, _ in sel]))
            numpy = min(numpy, cpu(lambda: [numpy_row(row, cols) for row, _, cols in sel]))
        report[kind] = {"rows": len(sel), "engine_ms": round(engine * 1e3, 1), "numpy_ms": round(numpy * 1e3, 1),
                        "vs_numpy": round(engine / numpy, 1)}
        print(f"{kind:10s} {len(sel):4d} {engine * 1e3:8.1f} {numpy * 1e3:8.1f} {engine / numpy:6.1f}")
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
