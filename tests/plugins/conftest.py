"""Fixtures of the plugin tests: isolated plugin settings and fake plugins (the live
PostgreSQL is ``tests.postgres``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import engine.ingest.registry as registry_module
from tests.conftest import REPO_ROOT

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = REPO_ROOT / "plugins" / "example_reader"


@pytest.fixture(autouse=True)
def _isolated_plugins(formix_plugin_dirs: dict[str, Path],
                      monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Every plugin test gets empty plugin settings/folder and a fresh application registry."""
    monkeypatch.setattr(registry_module, "_default", None)
    return formix_plugin_dirs


# -- fake plugins --------------------------------------------------------------------------
@dataclass
class FakePlugins:
    """Writes fake plugin packages into a folder on ``sys.path``."""

    root: Path

    def make(self, package: str, reader: str, *, manifest: str | None = None,
             contract: str = "1.0", patterns: str = '["*.fake"]') -> EntryPoint:
        folder = self.root / package
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "reader.py").write_text(reader)
        (folder / "formix.toml").write_text(manifest if manifest is not None else (
            f'name = "{package}"\ndisplay_name = "Fake {package}"\nversion = "0.3.1"\n'
            f'formix_contract = "{contract}"\n\n[[readers]]\nid = "fake"\n'
            f'title = "Fake files"\npython_name = "{package}.reader:Reader"\n'
            f"patterns = {patterns}\npriority = 50\n"))
        return EntryPoint(package, f"{package}:formix.toml", "formix.readers")


@pytest.fixture
def fake_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlugins]:
    root = tmp_path / "fake-site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield FakePlugins(root)
    for name in [m for m in sys.modules if m.startswith("fake_")]:
        del sys.modules[name]
