"""Reading the input: discovery, CSV/XLSX/Parquet into contract types, validation, prepared slices, the data summary."""
