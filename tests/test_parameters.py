"""The figures' parameters read and checked in one place, as papermill and fupin run pass them."""

from __future__ import annotations


import pytest

from fupin.core.errors import ParameterError, UsageError
from fupin.figures.parameters import check_injected_names, default_bands, parse_numbers, report_parameters
from fupin.batch.jobs import RunParameters
from fupin.batch.runner import check_parameter_names


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


NUMERIC = ["poverty_line", "growth", "village_threshold", "income_drop_share", "collective_income_line",
           "industry_coverage_line", "monitoring_line"]


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize(("value", "cause"), [(float("nan"), "不是数（NaN）"), (float("inf"), "不能是无穷大"),
                                              ("-inf", "不能是无穷大"), (1e-320, "数值过小（1e-320"),
                                              ("1e-320", "数值过小（1e-320")])
def test_every_number_is_refused_as_nan_infinite_or_subnormal_by_its_real_cause(name, value, cause):
    with pytest.raises(ParameterError) as caught:
        report_parameters(year=2018, **{name: value})
    [problem] = caught.value.problems
    assert problem.startswith(f"{name}=") and cause in problem


def test_a_subnormal_threshold_is_refused_not_an_internal_error():
    """``--village-threshold 1e-320`` was an OverflowError deep in the exact comparison."""
    with pytest.raises(UsageError, match=r"--village-threshold 1e-320：数值过小"):
        RunParameters(year=2018, village_threshold=1e-320).check()
    for tiny in (1e-5, 1e-300):  # normal floats, but below any share that could matter
        with pytest.raises(ParameterError, match="阈值应为0到1之间的比例（不小于0.0001"):
            report_parameters(year=2018, village_threshold=tiny)
    assert report_parameters(year=2018, village_threshold=0.0001).village_threshold == 0.0001


def test_money_parameters_have_a_stated_bound():
    """``--poverty-line 1e20`` was refused as "bands not ascending" (1e20 + 500 == 1e20)."""
    with pytest.raises(ParameterError) as caught:
        report_parameters(year=2018, poverty_line=1e20, collective_income_line=1e12, monitoring_line=2e6)
    assert caught.value.problems == [
        "poverty_line=1e+20：贫困线应为正数且小于1,000,000（元/人·年）",
        "collective_income_line=1000000000000.0：村集体经济收入标准应为不小于0的金额（元，小于1,000,000,000，如 50000）",
        "monitoring_line=2000000.0：应为正数或按年度的表，如 {2019: 5250}（监测收入线应小于1,000,000元/人·年）",
    ]
    with pytest.raises(ParameterError, match=r"bands=\[0, 10000000.0\]：收入分组边界应在 ±1,000,000 元/人·年以内"):
        report_parameters(year=2018, bands=[0, 1e7])
    with pytest.raises(UsageError, match="--poverty-line 1e\\+20：贫困线应为正数且小于1,000,000"):
        RunParameters(year=2018, poverty_line=1e20).check()
    assert report_parameters(year=2018, poverty_line=999_999.99).bands == (999_999.99, 1_000_499.99)


@pytest.mark.parametrize("given", [{2017: 3200, 2016: "3000"}, {"2016": 3000.0, "2017": 3200.0}, "2016:3000,2017:3200",
                                   " 2017：3200，2016：3000 ", "{2016: 3000, 2017: 3200}"])
def test_lines_by_year_in_every_form(given):
    p = report_parameters(year=2018, poverty_line=4000, poverty_lines=given)
    assert p.poverty_lines == {2016: 3000.0, 2017: 3200.0} and list(p.poverty_lines) == [2016, 2017]
    assert [p.line_in(t) for t in (2015, 2016, 2017, 2018, 2019)] == [4000.0, 3000.0, 3200.0, 3200.0, 3200.0]
    assert p.metrics_kwargs()["poverty_lines"] == {2016: 3000.0, 2017: 3200.0}
    assert p.poverty_line == 4000.0 and p.bands == (4000.0, 4500.0)  # the projection's line is L


def test_lines_by_year_national_and_none():
    assert report_parameters(year=2018).poverty_lines is None
    for none in (None, "", "None"):
        assert report_parameters(year=2018, poverty_lines=none).poverty_lines is None
    national = report_parameters(year=2018, poverty_lines="national").poverty_lines
    assert national[2010] == 2300.0 and national[2016] == 2952.0 and national[2020] == 4000.0


@pytest.mark.parametrize(("given", "cause"), [
    ("2016:3000,2016:3100", "2016年出现了两次"),
    ("2016=3000", "应写成 年度:贫困线"),
    ("2016:abc", "不是数字：abc"),
    ("2016.5:3000", "不是整数：2016.5"),
    ([3000], "不是按年度的表"),
    ("{2016: [", "无法读成按年度的表"),
    ("1979:3000", "年度1980到2100"),
    ("2016:0", "贫困线为正数且小于1,000,000"),
    ("2016:1e7", "贫困线为正数且小于1,000,000"),
    ({2016: float("nan")}, "不是数（NaN）"),
])
def test_bad_lines_by_year_name_the_cause(given, cause):
    with pytest.raises(ParameterError) as caught:
        report_parameters(year=2018, poverty_lines=given)
    [problem] = caught.value.problems
    assert problem.startswith("poverty_lines=") and cause in problem


PARAMS_CELL = "year: int = 2018\npoverty_line: float = 3500.0\npoverty_lines: object = None\n"


def test_the_notebook_refuses_a_name_papermill_injected_that_it_does_not_declare():
    with pytest.raises(ParameterError) as caught:
        check_injected_names(["", PARAMS_CELL, "# Parameters\npovrety_line = 4000\nyear = 2019\nbandz = 1\n", "check"])
    assert caught.value.problems == [
        "bandz：报告笔记本的参数单元没有这个参数",
        "povrety_line：报告笔记本的参数单元没有这个参数（是否想写 poverty_line？）",
    ]
    # declared names, and papermill's own --inject-paths names, pass
    check_injected_names(["", PARAMS_CELL, "# Parameters\npoverty_line = 4000\nPAPERMILL_INPUT_PATH = 'a'\n", "check"])


def test_the_name_check_keeps_out_of_an_interactive_session():
    """JupyterLab, top to bottom: no injected cell just before the check, nothing to check; a stale
    injected cell earlier in the session does not count."""
    check_injected_names(["", PARAMS_CELL, "check"])
    check_injected_names(["", PARAMS_CELL, "# Parameters\npovrety_line = 4000\n", "check", PARAMS_CELL, "check"])
    check_injected_names(["check"])
    check_injected_names()  # outside a kernel


def test_fupin_run_names_an_unknown_or_undeclared_parameter():
    declared = {"year", "poverty_line", "bands"}
    with pytest.raises(UsageError, match=r"未知的笔记本参数：povrety_line（是否想写 poverty_line？）"):
        check_parameter_names({"povrety_line": 4000}, declared)
    with pytest.raises(UsageError, match=r"参数 poverty_line 请用对应的命令行选项设置（--poverty-line）"):
        check_parameter_names({"poverty_line": 4000}, declared)
    with pytest.raises(UsageError, match="报告笔记本的参数单元没有声明 fupin run 要传入的参数：poverty_lines"):
        check_parameter_names({}, declared, passed=["year", "poverty_line", "poverty_lines"])
    check_parameter_names({}, declared, passed=["year", "poverty_line"])
    run = RunParameters(year=2018)
    assert "poverty_lines" not in run.notebook_parameters("990101001", "d")  # passed only when given
    run = RunParameters(year=2018, poverty_lines="2016:3000")
    assert run.notebook_parameters("990101001", "d")["poverty_lines"] == {2016: 3000.0}
    assert run.metrics_kwargs()["poverty_lines"] == {2016: 3000.0}
