"""Masking and dropping personal data."""

from __future__ import annotations


import pandas as pd
import pytest

from fupin.core.contract import PERSONAL_COLUMNS
from fupin.core.privacy import drop_personal, mask_id_number, mask_name, mask_names, mask_personal


@pytest.mark.parametrize(
    "name, masked",
    [
        ("王小明", "王*明"),
        ("王明", "王*"),
        ("王", "*"),
        ("欧阳小明", "欧**明"),  # compound surnames are not special-cased
        (" 王小明 ", "王*明"),
        ("", ""),
        (None, ""),
        (pd.NA, ""),
        (float("nan"), ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_names_matches_mask_name():
    names = ["王小明", "王明", "王", "欧阳小明", " 李四 ", "", None]
    series = pd.Series(names, dtype="string", name="head_name")
    out = mask_names(series)
    assert out.tolist() == [mask_name(n) for n in names]
    assert out.name == "head_name"
    assert mask_names(pd.Series([], dtype="string")).tolist() == []


@pytest.mark.parametrize(
    "number, masked",
    [
        ("110101199003071234", "110101********1234"),
        ("11010119900307123X", "110101********123X"),
        ("110101900307123", "110101*****7123"),  # old 15-digit numbers
        ("E1234567", "********"),
        (None, ""),
        (pd.NA, ""),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


def test_drop_personal_removes_every_personal_column_and_keeps_input():
    df = pd.DataFrame({c: ["x"] for c in sorted(PERSONAL_COLUMNS)} | {"household_id": ["1"]})
    out = drop_personal(df)
    assert out.columns.tolist() == ["household_id"]
    assert set(PERSONAL_COLUMNS) <= set(df.columns)  # input untouched


def test_mask_personal():
    df = pd.DataFrame(
        {"head_name": ["王小明", None], "id_number": ["110101199003071234", None], "size": [3, 2]}
    )
    out = mask_personal(df)
    assert out.to_dict("list") == {
        "head_name": ["王*明", ""],
        "id_number": ["110101********1234", ""],
        "size": [3, 2],
    }
    assert df.loc[0, "head_name"] == "王小明"


@pytest.mark.parametrize(
    "name, masked",
    [
        # whitespace inside a name (ASCII, full-width, tab, several) is not a letter: 韩梅 is a two-letter name
        ("韩　梅", "韩*"),
        ("韩 冬", "韩*"),
        ("韩\t梅", "韩*"),
        ("　韩　梅　", "韩*"),
        ("王 小 明", "王*明"),
        ("王　小明", "王*明"),
        # invisible characters do not lengthen a name either
        ("韩\u200b梅", "韩*"),
        ("韩\u00a0梅", "韩*"),
        ("韩\ufeff梅", "韩*"),
        ("韩\u202e梅", "韩*"),
        ("韩\x0b梅", "韩*"),
        # one to four letters, compound surnames (only the first character shown)
        ("明", "*"),
        (" 明 ", "*"),
        ("欧阳", "欧*"),
        ("欧阳明", "欧*明"),
        ("欧阳 明", "欧*明"),
        ("司马相如", "司**如"),
        ("司马　相如", "司**如"),
        ("诸葛亮", "诸*亮"),
        ("诸葛 孔明", "诸**明"),
        ("上官婉儿", "上**儿"),
        ("　", ""),
        (" \u3000\t", ""),
    ],
)
def test_mask_name_ignores_whitespace_and_invisible_characters(name, masked):
    assert mask_name(name) == masked
    assert mask_names(pd.Series([name], dtype="string")).tolist() == [masked]


def test_masked_name_never_shows_more_than_first_and_last_letter():
    import random

    rng = random.Random(15)
    spaces = [" ", "\u3000", "\t", "\u200b", "\xa0"]
    letters = "王李张刘陈杨黄赵吴周欧阳司马诸葛小明华丽"
    names = []
    for _ in range(300):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 4)))
        names.append("".join(ch + (rng.choice(spaces) if rng.random() < 0.4 else "") for ch in word))
    for name, masked in zip(names, mask_names(pd.Series(names, dtype="string"))):
        letters_of = [ch for ch in name if ch in letters]
        shown = [ch for ch in masked if ch != "*"]
        assert len(masked) == len(letters_of), (name, masked)
        assert shown == ([letters_of[0]] if len(letters_of) == 2 else
                         [letters_of[0], letters_of[-1]] if len(letters_of) > 2 else []), (name, masked)
        assert masked == mask_name(name)
