"""The figures' parameters read and checked in one place, as papermill and fupin run pass them."""

from __future__ import annotations


import pytest

from fupin.errors import ParameterError, UsageError
from fupin.parameters import default_bands, parse_numbers, report_parameters
from fupin.runner import RunParameters


@pytest.mark.parametrize("text", ["[4000,4500]", "[4000, 4500]", "4000,4500", " 4000，4500 ", "4000、4500",
                                  "(4000, 4500)", ["4000", 4500], (4000.0, 4500.0)])
def test_band_lists_as_text_or_lists(text):
    assert report_parameters(year=2018, bands=text).bands == (4000.0, 4500.0)


def test_bands_not_given_follow_the_line():
    for given in (None, "", [], ()):
        p = report_parameters(year=2018, poverty_line=4000, bands=given)
        assert p.bands == (4000.0, 4500.0) and p.bands_follow_line
    assert report_parameters(year=2018).bands == (3500.0, 4000.0)
    p = report_parameters(year=2018, poverty_line="4100.5", bands=[3000, 3500])
    assert p.bands == (3000.0, 3500.0) and not p.bands_follow_line and p.poverty_line == 4100.5


def test_text_values_as_papermill_r_passes_them():
    p = report_parameters(year="2018", poverty_line="3600", growth="0.05", village_threshold="0.03",
                          monitoring_line="{2019: 5250, 2020: 6000}", income_drop_share="0.25")
    assert (p.year, p.poverty_line, p.growth, p.village_threshold, p.income_drop_share) == (2018, 3600.0, 0.05, 0.03, 0.25)
    assert p.monitoring_line == {2019: 5250.0, 2020: 6000.0}
    assert report_parameters(year=2018, monitoring_line="None").monitoring_line is None
    assert report_parameters(year=2018, monitoring_line="5000").monitoring_line == 5000.0
    assert p.metrics_kwargs()["bands"] == [3600.0, 4100.0]


def test_every_problem_at_once_naming_the_values():
    with pytest.raises(ParameterError) as caught:
        report_parameters(year="2018.5", poverty_line=-1, bands="4000,abc", growth=2, village_threshold=0,
                          monitoring_line="{2025: 1}", income_drop_share=True)
    err = caught.value
    assert isinstance(err, UsageError) and isinstance(err, ValueError)
    assert err.problems == [
        "year='2018.5'：年度应为1980到2100之间的整数",
        "poverty_line=-1：贫困线应为正数且小于1,000,000（元/人·年）",
        "bands='4000,abc'：收入分组边界应严格升序（数字，如 [3500, 4000]）",
        "growth=2：年增长率应在 -1 到 1 之间（如 0.05 表示 5%）",
        "village_threshold=0：阈值应为0到1之间的比例（不小于0.0001，如 0.02）",
        "income_drop_share=True：应为0到1之间的比例（不小于0.0001，如 0.3）",
    ]  # the monitoring table is only checked against a valid year and line


@pytest.mark.parametrize("bands", ["4500,4000", "3500,3500", "[", [True, 2]])
def test_bands_must_be_strictly_ascending_numbers(bands):
    with pytest.raises(ParameterError, match="收入分组边界应严格升序"):
        report_parameters(year=2018, bands=bands)


def test_monitoring_line_table_without_a_usable_year():
    with pytest.raises(ParameterError, match="monitoring_line='{2025: 1}'：应为正数或按年度的表"):
        report_parameters(year=2018, monitoring_line="{2025: 1}")


def test_fupin_run_uses_the_same_checks_and_names_its_options():
    with pytest.raises(UsageError) as caught:
        RunParameters(year=2018, poverty_line=-1, bands=(4000.0, 3500.0), extra={"income_drop_share": 1.5}).check()
    assert str(caught.value) == (
        "参数有误：--poverty-line -1：贫困线应为正数且小于1,000,000（元/人·年）；"
        "--bands 4000,3500：收入分组边界应严格升序（数字，如 [3500, 4000]）；"
        "-p income_drop_share=1.5：应为0到1之间的比例（不小于0.0001，如 0.3）"
    )
    run = RunParameters(year=2018, poverty_line=4000)
    assert run.used_bands == default_bands(4000) == (4000.0, 4500.0)
    assert run.notebook_parameters("990101001", "d")["bands"] == [4000.0, 4500.0]
    assert run.metrics_kwargs()["bands"] == (4000.0, 4500.0)


def test_parse_numbers_refuses_what_is_not_a_number():
    for bad in ("abc", None, True, {"a": 1}):
        with pytest.raises(ValueError):
            parse_numbers(bad)


def test_collective_economy_and_industry_parameters_are_read_and_checked_here_too():
    p = report_parameters(year=2018, collective_income_line="60000", collective_income_exit="true",
                          industry_coverage_line="0.9")
    assert (p.collective_income_line, p.collective_income_exit, p.industry_coverage_line) == (60000.0, True, 0.9)
    assert p.metrics_kwargs()["collective_income_exit"] is True
    with pytest.raises(ParameterError) as caught:
        report_parameters(year=2018, collective_income_line=-1, collective_income_exit="maybe", industry_coverage_line=0)
    assert caught.value.problems == [
        "collective_income_line=-1：村集体经济收入标准应为不小于0的金额（元，小于1,000,000,000，如 50000）",
        "collective_income_exit='maybe'：应为 true 或 false",
        "industry_coverage_line=0：产业帮扶覆盖率标准应为0到1之间的比例（不小于0.0001，如 0.8）",
    ]
