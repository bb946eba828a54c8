"""The batch (``fupin run``): one township's notebook in a warm kernel, local workers or Dask, the county page."""
