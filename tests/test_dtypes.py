"""One text and missing-value representation for contract columns, under pandas 2.2+ and 3.x.

Every id, text and enum column is :data:`fupin.core.contract.TEXT_DTYPE`
(Python-backed strings, ``pd.NA`` when missing), whatever pandas' own
default string dtype is. These tests pin down what the rest of the library
relies on: enum checks, masks, ``isna``, grouping and the Parquet round trip
of a prepared township.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import fixtures_data as fd
import metrics_fixtures as fx
from fupin.core.contract import CHECK_DTYPES, TABLES, TEXT_DTYPE, contract_dtype
from fupin.core.county import County
from fupin.io.loading import load
from fupin.batch.prepare import prepare


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> County:
    return load(fd.write_csv_folder(tmp_path_factory.mktemp("county"), fd.county_tables()))


def test_text_dtype_is_stated_once_and_spelled_out() -> None:
    assert TEXT_DTYPE.storage == "python" and TEXT_DTYPE.na_value is pd.NA
    kinds = {c.kind for t in TABLES.values() for c in t.columns}
    assert {k for k in kinds if CHECK_DTYPES[k] is TEXT_DTYPE} == {"id", "text", "enum"}
    assert all(contract_dtype(c) is TEXT_DTYPE for t in TABLES.values() for c in t.columns
               if c.kind in ("id", "text", "enum"))


def test_hand_made_tables_of_the_tests_have_the_dtypes_of_a_loaded_county(county: County) -> None:
    """metrics_fixtures reads the dtypes from the contract; is_poor_village is ``bool`` as loaded."""
    made = fx.county(fx.villages({"village_id": "V1"}), fx.households({"household_id": "H1", "village_id": "V1"}),
                     fx.incomes({"household_id": "H1", "year": 2018, "per_capita_income": 3000.0}),
                     fx.cadres({"cadre_id": "C1"}))
    for name in ("villages", "households", "incomes", "cadres"):
        loaded = getattr(county, name)
        assert getattr(made, name).dtypes.to_dict() == loaded.dtypes.to_dict(), name
    assert made.villages["is_poor_village"].dtype == "bool"


def test_every_text_column_of_a_loaded_county_is_the_text_dtype(county: County) -> None:
    for name, table in TABLES.items():
        frame = getattr(county, name)
        for column in table.columns:
            if column.kind in ("id", "text", "enum") and column.name in frame:
                assert frame[column.name].dtype == TEXT_DTYPE, (name, column.name)
                assert frame[column.name].dtype.storage == "python", (name, column.name)


def test_missing_text_is_pd_na_and_masks_are_three_valued(county: County) -> None:
    grade = county.households["house_risk_grade"]
    assert grade.tolist() == [pd.NA, "C", pd.NA, "D"]
    assert grade.iloc[0] is pd.NA
    assert grade.isna().tolist() == [True, False, True, False]
    equal = grade == "C"
    assert equal.dtype == "boolean" and equal.tolist() == [pd.NA, True, pd.NA, False]
    assert equal.fillna(False).tolist() == [False, True, False, False]
    assert grade.isin(["C", "D"]).tolist() == [False, True, False, True]
    assert county.households["cadre_id"].str.startswith("C").tolist() == [True, True, True, True]


def test_grouping_by_text_skips_missing_and_counts_exactly(county: County) -> None:
    h = county.households
    assert h.groupby("house_risk_grade").size().to_dict() == {"C": 1, "D": 1}
    assert h.groupby("house_risk_grade", dropna=False).size().tolist() == [1, 1, 2]
    by_village = h.groupby("village_id")["size"].sum()
    assert by_village.to_dict() == {"0101": 5, "0102": 4, "0201": 1}
    assert by_village.index.dtype == TEXT_DTYPE


def test_a_prepared_township_reads_back_with_the_same_dtypes_and_values(
    county: County, tmp_path: Path
) -> None:
    """fupin run's Parquet slices: what the notebook reads equals the county's slice, dtype for dtype."""
    [folder] = prepare(county, tmp_path, ["001"]).values()
    back = load(folder)
    want = county.township("001")
    for name in ("villages", "households", "incomes", "cadres"):
        expected = getattr(want, name)
        got = getattr(back, name)
        assert got.dtypes.to_dict() == expected.dtypes.to_dict(), name
        if name == "households":  # personal data never travels: names masked, ID numbers dropped
            assert got["head_name"].tolist() == ["张*", "李*", "王*"]
            assert got["id_number"].isna().all()
            expected = expected.drop(columns=["head_name", "id_number"])
            got = got.drop(columns=["head_name", "id_number"])
        if name == "cadres":
            expected, got = expected.drop(columns=["name"]), got.drop(columns=["name"])
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_report_tables_align_text_alike_under_either_pandas() -> None:
    """Text aligns left whether pandas holds it as ``object`` (pandas 2), ``str`` (pandas 3) or the contract's dtype."""
    from fupin.report.show import table_html

    frame = pd.DataFrame({
        "村": pd.array(["东风村"], dtype=TEXT_DTYPE),
        "状态": pd.Series(["已出列"], dtype=object),
        "原因": pd.Series(["因病"]),  # pandas' own default for text
        "人口": [3],
    })
    markup = table_html(frame)
    assert [c.split('"')[0] for c in markup.split('<th class="')[1:]] == ["text", "text", "text", "num"]
