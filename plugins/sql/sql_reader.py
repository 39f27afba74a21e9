"""Tables from a SQL database, named by a small connection file (``*.formix-sql.toml``).

Example (``recipes.formix-sql.toml``)::

    url = "postgresql+psycopg://formix@db.plant.local:5432/batching"
    password_env = "PLANT_DB_PASSWORD"   # the password comes from this environment variable
    table = "recipes"                    # or: query = "SELECT … ORDER BY …"
    schema = "public"                    # optional, with table
    produces = "recipes"                 # optional: what the rows hold

Any SQLAlchemy URL works when its driver is installed (``postgresql+psycopg``,
``mssql+pyodbc``, ``sqlite:///recipes.db`` — a relative SQLite path is relative to the
connection file). A table is read ordered by its primary key; give a query an ``ORDER BY`` so
every read returns the rows in the same order. Row numbers are the 1-based result row + 1 (the
column names are row 1), as if the result had been exported to a spreadsheet.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import ReaderError
from engine.ingest.reader import ReadResult, SourceTable
from engine.progress import ProgressCallback, no_progress
from engine.schema import DatasetKind

_MAX_BYTES = 64 * 1024
_KEYS = {"url", "table", "query", "schema", "produces", "password_env", "name"}
_TOML_LINE = re.compile(r"at line (\d+)")
_CONNECT_TIMEOUT_SECONDS = 15


class SqlReader:
    """Reads a table or query result named by a ``.formix-sql.toml`` connection file.

    Cells are returned as the database typed them (numbers, text, timestamps).
    """

    def can_read(self, path: Path) -> bool:
        """True for a small TOML file with ``url`` and ``table`` or ``query``."""
        path = Path(path)
        try:
            if path.stat().st_size > _MAX_BYTES:
                return False
            settings = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return False
        return isinstance(settings.get("url"), str) and (
            "table" in settings or "query" in settings)

    def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
        """Run the query (or read the table) and return the rows.

        Raises:
            ReaderError: the connection file is invalid, the password variable is unset, the
                driver is missing, the server cannot be reached, the table does not exist,
                the query fails, or it returns no rows.
        """
        path = Path(path)
        file = path.name
        settings = _settings(path)
        progress(0.0, f"connecting for {file}")
        url = _url(settings, path)
        produces = _produces(settings, file)
        frame = _fetch(url, settings, file)
        if frame.empty:
            what = f"table '{settings['table']}'" if "table" in settings else "the query"
            raise ReaderError(file, None, "table" if "table" in settings else "query",
                              f"{what} returned no rows")
        frame.columns = [str(column) for column in frame.columns]
        progress(1.0, f"read {len(frame)} rows for {file}")
        name = str(settings.get("name") or settings.get("table") or path.name.split(".")[0])
        return ReadResult(tables=(SourceTable(
            name=name, frame=frame, row_numbers=np.arange(2, len(frame) + 2, dtype=np.int64),
            produces=produces, header_row=1, decimal=None,
        ),), source=path)


def _settings(path: Path) -> dict[str, Any]:
    file = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ReaderError(file, None, None, f"cannot read the connection file: {error}") \
            from error
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = _TOML_LINE.search(str(error))
        raise ReaderError(file, int(line.group(1)) if line else None, None,
                          f"not valid TOML: {error}") from error
    unknown = sorted(set(settings) - _KEYS)
    if unknown:
        raise ReaderError(file, _line_of(text, unknown[0]), unknown[0],
                          f"unknown key '{unknown[0]}' (known: {', '.join(sorted(_KEYS))})")
    for key in _KEYS & set(settings):
        if not isinstance(settings[key], str) or not settings[key].strip():
            raise ReaderError(file, _line_of(text, key), key, f"'{key}' must be a text")
    if "url" not in settings:
        raise ReaderError(file, None, "url", "no 'url' (an SQLAlchemy database URL)")
    if ("table" in settings) == ("query" in settings):
        raise ReaderError(file, None, "table", "give either 'table' or 'query', not both")
    if "schema" in settings and "table" not in settings:
        raise ReaderError(file, _line_of(text, "schema"), "schema",
                          "'schema' goes with 'table'")
    return settings


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return None


def _url(settings: dict[str, Any], path: Path) -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    file = path.name
    try:
        url = make_url(settings["url"])
    except (ArgumentError, ValueError) as error:
        raise ReaderError(file, None, "url", f"not a database URL: {error}") from error
    variable = settings.get("password_env")
    if variable and url.get_backend_name() == "sqlite":
        raise ReaderError(file, None, "password_env",
                          "an SQLite database has no password; remove password_env")
    if variable:
        password = os.environ.get(variable)
        if password is None:
            raise ReaderError(file, None, "password_env",
                              f"the environment variable {variable} holding the database "
                              "password is not set")
        url = url.set(password=password)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not url.database.startswith("file:"):
        database = Path(url.database)
        if not database.is_absolute():
            database = path.resolve().parent / database
        if not database.is_file():
            raise ReaderError(file, None, "url", f"the SQLite database {database} does not "
                              "exist")
        url = url.set(database=str(database))
    return url


def _produces(settings: dict[str, Any], file: str) -> DatasetKind | None:
    value = settings.get("produces")
    if value is None:
        return None
    try:
        return DatasetKind(value)
    except ValueError as error:
        kinds = ", ".join(k.value for k in DatasetKind)
        raise ReaderError(file, None, "produces",
                          f"unknown kind '{value}' (one of {kinds})") from error


def _fetch(url: Any, settings: dict[str, Any], file: str) -> Any:
    import pandas as pd
    import sqlalchemy as sa
    from sqlalchemy.exc import (
        ArgumentError,
        DBAPIError,
        NoSuchModuleError,
        NoSuchTableError,
        SQLAlchemyError,
    )

    shown = url.render_as_string(hide_password=True)
    connect_args = ({"connect_timeout": _CONNECT_TIMEOUT_SECONDS}
                    if url.get_backend_name() == "postgresql" else {})
    try:
        engine = sa.create_engine(url, connect_args=connect_args, poolclass=sa.NullPool)
    except (NoSuchModuleError, ModuleNotFoundError, ImportError) as error:
        raise ReaderError(file, None, "url",
                          f"the database driver for {url.drivername} is not installed "
                          f"({error})") from error
    except ArgumentError as error:
        raise ReaderError(file, None, "url", f"invalid database URL {shown}: {error}") \
            from error
    try:
        connection = engine.connect()
    except DBAPIError as error:
        engine.dispose()
        raise ReaderError(file, None, "url",
                          f"cannot connect to {shown}: {_reason(error)}") from error
    column = "table" if "table" in settings else "query"
    try:
        with connection:
            if "table" in settings:
                statement = _table_select(sa, connection, settings)
            else:
                statement = sa.text(settings["query"])
            result = connection.execute(statement)
            return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()),
                                             coerce_float=True)
    except NoSuchTableError as error:
        where = f"{settings['schema']}." if "schema" in settings else ""
        raise ReaderError(file, None, "table",
                          f"no table '{where}{settings['table']}' in {shown}") from error
    except DBAPIError as error:
        raise ReaderError(file, None, column, f"the query failed: {_reason(error)}") from error
    except SQLAlchemyError as error:
        raise ReaderError(file, None, column, f"database error with {shown}: {error}") \
            from error
    finally:
        engine.dispose()


def _reason(error: Any) -> str:
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _table_select(sa: Any, connection: Any, settings: dict[str, Any]) -> Any:
    table = sa.Table(settings["table"], sa.MetaData(), schema=settings.get("schema"),
                     autoload_with=connection)
    key = list(table.primary_key.columns)
    return sa.select(table).order_by(*key) if key else sa.select(table)
