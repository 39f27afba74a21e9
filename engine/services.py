"""The engine's service API: what the desktop, the CLI and the tests call.

Every function takes a project location (a ``.formix`` file path or an SQLAlchemy URL),
opens the project, does one job and closes it, so it can run on a worker thread. Long jobs
take a progress callback and a cancel token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import FormixError
from engine.model_services import (
    TrainingReport,
    load_model_set,
    model_inputs,
    model_versions,
    predict,
    project_deriver,
    train_models,
)
from engine.optimisation_services import (
    OptimisationRun,
    batch_ids,
    check_trial,
    default_is_draft,
    default_study,
    display_study,
    explain_recipe,
    export_recommendations,
    load_run,
    load_study,
    material_factors,
    optimisation_runs,
    optimise,
    project_recipes,
    recommend,
    record_trial,
    remove_trial,
    save_study,
    saved_recommendations,
    trials,
)
from engine.plugin_services import (
    InstalledPlugin,
    install_plugin_wheel,
    list_plugins,
    set_plugin_enabled,
    validate_plugin,
)
from engine.progress import CancelToken, ProgressCallback, no_progress
from engine.schema import DatasetKind
from engine.types import ImportSource

if TYPE_CHECKING:
    import pandas as pd

    from engine.display_units import DisplayUnits
    from engine.ingest.importer import ImportResult
    from engine.ingest.mapping import ImportProfile
    from engine.ingest.reader import SourceTable
    from engine.linking import LinkOptions, LinkReport
    from engine.recommendation.explain import ExplainedRecommendation
    from engine.storage import ImportEntry, RemovalPlan
    from engine.types import BatchSeries, ModellingTable

__all__ = [
    "DatasetKind",
    "ImportSource",
    "InstalledPlugin",
    "OptimisationRun",
    "ProjectLocation",
    "ProjectSummary",
    "TrainingReport",
    "batch_ids",
    "check_table_file",
    "check_trial",
    "create_demo",
    "create_project",
    "data_attributions",
    "default_is_draft",
    "default_study",
    "display_study",
    "display_units",
    "explain_recipe",
    "export_recommendations",
    "export_table",
    "file_filters",
    "import_files",
    "import_sources",
    "install_plugin_wheel",
    "link_options",
    "list_imports",
    "list_plugins",
    "load_model_set",
    "load_profile",
    "load_run",
    "load_study",
    "mapping_fields",
    "material_factors",
    "model_inputs",
    "model_versions",
    "modelling_table",
    "optimisation_runs",
    "optimise",
    "plan_import_removal",
    "predict",
    "preview_file",
    "process_series_for_batch",
    "product_basis",
    "project_deriver",
    "project_recipes",
    "project_summary",
    "recommend",
    "record_trial",
    "remove_import",
    "remove_trial",
    "save_link_options",
    "save_profile",
    "save_study",
    "saved_recommendations",
    "set_display_units",
    "set_plugin_enabled",
    "shown_recommendations",
    "shown_table_values",
    "train_models",
    "trials",
    "trials_in_units",
    "validate_plugin",
    "write_frame_atomic",
]

ProjectLocation = str | Path
LINK_OPTIONS_KEY = "link_options"


@dataclass(frozen=True)
class ProjectSummary:
    """Where a project is, how many rows each table holds, and the units it shows results
    in ("SI" or "US", see :func:`display_units`)."""

    location: str
    counts: dict[str, int]
    units: str = "SI"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"location": self.location, "counts": self.counts, "units": self.units}


def create_project(location: ProjectLocation) -> ProjectSummary:
    """Create an empty project (a new SQLite file, or a schema in an empty server database)."""
    from engine.storage import ProjectStore

    with ProjectStore.create(location) as store:
        return _summary(store)


def _summary(store: Any) -> ProjectSummary:
    from engine.display_units import SETTING_KEY, DisplayUnits

    units = DisplayUnits.of(store.get_setting(SETTING_KEY)).system
    return ProjectSummary(str(store.path or store.location), store.counts(), units)


def project_summary(location: ProjectLocation) -> ProjectSummary:
    """Row counts of an existing project (upgrading an older schema after a backup)."""
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return _summary(store)


def preview_file(
    path: Path, kind: DatasetKind | None = None, profile: ImportProfile | None = None
) -> tuple[SourceTable, ImportProfile]:
    """Read a file and suggest (or apply) a column mapping, without touching any project.

    A given profile that leaves ``dayfirst`` open gets it decided from the file, as on import.
    """
    from engine.ingest.importer import read_source
    from engine.ingest.suggest import resolve_dayfirst, suggest_profile

    options = profile.reader_options.model_dump(exclude_none=True) if profile else {}
    table = read_source(path, options=options)
    return table, resolve_dayfirst(profile, table) if profile else suggest_profile(table, kind)


def import_files(
    location: ProjectLocation,
    files: Sequence[Path | str],
    *,
    kind: DatasetKind | str | None = None,
    profile: ImportProfile | Path | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import files into a project, all or nothing.

    Args:
        location: the project.
        files: the files; all of the same kind when ``kind`` or ``profile`` is given.
        kind: what the files hold; guessed per file when None.
        profile: a column mapping (or the path of a saved profile) for all files.
        progress: receives fraction and message.
        cancel: cancelling before the write leaves the project untouched.
        dry_run: run every check of the import, then write nothing (the same errors and
            warnings; the result tells what would be imported).

    Raises:
        engine.errors.ImportRejected: with every finding; nothing was written.
        engine.ingest.mapping.ProfileError: ``profile`` is a path to an invalid profile.
    """
    from engine.ingest.importer import import_files as run_import
    from engine.storage import ProjectStore

    if isinstance(profile, str | Path):
        from engine.ingest.mapping import load_profile

        profile = load_profile(Path(profile))
    wanted = DatasetKind(kind) if kind is not None else None
    sources = [ImportSource(Path(f), wanted, profile) for f in files]
    with ProjectStore.open(location) as store:
        return run_import(store, sources, progress=progress, cancel=cancel, dry_run=dry_run)


def import_sources(
    location: ProjectLocation,
    sources: Sequence[ImportSource],
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ImportResult:
    """Import files of different kinds (each with its own profile) in one transaction."""
    from engine.ingest.importer import import_files as run_import
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return run_import(store, sources, progress=progress, cancel=cancel)


def display_units(location: ProjectLocation) -> DisplayUnits:
    """The units the project shows results in (metric unless chosen otherwise, or imported
    from files in US customary units)."""
    from engine.display_units import SETTING_KEY, DisplayUnits
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return DisplayUnits.of(store.get_setting(SETTING_KEY))


def set_display_units(location: ProjectLocation, system: str) -> DisplayUnits:
    """Show the project's results in ``system``: "SI" (metric) or "US" (US customary).

    Raises:
        FormixError: an unknown system.
    """
    from engine.display_units import SETTING_KEY, SYSTEMS, DisplayUnits
    from engine.storage import ProjectStore

    key = str(system).upper()
    if key not in SYSTEMS:
        raise FormixError(f"unknown unit system '{system}': use {' or '.join(SYSTEMS)}")
    with ProjectStore.open(location) as store:
        store.set_setting(SETTING_KEY, key)
    return DisplayUnits.of(key)


def product_basis(amount_units: Sequence[str]) -> str:
    """What amounts, and so cost and CO₂, are per ("m³" for kg/m³, "kg" for wt %, "")."""
    from engine.optimisation.materials import product_basis as basis

    return basis(amount_units)


def shown_recommendations(
    recommendations: Sequence[ExplainedRecommendation | dict[str, Any]], units: DisplayUnits,
) -> list[ExplainedRecommendation]:
    """Recommendations (objects or stored dicts) with their figures in ``units``."""
    from engine.recommendation.display import shown_recommendations as shown

    return shown(recommendations, units)


def trials_in_units(frame: pd.DataFrame, units: DisplayUnits) -> pd.DataFrame:
    """The :func:`trials` frame with its figures in ``units`` (``unit`` names them)."""
    from engine.recommendation.trials import trials_in_units as converted

    return converted(frame, units)


def link_options(location: ProjectLocation) -> LinkOptions:
    """The linking options saved with the project (defaults when none were saved)."""
    from engine.linking import LinkOptions
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        saved = store.get_setting(LINK_OPTIONS_KEY)
    return LinkOptions.from_dict(saved) if saved else LinkOptions()


def save_link_options(location: ProjectLocation, options: LinkOptions) -> None:
    """Save linking options with the project."""
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        store.set_setting(LINK_OPTIONS_KEY, options.to_dict())


def modelling_table(
    location: ProjectLocation,
    options: LinkOptions | None = None,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[ModellingTable, LinkReport]:
    """Link recipes, batches, process windows and lab results into the modelling table."""
    from engine.linking import LinkOptions, build_modelling_table
    from engine.storage import ProjectStore

    progress(0.0, "reading the project")
    with ProjectStore.open(location) as store:
        if options is None:
            saved = store.get_setting(LINK_OPTIONS_KEY)
            options = LinkOptions.from_dict(saved) if saved else LinkOptions()
        frames = store.frames()
    if cancel is not None:
        cancel.raise_if_cancelled()
    return build_modelling_table(frames, options, progress=progress, cancel=cancel)


def shown_table_values(table: ModellingTable,
                       units: DisplayUnits) -> tuple[pd.DataFrame, dict[str, str]]:
    """The modelling table's values in ``units`` (same column names) and each converted
    column's unit, as ``export_table`` writes them (``engine.linking.export.shown_values``)."""
    from engine.linking.export import shown_values

    return shown_values(table, units)


def export_table(
    location: ProjectLocation,
    out: Path,
    options: LinkOptions | None = None,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[ModellingTable, LinkReport]:
    """Write the modelling table to CSV or Parquet (by the file suffix), atomically, in the
    project's display units with each unit in its header (``zement [kg/m³]``)."""
    from engine.linking.export import shown_table

    check_table_file(out)
    table, report = modelling_table(location, options, progress=progress, cancel=cancel)
    write_frame_atomic(shown_table(table, display_units(location)), out)
    return table, report


def check_table_file(out: Path) -> None:
    """Refuse a table file name that cannot be written: not .csv/.parquet, or .parquet without
    pyarrow (an optional package: the offline bundle leaves it out).

    Raises:
        FormixError: naming the file and what to do instead.
    """
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise FormixError(f"{out}: choose a .csv or .parquet file name")
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401  (pandas writes Parquet through it)
        except ImportError as error:
            raise FormixError(f"{out}: Parquet export needs the optional pyarrow package; "
                              "save as .csv") from error


def write_frame_atomic(frame: pd.DataFrame, out: Path) -> None:
    """Write a frame as .csv or .parquet via a temporary file renamed into place.

    Raises:
        FormixError: see :func:`check_table_file`; raised before anything is written.
    """
    import os
    import tempfile

    check_table_file(out)
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(handle)
    try:
        if suffix == ".csv":
            frame.to_csv(temporary, index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
        else:
            frame.to_parquet(temporary, index=False)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def process_series_for_batch(
    location: ProjectLocation,
    batch_id: str,
    tags: Sequence[str] | None = None,
    margin_minutes: float = 30.0,
) -> BatchSeries:
    """The historian samples around a batch: its linking window plus a margin each side.

    Raises:
        FormixError: the batch is not in the project, or has no production times.
    """
    import pandas as pd

    from engine.storage import ProjectStore
    from engine.types import BatchSeries

    options = link_options(location)
    with ProjectStore.open(location) as store:
        batches = store.read("batches")
        row = batches[batches["batch_id"].astype(str) == str(batch_id)]
        if row.empty:
            raise FormixError(f"batch {batch_id} is not in the project")
        start, end = row["start_time"].iloc[0], row["end_time"].iloc[0]
        if pd.isna(start):
            raise FormixError(f"batch {batch_id} has no start time; it cannot be placed in "
                              "the historian log")
        end = start if pd.isna(end) else end
        window_start, window_end = start - options.lead, end + options.lag
        margin = pd.Timedelta(minutes=margin_minutes)
        frame = store.series_between(window_start - margin, window_end + margin, tags)
    return BatchSeries(str(batch_id), start, end, window_start, window_end, frame)


def file_filters() -> str:
    """A Qt file-dialog filter string from the installed readers' file patterns."""
    from engine.ingest.registry import default_registry

    filters = default_registry().file_filters()
    patterns = sorted({p for _title, globs in filters for p in globs})
    parts = [f"Data files ({' '.join(patterns)})"] if patterns else []
    parts += [f"{title} ({' '.join(globs)})" for title, globs in filters]
    return ";;".join([*parts, "All files (*)"])


def mapping_fields(kind: DatasetKind | str | None = None) -> list[str]:
    """Field names a source column can map to, then the prefixes taking a name."""
    from engine.ingest.mapping import FIELDS, PREFIXES

    return sorted(FIELDS) + [f"{prefix}:" for prefix in PREFIXES]


def save_profile(profile: ImportProfile, path: Path) -> None:
    """Save an import profile (column mapping) as TOML, atomically."""
    from engine.ingest.mapping import save_profile as save

    save(profile, Path(path))


def load_profile(path: Path) -> ImportProfile:
    """Load an import profile saved with ``save_profile``."""
    from engine.ingest.mapping import load_profile as load

    return load(Path(path))


def data_attributions() -> str:
    """Markdown: licences and attributions of the data bundled with Formix."""
    from engine.demo.generator import attribution_text

    return attribution_text()


def create_demo(
    folder: Path | str | None = None,
    *,
    force: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[Path, ProjectSummary, bool]:
    """Create the demo project (if absent) and return (project path, summary, created now)."""
    from engine.demo.project import build_demo_project

    return build_demo_project(folder, force=force, progress=progress, cancel=cancel)


# ---------------------------------------------------------------------- removing an import
def list_imports(location: ProjectLocation) -> list[ImportEntry]:
    """Every import of a project (one file each), oldest first: id, file, kind, time, rows
    read and the rows it holds now."""
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return store.imports_overview()


def plan_import_removal(location: ProjectLocation, import_id: int, *,
                        with_dependents: bool = False) -> RemovalPlan:
    """What ``remove_import`` would remove and what depends on it; changes nothing.

    Raises:
        FormixError: there is no such import.
    """
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return store.plan_import_removal(import_id, with_dependents=with_dependents)


def remove_import(location: ProjectLocation, import_id: int, *,
                  with_dependents: bool = False) -> RemovalPlan:
    """Remove everything an import added, in one transaction, so its file can be imported
    again (e.g. with a corrected profile); returns what was removed.

    Batches, lab results or historian samples of other imports that refer to its recipes or
    batches refuse the removal, unless ``with_dependents`` removes those imports too.
    Trials recorded on its batches always refuse it. Materials it set in the catalogue go
    when nothing left uses them. Saved models stay; ``plan.models`` names those trained
    while its data was in the project.

    Raises:
        engine.storage.ImportRemovalRefused: other data depend on it; nothing was removed.
        FormixError: there is no such import.
    """
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return store.remove_import(import_id, with_dependents=with_dependents)
