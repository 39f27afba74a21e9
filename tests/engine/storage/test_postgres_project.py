"""A project on a PostgreSQL server (a plant's shared store) works as a SQLite file does.

The demo sources are imported into a fresh server database, then the whole workflow runs on it:
link, then train, optimise, recommend and record a trial from the command line with the
server URL as the project, reopen. The modelling table must equal the
SQLite demo project's, and a rejected import must leave the server database untouched.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from engine import optimisation_services as optimisation
from engine import services
from engine.cli import main
from engine.demo.generator import write_demo_sources
from engine.demo.project import demo_profiles
from engine.errors import ImportRejected
from engine.storage import ProjectError
from engine.types import ImportSource
from tests.postgres import PostgresServer


@pytest.fixture
def server_project(postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch,
                   request: pytest.FixtureRequest) -> str:
    """An empty database on the test server; its URL (the password comes from PGPASSWORD)."""
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)
    return postgres_server.fresh_database(f"formix_{request.node.name.lower()[:40]}")


def _import_demo(location: str, folder: Path) -> None:
    profiles = demo_profiles()
    sources = write_demo_sources(folder)
    services.import_sources(location, [ImportSource(s.path, s.kind, profiles[s.kind])
                                       for s in sources])


def test_the_whole_workflow_runs_on_a_server_project(
        server_project: str, demo_project: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    services.create_project(server_project)
    _import_demo(server_project, tmp_path / "sources")
    on_server = services.project_summary(server_project)
    assert on_server.counts == services.project_summary(demo_project).counts
    table, _report = services.modelling_table(server_project)
    reference, _ = services.modelling_table(demo_project)
    pd.testing.assert_frame_equal(table.frame, reference.frame)

    # The rest as IT scripts it: the URL is the project on every command line.
    assert main(["train", server_project, "--cv-folds", "0", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["optimize", "--project", server_project, "--population", "24",
                 "--generations", "8", "-k", "2", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["max_constraint_violation"] <= 1e-9
    picked = run["recommendations"][0]["id"]
    assert main(["recommend", "--project", server_project, "-k", "2", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    batch = optimisation.batch_ids(server_project)[0]
    # a demo batch, not made to the recommendation: recorded with --force
    assert main(["trials", "record", "--project", server_project, "--recommendation",
                 str(picked), "--batch", batch, "--force"]) == 0
    assert main(["trials", "list", "--project", server_project]) == 0
    assert batch in capsys.readouterr().out

    trials = optimisation.trials(server_project)
    assert list(trials["batch_id"].unique()) == [batch]
    assert optimisation.optimisation_runs(server_project).shape[0] == 1
    reopened = services.project_summary(server_project).counts
    assert reopened == {**on_server.counts, "model_versions": 1}


def test_a_rejected_import_leaves_the_server_project_untouched(server_project: str,
                                                               tmp_path: Path) -> None:
    services.create_project(server_project)
    _import_demo(server_project, tmp_path / "sources")
    before = services.project_summary(server_project).counts
    bad = tmp_path / "recipes_bad.csv"
    bad.write_text("recipe,cement,water\nNEW-1,300,180\nNEW-2,abc,175\n")
    with pytest.raises(ImportRejected) as rejected:
        services.import_files(server_project, [bad], kind="recipes")
    assert "recipes_bad.csv" in str(rejected.value)
    assert services.project_summary(server_project).counts == before


def test_server_errors_say_what_is_wrong_without_the_password(
        postgres_server: PostgresServer) -> None:
    empty = postgres_server.fresh_database("formix_empty")
    with_password = postgres_server.with_password(empty)
    with pytest.raises(ProjectError, match="not a Formix project") as not_a_project:
        services.project_summary(with_password)
    wrong = postgres_server.with_password(empty, "wrong-secret")
    with pytest.raises(ProjectError, match="cannot connect to the database") as refused:
        services.project_summary(wrong)
    assert "password authentication failed" in str(refused.value)
    for error, password in ((not_a_project, postgres_server.password),
                            (refused, "wrong-secret")):
        assert password not in str(error.value) and "***" in str(error.value)


def test_a_server_project_is_created_only_in_an_empty_database(
        server_project: str, postgres_server: PostgresServer) -> None:
    url = server_project
    services.create_project(url)
    with pytest.raises(ProjectError, match="holds a Formix project already; open it"):
        services.create_project(url)
    assert services.project_summary(url).counts["recipes"] == 0

    plant = postgres_server.fresh_database("plant_erp")
    with postgres_server.connect("plant_erp") as connection:
        connection.execute("CREATE TABLE orders (id integer)")
    with pytest.raises(ProjectError, match=r"holds 1 other table\(s\) \(orders\); create the "
                                           "project in an empty database"):
        services.create_project(plant)
    with postgres_server.connect("plant_erp") as connection:
        tables = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = "
                                    "'public'").fetchall()
    assert tables == [("orders",)]  # nothing was added beside the plant's table

    with pytest.raises(ProjectError, match="cannot connect to the database"):
        services.create_project(url.replace(f":{postgres_server.port}/", ":1/"))
