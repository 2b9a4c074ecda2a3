"""Numbers as officials write them: full-width text, percents, 是/否, exact decimals, half-up rounding.

Cell values arrive as Python floats (what Excel stores), ints, or text. Every boundary decision is
made on the decimal string of the value (``Decimal(repr(x))``), because 0.05 × 315.6 is not 15.78
in binary floating point.
"""
from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import numpy as np

from .rounding import EXACT, round_decimal_half_up
from .rounding import round_half_up as round_array

_EXTRA = str.maketrans({"≥": ">=", "≤": "<=", "≧": ">=", "≦": "<=", "—": "-", "–": "-", "−": "-",
                        "～": "~", "‰": "‰", "\u3000": " ", "≪": "<=", "×": "*", "÷": "/"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_UNIT_SUFFIX = re.compile(r"(分|元|万元|亿元|家|个|项|次|人|户|%|‰)$")

TRUE_WORDS = frozenset({"是", "符合", "达成", "达到", "已达成", "完成", "已完成", "有", "y", "yes", "true",
                        "√", "✓", "✔", "1", "满分"})
FALSE_WORDS = frozenset({"否", "不", "不是", "不符合", "未达成", "未达到", "未完成", "无", "n", "no", "false", "×", "✗",
                         "✘", "0"})


def normalize_text(text: str) -> str:
    """Half-width form of what officials type: ；：＝，％－ and full-width digits become ASCII."""
    return unicodedata.normalize("NFKC", text).translate(_EXTRA).strip()


def is_blank(value) -> bool:
    """A cell that holds nothing: None, NaN, or whitespace-only text."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return False


def to_decimal(value) -> Decimal:
    """Exact decimal of a number or numeric text; raises ValueError with a Chinese reason."""
    if isinstance(value, bool):
        raise ValueError(f"「{value}」不是数值")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("数值无效")
        return Decimal(repr(value))
    if isinstance(value, str):
        return parse_number_text(value)
    raise ValueError(f"「{value}」不是数值")


def parse_number_text(text: str) -> Decimal:
    """``'90%'`` → 0.9, ``'8分'`` → 8, ``'1,234.5'`` → 1234.5, ``'９０％'`` → 0.9."""
    s = normalize_text(text).replace(" ", "")
    scale = Decimal(1)
    if s.endswith("%"):
        scale, s = Decimal("0.01"), s[:-1]
    elif s.endswith("‰"):
        scale, s = Decimal("0.001"), s[:-1]
    else:
        s = _UNIT_SUFFIX.sub("", s)
        if s.endswith("%"):
            scale, s = Decimal("0.01"), s[:-1]
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if not _NUMBER.fullmatch(s):
        raise ValueError(f"「{text}」不是数值")
    return Decimal(s) * scale


def to_float(value) -> float:
    """Float of a cell value (NaN for blank); raises ValueError for text that is not a number."""
    if is_blank(value):
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return float(to_decimal(value))


def parse_bool(value) -> bool:
    """是/否 and their many spellings; raises ValueError for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and (answer := _answer(value)) is not None:
        return answer
    raise ValueError(f"「{value}」应为 是/否")


def _answer(text: str) -> bool | None:
    """A 是/否 word: True/False, else None. The text is tried as typed too, since normalize_text
    reads × as the multiplication sign * and × (with √) is how many officials tick a box."""
    for s in (text.strip().lower(), normalize_text(text).lower()):
        if s in TRUE_WORDS:
            return True
        if s in FALSE_WORDS:
            return False
    return None


def yes_no_word(text: str) -> bool | None:
    """A 是/否 word in rule or setting text (是, 符合, 否, yes …): True/False; None for anything else.

    Digits are not words here: in `pass 1` the 1 is a number to compare with."""
    if normalize_text(text).isdigit():
        return None
    return _answer(text)


def fmt_num(value, decimals: int | None = None) -> str:
    """A number as an evaluator writes it: no exponent, no trailing zeros (1.50 → 1.5, 48.00 → 48)."""
    if value is None:
        return "空"
    if isinstance(value, Decimal):
        return _fmt_decimal(value, decimals)
    return _fmt_float(float(value), decimals)


@lru_cache(maxsize=1 << 16)
def _fmt_float(x: float, decimals: int | None) -> str:
    if math.isnan(x):
        return "空"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if decimals is None:
        text = repr(x)
        if "e" in text or len(text.partition(".")[2]) > 10:
            return _fmt_decimal(Decimal(repr(x)), 10)
    else:
        y = abs(x) * 10.0 ** decimals
        if abs(y - math.floor(y) - 0.5) < 1e-6:   # a decimal tie: round it half-up, exactly
            return _fmt_decimal(Decimal(repr(x)), decimals)
        text = "%.*f" % (decimals, x)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=4096)
def _fmt_decimal(d: Decimal, decimals: int | None) -> str:
    if decimals is not None:
        d = round_decimal_half_up(d, decimals)
    try:
        d = d.normalize(EXACT)
    except InvalidOperation:
        return str(d)
    text = format(d, "f")
    return "0" if text in ("-0", "") else text


def fmt_pct(rate, decimals: int = 2) -> str:
    """A fraction as a percent: 0.2124 → 21.24%."""
    if rate is None or (not isinstance(rate, Decimal) and math.isnan(rate)):
        return "空"
    return fmt_num(rate * 100, decimals) + "%"


def fmt_nums(values, decimals: int | None = None, pct: bool = False, blank: str = "空") -> list[str]:
    """fmt_num (or fmt_pct) over a whole column: one vectorised rounding, each distinct value
    formatted once (scores and best values repeat a lot); NaN is shown as ``blank``."""
    v = np.asarray(values, dtype=float) * (100.0 if pct else 1.0)
    if pct and decimals is None:
        decimals = 2
    v = round_array(v, decimals) if decimals is not None else np.round(v, 10)
    tail = "%" if pct else ""
    distinct, where = np.unique(v, return_inverse=True)
    texts = np.empty(len(distinct), dtype=object)
    mag = np.abs(distinct)
    # repr of a float below 1e16 and not below 1e-4 has no exponent; a whole one ends in ".0".
    plain = (mag < 1e16) & ((mag >= 1e-4) | (distinct == 0))
    whole = plain & (distinct == np.floor(distinct))
    texts[whole] = [str(k) for k in distinct[whole].astype(np.int64).tolist()]
    part = plain & ~whole
    texts[part] = [repr(x) for x in distinct[part].tolist()]
    for k in np.flatnonzero(~plain).tolist():              # NaN, ±inf, exponents: the general rule
        x = float(distinct[k])
        texts[k] = blank if x != x else fmt_num(x)
    if tail:
        texts[~np.isnan(distinct)] = [t + tail for t in texts[~np.isnan(distinct)].tolist()]
    return texts[where].tolist()
