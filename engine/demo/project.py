"""Build the demo project: generate the sources, import them with saved profiles, once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from engine.demo.generator import DemoSource, write_demo_sources
from engine.ingest.mapping import ColumnMapping, ImportProfile, save_profile
from engine.progress import CancelToken, ProgressCallback, no_progress, scaled
from engine.schema import DatasetKind
from engine.storage import remove_project_files
from engine.types import ImportSource

if TYPE_CHECKING:
    from engine.services import ProjectSummary

DEMO_PROJECT_NAME = "demo.formix"
DEMO_SETTING = "demo_project"  # project setting marking the demo (its study is the default)
_AMOUNT_UNIT = "kg/m^3"
_DENSITY_UNIT = "kg/m^3"
_COMPONENTS = ("cement", "blast_furnace_slag", "fly_ash", "water", "superplasticizer",
               "coarse_aggregate", "fine_aggregate")


def default_demo_folder() -> Path:
    """The demo's folder in the user's data directory (platformdirs)."""
    from platformdirs import user_data_path

    return user_data_path("Formix", appauthor=False) / "demo"


def demo_profiles() -> dict[DatasetKind, ImportProfile]:
    """The column mappings of the demo's source files (saved beside them as examples)."""
    amounts = [ColumnMapping(name, f"component:{name}", _AMOUNT_UNIT) for name in _COMPONENTS]
    return {
        DatasetKind.MATERIALS: ImportProfile(
            kind=DatasetKind.MATERIALS,
            columns=[
                ColumnMapping("material", "material"),
                ColumnMapping("name", "name"),
                ColumnMapping("kind", "material_kind"),
                ColumnMapping("unit", "unit"),
                ColumnMapping("price_per_unit", "price_per_unit"),
                ColumnMapping("currency", "currency"),
                ColumnMapping("co2_per_unit", "co2_per_unit"),
                ColumnMapping("density_kg_m3", "density", _DENSITY_UNIT),
                ColumnMapping("source", "reference"),
            ],
        ),
        DatasetKind.RECIPES: ImportProfile(
            kind=DatasetKind.RECIPES,
            columns=[ColumnMapping("recipe_id", "recipe_id"), *amounts],
        ),
        DatasetKind.BATCHES: ImportProfile(
            kind=DatasetKind.BATCHES,
            columns=[
                ColumnMapping("batch_id", "batch_id"),
                ColumnMapping("recipe_id", "recipe_id"),
                ColumnMapping("plant", "plant"),
                ColumnMapping("line", "line"),
                ColumnMapping("start_time", "start_time"),
                ColumnMapping("end_time", "end_time"),
                *amounts,
            ],
        ),
        DatasetKind.PROCESS_SERIES: ImportProfile(
            kind=DatasetKind.PROCESS_SERIES,
            columns=[
                ColumnMapping("tag", "tag"),
                ColumnMapping("time", "time"),
                ColumnMapping("value", "value"),
                ColumnMapping("unit", "unit"),
            ],
        ),
        DatasetKind.LAB_RESULTS: ImportProfile(
            kind=DatasetKind.LAB_RESULTS,
            columns=[
                ColumnMapping("batch_id", "batch_id"),
                ColumnMapping("property", "property"),
                ColumnMapping("test_age", "test_age", "day"),
                ColumnMapping("value", "value"),
                ColumnMapping("unit", "unit"),
                ColumnMapping("replicate", "replicate"),
            ],
        ),
    }


def build_demo_project(
    folder: str | Path | None = None,
    *,
    force: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[Path, ProjectSummary, bool]:
    """Create the demo project in ``folder`` unless it exists; returns (path, summary, created).

    The project is built under a temporary name and renamed into place, so an interrupted
    build never leaves a half-imported demo behind.
    """
    from engine import services

    folder = Path(folder) if folder is not None else default_demo_folder()
    path = folder / DEMO_PROJECT_NAME
    if path.exists() and not force:
        return path, services.project_summary(path), False
    if force:
        remove_project_files(path)
    progress(0.0, "writing the demo sources")
    sources_folder = folder / "sources"
    if sources_folder.exists():
        shutil.rmtree(sources_folder)
    sources = write_demo_sources(sources_folder)
    profiles = demo_profiles()
    (folder / "profiles").mkdir(parents=True, exist_ok=True)
    for kind, profile in profiles.items():
        save_profile(profile, folder / "profiles" / f"{kind.value}.toml")
    building = folder / f".{DEMO_PROJECT_NAME}.building"
    remove_project_files(building)
    try:
        services.create_project(building)
        services.import_sources(
            building,
            [_import_source(source, profiles) for source in sources],
            progress=scaled(progress, 0.1, 1.0),
            cancel=cancel,
        )
        _mark_as_demo(building)
        _checkpoint(building)
    except BaseException:
        remove_project_files(building)
        raise
    building.replace(path)
    progress(1.0, "demo project ready")
    return path, services.project_summary(path), True


def _import_source(source: DemoSource, profiles: dict[DatasetKind, ImportProfile]) -> ImportSource:
    return ImportSource(source.path, source.kind, profiles[source.kind])


def _mark_as_demo(path: Path) -> None:
    from engine.storage import ProjectStore

    with ProjectStore.open(path) as store:
        store.set_setting(DEMO_SETTING, {"study": "demo_study.toml"})


def is_demo_project(location: str | Path) -> bool:
    """Whether ``location`` is a demo project (built by :func:`build_demo_project`)."""
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return store.get_setting(DEMO_SETTING) is not None


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the database file so the file can be renamed on its own."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
