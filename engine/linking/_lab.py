"""Lab results → one row per batch × test age, replicates averaged, sources kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.linking._frames import source_labels
from engine.linking.report import MAX_EXAMPLES, LinkIssue, make_issue

REPLICATES_PREFIX = "n_replicates__"


@dataclass(frozen=True)
class LabTable:
    """Lab results per batch × test age.

    Attributes:
        frame: columns ``batch_pos`` (row of the batch in the batches table),
            ``test_age_days``, one column per property (mean of its replicates),
            ``n_replicates__<property>`` and ``source_lab``.
        properties: the property columns, sorted.
        units: unit of each property.
        linked: lab rows that were linked to a batch.
        issues: lab rows that were not.
    """

    frame: pd.DataFrame
    properties: tuple[str, ...]
    units: dict[str, str] = field(default_factory=dict)
    linked: int = 0
    issues: tuple[LinkIssue, ...] = ()


def lab_table(lab: pd.DataFrame, batch_ids: pd.Index, names: Mapping[object, str]) -> LabTable:
    """Average replicates per batch, test age and property.

    Results without a test age (fresh-concrete properties such as slump, or alloy tests)
    belong to every test age of their batch; a batch with only such results gets one row
    without an age. Where a property has both, the aged value wins on its own row.

    Args:
        lab: canonical ``lab_results`` frame.
        batch_ids: the batches, in the order ``batch_pos`` refers to.
        names: import_id → file name for ``source_lab`` and report examples.
    """
    value = pd.to_numeric(lab["value"], errors="coerce")
    invalid = (value.isna() | lab["property"].isna()).to_numpy()
    position = batch_ids.get_indexer(lab["batch_id"])
    missing = (position < 0) & ~invalid
    issues = make_issue("lab_invalid", "lab result rows without a property or value (not used)",
                        int(invalid.sum()), _examples(lab[invalid], names))
    issues += make_issue("lab_missing_batch",
                         "lab result rows whose batch is not in the batches table (not used)",
                         int(missing.sum()), _examples(lab[missing], names))
    keep = ~invalid & ~missing
    rows = pd.DataFrame({
        "batch_pos": position[keep],
        "test_age_days": pd.to_numeric(lab["test_age_days"], errors="coerce").to_numpy()[keep],
        "property": lab["property"].astype(str).to_numpy()[keep],
        "value": value.to_numpy()[keep],
        "source": source_labels(lab[keep], names).to_numpy(),
    })
    units, unit_issues = _units(lab[keep])
    properties = tuple(sorted(rows["property"].unique()))
    aged = rows[rows["test_age_days"].notna()]
    ageless = rows[rows["test_age_days"].isna()]
    table = _combine(_aggregate(aged, ["batch_pos", "test_age_days"]),
                     _aggregate(ageless, ["batch_pos"]), properties)
    return LabTable(table, properties, units, int(keep.sum()), tuple(issues + unit_issues))


def _aggregate(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean and count per key × property (wide), and the joined source labels per key."""
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "source_lab"])
    grouped = rows.groupby([*keys, "property"], sort=True)["value"]
    wide = grouped.agg(["mean", "count"]).unstack("property")
    result = wide["mean"].copy()
    for prop in wide["count"].columns:
        result[REPLICATES_PREFIX + prop] = wide["count"][prop].fillna(0).astype(np.int64)
    codes = rows.groupby(keys, sort=True).ngroup().to_numpy()
    result["source_lab"] = _join_per_group(codes, rows["source"].to_numpy(object))
    result.columns.name = None
    return result.reset_index()


def _combine(aged: pd.DataFrame, ageless: pd.DataFrame,
             properties: tuple[str, ...]) -> pd.DataFrame:
    """Aged rows with the batch's age-less results filled in; age-less-only batches added."""
    aged = _complete(aged, properties)
    ageless = _complete(ageless, properties).set_index("batch_pos")
    if len(aged) and len(ageless):
        extra = ageless.reindex(aged["batch_pos"]).reset_index(drop=True)
        for prop in properties:
            count = REPLICATES_PREFIX + prop
            use_extra = aged[prop].isna() & extra[prop].notna()
            aged[prop] = aged[prop].where(~use_extra, extra[prop])
            aged[count] = aged[count].where(~use_extra, extra[count])
        both = aged["source_lab"].notna() & extra["source_lab"].notna()
        aged["source_lab"] = (aged["source_lab"].where(~both, aged["source_lab"] + ";"
                                                       + extra["source_lab"])
                              .fillna(extra["source_lab"]))
    lone = ageless[~ageless.index.isin(aged["batch_pos"])].reset_index()
    lone["test_age_days"] = np.nan
    frame = pd.concat([df for df in (aged, lone) if len(df)] or [aged], ignore_index=True)
    frame = frame.astype({REPLICATES_PREFIX + p: np.int64 for p in properties})
    frame = frame.astype({"batch_pos": np.int64, "test_age_days": np.float64})
    frame = frame.sort_values(["batch_pos", "test_age_days"], kind="stable",
                              na_position="last", ignore_index=True)
    return frame[["batch_pos", "test_age_days", *properties,
                  *(REPLICATES_PREFIX + p for p in properties), "source_lab"]]


def _complete(frame: pd.DataFrame, properties: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with every key, property, count and source column (NaN, 0 where absent)."""
    frame = frame.reset_index(drop=True)
    for column in ("batch_pos", "test_age_days", *properties, "source_lab"):
        if column not in frame:
            frame[column] = np.nan
    for prop in properties:
        count = REPLICATES_PREFIX + prop
        frame[count] = frame[count].fillna(0) if count in frame else 0
    return frame


def _join_per_group(codes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Labels joined with ";" per group code, groups in code order (no Python loop)."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    first = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]] if len(codes) else np.array(
        [], dtype=bool)
    separators = np.where(first, "", ";").astype(object)
    joined = separators + labels[order]  # element-wise str concatenation
    return np.add.reduceat(joined, np.flatnonzero(first)) if len(joined) else joined


def _units(lab: pd.DataFrame) -> tuple[dict[str, str], list[LinkIssue]]:
    per_property = lab.dropna(subset=["unit"]).groupby("property")["unit"].unique()
    units = {str(p): str(u[0]) for p, u in per_property.items()}
    mixed = [f"{p}: {', '.join(map(str, u))}" for p, u in per_property.items() if len(u) > 1]
    return units, make_issue("lab_mixed_units", "lab properties reported in several units",
                             len(mixed), mixed)


def _examples(rows: pd.DataFrame, names: Mapping[object, str]) -> list[str]:
    head = rows.head(MAX_EXAMPLES)
    labels = source_labels(head, names)
    return [f"batch {b}, {p} = {v} ({label})" for b, p, v, label in zip(
        head["batch_id"], head["property"], head["value"], labels, strict=True)]
