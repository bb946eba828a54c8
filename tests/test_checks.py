"""Consistency warnings on valid data, and stated figures checked against computed ones."""

from __future__ import annotations


import pytest

import metrics_fixtures as fx
from fupin.figures.checks import WARNING_CODES, check_claims, claim_figures, consistency_warnings
from fupin.figures.analysis import analyse

Y = 2018


def warnings_of(county, **kw) -> dict[str, dict]:
    out = consistency_warnings(county, Y, **kw)
    assert [w["code"] for w in out] == [c for c in WARNING_CODES if c in {w["code"] for w in out}]
    for w in out:
        assert set(w) == {"code", "message", "count"}
        assert isinstance(w["count"], int) and w["count"] > 0
    return {w["code"]: w for w in out}


def village(**kw) -> dict:
    return {"village_id": "V1", "population": 100, **kw}


def hh(hid: str, **kw) -> dict:
    return {"household_id": hid, "village_id": "V1", **kw}


def inc(hid: str, year: int, value: float, **kw) -> dict:
    return {"household_id": hid, "year": year, "per_capita_income": value, **kw}


def test_clean_data_has_no_warnings():
    assert consistency_warnings(fx.reference_county(), Y) == []
    assert consistency_warnings(fx.county(), Y) == []


def test_registered_after_year_is_counted():
    c = fx.county(
        fx.villages(village()),
        fx.households(hh("H1", registered_year=2019, size=3), hh("H2", registered_year=2020)),
    )
    w = warnings_of(c)["registered_after_year"]
    assert w["count"] == 2
    assert w["message"] == "2户（4人）识别年度晚于2018年，未计入2018年底的统计：户H1、H2"


def test_remaining_and_registered_exceed_population():
    c = fx.county(
        fx.villages(village(population=4, village_name="张庄"), village(village_id="V2")),
        fx.households(hh("H1", size=3), hh("H2", size=2, exit_year=2016), hh("H3", size=2),
                      hh("H4", village_id="V2")),
        fx.incomes(inc("H1", 2019, 5000.0), inc("H3", 2019, 5000.0), inc("H4", 2019, 5000.0),
                   inc("H2", 2016, 5000.0)),
    )
    w = warnings_of(c)
    assert set(w) == {"remaining_exceeds_population", "registered_exceeds_population"}
    assert w["remaining_exceeds_population"]["count"] == 1
    assert w["remaining_exceeds_population"]["message"] == (
        "1个村未脱贫人口多于户籍人口：村V1（张庄）：未脱贫人口5人，户籍人口4人"
    )
    assert "建档立卡人口7人" in w["registered_exceeds_population"]["message"]


@pytest.mark.parametrize("left, warned", [(1, False), (2, True), (3, True)])
def test_exited_village_with_incidence_at_or_above_threshold(left, warned):
    c = fx.county(
        fx.villages(village(is_poor_village=True, village_exit_year=2017)),
        fx.households(hh("H1", size=left)),
        fx.incomes(inc("H1", 2019, 5000.0)),
    )
    w = warnings_of(c)
    assert ("exited_village_high_incidence" in w) is warned
    if warned:
        assert w["exited_village_high_incidence"]["message"] == (
            f"1个贫困村已于2018年底前出列，但2018年底贫困发生率仍不低于2.00%：村V1（村V1）：{left}.00%"
        )


def test_exited_village_threshold_is_a_parameter():
    c = fx.county(
        fx.villages(village(is_poor_village=True, village_exit_year=2017)),
        fx.households(hh("H1", size=2)),
        fx.incomes(inc("H1", 2019, 5000.0)),
    )
    assert "exited_village_high_incidence" not in warnings_of(c, village_threshold=0.03)


def test_deep_poor_village_not_poor():
    c = fx.county(fx.villages(village(is_deep_poor_village=True)))
    assert warnings_of(c)["deep_poor_not_poor"]["message"] == "1个村标为深度贫困村却不是贫困村：村V1（村V1）"


def test_exited_household_income_below_line_in_exit_year():
    c = fx.county(
        fx.villages(village(population=1000)),
        fx.households(
            hh("low", exit_year=2016), hh("ok", exit_year=2016), hh("carried", exit_year=2017),
            hh("line", exit_year=2016), hh("nothing", exit_year=2016),
            hh("back", exit_year=2016, returned_year=2017),  # returned: not exited(Y)
        ),
        fx.incomes(
            inc("low", 2016, 3000.0), inc("low", 2018, 9000.0),
            inc("ok", 2015, 1000.0), inc("ok", 2016, 3600.0),
            inc("carried", 2016, 3200.0),
            inc("line", 2016, 3500.0),
            inc("nothing", 2017, 9000.0),
            inc("back", 2016, 100.0),
        ),
    )
    w = warnings_of(c)
    assert w["exited_income_below_line"]["count"] == 2
    assert w["exited_income_below_line"]["message"] == "2户（2人）已脱贫，但脱贫当年人均纯收入低于3500元：户low、carried"
    assert w["exited_income_unknown"]["count"] == 1
    assert w["exited_income_unknown"]["message"].endswith("户nothing")
    # carried forward with growth: 3200 x 1.1 = 3520 >= 3500
    assert warnings_of(c, growth=0.1)["exited_income_below_line"]["count"] == 1
    # per-year lines: 2016 at 2952, 2017 at 3000
    w = warnings_of(c, poverty_lines={2016: 2952.0, 2017: 3000.0})
    assert "exited_income_below_line" not in w


def test_exited_household_with_guarantee_gap():
    c = fx.county(
        fx.villages(village()),
        fx.households(hh("H1", exit_year=2016, housing_ok=False), hh("H2", housing_ok=False)),
        fx.incomes(inc("H1", 2016, 5000.0), inc("H2", 2019, 5000.0)),
    )
    w = warnings_of(c)
    assert w["exited_guarantee_gap"]["count"] == 1
    assert w["exited_guarantee_gap"]["message"].endswith("户H1")


def test_returned_without_exit():
    c = fx.county(
        fx.villages(village()),
        fx.households(hh("H1", returned_year=2017)),
        fx.incomes(inc("H1", 2019, 5000.0)),
    )
    assert warnings_of(c)["returned_without_exit"]["count"] == 1


def test_estimates_in_closed_years():
    c = fx.county(
        fx.villages(village()),
        fx.households(hh("H1"), hh("H2")),
        fx.incomes(
            inc("H1", 2017, 3000.0, is_estimate=True), inc("H1", 2018, 3000.0, is_estimate=True),
            inc("H2", 2019, 5000.0, is_estimate=True),  # the open year: fine
            inc("H1", 2019, 5000.0),
        ),
    )
    w = warnings_of(c)["estimate_in_closed_year"]
    assert w["count"] == 2
    assert w["message"] == "2条2018年及以前（已结账年度）的收入记录标为预计，应为实际收入：户H1"


def test_projection_income_unknown():
    c = fx.county(fx.villages(village()), fx.households(hh("H1"), hh("H2", exit_year=2016)),
                  fx.incomes(inc("H2", 2016, 5000.0)))
    w = warnings_of(c)
    assert set(w) == {"projection_income_unknown"}
    assert w["projection_income_unknown"]["message"] == (
        "1户（1人）未脱贫，且没有2019年及以前的收入记录，无法测算能否脱贫：户H1"
    )


def test_no_cadre_only_when_cadres_are_named():
    rows = [inc("H1", 2019, 5000.0), inc("H2", 2019, 5000.0)]
    without = fx.county(fx.villages(village()), fx.households(hh("H1"), hh("H2")), fx.incomes(*rows))
    assert warnings_of(without) == {}
    some = fx.county(fx.villages(village()), fx.households(hh("H1", cadre_id="c1"), hh("H2")),
                     fx.incomes(*rows))
    assert warnings_of(some)["no_cadre"]["message"] == "1户（1人）未脱贫，且没有帮扶责任人：户H2"


def test_long_lists_are_cut():
    c = fx.county(
        fx.villages(village(population=1000)),
        fx.households(*[hh(f"H{i:02d}", registered_year=2019) for i in range(12)]),
    )
    message = warnings_of(c)["registered_after_year"]["message"]
    assert message.endswith("户H00、H01、H02、H03、H04、H05、H06、H07、H08、H09等12个")


def test_messages_never_name_people():
    c = fx.county(
        fx.villages(village()),
        fx.households(hh("H1", head_name="王小明", id_number="110101199003071234", registered_year=2019,
                         exit_year=2019), hh("H2", head_name="李四")),
    )
    text = str(consistency_warnings(c, Y))
    assert "H1" in text and "王小明" not in text and "李四" not in text and "1101011990" not in text


# --------------------------------------------------------------------------- claims

@pytest.fixture(scope="module")
def reference() -> dict:
    """The reference township's figures, as the library computes them (metrics_fixtures)."""
    return analyse(fx.reference_county(), year=2018).metrics


#: Every figure the seed report states (docs/data.md, "The sample county"), as it states them.
SEED_CLAIMS = {
    "villages_total": 20, "villages_poor": 5, "villages_deep_poor": 0,
    "registered_households": 300, "registered_people": 600, "cadres": 150,
    "villages_poor_exited": 1, "villages_poor_remaining": 4,
    "exited_households": 405, "exited_people": 948,
    "remaining_households": 415, "remaining_people": 924, "incidence": 0.0323,
    "villages_exiting": 5,
    "projected_exits_households": 252, "projected_exits_people": 566, "projected_incidence": 0.0125,
    "band_<3500_households": 163, "band_<3500_people": 358,
    "band_3500–4000_households": 252, "band_3500–4000_people": 566,
    "band_>=4000_households": 405, "band_>=4000_people": 948,
    "unsafe_houses_households": 20,
    "villages_below_threshold": 3, "villages_blocked_by_venue_ok": 2,
}


def test_claim_figures_of_the_reference(reference):
    f = claim_figures(reference)
    assert f["villages_exiting"] == 1 and f["villages_blocked"] == 3
    assert f["villages_blocked_by_venue_ok"] == 2 and f["villages_blocked_by_incidence"] == 1
    assert f["villages_blocked_by_road_ok"] == 0 and f["villages_below_threshold"] == 3
    assert f["band_3500–4000_people"] == 566 and f["unsafe_houses_households"] == 20
    assert f["projected_remaining_people"] == 358


def test_seed_report_contradictions_are_caught(reference):
    found = check_claims(reference, SEED_CLAIMS)
    mismatches = [(c["key"], c["stated"], c["expected"]) for c in found if c["code"] == "claim_mismatch"]
    assert mismatches == [
        ("registered_households", 300, 820),
        ("registered_people", 600, 1872),
        ("villages_exiting", 5, 1),
    ]
    inconsistent = [(c["key"], c["stated"], c["expected"])
                    for c in found if c["code"] == "claim_inconsistent"]
    assert inconsistent == [
        ("registered_households == exited_households + remaining_households", 300, 820),
        ("registered_people == exited_people + remaining_people", 600, 1872),
        ("villages_exiting <= villages_poor_remaining", 5, 4),
        ("villages_exiting <= villages_below_threshold", 5, 3),
        ("registered_households == band_<3500_households + band_3500–4000_households"
         " + band_>=4000_households", 300, 820),
        ("registered_people == band_<3500_people + band_3500–4000_people + band_>=4000_people",
         600, 1872),
    ]
    messages = [c["message"] for c in found]
    assert messages[0] == "材料称建档立卡贫困户数为300，数据计算为820"
    assert messages[2] == "材料称拟出列贫困村数为5，数据计算为1"
    assert messages[3] == (
        "材料自相矛盾：建档立卡贫困户数为300，但已脱贫户数405与未脱贫户数415之和为820"
    )
    assert messages[5] == "材料自相矛盾：拟出列贫困村数为5，但未出列贫困村数为4（应 <= 4）"
    for c in found:
        assert set(c) == {"code", "key", "stated", "expected", "message"}


def test_true_claims_pass_and_rates_agree_at_display_precision(reference):
    claims = {k: v for k, v in SEED_CLAIMS.items()
              if k not in ("registered_households", "registered_people", "villages_exiting")}
    assert check_claims(reference, {**claims, "registered_households": 820,
                                            "registered_people": 1872, "villages_exiting": 1}) == []
    wrong = check_claims(reference, {"incidence": 0.0324})
    assert [(c["code"], c["message"]) for c in wrong] == [
        ("claim_mismatch", "材料称贫困发生率为3.24%，数据计算为3.23%")
    ]


def test_stated_rate_against_stated_counts():
    found = check_claims({}, {"incidence": 0.05, "remaining_people": 924, "population": 28600})
    assert [c["key"] for c in found] == ["incidence = remaining_people / population"]
    assert found[0]["message"] == "材料自相矛盾：贫困发生率为5.00%，但未脱贫人口924÷户籍人口28600为3.23%"


def test_unknown_claim_name(reference):
    with pytest.raises(ValueError, match="nonsense"):
        check_claims(reference, {"nonsense": 1})


def _exits_at_several_lines():
    """Exits in 2015-2018 judged against the line of their exit year; two households remaining."""
    return fx.county(
        fx.villages(village()),
        fx.households(
            hh("A", exit_year=2015), hh("B", exit_year=2016), hh("C", exit_year=2017, size=2),
            hh("D", exit_year=2017), hh("E", exit_year=2018), hh("F", exit_year=2018), hh("G"), hh("H"),
        ),
        fx.incomes(
            inc("A", 2015, 3900.0),  # before the table: L = 4000
            inc("B", 2016, 3100.0),  # L(2016) = 3000
            inc("C", 2017, 2999.99), inc("D", 2017, 3000.0),  # L(2017) = L(2016) = 3000, to the fen
            inc("E", 2018, 3499.99), inc("F", 2018, 3600.0),  # L(2018) = 3500
            inc("G", 2019, 3800.0), inc("H", 2019, 4000.0),  # the projection for 2019 uses L = 4000
        ),
    )


def test_past_exits_are_judged_against_the_line_of_their_year():
    """A what-if line for next year (L = 4000) does not re-judge exits made under the lines of their time."""
    from fupin.figures.analysis import analyse
    from fupin.figures.parameters import report_parameters

    c = _exits_at_several_lines()
    lines = {2016: 3000, 2018: 3500}
    m = analyse(c, year=Y, poverty_line=4000, poverty_lines=lines).metrics
    [below] = [w for w in m["warnings"] if w["code"] == "exited_income_below_line"]
    assert below["count"] == 3
    assert below["message"] == "3户（4人）已脱贫，但脱贫当年人均纯收入低于当年贫困线：户A、C、E"
    assert m["projection"]["exits"] == {"households": 1, "people": 1}  # H only: G's 3,800 is short of L
    assert m["parameters"]["poverty_line"] == 4000 and m["parameters"]["poverty_lines"] == {"2016": 3000, "2018": 3500}
    # the follow-up workbook lists the same households
    a = analyse(c, report_parameters(year=Y, poverty_line=4000, poverty_lines=lines))
    listed = a.frame.loc[a.warning_masks["exited_income_below_line"], "household_id"].tolist()
    assert listed == ["A", "C", "E"]
    from fupin.report.brief import data_notes
    from fupin.report.workbook import analysis_sheets

    about = dict(analysis_sheets(a)["说明"][0].itertuples(index=False))
    assert about["各年贫困线"] == "2016年3,000元/人·年；2018年3,500元/人·年：已脱贫户按脱贫当年的贫困线核查"
    assert ("各年贫困线", "2016年3,000；2018年3,500（元/人·年）：已脱贫户按脱贫当年的贫困线核查") in data_notes(m)
    # without a table every exit is judged against L, as before
    w = warnings_of(c, poverty_line=4000)["exited_income_below_line"]
    assert w["count"] == 6 and w["message"].endswith("低于4000元：户A、B、C、D、E、F")
    assert warnings_of(c, poverty_line=4000, poverty_lines=lines)["exited_income_below_line"]["count"] == 3
