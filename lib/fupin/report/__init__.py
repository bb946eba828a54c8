"""Presenting metrics.json: words, tables, charts, the HTML report, the Word documents, the follow-up workbook."""

#: The names of 0.1.0's module ``fupin.report`` (now a folder): they are in :mod:`fupin.report.headline`.
HEADLINE_NAMES = frozenset({"title", "subtitle", "kpis", "follow_up_lists", "follow_up_where"})


def __getattr__(name: str):
    """``from fupin.report import title`` (0.1.0) fails naming the import that replaces it."""
    if name in HEADLINE_NAMES:
        from fupin.core.errors import RemovedName

        raise RemovedName(f"fupin.report.{name} 已移除，请改为：from fupin.report.headline import {name}",
                          name="fupin.report")
    raise AttributeError(f"module 'fupin.report' has no attribute {name!r}")
