"""Test-wide settings: headless Qt, passive OpenMP, the shared datasets folder, the demo project
and a live PostgreSQL (``postgres_server``, see :mod:`tests.postgres`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.postgres import postgres_server  # noqa: F401  (a fixture for every test folder)

# Before any QApplication or lightgbm import: no display needed, no OpenMP spinning.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"


def shared_dataset(*parts: str) -> Path:
    """A file under ../shared/datasets, or skip the test with the reason it is absent."""
    path = SHARED_DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared datasets live beside the repo, not in it)")
    return path


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per test session (read-only for tests: copy to modify)."""
    from engine import services

    path, _summary, _created = services.create_demo(tmp_path_factory.mktemp("demo"))
    return path


@pytest.fixture
def demo_copy(tmp_path: Path, demo_project: Path) -> Path:
    """A copy of the demo project that a test may change."""
    import shutil

    copy = tmp_path / "demo.formix"
    shutil.copy(demo_project, copy)
    return copy
