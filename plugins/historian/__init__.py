"""Built-in readers for historian exports (OSIsoft PI, AVEVA Wonderware, Ignition and alike).

``formix.toml`` beside this file declares a long-format reader (tag, time, value, quality) and
a wide-format reader (a time column, then one column per tag). Both sniff the header, so they
take plain ``.csv`` exports before the generic CSV reader when the header looks like a
historian export; ``*.hist.csv`` files are always theirs.
"""
