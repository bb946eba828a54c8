"""The sample county carried on to 2021, with its monitoring registry (``data/sample_2021``).

After 2020 every county office keeps a registry of monitored households
(监测对象表, docs/data.md). :func:`county_tables_2021` takes the bundled
sample (:func:`fupin.sample.generate.county_tables` with the sample's arguments,
unchanged) and carries it on, deterministically, from seeds of its own:

* incomes: the 2019 rows become actual, 2020 and 2021 rows grow from them
  (a household's income at its exit year is at least that year's line);
* every household still poor at the end of 2018 exits in 2019 (its 2019
  income reaches the 2019 line) or in 2020, its guarantees met and its house
  made safe; households that returned to poverty stay as they are; every poor
  village exits in 2019 or 2020;
* the registry of 2019–2021: 脱贫不稳定户 among exited households (most of
  those whose 2021 income is low, a few others), 边缘易致贫户 and
  突发严重困难户 outside households (ids ``<village_id>J<nnn>``) with their own
  size, guarantees and incomes; one or two risks each, written with 、 , or /;
  identification and elimination years written as years or dates, as offices do.
  Some exited households with a low 2021 income stay out of the registry
  (应纳未纳), and some eliminations of 2021 come with a low income (风险消除不稳).

:func:`write_sample_2021` writes it as CSV with Chinese headers, as ``data/sample`` is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from fupin.core.contract import GUARANTEES, MONITOR_TYPES, RISK_TYPES
from fupin.core.config import DATA_DIR
from fupin.sample.generate import SAMPLE_HOUSEHOLDS, SAMPLE_SEED, SAMPLE_TOWNSHIPS, county_tables, write_tables

#: The folder of the sample carried on to 2021, beside data/sample.
SAMPLE_2021 = "sample_2021"
#: The seed of everything drawn after 2018.
SEED_2021 = 20211231
#: The lines the exits of 2019 and 2020 meet: the sample's own line (3,500) in 2019, the national
#: operational line of about 4,000 yuan in 2020 (both at or above data/reference/poverty_lines.csv).
LINES = {2019: 3500.0, 2020: 4000.0}
#: The monitoring line the sample's registry was kept against, by year (docs/data.md: a run sets its own).
MONITORING_LINES = {2019: 5500.0, 2020: 5700.0, 2021: 6000.0, 2022: 6300.0}

_RISK_P = np.array([0.36, 0.12, 0.10, 0.08, 0.05, 0.04, 0.12, 0.06, 0.03, 0.02, 0.02])
_SEPARATORS = ("、", "、", ",", "/")


def _frames() -> dict[str, pd.DataFrame]:
    """The 2018 sample as DataFrames (canonical columns; years that may be blank as ``Int64``)."""
    tables = county_tables(SAMPLE_TOWNSHIPS, SAMPLE_HOUSEHOLDS, SAMPLE_SEED, reference=True)
    frames = {name: t.to_pandas() for name, t in tables.items()}
    for name, column in (("households", "exit_year"), ("households", "returned_year"), ("villages", "village_exit_year")):
        frames[name][column] = pd.array(tables[name].column(column).to_pylist(), dtype="Int64")
    return frames


def _written_year(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """Years as offices write them: a plain year, or a date of that year (``2020-05-17``, ``2020/5/17``)."""
    month = rng.integers(1, 13, len(years))
    day = rng.integers(1, 29, len(years))
    form = rng.integers(0, 3, len(years))
    out = np.empty(len(years), dtype=object)
    for i, (y, m, d, f) in enumerate(zip(years, month, day, form)):
        if y is None or (isinstance(y, float) and np.isnan(y)):
            out[i] = None
        else:
            out[i] = (str(int(y)), f"{int(y)}-{m:02d}-{d:02d}", f"{int(y)}/{m}/{d}")[f]
    return out


def _risks(rng: np.random.Generator, n: int, first: np.ndarray | None = None) -> list[str]:
    """One or two risks per household, joined as offices write them."""
    main = first if first is not None else rng.choice(len(RISK_TYPES), n, p=_RISK_P / _RISK_P.sum())
    second = rng.choice(len(RISK_TYPES), n, p=_RISK_P / _RISK_P.sum())
    two = rng.random(n) < 0.3
    sep = rng.integers(0, len(_SEPARATORS), n)
    return [RISK_TYPES[a] + (_SEPARATORS[s] + RISK_TYPES[b] if t and b != a else "")
            for a, b, t, s in zip(main, second, two, sep)]


def county_tables_2021() -> dict[str, pa.Table]:
    """The sample county at the end of 2021 with its registry, as pyarrow tables for the writers."""
    rng = np.random.default_rng(SEED_2021)
    f = _frames()
    villages, households, incomes = f["villages"], f["households"].copy(), f["incomes"].copy()
    ids = households["household_id"].astype(str).to_numpy()
    # incomes: 2019 becomes actual; 2020 and 2021 grow from the latest income up to 2019
    incomes["is_estimate"] = False
    latest = (incomes.sort_values("year", kind="stable").drop_duplicates("household_id", keep="last")
              .set_index("household_id")["per_capita_income"].astype(float))
    base = pd.Series(ids).map(latest).to_numpy(dtype=float)
    known = ~np.isnan(base)
    growth = rng.uniform(1.75, 2.9, len(ids))  # 2019 to 2021: rural incomes of the poor rose fast
    income_2020 = np.round(base * growth**0.55, 0)
    income_2021 = np.round(base * growth, 0)
    # status: the households still poor at the end of 2018 exit in 2019 or 2020
    exit_year = households["exit_year"].astype("Int64").to_numpy(dtype=float, na_value=np.nan)
    returned = households["returned_year"].astype("Int64").notna().to_numpy()
    income_2019 = pd.Series(ids).map(
        incomes[incomes["year"] == 2019].set_index("household_id")["per_capita_income"].astype(float)
    ).to_numpy(dtype=float)
    still_poor = np.isnan(exit_year) & known
    in_2019 = still_poor & (income_2019 >= LINES[2019])
    in_2020 = still_poor & ~in_2019
    exit_year = np.where(in_2019, 2019, np.where(in_2020, 2020, exit_year))
    floor = LINES[2020] + rng.uniform(150, 900, len(ids)).round(0)
    income_2020 = np.where(in_2020, np.maximum(income_2020, floor), income_2020)
    income_2021 = np.where(in_2020, np.maximum(income_2021, np.round(income_2020 * 0.95, 0)), income_2021)
    households["exit_year"] = pd.array(np.where(np.isnan(exit_year), None, exit_year), dtype="Int64")
    for guarantee in GUARANTEES:  # a household exits with its guarantees met, its house made safe
        households[guarantee] = households[guarantee].astype(bool) | still_poor
    households["house_risk_grade"] = households["house_risk_grade"].where(~still_poor, None)
    grown = pd.DataFrame({
        "household_id": np.concatenate([ids[known], ids[known]]),
        "year": np.repeat([2020, 2021], known.sum()),
        "per_capita_income": np.concatenate([income_2020[known], income_2021[known]]),
        "is_estimate": False,
    })
    # poor villages: every one exits in 2019 or 2020
    villages = villages.copy()
    open_ = villages["is_poor_village"].astype(bool).to_numpy() & villages["village_exit_year"].isna().to_numpy()
    villages["village_exit_year"] = pd.array(np.where(
        open_, rng.choice([2019, 2020], len(villages), p=[0.4, 0.6]),
        villages["village_exit_year"].astype("Int64").to_numpy(dtype=float, na_value=np.nan)), dtype="Int64")
    # 脱贫不稳定户: most exited households with a low 2021 income, a few others
    exited = ~np.isnan(exit_year) & ~returned & known
    low = exited & (income_2021 < MONITORING_LINES[2021] * 1.08)
    chosen = (low & (rng.random(len(ids)) < 0.96)) | (exited & ~low & (rng.random(len(ids)) < 0.02))
    rows = np.flatnonzero(chosen)
    first_year = np.maximum(exit_year[rows], 2019).astype(int)
    identified = np.array([rng.integers(y, 2022) for y in first_year])
    unstable = pd.DataFrame({
        "household_id": ids[rows],
        "village_id": households["village_id"].astype(str).to_numpy()[rows],
        "size": None,
        "monitor_type": MONITOR_TYPES[0],
        "identified_year": identified,
        "income_2021": income_2021[rows],
    })
    # 边缘易致贫户 and 突发严重困难户: households never registered, a few per village
    village_ids = villages["village_id"].astype(str).to_numpy()
    poor_village = villages["is_poor_village"].astype(bool).to_numpy()
    per_village = rng.poisson(np.where(poor_village, 1.2, 0.4))
    owner = np.repeat(village_ids, per_village)
    number = np.concatenate([np.arange(1, k + 1) for k in per_village]) if len(owner) else np.zeros(0, int)
    n = len(owner)
    sudden = rng.random(n) < 0.3
    edge_income_2021 = np.round(rng.uniform(4300, 7600, n), 0)
    edge = pd.DataFrame({
        "household_id": [f"{v}J{k:03d}" for v, k in zip(owner, number)],
        "village_id": owner,
        "size": rng.integers(1, 6, n),
        "monitor_type": np.where(sudden, MONITOR_TYPES[2], MONITOR_TYPES[1]),
        "identified_year": np.where(sudden, rng.choice([2020, 2021], n), rng.choice([2019, 2020, 2021], n)),
        "income_2021": edge_income_2021,
    })
    registry = pd.concat([unstable, edge], ignore_index=True)
    m = len(registry)
    # risks: the sudden hardships from disasters, accidents and illness
    first = np.where(registry["monitor_type"] == MONITOR_TYPES[2],
                     rng.choice([RISK_TYPES.index("因灾"), RISK_TYPES.index("因意外事故"), RISK_TYPES.index("因病")], m),
                     rng.choice(len(RISK_TYPES), m, p=_RISK_P / _RISK_P.sum()))
    risks = _risks(rng, m, first)
    # elimination: identified before 2021, most eliminated since; some of 2021 with a low income
    year = registry["identified_year"].to_numpy()
    low_2021 = registry["income_2021"].to_numpy() < MONITORING_LINES[2021] * 1.05
    chance = np.where(low_2021, 0.06, np.where(year < 2021, 0.75, 0.3))  # a low income is rarely judged safe
    eliminated = rng.random(m) < chance
    gone = np.where(eliminated, [rng.integers(y, 2022) if e else 0 for y, e in zip(year, eliminated)], 0)
    registry_table = pd.DataFrame({
        "household_id": registry["household_id"],
        "village_id": registry["village_id"],
        "size": pd.array(registry["size"].where(registry["size"].notna(), None).tolist(), dtype="Int64"),
        "monitor_type": registry["monitor_type"],
        "identified_year": _written_year(rng, year),
        "risk_types": risks,
        "risk_eliminated": eliminated,
        "eliminated_year": _written_year(rng, np.where(eliminated, gone, None).astype(object)),
    })
    outside = registry_table["size"].notna().to_numpy()
    for guarantee, share in (("housing_ok", 0.06), ("medical_ok", 0.03)):
        fails = outside & (rng.random(m) < share)
        registry_table[guarantee] = pd.array(np.where(outside, ~fails, None).tolist(), dtype="boolean")
    registry_table = registry_table.sort_values(["village_id", "household_id"], ignore_index=True)
    # incomes of the households outside households: 2019–2021
    edge_ids = edge["household_id"].to_numpy()
    edge_2020 = np.round(edge_income_2021 / rng.uniform(1.0, 1.2, n), 0)
    edge_2019 = np.round(edge_2020 / rng.uniform(1.0, 1.15, n), 0)
    edge_incomes = pd.DataFrame({
        "household_id": np.concatenate([edge_ids] * 3),
        "year": np.repeat([2019, 2020, 2021], n),
        "per_capita_income": np.concatenate([edge_2019, edge_2020, edge_income_2021]),
        "is_estimate": False,
    })
    incomes = pd.concat([incomes[["household_id", "year", "per_capita_income", "is_estimate"]], grown, edge_incomes],
                        ignore_index=True)
    incomes = incomes.assign(household_id=incomes["household_id"].astype(str),
                             year=incomes["year"].astype("int64"),
                             per_capita_income=incomes["per_capita_income"].astype(float))
    incomes = incomes.sort_values(["household_id", "year"], kind="stable", ignore_index=True)
    out = {
        "villages": villages, "households": households, "incomes": incomes, "cadres": f["cadres"],
        "monitored": registry_table,
    }
    return {name: pa.Table.from_pandas(frame, preserve_index=False) for name, frame in out.items()}


def write_sample_2021(root: Path | str = DATA_DIR) -> list[Path]:
    """Write ``root/sample_2021/*.csv`` (Chinese headers, UTF-8 with BOM): the sample carried on to 2021."""
    tables = county_tables_2021()
    return write_tables(tables, Path(root) / SAMPLE_2021, fmt="csv", headers="zh")

