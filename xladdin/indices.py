"""Issue-5 outputs on top of a scored workbook: percentile classes, rank change, selection (入选)
and rank sensitivity (敏感性). Driven by 设置 keys the layout keeps in ``book.options``."""
from __future__ import annotations

import numpy as np

from engine.result import Result

from .layout import Book, Issue
from .sheetspec import SheetSpec


def score_columns(book: Book, result: Result, issues: list[Issue]) -> list[tuple[str, np.ndarray, str | None]]:
    """Extra 得分 columns: (heading, values per unit, number format)."""
    return []


def extra_sheets(book: Book, result: Result, issues: list[Issue]) -> list[SheetSpec]:
    """Extra owned sheets (入选 when 遴选名额 is set)."""
    return []


def sensitivity_sheet(book: Book, result: Result, n_runs: int, mode: str, spread: float, seed: int) -> SheetSpec:
    raise NotImplementedError
