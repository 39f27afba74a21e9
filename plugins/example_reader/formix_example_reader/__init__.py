"""Example Formix reader plugin: batching-controller logs in the made-up BATCHCTL v2 format.

The manifest ``formix.toml`` beside this file declares the reader; Formix imports
``formix_example_reader.reader`` only when a file needs it. Keep this module free of imports.
"""

__version__ = "0.1.0"
