"""The SQL reader: a connection file names a database and a table or query (SQLite, PostgreSQL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.errors import ReaderError
from engine.ingest.registry import ReaderRegistry
from engine.progress import no_progress
from engine.schema import DatasetKind
from plugins.sql.sql_reader import SqlReader
from tests.postgres import PostgresServer

RECIPES = [
    ("C30-STD", 1, "Standard C30/37", 350.0, 175.0, 810.0, 1050.0),
    ("C40-HS", 1, "High strength C40/50", 420.0, 168.0, 760.0, 1040.0),
    ("C25-ECO", 2, "Eco C25/30 with slag", 260.0, 170.0, 840.0, 1060.0),
]
CREATE = ("CREATE TABLE recipes (recipe TEXT NOT NULL, version INTEGER NOT NULL, name TEXT, "
          '"Cement (kg/m3)" NUMERIC(8,2), "Water (kg/m3)" NUMERIC(8,2), '
          '"Sand (kg/m3)" NUMERIC(8,2), "Gravel (kg/m3)" NUMERIC(8,2), '
          "PRIMARY KEY (recipe, version))")


def sqlite_db(folder: Path) -> Path:
    database = folder / "recipes.db"
    with sqlite3.connect(database) as connection:
        connection.execute(CREATE)
        connection.executemany("INSERT INTO recipes VALUES (?, ?, ?, ?, ?, ?, ?)", RECIPES)
    return database


def connection_file(folder: Path, text: str, name: str = "recipes.formix-sql.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_sqlite_table_becomes_a_recipe_table(tmp_path: Path) -> None:
    sqlite_db(tmp_path)
    path = connection_file(tmp_path, 'url = "sqlite:///recipes.db"\ntable = "recipes"\n'
                                      'produces = "recipes"\n')
    reader = ReaderRegistry().reader_for(path)
    assert type(reader).__name__ == "SqlReader"
    table = reader.read(path, no_progress).tables[0]
    assert table.produces is DatasetKind.RECIPES
    assert list(table.frame["recipe"]) == ["C25-ECO", "C30-STD", "C40-HS"]  # primary key order
    assert list(table.row_numbers) == [2, 3, 4]
    assert table.frame["Cement (kg/m3)"].tolist() == [260.0, 350.0, 420.0]


def test_query_and_a_missing_password_variable(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    sqlite_db(tmp_path)
    server = connection_file(
        tmp_path, 'url = "postgresql+psycopg://plant@127.0.0.1:1/db"\n'
                  'password_env = "FORMIX_TEST_DB_PW"\ntable = "recipes"\n', "pg.formix-sql.toml")
    monkeypatch.delenv("FORMIX_TEST_DB_PW", raising=False)
    with pytest.raises(ReaderError, match=r"FORMIX_TEST_DB_PW .* is not set") as caught:
        SqlReader().read(server, no_progress)
    assert caught.value.finding.column == "password_env"
    path = connection_file(
        tmp_path, 'url = "sqlite:///recipes.db"\n'
                  'query = "SELECT recipe, name FROM recipes WHERE version = 1 ORDER BY recipe"\n')
    table = SqlReader().read(path, no_progress).tables[0]
    assert list(table.frame.columns) == ["recipe", "name"] and len(table.frame) == 2
    bad = connection_file(tmp_path, 'url = "sqlite:///recipes.db"\nquery = "SELECT nope"\n',
                           "bad.formix-sql.toml")
    with pytest.raises(ReaderError, match="the query failed") as caught:
        SqlReader().read(bad, no_progress)
    assert caught.value.finding.column == "query"


@pytest.mark.postgres
def test_recipe_table_from_a_live_postgresql_server(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with postgres_server.connect() as admin:
        admin.execute("DROP DATABASE IF EXISTS batching")
        admin.execute("CREATE DATABASE batching")
    with postgres_server.connect("batching") as connection:
        connection.execute(CREATE)
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO recipes VALUES (%s, %s, %s, %s, %s, %s, %s)", RECIPES)
    monkeypatch.setenv("PLANT_DB_PASSWORD", postgres_server.password)
    path = connection_file(tmp_path, f'url = "{postgres_server.url("batching")}"\n'
                                      'password_env = "PLANT_DB_PASSWORD"\ntable = "recipes"\n'
                                      'schema = "public"\nproduces = "recipes"\n')
    table = ReaderRegistry().reader_for(path).read(path, no_progress).tables[0]
    assert list(table.frame["recipe"]) == ["C25-ECO", "C30-STD", "C40-HS"]
    assert table.frame["Water (kg/m3)"].tolist() == [170.0, 175.0, 168.0]

    from engine import services

    project = tmp_path / "plant.formix"
    services.create_project(project)
    result = services.import_files(project, [path])
    (imported,) = result.files
    assert imported.kind == "recipes" and imported.counts["recipes"] == 3
    assert imported.counts["recipe_components"] == 12

    monkeypatch.setenv("PLANT_DB_PASSWORD", "wrong")
    with pytest.raises(ReaderError, match="cannot connect to postgresql") as caught:
        SqlReader().read(path, no_progress)
    assert "wrong" not in str(caught.value)
