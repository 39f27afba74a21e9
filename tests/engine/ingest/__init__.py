"""Tests of engine.ingest and the built-in tabular reader plugin."""
