"""Masking and dropping personal data."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from fupin import privacy
from fupin.columns import PERSONAL_COLUMNS
from fupin.privacy import drop_personal, mask_id_number, mask_name, mask_names, mask_personal


def test_doctests():
    assert doctest.testmod(privacy).failed == 0


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
