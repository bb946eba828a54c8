"""The loaded county: four typed tables and where each came from."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Source:
    """Where a table was read from, for error messages and the 数据说明 section."""

    path: Path
    sheet: str | None = None
    sha256: str = ""
    #: The headers of the file's columns that no column of the table reads (``fupin validate`` lists them).
    unused: tuple[str, ...] = ()
    #: The table's optional columns the file lacks, filled with their default (or left blank).
    absent: tuple[str, ...] = ()


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
    ``exit_status`` (text: 已脱贫, 未脱贫, 返贫) likewise is there only when the
    file states it; the figures use the years, which it agrees with.
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

    def township_id(self, key: object) -> str:
        """The id of the township named by ``key``: an id (text or a whole number) or an exact name.

        A whole number is read as the id's text (papermill's ``-p township_id
        990101002`` passes an int); one that lost its leading zeros on the
        way (``12`` for ``"0012"``) still finds its township when exactly one
        id reads as that number. Raises :class:`~fupin.core.errors.UnknownTownshipError`
        (a ``KeyError``) naming ``key``, the close matches and every choice.

        >>> from fupin.core.config import SAMPLE_DIR
        >>> from fupin.io.loading import load
        >>> county = load(SAMPLE_DIR)
        >>> county.township_id(990101002), county.township_id("河口乡")
        ('990101002', '990101002')
        """
        import difflib

        from fupin.core.errors import UnknownTownshipError

        choices = {str(t): "" if pd.isna(n) else str(n) for t, n in self.townships().itertuples(index=False)}
        if isinstance(key, bool) or not isinstance(key, (str, numbers.Integral)):
            raise UnknownTownshipError(key, choices)
        text = str(int(key)) if isinstance(key, numbers.Integral) else key.strip()
        if text in choices:
            return text
        by_name = [t for t, n in choices.items() if n == text]
        if len(by_name) == 1:
            return by_name[0]
        if isinstance(key, numbers.Integral):
            by_number = [t for t in choices if t.isdigit() and int(t) == int(key)]
            if len(by_number) == 1:
                return by_number[0]
        if len(by_name) > 1:  # one name, several townships: only the id tells them apart
            raise UnknownTownshipError(key, choices, [f"{t} {text}" for t in by_name], ambiguous=True)
        words = {t: f"{t} {n}".strip() for t, n in choices.items()}
        words.update({n: f"{t} {n}" for t, n in choices.items() if n})
        close = [words[w] for w in difflib.get_close_matches(text, list(words), n=3, cutoff=0.6)]
        raise UnknownTownshipError(key, choices, list(dict.fromkeys(close)))

    def township(self, key: object) -> "County":
        """The slice of the county that belongs to one township, by id or exact name.

        ``key`` is read by :meth:`township_id`: an unknown id or name raises
        :class:`~fupin.core.errors.UnknownTownshipError` (a ``KeyError``) listing
        the close matches, never an empty slice. Cadres are kept whole when
        no household names one; otherwise only the cadres that help a
        household of the township are kept.

        >>> from fupin.core.config import SAMPLE_DIR
        >>> from fupin.io.loading import load
        >>> town = load(SAMPLE_DIR).township("河口乡")
        >>> town.villages["township_name"].unique().tolist()
        ['河口乡']
        """
        township_id = self.township_id(key)
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

    def area(self, key: object = None) -> "County":
        """What a report covers: one township (``key`` its id or name), or the whole county on purpose.

        ``key`` ``None`` or empty text means the whole county; anything else
        goes through :meth:`township`. An area without villages raises
        :class:`~fupin.core.errors.EmptyAreaError`, so nothing reports on nothing.

        >>> from fupin.core.config import SAMPLE_DIR
        >>> from fupin.io.loading import load
        >>> county = load(SAMPLE_DIR)
        >>> len(county.area(None).townships()), len(county.area("990101002").townships())
        (7, 1)
        """
        from fupin.core.errors import EmptyAreaError

        whole = key is None or (isinstance(key, str) and not key.strip())
        area = self if whole else self.township(key)
        if area.villages.empty:
            what = "全县" if whole else f"乡镇「{key}」"
            raise EmptyAreaError(f"{what}没有村的数据，无法生成报告：请检查村表")
        return area
