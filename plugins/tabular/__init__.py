"""Built-in readers for delimited text (CSV, TSV, .data/.txt) and Excel workbooks.

The manifest ``formix.toml`` beside this file declares them; the registry reads it without
importing the reader modules.
"""
