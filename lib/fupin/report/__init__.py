"""Presenting metrics.json: words, tables, charts, the HTML report, the Word documents, the follow-up workbook."""


def __getattr__(name: str):
    """``fupin.report`` was a module in 0.1.0 (title, subtitle, headline boxes): those names are in
    :mod:`fupin.report.headline` now, and the error says so."""
    import importlib

    from fupin.core.errors import RemovedName

    headline = importlib.import_module("fupin.report.headline")
    if getattr(getattr(headline, name, None), "__module__", None) == headline.__name__:
        raise RemovedName(f"fupin.report.{name} 已移除，请改为：from fupin.report.headline import {name}",
                          name="fupin.report")
    raise AttributeError(f"module 'fupin.report' has no attribute {name!r}")
