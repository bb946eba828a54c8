"""Personal data: masked for display, or dropped.

Household heads' names (``head_name``), identity numbers (``id_number``) and
cadres' names (``name``) are personal data (``columns.PERSONAL_COLUMNS``).
Nothing that reaches a report, a metrics file or a warning carries them
unmasked; the functions here are the only way they are shown.
"""

from __future__ import annotations

import re

import pandas as pd

from fupin.core.contract import PERSONAL_COLUMNS, TEXT_DTYPE

MASK = "*"
#: What is not a letter of a name: whitespace (ASCII and full-width), control and
#: invisible format characters, combining marks. Removed before masking, so a
#: name written ``韩　梅`` or ``韩\u200b梅`` is masked as the two-letter name it is.
_NOT_LETTERS = re.compile(
    r"[\s\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    r"\u3164\ufe00-\ufe0f\ufeff\uffa0\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


def _letters(text: str) -> str:
    """``text`` without whitespace and invisible characters.

    >>> _letters("韩　梅"), _letters(" 韩 冬 ")
    ('韩梅', '韩冬')
    """
    return _NOT_LETTERS.sub("", text)


def _blank(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def mask_name(name: object) -> str:
    """A name with every character but the first and the last replaced by ``*``.

    Two characters keep the first (``王明`` -> ``王*``), one character is
    masked whole, a blank (None, NA, empty) gives ``""``. Whitespace
    anywhere (ASCII or full-width) and invisible characters are removed
    first: ``韩　梅`` is the two-letter name 韩梅 and shows ``韩*``. Compound
    surnames (欧阳, 司马) are not special-cased: only the first character is
    kept, which shows less, not more.

    >>> mask_name("王小明"), mask_name("王明"), mask_name("王"), mask_name(None)
    ('王*明', '王*', '*', '')
    >>> mask_name("欧阳小明"), mask_name("韩　梅"), mask_name("韩 冬")
    ('欧**明', '韩*', '韩*')
    """
    if _blank(name):
        return ""
    text = _letters(str(name))
    if len(text) <= 1:
        return MASK * len(text)
    if len(text) == 2:
        return text[0] + MASK
    return text[0] + MASK * (len(text) - 2) + text[-1]


def mask_names(names: pd.Series) -> pd.Series:
    """:func:`mask_name` of every value, vectorised; blanks give ``""``.

    >>> mask_names(pd.Series(["王小明", None, "李四"])).tolist()
    ['王*明', '', '李*']
    """
    text = names.astype(TEXT_DTYPE).str.replace(_NOT_LETTERS, "", regex=True).fillna("")
    n = text.str.len().to_numpy()
    stars = pd.Series(MASK, index=text.index).str.repeat(
        (n - 2).clip(min=0) + (n == 2) + (n == 1)
    )
    head = text.str[:1].where(n >= 2, "")
    tail = text.str[-1:].where(n >= 3, "")
    return (head + stars + tail).astype(object).rename(names.name)


def mask_id_number(number: object) -> str:
    """An identity number with all but its first 6 and last 4 characters masked.

    18-digit numbers keep the region code and the last four
    (``110101********1234``). Numbers of 10 characters or fewer would show
    whole that way and are masked entirely; a blank gives ``""``.

    >>> mask_id_number("110101199003071234")
    '110101********1234'
    >>> mask_id_number("E1234567"), mask_id_number(None)
    ('********', '')
    """
    if _blank(number):
        return ""
    text = str(number).strip()
    if len(text) <= 10:
        return MASK * len(text)
    return text[:6] + MASK * (len(text) - 10) + text[-4:]


def masked(column: str, value: object) -> object:
    """``value`` of ``column`` as a message may quote it: masked when the column holds personal data.

    Identity numbers go through :func:`mask_id_number`, the other personal
    columns (names) through :func:`mask_name`; any other value is returned as it is.

    >>> masked("head_name", "王\x0b小明"), masked("id_number", "11010119900307123X"), masked("size", "abc")
    ('王*明', '110101********123X', 'abc')
    """
    if column not in PERSONAL_COLUMNS or _blank(value):
        return value
    return mask_id_number(value) if column == "id_number" else mask_name(value)


def drop_personal(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` without the personal-data columns (``columns.PERSONAL_COLUMNS``).

    >>> drop_personal(pd.DataFrame({"household_id": ["1"], "head_name": ["王小明"]})).columns.tolist()
    ['household_id']
    """
    return df.drop(columns=[c for c in df.columns if c in PERSONAL_COLUMNS])


def mask_personal(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with names and identity numbers masked in place of the originals.

    ``head_name`` and ``name`` go through :func:`mask_names`, ``id_number``
    through :func:`mask_id_number`; other columns are unchanged.

    >>> mask_personal(pd.DataFrame({"head_name": ["王小明"], "size": [3]})).to_dict("list")
    {'head_name': ['王*明'], 'size': [3]}
    """
    masked = {c: mask_names(df[c]) for c in ("head_name", "name") if c in df}
    if "id_number" in df:
        masked["id_number"] = df["id_number"].map(mask_id_number, na_action=None).astype(object)
    return df.assign(**masked)
