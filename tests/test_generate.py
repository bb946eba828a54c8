"""The synthetic county generator: deterministic, exact sizes, contract columns, loadable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fupin.core.contract import ATTRIBUTES, CAUSES, TABLES, TEXT_DTYPE, contract_dtype
from fupin.core.config import REFERENCE_TOWNSHIP_ID
from fupin.core.errors import UsageError
from fupin.sample.generate import generate_county, write_county
from fupin import load  # the loader (module fupin.io.loading)

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


@pytest.fixture(scope="module")
def county() -> dict[str, pd.DataFrame]:
    return generate_county(8, 6000, seed=11)


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_same_seed_same_county(county):
    _assert_same(county, generate_county(8, 6000, seed=11))


def test_other_seed_other_county(county):
    other = generate_county(8, 6000, seed=12)
    assert not county["households"].equals(other["households"])


@pytest.mark.parametrize(
    ("townships", "households", "reference"),
    [(1, 1, False), (3, 10, False), (6, 5000, False), (1, 820, True), (4, 823, True), (7, 4000, True)],
)
def test_household_count_is_exact(townships, households, reference):
    frames = generate_county(townships, households, seed=3, reference=reference)
    assert len(frames["households"]) == households
    assert frames["villages"]["township_id"].nunique() == townships


@pytest.mark.parametrize(
    ("townships", "households", "reference"), [(0, 10, False), (5, 4, False), (2, 820, True), (1, 821, True)]
)
def test_impossible_sizes_are_refused(townships, households, reference):
    with pytest.raises(UsageError):
        generate_county(townships, households, seed=0, reference=reference)


def test_contract_columns_and_dtypes(county):
    for name, table in TABLES.items():
        frame = county[name]
        present = [c for c in table.columns if not c.omit_if_absent or c.name in frame]  # exit_status: not generated
        assert list(frame.columns) == [c.name for c in present]
        for column in present:
            assert frame[column.name].dtype == contract_dtype(column), column.name


def test_dtypes_follow_county_docstring():
    dtypes = {c.name: contract_dtype(c) for t in TABLES.values() for c in t.columns}
    assert dtypes["household_id"] == TEXT_DTYPE and TEXT_DTYPE.storage == "python"
    assert TEXT_DTYPE.na_value is pd.NA
    assert dtypes["size"] == dtypes["year"] == dtypes["population"] == "int64"
    assert dtypes["exit_year"] == dtypes["returned_year"] == dtypes["village_exit_year"] == "Int64"
    assert dtypes["per_capita_income"] == dtypes["collective_income"] == "float64"
    assert dtypes["housing_ok"] == dtypes["is_poor_village"] == dtypes["is_estimate"] == "bool"
    assert dtypes["in_renovation_program"] == "boolean"


def test_ids_are_nested_unique_and_well_formed(county):
    v, h, c = county["villages"], county["households"], county["cadres"]
    assert v["township_id"].str.fullmatch(r"\d{9}").all()
    assert v["village_id"].str.fullmatch(r"\d{12}").all() and v["village_id"].is_unique
    assert (v["village_id"].str[:9] == v["township_id"]).all()
    assert h["household_id"].str.fullmatch(r"\d{16}").all() and h["household_id"].is_unique
    assert (h["household_id"].str[:12] == h["village_id"]).all()
    assert c["cadre_id"].is_unique
    assert v.groupby("township_id")["village_name"].agg(lambda s: s.is_unique).all()


def test_id_numbers_have_valid_check_digits(county):
    ids = county["households"]["id_number"]
    assert ids.str.fullmatch(r"99\d{15}[\dX]").all()  # area code 99....: no such province
    check = [
        "10X98765432"[sum(int(d) * w for d, w in zip(x[:17], ID_WEIGHTS)) % 11] for x in ids
    ]
    assert (ids.str[17] == pd.Series(check, index=ids.index)).all()


def test_names_are_chinese(county):
    for names in (county["households"]["head_name"], county["cadres"]["name"]):
        assert names.str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()


def test_tables_refer_to_each_other(county):
    v, h, i, c = (county[n] for n in ("villages", "households", "incomes", "cadres"))
    assert h["village_id"].isin(v["village_id"]).all()
    assert i["household_id"].isin(h["household_id"]).all()
    assert not i.duplicated(["household_id", "year"]).any()
    assert h["cadre_id"].notna().all() and h["cadre_id"].isin(c["cadre_id"]).all()
    assert c["cadre_id"].isin(h["cadre_id"]).all()  # every cadre helps someone
    assert h.groupby("cadre_id").size().mean() > 3  # and most help several


def test_statuses_follow_the_rules(county):
    h = county["households"]
    assert h["registered_year"].between(2014, 2018).all()
    assert h["size"].between(1, 30).all()
    exited = h["exit_year"].notna()
    assert (h.loc[exited, "exit_year"] >= h.loc[exited, "registered_year"]).all()
    assert h.loc[exited, "exit_year"].between(2015, 2018).all()
    returned = h["returned_year"].notna()
    assert returned.any() and (h.loc[returned, "returned_year"] > h.loc[returned, "exit_year"]).all()
    graded = h["house_risk_grade"].notna()
    assert h["house_risk_grade"].dropna().isin(["C", "D"]).all()
    assert (h["in_renovation_program"].notna() == graded).all()
    assert set(h["attribute"]) == set(ATTRIBUTES) and set(h["main_cause"].dropna()) == set(CAUSES)


def test_incomes_cover_the_years_and_mark_estimates(county):
    i, h = county["incomes"], county["households"]
    assert set(i["year"]) == set(range(2014, 2020))
    assert (i["per_capita_income"] >= 0).all()
    assert not i.loc[i["year"] <= 2018, "is_estimate"].any()
    assert i.loc[i["year"] == 2019, "is_estimate"].mean() > 0.5
    assert (~h["household_id"].isin(i["household_id"])).any()  # some incomes unknown


def test_villages_vary(county):
    v = county["villages"]
    per_township = v.groupby("township_id").size()
    assert per_township.between(15, 20).all()
    assert 0.15 < v["is_poor_village"].mean() < 0.4
    assert not (v["is_deep_poor_village"] & ~v["is_poor_village"]).any()
    assert v["village_exit_year"].notna().sum() > 0
    assert v.loc[v["village_exit_year"].notna(), "is_poor_village"].all()
    assert (~v["venue_ok"]).any() and (~v["road_ok"]).any()
    assert (v["population"] > 0).all()


def test_incidence_is_a_few_percent(county):
    v, h = county["villages"], county["households"]
    remaining = h["exit_year"].isna() | h["returned_year"].notna()
    rate = h.loc[remaining, "size"].sum() / v["population"].sum()
    assert 0.01 < rate < 0.08


def test_reference_township_does_not_depend_on_the_seed():
    a = generate_county(2, 900, seed=1, reference=True)
    b = generate_county(3, 1000, seed=2, reference=True)
    va, vb = (f["villages"] for f in (a, b))
    assert va["township_id"].iloc[0] == REFERENCE_TOWNSHIP_ID
    assert va["township_name"].iloc[0] == "城关镇"
    ref = va["township_id"] == REFERENCE_TOWNSHIP_ID
    pd.testing.assert_frame_equal(va[ref], vb[vb["township_id"] == REFERENCE_TOWNSHIP_ID])
    ha, hb = (f["households"] for f in (a, b))
    pd.testing.assert_frame_equal(ha.iloc[:820], hb.iloc[:820])
    assert (ha["village_id"].iloc[:820].str[:9] == REFERENCE_TOWNSHIP_ID).all()


def test_written_county_loads_to_the_same_frames(tmp_path):
    """10,000 households through CSV (Chinese headers, BOM) and the real loader."""
    frames = generate_county(10, 10_000, seed=5)
    paths = write_county(tmp_path, townships=10, households=10_000, seed=5)
    assert sorted(p.name for p in paths) == sorted(f"{n}.csv" for n in TABLES)
    head = (tmp_path / "households.csv").read_bytes()[:40]
    assert head.startswith(b"\xef\xbb\xbf" + "户编号".encode("utf-8"))
    county = load(tmp_path)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(county, name), frames[name])


@pytest.mark.parametrize(("fmt", "headers"), [("parquet", "zh"), ("parquet", "en"), ("csv", "en"), ("xlsx", "zh")])
def test_every_format_loads(tmp_path, fmt, headers):
    frames = generate_county(2, 300, seed=9)
    write_county(tmp_path, townships=2, households=300, seed=9, fmt=fmt, headers=headers)
    county = load(tmp_path)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(county, name), frames[name])


def test_does_not_mix_formats_in_one_folder(tmp_path):
    write_county(tmp_path, townships=1, households=10, seed=0)
    with pytest.raises(UsageError):
        write_county(tmp_path, townships=1, households=10, seed=0, fmt="parquet")


def test_generate_command(tmp_path, capsys):
    from fupin.cli import main

    status = main(["generate", str(tmp_path / "out"), "--townships", "2", "--households", "50"])
    assert status == 0
    assert len(load(tmp_path / "out").households) == 50
    written = capsys.readouterr().out.split()
    assert sorted(Path(w).name for w in written) == ["cadres.csv", "households.csv", "incomes.csv", "villages.csv"]
