"""Excel ROUND semantics (half away from zero): the one rounding policy of the project.

`round_half_up` works on float arrays (scores, aggregates, means); `round_decimal_half_up` on one
exact Decimal (the exact pass of the kernels, band midpoints, numbers in the working).

Official tables print scores rounded half-up, but a mean or sum of 2-decimal numbers is rarely
exact in binary floating point (1.005 is stored as 1.00499999999999989...). A value this close to
a tie is meant to be the tie, so it rounds away from zero as Excel prints it.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

import numpy as np

# Decimal arithmetic for the exact pass: 40 digits hold any amount officials type; no traps
# (x/0 gives Infinity, 0/0 NaN).
EXACT = Context(prec=40, traps=[])

# A value within TIE_RTOL * |x| (at least TIE_ATOL) of a tie is the tie. The tolerance never
# exceeds TIE_MAX_UNITS of the rounding unit, so large amounts keep their real digits
# (1000000.0045 still rounds down at 2 decimals).
TIE_RTOL = 1e-9
TIE_ATOL = 1e-12
TIE_MAX_UNITS = 1e-3


def round_half_up(x, decimals: int):
    """Round half away from zero to `decimals` places (negative: tens, hundreds...); NaN stays NaN.

    Returns a float for a scalar input, otherwise a float ndarray of the same shape. (Computed in
    place on a few buffers: scoring rounds every subtotal of every unit.)
    """
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return float(round_half_up(a.reshape(1), decimals)[0])
    d = int(decimals)
    unit = 10.0 ** -d
    mag = np.abs(a)
    with np.errstate(invalid="ignore", over="ignore"):
        tol = np.multiply(mag, TIE_RTOL)
        np.maximum(tol, TIE_ATOL, out=tol)
        np.minimum(tol, TIE_MAX_UNITS * unit, out=tol)
        steps = np.divide(mag, unit)
        np.floor(steps, out=steps)
        tie = np.add(steps, 0.5)
        tie *= unit
        tie -= tol
        steps += mag >= tie
        # Dividing by an exact power of ten keeps 30 / 100 == 0.3 (30 * 0.01 would not).
        if d >= 0:
            steps /= 10.0**d
        else:
            steps *= 10.0**-d
        np.copysign(steps, a, out=steps)
        # Values with no digits below the unit (or NaN, inf) are returned unchanged.
        out = np.where(mag < 2.0**52 * unit, steps, a)
        out += 0.0                                  # turns -0.0 into 0.0
    return out


def round_decimal_half_up(value: Decimal, decimals: int) -> Decimal:
    """Excel's ROUND on an exact Decimal: halves go away from zero (Python's round goes to even)."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=EXACT)
