"""One run per report folder, and no output written into the inputs.

A report folder records its run (``.fupin/state.json``: data, parameters,
notebooks, code, townships). A run that does not fit it is refused (exit 2)
unless ``--replace``; ``fupin email`` refuses a folder whose townships are
not all of one run; no option may name an input file or a place inside the
data. The comparison logic is tested on hand-made records and folders; one
scenario takes the real command through the refusals in turn, on a copy of
the session's sample batch and a small generated county (no new full run).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import fupin_cli
from fupin.core.config import SAMPLE_DIR
from fupin.core.errors import UsageError
from fupin.core.files import check_outputs, is_within, same_path
from fupin.mail.folder import check_folder
from fupin.core.run_state import BatchState, RunRecord, check_fits, differences, merged

Y = 2018
PARAMS = {"year": 2018, "poverty_line": 3500.0, "bands": [3500.0, 4000.0], "growth": 0.0}
T1, T2 = "990101001", "990101002"


def record(**changes) -> RunRecord:
    base = dict(data="/srv/data", data_digest="d1", county="示例县", parameters=dict(PARAMS), notebooks="n1",
                code="fupin 0.1.0", code_digest="c1", townships={T1: "城关镇", T2: "河口乡"})
    return RunRecord(**{**base, **changes})


def spell(name: str) -> str:
    return {"poverty_line": "--poverty-line", "year": "--year"}.get(name, name)


# ------------------------------------------------------------------ the comparison, on records


def test_other_parameters_or_another_data_set_make_another_run():
    old = record()
    other, stale = differences(old, record(parameters={**PARAMS, "poverty_line": 4000}), partial=True, spell=spell)
    assert other == ["参数 --poverty-line：文件夹中为 3500，本次为 4000"] and stale == []
    other, _ = differences(old, record(parameters={**PARAMS, "year": 2019}), partial=False, spell=spell)
    assert other == ["参数 --year：文件夹中为 2018，本次为 2019"]
    other, _ = differences(old, record(data="/srv/other", data_digest="d2"), partial=False)
    assert len(other) == 1 and "/srv/data" in other[0] and "/srv/other" in other[0]
    other, _ = differences(old, record(county="另一县"), partial=False)
    assert "另一县" in other[0]
    # the same record read back from JSON (tuples become lists) is the same run
    assert differences(old, RunRecord.from_json(json.loads(json.dumps(old.to_json()))), partial=True) == ([], [])


def test_updated_data_notebooks_or_code_refuse_only_a_partial_run():
    old = record()
    for changed in (record(data_digest="d2"), record(notebooks="n2"), record(code_digest="c2")):
        assert differences(old, changed, partial=False) == ([], []), changed  # every township rerun or checked
        other, stale = differences(old, changed, partial=True)
        assert other == [] and len(stale) == 1, changed
    # a run that did not finish: a partial run must cover what it left
    unfinished = record(unfinished=(T1, T2))
    assert differences(unfinished, record(townships={T2: "河口乡"}), partial=True)[1] == [
        f"该文件夹的上次运行没有完成，乡镇 {T1} 的报告可能不是最新的"]
    assert differences(unfinished, record(), partial=True) == ([], [])


def _state(folder: Path, run: RunRecord | None, townships=()) -> BatchState:
    state = BatchState(folder / ".fupin")
    state.run = run
    for t in townships:
        state.townships[t] = {"digest": "x", "ok": True, "files": ["report.html"]}
    state.save()
    return BatchState(folder / ".fupin")


def test_check_fits_refuses_what_would_mix_and_lets_the_rest_through(tmp_path):
    out = tmp_path / "out"
    fits = dict(data_townships=[T1, T2], spell=spell)
    # an empty or new folder takes any run; so does a folder holding the same run
    check_fits(out, BatchState(out / ".fupin"), record(), partial=False, replace_folder=False, **fits)
    state = _state(out, record(), [T1, T2])
    check_fits(out, state, record(townships={T2: "河口乡"}), partial=True, replace_folder=False, **fits)
    # other parameters: refused, unless the folder is replaced
    with pytest.raises(UsageError, match="--poverty-line：文件夹中为 3500，本次为 4000[\\s\\S]*--replace"):
        check_fits(out, state, record(parameters={**PARAMS, "poverty_line": 4000.0}), partial=True,
                   replace_folder=False, **fits)
    check_fits(out, state, record(parameters={**PARAMS, "poverty_line": 4000.0}), partial=True,
               replace_folder=True, **fits)
    # a township of the folder that is not in this run's data
    with pytest.raises(UsageError, match=f"乡镇 {T2} 不在本次数据中"):
        check_fits(out, state, record(townships={T1: "城关镇"}), partial=False, replace_folder=False,
                   data_townships=[T1])
    # reports without a record (an older fupin, a copy): refused; --replace only in a report folder
    bare = tmp_path / "bare"
    (bare / T1).mkdir(parents=True)
    (bare / T1 / "metrics.json").write_text("{}", encoding="utf-8")
    with pytest.raises(UsageError, match="没有运行记录"):
        check_fits(bare, BatchState(bare / ".fupin"), record(), partial=False, replace_folder=False, **fits)
    with pytest.raises(UsageError, match="不是 fupin run 生成的报告文件夹"):
        check_fits(bare, BatchState(bare / ".fupin"), record(), partial=False, replace_folder=True, **fits)


def test_merged_record_keeps_the_folders_townships_unless_replaced(tmp_path):
    state = _state(tmp_path, record(townships={T1: "城关镇"}))
    assert merged(state, record(townships={T2: "河口乡"}), False).townships == {T1: "城关镇", T2: "河口乡"}
    assert merged(state, record(townships={T2: "河口乡"}), True).townships == {T2: "河口乡"}
    assert merged(state, record(townships={T2: "河口乡"}), False).unfinished == (T2,)


# ------------------------------------------------------------------ email: one run per folder


def _report_folder(tmp_path: Path, run: RunRecord | None = None, **town_changes) -> Path:
    folder = tmp_path / "reports"
    county = {"township_id": "county", "county_name": "示例县", "year": Y,
              "parameters": {"poverty_line": 3500, "bands": [3500, 4000]}}
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(county, ensure_ascii=False), encoding="utf-8")
    for t in (T1, T2):
        (folder / t).mkdir()
        metrics = {**county, "township_id": t, **town_changes.get(t, {})}
        (folder / t / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    if run is not None:
        _state(folder, run)
    return folder


def test_email_refuses_a_folder_whose_townships_are_not_of_one_run(tmp_path):
    assert check_folder(_report_folder(tmp_path / "a", record())) == [T1, T2]
    assert check_folder(_report_folder(tmp_path / "b")) == [T1, T2]  # no record: the figures still agree
    stray = _report_folder(tmp_path / "c", record(townships={T1: "城关镇"}))
    with pytest.raises(UsageError, match=f"乡镇文件夹 {T2} 不在本文件夹的运行记录中"):
        check_folder(stray)
    other_line = _report_folder(tmp_path / "d", record(), **{T2: {"parameters": {"poverty_line": 4000,
                                                                                  "bands": [3500, 4000]}}})
    with pytest.raises(UsageError, match=f"{T2}/metrics.json 的参数与县汇总 summary.json 不同：poverty_line 4000"):
        check_folder(other_line)
    other_year = _report_folder(tmp_path / "e", None, **{T1: {"year": 2017}})
    with pytest.raises(UsageError, match=f"{T1}/metrics.json 的 year 为 2017"):
        check_folder(other_year)
    unfinished = _report_folder(tmp_path / "f", record(unfinished=(T2,)))
    with pytest.raises(UsageError, match="上次 fupin run 没有完成"):
        check_folder(unfinished)


# ------------------------------------------------------------------ outputs never inside the inputs


def test_an_output_inside_the_data_or_on_an_input_is_refused(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "incomes.csv").write_text("x", encoding="utf-8")
    (tmp_path / "elsewhere.csv").write_text("y", encoding="utf-8")
    (data / "cadres.csv").symlink_to(tmp_path / "elsewhere.csv")
    (tmp_path / "link").symlink_to(data, target_is_directory=True)
    refused = [data / "incomes.csv", data / "new.log", data, tmp_path / "x" / ".." / "data" / "a.log",
               tmp_path / "link" / "run.log", tmp_path / "elsewhere.csv"]
    for path in refused:
        with pytest.raises(UsageError, match="--log"):
            check_outputs({"--log": path}, data)
    check_outputs({"--log": tmp_path / "run.log", "--out": tmp_path / "out"}, data)
    workbook = tmp_path / "county.xlsx"
    workbook.write_bytes(b"PK")
    with pytest.raises(UsageError, match="输入文件"):
        check_outputs({"--out": tmp_path / "." / "county.xlsx"}, workbook)
    with pytest.raises(UsageError, match="输入文件"):
        check_outputs({"--log": tmp_path / "nb.ipynb"}, data, [tmp_path / "nb.ipynb"])
    # Windows compares paths without case: os.path.normcase folds it there
    monkeypatch.setattr(os.path, "normcase", lambda p: p.lower())
    assert same_path(tmp_path / "DATA" / "Incomes.CSV", data / "incomes.csv")
    assert is_within(tmp_path / "Data" / "run.log", data)


def test_cli_refuses_a_log_on_an_input_file_and_leaves_it_unchanged(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    incomes = data / "incomes.csv"
    incomes.write_text("户编号,年度,人均纯收入\n", encoding="utf-8")
    before = incomes.read_bytes()
    proc = fupin_cli("run", data, "--year", Y, "--out", tmp_path / "out", "--log", incomes, "--quiet")
    assert proc.returncode == 2 and "--log 指向数据文件夹之内" in proc.stderr and "Traceback" not in proc.stderr
    assert incomes.read_bytes() == before and not (tmp_path / "out").exists()
    proc = fupin_cli("run", data, "--year", Y, "--out", data / "reports", "--quiet")
    assert proc.returncode == 2 and "--out 指向数据文件夹之内" in proc.stderr
    assert sorted(p.name for p in data.iterdir()) == ["incomes.csv"]


# ------------------------------------------------------------------ the real command, in turn


def _email_config(path: Path) -> Path:
    path.write_text("smtp: {host: 127.0.0.1, port: 25, tls: none}\n"
                    "sender: \"示例县扶贫办 <bot@example.gov.cn>\"\n"
                    "recipients:\n  county: {to: [leader@example.gov.cn]}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def other_county(tmp_path_factory) -> Path:
    """Another data set: a generated county of one township (its id is also one of the sample's)."""
    data = tmp_path_factory.mktemp("report-folder") / "other"
    proc = fupin_cli("generate", data, "--townships", 1, "--households", 40, "--seed", 5)
    assert proc.returncode == 0, proc.stderr
    return data


@pytest.mark.slow
def test_one_run_per_report_folder(sample_batch, other_county, tmp_path):
    """The sample's report folder (a copy), taken through the refusals in turn: a refused step
    costs a load; two steps run one township each."""
    made, proc = sample_batch
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = Path(shutil.copytree(made, tmp_path / "out"))
    config = _email_config(tmp_path / "email.yml")
    townships = sorted(json.loads((out / ".fupin" / "state.json").read_text(encoding="utf-8"))["run"]["townships"])
    assert len(townships) == 7 and {T1, T2} <= set(townships)

    def run(data: Path, *args: object):
        return fupin_cli("run", data, "--year", Y, "--out", out, "--quiet", *args, timeout=600)

    def township_rows() -> list[str]:
        page = (out / "index.html").read_text(encoding="utf-8")
        return [t for t in townships if f'{t}/report.html' in page]

    page = (out / "index.html").read_bytes()

    # 1. one township at another poverty line: refused, nothing written
    proc = run(SAMPLE_DIR, "--township", T2, "--poverty-line", 4000)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "参数 --poverty-line：文件夹中为 3500，本次为 4000" in proc.stderr and "--replace" in proc.stderr
    assert (out / "index.html").read_bytes() == page
    assert json.loads((out / T2 / "metrics.json").read_text(encoding="utf-8"))["parameters"]["poverty_line"] == 3500

    # 2. another county (other data) into the same folder: refused
    proc = run(other_county)
    assert proc.returncode == 2 and "数据：文件夹中是" in proc.stderr and str(other_county.resolve()) in proc.stderr
    assert (out / "index.html").read_bytes() == page

    # 3. one township with the folder's own parameters: the county page still covers all seven
    proc = run(SAMPLE_DIR, "--township", T2)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert township_rows() == townships

    # 4. a stray township folder from another run: email refuses the folder
    stray = out / "990199999"
    shutil.copytree(out / T1, stray)
    proc = fupin_cli("email", out, "--config", config, "--dry-run", tmp_path / "eml")
    assert proc.returncode == 2 and "990199999 不在本文件夹的运行记录中" in proc.stderr
    assert not (tmp_path / "eml").exists()
    shutil.rmtree(stray)

    # 5. --dry-run into the data the reports were made from: refused
    proc = fupin_cli("email", out, "--config", config, "--dry-run", SAMPLE_DIR / "eml")
    assert proc.returncode == 2 and "--dry-run 指向数据文件夹之内" in proc.stderr
    assert not (SAMPLE_DIR / "eml").exists()

    # 6. --replace with one township: the others go, what the user put there stays
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / T2 / "mine.txt").write_text("mine", encoding="utf-8")
    proc = run(SAMPLE_DIR, "--township", T1, "--replace")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in (out / T2).iterdir()) == ["mine.txt"]
    assert all(not (out / t).exists() for t in townships if t not in (T1, T2))
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert township_rows() == [T1]
    state = json.loads((out / ".fupin" / "state.json").read_text(encoding="utf-8"))
    assert list(state["run"]["townships"]) == [T1] and list(state["townships"]) == [T1]
    assert state["run"]["unfinished"] == [] and not (out / ".fupin" / "prepared" / T2).exists()
    proc = fupin_cli("email", out, "--config", config, "--dry-run", tmp_path / "eml")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # 7. --replace refuses a folder that fupin run did not make
    elsewhere = tmp_path / "documents"
    elsewhere.mkdir()
    (elsewhere / "plan.docx").write_text("mine", encoding="utf-8")
    proc = fupin_cli("run", other_county, "--year", Y, "--out", elsewhere, "--replace", "--quiet")
    assert proc.returncode == 2 and "不是 fupin run 生成的报告文件夹" in proc.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["plan.docx"]
