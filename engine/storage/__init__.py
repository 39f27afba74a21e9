"""Project persistence: SQLite by default, any SQLAlchemy URL, alembic migrations."""

from engine.storage.import_removal import (
    Dependent,
    ImportEntry,
    ImportRemovalRefused,
    RemovalPlan,
)
from engine.storage.project_store import (
    PROJECT_SUFFIX,
    PendingFile,
    ProjectError,
    ProjectStore,
    database_url,
    remove_project_files,
)

__all__ = [
    "PROJECT_SUFFIX",
    "Dependent",
    "ImportEntry",
    "ImportRemovalRefused",
    "PendingFile",
    "ProjectError",
    "ProjectStore",
    "RemovalPlan",
    "database_url",
    "remove_project_files",
]
