"""County.township / County.area: a township by id or exact name, never an empty slice by mistake."""

from __future__ import annotations


import pytest

import metrics_fixtures as fx
from fupin.core.errors import EmptyAreaError, UnknownTownshipError, UsageError


def three_townships():
    return fx.county(fx.villages(
        {"village_id": "A1", "population": 100, "township_id": "0012", "township_name": "河口乡"},
        {"village_id": "B1", "population": 100, "township_id": "0020", "township_name": "城关镇"},
        {"village_id": "C1", "population": 100, "township_id": "0030", "township_name": "城关镇"},
        {"village_id": "D1", "population": 100, "township_id": "0040", "township_name": "双河乡"},
    ))


@pytest.mark.parametrize("key", ["0012", " 0012 ", 12, "河口乡"])
def test_township_by_id_text_number_or_name(key):
    town = three_townships().township(key)
    assert town.villages["village_id"].tolist() == ["A1"]


def test_unknown_id_is_a_key_error_naming_it_the_close_matches_and_the_choices():
    with pytest.raises(KeyError) as caught:
        three_townships().township("0013")
    err = caught.value
    assert isinstance(err, UnknownTownshipError) and isinstance(err, UsageError)
    assert str(err) == (
        "数据中没有乡镇「0013」（乡镇代码或乡镇名称须与村表完全一致）。相近的有：0030 城关镇、0012 河口乡。"
        "可选：0012 河口乡、0020 城关镇、0030 城关镇、0040 双河乡"
    )


def test_unknown_name_lists_close_names():
    with pytest.raises(UnknownTownshipError, match="「河口」.*相近的有：0012 河口乡"):
        three_townships().township("河口")


def test_a_name_two_townships_share_asks_for_the_id():
    with pytest.raises(UnknownTownshipError) as caught:
        three_townships().township("城关镇")
    assert str(caught.value) == "有多个乡镇名为「城关镇」，请用乡镇代码指定：0020 城关镇、0030 城关镇"


@pytest.mark.parametrize("key", [99, 12.0, True, None, ["0012"]])
def test_numbers_that_are_no_id_and_other_types_are_refused(key):
    with pytest.raises(UnknownTownshipError, match="可选：0012 河口乡"):
        three_townships().township(key)


@pytest.mark.parametrize("key", [None, "", "  "])
def test_area_none_or_empty_is_the_whole_county_on_purpose(key):
    c = three_townships()
    assert c.area(key) is c


def test_area_of_a_township_and_of_an_unknown_one():
    c = three_townships()
    assert c.area("双河乡").villages["village_id"].tolist() == ["D1"]
    with pytest.raises(UnknownTownshipError, match="990101099"):
        c.area(990101099)


def test_area_without_villages_is_refused():
    with pytest.raises(EmptyAreaError, match="全县没有村的数据"):
        fx.county().area(None)


