"""fupin: poverty-alleviation monitoring (扶贫监测) for county and township offices.

The public API is small::

    import fupin
    county = fupin.load("data/sample")          # typed, validated tables
    town = county.township("990101001")
    m = fupin.township_metrics(town, year=2018)  # every figure of the report

Submodules (``fupin.figures.metrics``, ``fupin.report.charts``, ``fupin.report.narrative``, ...) are
imported on first use, so ``fupin --help`` stays fast.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys

__version__ = "0.1.0"

__all__ = ["County", "DataError", "Problem", "load", "township_metrics", "__version__"]

_NAMES = {
    "load": ("fupin.io.loading", "load"),
    "township_metrics": ("fupin.figures.metrics", "township_metrics"),
    "County": ("fupin.core.county", "County"),
    "DataError": ("fupin.core.errors", "DataError"),
    "Problem": ("fupin.core.errors", "Problem"),
}

#: Modules of the unreleased 0.1.0 that are gone, and the import that replaces each.
REMOVED_MODULES = {
    "fupin.mailer": "from fupin.mail.send import send_reports（配置：fupin.mail.config，发信记录：fupin.mail.ledger，"
                    "邮件内容：fupin.mail.content，SMTP：fupin.mail.smtp）",
    "fupin.state": "from fupin.core.run_state import BatchState（文件夹锁：from fupin.core.lock import FolderLock）",
    "fupin.summary": "from fupin.io.summary import township_summary",
}

#: Names that 0.1.0 let a module lend out although another module defines them (or old
#: names of a function), as {old module: {home module: "names"}}; nothing imports them any more.
MOVED_NAMES = {
    "fupin.figures.depth": {
        "fupin.figures.sensitivity": "GROWTH_RATES LINE_ABOVE LINE_BELOW LINE_STEP NEAR_LINE_SHARE VILLAGE_THRESHOLDS "
                             "exits_by_line line_grid near_line sensitivity sensitivity_points",
        "fupin.figures.monitoring": "INCOME_DROP_SHARE NO_CAUSE monitoring monitoring_frame monitoring_households "
                            "monitoring_reasons",
        "fupin.core.config": "MONITORING_FACTOR",
        "fupin.figures.parameters": "choose_monitoring_line",
    },
    "fupin.report.html": {"fupin.report.style": "css_string"},
    "fupin.figures.frame": {"fupin.core.formats": "json_number json_plain", "fupin.figures.labels": "number_text"},
    "fupin.figures.metrics": {
        "fupin.figures.frame": "BLOCKER_CODES REASON_CODES VILLAGE_STATUSES counts flag_values household_sizes "
                       "household_status incidence income_at_exit income_in_year population rate rates "
                       "village_counts village_positions village_sums village_table year_values",
        "fupin.figures.headcount": "UNKNOWN_BAND band_edges band_labels cadre_count incidence_trend "
                           "incidence_trend_by_village income_bands income_unknown projection reason_counts "
                           "trend_years unsafe_house_mask unsafe_houses_outside_program",
        "fupin.core.contract": "REASON_LABELS TEXT_DTYPE",
        "fupin.core.money": "below_share exact to_fen to_yuan",
        "fupin.core.formats": "json_number json_plain",
        "fupin.figures.labels": "number_text",
    },
    "fupin.figures.monitoring": {"fupin.core.config": "MONITORING_FACTOR"},
    "fupin.batch.prepare": {"fupin.io.slices": "load_prepared read_manifest"},
    "fupin.batch.runner": {"fupin.batch.jobs": "METRICS_PARAMETERS describe_failure"},
    "fupin.report.style": {"fupin.core.contract": "GUARANTEES", "fupin.core.formats": "fmt_amount fmt_hh_people fmt_households fmt_index fmt_pct fmt_people fmt_wan is_missing"},
}

#: Old names of a function or a class: "module.old" -> "module.new".
RENAMED = {
    "fupin.figures.parameters.ReportParameters": "fupin.figures.parameters.Parameters",
    "fupin.batch.jobs.ReportParameters": "fupin.figures.parameters.Parameters",
    "fupin.report.tables.income_bands": "fupin.report.tables.income_bands_table",
    "fupin.report.tables.incidence_trend": "fupin.report.tables.incidence_trend_table",
    "fupin.report.tables.near_line": "fupin.report.tables.near_line_table",
}


def new_import(module: str, name: str) -> str | None:
    """The import that replaces ``from module import name`` of 0.1.0, or None if the name never moved.

    >>> new_import("fupin.figures.metrics", "household_status")
    'from fupin.figures.frame import household_status'
    >>> new_import("fupin.report.tables", "income_bands")
    'from fupin.report.tables import income_bands_table'
    >>> new_import("fupin.figures.metrics", "township_metrics") is None
    True
    """
    renamed = RENAMED.get(f"{module}.{name}")
    if renamed:
        home, new = renamed.rsplit(".", 1)
        return f"from {home} import {new}"
    for home, names in MOVED_NAMES.get(module, {}).items():
        if name in names.split():
            return f"from {home} import {name}"
    return None


def removed_name(module: str, name: str) -> Exception:
    """What a module's ``__getattr__`` raises for ``name``: :class:`fupin.core.errors.RemovedName` naming the
    new import if the name moved, else the usual AttributeError.

    >>> print(removed_name("fupin.report.style", "fmt_amount"))
    fupin.report.style.fmt_amount 已移除，请改为：from fupin.core.formats import fmt_amount
    >>> removed_name("fupin.report.style", "nothing")
    AttributeError("module 'fupin.report.style' has no attribute 'nothing'")
    """
    from fupin.core.errors import RemovedName

    new = new_import(module, name)
    if new is None:
        return AttributeError(f"module {module!r} has no attribute {name!r}")
    return RemovedName(f"{module}.{name} 已移除，请改为：{new}", name=module)


def removed_module_error(fullname: str) -> ModuleNotFoundError:
    """The error for ``import fupin.mailer`` (a module of 0.1.0 that is gone): it names the new import."""
    return ModuleNotFoundError(f"{fullname} 已移除，请改为：{REMOVED_MODULES[fullname]}",
                               name=fullname)


class RemovedModuleFinder(importlib.abc.MetaPathFinder):
    """Refuses the modules of :data:`REMOVED_MODULES` with a message that names the new import."""

    def find_spec(self, fullname, path, target=None):  # noqa: ANN001, ANN201 - the MetaPathFinder protocol
        if fullname in REMOVED_MODULES:
            raise removed_module_error(fullname)
        return None


if not any(isinstance(finder, RemovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, RemovedModuleFinder())


def __getattr__(name: str):
    if name in _NAMES:
        module, attr = _NAMES[name]
        return getattr(importlib.import_module(module), attr)
    if f"fupin.{name}" in REMOVED_MODULES:
        raise AttributeError(str(removed_module_error(f"fupin.{name}")))
    try:
        return importlib.import_module(f"fupin.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"fupin.{name}":
            raise
        raise AttributeError(f"module 'fupin' has no attribute {name!r}") from None
