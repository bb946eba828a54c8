"""Tables shown to a person: Chinese labels, 是/否, codes in Chinese, no <NA>; one table to Excel."""

from __future__ import annotations


import openpyxl
import pandas as pd

from fupin.report import workbook
from fupin.report.tables import for_people


def test_for_people_labels_flags_codes_and_missing_values():
    frame = pd.DataFrame({
        "household_id": pd.array(["0001", "0002"], dtype="string"),
        "size": [3, 2],
        "exit_year": pd.array([2016, None], dtype="Int64"),
        "income_T": [2985.0, float("nan")],
        "gap": [515.5, 0.25],
        "remaining": [True, False],
        "in_renovation_program": pd.array([True, None], dtype="boolean"),
        "status": ["blocked", "exiting"],
        "blockers": [["incidence", "road_ok"], []],
        "reason_codes": ["income_short,housing_ok", ""],
        "head_name_masked": ["张*", ""],
    })
    shown = for_people(frame, village_threshold=0.03)
    assert list(shown.columns) == ["户编号", "人口", "脱贫年度", "预计人均纯收入", "距贫困线差额", "未脱贫", "纳入危房改造",
                                   "出列状态", "未达到的退出条件", "原因类别", "户主"]
    assert shown.to_dict("records") == [
        {"户编号": "0001", "人口": 3, "脱贫年度": 2016, "预计人均纯收入": 2985, "距贫困线差额": 515.5, "未脱贫": "是",
         "纳入危房改造": "是", "出列状态": "暂不具备出列条件", "未达到的退出条件": "贫困发生率未降到3%以下、未通硬化路",
         "原因类别": "收入低于贫困线；住房安全未保障", "户主": "张*"},
        {"户编号": "0002", "人口": 2, "脱贫年度": "—", "预计人均纯收入": "—", "距贫困线差额": 0.25, "未脱贫": "否",
         "纳入危房改造": "—", "出列状态": "拟出列", "未达到的退出条件": "—", "原因类别": "—", "户主": ""},
    ]
    assert "<NA>" not in shown.to_html() and "nan" not in shown.to_html()


def test_chinese_tables_pass_unchanged():
    frame = pd.DataFrame({"村": ["东风村"], "户数": ["12"]})
    pd.testing.assert_frame_equal(for_people(frame), frame)


def test_write_table_keeps_numbers_as_numbers_and_text_as_text(tmp_path):
    frame = for_people(pd.DataFrame({"household_id": ["=1+1"], "size": [3], "income_T": [2985.5]}))
    path = workbook.write_table(frame, tmp_path / "清单.xlsx", sheet="未脱贫户")
    ws = openpyxl.load_workbook(path)["未脱贫户"]
    assert [c.value for c in ws[1]] == ["户编号", "人口", "预计人均纯收入"]
    assert [c.value for c in ws[2]] == ["'=1+1", 3, 2985.5]  # neutralised the OWASP way
    assert ws["A2"].data_type == "s"  # text from the data never becomes a formula


