"""Money compared exactly: amounts in whole fen, shares and rates as exact decimals.

The one home of the rule every comparison of amounts follows (the poverty
line, the band edges, the monitoring line, the drop share, the near-line
window, the collective-income line): an amount of yuan is taken to the fen,
half up (:func:`to_fen`); a share or rate written as a decimal (0.3, 0.02)
is that exact decimal (:func:`exact`), and ``a < share × b`` is decided in
integers (:func:`below_share`). Never a floating-point tie: 3000 × 1.15 is
3450 yuan, and a drop from 8194.20 to 5735.94 is exactly 30%.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

#: The largest amount of yuan an input may hold (exclusive): 1e13 yuan is 1e15 fen, which a
#: float holds exactly (below 2**53), so every amount read stays exact to the fen.
MONEY_LIMIT = 10**13
MONEY_TOO_LARGE = "金额过大：应小于 10,000,000,000,000 元（十万亿元，1e13），更大的数无法精确到分；请检查单位和数值"


def to_fen(yuan: Any) -> np.ndarray:
    """Amounts of yuan as whole numbers of fen (1 yuan = 100 fen), rounded half up.

    Every rule that compares two amounts (the poverty line, the band edges,
    the monitoring line, the drop share, the near-line window) compares
    these, never raw floats: ``3000 * 1.15`` is 3449.9999999999995 in
    floating point, but 345000 fen, exactly the line of 3450 yuan. The
    result is float64 (NaN, an unknown amount, stays NaN and compares false)
    holding integers, which float64 represents exactly up to 2**53 fen.

    >>> to_fen([3000 * 1.15, 5735.94, 0.005, np.nan]).tolist()
    [345000.0, 573594.0, 1.0, nan]
    """
    cents = np.asarray(yuan, dtype="float64") * 100
    return np.floor(np.round(cents, 4) + 0.5)  # round(, 4) absorbs the binary noise of *100


def to_yuan(fen: Any) -> np.ndarray:
    """Whole fen back to yuan (the float nearest the exact amount): 573594 -> 5735.94."""
    return np.asarray(fen, dtype="float64") / 100


def exact(x: float | Fraction) -> Fraction:
    """A parameter (share, rate, factor) as the exact decimal it is written as: 0.3 -> 3/10.

    >>> exact(0.45), exact(1) - exact(0.3)
    (Fraction(9, 20), Fraction(7, 10))
    """
    return x if isinstance(x, Fraction) else Fraction(Decimal(repr(float(x))))


def below_share(a: Any, b: Any, factor: float | Fraction) -> np.ndarray:
    """``a < factor × b`` exactly, elementwise, for whole numbers ``a`` and ``b``.

    ``a`` and ``b`` are counts or amounts in fen (:func:`to_fen`); ``factor``
    is taken as its exact decimal (:func:`exact`). NaN in either is false.
    An income that fell by exactly 30% (8194.20 -> 5735.94) is not below
    70% of its old value:

    >>> below_share(to_fen([5735.94, 5735.93]), to_fen([8194.2, 8194.2]), 1 - exact(0.3)).tolist()
    [False, True]
    """
    q = exact(factor)
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    known = ~(np.isnan(a) | np.isnan(b))
    out = np.zeros(np.broadcast(a, b).shape, dtype=bool)
    a, b = np.broadcast_to(a, out.shape)[known], np.broadcast_to(b, out.shape)[known]
    big = max(np.abs(a).max(initial=0) * q.denominator, np.abs(b).max(initial=0) * abs(q.numerator))
    if big < 2.0**53:  # products of integers below 2**53 are exact in float64
        out[known] = a * q.denominator < b * q.numerator
    else:
        out[known] = [int(x) * q.denominator < int(y) * q.numerator for x, y in zip(a, b)]
    return out
