"""Reusable views: tables over pandas, findings, mapping editor, plots."""
