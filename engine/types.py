"""Frozen value types that cross the boundary between engine, CLI and desktop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.display_units import SYSTEMS as SYSTEMS  # re-exported: the desktop's way to it
from engine.display_units import DisplayUnits as DisplayUnits
from engine.display_units import clean_unit as clean_unit

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from engine.ingest.mapping import ImportProfile
    from engine.schema import DatasetKind


def is_server_location(location: str) -> bool:
    """Whether a project location is a database URL (``postgresql+psycopg://…``), not a file."""
    return "://" in location


def shown_location(location: str) -> str:
    """A project location fit to show: a database URL with its password masked."""
    if not is_server_location(location):
        return location
    from sqlalchemy.engine import make_url

    return make_url(location).render_as_string(hide_password=True)


@dataclass(frozen=True)
class ImportSource:
    """A file to import, with what it holds and how its columns map (None: guess)."""

    path: Path
    kind: DatasetKind | None = None
    profile: ImportProfile | None = None


@dataclass(frozen=True)
class ModellingTable:
    """One row per batch × test age, ready for modelling.

    Attributes:
        frame: the table. Ids, inputs, targets and provenance are all columns of it.
        id_columns: identify a row (batch id, recipe id, test age …); never model inputs.
        group_column: rows sharing its value are the same recipe and must not straddle CV folds.
        age_column: test age in days, or None when the data has no ages (alloys).
        time_column: batch start time (UTC), for time-ordered validation, or None.
        input_columns: candidate model inputs (amounts, settings, process features, derived).
        categorical_columns: the subset of inputs that are categories (routes, plants).
        target_columns: measured properties, one column per property.
        provenance_columns: columns naming the source file rows of each row.
        units: unit of each input and target column (pint strings).
    """

    frame: pd.DataFrame
    id_columns: tuple[str, ...]
    group_column: str
    age_column: str | None
    time_column: str | None
    input_columns: tuple[str, ...]
    categorical_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    provenance_columns: tuple[str, ...] = ()
    units: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchSeries:
    """The historian samples around one batch, for plotting.

    Attributes:
        batch_id: the batch.
        start_time: batch start (UTC), or NaT.
        end_time: batch end (UTC), or NaT.
        window_start: start of the process window linking uses (start − lead).
        window_end: end of that window (end + lag).
        frame: columns ``tag, time, value, unit`` from ``window_start − margin`` to
            ``window_end + margin``.
    """

    batch_id: str
    start_time: pd.Timestamp
    end_time: pd.Timestamp
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    frame: pd.DataFrame
