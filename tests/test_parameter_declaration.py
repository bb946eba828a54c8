"""Each figure parameter is declared once (fupin.figures.parameters.PARAMETERS); the checked Parameters, the
`fupin run` options, the notebook's parameters cell (and so `papermill --help-notebook`), docs/notebooks.md
and the labels of 数据说明 all agree with that declaration."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from fupin.cli import main as cli_main
from fupin.core.errors import ParameterError
from fupin.figures.parameters import AREA_PARAMETERS, DECLARED, PARAMETERS, Parameters, report_parameters
from fupin.report.style import PARAMETER_LABELS

ROOT = Path(__file__).resolve().parents[1]


def test_parameters_holds_exactly_the_declared_parameters():
    fields = [f.name for f in dataclasses.fields(Parameters)]
    assert [f for f in fields if f != "bands_follow_line"] == [d.name for d in PARAMETERS]
    assert list(report_parameters(year=2018).as_dict()) == [d.name for d in PARAMETERS]


def test_defaults_come_from_the_declaration_and_unknown_names_are_refused():
    p = report_parameters(year=2018)
    assert {k: v for k, v in p.as_dict().items() if k not in ("year", "bands")} == {
        d.name: d.default for d in PARAMETERS if d.name not in ("year", "bands")}
    with pytest.raises(ParameterError, match="povrety_line：没有这个参数（是否想写 poverty_line？）"):
        report_parameters(year=2018, povrety_line=4000)
    with pytest.raises(ParameterError, match="year：请给出统计年度"):
        report_parameters(poverty_line=4000)


def test_run_help_lists_each_option_with_its_declared_help(capsys):
    assert cli_main(["run", "--help"]) == 0
    text = re.sub(r"\s+", "", capsys.readouterr().out)
    options = set(re.findall(r"--[a-z-]+", text))
    declared = {d.option for d in PARAMETERS if d.option}
    assert declared <= options
    for d in PARAMETERS:
        if d.option:
            assert re.sub(r"\s+", "", d.help) in text, d.name


def notebook_parameters() -> dict[str, dict]:
    from papermill import inspect_notebook

    return inspect_notebook(str(ROOT / "notebooks" / "township_report.ipynb"))


def test_the_notebook_declares_each_parameter_as_declared():
    """The parameters cell (what `papermill --help-notebook` prints): name, type, default and comment."""
    cell = notebook_parameters()
    assert set(cell) == {d.name for d in PARAMETERS} | set(AREA_PARAMETERS)
    for d in PARAMETERS:
        got = cell[d.name]
        assert (got["inferred_type_name"], got["default"], got["help"]) == (d.kind, repr(d.default), d.help), d.name


def documented_default(value: object) -> str:
    if value is None or isinstance(value, bool):
        return f"`{value}`"
    return f"{value:g}" if isinstance(value, float) else str(value)


def test_docs_notebooks_lists_each_parameter_with_its_default():
    text = (ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    rows = {m[0]: m[2] for m in re.findall(r"^\| `([a-z_]+)` \| (.*?) \| (.*?) \|$", text, flags=re.M)}
    assert set(rows) == {d.name for d in PARAMETERS} | set(AREA_PARAMETERS)
    for d in PARAMETERS:
        assert rows[d.name].startswith(documented_default(d.default)), (d.name, rows[d.name])


def test_data_notes_label_each_declared_parameter():
    assert PARAMETER_LABELS == {"township_id": "乡镇代码", **{d.name: d.label for d in PARAMETERS}}
    assert set(DECLARED) == {d.name for d in PARAMETERS}

