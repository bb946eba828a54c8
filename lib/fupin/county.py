"""The loaded county: four typed tables and where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Source:
    """Where a table was read from, for error messages and the 数据说明 section."""

    path: Path
    sheet: str | None = None
    sha256: str = ""


@dataclass(frozen=True)
class County:
    """The input tables with canonical English columns and contract dtypes.

    ``villages``, ``households``, ``incomes`` always exist; ``cadres`` is
    ``None`` when the county gave no cadres table. ``sources`` maps a table
    name to the file (and sheet) it came from.

    Dtypes: ids, text and enums are pandas ``string``; required whole
    numbers ``int64``; optional ones (``exit_year``, ``returned_year``,
    ``village_exit_year``) nullable ``Int64``; money ``float64``; booleans
    with a default ``bool``; ``in_renovation_program`` nullable ``boolean``.
    ``industry_support`` (nullable ``boolean``) is absent from ``households``
    when the file has no such column: industry coverage is then not reported.
    """

    villages: pd.DataFrame
    households: pd.DataFrame
    incomes: pd.DataFrame
    cadres: pd.DataFrame | None = None
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The county's name, from ``county_name`` where given."""
        names = self.villages.get("county_name")
        if names is not None:
            names = names.dropna()
            if len(names):
                return str(names.iloc[0])
        return ""

    def townships(self) -> pd.DataFrame:
        """``township_id``, ``township_name`` of every township, in id order."""
        return (
            self.villages[["township_id", "township_name"]]
            .drop_duplicates("township_id")
            .sort_values("township_id")
            .reset_index(drop=True)
        )

    def township(self, township_id: str) -> "County":
        """The slice of the county that belongs to one township.

        Cadres are kept whole when no household names one; otherwise only
        the cadres that help a household of the township are kept.
        """
        villages = self.villages[self.villages["township_id"] == township_id]
        households = self.households[self.households["village_id"].isin(villages["village_id"])]
        incomes = self.incomes[self.incomes["household_id"].isin(households["household_id"])]
        cadres = self.cadres
        if cadres is not None and "cadre_id" in households:
            cadres = cadres[cadres["cadre_id"].isin(households["cadre_id"].dropna())]
        return replace(
            self,
            villages=villages.reset_index(drop=True),
            households=households.reset_index(drop=True),
            incomes=incomes.reset_index(drop=True),
            cadres=None if cadres is None else cadres.reset_index(drop=True),
        )
