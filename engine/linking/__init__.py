"""Linking: recipes ↔ batches ↔ process windows ↔ lab results → the modelling table."""

from engine.linking.derived import (
    AlloyBalance,
    complete_alloy_balance,
    derived_features,
    deriver,
    material_densities,
    material_kinds,
)
from engine.linking.modelling_table import build_modelling_table
from engine.linking.options import PROCESS_FEATURES, LinkOptions
from engine.linking.process_features import aggregate_process_windows
from engine.linking.report import LinkIssue, LinkReport

__all__ = [
    "PROCESS_FEATURES",
    "AlloyBalance",
    "LinkIssue",
    "LinkOptions",
    "LinkReport",
    "aggregate_process_windows",
    "build_modelling_table",
    "complete_alloy_balance",
    "derived_features",
    "deriver",
    "material_densities",
    "material_kinds",
]
