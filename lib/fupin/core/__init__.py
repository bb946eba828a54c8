"""The base of fupin: defaults and paths, errors, exact money, number formats, safe text, files, the data contract and the County."""
