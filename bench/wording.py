"""Benchmark of the wording reader (评分标准 → rule).

Over every seed row typed in tests/wording_cases.py (seeds 000, 001, 004): how many get a rule,
how many of those are sure, and how many score the row's own hand-worked examples right. Then the
time to read 1,000 rows of wording (all seed and other-province wordings, each made distinct, with
the reader's caches cleared first). Target: 1,000 rows in under a second.
Also classifies the other-province wordings of tests/wording_cases_provinces.py (PROVINCES and the
held-out batch): right and sure, right but unsure, unsure (proposed, not right), nothing, or wrong (a
sure reading that scores an example wrongly, or a sure reading of wording with two defensible readings).
Prints one JSON line last: {"rows", "proposed", "sure", "seed_rows_right", "province_rows",
"province_right_sure", "province_right_unsure", "province_unsure", "province_nothing", "province_wrong",
"seconds" (wall clock), "cpu_seconds" (this process only: the machine may be shared), "per_row_ms"}.
Run: python -m bench.wording
"""
from __future__ import annotations

import json
import time

from engine.language import parse_rule
from engine.wording import clear_caches, read_wording
from tests.wording_cases import OTHER, SEEDS, check_case
from tests.wording_cases_provinces import ALL as CASES
from tests.wording_cases_provinces import classify

ROWS = 1_000


def main() -> None:
    proposed = sure = right = 0
    for case in SEEDS:
        p = read_wording(case[2], case[1])
        proposed += p.rule is not None
        sure += p.rule is not None and p.sure
        try:
            check_case(case)
            right += 1
        except AssertionError as exc:
            print(f"  wrong: {case[0]}: {exc}")
    kinds = {"right+sure": 0, "right+unsure": 0, "unsure": 0, "nothing": 0, "WRONG": 0}
    for case in CASES:
        got = classify(case)[0]
        kinds[got] += 1
        if got == "WRONG":
            print(f"  wrong: {case[0]}")
    texts = [(f"第{i}项：{c[2]}", c[1]) for i, c in
             enumerate((SEEDS + OTHER) * (ROWS // len(SEEDS + OTHER) + 1))][:ROWS]
    clear_caches()
    parse_rule.cache_clear()
    start, cpu = time.perf_counter(), time.process_time()
    for text, points in texts:
        read_wording(text, points)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{len(SEEDS)} seed rows: {proposed} proposed, {sure} sure, {right} scored right; "
          f"{ROWS} rows read in {seconds:.3f} s")
    print(json.dumps({"rows": len(SEEDS), "proposed": proposed, "sure": sure, "seed_rows_right": right,
                      "province_rows": len(CASES), "province_right_sure": kinds["right+sure"],
                      "province_right_unsure": kinds["right+unsure"], "province_unsure": kinds["unsure"],
                      "province_nothing": kinds["nothing"], "province_wrong": kinds["WRONG"],
                      "seconds": round(seconds, 4), "cpu_seconds": round(cpu, 4),
                      "per_row_ms": round(seconds / ROWS * 1000, 4)}))


if __name__ == "__main__":
    main()
