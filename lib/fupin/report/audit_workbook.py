"""``DIR/audit.xlsx``: the county office's 数据核查 lists, for the office, not for cadres or leaders.

Written by ``fupin run`` beside the county page, from the whole county (id
numbers held twice are found across townships). Sheets:

* 核查户清单: one row per household and reason (income at exit piled just
  above the line in a flagged village, round incomes in a flagged village,
  a wrong id number, an id number held by another household too), names and
  id numbers masked (:mod:`fupin.core.privacy`), the reason spelt out, and empty
  核实情况 / 核实人 / 核实日期 columns for the office to fill in;
* 村级核查: every village's bunching counts (a, b, c) and round incomes, flagged ones marked;
* 预测回溯: the backtest of the projection by township and year, and the county's;
* 说明: what each check means and the parameters it was made with.

The figures are those of :mod:`fupin.figures.audit` (the ``audit`` key of
``summary.json``). Laid out as the follow-up workbook
(:func:`fupin.report.workbook.workbook_bytes`: nothing from the data becomes a
formula) and written atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from fupin.figures.analysis import analyse
from fupin.figures.audit import audit_households, backtest, bunching_flagged, round_flagged
from fupin.core.config import AUDIT_XLSX
from fupin.core.county import County
from fupin.core.formats import fmt_yuan
from fupin.core.files import atomic_write_bytes, inside
from fupin.report.workbook import Sheet, workbook_bytes
from fupin.figures.parameters import Parameters
from fupin.core.privacy import mask_personal

#: Sheet names, in order.
SHEETS: tuple[str, ...] = ("核查户清单", "村级核查", "预测回溯", "说明")
#: Each reason a household is listed for (:data:`fupin.figures.audit.AUDIT_REASONS`), as the office reads it.
REASON_LABELS: dict[str, str] = {
    "bunching": "脱贫收入扎堆在贫困线上方",
    "round_incomes": "收入多为整百元",
    "id_invalid": "证件号码有误",
    "id_duplicated": "证件号码重复",
}
#: The columns the office fills in.
TO_VERIFY: tuple[str, ...] = ("核实情况", "核实人", "核实日期")
#: The title the workbook's printed pages carry.
TITLE = "数据核查"


def _names(county: County) -> tuple[dict[str, str], dict[str, str]]:
    """Village id -> village name, village id -> township name."""
    v = county.villages.assign(village_id=county.villages["village_id"].astype(str))
    return (dict(zip(v["village_id"], v["village_name"].astype(str))),
            dict(zip(v["village_id"], v["township_name"].astype(str))))


def _detail(row: Mapping[str, Any], figures: Mapping[str, Any], params: Parameters, group_size: Mapping[int, int],
            group_number: Mapping[int, int]) -> str:
    """What a listed household's reason is, in its own numbers."""
    reason, village = row["reason"], str(row["village_id"])
    if reason == "bunching":
        year = int(row["income_year"])
        line = params.line_in(year)
        c = figures["bunching"]["villages"].get(village, {"a": 0, "b": 0, "c": 0})
        return (f"{year}年脱贫，当年人均纯收入{fmt_yuan(row['income'])}，在当年贫困线{fmt_yuan(line)}"
                f"至高出5%之间；本村此区间{c['a']}户，低于贫困线5%以内{c['b']}户，高出5%至10%{c['c']}户")
    if reason == "round_incomes":
        c = figures["round_incomes"]["villages"].get(village, {"rows": 0, "round": 0})
        return f"本户{int(row['round_rows'])}条实际收入为整百元；本村{c['rows']}条实际收入中{c['round']}条为整百元"
    if reason == "id_invalid":
        return "校验位不符（GB 11643）" if row["id_problem"] == "check" else "出生日期不是有效日期或晚于今天"
    group = int(row["id_group"])
    return f"与另{group_size[group] - 1}户证件号码相同（重复第{group_number[group]}组）"


def households_sheet(county: County, params: Parameters, figures: Mapping[str, Any],
                     today: dt.date | None = None) -> Sheet:
    """核查户清单: the households behind the audit's flags (:func:`fupin.figures.audit.audit_households`), masked."""
    a = analyse(county.area(), params)
    rows = audit_households(a.area, a.frame, params, figures, at_exit=a.income_at_exit, today=today)
    village_name, township_name = _names(county)
    groups = rows["id_group"].dropna().astype("int64") if "id_group" in rows else pd.Series(dtype="int64")
    group_size = groups.value_counts().to_dict()
    group_number = {g: i for i, g in enumerate(dict.fromkeys(groups.tolist()), start=1)}
    shown = mask_personal(rows)
    frame = pd.DataFrame({
        "核查事项": rows["reason"].map(REASON_LABELS),
        "乡镇": rows["village_id"].astype(str).map(township_name),
        "村": rows["village_id"].astype(str).map(village_name),
        "户编号": rows["household_id"].astype(str),
        **({"户主姓名（已脱敏）": shown["head_name"]} if "head_name" in shown else {}),
        **({"证件号码（已脱敏）": shown["id_number"]} if "id_number" in shown else {}),
        "家庭人口": rows["size"].astype("Int64"),
        "脱贫年度": rows["exit_year"].astype("Int64"),
        "说明": [_detail(r, figures, params, group_size, group_number) for r in rows.to_dict("records")],
    })
    for column in TO_VERIFY:
        frame[column] = None
    return frame, {"家庭人口": "int", "脱贫年度": "int"}


def villages_sheet(county: County, figures: Mapping[str, Any]) -> Sheet:
    """村级核查: every village's bunching counts and round incomes, flagged ones marked."""
    village_name, township_name = _names(county)
    bunch, rounds = figures["bunching"]["villages"], figures["round_incomes"]["villages"]
    rows = []
    for v in sorted(set(bunch) | set(rounds)):
        b = bunch.get(v, {"a": 0, "b": 0, "c": 0})
        r = rounds.get(v, {"rows": 0, "round": 0})
        rows.append({
            "乡镇": township_name.get(v, ""), "村": village_name.get(v, ""), "村代码": v,
            "脱贫收入在贫困线至高出5%（户）": b["a"], "低于贫困线5%以内（户）": b["b"],
            "高出贫困线5%至10%（户）": b["c"],
            "收入扎堆": "是" if bunching_flagged(b["a"], b["b"], b["c"]) else "",
            "实际收入记录（条）": r["rows"], "其中整百元（条）": r["round"],
            "整百元占比": r["round"] / r["rows"] if r["rows"] else None,
            "收入多为整百元": "是" if round_flagged(r["rows"], r["round"]) else "",
        })
    frame = pd.DataFrame(rows, columns=["乡镇", "村", "村代码", "脱贫收入在贫困线至高出5%（户）", "低于贫困线5%以内（户）",
                                        "高出贫困线5%至10%（户）", "收入扎堆", "实际收入记录（条）", "其中整百元（条）",
                                        "整百元占比", "收入多为整百元"])
    kinds = {c: "count" for c in frame.columns if "（户）" in c or "（条）" in c}
    return frame, {**kinds, "整百元占比": "rate"}


def _backtest_rows(name: str, rows: Sequence[Mapping[str, Any]], village_name: Mapping[str, str]) -> list[dict]:
    def villages(ids: Sequence[str]) -> str:
        return "、".join(village_name.get(v, v) for v in ids)

    return [{
        "乡镇": name, "年度": r["year"],
        "拟脱贫（户）": r["projected"]["households"], "拟脱贫（人）": r["projected"]["people"],
        "实际脱贫（户）": r["exited"]["households"], "实际脱贫（人）": r["exited"]["people"],
        "预计与实际一致（户）": r["both"]["households"], "预计与实际一致（人）": r["both"]["people"],
        "预计的准确率（一致/预计）": r["precision"], "实际的覆盖率（一致/实际）": r["recall"],
        "拟出列村": villages(r["villages_projected"]), "实际出列村": villages(r["villages_exited"]),
    } for r in rows]


def backtest_sheet(county: County, params: Parameters, figures: Mapping[str, Any]) -> Sheet:
    """预测回溯: each township's backtest by year (:func:`fupin.figures.audit.backtest`), then the county's."""
    village_name, _ = _names(county)
    rows: list[dict] = []
    for tid, tname in county.townships().itertuples(index=False):
        rows += _backtest_rows(f"{tname}（{tid}）", backtest(county.township(tid), params), village_name)
    rows += _backtest_rows(county.name or "全县", figures["backtest"], village_name)
    columns = ["乡镇", "年度", "拟脱贫（户）", "拟脱贫（人）", "实际脱贫（户）", "实际脱贫（人）",
               "预计与实际一致（户）", "预计与实际一致（人）", "预计的准确率（一致/预计）", "实际的覆盖率（一致/实际）",
               "拟出列村", "实际出列村"]
    frame = pd.DataFrame(rows, columns=columns)
    kinds = {c: "count" for c in columns if c.endswith("）") and ("（户）" in c or "（人）" in c)}
    return frame, {**kinds, "年度": "int", "预计的准确率（一致/预计）": "rate", "实际的覆盖率（一致/实际）": "rate"}


def about_sheet(params: Parameters, figures: Mapping[str, Any], today: dt.date) -> Sheet:
    """说明: what each check means, the counts, the parameters."""
    lines = params.poverty_lines
    ids = figures["id_numbers"]
    rows = [
        ("用途", "县扶贫办数据核查（第三方评估、审计前自查）；含个人信息（已脱敏），不对外，不进入乡镇跟踪清单和领导汇报"),
        ("统计年度", f"{params.year}年"),
        ("贫困线", "；".join(f"{t}年起{fmt_yuan(x)}" for t, x in lines.items()) + f"；未列年度{fmt_yuan(params.poverty_line)}"
         if lines else f"{fmt_yuan(params.poverty_line)}（各年相同）"),
        ("预测回溯", "自最早识别年度的次年起，逐年以上年底的状态和上年及以前的收入（按增长率推算）、当年贫困线，"
                   "重算当年拟脱贫户和拟出列村，与当年实际脱贫户、实际出列村比较"),
        ("收入扎堆", "已脱贫户脱贫当年人均纯收入与当年贫困线L比较，w为L的5%：在[L, L+w)的户数a，在[L−w, L)的户数b，"
                   "在[L+w, L+2w)的户数c；a≥5且a≥2×max(b, c, 1)的村标为收入扎堆，列出其a区间的户"
                   f"（全县标出{len(figures['bunching']['flagged_villages'])}个村）"),
        ("整百元收入", "每村各户的全部实际收入记录（不含预计）中整百元的条数；至少10条且整百元占一半及以上的村标出，"
                    f"列出其有整百元收入的户（全县标出{len(figures['round_incomes']['flagged_villages'])}个村）"),
        ("证件号码", "18位证件号码的校验位（GB 11643）和出生日期（真实日期，不晚于今天）；两户及以上共用的号码为重复"
                  + (f"（全县核查{ids['checked']}户，有误{ids['invalid']}户，重复{ids['duplicated']}个号码）"
                     if ids is not None else "（数据中没有证件号码）")),
        ("核实情况", "核实后填写：属实／已更正／误报，及核实人、核实日期"),
        ("生成日期", today.isoformat()),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"]), {}


def audit_sheets(county: County, params: Parameters, figures: Mapping[str, Any] | None = None,
                 today: dt.date | None = None) -> dict[str, Sheet]:
    """The sheets of :data:`SHEETS` for the whole county; ``figures`` is summary.json's ``audit`` (computed when None)."""
    today = today or dt.date.today()
    if figures is None:
        figures = analyse(county.area(), params).metrics["audit"]
    return {
        "核查户清单": households_sheet(county, params, figures, today),
        "村级核查": villages_sheet(county, figures),
        "预测回溯": backtest_sheet(county, params, figures),
        "说明": about_sheet(params, figures, today),
    }


def write_audit_workbook(out: Path, county: County, params: Parameters, summary: Mapping[str, Any] | None = None,
                         tmp_dir: Path | None = None) -> Path:
    """Write ``out/audit.xlsx`` atomically; return its path. ``summary`` is the county's metrics (summary.json)."""
    today = dt.date.today()
    sheets = audit_sheets(county, params, (summary or {}).get("audit"), today)
    area = county.name or "全县"
    return atomic_write_bytes(inside(out, AUDIT_XLSX), workbook_bytes(sheets, area, today.isoformat(), TITLE), tmp_dir)

