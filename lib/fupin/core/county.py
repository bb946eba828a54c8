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
    #: The whole county picked on purpose (:meth:`area` without a key): it reports as the county
    #: even when it has one township (a county as loaded, of one township, reports as that township).
    whole: bool = False
    #: The person roster (人员表) where one was given: one row per person, its household's id and the
    #: person's attributes (``labor``, ``health``, ...); ``name`` and ``id_number`` are personal data.
    persons: pd.DataFrame | None = None
    #: The monitoring registry (监测对象表), ``None`` when the data has none. Its households that
    #: are not in ``households`` have their incomes rows in ``incomes`` all the same.
    monitored: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        """The county's name, from ``county_name`` where given."""
        names = self.villages.get("county_name")
        if names is not None:
            names = names.dropna()
            if len(names):
                return str(names.iloc[0])
        return ""

    @property
    def county_name(self) -> str:
        """The county's name (:attr:`name`), whatever the area: a township's slice keeps it."""
        return self.name

    @property
    def township_name(self) -> str:
        """The township's name when the area is one township (``county.township(key)``), else ``""``.

        >>> from fupin.core.config import SAMPLE_DIR
        >>> from fupin.io.loading import load
        >>> county = load(SAMPLE_DIR)
        >>> county.township("990101002").township_name, county.township_name, county.township("河口乡").county_name
        ('河口乡', '', '示例县')
        """
        names = self.villages[["township_id", "township_name"]].drop_duplicates("township_id")
        if len(names) != 1 or pd.isna(names["township_name"].iloc[0]):
            return ""
        return str(names["township_name"].iloc[0])

    def __repr__(self) -> str:
        """A short summary (name, townships, villages, counts), never the tables: nothing personal shows.

        >>> from fupin.core.config import SAMPLE_DIR
        >>> from fupin.io.loading import load
        >>> print(repr(load(SAMPLE_DIR).township("河口乡")))  # doctest: +ELLIPSIS
        County 示例县 河口乡：1个乡镇，...个村，...户...人，收入记录...条，帮扶干部...人
        村：...
        """
        from fupin.core.text import safe_text

        return "\n".join(safe_text(line) for line in self._summary_lines())

    def _repr_html_(self) -> str:
        """The summary of :meth:`__repr__` as escaped HTML, for a notebook cell that ends with a county."""
        import html

        from fupin.core.text import safe_text

        head, *rest = [html.escape(safe_text(line)) for line in self._summary_lines()]
        return f"<div><b>{head}</b>" + "".join(f"<br>{line}" for line in rest) + "</div>"

    def _summary_lines(self, most: int = 10) -> list[str]:
        """The lines of the summary: counts, then the townships (or one township's villages), at most ``most`` named."""
        towns = self.townships()
        cadres = 0 if self.cadres is None else len(self.cadres)
        people = int(pd.to_numeric(self.households.get("size"), errors="coerce").sum()) if "size" in self.households else 0
        title = " ".join(filter(None, ["County", self.name, self.township_name]))
        lines = [f"{title}：{len(towns)}个乡镇，{len(self.villages)}个村，{len(self.households)}户{people}人，"
                 f"收入记录{len(self.incomes)}条，帮扶干部{cadres}人"]
        if len(towns) == 1:
            what, names = "村", [str(n) for n in self.villages.get("village_name", pd.Series(dtype=object)).dropna()]
        else:
            what, names = "乡镇", [f"{t} {'' if pd.isna(n) else n}".strip() for t, n in towns.itertuples(index=False)]
        if names:
            more = f"……共{len(names)}个" if len(names) > most else ""
            lines.append(f"{what}：{'、'.join(names[:most])}{more}")
        return lines

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
        choices = {str(t): "" if pd.isna(n) else str(n) for t, n in self.townships().itertuples(index=False)}
        return township_key(key, choices)

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
        return self.villages_slice(self.villages["township_id"] == township_id)

    def villages_slice(self, keep: pd.Series) -> "County":
        """The county cut down to the villages ``keep`` marks (a boolean Series on ``villages``): their
        households and persons, the registry's households of those villages, the incomes of both, and
        the cadres who help one of those households (all of them when no household names one)."""
        villages = self.villages[keep]
        households = self.households[self.households["village_id"].isin(villages["village_id"])]
        monitored = self.monitored
        owners = households["household_id"]
        if monitored is not None:
            monitored = monitored[monitored["village_id"].isin(villages["village_id"])].reset_index(drop=True)
            owners = pd.concat([owners, monitored["household_id"]])
        incomes = self.incomes[self.incomes["household_id"].isin(owners)]
        cadres = self.cadres
        if cadres is not None and "cadre_id" in households:
            cadres = cadres[cadres["cadre_id"].isin(households["cadre_id"].dropna())]
        persons = self.persons
        if persons is not None:
            persons = persons[persons["household_id"].isin(households["household_id"])].reset_index(drop=True)
        return replace(
            self,
            villages=villages.reset_index(drop=True),
            households=households.reset_index(drop=True),
            incomes=incomes.reset_index(drop=True),
            cadres=None if cadres is None else cadres.reset_index(drop=True),
            whole=False,
            persons=persons,
            monitored=monitored,
        )

    def village_id(self, key: object) -> str:
        """The id of the village named by ``key``: an id or an exact name, read as :meth:`township_id` reads a township.

        Raises :class:`~fupin.core.errors.UnknownVillageError` (a ``KeyError``)
        naming ``key``, the close matches and every village to choose from; a
        name that villages of several townships share asks for the id.

        >>> from fupin.core.config import SAMPLE_DIR
        >>> from fupin.io.loading import load
        >>> town = load(SAMPLE_DIR).township("城关镇")
        >>> town.village_id("花铺村") == town.village_id(town.village_id("花铺村"))
        True
        """
        from fupin.core.errors import UnknownVillageError

        ordered = self.villages.sort_values("village_id")
        choices = {str(v): "" if pd.isna(n) else str(n)
                   for v, n in ordered[["village_id", "village_name"]].itertuples(index=False)}
        return township_key(key, choices, error=UnknownVillageError)

    def village(self, key: object) -> "County":
        """The slice of the county that belongs to one village, by id or exact name (:meth:`village_id`).

        A wrong name fails loudly (:class:`~fupin.core.errors.UnknownVillageError`), as
        :meth:`township` does, never an empty slice. Cadres as in :meth:`township`.

        >>> from fupin.core.config import SAMPLE_DIR
        >>> from fupin.io.loading import load
        >>> load(SAMPLE_DIR).township("城关镇").village("花铺村").villages["village_name"].tolist()
        ['花铺村']
        """
        return self.villages_slice(self.villages["village_id"] == self.village_id(key))

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
        area = replace(self, whole=True) if whole else self.township(key)
        if area.villages.empty:
            what = "全县" if whole else f"乡镇「{key}」"
            raise EmptyAreaError(f"{what}没有村的数据，无法生成报告：请检查村表")
        return area


def township_key(key: object, choices: dict[str, str], error: type | None = None) -> str:
    """The id among ``choices`` (id -> name) that ``key`` names: an id (text or a whole number) or an exact name.

    The one reading of a township asked for, by the library (:meth:`County.township_id`),
    ``fupin run --township`` and ``fupin email --township`` alike. A name that
    several townships share is refused (:class:`~fupin.core.errors.UnknownTownshipError`,
    ``ambiguous``): only the id tells them apart.

    ``error`` is the class raised (default :class:`~fupin.core.errors.UnknownTownshipError`;
    :meth:`County.village_id` reads a village the same way).

    >>> township_key("河口乡", {"990101001": "城关镇", "990101002": "河口乡"})
    '990101002'
    """
    import difflib

    from fupin.core.errors import UnknownTownshipError

    unknown = error or UnknownTownshipError

    if isinstance(key, bool) or not isinstance(key, (str, numbers.Integral)):
        raise unknown(key, choices)
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
        raise unknown(key, choices, [f"{t} {text}" for t in by_name], ambiguous=True)
    words = {t: f"{t} {n}".strip() for t, n in choices.items()}
    words.update({n: f"{t} {n}" for t, n in choices.items() if n})
    close = [words[w] for w in difflib.get_close_matches(text, list(words), n=3, cutoff=0.6)]
    raise unknown(key, choices, list(dict.fromkeys(close)))
