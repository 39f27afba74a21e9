"""Built-in reader for LIMS lab-result exports (LabWare, STARLIMS and alike).

``formix.toml`` beside this file declares it; it sniffs the header, so plain ``.csv`` exports
with a sample id, a test and a result column are read by it before the generic CSV reader.
"""
