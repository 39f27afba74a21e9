"""All-or-nothing import of plant files into a project.

Every file is read, mapped and validated first; then the files are checked against the
project (recipes referenced by batches exist, batch ids are new, files not imported twice,
recipe versions), also when a file has errors in its cells, so one run lists both kinds;
only a file that could not be read at all leaves the project checks out. Any error rejects
the whole import before the database is opened for writing, so a rejected import leaves the
project file byte-identical. Warnings are recorded with the import. A dry run takes the same
path and stops before the write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import Finding, FormixError, ImportRejected, ReaderError, Severity, errors_in
from engine.ingest import _plausible
from engine.ingest.doses import import_doses
from engine.ingest.mapping import ImportProfile
from engine.ingest.normalise import normalise
from engine.ingest.reader import SourceTable
from engine.ingest.registry import ReaderRegistry, default_registry
from engine.ingest.suggest import resolve_dayfirst, suggest_mapping
from engine.materials import DEFAULT_DENSITY_KG_M3, MaterialKind, guess_kind
from engine.progress import CancelToken, ProgressCallback, no_progress, scaled
from engine.schema import FRAME_COLUMNS, DatasetKind
from engine.storage import PendingFile, ProjectStore
from engine.types import ImportSource

# Files are written in this order so that a batch file can name recipes of the same import.
_KIND_ORDER = {
    DatasetKind.MATERIALS: 0,
    DatasetKind.RECIPES: 1,
    DatasetKind.SAMPLES: 2,
    DatasetKind.BATCHES: 3,
    DatasetKind.LAB_RESULTS: 4,
    DatasetKind.PROCESS_SERIES: 5,
}
_MAX_EXAMPLES = 5


@dataclass(frozen=True)
class FileImported:
    """What one file of an import contributed (``import_id`` is None in a dry run)."""

    file: str
    kind: str
    import_id: int | None
    n_rows: int
    counts: dict[str, int]


@dataclass(frozen=True)
class ImportResult:
    """A successful import: per-file summaries and the warnings recorded with it."""

    files: tuple[FileImported, ...]
    warnings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "files": [f.__dict__ for f in self.files],
            "warnings": [w.to_dict() for w in self.warnings],
        }


@dataclass(frozen=True)
class _Prepared:
    path: Path
    sha256: str
    profile: ImportProfile
    frames: dict[str, pd.DataFrame]
    findings: list[Finding]
    n_rows: int
    units: tuple[str, ...] = ()


def read_source(
    path: Path, registry: ReaderRegistry | None = None, options: dict | None = None
) -> SourceTable:
    """Read a file's first table with the reader the registry picks for it."""
    registry = registry or default_registry()
    reader = registry.reader_for(path, options or {})
    result = reader.read(path, no_progress)
    return result.tables[0]


def import_files(
    store: ProjectStore,
    sources: Sequence[ImportSource],
    *,
    registry: ReaderRegistry | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import files into the project in one transaction.

    Args:
        store: the open project.
        sources: plant files; each is read by the reader the registry picks for it, and
            mapped with its profile (suggested from its headers when None).
        registry: reader registry (the installed plugins by default).
        progress: receives fraction and message.
        cancel: checked between files; cancelling writes nothing.
        dry_run: read, validate and check against the project exactly as the import does,
            then write nothing; the result tells what would be imported (no import ids).

    Raises:
        ImportRejected: any error in any file; nothing was written.
    """
    registry = registry or default_registry()
    already = store.imported_checksums()
    prepared: list[_Prepared] = []
    findings: list[Finding] = []
    unread = False  # a file gave errors and nothing to check: references into it are unknown
    for index, source in enumerate(sources):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(index / max(len(sources), 1) * 0.6, f"reading {source.path.name}")
        item = _prepare(source.path, source.kind, source.profile, registry, already)
        findings.extend(item.findings)
        if item.frames:
            prepared.append(item)
        else:
            unread |= bool(errors_in(item.findings))
    prepared.sort(key=lambda item: _KIND_ORDER[DatasetKind(item.profile.kind)])
    if not unread:
        progress(0.65, "checking against the project")
        findings.extend(_check_against_project(store, prepared))
    if errors_in(findings):
        raise ImportRejected(findings)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if dry_run:
        progress(1.0, "checked; nothing written (dry run)")
    import_ids: Sequence[int | None] = (
        [None] * len(prepared) if dry_run else _write(store, prepared, progress))
    summaries = tuple(
        FileImported(
            file=item.path.name,
            kind=str(item.profile.kind),
            import_id=import_id,
            n_rows=item.n_rows,
            counts={name: len(frame) for name, frame in item.frames.items() if len(frame)},
        )
        for item, import_id in zip(prepared, import_ids, strict=True)
    )
    warnings = tuple(f for f in findings if f.severity is Severity.WARNING)
    return ImportResult(summaries, warnings)


def _write(store: ProjectStore, prepared: list[_Prepared], progress: ProgressCallback
           ) -> list[int]:
    """Write the checked files in one transaction; returns their import ids."""
    pending = [
        PendingFile(
            kind=item.profile.kind,
            file_name=item.path.name,
            file_path=str(item.path.resolve()),
            sha256=item.sha256,
            n_rows=item.n_rows,
            profile_json=item.profile.model_dump_json(),
            findings_json=json.dumps([f.to_dict() for f in item.findings]),
            frames=item.frames,
        )
        for item in prepared
    ]
    scaled(progress, 0.7, 1.0)(0.0, "writing")
    import_ids = store.write_import(pending)
    _choose_display_units(store, prepared)
    progress(1.0, "imported")
    return import_ids


def _choose_display_units(store: ProjectStore, prepared: list[_Prepared]) -> None:
    """A project without a display-unit choice shows results in its first files' units."""
    from engine.display_units import SETTING_KEY, unit_system_of

    if store.get_setting(SETTING_KEY) is None:
        system = unit_system_of(unit for item in prepared for unit in item.units)
        if system is not None:
            store.set_setting(SETTING_KEY, system)


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _prepare(
    path: Path,
    kind: DatasetKind | None,
    profile: ImportProfile | None,
    registry: ReaderRegistry,
    already: dict[str, str],
) -> _Prepared:
    name = path.name
    empty = _Prepared(path, "", profile or ImportProfile(kind=kind or DatasetKind.SAMPLES), {},
                      [], 0)
    if not path.is_file():
        return _with(empty, Finding(name, None, None, "file not found"))
    sha = file_sha256(path)
    if sha in already:
        reason = (f"this file was already imported (as {already[sha]}); nothing to add. To "
                  "import it again (e.g. with another mapping), remove that import first: "
                  "formix imports list / remove, or Data → Import history")
        return _with(empty, Finding(name, None, None, reason))
    try:
        options = profile.reader_options.model_dump(exclude_none=True) if profile else {}
        table = read_source(path, registry, options)
    except ReaderError as error:
        return _with(empty, error.finding)
    except FormixError as error:
        return _with(empty, Finding(name, None, None, str(error)))
    notes: list[Finding] = list(table.notes)
    if profile is None:
        suggestion = suggest_mapping(table, kind, name)
        chosen = suggestion.profile
        notes += suggestion.findings
    else:
        chosen = resolve_dayfirst(profile, table)
    if kind is not None and chosen.kind != kind:
        chosen = chosen.model_copy(update={"kind": kind})
    result = normalise(table, chosen, name)
    units = tuple(m.unit or table.declared_units.get(m.source) or chosen.defaults.unit or ""
                  for m in chosen.columns)
    return _Prepared(path, sha, chosen, dict(result.frames), [*notes, *result.findings],
                     result.n_rows, units)


def _with(item: _Prepared, finding: Finding) -> _Prepared:
    return _Prepared(item.path, item.sha256, item.profile, {}, [finding], 0)


def _source_column(profile: ImportProfile, field: str) -> str | None:
    for mapping in profile.columns:
        if mapping.field == field:
            return mapping.source
    return None


# ---------------------------------------------------------------------- project checks
def _check_against_project(store: ProjectStore, prepared: list[_Prepared]) -> list[Finding]:
    """Cross-file and project checks; resolves recipe versions and new materials in place."""
    findings: list[Finding] = []
    existing = store.frames(["materials", "recipes", "recipe_components", "recipe_settings",
                             "batches"])
    known_materials = set(existing["materials"]["material"])
    recipe_state = _RecipeVersions(existing)
    known_batches = set(existing["batches"]["batch_id"].astype(str))
    catalogue = _known_catalogue(existing["materials"], prepared)
    recipe_parts = [existing["recipe_components"]]  # for _plausible: the recipes so far
    for item in prepared:
        # a row with a bad cell (a text amount, a batch volume of 0) is not checked further:
        # its follow-on errors (no cement, an infinite amount) would say nothing new
        bad_rows = {f.row for f in errors_in(item.findings)}
        columns = _plausible.component_columns(item.profile)
        written = dict(zip((m.source for m in item.profile.columns), item.units, strict=False))
        findings.extend(import_doses(
            item.frames, catalogue, item.path.name, columns,
            {material: written.get(source, "") for material, source in columns.items()},
            bad_rows))
        if (recipes := item.frames.get("recipes")) is not None and len(recipes):
            findings.extend(f for f in recipe_state.resolve(item) if f.row not in bad_rows)
            recipe_parts.append(item.frames.get("recipe_components", recipe_parts[0][:0]))
        findings.extend(_plausible.mix_totals(item.path.name, item.frames, catalogue, bad_rows))
        if (batches := item.frames.get("batches")) is not None and len(batches):
            if item.profile.kind == DatasetKind.SAMPLES:
                _reuse_sample_batches(item, known_batches)
            else:
                findings.extend(_check_batches(item, batches, recipe_state, known_batches))
                findings.extend(_plausible.batch_amounts(
                    item.path.name, item.profile, item.frames, pd.concat(recipe_parts),
                    recipe_state.latest, bad_rows))
        findings.extend(_add_new_materials(item, known_materials))
        for name in ("lab_results", "process_series"):
            frame = item.frames.get(name)
            if frame is not None and "batch_id" in frame and len(frame):
                findings.extend(_warn_unknown_batches(item, frame, known_batches))
    return findings


def _known_catalogue(existing: pd.DataFrame, prepared: list[_Prepared]) -> pd.DataFrame:
    """The project's materials with this import's catalogue rows over them (a blank cell of
    the import keeps the project's figure): kinds and densities for dose conversion."""
    incoming = [item.frames["materials"] for item in prepared
                if "materials" in item.frames and len(item.frames["materials"])]
    if not incoming:
        return existing
    stacked = pd.concat([existing, *incoming], ignore_index=True)
    return stacked.groupby("material", sort=False, as_index=False).last()


class _RecipeVersions:
    """Latest stored content of every recipe, to reuse identical ones and version changed ones."""

    def __init__(self, existing: dict[str, pd.DataFrame]) -> None:
        recipes = existing["recipes"]
        self.latest: dict[str, int] = (
            recipes.groupby("recipe_id")["version"].max().astype(int).to_dict()
        )
        self.signatures = _signatures(existing["recipe_components"], existing["recipe_settings"])

    def known(self, recipe_id: str) -> bool:
        return recipe_id in self.latest

    def resolve(self, item: _Prepared) -> list[Finding]:
        frames = item.frames
        recipes = frames["recipes"].copy()
        has_version_column = _source_column(item.profile, "version") is not None
        incoming = _signatures(frames.get("recipe_components"), frames.get("recipe_settings"))
        id_column = _source_column(item.profile, "recipe_id") or "recipe_id"
        findings: list[Finding] = []
        keep = np.ones(len(recipes), dtype=bool)
        versions = recipes["version"].to_numpy(dtype=object)
        for position, (recipe_id, version, row) in enumerate(
            zip(recipes["recipe_id"].astype(str), recipes["version"], recipes["source_row"],
                strict=True)
        ):
            given = int(version) if has_version_column and pd.notna(version) else None
            signature = incoming.get((recipe_id, int(version) if pd.notna(version) else 1))
            if recipe_id not in self.latest:
                new_version = given or 1
            elif given is not None and (recipe_id, given) in self.signatures:
                if self.signatures[(recipe_id, given)] != signature:
                    findings.append(Finding(
                        item.path.name, _int(row), id_column,
                        f"recipe {recipe_id} version {given} is already in the project with "
                        "other amounts or settings; give the changed recipe a new version",
                    ))
                keep[position] = False
                continue
            elif given is not None:
                new_version = given
            else:
                latest = self.latest[recipe_id]
                if self.signatures.get((recipe_id, latest)) == signature:
                    keep[position] = False  # identical to the stored recipe: reuse it
                    continue
                new_version = latest + 1
                findings.append(Finding(
                    item.path.name, _int(row), id_column,
                    f"recipe {recipe_id} differs from the stored version {latest}; "
                    f"stored as version {new_version}",
                    Severity.WARNING,
                ))
            versions[position] = new_version
            self.latest[recipe_id] = max(self.latest.get(recipe_id, 0), new_version)
            if signature is not None:
                self.signatures[(recipe_id, new_version)] = signature
        old_versions = recipes["version"].to_numpy(dtype=object)
        recipes["version"] = versions
        renumber = {
            (rid, int(old) if pd.notna(old) else 1): int(new)
            for rid, old, new, kept in zip(
                recipes["recipe_id"].astype(str), old_versions, versions, keep, strict=True
            )
            if kept
        }
        frames["recipes"] = recipes[keep].reset_index(drop=True)
        for child in ("recipe_components", "recipe_settings"):
            frame = frames.get(child)
            if frame is None or not len(frame):
                continue
            keys = list(zip(frame["recipe_id"].astype(str),
                            frame["version"].fillna(1).astype(int), strict=True))
            mask = np.array([key in renumber for key in keys], dtype=bool)
            frame = frame[mask].copy()
            frame["version"] = [renumber[key] for key, kept in zip(keys, mask, strict=True)
                                if kept]
            frames[child] = frame.reset_index(drop=True)
        return findings


def _signatures(
    components: pd.DataFrame | None, settings: pd.DataFrame | None
) -> dict[tuple[str, int], tuple]:
    """A comparable content signature per (recipe_id, version)."""
    parts: dict[tuple[str, int], list] = {}
    for frame, value_columns in ((components, ("material", "amount")),
                                 (settings, ("setting", "value_num", "value_text"))):
        if frame is None or not len(frame):
            continue
        versions = frame["version"].fillna(1).astype(int)
        for key, group in frame.assign(version=versions).groupby(["recipe_id", "version"]):
            values = group.loc[:, list(value_columns)].astype(object)
            values = values.where(pd.notna(values), None)
            rows = sorted(
                tuple(round(v, 9) if isinstance(v, float) else v for v in record)
                for record in values.itertuples(index=False)
            )
            parts.setdefault((str(key[0]), int(key[1])), []).extend(rows)
    return {key: tuple(sorted(rows)) for key, rows in parts.items()}


def _check_batches(
    item: _Prepared, batches: pd.DataFrame, recipes: _RecipeVersions, known: set[str]
) -> list[Finding]:
    findings: list[Finding] = []
    name = item.path.name
    batch_column = _source_column(item.profile, "batch_id") or "batch_id"
    recipe_column = _source_column(item.profile, "recipe_id") or "recipe_id"
    ids = batches["batch_id"].astype(str)
    for batch_id, row in zip(ids[ids.isin(known)], batches.loc[ids.isin(known), "source_row"],
                             strict=True):
        findings.append(Finding(name, _int(row), batch_column,
                                f"batch {batch_id} is already in the project"))
    missing = batches["recipe_id"].notna() & ~batches["recipe_id"].astype(str).map(recipes.known)
    for recipe_id, row in zip(batches.loc[missing, "recipe_id"], batches.loc[missing, "source_row"],
                              strict=True):
        findings.append(Finding(
            name, _int(row), recipe_column,
            f"batch refers to recipe {recipe_id}, which is neither in the project nor in this "
            "import",
        ))
    known.update(ids)
    return findings


def _reuse_sample_batches(item: _Prepared, known: set[str]) -> None:
    """A flat mix table's batches stand for its recipes: one already stored is reused."""
    batches = item.frames["batches"]
    stored = batches["batch_id"].astype(str).isin(known)
    item.frames["batches"] = batches[~stored].reset_index(drop=True)
    amounts = item.frames.get("batch_amounts")
    if amounts is not None and len(amounts):
        item.frames["batch_amounts"] = amounts[
            ~amounts["batch_id"].astype(str).isin(known)
        ].reset_index(drop=True)
    known.update(batches["batch_id"].astype(str))


def _add_new_materials(item: _Prepared, known: set[str]) -> list[Finding]:
    """Materials named by components but absent from the catalogue are added, with a warning."""
    used: dict[str, str] = {}
    for name in ("recipe_components", "batch_amounts"):
        frame = item.frames.get(name)
        if frame is not None and len(frame):
            for material, unit in frame.groupby("material")["unit"].first().items():
                used.setdefault(str(material), str(unit))
    catalogue = item.frames.get("materials")
    if catalogue is not None and len(catalogue):
        known.update(catalogue["material"].astype(str))
    new = {material: unit for material, unit in used.items() if material not in known}
    if not new:
        return []
    rows = []
    for material, unit in sorted(new.items()):
        kind = guess_kind(material)
        rows.append({
            "material": material,
            "name": material.replace("_", " "),
            "kind": kind.value,
            "unit": unit,
            "price_per_unit": None,
            "currency": None,
            "co2_per_unit": None,
            "density_kg_m3": DEFAULT_DENSITY_KG_M3.get(kind),
            "source": f"added from {item.path.name}; kind guessed from the name",
        })
    added = pd.DataFrame(rows, columns=list(FRAME_COLUMNS["materials"]))
    item.frames["materials"] = (
        added if catalogue is None or not len(catalogue)
        else pd.concat([catalogue, added], ignore_index=True)
    )
    known.update(new)
    listing = ", ".join(f"{r['material']} ({r['kind']})" for r in rows[:12])
    if len(rows) > 12:
        listing += f" and {len(rows) - 12} more"
    others = [r for r in rows if r["kind"] == MaterialKind.OTHER.value]
    reason = (f"{len(rows)} material(s) added to the catalogue: {listing}; set prices, CO₂ "
              "factors and densities in the materials catalogue")
    findings = [Finding(item.path.name, None, None, reason, Severity.WARNING)]
    if others:
        findings.append(Finding(
            item.path.name, None, None,
            "kind not recognised for: " + ", ".join(r["material"] for r in others[:12])
            + "; derived features (w/c, binder) ignore them until a kind is set",
            Severity.WARNING,
        ))
    return findings


def _warn_unknown_batches(item: _Prepared, frame: pd.DataFrame, known: set[str]) -> list[Finding]:
    ids = frame["batch_id"]
    present = ids.notna()
    unknown = present & ~ids.astype(str).isin(known)
    count = int(unknown.sum())
    if not count:
        return []
    examples = ", ".join(map(str, pd.unique(ids[unknown])[:_MAX_EXAMPLES]))
    first_row = _int(frame.loc[unknown, "source_row"].iloc[0])
    column = _source_column(item.profile, "batch_id") or "batch_id"
    return [Finding(
        item.path.name, first_row, column,
        f"{count} row(s) name batches that are not in the project (e.g. {examples}); they are "
        "kept and reported as unlinked",
        Severity.WARNING,
    )]


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]
