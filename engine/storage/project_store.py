"""The project store: one SQLite file per project by default, any SQLAlchemy URL otherwise.

Contract: ``ProjectStore`` returns pandas frames in the canonical shapes of
``engine.schema.FRAME_COLUMNS`` (times tz-aware UTC) and never exposes ORM rows. Writes
happen in ``write_import`` inside one transaction: all of it lands, or none of it. A store is
used from one thread at a time; open another store object for another thread.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.exc import OperationalError

from engine.errors import FormixError
from engine.materials import merge_catalogue
from engine.schema import FRAME_COLUMNS
from engine.storage import _tables as t
from engine.storage._series_chunks import decode_chunks, encode_chunks
from engine.storage._timecodec import now_us, times_to_us, us_to_times
from engine.storage.import_removal import (
    ImportEntry,
    RemovalPlan,
    list_imports,
    plan_removal,
    remove_planned,
)
from engine.types import is_server_location, shown_location

PROJECT_SUFFIX = ".formix"


class ProjectError(FormixError):
    """A project cannot be created or opened (missing, newer schema, not a Formix project)."""


@dataclass(frozen=True)
class PendingFile:
    """A validated, normalised file waiting to be written by ``write_import``."""

    kind: str
    file_name: str
    file_path: str
    sha256: str
    n_rows: int
    profile_json: str
    findings_json: str
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def database_url(location: str | Path) -> str:
    """The SQLAlchemy URL of a project given as a path or as a URL."""
    text_location = str(location)
    if is_server_location(text_location):
        return text_location
    return f"sqlite:///{Path(text_location).expanduser().resolve()}"


def _migrations_config(connection: Connection) -> Config:
    config = Config()
    location = resources.files("engine.storage") / "migrations"
    config.set_main_option("script_location", str(location))
    config.attributes["connection"] = connection
    return config


def _migration_scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(resources.files("engine.storage") / "migrations"))
    return ScriptDirectory.from_config(config)


def _make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def _unreachable(shown: str, error: OperationalError) -> ProjectError:
    reason = " ".join(str(error.orig).split())  # the driver's words, on one line
    return ProjectError(f"{shown}: cannot connect to the database: {reason}")


def _refuse_tables(connection: Connection, shown: str) -> None:
    """A new project goes into an empty database: refuse one that holds tables already."""
    from sqlalchemy import inspect

    tables = sorted(inspect(connection).get_table_names())
    if "alembic_version" in tables:
        raise ProjectError(f"{shown}: this database holds a Formix project already; open it")
    if tables:
        raise ProjectError(f"{shown}: this database holds {len(tables)} other table(s) "
                           f"({', '.join(tables[:3])}{', …' if len(tables) > 3 else ''}); "
                           "create the project in an empty database")


class ProjectStore:
    """Repository over one project database. Use ``create`` or ``open``; close when done."""

    def __init__(self, engine: Engine, location: str) -> None:
        self._engine = engine
        self.location = location

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, location: str | Path) -> ProjectStore:
        """Create a new, empty project at the current schema; refuses to overwrite one."""
        url = database_url(location)
        path = _sqlite_path(url)
        if path is not None:
            if path.exists():
                raise ProjectError(f"{path}: a file already exists there; choose another name")
            path.parent.mkdir(parents=True, exist_ok=True)
        shown = shown_location(str(location))  # as messages name it: no password
        engine = _make_engine(url)
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "sqlite":
                    connection.exec_driver_sql("PRAGMA journal_mode=WAL")
                else:  # a server database: only an empty one, never beside other tables
                    _refuse_tables(connection, shown)
                command.upgrade(_migrations_config(connection), "head")
        except Exception as error:
            engine.dispose()
            if path is not None:
                remove_project_files(path)
            elif isinstance(error, OperationalError):
                raise _unreachable(shown, error) from error
            raise
        return cls(engine, url)

    @classmethod
    def open(cls, location: str | Path, *, upgrade: bool = True) -> ProjectStore:
        """Open an existing project; an older schema is upgraded after a backup copy.

        Raises:
            ProjectError: the project is missing, not a Formix project, or from a newer Formix.
        """
        url = database_url(location)
        path = _sqlite_path(url)
        if path is not None and not path.is_file():
            raise ProjectError(f"{path}: no such project file")
        location = shown_location(str(location))  # as messages name it: no password
        engine = _make_engine(url)
        try:
            with engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
        except Exception as error:  # e.g. "file is not a database"
            engine.dispose()
            if path is None and isinstance(error, OperationalError):
                raise _unreachable(location, error) from error
            raise ProjectError(f"{location}: not a Formix project ({error})") from error
        scripts = _migration_scripts()
        head = scripts.get_current_head()
        if current is None:
            engine.dispose()
            raise ProjectError(f"{location}: not a Formix project (no schema version)")
        if current != head:
            known = {rev.revision for rev in scripts.walk_revisions()}
            if current not in known:
                engine.dispose()
                raise ProjectError(
                    f"{location}: made by a newer Formix (schema {current}); update Formix"
                )
            if not upgrade:
                engine.dispose()
                raise ProjectError(f"{location}: schema {current} needs an upgrade to {head}")
            if path is not None:
                backup = path.with_name(f"{path.name}.before-{head}.bak")
                engine.dispose()
                shutil.copy2(path, backup)
            with engine.begin() as connection:
                command.upgrade(_migrations_config(connection), "head")
        return cls(engine, url)

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> ProjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return _sqlite_path(self.location)

    def revision(self) -> str | None:
        """The schema revision of the database."""
        with self._engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    # ------------------------------------------------------------------ settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        """A JSON setting stored with the project."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(t.ProjectMetaRow.value_json).where(t.ProjectMetaRow.key == key)  # type: ignore[arg-type]
            ).first()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON setting (replacing any previous value)."""
        table = t.ProjectMetaRow.__table__
        with self._engine.begin() as connection:
            connection.execute(table.delete().where(table.c.key == key))
            connection.execute(insert(table).values(key=key, value_json=json.dumps(value)))

    # ------------------------------------------------------------------ reads
    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        queries = {
            "materials": "SELECT COUNT(*) FROM materials",
            "recipes": "SELECT COUNT(*) FROM recipes",
            "batches": "SELECT COUNT(*) FROM batches",
            "process_series": "SELECT COALESCE(SUM(n_samples), 0) FROM process_chunks",
            "lab_results": "SELECT COUNT(*) FROM lab_results",
            "imports": "SELECT COUNT(*) FROM imports",
            "model_versions": "SELECT COUNT(*) FROM model_versions",
        }
        with self._engine.connect() as connection:
            return {
                name: int(connection.exec_driver_sql(query).scalar_one())
                for name, query in queries.items()
            }

    def read(self, name: str) -> pd.DataFrame:
        """One canonical frame (see ``engine.schema.FRAME_COLUMNS``)."""
        if name not in FRAME_COLUMNS:
            raise KeyError(f"unknown table {name!r}")
        with self._engine.connect() as connection:
            frame = _READERS[name](connection)
        return frame.loc[:, list(FRAME_COLUMNS[name])]

    def frames(self, names: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
        """Several canonical frames, by name (all of them by default)."""
        return {name: self.read(name) for name in (names or FRAME_COLUMNS)}

    def series_between(
        self, start: pd.Timestamp, end: pd.Timestamp, tags: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Historian samples with ``start <= time <= end`` (columns tag, time, value, unit)."""
        query = "SELECT c.* FROM process_chunks c"
        params: dict[str, Any] = {"a": _timestamp_us(start), "b": _timestamp_us(end)}
        where = " WHERE c.t_max_us >= :a AND c.t_min_us <= :b"
        if tags:
            names = [f":t{i}" for i in range(len(tags))]
            query += " JOIN process_tags g ON g.id = c.tag_id"
            where += f" AND g.tag IN ({', '.join(names)})"
            params.update({name[1:]: tag for name, tag in zip(names, tags, strict=True)})
        with self._engine.connect() as connection:
            frame = _decode(connection, query + where + " ORDER BY c.id", params)
        inside = (frame["time"] >= pd.Timestamp(start)) & (frame["time"] <= pd.Timestamp(end))
        frame = frame.loc[inside, ["tag", "time", "value", "unit"]]
        return frame.sort_values(["tag", "time"], kind="stable").reset_index(drop=True)

    def imported_checksums(self) -> dict[str, str]:
        """sha256 → file name of every file imported so far."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(t.ImportRow.sha256, t.ImportRow.file_name)).all()
        return {sha: name for sha, name in rows}

    # ------------------------------------------------------------------ writes
    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._engine.begin() as connection:
            yield connection

    def write_import(self, files: Sequence[PendingFile]) -> list[int]:
        """Write validated files in ONE transaction; returns their import ids.

        Recipes must already carry their final versions and batches must reference recipes
        that exist (the importer checks both before calling).
        """
        with self._transaction() as connection:
            group = int(
                connection.exec_driver_sql(
                    "SELECT COALESCE(MAX(import_group), 0) + 1 FROM imports"
                ).scalar_one()
            )
            import_ids = []
            last = _last_import_id(connection)
            for pending in files:
                last += 1
                result = connection.execute(
                    insert(t.ImportRow.__table__).values(
                        id=last,
                        import_group=group,
                        kind=pending.kind,
                        file_name=pending.file_name,
                        file_path=pending.file_path,
                        sha256=pending.sha256,
                        imported_at_us=now_us(),
                        n_rows=pending.n_rows,
                        profile_json=pending.profile_json,
                        findings_json=pending.findings_json,
                    )
                )
                import_id = int(result.inserted_primary_key[0])
                import_ids.append(import_id)
                _write_frames(connection, import_id, pending.frames)
            meta = t.ProjectMetaRow.__table__
            connection.execute(meta.delete().where(meta.c.key == LAST_IMPORT_ID_KEY))
            connection.execute(insert(meta).values(key=LAST_IMPORT_ID_KEY,
                                                   value_json=json.dumps(last)))
        return import_ids

    def save_model_version(
        self, name: str, files: dict[str, bytes], metadata: dict[str, Any], sha256: str
    ) -> int:
        """Store a model set as a new version of ``name``; returns the version number."""
        with self._transaction() as connection:
            version = int(
                connection.execute(
                    text("SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE name=:n"),
                    {"n": name},
                ).scalar_one()
            )
            result = connection.execute(
                insert(t.ModelVersionRow.__table__).values(
                    name=name,
                    version=version,
                    created_at_us=now_us(),
                    metadata_json=json.dumps(metadata, default=str),
                    sha256=sha256,
                )
            )
            model_pk = int(result.inserted_primary_key[0])
            connection.execute(
                insert(t.ModelFileRow.__table__),
                [{"model_pk": model_pk, "file_name": k, "content": v} for k, v in files.items()],
            )
        return version

    def model_versions(self) -> pd.DataFrame:
        """name, version, created_at, sha256 and metadata of every saved model version."""
        with self._engine.connect() as connection:
            frame = pd.read_sql_query(
                "SELECT name, version, created_at_us, sha256, metadata_json FROM model_versions "
                "ORDER BY name, version",
                connection,
            )
        frame["created_at"] = us_to_times(frame.pop("created_at_us"))
        frame["metadata"] = [json.loads(m) for m in frame.pop("metadata_json")]
        return frame

    def load_model_files(
        self, name: str, version: int | None = None
    ) -> tuple[int, dict[str, bytes]]:
        """The files of a model version (the latest by default) and its version number."""
        with self._engine.connect() as connection:
            query = "SELECT id, version FROM model_versions WHERE name=:n"
            params: dict[str, Any] = {"n": name}
            if version is not None:
                query += " AND version=:v"
                params["v"] = version
            row = connection.execute(text(query + " ORDER BY version DESC LIMIT 1"), params).first()
            if row is None:
                which = f"version {version} of " if version is not None else ""
                raise FormixError(f"no saved model {which}{name!r} in this project")
            files = connection.execute(
                text("SELECT file_name, content FROM model_files WHERE model_pk=:pk"),
                {"pk": row[0]},
            ).all()
        return int(row[1]), {file_name: bytes(content) for file_name, content in files}

    # ------------------------------------------------------------------ optimisation runs
    def save_optimisation_run(self, run: dict[str, Any]) -> int:
        """Store an optimisation run (keys of ``optimisation_runs`` but ``id``); returns its id."""
        values = {**run, "created_at_us": run.get("created_at_us") or now_us()}
        with self._transaction() as connection:
            result = connection.execute(insert(t.OptimisationRunRow.__table__).values(**values))
            return int(result.inserted_primary_key[0])

    def optimisation_run(self, run_id: int | None = None) -> dict[str, Any]:
        """One stored run as a dict (the latest when ``run_id`` is None).

        Raises:
            FormixError: no such run.
        """
        query = "SELECT * FROM optimisation_runs"
        params: dict[str, Any] = {}
        if run_id is not None:
            query += " WHERE id = :i"
            params["i"] = int(run_id)
        with self._engine.connect() as connection:
            row = connection.execute(text(query + " ORDER BY id DESC LIMIT 1"), params).first()
        if row is None:
            which = f"run {run_id}" if run_id is not None else "optimisation run"
            raise FormixError(f"no {which} in this project: run `formix optimize` first")
        return dict(row._mapping)

    def optimisation_runs(self) -> pd.DataFrame:
        """id, study, model, mode, seed and creation time of every stored run."""
        with self._engine.connect() as connection:
            frame = pd.read_sql_query(
                "SELECT id AS run_id, study_name, model_name, model_version, mode, seed, "
                "created_at_us FROM optimisation_runs ORDER BY id", connection)
        frame["created_at"] = us_to_times(frame.pop("created_at_us")).to_numpy()
        return frame

    def save_recommendations(self, run_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Store recommendations of a run (keys of ``recommendations`` but ids); their ids."""
        table = t.RecommendationRow.__table__
        ids = []
        with self._transaction() as connection:
            for row in rows:
                values = {**row, "run_id": int(run_id),
                          "created_at_us": row.get("created_at_us") or now_us()}
                result = connection.execute(insert(table).values(**values))
                ids.append(int(result.inserted_primary_key[0]))
        return ids

    def recommendations(self, run_id: int | None = None) -> pd.DataFrame:
        """Stored recommendations (of one run, or all), oldest first, JSON columns as text."""
        query = "SELECT * FROM recommendations"
        params: dict[str, Any] = {}
        if run_id is not None:
            query += " WHERE run_id = :r"
            params["r"] = int(run_id)
        with self._engine.connect() as connection:
            return pd.read_sql_query(text(query + " ORDER BY id"), connection, params=params)

    def add_trials(self, recommendation_id: int, batch_ids: Sequence[str],
                   note: str | None = None) -> list[int]:
        """Record that batches tried a recommendation; returns the new trial ids.

        Raises:
            FormixError: no such recommendation, or a batch is already recorded for it.
        """
        from sqlalchemy.exc import IntegrityError

        table = t.TrialRow.__table__
        with self._transaction() as connection:
            found = connection.execute(text("SELECT id FROM recommendations WHERE id = :i"),
                                       {"i": int(recommendation_id)}).first()
            if found is None:
                raise FormixError(f"no recommendation {recommendation_id} in this project")
            ids = []
            for batch_id in batch_ids:
                try:
                    result = connection.execute(insert(table).values(
                        recommendation_id=int(recommendation_id), batch_id=str(batch_id),
                        recorded_at_us=now_us(), note=note))
                except IntegrityError as error:
                    raise FormixError(f"batch {batch_id!r} is already recorded as a trial of "
                                      f"recommendation {recommendation_id}") from error
                ids.append(int(result.inserted_primary_key[0]))
        return ids

    def trial_rows(self) -> pd.DataFrame:
        """Every trial with its recommendation's predictions (JSON text) and run id."""
        with self._engine.connect() as connection:
            frame = pd.read_sql_query(
                "SELECT tr.id AS trial_id, tr.recommendation_id, tr.batch_id, tr.recorded_at_us, "
                "tr.note, r.run_id, r.rank, r.kind, r.recipe_json, r.predicted_json "
                "FROM trials tr JOIN recommendations r ON r.id = tr.recommendation_id "
                "ORDER BY tr.id", connection)
        frame["recorded_at"] = us_to_times(frame.pop("recorded_at_us")).to_numpy()
        return frame

    def recommendation(self, recommendation_id: int) -> dict[str, Any] | None:
        """One stored recommendation (id, run_id, recipe_json, created_at_us) with its run's
        creation time ``run_created_at_us``; None when there is no such recommendation."""
        with self._engine.connect() as connection:
            row = connection.execute(text(
                "SELECT r.id, r.run_id, r.recipe_json, r.created_at_us, "
                "o.created_at_us AS run_created_at_us FROM recommendations r "
                "JOIN optimisation_runs o ON o.id = r.run_id WHERE r.id = :i"),
                {"i": int(recommendation_id)}).first()
        return None if row is None else dict(row._mapping)

    def trial_batches(self, batch_ids: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The named batches the project holds, and their amounts.

        Returns:
            ``batch_id``, ``recipe_id``, ``start_time`` of each batch held; ``batch_id``,
            ``material``, ``amount``, ``unit``, ``source`` of their amounts: "weighed", and
            "recipe" (of the batch's recipe version, its latest when it names none).
        """
        names = {"ids": [str(b) for b in batch_ids]}
        batches = text("SELECT batch_id, recipe_id, start_time_us FROM batches "
                       "WHERE batch_id IN :ids").bindparams(bindparam("ids", expanding=True))
        amounts = text(
            "SELECT b.batch_id, a.material, a.amount, a.unit, 'weighed' AS source "
            "FROM batch_amounts a JOIN batches b ON b.id = a.batch_pk WHERE b.batch_id IN :ids "
            "UNION ALL "
            "SELECT b.batch_id, c.material, c.amount, c.unit, 'recipe' AS source "
            "FROM batches b JOIN recipes r ON r.recipe_id = b.recipe_id AND r.version = "
            "COALESCE(b.recipe_version, (SELECT MAX(l.version) FROM recipes l "
            "WHERE l.recipe_id = b.recipe_id)) "
            "JOIN recipe_components c ON c.recipe_pk = r.id WHERE b.batch_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        with self._engine.connect() as connection:
            held = pd.read_sql_query(batches, connection, params=names)
            found = pd.read_sql_query(amounts, connection, params=names)
        held["start_time"] = us_to_times(held.pop("start_time_us")).to_numpy()
        return held, found

    def remove_trial(self, trial_id: int) -> dict[str, Any] | None:
        """Delete one trial; returns what it held (trial_id, recommendation_id, batch_id,
        recorded_at_us, note), or None when there is no such trial (nothing changes)."""
        params = {"i": int(trial_id)}
        with self._transaction() as connection:
            row = connection.execute(text(
                "SELECT id AS trial_id, recommendation_id, batch_id, recorded_at_us, note "
                "FROM trials WHERE id = :i"), params).first()
            if row is None:
                return None
            connection.execute(text("DELETE FROM trials WHERE id = :i"), params)
        return dict(row._mapping)

    # ------------------------------------------------------------------ removing imports
    def imports_overview(self) -> list[ImportEntry]:
        """Every import (one file each), oldest first, with the rows it holds now."""
        with self._engine.connect() as connection:
            return list_imports(connection)

    def plan_import_removal(self, import_id: int, *, with_dependents: bool = False
                            ) -> RemovalPlan:
        """What removing an import would take away and what depends on it; changes nothing.

        Raises:
            FormixError: there is no such import.
        """
        with self._engine.connect() as connection:
            return plan_removal(connection, int(import_id), with_dependents=with_dependents)

    def remove_import(self, import_id: int, *, with_dependents: bool = False) -> RemovalPlan:
        """Remove everything an import added (and its dependents, when asked), in ONE
        transaction; returns what was removed.

        Raises:
            ImportRemovalRefused: other data depend on it; nothing was removed.
            FormixError: there is no such import.
        """
        with self._transaction() as connection:
            plan = plan_removal(connection, int(import_id), with_dependents=with_dependents)
            remove_planned(connection, plan)
        return plan

# ---------------------------------------------------------------------- helpers
def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:" and len(url) > len(prefix):
        return Path(url[len(prefix) :])
    return None


def _timestamp_us(value: pd.Timestamp) -> int:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value // 1000)  # Timestamp.value is always nanoseconds


def remove_project_files(path: Path) -> None:
    """Delete a SQLite project file and its -wal/-shm companions, where present."""
    for suffix in ("", "-wal", "-shm"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def _column_values(column: pd.Series) -> list[Any]:
    """A column as Python values with NaN/NaT/NA as None (fast for numeric columns)."""
    if pd.api.types.is_float_dtype(column.dtype) and not isinstance(column.dtype,
                                                                      pd.api.extensions.ExtensionDtype):
        values = column.to_numpy()
        listed: list[Any] = values.tolist()
        if np.isnan(values).any():
            listed = [None if v != v else v for v in listed]
        return listed
    if pd.api.types.is_integer_dtype(column.dtype) and not isinstance(column.dtype,
                                                                        pd.api.extensions.ExtensionDtype):
        return column.to_numpy().tolist()
    as_object = column.astype(object)
    return as_object.where(pd.notna(as_object), None).tolist()


def _insert_rows(
    connection: Connection, table: Any, frame: pd.DataFrame, columns: Sequence[str]
) -> None:
    """Insert a frame's columns with one DBAPI executemany (no per-row SQLAlchemy work)."""
    if not len(frame):
        return
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    names = ", ".join(f'"{name}"' for name in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join([mark] * len(columns))})'
    rows = list(zip(*(_column_values(frame[name]) for name in columns), strict=True))
    connection.exec_driver_sql(sql, rows)


def _write_frames(connection: Connection, import_id: int, frames: dict[str, pd.DataFrame]) -> None:
    if (materials := frames.get("materials")) is not None and len(materials):
        _upsert_materials(connection, import_id, materials)
    recipe_pks: dict[tuple[str, int], int] = {}
    if (recipes := frames.get("recipes")) is not None and len(recipes):
        recipe_pks = _insert_keyed(
            connection,
            t.RecipeRow.__table__,
            recipes.assign(import_id=import_id),
            ["recipe_id", "version", "name", "family", "import_id", "source_row"],
            key=["recipe_id", "version"],
        )
    for child, table, extra in (
        ("recipe_components", t.RecipeComponentRow.__table__, ["material", "amount", "unit"]),
        (
            "recipe_settings",
            t.RecipeSettingRow.__table__,
            ["setting", "value_num", "value_text", "unit"],
        ),
    ):
        rows = frames.get(child)
        if rows is None or not len(rows):
            continue
        keys = zip(rows["recipe_id"].astype(str), rows["version"].astype(int), strict=True)
        with_pk = rows.assign(recipe_pk=[recipe_pks[key] for key in keys])
        _insert_rows(connection, table, with_pk, ["recipe_pk", *extra])
    batch_pks: dict[tuple[str], int] = {}
    if (batches := frames.get("batches")) is not None and len(batches):
        batch_rows = batches.assign(
            import_id=import_id,
            start_time_us=times_to_us(batches["start_time"]),
            end_time_us=times_to_us(batches["end_time"]),
        )
        batch_pks = _insert_keyed(
            connection,
            t.BatchRow.__table__,
            batch_rows,
            [
                "batch_id",
                "recipe_id",
                "recipe_version",
                "plant",
                "line",
                "start_time_us",
                "end_time_us",
                "import_id",
                "source_row",
            ],
            key=["batch_id"],
        )
    if (amounts := frames.get("batch_amounts")) is not None and len(amounts):
        pk_of_batch = pd.Series({key[0]: pk for key, pk in batch_pks.items()})
        with_pk = amounts.assign(batch_pk=amounts["batch_id"].astype(str).map(pk_of_batch))
        _insert_rows(connection, t.BatchAmountRow.__table__, with_pk,
                     ["batch_pk", "material", "amount", "unit"])
    if (labs := frames.get("lab_results")) is not None and len(labs):
        _insert_rows(
            connection,
            t.LabResultRow.__table__,
            labs.assign(import_id=import_id),
            ["batch_id", "property", "test_age_days", "value", "unit", "replicate", "import_id",
             "source_row"],
        )
    if (series := frames.get("process_series")) is not None and len(series):
        _write_series(connection, import_id, series)


def _insert_keyed(
    connection: Connection, table: Any, frame: pd.DataFrame, columns: list[str], key: list[str]
) -> dict[tuple, int]:
    """Insert rows and return their primary keys by natural key."""
    _insert_rows(connection, table, frame, columns)
    import_id = int(frame["import_id"].iloc[0])
    found = connection.execute(
        select(table.c.id, *[table.c[k] for k in key]).where(table.c.import_id == import_id)
    ).all()
    return {tuple(row[1:]): int(row[0]) for row in found}


def _upsert_materials(connection: Connection, import_id: int, materials: pd.DataFrame) -> None:
    table = t.MaterialRow.__table__
    codes = materials["material"].astype(str).tolist()
    existing = pd.read_sql_query(select(table).where(table.c.material.in_(codes)), connection)
    materials = merge_catalogue(existing, materials)
    connection.execute(table.delete().where(table.c.material.in_(codes)))
    columns = list(FRAME_COLUMNS["materials"])
    _insert_rows(connection, table, materials.assign(import_id=import_id),
                 [*columns, "import_id"])


def _write_series(connection: Connection, import_id: int, series: pd.DataFrame) -> None:
    tags_table = t.ProcessTagRow.__table__
    tag_values = series["tag"].astype("category")
    units = (
        series.groupby(tag_values, observed=True)["unit"].first()
        if "unit" in series
        else pd.Series(dtype=object)
    )
    existing = dict(connection.execute(select(tags_table.c.tag, tags_table.c.id)).all())
    new_tags = [tag for tag in tag_values.cat.categories if tag not in existing]
    if new_tags:
        connection.execute(
            insert(tags_table),
            [{"tag": tag, "unit": _none_if_na(units.get(tag))} for tag in new_tags],
        )
        existing = dict(connection.execute(select(tags_table.c.tag, tags_table.c.id)).all())
    code_to_id = np.array([existing[tag] for tag in tag_values.cat.categories], dtype=np.int64)
    chunks = encode_chunks(
        tag_ids=code_to_id[tag_values.cat.codes.to_numpy()],
        times_us=pd.to_datetime(series["time"], utc=True).dt.as_unit("us").astype("int64")
        .to_numpy(),
        values=series["value"].to_numpy(dtype=float),
        source_rows=series["source_row"].to_numpy(dtype=np.int64),
        batch_ids=series.get("batch_id"),
        import_id=import_id,
    )
    table = t.ProcessChunkRow.__table__
    batch: list[dict[str, Any]] = []
    for chunk in chunks:
        batch.append(chunk)
        if len(batch) >= 64:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)


def _none_if_na(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


# ---------------------------------------------------------------------- frame readers
def _read_materials(connection: Connection) -> pd.DataFrame:
    return pd.read_sql_query("SELECT * FROM materials ORDER BY material", connection)


def _read_recipes(connection: Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT recipe_id, version, name, family, import_id, source_row FROM recipes ORDER BY id",
        connection,
    )


def _read_recipe_components(connection: Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT r.recipe_id, r.version, c.material, c.amount, c.unit FROM recipe_components c "
        "JOIN recipes r ON r.id = c.recipe_pk ORDER BY r.id, c.material",
        connection,
    )


def _read_recipe_settings(connection: Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT r.recipe_id, r.version, s.setting, s.value_num, s.value_text, s.unit "
        "FROM recipe_settings s JOIN recipes r ON r.id = s.recipe_pk ORDER BY r.id, s.setting",
        connection,
    )


def _read_batches(connection: Connection) -> pd.DataFrame:
    frame = pd.read_sql_query(
        "SELECT batch_id, recipe_id, recipe_version, plant, line, start_time_us, end_time_us, "
        "import_id, source_row FROM batches ORDER BY id",
        connection,
    )
    frame["start_time"] = us_to_times(frame.pop("start_time_us")).to_numpy()
    frame["end_time"] = us_to_times(frame.pop("end_time_us")).to_numpy()
    frame["recipe_version"] = frame["recipe_version"].astype("Int64")
    return frame


def _read_batch_amounts(connection: Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT b.batch_id, a.material, a.amount, a.unit FROM batch_amounts a "
        "JOIN batches b ON b.id = a.batch_pk ORDER BY b.id, a.material",
        connection,
    )


def _read_lab_results(connection: Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT batch_id, property, test_age_days, value, unit, replicate, import_id, source_row "
        "FROM lab_results ORDER BY id",
        connection,
    )


def _read_imports(connection: Connection) -> pd.DataFrame:
    frame = pd.read_sql_query(
        "SELECT id AS import_id, kind, file_name, sha256, imported_at_us, n_rows FROM imports "
        "ORDER BY id",
        connection,
    )
    frame["imported_at"] = us_to_times(frame.pop("imported_at_us")).to_numpy()
    return frame


def _read_process_series(connection: Connection) -> pd.DataFrame:
    """All historian samples, decoded from their columnar chunks."""
    return _decode(connection, "SELECT * FROM process_chunks ORDER BY id", {})


def _decode(connection: Connection, query: str, params: dict[str, Any]) -> pd.DataFrame:
    tags = connection.exec_driver_sql("SELECT id, tag, unit FROM process_tags").all()
    chunks = connection.execute(text(query), params).all()
    return decode_chunks(chunks, {i: tag for i, tag, _ in tags},
                         {i: unit for i, _, unit in tags})


_READERS = {
    "materials": _read_materials,
    "recipes": _read_recipes,
    "recipe_components": _read_recipe_components,
    "recipe_settings": _read_recipe_settings,
    "batches": _read_batches,
    "batch_amounts": _read_batch_amounts,
    "process_series": _read_process_series,
    "lab_results": _read_lab_results,
    "imports": _read_imports,
}


LAST_IMPORT_ID_KEY = "last_import_id"
"""Setting: the highest import id ever given, so a removed import's id is never reused."""


def _last_import_id(connection: Connection) -> int:
    """The highest import id ever given (also of removed imports) in this project."""
    meta = t.ProjectMetaRow.__table__
    stored = connection.execute(
        select(meta.c.value_json).where(meta.c.key == LAST_IMPORT_ID_KEY)).first()
    highest = connection.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM imports").scalar_one()
    return max(int(highest), int(json.loads(stored[0])) if stored else 0)
