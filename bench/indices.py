"""Benchmark of the numeric layer: an enterprise index and a weight-sensitivity study.

1,000,000 enterprises x 6 indicators with 0.1% of the values missing: the gaps of three indicators
imputed by group mean, one indicator treated for outliers (缩尾), normalised within 4 groups, a
two-level weighted mean that skips the remaining gaps (缺失值=跳过, 最少数据 2/3), ranked within the
groups and classed A/B/C/D (亩均效益 style); then 1,000 weight-sensitivity runs over 3,000 units x
40 indicators with 1% of the scores missing and skipped. Prints progress, then one JSON line last.
Run: python -m bench.indices [--quick]   (--quick: 10x smaller)
"""
from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

from engine.aggregate import Tree, aggregate
from engine.classes import classify
from engine.impute import impute
from engine.normalize import normalize
from engine.outliers import treat
from engine.rank import rank
from engine.sensitivity import rank_sensitivity

SCHEME = "A<=25%; B<=70%; C<=95%; D"
# (method, higher is better) per indicator: e.g. 亩均税收, 亩均营收, R&D share, energy per output...
INDICATORS = [("distance_to_best", True), ("minmax", True), ("percentile", True),
              ("minmax", False), ("distance_to_best", False), ("zscore", True)]
IMPUTED, TREATED = (0, 1, 2), 3     # 插补=组内均值 on three indicators, 异常值=缩尾 on one


def enterprise_tree() -> Tree:
    """6 leaves -> 2 dimensions (效益 3 leaves, 绿色创新 3 leaves) -> root, all weighted means."""
    return Tree(parent=np.array([6, 6, 6, 7, 7, 7, 8, 8, -1]), n_leaves=6,
                method=("",) * 6 + ("wmean",) * 3,
                weight=np.array([40, 30, 30, 30, 40, 30, 70, 30, np.nan]),
                missing=("",) * 6 + ("skip",) * 3, min_share=[np.nan] * 6 + [2 / 3] * 3)


def sensitivity_tree(n_leaves: int) -> Tree:
    """n_leaves -> groups of 5 -> 3 dimensions -> root, weighted means, unequal weights."""
    n_mid = n_leaves // 5
    parent = [n_leaves + i // 5 for i in range(n_leaves)]
    parent += [n_leaves + n_mid + min(j * 3 // n_mid, 2) for j in range(n_mid)]
    parent += [n_leaves + n_mid + 3] * 3 + [-1]
    n = len(parent)
    weight = np.random.default_rng(7).integers(1, 6, n).astype(float)
    return Tree(parent=np.array(parent), n_leaves=n_leaves, method=("",) * n_leaves + ("wmean",) * (n - n_leaves),
                weight=weight, missing=("",) * n_leaves + ("skip",) * (n - n_leaves))


def run_index(n_units: int, rng) -> dict:
    raw = rng.lognormal(3.0, 0.8, size=(n_units, len(INDICATORS)))
    raw[:, TREATED] = rng.lognormal(3.0, 2.0, size=n_units)   # heavy right tail: needs treatment
    raw[rng.random(raw.shape) < 0.001] = np.nan  # a few missing inputs
    groups = rng.choice(np.array(["制造业", "批发零售", "建筑业", "服务业"], dtype=object), n_units)
    gaps = int(np.isnan(raw).sum())
    t0 = time.perf_counter()
    filled = 0
    for k in IMPUTED:
        res = impute(raw[:, k], "group_mean", groups=groups)
        raw[:, k], filled = res.values, filled + int(res.filled.sum())
    t1 = time.perf_counter()
    treated = treat(raw[:, TREATED], "winsorise")
    raw[:, TREATED] = treated.values
    t2 = time.perf_counter()
    leaf = np.column_stack([normalize(raw[:, k], m, hib, groups=groups, cap=None).values
                            for k, (m, hib) in enumerate(INDICATORS)])
    leaf[:, 5] = 50 + 10 * leaf[:, 5]  # z-scores onto a 0-100-like scale
    t3 = time.perf_counter()
    total = aggregate(enterprise_tree(), leaf, decimals=2).values[:, -1]
    t4 = time.perf_counter()
    ranks = rank(total, groups=groups)
    t5 = time.perf_counter()
    labels = classify(total, SCHEME, groups=groups)
    t6 = time.perf_counter()
    print(f"  impute {t1 - t0:.2f}s ({filled} of {gaps} gaps filled), treat {t2 - t1:.2f}s "
          f"({treated.method or 'none'}, {int(treated.points.sum())} points), normalise {t3 - t2:.2f}s, "
          f"aggregate with skip {t4 - t3:.2f}s, rank {t5 - t4:.2f}s, classify {t6 - t5:.2f}s; "
          f"blank totals {int(np.isnan(total).sum())}, ranked {int((~np.isnan(ranks.rank)).sum())}, "
          f"A={int((labels == 'A').sum())} D={int((labels == 'D').sum())}", flush=True)
    return {"index_seconds": round(t6 - t0, 3), "impute_seconds": round(t1 - t0, 3),
            "treat_seconds": round(t2 - t1, 3), "aggregate_skip_seconds": round(t4 - t3, 3),
            "gaps": gaps, "imputed": filled, "treated": treated.method, "treated_points": int(treated.points.sum()),
            "blank_totals": int(np.isnan(total).sum())}


def run_sensitivity(n_runs: int, n_units: int, n_leaves: int, rng) -> float:
    scores = np.round(rng.uniform(40, 100, size=(n_units, n_leaves)), 2)
    scores[rng.random(scores.shape) < 0.01] = np.nan   # gaps the weighted means skip
    t0 = time.perf_counter()
    res = rank_sensitivity(sensitivity_tree(n_leaves), scores, n_runs=n_runs, seed=0)
    dt = time.perf_counter() - t0
    width = res.p95 - res.p05
    print(f"  median 90% rank band {np.median(width):.0f} places, widest {np.max(width):.0f}", flush=True)
    return dt


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 10x smaller run")
    args = ap.parse_args(argv)
    k = 10 if args.quick else 1
    n_units, n_runs, s_units, s_leaves = 1_000_000 // k, 1000 // k, 3000, 40
    rng = np.random.default_rng(2024)
    print(f"index: {n_units} enterprises x {len(INDICATORS)} indicators, 4 groups", flush=True)
    cpu0 = time.process_time()       # CPU seconds too: wall time on a shared machine includes waiting
    index = run_index(n_units, rng)
    cpu1 = time.process_time()
    print(f"  {index['index_seconds']:.2f}s ({cpu1 - cpu0:.2f}s CPU)", flush=True)
    print(f"sensitivity: {n_runs} runs x {s_units} units x {s_leaves} indicators", flush=True)
    sensitivity_seconds = run_sensitivity(n_runs, s_units, s_leaves, rng)
    cpu2 = time.process_time()
    print(f"  {sensitivity_seconds:.2f}s ({cpu2 - cpu1:.2f}s CPU)", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"units": n_units, **index, "missing": "skip", "sensitivity_runs": n_runs,
                      "sensitivity_seconds": round(sensitivity_seconds, 3),
                      "cpu_seconds": {"index": round(cpu1 - cpu0, 3), "sensitivity": round(cpu2 - cpu1, 3)},
                      "peak_mb": round(peak_mb, 1)},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
