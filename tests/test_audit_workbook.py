"""DIR/audit.xlsx: the households behind the audit's flags, masked, with their reasons and empty 核实情况 columns."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

from openpyxl import load_workbook

import metrics_fixtures as fx
from fupin.report.audit_words import audit_counts, backtest_paragraph
from fupin.report.audit_workbook import SHEETS, TO_VERIFY, write_audit_workbook
from fupin.core.config import AUDIT_XLSX
from fupin.figures.parameters import report_parameters

VALID_X = "11010519491231002X"
WRONG_CHECK = "110105194912310021"


def _county():
    """Village A: 5 exits at 3,600 in 2017 (bunching). Village B: one household with 10 round incomes.
    Two households of A share VALID_X; B's household has WRONG_CHECK. Township 002 holds C."""
    v = fx.villages({"village_id": "A", "village_name": "甲村"}, {"village_id": "B", "village_name": "乙村"},
                    {"village_id": "C", "village_name": "丙村", "township_id": "002", "township_name": "二镇"})
    h = fx.households(
        *[{"household_id": f"a{i}", "village_id": "A", "exit_year": 2017, "head_name": "王小明",
           "id_number": VALID_X if i < 2 else None} for i in range(5)],
        {"household_id": "b0", "village_id": "B", "head_name": "李四", "id_number": WRONG_CHECK},
        {"household_id": "c0", "village_id": "C"},
    )
    inc = fx.incomes(
        *[{"household_id": f"a{i}", "year": 2017, "per_capita_income": 3600.5} for i in range(5)],
        *[{"household_id": "b0", "year": 2008 + i, "per_capita_income": 2000.0} for i in range(10)],
        {"household_id": "c0", "year": 2017, "per_capita_income": 3000.5},
    )
    return fx.county(v, h, inc)


def test_audit_workbook_lists_the_households_masked_with_their_reasons(tmp_path):
    path = write_audit_workbook(tmp_path, _county(), report_parameters(year=2017))
    assert path == tmp_path / AUDIT_XLSX
    wb = load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    rows = list(wb["核查户清单"].iter_rows(values_only=True))
    header = rows[0]
    assert header[-3:] == TO_VERIFY
    got = [dict(zip(header, r)) for r in rows[1:]]
    assert [(r["核查事项"], r["户编号"]) for r in got] == [
        *[("脱贫收入扎堆在贫困线上方", f"a{i}") for i in range(5)],
        ("收入多为整百元", "b0"),
        ("证件号码有误", "b0"),
        ("证件号码重复", "a0"), ("证件号码重复", "a1"),
    ]
    assert all(r[c] is None for r in got for c in TO_VERIFY)
    assert got[0]["村"] == "甲村" and got[0]["乡镇"] == "测试镇"
    assert "3,600.50元" in got[0]["说明"] and "本村此区间5户" in got[0]["说明"]
    assert got[5]["说明"] == "本户10条实际收入为整百元；本村10条实际收入中10条为整百元"
    assert got[6]["说明"] == "校验位不符（GB 11643）"
    assert got[7]["说明"] == "与另1户证件号码相同（重复第1组）"
    assert got[7]["证件号码（已脱敏）"] == "110105********002X" and got[7]["户主姓名（已脱敏）"] == "王*明"
    # nothing of the numbers or the names is in the file whole
    with zipfile.ZipFile(path) as z:
        text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert VALID_X not in text and WRONG_CHECK not in text and "王小明" not in text and "李四" not in text
    villages = [dict(zip(r[0], x)) for r in [list(wb["村级核查"].iter_rows(values_only=True))] for x in r[1:]]
    assert [(v["村代码"], v["收入扎堆"], v["收入多为整百元"]) for v in villages] == [
        ("A", "是", None), ("B", None, "是"), ("C", None, None)]
    backtest = list(wb["预测回溯"].iter_rows(values_only=True))
    assert [r[:2] for r in backtest[1:]] == [("测试镇（001）", 2015), ("测试镇（001）", 2016), ("测试镇（001）", 2017),
                                             ("二镇（002）", 2015), ("二镇（002）", 2016), ("二镇（002）", 2017),
                                             ("测试县", 2015), ("测试县", 2016), ("测试县", 2017)]
    # the reason wraps in its column: on paper it must not run over the 核实情况 columns the auditor fills in
    sheet = wb["核查户清单"]
    reason = header.index("说明") + 1
    assert sheet.cell(row=2, column=reason).alignment.wrap_text
    assert sheet.column_dimensions[sheet.cell(row=1, column=reason).column_letter].width <= 36
    about = dict(list(wb["说明"].iter_rows(values_only=True))[1:])
    assert "全县核查3户，有误1户，重复1个号码" in about["证件号码"]
    assert about["生成日期"] == dt.date.today().isoformat()


def test_fupin_run_writes_audit_beside_the_county_page(sample_batch):
    out, proc = sample_batch
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["audit"]) == {"backtest", "bunching", "round_incomes", "id_numbers"}
    for metrics in out.glob("*/metrics.json"):
        m = json.loads(metrics.read_text(encoding="utf-8"))
        # the township's id figures come from its slice's facts, not from blanked numbers
        assert m["audit"]["id_numbers"]["checked"] > 0, metrics
    wb = load_workbook(out / AUDIT_XLSX, read_only=True)
    assert wb.sheetnames == list(SHEETS)
    assert "核查户清单" not in load_workbook(next(out.glob("*/follow_up.xlsx")), read_only=True).sheetnames
    page = (out / "index.html").read_text(encoding="utf-8")
    section = page[page.index('<h2 id="audit">数据核查</h2>'):page.index('<h2 id="about">')]
    assert audit_counts(summary) in section and 'href="audit.xlsx"' in section
    assert section.count("<tr>") == 1 + len(list(out.glob("*/metrics.json"))) + 1  # header, townships, county
    report = (out / "990101001" / "report.html").read_text(encoding="utf-8")
    m = json.loads((out / "990101001" / "metrics.json").read_text(encoding="utf-8"))
    assert backtest_paragraph(m) in report and "其中103户与预计一致" in backtest_paragraph(m)
    assert audit_counts(m) in report and 'alt="预测回溯：各年拟脱贫与实际脱贫"' in report
