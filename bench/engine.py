"""Benchmark of the scoring engine: 100,000 units x 40 indicators of mixed rule kinds.

The 40 rows are the seeds' kinds: bands with assessors' scores, steps below the best unit,
rate steps from two amounts, ratios with the 100% cliff, threshold tables, checklists by count
and by numeric targets, and ceilings. Timed:
  (a) engine.score.score on a Rubric (default sum), no explanations;
  (b) the same plus every explanation (list(result.working()));
  (c) a naive per-unit, per-rule pure-Python loop on Decimal, on a 1,000-unit sample, extrapolated;
  (d) a hand-written float numpy version of the same rules at full size.
The headline is `vs_numpy` = (a) ÷ (d): the engine against the strongest baseline, hand-written
numpy on the same rubric, same process, same data. `numpy_wrong_cells` beside it counts the cells
where that float version scores differently from the exact engine (why the engine pays for
exactness). The naive loop is a secondary figure and a second, independent implementation: it
must agree with the engine on the sample cell for cell (both are exact).
(a), (c) and (d) report the fastest of 3 runs (the machine may be shared). Prints progress, then
one JSON line last.
Run: python -m bench.engine [--quick] [--profile]   (--quick: 10,000 units)
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import resource
import time
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np

from engine.language import parse_rule
from engine.model import Indicator, Rubric
from engine.score import Units, score

SAMPLE = 1_000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Row:
    """One indicator of the benchmark rubric: its rule text, points and the parameters the naive
    and numpy versions read (so the three implementations share one definition)."""

    kind: str
    points: int
    params: tuple = ()

    def rule(self) -> str:
        p = self.params
        if self.kind == "band":
            return "band " + "; ".join(f"{label}={_span_text(lo, hi, hi_open)}" for label, lo, hi, hi_open in p)
        return {
            "best": "step per=5% deduct=1 from=best round=up",
            "change": "step per=1% deduct=5%w round=down zero_at=20% rate=change rate_dp=2",
            "carry": "step per=1% deduct=10%w round=down rate_dp=2",
            "ratio": "ratio over=0 rate_dp=2",
            "threshold": "threshold " + "; ".join(f">={b}%: {v}" for b, v in p) + "; else: 0",
            "count": "check n=3",
            "targets": "check >=5%; >=8500 & >=6%",
            "ceiling": "pass <=100%",
        }[self.kind]

    @property
    def arity(self) -> int:
        return {"change": 2, "carry": 2, "ratio": 2, "ceiling": 2, "targets": 3}.get(self.kind, 1)


def _span_text(lo, hi, hi_open) -> str:
    return f"<{hi}" if hi_open else (str(lo) if lo == hi else f"{lo}-{hi}")


BAND10 = (("好", 8, 10, False), ("较好", 6, 7, False), ("一般", 0, 6, True))
BAND40 = (("好", 36, 40, False), ("较好", 32, 35, False), ("一般", 24, 31, False), ("较差", 0, 24, True))
BAND5 = (("好", 4, 5, False), ("较好", 3, 3, False), ("一般", 0, 3, True))
E11 = ((90, 3), (80, 2.5), (70, 2), (60, 1.5), (50, 1))

ROWS = ([Row("band", 10, BAND10)] * 4 + [Row("band", 40, BAND40)] * 2 + [Row("band", 5, BAND5)] * 2
        + [Row("best", 50)] * 6 + [Row("change", 2)] * 3 + [Row("carry", 1)] * 3 + [Row("ratio", 2)] * 6
        + [Row("threshold", 3, E11)] * 6 + [Row("count", 2)] * 4 + [Row("targets", 6)] * 2
        + [Row("ceiling", 2)] * 2)
FAMILY = {"band": "定性评价", "best": "城市数字赋能", "change": "预算执行", "carry": "预算执行",
          "ratio": "预算执行", "ceiling": "预算执行", "threshold": "满意度", "count": "履职", "targets": "履职"}


# --- data -------------------------------------------------------------------------------------------

def make_inputs(n: int, rng) -> list[list[np.ndarray]]:
    """Per row, its input columns (float64, amounts with 2 decimals as officials type them)."""
    out = []
    for row in ROWS:
        if row.kind == "band":
            scores = rng.choice(np.array([*range(row.points + 1), row.points - 0.5]), n).astype(float)
            scores[rng.random(n) < 0.001] = 7.5              # a few in a gap (10/40-point lists): 错误
            out.append([scores])
        elif row.kind == "best":
            speeds = np.round(rng.uniform(200, 315, n), 2)
            speeds[0] = 315.6                               # the best; 5%, 10%, 15% below it exactly
            speeds[rng.random(n) < 0.01] = rng.choice([299.82, 284.04, 268.26])
            out.append([speeds])
        elif row.kind in ("change", "carry", "ratio", "ceiling"):
            base = np.round(rng.uniform(1e5, 1e8, n), 2)
            lo, hi = {"change": (-0.05, 0.25), "carry": (0, 0.12), "ratio": (0.8, 1.01), "ceiling": (0.9, 1.02)}[row.kind]
            amount = np.round(base * rng.uniform(lo, hi, n) + (base if row.kind == "change" else 0), 2)
            trap = rng.random(n) < 0.01                     # rates that are exact in decimal, not in binary
            if row.kind == "carry":
                amount[trap], base[trap] = 864197.46, 12345678.0      # exactly 7%
            elif row.kind == "change":
                amount[trap], base[trap] = 331.38, 315.6              # exactly 5%
            else:
                amount[trap] = base[trap]                             # exactly 100%
            out.append([amount, base])
        elif row.kind == "threshold":
            out.append([np.round(rng.uniform(0.4, 1.0, n), 4)])
        elif row.kind == "count":
            out.append([rng.integers(0, 4, n).astype(float)])
        else:
            out.append([np.round(rng.uniform(0.02, 0.08, n), 3), np.round(rng.uniform(8000, 9000, n)),
                        np.round(rng.uniform(0.04, 0.08, n), 3)])
    return out


def build(inputs: list[list[np.ndarray]], n: int) -> tuple[Rubric, Units]:
    indicators, columns = [], {}
    for k, (row, cols) in enumerate(zip(ROWS, inputs)):
        names = tuple(f"r{k}_{j}" for j in range(len(cols)))
        columns.update({nm: c[:n] for nm, c in zip(names, cols)})
        indicators.append(Indicator(id=f"K{k:02d}", path=(FAMILY[row.kind], f"{row.kind}{k:02d}"),
                                    points=Decimal(row.points), rule=parse_rule(row.rule()), inputs=names))
    units = Units(np.array([f"单位{i}" for i in range(n)], dtype=object),
                  np.array(["中心城区", "郊区"] * (n // 2) + ["郊区"] * (n % 2), dtype=object), columns)
    return Rubric(indicators=tuple(indicators)), units


# --- (c) naive: one unit, one rule at a time, on Decimal --------------------------------------------

def _dec(x: float) -> Decimal:
    return Decimal(repr(x))


def _r2(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def naive_cell(row: Row, values: list[Decimal], best: Decimal | None) -> Decimal | None:
    """The score of one unit on one row, as a careful person would compute it by hand."""
    pts = Decimal(row.points)
    if row.kind == "band":
        v = values[0]
        for _, lo, hi, hi_open in row.params:
            if lo <= v and (v < hi if hi_open else v <= hi) and v <= pts:
                return v
        return None
    if row.kind == "best":
        gap = (best - values[0]) / best
        steps = (gap / Decimal("0.05")).to_integral_value(rounding=ROUND_CEILING)
        return _r2(max(pts - steps, Decimal(0)))
    if row.kind in ("change", "carry"):
        a, b = values
        r = ((a - b) / b if row.kind == "change" else a / b).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        r = abs(r)
        if row.kind == "change" and r >= Decimal("0.2"):
            return Decimal(0)
        share = Decimal("0.05") if row.kind == "change" else Decimal("0.10")
        steps = (r / Decimal("0.01")).to_integral_value(rounding=ROUND_FLOOR)
        return _r2(pts - min(steps * share * pts, pts))
    if row.kind == "ratio":
        a, b = values
        if a > b:
            return Decimal(0)
        return _r2(pts * (a / b).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    if row.kind == "threshold":
        for bound, got in row.params:
            if values[0] >= Decimal(bound) / 100:
                return Decimal(str(got))
        return Decimal(0)
    if row.kind == "count":
        return _r2(pts * values[0] / 3)
    if row.kind == "targets":
        met = (values[0] >= Decimal("0.05")) + (values[1] >= 8500 and values[2] >= Decimal("0.06"))
        return _r2(pts * met / 2)
    a, b = values                                                   # ceiling
    return pts if a <= b else Decimal(0)


def naive(inputs: list[list[np.ndarray]], n: int) -> np.ndarray:
    """(n, rows) scores by a per-unit loop; the best unit of a best-relative step row is found by a first pass."""
    cols = [[[_dec(x) for x in c[:n].tolist()] for c in row_cols] for row_cols in inputs]
    bests = [max(c[0]) if row.kind == "best" else None for row, c in zip(ROWS, cols)]
    out = np.full((n, len(ROWS)), np.nan)
    for i in range(n):
        for k, row in enumerate(ROWS):
            s = naive_cell(row, [c[i] for c in cols[k]], bests[k])
            if s is not None:
                out[i, k] = float(s)
    return out


# --- (d) hand numpy, float, no exactness ------------------------------------------------------------

def _np_r2(x: np.ndarray) -> np.ndarray:
    return np.floor(x * 100 + 0.5) / 100


def numpy_row(row: Row, cols: list[np.ndarray]) -> np.ndarray:
    pts = float(row.points)
    if row.kind == "band":
        v, ok = cols[0], np.zeros(len(cols[0]), bool)
        for _, lo, hi, hi_open in row.params:
            ok |= (v >= lo) & ((v < hi) if hi_open else (v <= hi))
        return np.where(ok & (v <= pts), v, np.nan)
    if row.kind == "best":
        best = np.nanmax(cols[0])
        return np.maximum(pts - np.ceil((best - cols[0]) / best / 0.05), 0)
    if row.kind in ("change", "carry"):
        a, b = cols
        r = np.abs(np.round((a - b) / b if row.kind == "change" else a / b, 4))
        share = 0.05 if row.kind == "change" else 0.10
        s = pts - np.minimum(np.floor(r / 0.01) * share * pts, pts)
        return _np_r2(np.where((r >= 0.2) & (row.kind == "change"), 0, s))
    if row.kind == "ratio":
        a, b = cols
        return np.where(a > b, 0, _np_r2(pts * np.round(a / b, 4)))
    if row.kind == "threshold":
        v, s = cols[0], np.zeros(len(cols[0]))
        for bound, got in reversed(row.params):
            s = np.where(v >= bound / 100, got, s)
        return s
    if row.kind == "count":
        return _np_r2(pts * cols[0] / 3)
    if row.kind == "targets":
        met = (cols[0] >= 0.05).astype(float) + ((cols[1] >= 8500) & (cols[2] >= 0.06))
        return _np_r2(pts * met / 2)
    return np.where(cols[0] <= cols[1], pts, 0.0)


def hand_numpy(inputs: list[list[np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    scores = np.column_stack([numpy_row(row, cols) for row, cols in zip(ROWS, inputs)])
    return scores, _np_r2(np.sum(scores, axis=1))


# --- run --------------------------------------------------------------------------------------------

def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def best_of(repeats: int, fn, *args):
    """(result, seconds) of the fastest of `repeats` runs: the box is shared, the minimum is the cost."""
    return min((timed(fn, *args) for _ in range(repeats)), key=lambda r: r[1])


def profile(fn, *args, top: int = 15) -> str:
    prof = cProfile.Profile()
    prof.runcall(fn, *args)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def engine_scores(res) -> np.ndarray:
    return np.column_stack([ind.score for ind in res.indicators])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 units instead of 100,000")
    ap.add_argument("--profile", action="store_true", help="print where the engine's time goes (cProfile)")
    args = ap.parse_args(argv)
    n = 10_000 if args.quick else 100_000
    rng = np.random.default_rng(2024)
    inputs = make_inputs(n, rng)
    rubric, units = build(inputs, n)
    print(f"{n} units x {len(ROWS)} indicators")

    res, seconds = best_of(3, score, rubric, units)
    print(f"(a) engine, no explanations: {seconds:.3f} s (best of 3)")
    # the rows are streamed, as the 评分过程 writer consumes them, not held all at once
    count, explain_only = timed(lambda: sum(1 for _ in res.working()))
    explain_seconds = seconds + explain_only
    print(f"(b) engine + {count} explanations: {explain_seconds:.3f} s")
    gc.collect()

    sample_rubric, sample_units = build(inputs, SAMPLE)
    loop, loop_seconds = best_of(3, naive, inputs, SAMPLE)
    naive_seconds = loop_seconds * n / SAMPLE
    exact_sample = engine_scores(score(sample_rubric, sample_units))
    disagree = ~np.isclose(loop, exact_sample, rtol=0, atol=1e-12, equal_nan=True)
    print(f"(c) naive Decimal loop: {loop_seconds:.3f} s for {SAMPLE} units (best of 3) -> "
          f"{naive_seconds:.1f} s extrapolated; cells differing from the engine: {int(disagree.sum())}")

    (np_scores, _), numpy_seconds = best_of(3, hand_numpy, inputs)
    off = ~np.isclose(np_scores, engine_scores(res), rtol=0, atol=1e-12, equal_nan=True)
    print(f"(d) hand numpy (float): {numpy_seconds:.3f} s (best of 3); cells where float differs from exact: "
          f"{int(off.sum())} (rows {sorted({ROWS[k].kind for k in np.flatnonzero(off.any(axis=0))})})")

    if args.profile:
        print("--- engine.score.score, by own time ---")
        print(profile(score, rubric, units))
        print("--- result.working(), by own time ---")
        print(profile(lambda: list(res.working())))

    report = {"units": n, "indicators": len(ROWS), "vs_numpy": round(seconds / numpy_seconds, 2),
              "numpy_wrong_cells": int(off.sum()), "seconds": round(seconds, 3),
              "numpy_seconds": round(numpy_seconds, 3), "explain_seconds": round(explain_seconds, 3),
              "naive_seconds": round(naive_seconds, 1), "vs_naive_loop": round(naive_seconds / seconds, 1),
              "naive_disagreements": int(disagree.sum()),
              "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
