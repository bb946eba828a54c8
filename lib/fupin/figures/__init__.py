"""The figures: parameters, the household frame, every figure of metrics.json, one analysis per area."""
