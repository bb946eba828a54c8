"""The bundled sample county: it reproduces the seed report and is reproducible itself."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from fupin.core.contract import ATTRIBUTES, BUSINESS_COST, CAUSES, INCOME_COMPONENTS, TABLES
from fupin.core.config import REFERENCE_TOWNSHIP_ID, SAMPLE_DIR, SAMPLE_ROSTER, SAMPLE_WORKBOOK
from fupin.core.county import County
from fupin.cli import main
from fupin.sample.generate import SAMPLE_TITLES
from fupin import load  # the loader (module fupin.io.loading)
from fupin.figures.analysis import analyse

#: The tables of the 2018 sample: no monitoring registry, which came after 2020.
SAMPLE_TABLES = [name for name in TABLES if name != "monitored"]


@pytest.fixture(scope="module")
def sample() -> County:
    return load(SAMPLE_DIR)


@pytest.fixture(scope="module")
def seed(sample: County) -> dict:
    """metrics.json of the reference township with the seed report's parameters."""
    return analyse(sample.township(REFERENCE_TOWNSHIP_ID), year=2018, poverty_line=3500, bands=(3500, 4000), growth=0.0, village_threshold=0.02).metrics


def test_reference_township_is_chengguan(seed):
    assert seed["township_id"] == REFERENCE_TOWNSHIP_ID
    assert seed["township_name"] == "城关镇"
    assert (seed["year"], seed["target_year"]) == (2018, 2019)


def test_villages(seed):
    assert seed["villages"] == {
        "total": 20, "poor": 5, "deep_poor": 0, "poor_exited": 1, "poor_remaining": 4,
    }


def test_households_and_people(seed):
    assert seed["registered"] == {"households": 820, "people": 1872}
    assert seed["exited"] == {"households": 405, "people": 948}
    assert seed["remaining"] == {"households": 415, "people": 924}
    assert seed["population"] == 28600


def test_incidence(seed):
    assert seed["incidence"] == pytest.approx(924 / 28600)
    assert round(seed["incidence"], 4) == 0.0323


def test_projection(seed):
    projection = seed["projection"]
    assert projection["exits"] == {"households": 252, "people": 566}
    assert projection["remaining"] == {"households": 163, "people": 358}
    assert projection["incidence"] == pytest.approx(358 / 28600)
    assert round(projection["incidence"], 4) == 0.0125


def test_income_bands(seed):
    bands = [(b["band"], b["lower"], b["upper"], b["households"], b["people"]) for b in seed["income_bands"]]
    assert bands == [
        ("<3500", None, 3500, 163, 358),
        ("3500–4000", 3500, 4000, 252, 566),
        (">=4000", 4000, None, 405, 948),
    ]  # and no unknown band


def test_village_exits(seed):
    projection = seed["projection"]
    assert len(projection["villages_exiting"]) == 1
    blocked = projection["villages_blocked"]
    assert len(blocked) == 3
    assert sorted(blocked.values()) == [["incidence"], ["venue_ok"], ["venue_ok"]]
    assert set(blocked).isdisjoint(projection["villages_exiting"])


def test_cadres_and_unsafe_houses(seed):
    assert seed["cadres"] == 150
    assert seed["unsafe_houses_outside_program"]["households"] == 20


def test_every_reason_not_to_exit_appears(seed):
    reasons = seed["projection"]["reasons"]
    assert reasons["income_short"]["households"] == 163
    assert reasons["income_unknown"]["households"] == 0
    for guarantee in ("food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok"):
        assert reasons[guarantee]["households"] > 0, guarantee


def test_reference_township_has_returned_households_and_all_income_forms(sample):
    ref = sample.township(REFERENCE_TOWNSHIP_ID)
    h, i = ref.households, ref.incomes
    assert h["returned_year"].notna().sum() > 0
    target = i[i["year"] == 2019]
    assert target["is_estimate"].any() and (~target["is_estimate"]).any()
    assert (~h["household_id"].isin(target["household_id"])).any()  # carried forward
    assert h["household_id"].isin(i["household_id"]).all()  # no unknown income


def test_reference_township_names_its_weak_economies_and_low_industry_coverage(seed):
    from fupin.report import narrative

    names = {v["village_id"]: v["village_name"] for v in seed["villages_table"]}
    ce = seed["collective_economy"]
    assert (ce["line"], ce["weak"], ce["unknown"]) == (50000, {"poor": 4, "non_poor": 1}, 1)
    assert [names[v] for v in ce["weak_villages"]] == ["花铺村", "陈家桥村", "孙家坪村", "高家山村", "何家岭村"]
    assert [names[v] for v in ce["unknown_villages"]] == ["南塘村"]
    income = {v["village_name"]: v["collective_income"] for v in seed["villages_table"]}
    assert income["黄家营村"] == 50000.0  # a poor village exactly on the line: not weak
    ic = seed["industry_coverage"]
    assert (ic["known"], ic["covered"]) == ({"households": 400, "people": 888}, {"households": 356, "people": 792})
    assert ic["share"] == 356 / 400 and ic["unknown"] == {"households": 15, "people": 36}
    assert [names[v] for v in ic["below_villages"]] == ["花铺村", "吴家寨村", "沙坝村", "胡家店村", "高家山村"]
    problems = [text for _, text, _ in narrative.problem_items(seed)]  # without the next steps
    assert problems[:2] == [
        "乡村集体经济较弱。全镇有5个村的集体经济收入低于5万元（花铺村、陈家桥村、孙家坪村、高家山村、何家岭村），"
        "其中贫困村4个；此外还有1个村未填报村集体经济收入。",
        "脱贫产业支撑不足，产业覆盖不够全面。全镇未脱贫户产业帮扶覆盖率为89%（356户/400户），"
        "有5个村覆盖率低于80%（花铺村、吴家寨村、沙坝村、胡家店村、高家山村）。",
    ]
    assert problems[2] == "危房改造尚有缺口。全镇尚有20户贫困户的危房没有纳入危房改造。"  # the seed's 三是 follows


def test_sample_has_no_consistency_warnings_in_the_reference_township(seed):
    assert seed.get("warnings", []) == []


def test_sample_shape_and_variety(sample):
    townships = sample.townships()
    assert len(townships) >= 6 and REFERENCE_TOWNSHIP_ID in set(townships["township_id"])
    assert sample.name == "示例县"
    assert 2000 <= len(sample.households) <= 6000
    v, h, i = sample.villages, sample.households, sample.incomes
    assert v["is_deep_poor_village"].any()
    assert set(h["attribute"]) == set(ATTRIBUTES) and set(h["main_cause"].dropna()) == set(CAUSES)
    unknown = ~h["household_id"].isin(i["household_id"])
    by_township = unknown.groupby(h["village_id"].str[:9]).sum()
    assert (by_township > 0).sum() >= 2  # some townships show an unknown band
    remaining = h["exit_year"].isna() | h["returned_year"].notna()
    assert (remaining & ~h["housing_ok"]).any() and (remaining & ~h["medical_ok"]).any()
    assert (h["house_risk_grade"].notna() & (h["in_renovation_program"] == False)).any()  # noqa: E712


def test_workbook_loads_to_the_same_frames(sample):
    book = load(SAMPLE_WORKBOOK)
    assert book.monitored is None
    for name in SAMPLE_TABLES:
        pd.testing.assert_frame_equal(getattr(book, name), getattr(sample, name))


def test_workbook_looks_like_an_office_export():
    wb = load_workbook(SAMPLE_WORKBOOK, read_only=True)
    assert wb.sheetnames == ["户表", "收入表", "村表", "帮扶干部表"]
    for name in SAMPLE_TABLES:
        sheet = wb[TABLES[name].label]
        title, header, first = (next(sheet.iter_rows(min_row=r, max_row=r)) for r in (1, 2, 3))
        assert title[0].value == SAMPLE_TITLES[name]
        # the sample states no status and no income components
        stated = [c.label for c in TABLES[name].columns if c.name not in ("exit_status", *INCOME_COMPONENTS, BUSINESS_COST)]
        assert [c.value for c in header] == stated
        assert first[0].data_type == "s" and first[0].number_format == "@"  # ids are text
    assert SAMPLE_TITLES["households"] == "示例县建档立卡贫困户信息表（2018年底）"
    wb.close()


def test_sample_is_reproducible(tmp_path):
    """`fupin sample DIR` (write_sample) rewrites the checked-in files exactly."""
    assert main(["sample", str(tmp_path)]) == 0
    for name in SAMPLE_TABLES:
        fresh = (tmp_path / "sample" / f"{name}.csv").read_bytes()
        assert fresh == (SAMPLE_DIR / f"{name}.csv").read_bytes(), f"{name}.csv: run `fupin sample`"
    for name in TABLES:
        fresh = (tmp_path / "sample_2021" / f"{name}.csv").read_bytes()
        assert fresh == (SAMPLE_DIR.parent / "sample_2021" / f"{name}.csv").read_bytes(), f"sample_2021/{name}.csv"
    for name, kept_path in (("sample.xlsx", SAMPLE_WORKBOOK), ("sample_roster.xlsx", SAMPLE_ROSTER)):
        fresh, kept = (_workbook_parts(p) for p in (tmp_path / name, kept_path))
        assert fresh == kept, f"{name}: run `fupin sample`"
    # byte for byte, timestamps included: `fupin sample` leaves `git status` clean
    assert (tmp_path / "sample.xlsx").read_bytes() == SAMPLE_WORKBOOK.read_bytes()


def _workbook_parts(path: Path) -> dict[str, bytes]:
    """The workbook's zip members except the timestamps in docProps/core.xml."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}
