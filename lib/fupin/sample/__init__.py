"""The synthetic sample county (``fupin sample``)."""
