"""Property models: LightGBM per target, honest validation, explanations, safe persistence.

Import the sub-modules directly (``engine.models.lightgbm_model``, ``engine.models.service``);
this package does not import LightGBM on its own.
"""
