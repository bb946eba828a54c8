"""fupin: poverty-alleviation monitoring (扶贫监测) for county and township offices.

The front door is small::

    import fupin
    county = fupin.load("data/sample")            # typed, validated tables
    town = county.area("城关镇")                   # a township by name or id; county.area() is the county
    result = fupin.analyse(town, year=2018)        # every figure of the report, computed once
    result.metrics                                 # the dict written as metrics.json

The package is folded by layer, imported only downwards (docs/architecture.md):
``core`` < ``io`` and ``sample`` < ``figures`` < ``report`` < ``batch`` and ``mail`` < ``cli``.
Folders and modules are imported on first use, so ``fupin --help`` stays fast.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys

__version__ = "0.1.0"

__all__ = ["County", "DataError", "Parameters", "Problem", "analyse", "load", "__version__"]

_NAMES = {
    "load": ("fupin.io.loading", "load"),
    "analyse": ("fupin.figures.analysis", "analyse"),
    "Parameters": ("fupin.figures.parameters", "Parameters"),
    "County": ("fupin.core.county", "County"),
    "DataError": ("fupin.core.errors", "DataError"),
    "Problem": ("fupin.core.errors", "Problem"),
}

#: Modules of the unreleased 0.1.0 (a flat package) that are gone, and the module that holds their
#: contents now. ``fupin.report`` is a folder now; its 0.1.0 contents are in ``fupin.report.headline``.
REMOVED_MODULES = {
    "fupin.mailer": "fupin.mail.send（配置：fupin.mail.config，发信记录：fupin.mail.ledger，邮件内容：fupin.mail.content）",
    "fupin.state": "fupin.core.run_state（文件夹锁：fupin.core.lock）",
    "fupin.summary": "fupin.io.summary",
    "fupin.analysis": "fupin.figures.analysis",
    "fupin.checks": "fupin.figures.checks",
    "fupin.cluster": "fupin.batch.cluster",
    "fupin.columns": "fupin.core.contract",
    "fupin.config": "fupin.core.config",
    "fupin.county": "fupin.core.county",
    "fupin.county_page": "fupin.batch.county_page",
    "fupin.county_table": "fupin.report.county_table",
    "fupin.data_summary": "fupin.io.summary",
    "fupin.depth": "fupin.figures.depth",
    "fupin.display": "fupin.report.show",
    "fupin.docx_report": "fupin.report.word",
    "fupin.economy": "fupin.figures.collective",
    "fupin.engine": "fupin.batch.papermill_engine",
    "fupin.errors": "fupin.core.errors",
    "fupin.export": "fupin.report.html",
    "fupin.followup": "fupin.report.workbook",
    "fupin.formats": "fupin.core.formats",
    "fupin.frame": "fupin.figures.frame",
    "fupin.fsutil": "fupin.core.files",
    "fupin.generate": "fupin.sample.generate",
    "fupin.headcount": "fupin.figures.headcount",
    "fupin.jobs": "fupin.batch.jobs",
    "fupin.kernel": "fupin.batch.kernel",
    "fupin.kernel_state": "fupin.batch.kernel_state",
    "fupin.labels": "fupin.figures.labels",
    "fupin.literal": "fupin.core.text",
    "fupin.loading": "fupin.io.loading",
    "fupin.lock": "fupin.core.lock",
    "fupin.metrics": "fupin.figures.analysis（fupin.analyse）",
    "fupin.money": "fupin.core.money",
    "fupin.monitoring": "fupin.figures.monitoring",
    "fupin.narrative": "fupin.report.narrative",
    "fupin.parameters": "fupin.figures.parameters",
    "fupin.plots": "fupin.report.charts",
    "fupin.prepare": "fupin.batch.prepare",
    "fupin.privacy": "fupin.core.privacy",
    "fupin.reference": "fupin.report.national",
    "fupin.run_state": "fupin.core.run_state",
    "fupin.runner": "fupin.batch.runner",
    "fupin.schema": "fupin.io.schema",
    "fupin.sensitivity": "fupin.figures.sensitivity",
    "fupin.slices": "fupin.io.slices",
    "fupin.startup": "fupin.core.startup",
    "fupin.style": "fupin.report.style",
    "fupin.tables": "fupin.report.tables",
}


def removed_module_error(fullname: str) -> ModuleNotFoundError:
    """The error for ``import fupin.plots`` (a module of 0.1.0 that is gone): it names the new module.

    >>> print(removed_module_error("fupin.plots"))
    fupin.plots 已移除，请改为：fupin.report.charts
    """
    return ModuleNotFoundError(f"{fullname} 已移除，请改为：{REMOVED_MODULES[fullname]}", name=fullname)


class RemovedModuleFinder(importlib.abc.MetaPathFinder):
    """Refuses the modules of :data:`REMOVED_MODULES` with a message that names the new module."""

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
