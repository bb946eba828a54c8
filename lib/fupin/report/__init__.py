"""Presenting metrics.json: words, tables, charts, the HTML report, the Word documents, the follow-up workbook."""
