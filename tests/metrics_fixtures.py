"""Hand-made mini counties with the contract dtypes of a loaded ``County`` (``columns.Table.dtypes``).

Give only the columns a test is about; the others get the contract's
defaults. ``reference_county()`` builds, row by row from a few rules, a
township that reproduces every figure of the seed report.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fupin.core.contract import TABLES, TEXT_DTYPE
from fupin.core.county import County

VILLAGE_DEFAULTS: dict[str, Any] = {
    "township_id": "001",
    "township_name": "测试镇",
    "county_name": "测试县",
    "population": 1000,
    "is_poor_village": False,
}
HOUSEHOLD_DEFAULTS: dict[str, Any] = {"size": 1, "registered_year": 2014}


def table(name: str, rows: list[dict[str, Any]], defaults: dict[str, Any] | None = None) -> pd.DataFrame:
    """A table of ``columns.TABLES[name]`` from ``rows``, defaults filled, County dtypes."""
    spec = TABLES[name]
    defaults = defaults or {}
    data = {}
    for col in spec.columns:
        if col.omit_if_absent and not any(col.name in r for r in rows):
            continue  # as loaded from a file without the column
        fill = defaults.get(col.name, col.default)
        values = [r.get(col.name, fill) for r in rows]
        data[col.name] = pd.array(values, dtype=spec.dtypes[col.name])
    extra = set().union(*rows) - set(spec.names) if rows else set()
    if extra:
        raise KeyError(f"not a column of {name}: {sorted(extra)}")
    return pd.DataFrame(data)


def villages(*rows: dict[str, Any]) -> pd.DataFrame:
    """Villages; ``village_name`` defaults to ``村<id>``."""
    rows = tuple({"village_name": f"村{r['village_id']}", **r} for r in rows)
    return table("villages", list(rows), VILLAGE_DEFAULTS)


def households(*rows: dict[str, Any]) -> pd.DataFrame:
    """Households; ``size`` 1 and ``registered_year`` 2014 unless given."""
    return table("households", list(rows), HOUSEHOLD_DEFAULTS)


def incomes(*rows: dict[str, Any]) -> pd.DataFrame:
    return table("incomes", list(rows))


def cadres(*rows: dict[str, Any]) -> pd.DataFrame:
    return table("cadres", list(rows))


def county(
    village_rows: pd.DataFrame | None = None,
    household_rows: pd.DataFrame | None = None,
    income_rows: pd.DataFrame | None = None,
    cadre_rows: pd.DataFrame | None = None,
) -> County:
    """A County of the frames given (empty tables where not)."""
    return County(
        villages=villages() if village_rows is None else village_rows,
        households=households() if household_rows is None else household_rows,
        incomes=incomes() if income_rows is None else income_rows,
        cadres=cadre_rows,
    )


# --------------------------------------------------------------------------- the seed's township

#: The seed report's figures (docs/data.md "The sample county").
REFERENCE = {
    "registered": (820, 1872), "exited": (405, 948), "remaining": (415, 924),
    "exits": (252, 566), "left": (163, 358), "population": 28600, "cadres": 150,
    "unsafe": 20,
}


def _group(n3: int, n2: int) -> np.ndarray:
    """Household sizes: ``n3`` of three people, then ``n2`` of two."""
    return np.array([3] * n3 + [2] * n2)


def reference_county() -> County:
    """Township 001 of 20 villages reproducing the seed report with Y=2018.

    Villages V01-V05 are poor: V01 exited in 2017, V02 exits in 2019, V03
    and V04 fall below 2% but lack a standard activity venue, V05 stays
    above 2%. Exited households (405/948) earn 4200 a year in 2016-2018, projected exits
    (252/566) 3800 and the rest (163/358) 3000, so the bands are the
    seed's. Cadres c000-c149 are assigned in turn; the first 20 remaining
    households live in grade-C houses outside the renovation programme.
    """
    sizes = np.concatenate([_group(138, 267), _group(62, 190), _group(32, 131)])
    kind = np.repeat(["exited", "exits", "left"], [405, 252, 163])
    n = len(sizes)
    # Projected-remaining people per poor village: V02-V04 below 2% of 1,000,
    # V05 at 3%; everything else spread over the non-poor villages.
    village = np.empty(n, dtype=object)
    left = np.flatnonzero(kind == "left")
    placed = {"V02": 3, "V03": 5, "V04": 6, "V05": 12}  # households of the "left" kind
    start = 0
    for vid, k in placed.items():
        village[left[start:start + k]] = vid
        start += k
    rest = np.flatnonzero(pd.isna(village))
    non_poor = [f"V{i:02d}" for i in range(6, 21)]
    village[rest] = np.array(non_poor, dtype=object)[np.arange(len(rest)) % len(non_poor)]
    hh = households(*[
        {
            "household_id": f"H{i:04d}",
            "village_id": village[i],
            "size": int(sizes[i]),
            "registered_year": 2014 + i % 3,
            "exit_year": 2016 + i % 3 if kind[i] == "exited" else None,
            "cadre_id": f"c{i % 150:03d}",
            "head_name": "王小明",
            "id_number": "110101199003071234",
        }
        for i in range(n)
    ])
    remaining = np.flatnonzero(kind != "exited")[:20]
    grade = np.full(n, None, dtype=object)
    grade[remaining] = "C"
    hh = hh.assign(house_risk_grade=pd.array(grade, dtype=TEXT_DTYPE))
    income = np.select([kind == "exited", kind == "exits"], [4200.0, 3800.0], 3000.0)
    inc = incomes(*[
        {"household_id": f"H{i:04d}", "year": y, "per_capita_income": float(income[i])}
        for i in range(n) for y in (2016, 2017, 2018)
    ])
    pops = {f"V{i:02d}": 1000 for i in range(1, 6)}
    pops.update({v: (28600 - 5000) // 15 for v in non_poor})
    pops["V20"] += 28600 - sum(pops.values())
    vil = villages(*[
        {
            "village_id": vid,
            "population": pop,
            "is_poor_village": vid <= "V05",
            "village_exit_year": 2017 if vid == "V01" else None,
            "venue_ok": vid not in ("V03", "V04"),
        }
        for vid, pop in pops.items()
    ])
    cad = cadres(*[{"cadre_id": f"c{i:03d}", "name": "李四", "unit": "县扶贫办"} for i in range(150)])
    return County(villages=vil, households=hh, incomes=inc, cadres=cad)


# --------------------------------------------------------------------------- the report tests' county

#: The seed report's village names for V01-V05 (the poor villages) and V06-V20.
REPORT_VILLAGE_NAMES: dict[str, str] = dict(zip(
    [f"V{i:02d}" for i in range(1, 21)],
    ["李家沟村", "王家坪村", "马家岭村", "高家洼村", "刘家峁村", "东关村", "西关村", "南街村", "北街村",
     "河湾村", "杨庄村", "柳树湾村", "石门村", "红旗村", "新庄村", "大坪村", "小河村", "白杨村", "前进村",
     "张家塬村"],
))
#: Remaining households already short of income that also lack a guarantee:
#: H0657 (3 people), H0689 and H0690 (2 each) basic medical care: 3 households, 7 people;
#: H0658-H0660 (3 each) and H0691-H0695 (2 each) safe housing: 8 households, 19 people.
REPORT_NO_MEDICAL = ("H0657", "H0689", "H0690")
REPORT_NO_HOUSING = ("H0658", "H0659", "H0660", "H0691", "H0692", "H0693", "H0694", "H0695")


def report_county() -> County:
    """:func:`reference_county` as the report tests read it: 城关镇 of 示例县, the seed's
    village names, collective incomes of 80,000 yuan, and the guarantee gaps of :data:`REPORT_NO_MEDICAL` and
    :data:`REPORT_NO_HOUSING` (households that stay poor anyway, so every
    figure of the seed is unchanged)."""
    c = reference_county()
    vil = c.villages.assign(
        township_name=pd.array(["城关镇"] * len(c.villages), dtype="string"),
        county_name=pd.array(["示例县"] * len(c.villages), dtype="string"),
        village_name=c.villages["village_id"].map(REPORT_VILLAGE_NAMES).astype("string"),
        collective_income=80000.0,  # every collective economy above the 50,000-yuan line
    )
    ids = c.households["household_id"]
    hh = c.households.assign(medical_ok=~ids.isin(REPORT_NO_MEDICAL).to_numpy(),
                             housing_ok=~ids.isin(REPORT_NO_HOUSING).to_numpy())
    return County(villages=vil, households=hh, incomes=c.incomes, cadres=c.cadres)


#: The county page's other townships: (id, name, village, remaining households of one
#: person in a village of 1,000, of which projected to exit). 2018 incidence 3.30%,
#: 4.00% and 1.60%; 2019 projected 3.30%, 2.00% and 0.00%.
OTHER_TOWNSHIPS = (("002", "河口乡", "K01", 33, 0), ("003", "石桥镇", "S01", 40, 20),
                   ("004", "白云乡", "B01", 16, 16))


def report_county_of_four() -> County:
    """:func:`report_county` plus the three small townships of :data:`OTHER_TOWNSHIPS`."""
    base = report_county()
    vil, hh, inc = [base.villages], [base.households], [base.incomes]
    for tid, name, vid, remaining, exits in OTHER_TOWNSHIPS:
        vil.append(villages({"village_id": vid, "township_id": tid, "township_name": name,
                             "county_name": "示例县", "population": 1000}))
        rows = [{"household_id": f"{vid}-{i:02d}", "village_id": vid} for i in range(remaining)]
        hh.append(households(*rows))
        inc.append(incomes(*({"household_id": r["household_id"], "year": 2019,
                              "per_capita_income": 3800.0 if i < exits else 3000.0}
                             for i, r in enumerate(rows))))
    return County(villages=pd.concat(vil, ignore_index=True), households=pd.concat(hh, ignore_index=True),
                  incomes=pd.concat(inc, ignore_index=True), cadres=base.cadres)
