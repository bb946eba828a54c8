"""Numbers as the report writes them: percentages, counts and yuan, rounded half up.

One home for every number format the report and the contract's labels use:
a percentage, a count or an amount is
rounded as statistics offices do (四舍五入) on the exact decimal of the value.
Also how metrics.json writes a number: :func:`json_number`, :func:`json_plain`.

>>> fmt_pct(0.032307), fmt_int(1872), fmt_yuan(5249.99)
('3.23%', '1,872', '5,249.99元')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

import numpy as np
import pandas as pd

#: Placeholder for a missing number (None or NaN).
MISSING = "—"


def is_missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def half_up(value: float, digits: int, scale: int = 0) -> Decimal:
    """Round as statistics offices do (四舍五入), on the shortest repr of `value`
    times 10**`scale` (exact: the decimal point moves, no floating-point product)."""
    exact = Decimal(repr(float(value))).scaleb(scale)
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fmt_pct(value: float | None, digits: int = 2, beyond: float | None = None) -> str:
    """A fraction as a percentage with `digits` decimals, rounded half up on the exact decimal.

    Every percentage of the report (text, tables, charts, warnings) goes through
    here. With `beyond` (a line the value was compared with), more decimals are
    shown while the rounded value would read as the line itself, so a drop of
    30.04% judged "more than 30%" never shows as 30.0%.

    >>> fmt_pct(0.012517), fmt_pct(29 / 800), fmt_pct(0.02125), fmt_pct(None)
    ('1.25%', '3.63%', '2.13%', '—')
    >>> fmt_pct(0.3004, 1, beyond=0.3), fmt_pct(0.35, 1, beyond=0.3)
    ('30.04%', '35.0%')
    """
    if is_missing(value):
        return MISSING
    shown = half_up(value, digits, 2)
    if beyond is not None and float(value) != float(beyond):
        while digits < 8 and shown == half_up(beyond, digits, 2):
            digits += 1
            shown = half_up(value, digits, 2)
    return f"{shown:.{digits}f}%"


def fmt_pct_short(value: float | None) -> str:
    """A fraction as a percentage with the decimals it needs (at most two, rounded as
    :func:`fmt_pct`, trailing zeros dropped): thresholds, and every rate in a sentence.

    >>> fmt_pct_short(0.02), fmt_pct_short(0.025), fmt_pct_short(0.89), fmt_pct_short(0.032307)
    ('2%', '2.5%', '89%', '3.23%')
    """
    if is_missing(value):
        return MISSING
    text = f"{half_up(value, 2, 2):f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def fmt_int(value: float | None) -> str:
    """A count with thousands separators, rounded half up to a whole number.

    >>> fmt_int(1872)
    '1,872'
    """
    if is_missing(value):
        return MISSING
    return f"{int(half_up(float(value), 0)):,}"


def fmt_people(value: float | None) -> str:
    """A number of people: `fmt_people(1872) -> '1,872人'`."""
    return fmt_int(value) + ("" if is_missing(value) else "人")


def fmt_households(value: float | None) -> str:
    """A number of households: `fmt_households(820) -> '820户'`."""
    return fmt_int(value) + ("" if is_missing(value) else "户")


def fmt_hh_people(count: Mapping[str, Any] | None) -> str:
    """A {households, people} count: `'820户1,872人'`; None -> '—'."""
    if count is None:
        return MISSING
    return fmt_households(count.get("households")) + fmt_people(count.get("people"))


def fmt_amount(value: float | None) -> str:
    """An amount of yuan without the unit, to the fen, cents only when present.

    Never rounds to whole yuan, so an amount is never shown on the far side of
    a line it was compared with (5,249.99 is not "5,250").

    >>> fmt_amount(3500), fmt_amount(5249.99), fmt_amount(3449.9999999999995), fmt_amount(None)
    ('3,500', '5,249.99', '3,450', '—')
    """
    if is_missing(value):
        return MISSING
    fen = half_up(value, 2)
    return f"{int(fen):,}" if fen == fen.to_integral_value() else f"{fen:,.2f}"


def fmt_yuan(value: float | None) -> str:
    """An amount of yuan: `fmt_yuan(3500) -> '3,500元'` (cents only when present)."""
    if is_missing(value):
        return MISSING
    return fmt_amount(value) + "元"


def fmt_wan(value: float | None, digits: int = 2) -> str:
    """An amount of yuan in 万元 (10,000 yuan), rounded half up to `digits` decimals, trailing zeros
    dropped, no thousands separators: every amount a 汇报 gives in 万元 reads this one way (5万元).

    >>> fmt_wan(313737), fmt_wan(4300), fmt_wan(50000), fmt_wan(None)
    ('31.37万元', '0.43万元', '5万元', '—')
    """
    if is_missing(value):
        return MISSING
    text = f"{half_up(value, digits, -4):f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "万元"


def fmt_index(value: float | None, digits: int = 3) -> str:
    """A poverty index (FGT1, FGT2, Watts: a fraction) as a percentage with `digits` decimals.

    >>> fmt_index(0.0031342357), fmt_index(None)
    ('0.313%', '—')
    """
    return fmt_pct(value, digits)


# ---------------------------------------------------------------- JSON values


def json_number(x: float) -> int | float:
    """A parameter as JSON shows it: 3500.0 -> 3500, 0.02 stays 0.02.

    >>> json_number(3500.0), json_number(0.02)
    (3500, 0.02)
    """
    x = float(x)
    return int(x) if x.is_integer() else x


def json_plain(obj: Any) -> Any:
    """``obj`` with numpy scalars turned into Python ones and NaN into ``None``."""
    if isinstance(obj, dict):
        return {str(k): json_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_plain(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(obj) else float(obj)
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj
