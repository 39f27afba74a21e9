"""Canonical frames → the modelling table: one row per batch × test age.

Rules, each a small step below: batches ↔ recipes by recipe_id and version (latest when the
batch names none); amounts are the batch's weighed ones, else the recipe's, per material;
settings likewise (the values a batches file gives a batch, else its recipe's); process
features over each batch's window; derived features from the amounts and the
materials catalogue; lab results by batch_id and test age, replicates averaged. Nothing is
dropped unreported: every record that cannot be linked is counted in the ``LinkReport``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine.linking._batch_settings import own_settings, split_own_settings, with_own_settings
from engine.linking._frames import canonical_frame, file_names, source_labels, unique_batches
from engine.linking._lab import REPLICATES_PREFIX, LabTable, lab_table
from engine.linking._recipes import (
    RecipeLink,
    actual_first,
    link_recipes,
    per_batch,
    recipe_amounts,
    recipe_settings,
    weighed_amounts,
)
from engine.linking.derived import (
    complete_alloy_balance,
    derived_features,
    material_densities,
    material_kinds,
    unknown_elements,
)
from engine.linking.options import LinkOptions
from engine.linking.process_features import FEATURE_UNITS_ATTR, aggregate_process_windows
from engine.linking.report import MAX_EXAMPLES, LinkIssue, LinkReport, make_issue
from engine.materials import MaterialKind
from engine.progress import CancelToken, ProgressCallback, no_progress, scaled
from engine.types import ModellingTable

ID_COLUMNS = ("batch_id", "recipe_id", "recipe_version", "plant", "line", "start_time")
AGE_COLUMN = "test_age_days"
PROVENANCE_COLUMNS = ("source_batch", "source_lab")


def build_modelling_table(
    frames: Mapping[str, pd.DataFrame],
    options: LinkOptions,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[ModellingTable, LinkReport]:
    """Link recipes, batches, process series and lab results into one modelling table.

    Args:
        frames: canonical frames named as in ``engine.schema.FRAME_COLUMNS``; missing ones
            count as empty. ``batches`` is required.
        options: process windows and features, and whether weighed amounts win.
        progress: receives (fraction, message).
        cancel: checked between steps and once per process tag.

    Returns:
        The table (one row per batch × test age; batches without lab results keep one row
        with empty targets) and the report of what could not be linked.

    Raises:
        FormixError: a frame lacks a required column or holds unreadable times.
        Cancelled: ``cancel`` was set.
    """
    progress = progress or no_progress
    names = file_names(canonical_frame(frames, "imports"))
    batches = canonical_frame(frames, "batches", ("batch_id", "recipe_id", "start_time"))
    batches, issues = unique_batches(batches, names)
    batches = batches.reset_index(drop=True)
    batch_ids = pd.Index(batches["batch_id"])
    _check(cancel)

    progress(0.0, "linking recipes")
    recipe_frames = [canonical_frame(frames, n, ("recipe_id", "version"))
                     for n in ("recipes", "recipe_components", "recipe_settings")]
    link, recipe_issues = link_recipes(batches, recipe_frames, names)
    issues += recipe_issues
    amounts, amount_units, amount_issues = _amounts(frames, batch_ids, link, options)
    issues += amount_issues
    series = frames.get("process_series")
    if series is None:
        series = canonical_frame(frames, "process_series")
    own, series = split_own_settings(series, canonical_frame(frames, "imports"))
    settings, categorical, setting_units, own_names = _settings(
        recipe_frames[2], own, batch_ids, link, options)
    notes: list[str] = []
    if own_names:
        notes.append(f"settings given per batch (batches files), inputs like recipe settings: "
                     f"{', '.join(own_names)}")
    _check(cancel)

    features, series_report = aggregate_process_windows(
        series, batches, options, scaled(progress, 0.1, 0.8), cancel, file_names=names)
    features = features.reset_index(drop=True)
    _check(cancel)

    progress(0.8, "derived features")
    materials = canonical_frame(frames, "materials")
    kinds = material_kinds(materials, amounts.columns)
    amounts, balance = complete_alloy_balance(amounts, kinds, options.balance_element)
    if balance.element is not None:
        kinds[balance.element] = MaterialKind.ELEMENT
        amount_units.setdefault(balance.element, _element_unit(amount_units, kinds))
        notes.append(f"{balance.element} is the balance element: added as 100 − Σ of the "
                     f"other elements to {balance.rows_filled:,} rows")
        issues += make_issue("alloy_over_100", "alloy compositions summing to over 100.5 wt %",
                             len(balance.rows_over_100),
                             (f"batch {batch_ids[i]}" for i in balance.rows_over_100))
    if unknown_elements(kinds):
        notes.append(f"no atomic fractions: no standard atomic weight for "
                     f"{unknown_elements(kinds)}")
    amounts = _zero_absent(amounts)
    derived, derived_units = derived_features(amounts, kinds,
                                              material_densities(materials, kinds))

    progress(0.9, "linking lab results")
    lab = lab_table(canonical_frame(frames, "lab_results", ("batch_id", "property", "value")),
                    batch_ids, names)
    issues += lab.issues
    without_lab = ~np.isin(np.arange(len(batches)), lab.frame["batch_pos"].to_numpy())
    issues += make_issue("batches_without_lab", "batches without lab results (targets empty)",
                         int(without_lab.sum()),
                         (str(b) for b in batch_ids[without_lab][:MAX_EXAMPLES]))
    _check(cancel)

    progress(0.95, "assembling the modelling table")
    groups = {"amounts": amounts, "settings": settings, "process": features,
              "derived": derived}
    table = _assemble(batches, link.batch_version, groups, categorical, lab, names,
                      {**amount_units, **setting_units,
                       **features.attrs.get(FEATURE_UNITS_ATTR, {}), **derived_units})
    counts = {"batches": len(batches), "rows": len(table.frame),
              "recipes": len(link.versions), "lab_results": len(frames.get(
                  "lab_results", ())), "lab_results_linked": lab.linked}
    report = LinkReport(counts, tuple(issues), tuple(notes)).merged(series_report)
    report = LinkReport(report.counts, _ordered(report.issues), report.notes)
    progress(1.0, "modelling table ready")
    return table, report


def _amounts(frames: Mapping[str, pd.DataFrame], batch_ids: pd.Index, link: RecipeLink,
             options: LinkOptions) -> tuple[pd.DataFrame, dict[str, str], list[LinkIssue]]:
    """Amount per batch and material: weighed or recipe as ``options`` prefers."""
    components = canonical_frame(frames, "recipe_components", ("recipe_id", "version",
                                                               "material", "amount"))
    weighed_frame = canonical_frame(frames, "batch_amounts", ("batch_id", "material", "amount"))
    recipe = per_batch(recipe_amounts(components, link), link)
    weighed = weighed_amounts(weighed_frame, batch_ids).reset_index(drop=True)
    materials = _material_order(canonical_frame(frames, "materials"),
                                [*recipe.columns, *weighed.columns])
    recipe = recipe.reindex(columns=materials)
    weighed = weighed.reindex(columns=materials)
    amounts = actual_first(weighed, recipe, options.prefer_weighed_amounts).astype(np.float64)
    amounts.columns = [str(c) for c in amounts.columns]

    recipe_units = _first_per(components, "material", "unit")
    weighed_units = _first_per(weighed_frame, "material", "unit")
    mismatched = [f"{m}: recipes {recipe_units[m]}, batches {weighed_units[m]}"
                  for m in recipe_units if m in weighed_units
                  and recipe_units[m] != weighed_units[m]]
    issues = make_issue("amount_unit_mismatch",
                        "materials whose recipe and weighed amounts differ in unit",
                        len(mismatched), mismatched)
    issues += _stored_doses(canonical_frame(frames, "materials"),
                            {"recipe": components, "batch": weighed_frame})
    no_amounts = amounts.isna().all(axis=1).to_numpy() if len(materials) else np.ones(
        len(batch_ids), dtype=bool)
    issues += make_issue("batches_without_amounts",
                         "batches with neither weighed nor recipe amounts",
                         int(no_amounts.sum()),
                         (str(b) for b in batch_ids[no_amounts][:MAX_EXAMPLES]))
    units = {**_first_per(canonical_frame(frames, "materials"), "material", "unit"),
             **recipe_units, **weighed_units}
    return amounts, {m: units.get(m, "") for m in amounts.columns}, issues


def _stored_doses(catalogue: pd.DataFrame, frames: Mapping[str, pd.DataFrame],
                  ) -> list[LinkIssue]:
    """Admixture doses a project stored per binder mass or per concrete volume (mL/kg, %,
    L/m³; Formix before doses were converted at import): the table would take them as kg/m³.
    They are reported, not converted here, so that the table, the optimiser's starting
    recipes and trial checks all read the same amounts; importing the file again stores
    them in kg/m³."""
    from engine.ingest.doses import dose_basis, material_facts

    examples: list[str] = []
    count = 0
    for where, frame in frames.items():
        if frame.empty or "unit" not in frame:
            continue
        pairs = frame.groupby(["material", "unit"], sort=True).size()
        kinds, _densities = material_facts(
            catalogue, [str(m) for m in pairs.index.get_level_values(0).unique()])
        for (material, unit), n in pairs.items():
            if dose_basis(str(unit), kinds[str(material)]) is not None:
                count += int(n)
                examples.append(f"{material}: {n} {where} amount(s) in {unit}")
    return make_issue("amounts_as_doses",
                      "admixture doses stored per binder mass or concrete volume and read as "
                      "kg/m³: remove their imports (formix imports remove) and import the "
                      "files again to store them in kg/m³", count, examples)


def _settings(recipe_frame: pd.DataFrame, own: pd.DataFrame, batch_ids: pd.Index,
              link: RecipeLink, options: LinkOptions,
              ) -> tuple[pd.DataFrame, list[str], dict[str, str], list[str]]:
    """Setting per batch: the batch's own value or its recipe's, as for amounts.

    Returns:
        The settings (rows as ``batch_ids``), the categorical ones, the unit of each, and
        the names of the settings batches give themselves.
    """
    table, categorical = recipe_settings(recipe_frame, link)
    recipe = per_batch(table, link)
    batch, batch_units = own_settings(own, batch_ids)
    settings = with_own_settings(recipe, categorical, batch, options.prefer_weighed_amounts)
    units = {**batch_units, **_first_per(recipe_frame, "setting", "unit")}
    return settings, categorical, {c: units.get(c, "") for c in settings.columns}, \
        list(batch.columns)


def _assemble(batches: pd.DataFrame, versions: pd.Series, groups: dict[str, pd.DataFrame],
              categorical: list[str], lab: LabTable, names: Mapping[object, str],
              units: dict[str, str]) -> ModellingTable:
    """Put ids, inputs, targets and provenance side by side, one row per batch × age."""
    ids = batches[list(ID_COLUMNS)].assign(recipe_version=versions.to_numpy())
    taken = set(ID_COLUMNS) | {AGE_COLUMN, *PROVENANCE_COLUMNS}
    inputs: list[pd.DataFrame] = []
    renamed_units: dict[str, str] = {}
    renamed_categorical: list[str] = []
    for group, frame in groups.items():
        renames = {}
        for column in frame.columns:
            name = column if column not in taken else f"{group}__{column}"
            taken.add(name)
            renames[column] = name
            renamed_units[name] = units.get(column, "")
            if group == "settings" and column in categorical:
                renamed_categorical.append(name)
        inputs.append(frame.rename(columns=renames))
    targets = {p: (p if p not in taken else f"target__{p}") for p in lab.properties}
    per_batch_frame = pd.concat([ids, *inputs], axis=1)
    per_batch_frame["source_batch"] = source_labels(batches, names).to_numpy()
    lab_frame = lab.frame.rename(columns=targets)
    frame = per_batch_frame.merge(lab_frame, how="left", left_index=True, right_on="batch_pos")
    frame = frame.drop(columns="batch_pos").sort_values("start_time", kind="stable",
                                                        na_position="last", ignore_index=True)
    count_columns = [REPLICATES_PREFIX + p for p in lab.properties]
    frame[count_columns] = frame[count_columns].fillna(0).astype(np.int64)
    has_age = bool(frame[AGE_COLUMN].notna().any())
    id_columns = (*ID_COLUMNS, AGE_COLUMN) if has_age else ID_COLUMNS
    input_columns = tuple(c for f in inputs for c in f.columns)
    target_columns = tuple(targets.values())
    provenance = (*PROVENANCE_COLUMNS, *count_columns)
    frame = frame[[*id_columns, *input_columns, *target_columns, *provenance]]
    table_units = {c: renamed_units[c] for c in input_columns}
    table_units.update({targets[p]: lab.units.get(p, "") for p in lab.properties})
    return ModellingTable(
        frame=frame, id_columns=id_columns, group_column="recipe_id",
        age_column=AGE_COLUMN if has_age else None, time_column="start_time",
        input_columns=input_columns, categorical_columns=tuple(renamed_categorical),
        target_columns=target_columns, provenance_columns=provenance, units=table_units)


def _material_order(materials: pd.DataFrame, codes: list[object]) -> list[object]:
    """Material columns: catalogue order first, then the others sorted by name."""
    present = list(dict.fromkeys(codes))
    catalogue = [m for m in materials["material"].tolist() if m in set(present)]
    return catalogue + sorted((c for c in present if c not in set(catalogue)), key=str)


def _zero_absent(amounts: pd.DataFrame) -> pd.DataFrame:
    """A material a batch does not list is 0 in it (rows without any amount stay NaN)."""
    has_any = amounts.notna().any(axis=1)
    return amounts.where(amounts.notna() | ~has_any.to_numpy()[:, None], 0.0)


def _element_unit(units: dict[str, str], kinds: dict[str, MaterialKind]) -> str:
    return next((units[c] for c, k in kinds.items() if k is MaterialKind.ELEMENT
                 and units.get(c)), "percent")


def _first_per(frame: pd.DataFrame, key: str, column: str) -> dict[str, str]:
    """First non-empty ``column`` value per ``key`` value, as text."""
    if frame.empty:
        return {}
    valid = frame[[key, column]].dropna()
    first = valid.drop_duplicates(subset=key)
    return dict(zip(first[key].astype(str), first[column].astype(str), strict=True))


_ISSUE_ORDER = ("batches_without_id", "batches_duplicate_id", "batches_missing_recipe",
                "batches_without_amounts", "amounts_as_doses", "amount_unit_mismatch",
                "alloy_over_100", "lab_missing_batch", "lab_invalid", "lab_mixed_units",
                "batches_without_lab")


def _ordered(issues: tuple[LinkIssue, ...]) -> tuple[LinkIssue, ...]:
    """Issues in a fixed order: batches and recipes, lab, then process series."""
    rank = {code: i for i, code in enumerate(_ISSUE_ORDER)}
    return tuple(sorted(issues, key=lambda i: rank.get(i.code, len(rank))))


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()
