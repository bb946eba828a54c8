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
    area = c.area(key)
    assert area.whole and not c.whole and area.villages is c.villages and area.households is c.households


def test_area_of_a_township_and_of_an_unknown_one():
    c = three_townships()
    assert c.area("双河乡").villages["village_id"].tolist() == ["D1"]
    with pytest.raises(UnknownTownshipError, match="990101099"):
        c.area(990101099)


def test_area_without_villages_is_refused():
    with pytest.raises(EmptyAreaError, match="全县没有村的数据"):
        fx.county().area(None)




def county_with_people():
    return fx.county(
        fx.villages({"village_id": "A1", "township_id": "0012", "township_name": "河口乡", "village_name": "花铺村"},
                    {"village_id": "B1", "township_id": "0020", "township_name": "城关镇"}),
        fx.households({"household_id": "H1", "village_id": "A1", "size": 3, "head_name": "王小明",
                       "id_number": "110101199003071234"},
                      {"household_id": "H2", "village_id": "B1", "size": 2, "head_name": "李四"}),
    )


def test_a_county_and_a_township_display_short_without_any_table_or_personal_data():
    county = county_with_people()
    shown = [repr(county), county._repr_html_(), repr(county.township("河口乡")), county.township("河口乡")._repr_html_()]
    for text in shown:
        assert "王小明" not in text and "1101011990" not in text and "李四" not in text
        assert "household_id" not in text and len(text) < 400
    assert shown[0].splitlines() == ["County 测试县：2个乡镇，2个村，2户5人，收入记录0条，帮扶干部0人",
                                     "乡镇：0012 河口乡、0020 城关镇"]
    assert shown[2].splitlines() == ["County 测试县 河口乡：1个乡镇，1个村，1户3人，收入记录0条，帮扶干部0人", "村：花铺村"]
    assert shown[3].startswith("<div><b>County 测试县 河口乡：") and "<br>村：花铺村</div>" in shown[3]


def test_the_html_summary_escapes_names_from_the_data():
    county = fx.county(fx.villages({"village_id": "A1", "village_name": "<script>x</script>"}))
    assert "<script>" not in county._repr_html_() and "&lt;script&gt;" in county._repr_html_()


def test_run_takes_townships_by_id_or_name_and_lists_every_unknown_one_with_the_choices():
    from fupin.batch.runner import township_ids

    county = three_townships()
    assert township_ids(county, ["河口乡", "0040", "双河乡"]) == ["0012", "0040", "0040"]
    with pytest.raises(UsageError) as err:
        township_ids(county, ["城关镇", "河口"])
    lines = str(err.value).splitlines()
    assert lines[0] == "--township 有多个乡镇名为「城关镇」，请用乡镇代码指定：0020 城关镇、0030 城关镇"
    assert lines[1].startswith("--township 数据中没有乡镇「河口」") and "可选：0012 河口乡、0020 城关镇" in lines[1]


def test_a_village_by_id_or_name_and_a_wrong_name_fails_loudly():
    from fupin.core.errors import UnknownVillageError

    county = county_with_people()
    assert county.village("花铺村").households["household_id"].tolist() == ["H1"]
    assert county.village("B1").villages["village_name"].tolist() == ["村B1"]
    with pytest.raises(UnknownVillageError) as err:
        county.township("河口乡").village("花铺")
    assert isinstance(err.value, KeyError)
    assert str(err.value) == ("数据中没有村「花铺」（村代码或村名称须与村表完全一致）。相近的有：A1 花铺村。"
                              "可选：A1 花铺村")


def test_an_area_names_its_county_and_its_township():
    county = county_with_people()
    town = county.township("0012")
    assert (town.county_name, town.township_name) == ("测试县", "河口乡")
    assert (county.county_name, county.township_name) == ("测试县", "")  # two townships: no one name


def test_a_village_slice_keeps_only_its_own_registry_and_incomes(tmp_path):
    """County.village cuts every table as County.township does: the registry's households of the
    village (and their incomes), not the whole county's."""
    import fixtures_data as fd
    from fupin.io.loading import load

    county = load(fd.write_csv_folder(tmp_path / "data", fd.county_tables(registry=True)))
    vid = str(county.monitored["village_id"].iloc[0])
    village = county.village(vid)
    assert set(village.monitored["village_id"]) == {vid}
    assert len(village.monitored) == int((county.monitored["village_id"] == vid).sum()) < len(county.monitored)
    owners = set(village.households["household_id"]) | set(village.monitored["household_id"])
    assert set(village.incomes["household_id"]) <= owners
